#include "server/triggers.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>
#include <spdlog/spdlog.h>

#include "engine/eval/eval.h"
#include "server/webhook_verify.h"

namespace weft::server {
namespace asio = boost::asio;
namespace json = boost::json;

// ------------------------------------------------------------------ helpers

namespace {

constexpr const char* kScheduleRegistry = "$schedules";  // cursor: JSON array of schedule owners
constexpr const char* kScheduleTimer = "fire";           // timer id of every schedule

HttpResponse json_response(int status, const json::value& body) {
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(body);
  return r;
}

HttpResponse error_response(int status, std::string_view code, std::string_view message,
                            json::object extra = {}) {
  json::object e{{"code", code}, {"message", message}};
  for (auto& [k, v] : extra) e[k] = std::move(v);
  return json_response(status, json::object{{"error", std::move(e)}});
}

const ir::Setting* find_setting(const ir::Trigger& t, std::string_view name) {
  for (const auto& s : t.settings)
    if (s.name == name && s.value) return &s;
  return nullptr;
}

/// True when `e` reads the trigger-scope name `name`.
bool reads_ctx(const ir::ExprPtr& e, std::string_view name) {
  if (!e) return false;
  if (e->op == ir::Expr::Op::Ctx && e->name == name) return true;
  for (const auto& a : e->args)
    if (reads_ctx(a, name)) return true;
  for (const auto& n : e->named)
    if (reads_ctx(n.value, name)) return true;
  for (const auto& en : e->entries)
    if (reads_ctx(en.value, name)) return true;
  return false;
}

/// Evaluates trigger expressions of one flow version with the engine's secrets and environment.
class TriggerScope {
 public:
  TriggerScope(runtime::Engine& engine, const runtime::LoadedFlow& lf)
      : env_{lf.module.get(), &sys_, engine.options().secret, engine.options().env} {
    frame_.slots.resize(lf.flow->slots.size());
    frame_.names = &lf.flow->slots;
  }
  /// Binds a trigger-scope name (body, headers, item, cursor, ...).
  void bind(const std::string& name, json::value v) { frame_.ctx[name] = std::move(v); }
  /// The value of `e`; throws eval::Error.
  json::value eval(const ir::ExprPtr& e) { return e ? eval::evaluate(*e, frame_, env_) : json::value(nullptr); }
  /// The value of the trigger setting `name`, or `fallback` when the trigger does not set it.
  json::value setting(const ir::Trigger& t, std::string_view name, json::value fallback = nullptr) {
    const ir::Setting* s = find_setting(t, name);
    return s ? eval(s->value) : fallback;
  }

 private:
  functions::SystemContext sys_;
  eval::Env env_;
  eval::Frame frame_;
};

/// The input problem of `input` against the flow's parameters (as the execution checks it), or "".
std::string input_problem(const runtime::LoadedFlow& lf, const json::value& input) {
  for (const auto& p : lf.flow->params) {
    json::value v = nullptr;
    if (input.is_object())
      if (auto* x = input.get_object().if_contains(p.name)) v = *x;
    if (auto problem = eval::validate(p.type, v, *lf.module, p.name)) return *problem;
  }
  return "";
}

/// A duration value (int ms, or a float) as ms.
int64_t to_ms(const json::value& v, int64_t fallback) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v.get_uint64(), INT64_MAX));
  if (v.is_double()) return static_cast<int64_t>(v.get_double());
  return fallback;
}

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

/// How a webhook body is read into `body`.
enum class BodyKind { json, form, text };

BodyKind body_kind(const HttpRequest& req) {
  if (const std::string* ct = req.header("content-type")) {
    std::string lower = *ct;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("json") != std::string::npos) return BodyKind::json;
    if (lower.starts_with("application/x-www-form-urlencoded")) return BodyKind::form;
    return BodyKind::text;
  }
  auto first = req.body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && (req.body[first] == '{' || req.body[first] == '[') ? BodyKind::json
                                                                                           : BodyKind::text;
}

