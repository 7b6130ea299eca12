#include "engine/runtime/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/ir/hash.h"
#include "compiler/ir/serialize.h"
#include "engine/eval/eval.h"
#include "engine/history/history.h"
#include "engine/runtime/execution.h"
#include "engine/store/ids.h"
#include "stdlib/connectors/http_connection.h"

namespace weft::runtime {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
/// Timers whose owner starts with this belong to triggers (`$schedule:...`), which
/// server/triggers fires; the engine's timer loop neither fires nor waits for them.
constexpr std::string_view kTriggerOwnerPrefix = "$";
}  // namespace

Engine::Engine(asio::io_context& io, store::ExecutionStore& store, EngineOptions options)
    : io_(io), store_(store), opts_(std::move(options)), timer_(io), heartbeat_(io), alive_(std::make_shared<bool>(true)) {
  if (!opts_.clock)
    opts_.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  if (!opts_.env)
    opts_.env = [](std::string_view name) -> std::optional<std::string> {
      const char* v = std::getenv(std::string(name).c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
  if (!opts_.secret) opts_.secret = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  // Every secret value resolved is remembered so that it can be masked wherever it shows up.
  secrets_ = std::make_shared<connectors::Redactor>();
  opts_.secret = [inner = opts_.secret, red = secrets_](std::string_view name) -> std::optional<std::string> {
    auto v = inner(name);
    if (v && !v->empty()) red->add(*v);
    return v;
  };
  if (!opts_.connections)
    opts_.connections = [this](const ir::Connection& c, const json::value& settings,
                               std::string& error) -> std::shared_ptr<connectors::Connection> {
      connectors::HttpConfig cfg;
      json::object s = settings.is_object() ? settings.get_object() : json::object{};
      s.erase("retry");  // retries belong to the runtime
      s["name"] = c.name;
      if (!connectors::http_config_from_json(s, cfg, error)) return nullptr;
      return connectors::HttpConnection::create(io_.get_executor(), std::move(cfg), error);
    };
}

Engine::~Engine() {
  *alive_ = false;
  shutdown();
}

int64_t Engine::now() const { return opts_.clock(); }

json::value Engine::redact(const json::value& v) const {
  // Sources only grow; re-collected only when a secret was resolved or a token fetched since.
  size_t known = secrets_->size();
  for (const auto& [k, c] : connections_)
    if (auto* r = c->secrets()) known += r->size();
  if (known != redactor_sources_) {
    redactor_.add_all(*secrets_);
    for (const auto& [k, c] : connections_)
      if (auto* r = c->secrets()) redactor_.add_all(*r);
    redactor_sources_ = known;
  }
  return redactor_.size() ? redactor_.redact_json(v) : v;
}

std::string Engine::deploy(std::shared_ptr<const ir::Module> module, std::map<std::string, std::string>* versions) {
  std::vector<store::FlowDeployment> deps;
  for (const auto& f : module->flows) {
    store::FlowDeployment d;
    d.flow = f.name;
    d.canonical_json = ir::version_input(*module, f);
    d.hash = ir::sha256_hex(d.canonical_json);
    if (versions) (*versions)[f.name] = d.hash;
    auto lf = std::make_shared<LoadedFlow>();
    lf->module = module;
    lf->flow = &f;
    lf->version = d.hash;
    lf->index = std::make_unique<ir::FlowIndex>(f);
    versions_[d.hash + "/" + f.name] = lf;
    deps.push_back(std::move(d));
  }
  auto st = store_.deploy(deps);
  return st.ok() ? "" : st.to_string();
}

std::shared_ptr<LoadedFlow> Engine::version(const std::string& hash, const std::string& flow) {
  std::string k = hash + "/" + flow;
  if (auto it = versions_.find(k); it != versions_.end()) return it->second;
  auto text = store_.get_version(hash);
  if (!text) return nullptr;
  // The stored text is the version's input: the flow and what it depends on.
  std::string error;
  auto mod = ir::module_from_stored(*text, &error);
  if (!mod) {
    spdlog::error("flow version {}: cannot load: {}", hash, error);
    return nullptr;
  }
  auto shared = std::make_shared<const ir::Module>(std::move(*mod));
  auto lf = std::make_shared<LoadedFlow>();
  lf->module = shared;
  lf->flow = shared->find_flow(flow);
  if (!lf->flow) return nullptr;
  lf->version = hash;
  lf->index = std::make_unique<ir::FlowIndex>(*lf->flow);
  versions_[k] = lf;
  return lf;
}

const json::object* Engine::connection_settings(const LoadedFlow& f, const std::string& name) {
  std::string k = f.version + "/" + name;
  if (auto it = connection_settings_.find(k); it != connection_settings_.end()) return &it->second;
  const ir::Connection* c = f.module->find_connection(name);
  if (!c) return nullptr;
  functions::SystemContext sys;
  eval::Env env;
  env.module = f.module.get();
  env.fctx = &sys;
  env.secret = opts_.secret;
  env.env = opts_.env;
  eval::Frame frame;
  json::object out;
  for (const auto& s : c->settings) {
    try {
      out[s.name] = s.value ? eval::evaluate(*s.value, frame, env) : json::value(nullptr);
    } catch (const std::exception& e) {
      spdlog::error("connection {}: setting `{}`: {}", name, s.name, e.what());
      return nullptr;
    }
  }
  return &(connection_settings_[k] = std::move(out));
}

std::shared_ptr<connectors::Connection> Engine::connection(const LoadedFlow& f, const std::string& name,
                                                           std::string& error) {
  std::string k = f.version + "/" + name;
  if (auto it = connections_.find(k); it != connections_.end()) return it->second;
  const ir::Connection* c = f.module->find_connection(name);
  if (!c) {
    error = "no such connection";
    return nullptr;
  }
  const json::object* settings = connection_settings(f, name);
  if (!settings) {
    error = "its settings could not be evaluated (a missing secret?)";
    return nullptr;
  }
  auto conn = opts_.connections(*c, *settings, error);
  if (conn) connections_[k] = conn;
  return conn;
}

std::vector<ConnectionState> Engine::connection_states() const {
  std::vector<ConnectionState> out;
  for (const auto& [key, conn] : connections_) {  // key: "version/name"
    auto state = conn->breaker();
    if (!state) continue;
    auto slash = key.find('/');
    out.push_back({key.substr(0, slash), key.substr(slash + 1), *state});
  }
  return out;
}

void Engine::start(const std::string& flow, json::value input, std::optional<std::string> idempotency_key,
                   std::function<void(std::string, std::string)> done) {
  auto info = store_.get_flow(flow);
  if (!info) return done("", "flow `" + flow + "` is not deployed");
  store::NewExecution ne;
  ne.flow = flow;
  ne.version = info->deployed_hash;
  ne.input = std::move(input);
  ne.idempotency_key = std::move(idempotency_key);
  ne.first_event = history::to_event(history::ExecutionStarted{ne.flow, ne.version, ne.input});
  if (opts_.lease_ms > 0) {  // cluster mode: the lease comes with the creation (no extra write)
    ne.lease_owner = opts_.owner;
    ne.lease_ttl_ms = opts_.lease_ms;
  }
  if (auto lf = stopped_ ? nullptr : version(ne.version, flow)) {
    // The first walk runs in memory; its first commit creates the execution with what it recorded
    // (one transaction fewer) and answers `done` (Execution::create).
    ne.id = store::new_id();
    store::ExecutionRecord rec;
    rec.id = ne.id;
    rec.flow = ne.flow;
    rec.version = ne.version;
    rec.input = ne.input;
    rec.created_at_ms = rec.updated_at_ms = store::id_time_ms(ne.id).value_or(0);
    rec.history_length = 1;
    auto exec = std::make_shared<Execution>(*this, std::move(rec), lf, ExecutionState{},
                                            Execution::Creation{std::move(ne), std::move(done)});
    live_[exec->id()] = exec;
    exec->run();
    return;
  }
  store::ExecutionRecord rec;  // what the creation writes, so that loading it reads nothing back
  rec.flow = ne.flow;
  rec.version = ne.version;
  rec.input = ne.input;
  rec.history_length = 1;
  auto alive = alive_;
  store_.create(std::move(ne), [this, alive, done, rec](const store::Result<store::Created>& r) {
    store::Result<store::Created> copy = r;
    asio::post(io_, [this, alive, done, copy, rec]() mutable {
      if (!*alive) return;
      if (!copy.ok()) return done("", copy.status().to_string());
      if (!copy->existing) {
        rec.id = copy->id;
        rec.created_at_ms = store::id_time_ms(rec.id).value_or(now());
        rec.updated_at_ms = now();
        load(copy->id, std::move(rec));
      }
      done(copy->id, "");
    });
  });
}

void Engine::signal(const std::string& id, const std::string& name, json::value payload,
                    std::function<void(std::string)> done) {
  auto alive = alive_;
  store_.enqueue_signal(id, name, std::move(payload), [this, alive, id, done](const store::Status& st) {
    asio::post(io_, [this, alive, id, done, st] {
      if (!*alive) return;
      if (st.ok()) wake(id);
      done(st.ok() ? "" : st.to_string());
    });
  });
}

void Engine::cancel(const std::string& id, std::function<void(std::string)> done) {
  auto rec = store_.get_execution(id);
  if (!rec || rec->status != store::ExecutionStatus::paused) return signal(id, "$cancel", nullptr, std::move(done));
  // A paused execution runs again with the cancel pending: it stops at the step that paused it
  // (the first one without an outcome) and its compensations run.
  std::string problem;
  auto state = parse_snapshot(store_.get_snapshot(id).value_or(""), id, problem);
  if (!state) return done(problem);
  if (auto flow = version(rec->version, rec->flow)) reset_failures(*state, *flow->index, true);
  if (auto st = store_.enqueue_signal_sync(id, "$cancel", nullptr); !st.ok()) return done(st.to_string());
  store::Transition tr;
  tr.execution_id = id;
  tr.expected_length = rec->history_length;
  tr.snapshot = json::serialize(to_json(*state));
  tr.status = store::ExecutionStatus::running;
  if (auto st = store_.transition_sync(std::move(tr)); !st.ok()) return done(st.to_string());
  load(id);
  done("");
}

void Engine::resume_unheld(bool rebuild_slots) {
  for (const auto& id : store_.claimable_executions(opts_.owner, rebuild_slots ? 0 : 1000)) {
    if (live_.count(id)) continue;
    auto state = snapshot(id);
    if (!state) continue;  // refused (logged): never run on a misread snapshot
    if (rebuild_slots) rebuild_slot(id, *state);
    if (auto rec = store_.get_execution(id); rec && rec->status == store::ExecutionStatus::paused)
      continue;  // waits for replay or cancel, holding its slot
    if (state->suspended) {
      // Waiting executions stay on disk: timers wake them through the scheduler; a signal or a
      // child that ended while we were down wakes them now.
      // Cluster mode: one queued for a concurrency slot tries again (a holder may have ended on
      // another node).
      bool wake_now = !store_.pending_signals(id, 1).empty() || (opts_.lease_ms > 0 && !rebuild_slots && state->queued);
      for (const auto& [k, cid] : state->children)
        if (auto r = store_.get_execution(cid); !wake_now && r && store::is_terminal(r->status)) wake_now = true;
      if (!wake_now) continue;
    }
    load(id);
  }
}

void Engine::recover() {
  stopped_ = false;
  if (auto c = store_.get_cursor("$events")) event_offset_ = std::strtoull(c->c_str(), nullptr, 10);
  slots_.clear();
  resume_unheld(true);
  // Queued executions that fit into the slots now free start (ids are time-ordered: arrival order).
  for (auto& [name, slot] : slots_) {
    std::sort(slot.waiting.begin(), slot.waiting.end());
    wake_waiters(slot);
  }
  schedule_timers();
  events_published();
  if (opts_.lease_ms > 0) {
    heartbeat_.expires_after(std::chrono::milliseconds(std::max<int64_t>(1, opts_.lease_ms / 3)));
    heartbeat_.async_wait([this, alive = alive_](boost::system::error_code ec) {
      if (*alive && !ec) heartbeat();
    });
  }
}

void Engine::heartbeat() {
  if (stopped_) return;
  std::vector<std::string> ids;
  for (const auto& [id, e] : live_)
    if (e->stored()) ids.push_back(id);  // one still being created has no lease row yet
  if (!ids.empty()) {
    auto lost = store_.renew_leases(opts_.owner, ids, opts_.lease_ms);
    std::set<std::string> gone;
    if (lost.ok()) gone.insert(lost->begin(), lost->end());
    else spdlog::warn("lease heartbeat: {}", lost.status().to_string());
    for (const auto& id : ids) {
      auto it = live_.find(id);
      if (it == live_.end()) continue;
      if (gone.count(id)) {
        // An execution that has just ended dropped its lease with its last write. When that
        // write's callback has not reached this thread yet (not in ended_), its record tells: a
        // terminal one ends on its own and is left alone.
        if (!ended_.count(id)) {
          if (auto rec = store_.get_execution(id); rec && store::is_terminal(rec->status)) continue;
          spdlog::warn("execution {}: its lease was taken over by another node; leaving it", id);
        }
        it->second->abandon();
      } else if (!store_.pending_signals(id, 1).empty()) {
        it->second->notify();  // a signal or cancel delivered through another node
      }
    }
  }
  resume_unheld(false);
  heartbeat_.expires_after(std::chrono::milliseconds(std::max<int64_t>(1, opts_.lease_ms / 3)));
  heartbeat_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (*alive && !ec) heartbeat();
  });
}

void Engine::shutdown() {
  stopped_ = true;
  timer_.cancel();
  heartbeat_.cancel();
}

void Engine::load(const std::string& id, std::optional<store::ExecutionRecord> created) {
  if (stopped_) return;
  if (auto it = live_.find(id); it != live_.end()) {
    wake_pending_.insert(id);
    it->second->notify();
    return;
  }
  bool fresh = created.has_value();
  auto rec = fresh ? std::move(created) : store_.get_execution(id);
  if (!rec || store::is_terminal(rec->status) || rec->status == store::ExecutionStatus::paused) return;
  auto flow = version(rec->version, rec->flow);
  if (!flow) {
    spdlog::error("execution {}: flow version {} of `{}` is not available", id, rec->version, rec->flow);
    return;
  }
  std::string problem;
  auto state = fresh ? parse_snapshot("", id, problem) : snapshot(id);
  if (!state) return;
  if (opts_.lease_ms > 0 && !fresh) {
    // Cluster mode: run it only while holding its lease (another node may hold it). Whether by its
    // timer, a signal or the heartbeat: taking an expired lease of another node is a take-over.
    auto before = store_.get_lease(id);
    auto st = store_.acquire_lease(id, opts_.owner, opts_.lease_ms);
    if (!st.ok()) {
      if (st.code() != store::Errc::conflict) spdlog::warn("execution {}: cannot take its lease: {}", id, st.to_string());
      return;
    }
    if (before && before->owner != opts_.owner)
      spdlog::info("execution {}: taking it over from {} (lease expired)", id, before->owner);
  }
  auto exec = std::make_shared<Execution>(*this, std::move(*rec), flow, std::move(*state));
  live_[id] = exec;
  exec->run();
}