/// A form body as an object of decoded fields (the first of repeated names); nullopt when malformed.
std::optional<json::object> parse_form(std::string_view text) {
  auto params = boost::urls::parse_query(text);
  if (!params) return std::nullopt;
  json::object out;
  boost::urls::encoding_opts plus(true);
  for (auto p : *params) {
    std::string key = p.key.decode(plus);
    if (!out.contains(key)) out[key] = p.has_value ? p.value.decode(plus) : std::string();
  }
  return out;
}

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// ------------------------------------------------------------------ CronTrigger

CronTrigger::CronTrigger(functions::CronSchedule cron, std::shared_ptr<const functions::TimeZone> zone,
                         std::string expr, std::string zone_name)
    : cron_(std::move(cron)), zone_(std::move(zone)), expr_(std::move(expr)), zone_name_(std::move(zone_name)) {}

std::optional<CronTrigger> CronTrigger::make(const std::string& expr, const std::string& timezone, std::string& error) {
  auto parsed = functions::CronSchedule::parse(expr);
  if (auto* e = std::get_if<functions::CronError>(&parsed)) {
    error = "invalid cron expression `" + expr + "`: " + e->message;
    return std::nullopt;
  }
  std::string name = timezone.empty() ? "UTC" : timezone;
  std::shared_ptr<const functions::TimeZone> zone =
      name == "UTC" ? functions::TimeZone::utc() : functions::TimeZone::load(name, error);
  if (!zone) {
    error = "unknown time zone `" + name + "`" + (error.empty() ? "" : ": " + error);
    return std::nullopt;
  }
  return CronTrigger(std::get<functions::CronSchedule>(std::move(parsed)), std::move(zone), expr, name);
}

std::optional<int64_t> CronTrigger::next_after(int64_t after_ms) const { return cron_.next_after(after_ms, *zone_); }

std::optional<int64_t> CronTrigger::next_after_fire(int64_t due_ms, int64_t now_ms) const {
  return next_after(std::max(due_ms, now_ms));
}

// ------------------------------------------------------------------ state

struct TriggerManager::Route {
  std::string path, flow, method;
  std::shared_ptr<runtime::LoadedFlow> lf;
  size_t n = 0;
  bool sync = false;
  bool uses_body = false;
  const ir::Trigger& trigger() const { return lf->flow->triggers[n]; }
};

struct TriggerManager::Schedule {
  std::string owner, flow;
  size_t n = 0;
  std::shared_ptr<runtime::LoadedFlow> lf;
  std::optional<CronTrigger> cron;
  int64_t due = INT64_MAX;       // the stored timer's due time
  int64_t retry_at = 0;          // after a failed start: not before this
  bool busy = false;             // a start is in flight
  bool retired = false;          // replaced by a redeploy
};

struct TriggerManager::Poll {
  std::string name, flow;
  size_t n = 0;
  std::shared_ptr<runtime::LoadedFlow> lf;
  int64_t interval = 0;
  int64_t next = 0;
  int failures = 0;
  bool busy = false;
  bool retired = false;
};

struct TriggerManager::SyncWait {
  Respond respond;
  int64_t deadline = 0;  // steady ms
  int64_t every = 20;    // current polling interval (ms)
  std::unique_ptr<asio::steady_timer> timer;
};

TriggerManager::TriggerManager(runtime::Engine& engine, TriggerOptions options)
    : engine_(engine), opts_(options), timer_(engine.io()), alive_(std::make_shared<bool>(true)) {}

TriggerManager::~TriggerManager() {
  stop();
  *alive_ = false;
}

std::string TriggerManager::schedule_owner(const std::string& flow, size_t n) {
  return "$schedule:" + flow + ":" + std::to_string(n);
}

std::string TriggerManager::poll_cursor(const std::string& flow, size_t n) {
  return "$poll:" + flow + ":" + std::to_string(n);
}

std::vector<WebhookRoute> TriggerManager::webhooks() const {
  std::vector<WebhookRoute> out;
  for (const auto& [path, r] : routes_) out.push_back({r->path, r->flow, r->method});
  return out;
}

void TriggerManager::stop() {
  stopped_ = true;
  timer_.cancel();
  auto waiting = std::move(sync_);
  sync_.clear();
  for (auto& [id, list] : waiting)
    for (auto& w : list) {
      w->timer->cancel();
      w->respond(error_response(503, "shutting_down", "the server is shutting down; the execution goes on",
                                {{"execution_id", id}}));
    }
}