void Engine::loaded_done(const std::string& id) {
  live_.erase(id);
  bool ended = ended_.erase(id) > 0;
  if (wake_pending_.erase(id)) load(id);
  // Cluster mode: an execution that left memory unfinished is free for any node (its timer or a
  // signal loads it again); a terminal transition dropped the lease already.
  if (opts_.lease_ms > 0 && !ended && !live_.count(id)) store_.release_lease(id, opts_.owner);
}

void Engine::wake(const std::string& id) { load(id); }

void Engine::terminal(const store::ExecutionRecord& rec) {
  wake_pending_.erase(rec.id);
  if (opts_.lease_ms > 0 && live_.count(rec.id)) ended_.insert(rec.id);
  if (!rec.parent_id.empty()) wake(rec.parent_id);
  if (opts_.on_terminal) opts_.on_terminal(rec);
}

void Engine::paused(const store::ExecutionRecord& rec) {
  wake_pending_.erase(rec.id);
  if (opts_.on_paused) opts_.on_paused(rec);
}

void Engine::timer_added(int64_t due_ms) {
  if (due_ms < timer_due_) {
    asio::post(io_, [this, alive = alive_] {
      if (*alive) schedule_timers();
    });
  }
}

void Engine::arm_timer(asio::steady_timer& t, int64_t due_ms) {
  if (opts_.arm_timer) return opts_.arm_timer(t, due_ms);
  if (due_ms == INT64_MAX) t.expires_at(asio::steady_timer::time_point::max());
  else t.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, due_ms - now())));
}

void Engine::timer_done(asio::steady_timer& t) {
  if (opts_.timer_done) opts_.timer_done(t);
}

void Engine::schedule_timers() {
  if (stopped_) return;
  auto next = store_.next_timer_due(kTriggerOwnerPrefix);
  if (!next) {
    timer_due_ = INT64_MAX;
    timer_.cancel();
    timer_done(timer_);
    return;
  }
  int64_t due = std::max(*next, now());
  timer_due_ = due;
  arm_timer(timer_, due);
  timer_.async_wait([this, alive = alive_, due](boost::system::error_code ec) {
    // A wait cut short counts as fired once its time has come (a test clock that jumped).
    if (!*alive || timer_due_ != due || (ec && now() < due)) return;
    run_due_timers();
  });
}

void Engine::run_due_timers() {
  if (stopped_) return;
  int64_t n = now();
  bool pending_live = false;
  for (const auto& t : store_.due_timers(n, 1000)) {
    if (t.key.owner.starts_with(kTriggerOwnerPrefix)) continue;  // server/triggers fires it
    if (live_.count(t.key.owner)) {
      pending_live = true;  // its own in-memory wait fires it
      continue;
    }
    auto rec = store_.get_execution(t.key.owner);
    if (!rec || store::is_terminal(rec->status)) {
      store_.update_timers({}, {t.key});  // a timer of an execution that ended is stale
      continue;
    }
    load(t.key.owner);
    pending_live = true;  // loaded here, or held by another node (cluster mode): look again soon
  }
  auto next = store_.next_timer_due(kTriggerOwnerPrefix);
  int64_t due = next ? std::max(*next, n + (pending_live ? 200 : 0)) : INT64_MAX;
  if (due == INT64_MAX) {
    timer_due_ = INT64_MAX;
    return;
  }
  timer_due_ = due;
  arm_timer(timer_, due);
  timer_.async_wait([this, alive = alive_, due](boost::system::error_code ec) {
    if (!*alive || timer_due_ != due || (ec && now() < due)) return;
    run_due_timers();
  });
}