// ------------------------------------------------------------------ deploy

void TriggerManager::deployed() {
  stopped_ = false;
  routes_.clear();
  std::map<std::string, std::shared_ptr<Schedule>> schedules;
  std::map<std::string, std::shared_ptr<Poll>> polls;
  for (const auto& fi : engine_.store().list_flows()) {
    auto lf = engine_.version(fi.deployed_hash, fi.name);
    if (!lf) {
      spdlog::error("triggers: flow `{}` version {} cannot be loaded", fi.name, fi.deployed_hash);
      continue;
    }
    const auto& triggers = lf->flow->triggers;
    for (size_t n = 0; n < triggers.size(); ++n) {
      const ir::Trigger& t = triggers[n];
      TriggerScope scope(engine_, *lf);
      try {
        if (t.kind == "webhook") {
          json::value path = scope.eval(t.subject);
          if (!path.is_string() || path.get_string().empty() || path.get_string()[0] != '/') {
            spdlog::error("webhook trigger of `{}`: the path is not a string starting with `/`", fi.name);
            continue;
          }
          auto r = std::make_shared<Route>();
          r->path = std::string(path.get_string());
          r->flow = fi.name;
          r->lf = lf;
          r->n = n;
          json::value method = scope.setting(t, "method", "POST");
          r->method = method.is_string() ? std::string(method.get_string()) : "POST";
          std::transform(r->method.begin(), r->method.end(), r->method.begin(), ::toupper);
          json::value respond = scope.setting(t, "respond", "async");
          r->sync = respond.is_string() && respond.get_string() == "sync";
          const ir::Setting* input = find_setting(t, "input");
          r->uses_body = !input || reads_ctx(input->value, "body");
          if (auto [it, fresh] = routes_.emplace(r->path, r); !fresh)
            spdlog::error("webhook trigger of `{}`: path {} is already served by flow `{}`", fi.name, r->path,
                          it->second->flow);
        } else if (t.kind == "schedule") {
          json::value expr = scope.eval(t.subject);
          json::value tz = scope.setting(t, "timezone", "UTC");
          std::string error;
          auto cron = CronTrigger::make(expr.is_string() ? std::string(expr.get_string()) : eval::to_text(expr),
                                        tz.is_string() ? std::string(tz.get_string()) : "", error);
          if (!cron) {
            spdlog::error("schedule trigger of `{}`: {}", fi.name, error);
            continue;
          }
          auto s = std::make_shared<Schedule>();
          s->owner = schedule_owner(fi.name, n);
          s->flow = fi.name;
          s->n = n;
          s->lf = lf;
          s->cron = std::move(cron);
          schedules[s->owner] = s;
        } else if (t.kind == "poll" && t.poll) {
          std::string name = poll_cursor(fi.name, n);
          auto it = polls_.find(name);
          auto p = it != polls_.end() ? it->second : std::make_shared<Poll>();
          if (it == polls_.end()) p->next = engine_.now();  // a new poll trigger polls at once
          p->name = name;
          p->flow = fi.name;
          p->n = n;
          p->lf = lf;
          p->interval = std::max(opts_.poll_min_interval_ms, to_ms(scope.eval(t.every), 5 * 60 * 1000));
          polls[name] = p;
        }
      } catch (const std::exception& e) {
        spdlog::error("{} trigger of `{}`: {}", t.kind, fi.name, e.what());
      }
    }
  }
  for (auto& [name, p] : polls_)
    if (!polls.count(name)) p->retired = true;
  polls_ = std::move(polls);
  sync_schedules(std::move(schedules));
  arm();
}