// ------------------------------------------------------------------ concurrency slots

void Engine::wake_waiters(const Slot& s) {
  size_t free = s.limit > static_cast<int64_t>(s.holders.size()) ? static_cast<size_t>(s.limit) - s.holders.size() : 0;
  for (size_t i = 0; i < free && i < s.waiting.size(); ++i) wake(s.waiting[i]);
}

bool Engine::admit(const std::string& name, int64_t limit, const std::string& id) {
  Slot& s = slots_[name];
  s.limit = limit;
  if (std::find(s.holders.begin(), s.holders.end(), id) != s.holders.end()) return true;
  if (opts_.lease_ms > 0) {
    // Cluster mode: the holders of every node are counted in the store; a waiter on any node
    // tries again when its node's heartbeat loads it (no order across nodes).
    auto r = store_.acquire_slot(name, limit, id);
    if (!r.ok()) spdlog::warn("execution {}: concurrency slot {}: {}", id, name, r.status().to_string());
    if (r.ok() && *r) {
      std::erase(s.waiting, id);
      s.holders.push_back(id);
      return true;
    }
    if (std::find(s.waiting.begin(), s.waiting.end(), id) == s.waiting.end()) s.waiting.push_back(id);
    return false;
  }
  auto pos = std::find(s.waiting.begin(), s.waiting.end(), id);
  size_t ahead = static_cast<size_t>(pos - s.waiting.begin());
  size_t free = limit > static_cast<int64_t>(s.holders.size()) ? static_cast<size_t>(limit) - s.holders.size() : 0;
  if (ahead < free) {  // first come, first served: only the earliest waiters take free slots
    if (pos != s.waiting.end()) s.waiting.erase(pos);
    s.holders.push_back(id);
    return true;
  }
  if (pos == s.waiting.end()) s.waiting.push_back(id);
  return false;
}