void TriggerManager::sync_schedules(std::map<std::string, std::shared_ptr<Schedule>> next) {
  store::ExecutionStore& st = engine_.store();
  // The stored state of a schedule: {"due", "cron", "timezone"}; "" once removed.
  auto state_of = [&](const std::string& owner) -> json::object {
    auto text = st.get_cursor(owner);
    auto v = text ? parse_json(*text) : std::nullopt;
    return v && v->is_object() ? v->get_object() : json::object{};
  };
  auto due_of = [](const json::object& state) -> std::optional<int64_t> {
    auto* d = state.if_contains("due");
    return d && d->is_int64() ? std::optional<int64_t>(d->get_int64()) : std::nullopt;
  };
  std::set<std::string> known;
  if (auto reg = st.get_cursor(kScheduleRegistry); reg)
    if (auto v = parse_json(*reg); v && v->is_array())
      for (const auto& o : v->get_array())
        if (o.is_string()) known.insert(std::string(o.get_string()));
  for (const auto& [owner, s] : schedules_) {
    known.insert(owner);
    s->retired = true;
  }
  for (const auto& owner : known) {
    if (next.count(owner)) continue;
    json::object state = state_of(owner);  // a removed trigger: its timer goes
    if (auto due = due_of(state)) {
      st.update_timers({}, {store::TimerKey{*due, owner, kScheduleTimer}});
      spdlog::info("schedule {} removed", owner);
    }
    st.put_cursor(owner, "");
  }
  json::array registry;
  int64_t now = engine_.now();
  for (auto& [owner, s] : next) {
    registry.push_back(json::string(owner));
    json::object state = state_of(owner);
    auto due = due_of(state);
    auto text = [&](const char* k) {
      auto* v = state.if_contains(k);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    if (due && text("cron") == s->cron->expr() && text("timezone") == s->cron->timezone()) {
      s->due = *due;  // unchanged: keep the stored fire (a missed one fires now, once)
      st.update_timers({store::Timer{{*due, owner, kScheduleTimer}, ""}}, {});
      continue;
    }
    auto first = s->cron->next_after(now);
    std::vector<store::Timer> add;
    std::vector<store::TimerKey> remove;
    if (due) remove.push_back({*due, owner, kScheduleTimer});
    if (first) add.push_back({{*first, owner, kScheduleTimer}, ""});
    st.update_timers(add, remove);
    s->due = first.value_or(INT64_MAX);
    st.put_cursor(owner, json::serialize(json::object{
                             {"due", s->due}, {"cron", s->cron->expr()}, {"timezone", s->cron->timezone()}}));
    spdlog::info("schedule {} `{}` ({}): next fire at {} ms", owner, s->cron->expr(), s->cron->timezone(), s->due);
  }
  st.put_cursor(kScheduleRegistry, json::serialize(registry));
  schedules_ = std::move(next);
}

// ------------------------------------------------------------------ timers

void TriggerManager::arm() {
  if (stopped_) return;
  int64_t next = INT64_MAX;
  for (const auto& [o, s] : schedules_)
    if (!s->busy) next = std::min(next, std::max(s->due, s->retry_at));
  for (const auto& [n, p] : polls_)
    if (!p->busy) next = std::min(next, p->next);
  if (next == INT64_MAX) {
    timer_.cancel();
    return;
  }
  // Sleep at most max_sleep_ms, so that a jump of the wall clock is noticed soon.
  int64_t wait = std::clamp<int64_t>(next - engine_.now(), 0, opts_.max_sleep_ms);
  timer_.expires_after(std::chrono::milliseconds(wait));
  timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive) return;
    tick();
  });
}

void TriggerManager::tick() {
  if (stopped_) return;
  int64_t now = engine_.now();
  for (const auto& [o, s] : schedules_)
    if (!s->busy && s->due <= now && s->retry_at <= now) fire(s);
  for (const auto& [n, p] : polls_)
    if (!p->busy && p->next <= now) run_poll(p);
  // Schedule timers that are due but not ours (left by a crash between two writes, or by a trigger
  // that is gone) are removed, so the engine's timer loop does not keep meeting them.
  std::vector<store::TimerKey> stale;
  for (const auto& t : engine_.store().due_timers(now, 1000)) {
    if (!t.key.owner.starts_with("$schedule:")) continue;
    auto it = schedules_.find(t.key.owner);
    if (it == schedules_.end() || it->second->due != t.key.due_ms) stale.push_back(t.key);
  }
  if (!stale.empty()) engine_.store().update_timers({}, stale);
  arm();
}

// ------------------------------------------------------------------ schedules

void TriggerManager::fire(const std::shared_ptr<Schedule>& s) {
  int64_t due = s->due;
  json::value input = json::object{};
  try {
    TriggerScope scope(engine_, *s->lf);
    input = scope.setting(s->lf->flow->triggers[s->n], "input", json::object{});
  } catch (const std::exception& e) {
    // The mapping cannot succeed for this version: skip this fire rather than retry forever.
    spdlog::error("schedule {}: the input mapping failed: {}; fire at {} skipped", s->owner, e.what(), due);
    input = nullptr;
  }
  auto advance = [this, s, due] {
    auto next = s->cron->next_after_fire(due, engine_.now());
    std::vector<store::Timer> add;
    if (next) add.push_back({{*next, s->owner, kScheduleTimer}, ""});
    engine_.store().update_timers(add, {{due, s->owner, kScheduleTimer}});
    s->due = next.value_or(INT64_MAX);
    engine_.store().put_cursor(s->owner, json::serialize(json::object{
                                             {"due", s->due}, {"cron", s->cron->expr()}, {"timezone", s->cron->timezone()}}));
  };
  if (input.is_null()) {
    advance();
    return;
  }
  s->busy = true;
  std::string key = "schedule:" + s->flow + ":" + std::to_string(s->n) + ":" + std::to_string(due);
  engine_.start(s->flow, std::move(input), key, [this, alive = alive_, s, due, advance](std::string id, std::string err) {
    if (!*alive) return;
    s->busy = false;
    if (s->retired) return;  // a redeploy took over this schedule (its next fire is stored anew)
    if (!err.empty()) {
      spdlog::error("schedule {}: cannot start `{}`: {}; retrying", s->owner, s->flow, err);
      s->retry_at = engine_.now() + opts_.schedule_retry_ms;
    } else {
      spdlog::info("schedule {}: fire at {} started execution {}", s->owner, due, id);
      s->retry_at = 0;
      advance();
    }
    arm();
  });
}

// ------------------------------------------------------------------ polls

void TriggerManager::run_poll(const std::shared_ptr<Poll>& p) {
  p->busy = true;
  auto lf = p->lf;
  const ir::Trigger& t = lf->flow->triggers[p->n];
  const ir::Action& a = *t.poll;
  json::value cursor = nullptr;
  if (auto c = engine_.store().get_cursor(p->name); c && !c->empty())
    if (auto v = parse_json(*c)) cursor = std::move(*v);
  std::string err;
  auto conn = engine_.connection(*lf, a.connection, err);
  if (!conn) return poll_failed(p, "connection `" + a.connection + "`: " + err);
  connectors::Request req;
  try {
    TriggerScope scope(engine_, *lf);
    scope.bind("cursor", cursor);
    req.method = a.method;
    std::transform(req.method.begin(), req.method.end(), req.method.begin(), ::toupper);
    json::value path = scope.eval(a.path);
    req.url = path.is_string() ? std::string(path.get_string()) : eval::to_text(path);
    if (a.query) req.query = scope.eval(a.query);
    if (a.headers) {
      json::value h = scope.eval(a.headers);
      if (h.is_object())
        for (const auto& [k, v] : h.get_object())
          req.headers.emplace_back(std::string(k), v.is_string() ? std::string(v.get_string()) : eval::to_text(v));
    }
  } catch (const std::exception& e) {
    return poll_failed(p, std::string("the request cannot be built: ") + e.what());
  }
  asio::co_spawn(engine_.io(), conn->call(std::move(req)),
                 [this, alive = alive_, p, lf, conn, cursor](std::exception_ptr ex, connectors::CallResult r) {
                   if (!*alive) return;
                   if (ex) return poll_failed(p, "the call failed");
                   if (!r.ok()) return poll_failed(p, r.error().message);
                   if (auto e = connectors::classify(r.response())) return poll_failed(p, e->message);
                   poll_answered(p, lf, cursor, engine_.redact(connectors::to_json(r.response())));
                 });
}