void Engine::release(const std::string& name, const std::string& id) {
  if (opts_.lease_ms > 0)
    if (auto st = store_.release_slot(name, id); !st.ok())
      spdlog::warn("execution {}: concurrency slot {}: {}", id, name, st.to_string());
  auto it = slots_.find(name);
  if (it == slots_.end()) return;
  Slot& s = it->second;
  std::erase(s.holders, id);
  std::erase(s.waiting, id);
  if (s.holders.empty() && s.waiting.empty()) {
    slots_.erase(it);  // keys are often per record (contact.id): keep only slots in use
    return;
  }
  wake_waiters(s);
}

std::optional<ExecutionState> Engine::snapshot(const std::string& id) {
  std::string error;
  auto state = parse_snapshot(store_.get_snapshot(id).value_or(""), id, error);
  if (!state && refused_.insert(id).second) spdlog::error("{}; it is left as it is", error);
  return state;
}

void Engine::rebuild_slot(const std::string& id, const ExecutionState& state) {
  if (state.queued) {
    Slot& s = slots_[state.queued->slot];
    s.limit = state.queued->limit;
    s.waiting.push_back(id);
  } else if (state.slot) {
    Slot& s = slots_[*state.slot];
    s.limit = state.slot_limit;
    s.holders.push_back(id);
  }
}

std::string Engine::publish(std::string_view type, json::value data) {
  auto st = store_.append_event(type, std::move(data));
  if (!st.ok()) return st.to_string();
  events_published();
  return "";
}

void Engine::events_published() {
  if (dispatching_) return;
  dispatching_ = true;
  asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    dispatching_ = false;
    dispatch_events();
  });
}

// Starts the flows whose `on event` triggers match each new event of the durable queue.
void Engine::dispatch_events() {
  if (stopped_) return;
  auto events = store_.read_events(event_offset_, 100);
  if (events.empty()) return;
  auto flows = store_.list_flows();
  for (const auto& ev : events) {
    for (const auto& fi : flows) {
      auto lf = version(fi.deployed_hash, fi.name);
      if (!lf) continue;
      for (const auto& tr : lf->flow->triggers) {
        if (tr.kind != "event" || !tr.subject) continue;
        functions::SystemContext sys;
        eval::Env env{lf->module.get(), &sys, opts_.secret, opts_.env};
        eval::Frame frame;
        frame.ctx["event"] = ev.data;
        try {
          json::value type = eval::evaluate(*tr.subject, frame, env);
          if (!type.is_string() || type.get_string() != ev.type) continue;
          json::value input = ev.data;  // without `input` the event data is the input (docs/language.md)
          bool pass = true;
          for (const auto& s : tr.settings) {
            json::value v = s.value ? eval::evaluate(*s.value, frame, env) : json::value(nullptr);
            if (s.name == "where") pass = v.is_bool() && v.get_bool();
            if (s.name == "input") input = v;
          }
          if (!pass) continue;
          start(fi.name, std::move(input), "event:" + std::to_string(ev.offset) + ":" + fi.name,
                [name = fi.name](std::string, std::string err) {
                  if (!err.empty()) spdlog::error("event trigger of `{}`: {}", name, err);
                });
        } catch (const std::exception& e) {
          spdlog::error("event trigger of `{}`: {}", fi.name, e.what());
        }
      }
    }
    event_offset_ = ev.offset;
  }
  store_.put_cursor("$events", std::to_string(event_offset_));
  events_published();
}

}  // namespace weft::runtime