void TriggerManager::poll_answered(const std::shared_ptr<Poll>& p, const std::shared_ptr<runtime::LoadedFlow>& lf,
                                   json::value cursor, json::value response) {
  const ir::Trigger& t = lf->flow->triggers[p->n];
  struct Item {
    std::string key;
    json::value input;
  };
  std::vector<Item> fresh;
  json::value next_cursor;
  try {
    TriggerScope scope(engine_, *lf);
    scope.bind("response", response);
    scope.bind("cursor", cursor);
    json::value items = scope.setting(t, "items");
    if (!items.is_array() && !items.is_null()) return poll_failed(p, "`items` is not a list");
    if (items.is_array())
      for (const auto& item : items.get_array()) {
        scope.bind("item", item);
        json::value key = scope.setting(t, "key", item);
        std::string k = p->flow + ":" + std::to_string(p->n) + ":" +
                        (key.is_string() ? std::string(key.get_string()) : json::serialize(key));
        if (engine_.store().get_dedup("poll-seen:" + k)) continue;  // started by an earlier poll
        fresh.push_back({std::move(k), scope.setting(t, "input", item)});  // without `input`: the item
      }
    scope.bind("item", nullptr);
    next_cursor = scope.setting(t, "cursor", cursor);
  } catch (const std::exception& e) {
    return poll_failed(p, e.what());
  }
  // The cursor moves once every start is durable; a failed start keeps it (the items come again
  // and their keys, used as idempotency keys, keep them from starting twice).
  auto pending = std::make_shared<size_t>(fresh.size());
  auto failed = std::make_shared<std::string>();
  auto finish = [this, p, failed, next_cursor, started = fresh.size()] {
    if (!failed->empty()) return poll_failed(p, *failed);
    if (auto st = engine_.store().put_cursor(p->name, json::serialize(next_cursor)); !st.ok())
      return poll_failed(p, "the cursor cannot be stored: " + st.to_string());
    if (p->failures) spdlog::info("poll trigger of `{}` recovered", p->flow);
    if (started) spdlog::info("poll trigger of `{}`: {} new item(s)", p->flow, started);
    p->failures = 0;
    p->busy = false;
    p->next = engine_.now() + p->interval;
    if (!p->retired) arm();
  };
  if (fresh.empty()) return finish();
  // The idempotency key (`poll:<flow>:<n>:<key>`, kept 24 h by the engine) covers a crash between
  // start and claim; the claim (`poll-seen:...`, a separate entry) remembers the item for long.
  for (auto& item : fresh) {
    engine_.start(p->flow, std::move(item.input), "poll:" + item.key,
                  [this, alive = alive_, key = item.key, pending, failed, finish](std::string id, std::string err) {
                    if (!*alive) return;
                    if (err.empty()) {
                      auto claim = engine_.store().claim_dedup("poll-seen:" + key, id, opts_.poll_dedup_ttl_ms);
                      if (!claim.ok()) err = claim.status().to_string();
                    }
                    if (!err.empty()) *failed = "cannot start an execution: " + err;
                    if (--*pending == 0) finish();
                  });
  }
}

void TriggerManager::poll_failed(const std::shared_ptr<Poll>& p, const std::string& why) {
  ++p->failures;
  int64_t wait = p->interval;
  for (int i = 1; i < p->failures && wait < opts_.poll_max_backoff_ms; ++i) wait *= 2;
  wait = std::min(wait, std::max(opts_.poll_max_backoff_ms, p->interval));
  spdlog::warn("poll trigger of `{}` failed ({} in a row): {}; next try in {} ms", p->flow, p->failures, why, wait);
  p->busy = false;
  p->next = engine_.now() + wait;
  if (!p->retired) arm();
}

// ------------------------------------------------------------------ webhooks

void TriggerManager::handle_webhook(const HttpRequest& req, Respond respond) {
  asio::post(engine_.io(), [this, alive = alive_, req, respond = std::move(respond)] {
    if (!*alive) return respond(error_response(503, "shutting_down", "the server is shutting down"));
    serve_webhook(req, respond);
  });
}

void TriggerManager::serve_webhook(const HttpRequest& req, const Respond& respond) {
  std::string path = req.path;
  if (path.starts_with("/hooks/")) path.erase(0, 6);
  auto it = routes_.find(path);
  if (it == routes_.end())
    return respond(error_response(404, "not_found", "no webhook trigger at /hooks" + path));
  if (stopped_) return respond(error_response(503, "shutting_down", "the server is shutting down"));
  const Route& route = *it->second;
  if (req.method != route.method) {
    HttpResponse r = error_response(405, "method_not_allowed",
                                    "the webhook at /hooks" + path + " accepts " + route.method + ", not " + req.method);
    r.headers.emplace_back("Allow", route.method);
    return respond(std::move(r));
  }
  const ir::Trigger& t = route.trigger();
  TriggerScope scope(engine_, *route.lf);
  VerifyResult verified;
  try {
    verified = verify_webhook(scope.setting(t, "verify"), req, engine_.now());
  } catch (const std::exception& e) {
    spdlog::error("webhook {} of `{}`: the verify rule cannot be evaluated: {}", path, route.flow, e.what());
    return respond(error_response(500, "verify_unavailable", "the webhook's verify rule cannot be evaluated"));
  }
  if (!verified.ok) {
    spdlog::warn("webhook {} of `{}` from {}: verification failed: {}", path, route.flow, req.remote, verified.reason);
    return respond(error_response(401, "unauthorized", "webhook verification failed: " + verified.reason));
  }
  // Trigger scope: body (parsed JSON or form, else the text; null when empty), headers, query, raw_body.
  json::value body = nullptr;
  if (!req.body.empty()) {
    switch (body_kind(req)) {
      case BodyKind::json: {
        boost::system::error_code ec;
        body = json::parse(req.body, ec);
        if (ec && route.uses_body)
          return respond(error_response(400, "invalid_json", "the body is not valid JSON: " + ec.message()));
        if (ec) body = nullptr;
        break;
      }
      case BodyKind::form:
        if (auto form = parse_form(req.body)) body = std::move(*form);
        else if (route.uses_body)
          return respond(error_response(400, "invalid_form", "the body is not a valid URL-encoded form"));
        break;
      case BodyKind::text:
        body = json::string(req.body);
        break;
    }
  }
  json::object headers, query;
  for (const auto& [k, v] : req.headers) {
    if (auto* have = headers.if_contains(k)) *have = json::string(std::string(have->get_string()) + ", " + v);
    else headers[k] = v;
  }
  for (const auto& [k, v] : req.query)
    if (!query.contains(k)) query[k] = v;
  scope.bind("body", body);
  scope.bind("headers", std::move(headers));
  scope.bind("query", std::move(query));
  scope.bind("raw_body", json::string(req.body));
  json::value input;
  try {
    input = scope.setting(t, "input", body);  // without `input` the body is the input (docs/language.md)
  } catch (const eval::Error& e) {
    // A json value that does not fit a declared type is the sender's input problem (422).
    int status = e.kind() == errors::Kind::validation_error ? 422 : 400;
    return respond(error_response(status, "invalid_input", std::string("the trigger's input mapping failed: ") + e.what()));
  }
  if (std::string problem = input_problem(*route.lf, input); !problem.empty())
    return respond(error_response(422, "invalid_input", "the input does not fit flow `" + route.flow + "`: " + problem));
  std::optional<std::string> key;
  if (verified.delivery_id) key = "webhook:" + route.path + ":" + *verified.delivery_id;
  start_from_webhook(route, std::move(input), std::move(key), respond);
}

void TriggerManager::start_from_webhook(const Route& route, json::value input, std::optional<std::string> key,
                                        const Respond& respond) {
  bool sync = route.sync;
  // A delivery id is the idempotency key (the engine keeps it 24 h, covering a crash before the
  // claim below) and is remembered for webhook_dedup_ttl_ms, as long as senders redeliver.
  std::string seen = key ? "webhook-seen:" + *key : "";
  if (key)
    if (auto id = engine_.store().get_dedup(seen))
      return sync ? wait_sync(*id, respond) : respond(json_response(202, json::object{{"execution_id", *id}}));
  engine_.start(route.flow, std::move(input), std::move(key),
                [this, alive = alive_, sync, respond, seen, flow = route.flow](std::string id, std::string err) {
                  if (!err.empty()) {
                    spdlog::error("webhook of `{}`: cannot start: {}", flow, err);
                    HttpResponse r = error_response(503, "unavailable", "the execution could not be started");
                    r.headers.emplace_back("Retry-After", "1");
                    return respond(std::move(r));
                  }
                  if (!seen.empty())
                    if (auto claim = engine_.store().claim_dedup(seen, id, opts_.webhook_dedup_ttl_ms); !claim.ok())
                      spdlog::warn("webhook of `{}`: delivery id not remembered: {}", flow, claim.status().to_string());
                  if (!sync || !*alive) return respond(json_response(202, json::object{{"execution_id", id}}));
                  wait_sync(id, respond);
                });
}

namespace {

/// The answer of a `respond: "sync"` webhook whose execution ended.
HttpResponse sync_answer(const store::ExecutionRecord& rec) {
  HttpResponse r;
  json::object id{{"execution_id", rec.id}};
  switch (rec.status) {
    case store::ExecutionStatus::completed:
      r = json_response(200, rec.output);
      break;
    case store::ExecutionStatus::cancelled:
      r = error_response(409, "cancelled", "the execution was cancelled", id);
      break;
    case store::ExecutionStatus::paused: {
      json::object extra = id;
      extra["details"] = rec.error;
      r = error_response(500, "execution_paused",
                         "the execution paused when a step's retries ran out (options.on_exhausted: \"pause\"); "
                         "replay or cancel it",
                         std::move(extra));
      break;
    }
    default: {
      const json::object* e = rec.error.if_object();
      const json::value* kind = e ? e->if_contains("kind") : nullptr;
      const json::value* message = e ? e->if_contains("message") : nullptr;
      bool invalid = kind && kind->is_string() && kind->get_string() == "validation_error";
      json::object extra = id;
      extra["details"] = rec.error;
      r = error_response(invalid ? 422 : 500, "execution_failed",
                         message && message->is_string() ? std::string(message->get_string()) : "the execution failed",
                         std::move(extra));
    }
  }
  r.headers.emplace_back("Weft-Execution-Id", rec.id);
  return r;
}

}  // namespace

void TriggerManager::wait_sync(const std::string& id, const Respond& respond) {
  auto w = std::make_shared<SyncWait>();
  w->respond = respond;
  w->deadline = steady_ms() + opts_.sync_timeout_ms;
  w->timer = std::make_unique<asio::steady_timer>(engine_.io());
  sync_[id].push_back(w);
  check_sync(id);
}

void TriggerManager::check_sync(const std::string& id) {
  auto it = sync_.find(id);
  if (it == sync_.end()) return;
  // One running here (a webhook's fresh execution, usually) ends through execution_ended: no
  // read. The timers below are for one that runs elsewhere (another node, or unloaded).
  if (!engine_.running_here(id))
    if (auto rec = engine_.store().get_execution(id); rec && store::is_terminal(rec->status))
      return execution_ended(*rec);
  int64_t now = steady_ms();
  auto& list = it->second;
  for (auto w = list.begin(); w != list.end();) {
    if (now >= (*w)->deadline) {
      (*w)->timer->cancel();
      (*w)->respond(error_response(504, "timeout",
                                   "the execution did not end within " + std::to_string(opts_.sync_timeout_ms) +
                                       " ms; it goes on",
                                   {{"execution_id", id}}));
      w = list.erase(w);
      continue;
    }
    auto& sw = **w;
    int64_t wait = std::min(sw.every, sw.deadline - now);
    sw.every = std::min<int64_t>(sw.every * 2, 500);
    sw.timer->expires_after(std::chrono::milliseconds(wait));
    sw.timer->async_wait([this, alive = alive_, id](boost::system::error_code ec) {
      if (ec || !*alive) return;
      check_sync(id);
    });
    ++w;
  }
  if (list.empty()) sync_.erase(it);
}

void TriggerManager::execution_ended(const store::ExecutionRecord& rec) {
  auto it = sync_.find(rec.id);
  if (it == sync_.end()) return;
  auto list = std::move(it->second);
  sync_.erase(it);
  for (auto& w : list) {
    w->timer->cancel();
    w->respond(sync_answer(rec));
  }
}

}  // namespace weft::server
