#include "engine/runtime/execution.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "engine/runtime/retry.h"
#include "engine/store/ids.h"
#include "stdlib/functions/civil.h"

namespace weft::runtime {
namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;

namespace {

struct UnloadSignal {};

using errors::Kind;

FlowError make_error(Kind kind, std::string message, std::string code = {}) {
  return FlowError(errors::make(kind, std::move(message), std::move(code)));
}

FlowError validation_error(std::string message, std::string path) {
  errors::Error e = errors::make(Kind::validation_error, std::move(message));
  e.path = std::move(path);
  return FlowError(std::move(e));
}

int64_t to_ms(const json::value& v, int64_t fallback) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.get_double());
  return fallback;
}

}  // namespace

// Records now()/uuid()/random() answers under "<node key>#<n>" so a resumed or replayed walk sees
// the same values; new answers become SideEffectRecorded events.
struct Execution::Recording : functions::Context {
  Execution* self;
  std::string key;
  int counter = 0;
  functions::SystemContext real;
  explicit Recording(Execution* s) : self(s) {}

  json::value recorded(const std::function<json::value()>& make) {
    std::string k = key + "#" + std::to_string(counter++);
    auto& effects = self->state_.effects;
    if (auto it = effects.find(k); it != effects.end()) return it->second;
    json::value v = make();
    effects[k] = v;
    self->add_event(history::SideEffectRecorded{k, v});
    return v;
  }
  int64_t now_ms() override {
    return to_ms(recorded([&] { return json::value(self->now()); }), 0);
  }
  std::string uuid() override {
    auto v = recorded([&] { return json::value(real.uuid()); });
    return v.is_string() ? std::string(v.get_string()) : std::string();
  }
  double random() override {
    auto v = recorded([&] { return json::value(real.random()); });
    return v.is_number() ? v.to_number<double>() : 0.0;
  }
};

Execution::Execution(Engine& engine, store::ExecutionRecord record, std::shared_ptr<LoadedFlow> flow,
                     ExecutionState state, std::optional<Creation> creation)
    : engine_(engine),
      rec_(std::move(record)),
      flow_(std::move(flow)),
      state_(std::move(state)),
      strand_(engine.io().get_executor()),
      recording_(std::make_unique<Recording>(this)),
      creation_(std::move(creation)),
      stored_(!creation_) {
  env_.module = flow_->module.get();
  env_.fctx = recording_.get();
  env_.secret = engine_.options().secret;
  env_.env = engine_.options().env;
  state_.suspended = false;
}

Execution::~Execution() = default;

void Execution::run() {
  auto self = shared_from_this();
  asio::co_spawn(strand_, main(), [self](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("execution {}: internal error: {}", self->rec_.id, ex.what());
      } catch (...) {
        spdlog::error("execution {}: internal error", self->rec_.id);
      }
    }
    // A walk that ended without any commit (an internal error) still answers its start.
    if (self->creation_) std::exchange(self->creation_, std::nullopt)->done("", "internal error before the execution was stored");
    self->engine_.loaded_done(self->rec_.id);
  });
}

void Execution::notify() {
  asio::post(strand_, [self = shared_from_this()] {
    self->refresh_signals();
    for (auto* w : self->waiters_) w->cancel();
  });
}

void Execution::abandon() {
  asio::post(strand_, [self = shared_from_this()] {
    self->unloading_ = true;
    for (auto* w : self->waiters_) w->cancel();
  });
}

void Execution::refresh_signals() {
  signals_ = engine_.store().pending_signals(rec_.id);
  for (const auto& s : signals_)
    if (s.name == "$cancel") cancel_requested_ = true;
}

// ------------------------------------------------------------------ durability

void Execution::add_event(const history::Payload& p) {
  store::NewEvent ev = history::to_event(p);
  ev.data = engine_.redact(ev.data);
  pending_.events.push_back(std::move(ev));
}

errors::Error Execution::redacted(const errors::Error& e) const {
  auto text = [&](const std::string& s) {
    json::value v = engine_.redact(json::value(s));
    return v.is_string() ? std::string(v.get_string()) : std::string("***");
  };
  errors::Error r = e;
  r.message = text(e.message);
  r.path = text(e.path);
  r.body = engine_.redact(e.body);
  r.details = engine_.redact(e.details);
  for (auto& [name, value] : r.headers) value = text(value);
  return r;
}

const Outcome* Execution::outcome(const std::string& key) const {
  auto it = state_.results.find(key);
  return it == state_.results.end() ? nullptr : &it->second;
}

bool Execution::replay(const std::string& key, Thread& t, int slot) {
  const auto* o = outcome(key);
  if (!o) return false;
  if (o->type == Outcome::Type::error) throw FlowError(o->error);
  assign(t, slot, o->value);
  return true;
}

void Execution::record(const std::string& key, Outcome o) { state_.results[key] = std::move(o); }

awaitable<void> Execution::flush() {
  uint64_t mine = ++requested_gen_;
  while (durable_gen_ < mine) {
    if (unloading_) throw UnloadSignal{};  // a commit failed or the start was dropped
    if (committing_) {
      asio::steady_timer t(strand_, asio::steady_timer::time_point::max());
      waiters_.insert(&t);
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
      waiters_.erase(&t);
      continue;
    }
    committing_ = true;
    store::Transition tr = std::move(pending_);
    pending_ = store::Transition{};
    uint64_t gen = requested_gen_;
    committing_gen_ = gen;
    tr.snapshot = to_text(state_);
    std::vector<int64_t> new_dues;
    for (const auto& t : tr.add_timers) new_dues.push_back(t.key.due_ms);
    store::Status st;
    bool created = false;
    if (creation_) created = co_await create(tr);
    if (!created) {
      tr.execution_id = rec_.id;
      tr.expected_length = rec_.history_length;
      tr.current = rec_.current;
      if (engine_.options().lease_ms > 0) {
        // Cluster mode: the write holds only while the lease is ours, and renews it.
        tr.lease_owner = engine_.options().owner;
        tr.lease_ttl_ms = engine_.options().lease_ms;
      }
      rec_.history_length += tr.events.size();
      tr.alone = engine_.alone();
      auto exec = strand_;
      st = co_await asio::async_initiate<decltype(use_awaitable), void(store::Status)>(
          [this, &tr, exec](auto handler) mutable {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            engine_.store().transition(std::move(tr), [h, exec](const store::Status& s) mutable {
              asio::post(exec, [h, s]() mutable { std::move (*h)(s); });
            });
          },
          use_awaitable);
    }
    committing_ = false;
    durable_gen_ = gen;
    // Only now is the timer in the index: let the scheduler look at it.
    if (st.ok())
      for (int64_t due : new_dues) engine_.timer_added(due);
    for (auto* w : waiters_) w->cancel();
    if (!st.ok()) {
      commit_error_ = st.to_string();
      spdlog::error("execution {}: could not record progress: {}", rec_.id, commit_error_);
      unloading_ = true;  // no other thread moves on either
      throw UnloadSignal{};  // nothing moves on without durability; recovery resumes it
    }
  }
}

awaitable<bool> Execution::create(store::Transition& tr) {
  Creation c = std::move(*creation_);
  creation_.reset();
  store::NewExecution& ne = c.execution;
  // A create writes history, snapshot and timers; anything else the first walk recorded (it
  // ended, emitted, started a child...) follows in a transition of its own.
  bool fold = !tr.status && !tr.output && !tr.error && rec_.current.empty() && !tr.version && !tr.input &&
              tr.remove_timers.empty() && tr.consume_signals.empty() && tr.publish.empty() && tr.spawn.empty() &&
              !tr.lease_owner;
  if (fold) {
    rec_.history_length += tr.events.size();
    ne.more_events = std::move(tr.events);
    ne.snapshot = std::move(tr.snapshot);
    ne.timers = std::move(tr.add_timers);
  }
  ne.alone = engine_.alone();
  auto exec = strand_;
  store::Result<store::Created> r =
      co_await asio::async_initiate<decltype(use_awaitable), void(store::Result<store::Created>)>(
          [this, &ne, exec](auto handler) mutable {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            engine_.store().create(std::move(ne), [h, exec](const store::Result<store::Created>& r) mutable {
              asio::post(exec, [h, r]() mutable { std::move (*h)(r); });
            });
          },
          use_awaitable);
  if (r.ok() && !r->existing) {
    stored_ = true;
    c.done(rec_.id, "");
    co_return fold;
  }
  // Nothing of this walk left the process: drop it (and any concurrency slot it took in memory).
  committing_ = false;
  unloading_ = true;
  for (auto* w : waiters_) w->cancel();
  if (state_.slot) engine_.release(*state_.slot, rec_.id);
  if (state_.queued) engine_.release(state_.queued->slot, rec_.id);
  if (r.ok()) c.done(r->id, "");
  else c.done("", r.status().to_string());
  throw UnloadSignal{};
}

void Execution::flush_soon() {
  uint64_t mine = ++requested_gen_;
  // Posted (co_spawn alone would start inline): by the next turn a flush of this execution
  // usually covers `mine` already.
  asio::post(strand_, [self = shared_from_this(), mine] {
    if (self->durable_gen_ >= mine || (self->committing_ && self->committing_gen_ >= mine)) return;
    asio::co_spawn(self->strand_, self->flush(), [self](std::exception_ptr e) {
      if (!e) return;
      // The commit failed (flush logged it): stop here as a failing flush() would; recovery resumes.
      self->unloading_ = true;
      for (auto* w : self->waiters_) w->cancel();
    });
  });
}

// ------------------------------------------------------------------ waiting

awaitable<void> Execution::sleep_until(int64_t due_ms) {
  asio::steady_timer t(strand_);
  engine_.arm_timer(t, due_ms);
  waiters_.insert(&t);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
  waiters_.erase(&t);
  engine_.timer_done(t);
}

awaitable<void> Execution::park(int64_t due_ms, std::function<bool()> ready) {
  for (;;) {
    if (unloading_) throw UnloadSignal{};
    if (ready()) co_return;
    int64_t n = now();
    if (n >= due_ms || past_deadline()) co_return;  // the caller's checkpoint raises the timeout
    if (!compensating_) due_ms = std::min(due_ms, deadline_);
    if (creation_) {  // an execution waits only once it is stored (a signal or a timer must find it)
      co_await flush();
      continue;
    }
    bool long_wait = due_ms == INT64_MAX || due_ms - n >= engine_.options().unload_after_ms;
    if (long_wait) {
      ++parked_;
      if (parked_ >= active_) {
        // Every live thread waits long: record that and leave memory; a timer, a signal or a
        // child's end loads the execution again.
        --parked_;
        state_.suspended = true;
        co_await flush();
        if (parked_ + 1 >= active_ && !ready()) {
          unloading_ = true;
          for (auto* w : waiters_) w->cancel();
          throw UnloadSignal{};
        }
        state_.suspended = false;
        continue;
      }
      co_await sleep_until(due_ms);
      --parked_;
    } else {
      co_await sleep_until(due_ms);
    }
  }
}

FlowError Execution::timeout_error() const {
  return make_error(Kind::timeout, "the flow exceeded its timeout (options.timeout)", "flow_timeout");
}

void Execution::checkpoint(const Thread& t) {
  if (unloading_) throw UnloadSignal{};
  if (past_deadline()) throw timeout_error();
  if (cancel_requested_) throw make_error(Kind::cancelled, "the execution was cancelled");
  if (t.group && t.group->cancelled) throw make_error(Kind::cancelled, "a parallel branch failed");
}

// ------------------------------------------------------------------ evaluation

json::value Execution::eval(const ir::ExprPtr& e, Thread& t, const std::string& key) {
  if (!e) return nullptr;
  recording_->key = key;
  recording_->counter = 0;
  try {
    return eval::evaluate(*e, t.frame, env_);
  } catch (const eval::Error& err) {
    throw FlowError(err.value());
  }
}

void Execution::assign(Thread& t, int slot, json::value v) {
  if (slot < 0) return;
  if (static_cast<size_t>(slot) >= t.frame.slots.size()) t.frame.slots.resize(slot + 1);
  if (static_cast<size_t>(slot) >= t.written.size()) t.written.resize(slot + 1, 0);
  t.frame.slots[slot] = std::move(v);
  t.written[slot] = 1;
}

// ------------------------------------------------------------------ the walk

// Flow `options { concurrency: { limit, key } }`: waits, durably queued, for one of the `limit`
// slots of the flow and key (see Engine::admit); unloaded from memory while it waits.
awaitable<void> Execution::admission(Thread& t) {
  const ir::Flow& f = *flow_->flow;
  json::value lim = eval(f.options.concurrency_limit, t, "$options.concurrency");
  json::value key = f.options.concurrency_key ? eval(f.options.concurrency_key, t, "$options.concurrency")
                                              : json::value("");
  if (!lim.is_int64() || lim.get_int64() < 1)
    throw make_error(Kind::failure, "options: concurrency.limit must be a positive int, got " + eval::to_text(lim));
  int64_t limit = lim.get_int64();
  std::string slot = f.name + "/" + (key.is_string() ? std::string(key.get_string()) : eval::to_text(key));
  bool was_queued = state_.queued.has_value();  // resumed from the queue (restart or wake-up)
  state_.queued = QueuedSlot{slot, limit};
  if (was_queued && engine_.admit(slot, limit, rec_.id)) {
    add_event(history::ExecutionAdmitted{key, limit});
  } else if (!engine_.admit(slot, limit, rec_.id)) {
    if (!was_queued) add_event(history::ExecutionQueued{key, limit});
    co_await park(INT64_MAX, [&] { return cancel_requested_ || engine_.admit(slot, limit, rec_.id); });
    if (!engine_.admit(slot, limit, rec_.id)) {  // cancelled while queued
      engine_.release(slot, rec_.id);
      state_.queued.reset();
      throw make_error(Kind::cancelled, "the execution was cancelled while it waited for a concurrency slot");
    }
    add_event(history::ExecutionAdmitted{key, limit});
  }
  state_.queued.reset();
  state_.slot = slot;
  state_.slot_limit = limit;
}

// The flow's clock starts when it runs (after any concurrency queue): `options.timeout` becomes a
// deadline kept in the snapshot and a durable timer, so a waiting execution is woken to time out.
void Execution::start_clock(Thread& t) {
  const ir::Flow& f = *flow_->flow;
  state_.started_at = now();
  if (!f.options.timeout) return;
  json::value d = eval(f.options.timeout, t, "$options.timeout");
  if (!d.is_number()) return;
  deadline_ = now() + std::max<int64_t>(0, to_ms(d, 0));
  state_.deadline = deadline_;
  pending_.add_timers.push_back(store::Timer{store::TimerKey{deadline_, rec_.id, "$deadline"}, ""});
}

bool Execution::past_deadline() const { return !compensating_ && deadline_ != INT64_MAX && now() >= deadline_; }

awaitable<void> Execution::main() {
  const ir::Flow& f = *flow_->flow;
  Thread t;
  t.frame.slots.resize(f.slots.size());
  t.frame.names = &f.slots;
  t.written.resize(f.slots.size(), 0);
  if (!creation_) refresh_signals();  // one not stored yet has none (a signal needs its record): no read
  active_ = 1;
  if (state_.deadline) deadline_ = *state_.deadline;
  std::optional<FlowError> failure;
  json::value output = nullptr;
  bool returned = false;
  try {
    // Bind the input to the parameters, in order: a missing one takes its default (evaluated
    // where earlier parameters are bound; now()/uuid() in it are recorded like any other), then
    // each is validated against its declared type.
    const json::value& input = rec_.input;
    for (const auto& p : f.params) {
      const json::value* given = input.is_object() ? input.get_object().if_contains(p.name) : nullptr;
      json::value v = given ? *given : p.default_value ? eval(p.default_value, t, "$param." + p.name) : nullptr;
      assign(t, p.slot, std::move(v));
      auto problem = eval::validate(p.type, t.frame.slots[p.slot], *flow_->module, p.name);
      if (problem) throw validation_error(*problem, p.name);
    }
    if (f.options.concurrency_limit && !state_.slot) co_await admission(t);
    if (!state_.started_at) start_clock(t);
    Exit x = co_await run_region(f.entry, t);
    if (x.kind == Exit::Kind::returned) output = std::move(x.value);
    returned = true;
  } catch (FlowError& e) {
    failure = std::move(e);
  } catch (UnloadSignal&) {
    co_return;
  }
  if (returned && f.result) {
    if (auto problem = eval::validate(*f.result, output, *flow_->module, "output")) {
      failure = validation_error(*problem, "output");
      returned = false;
    }
  }
  try {
    if (returned) {
      co_await finish(store::ExecutionStatus::completed, std::move(output), std::nullopt);
      co_return;
    }
    if (auto step = exhausted_step(*failure, t)) {
      co_await pause(*step, failure->value());
      co_return;
    }
    co_await compensate();
    bool cancelled = failure->kind() == Kind::cancelled && cancel_requested_;
    co_await finish(cancelled ? store::ExecutionStatus::cancelled : store::ExecutionStatus::failed, nullptr,
                    failure->value());
  } catch (UnloadSignal&) {
  }
}

awaitable<void> Execution::finish(store::ExecutionStatus status, json::value output,
                                  std::optional<errors::Error> failure) {
  json::value error = failure ? json::value(errors::to_json(*failure)) : json::value(nullptr);
  if (status == store::ExecutionStatus::completed) add_event(history::ExecutionCompleted{output});
  else if (status == store::ExecutionStatus::cancelled) add_event(history::ExecutionCancelled{*failure});
  else add_event(history::ExecutionFailed{*failure});
  pending_.status = status;
  pending_.output = output;
  pending_.error = error;
  for (const auto& s : signals_)
    if (s.name == "$cancel") pending_.consume_signals.push_back(s.seq);
  // Timers still pending (a wait or retry ended by a failure, the deadline) leave the index.
  if (deadline_ != INT64_MAX) pending_.remove_timers.push_back(store::TimerKey{deadline_, rec_.id, "$deadline"});
  for (const auto& [k, due] : state_.timers) pending_.remove_timers.push_back(store::TimerKey{due, rec_.id, k});
  for (const auto& [k, due] : state_.retry_at)
    pending_.remove_timers.push_back(store::TimerKey{due, rec_.id, "retry:" + k});
  co_await flush();
  if (state_.slot) engine_.release(*state_.slot, rec_.id);
  rec_.status = status;
  rec_.output = std::move(output);
  rec_.error = std::move(error);
  engine_.terminal(rec_);
}

std::optional<std::string> Execution::exhausted_step(const FlowError& failure, Thread& t) {
  const ir::Flow& f = *flow_->flow;
  if (!f.options.on_exhausted || failure.kind() == Kind::cancelled || past_deadline()) return std::nullopt;
  json::value mode;
  try {
    mode = eval(f.options.on_exhausted, t, "$options.on_exhausted");
  } catch (FlowError&) {
    return std::nullopt;
  }
  if (!mode.is_string() || mode.get_string() != "pause") return std::nullopt;
  // Only a step's own failure pauses (not `fail`, not a validation of the output).
  for (const auto& [key, o] : state_.results) {
    const ir::Node* n = flow_->index->node(node_of_key(key));
    if (o.type == Outcome::Type::error && n && n->kind == ir::NodeKind::Call && o.error == failure.value())
      return key;
  }
  return std::nullopt;
}

awaitable<void> Execution::pause(const std::string& step, errors::Error error) {
  add_event(history::ExecutionPaused{step, error});
  pending_.status = store::ExecutionStatus::paused;
  pending_.error = json::value(errors::to_json(error));
  // Pending waits leave the timer index (a replay puts them back); the slot stays held.
  if (deadline_ != INT64_MAX) pending_.remove_timers.push_back(store::TimerKey{deadline_, rec_.id, "$deadline"});
  for (const auto& [k, due] : state_.timers) pending_.remove_timers.push_back(store::TimerKey{due, rec_.id, k});
  co_await flush();
  rec_.status = store::ExecutionStatus::paused;
  rec_.error = pending_.error.value_or(nullptr);
  engine_.paused(rec_);
}

awaitable<Execution::Exit> Execution::run_region(std::string entry, Thread& t) {
  std::string id = std::move(entry);
  while (!id.empty()) {
    const ir::Node* n = flow_->index->node(id);
    if (!n) throw make_error(Kind::failure, "internal: no node `" + id + "` in the flow graph");
    Exit x = co_await exec(*n, t);
    if (x.kind != Exit::Kind::end) co_return x;
    id = n->next;
  }
  co_return Exit{};
}

awaitable<Execution::Exit> Execution::exec(const ir::Node& n, Thread& t) {
  std::string key = n.id + t.suffix;
  if (past_deadline()) throw timeout_error();
  switch (n.kind) {
    case ir::NodeKind::Call:
      co_await exec_call(n, t, key);
      break;
    case ir::NodeKind::ChildFlow:
      co_await exec_child(n, t, key);
      break;
    case ir::NodeKind::Assign:
      assign(t, n.slot, eval(n.value, t, key));
      break;
    case ir::NodeKind::Choice: {
      if (n.subject) assign(t, n.slot, eval(n.subject, t, key));
      for (const auto& e : n.edges) {
        json::value g = eval(e.guard, t, key);
        if (g.is_bool() && g.get_bool()) co_return co_await run_region(e.target, t);
      }
      if (n.otherwise) co_return co_await run_region(*n.otherwise, t);
      break;
    }
    case ir::NodeKind::Fork:
      co_return co_await exec_fork(n, t);
    case ir::NodeKind::Join:
      break;
    case ir::NodeKind::Map:
      co_return co_await exec_map(n, t);
    case ir::NodeKind::Yield:
      co_return Exit{Exit::Kind::yielded, eval(n.value, t, key)};
    case ir::NodeKind::Timer:
      co_await exec_timer(n, t, key);
      break;
    case ir::NodeKind::WaitSignal:
      co_await exec_signal(n, t, key);
      break;
    case ir::NodeKind::Emit:
      co_await exec_emit(n, t, key);
      break;
    case ir::NodeKind::Try:
      co_return co_await exec_try(n, t);
    case ir::NodeKind::Succeed:
      co_return Exit{Exit::Kind::returned, eval(n.value, t, key)};
    case ir::NodeKind::Fail: {
      json::value msg = eval(n.value, t, key);
      json::value details = eval(n.details, t, key);
      errors::Error e = errors::make(Kind::failure, eval::to_text(msg));
      if (details.is_object()) {
        auto& d = details.get_object();
        if (auto* c = d.if_contains("code"); c && !c->is_null()) e.code = eval::to_text(*c);
        if (auto* x = d.if_contains("details")) e.details = *x;
      }
      rec_.current = key;  // a `fail` records no event of its own: the record says where it failed
      throw FlowError(std::move(e));
    }
  }
  co_return Exit{};
}

// A step that calls a connection.
awaitable<void> Execution::exec_call(const ir::Node& n, Thread& t, const std::string& key) {
  if (replay(key, t, n.slot)) co_return;
  checkpoint(t);
  json::value result;
  std::optional<FlowError> error;
  try {
    result = co_await call_action(n.action, n.retry, n.timeout, t, key);
  } catch (FlowError& e) {
    error = std::move(e);
  }
  if (error) {
    if (error->kind() == Kind::cancelled) throw *error;
    record(key, Outcome::of_error(error->value()));
    add_event(history::StepFailed{key, error->value()});
    co_await flush();
    throw *error;
  }
  // Remember what a saga needs to undo this step: the action and the values it can see.
  if (n.compensate) state_.comp.push_back(CompensationEntry{n.id, key, t.frame.slots, n.slot, result});
  record(key, Outcome::of_value(result));
  add_event(history::StepCompleted{key, result});
  rec_.current = key;
  // Durable before anything depends on it outside this execution: the next step's StepScheduled
  // or the terminal event (usually reached in this same turn) carries it in its commit.
  flush_soon();
  assign(t, n.slot, std::move(result));
  if (engine_.options().on_step) engine_.options().on_step(rec_.id, key);
}

// One durable call with retries: StepScheduled before each attempt, StepRetrying with the
// next-try time after a retried failure; returns the Response<T> value or throws the error.
awaitable<json::value> Execution::call_action(const ir::Action& a, const ir::ExprPtr& retry_expr,
                                              const ir::ExprPtr& timeout_expr, Thread& t, const std::string& key) {
  std::string err;
  auto conn = engine_.connection(*flow_, a.connection, err);
  if (!conn) throw make_error(Kind::failure, "connection `" + a.connection + "`: " + err, "connection_config");
  connectors::Request req;
  req.method = a.method;
  std::transform(req.method.begin(), req.method.end(), req.method.begin(), ::toupper);
  json::value path = eval(a.path, t, key);
  req.url = path.is_string() ? std::string(path.get_string()) : eval::to_text(path);
  if (a.query) req.query = eval(a.query, t, key);
  if (a.headers) {
    json::value h = eval(a.headers, t, key);
    if (h.is_object())
      for (const auto& [k, v] : h.get_object())
        req.headers.emplace_back(std::string(k), v.is_string() ? std::string(v.get_string()) : eval::to_text(v));
  }
  if (a.body) req.body = eval(a.body, t, key);
  std::vector<int> accept;
  if (a.accept_status) {
    json::value acc = eval(a.accept_status, t, key);
    if (acc.is_array())
      for (const auto& s : acc.get_array())
        if (s.is_int64()) accept.push_back(static_cast<int>(s.get_int64()));
  }
  if (timeout_expr) {
    json::value d = eval(timeout_expr, t, key);
    if (d.is_number()) req.timeout = connectors::Millis(to_ms(d, 30000));
  }
  // The same request keeps its key (after a crash, on retries, on a replay); a changed one gets a new key.
  req.idempotency_key = idempotency_key(state_, rec_.id, key, request_hash(req.method, req.url, req.query, req.body.value_or(nullptr)));
  if (!compensating_ && deadline_ != INT64_MAX && !req.timeout) {  // a call never outlives the flow's deadline
    connectors::Millis own{30000};  // the connection's timeout (HttpConfig's default when unset)
    if (auto* cs = engine_.connection_settings(*flow_, a.connection); cs && cs->contains("timeout"))
      own = connectors::Millis(to_ms(cs->at("timeout"), own.count()));
    req.timeout = own;
  }
  if (!compensating_ && deadline_ != INT64_MAX)
    req.timeout = std::min(*req.timeout, connectors::Millis(std::max<int64_t>(1, deadline_ - now())));

  // Retry policy: engine default < flow options < connection < step.
  RetryPolicy policy;
  std::string perr = apply_retry(engine_.options().default_retry, policy);
  if (flow_->flow->options.retry) perr += apply_retry(eval(flow_->flow->options.retry, t, key), policy);
  if (auto* cs = engine_.connection_settings(*flow_, a.connection); cs && cs->contains("retry"))
    perr += apply_retry(cs->at("retry"), policy);
  if (retry_expr) perr += apply_retry(eval(retry_expr, t, key), policy);
  if (!perr.empty()) throw make_error(Kind::failure, perr, "retry_policy");

  // state_ changes across co_await (other threads record results): look the maps up afresh.
  int64_t attempt = state_.attempts.count(key) ? state_.attempts.at(key) : 1;
  for (;;) {
    // A retry that was waiting when the process stopped waits out its remaining time.
    if (auto at = state_.retry_at.find(key); at != state_.retry_at.end()) {
      int64_t due = at->second;
      co_await park(due, [] { return false; });
      checkpoint(t);
      state_.retry_at.erase(key);
      pending_.remove_timers.push_back(store::TimerKey{due, rec_.id, "retry:" + key});
    }
    state_.attempts[key] = attempt;
    history::StepScheduled scheduled{key, attempt, *req.idempotency_key, req.method, req.url, {}, {}};
    if (attempt == 1) {  // the step's input, once (retries send the same request)
      if (!req.query.is_null()) scheduled.query = req.query;
      scheduled.body = req.body;
    }
    add_event(scheduled);
    co_await flush();
    connectors::CallResult r = co_await conn->call(req);
    checkpoint(t);
    errors::Error error;
    if (r.ok()) {
      if (auto e = connectors::classify(r.response(), accept)) {
        error = redacted(connectors::to_error(*e));
      } else {
        json::value resp = engine_.redact(connectors::to_json(r.response()));
        int st = r.response().status;
        if (a.response && st >= 200 && st < 300) {
          if (auto problem = eval::validate(*a.response, r.response().body, *flow_->module, "body"))
            throw validation_error(*problem, "body");
        }
        state_.attempts.erase(key);
        co_return resp;
      }
    } else {
      error = redacted(connectors::to_error(r.error()));
    }
    error.attempt = static_cast<int>(attempt);
    if (attempt >= policy.attempts || !retryable(policy, error)) {
      state_.attempts.erase(key);
      throw FlowError(std::move(error));
    }
    int64_t delay = retry_delay(policy, static_cast<int>(attempt) + 1, recording_->real.random(),
                                error.retry_after_ms.value_or(-1));
    int64_t due = now() + delay;
    ++attempt;
    state_.attempts[key] = attempt;
    state_.retry_at[key] = due;
    pending_.add_timers.push_back(store::Timer{store::TimerKey{due, rec_.id, "retry:" + key}, ""});
    add_event(history::StepRetrying{key, attempt, due, error});
    co_await flush();
  }
}

// A step that runs a child flow: the child is a durable execution of its own; the parent waits.
awaitable<void> Execution::exec_child(const ir::Node& n, Thread& t, const std::string& key) {
  if (replay(key, t, n.slot)) co_return;
  checkpoint(t);
  std::string child_id;
  if (auto c = state_.children.find(key); c != state_.children.end()) {
    child_id = c->second;
  } else {
    auto info = engine_.store().get_flow(n.action.flow);
    if (!info) throw make_error(Kind::failure, "flow `" + n.action.flow + "` is not deployed", "not_deployed");
    store::NewExecution ne;
    ne.flow = n.action.flow;
    ne.version = info->deployed_hash;
    ne.input = eval(n.action.input, t, key);
    ne.parent_id = rec_.id;
    ne.id = store::new_id();
    child_id = ne.id;
    ne.first_event = history::to_event(history::ExecutionStarted{ne.flow, ne.version, ne.input});
    pending_.spawn.push_back(std::move(ne));
    state_.children[key] = child_id;
    add_event(history::ChildStarted{key, child_id, n.action.flow});
    co_await flush();
    engine_.wake(child_id);
  }
  std::optional<store::ExecutionRecord> child;
  co_await park(INT64_MAX, [&] {
    child = engine_.store().get_execution(child_id);
    return !child || store::is_terminal(child->status) || cancel_requested_;
  });
  checkpoint(t);
  if (!child) throw make_error(Kind::failure, "child execution " + child_id + " vanished");
  if (child->status == store::ExecutionStatus::completed) {
    record(key, Outcome::of_value(child->output));
    add_event(history::StepCompleted{key, child->output});
    co_await flush();
    assign(t, n.slot, child->output);
    co_return;
  }
  auto parsed = errors::from_json(child->error);
  errors::Error e = parsed ? std::move(*parsed)
                           : errors::make(Kind::failure, "child execution " + child_id + " ended " +
                                                             std::string(store::status_name(child->status)));
  record(key, Outcome::of_error(e));
  add_event(history::StepFailed{key, e});
  co_await flush();
  throw FlowError(std::move(e));
}

awaitable<void> Execution::exec_timer(const ir::Node& n, Thread& t, const std::string& key) {
  if (outcome(key)) co_return;
  checkpoint(t);
  int64_t due;
  if (auto d = state_.timers.find(key); d != state_.timers.end()) {
    due = d->second;
  } else {
    json::value v = eval(n.value, t, key);
    if (n.until) {
      if (!v.is_string()) throw make_error(Kind::failure, "wait until: expected a time");
      auto ms = functions::parse_rfc3339(v.get_string());
      if (!ms) throw make_error(Kind::failure, "wait until: `" + std::string(v.get_string()) + "` is not an RFC 3339 time");
      due = *ms;
    } else {
      due = now() + std::max<int64_t>(0, to_ms(v, 0));
    }
    state_.timers[key] = due;
    pending_.add_timers.push_back(store::Timer{store::TimerKey{due, rec_.id, key}, ""});
    add_event(history::TimerStarted{key, due, std::nullopt});
    co_await flush();
  }
  co_await park(due, [&] { return cancel_requested_ || (t.group && t.group->cancelled); });
  checkpoint(t);
  Outcome fired;
  fired.type = Outcome::Type::fired;
  fired.fired_at = now();
  record(key, std::move(fired));
  state_.timers.erase(key);
  pending_.remove_timers.push_back(store::TimerKey{due, rec_.id, key});
  add_event(history::TimerFired{key, std::nullopt});
  co_await flush();
}

awaitable<void> Execution::exec_signal(const ir::Node& n, Thread& t, const std::string& key) {
  if (replay(key, t, n.slot)) co_return;
  checkpoint(t);
  int64_t due = INT64_MAX;
  if (auto d = state_.timers.find(key); d != state_.timers.end()) {
    due = d->second;
  } else if (n.timeout) {
    due = now() + std::max<int64_t>(0, to_ms(eval(n.timeout, t, key), 0));
    state_.timers[key] = due;
    pending_.add_timers.push_back(store::Timer{store::TimerKey{due, rec_.id, key}, ""});
    add_event(history::TimerStarted{key, due, n.name});
    co_await flush();
  }
  const store::Signal* got = nullptr;
  auto find = [&] {
    got = nullptr;
    for (const auto& s : signals_)
      if (s.name == n.name && !state_.consumed.count(s.seq)) return (got = &s), true;
    return cancel_requested_;
  };
  co_await park(due, find);
  find();
  checkpoint(t);
  if (due != INT64_MAX) {
    state_.timers.erase(key);
    pending_.remove_timers.push_back(store::TimerKey{due, rec_.id, key});
  }
  if (!got) {
    errors::Error e = errors::make(Kind::timeout, "no signal `" + n.name + "` arrived in time");
    record(key, Outcome::of_error(e));
    add_event(history::TimerFired{key, n.name});
    co_await flush();
    throw FlowError(std::move(e));
  }
  json::value payload = got->payload;
  state_.consumed.insert(got->seq);
  pending_.consume_signals.push_back(got->seq);
  record(key, Outcome::of_value(payload));
  add_event(history::SignalReceived{n.name, got->seq, payload, key});
  co_await flush();
  assign(t, n.slot, std::move(payload));
}

awaitable<void> Execution::exec_emit(const ir::Node& n, Thread& t, const std::string& key) {
  if (outcome(key)) co_return;
  checkpoint(t);
  json::value data = eval(n.value, t, key);
  Outcome emitted;
  emitted.type = Outcome::Type::emitted;
  record(key, std::move(emitted));
  pending_.publish.push_back(store::NewEvent{n.name, data});
  add_event(history::EventEmitted{n.name, data, key});
  co_await flush();
  engine_.events_published();
}

awaitable<Execution::Exit> Execution::exec_try(const ir::Node& n, Thread& t) {
  std::optional<FlowError> caught;
  try {
    co_return co_await run_region(n.body, t);
  } catch (FlowError& e) {
    caught = std::move(e);
  }
  Kind kind = caught->kind();
  // Cancellation and the flow's own timeout are not caught by the flow.
  if (kind == Kind::cancelled || past_deadline()) throw *caught;
  for (const auto& c : n.catches) {
    if (!c.kind.empty() && errors::parse_kind(c.kind) != kind) continue;
    if (c.slot >= 0) assign(t, c.slot, json::value(errors::to_json(caught->value())));
    if (c.where) {
      json::value g = eval(c.where, t, n.id + t.suffix);
      if (!g.is_bool() || !g.get_bool()) continue;
    }
    co_return co_await run_region(c.entry, t);
  }
  throw *caught;
}

awaitable<Execution::Exit> Execution::run_all(size_t count, size_t limit, std::function<awaitable<Exit>(size_t)> task,
                                              std::shared_ptr<Group> group) {
  if (count == 0) co_return Exit{};
  struct Join {
    size_t next = 0, running = 0, done = 0;
    std::exception_ptr first;
    std::optional<Exit> first_exit;  // a task left by return/yield before any other ended so
    bool first_is_flow_error = false;
  };
  auto join = std::make_shared<Join>();
  auto self = shared_from_this();
  limit = std::max<size_t>(1, std::min(limit, count));
  active_ -= 1;  // this thread waits for its children
  std::function<void()> launch;
  launch = [&, join, self] {
    while (join->running < limit && join->next < count && !(join->first && join->first_is_flow_error)) {
      size_t i = join->next++;
      ++join->running;
      ++active_;
      asio::co_spawn(strand_, task(i), [this, join, self, group, &launch](std::exception_ptr e, Exit x) {
        --active_;
        --join->running;
        ++join->done;
        bool decided = join->first || join->first_exit;
        if (!e && !decided && x.kind != Exit::Kind::end) join->first_exit = std::move(x);
        if (e && !decided) {
          join->first = e;
          try {
            std::rethrow_exception(e);
          } catch (const FlowError&) {
            join->first_is_flow_error = true;
            group->cancelled = true;
            for (auto* w : waiters_) w->cancel();
          } catch (...) {
          }
        }
        launch();
        for (auto* w : waiters_) w->cancel();
      });
    }
  };
  launch();
  while (join->running > 0) co_await sleep_until(INT64_MAX);
  active_ += 1;
  if (join->first) std::rethrow_exception(join->first);
  co_return join->first_exit.value_or(Exit{});
}

awaitable<Execution::Exit> Execution::exec_fork(const ir::Node& n, Thread& t) {
  auto group = std::make_shared<Group>();
  std::vector<Thread> branches(n.branches.size(), t);
  for (auto& b : branches) {
    b.group = group;
    std::fill(b.written.begin(), b.written.end(), 0);
  }
  Exit x = co_await run_all(
      n.branches.size(), n.branches.size(),
      [&](size_t i) -> awaitable<Exit> { co_return co_await run_region(n.branches[i].entry, branches[i]); }, group);
  if (x.kind != Exit::Kind::end) co_return x;
  // Steps and lets of every branch are visible after the parallel block.
  for (auto& b : branches)
    for (size_t s = 0; s < b.written.size(); ++s)
      if (b.written[s]) assign(t, static_cast<int>(s), b.frame.slots[s]);
  co_return Exit{};
}

awaitable<Execution::Exit> Execution::exec_map(const ir::Node& n, Thread& t) {
  std::string key = n.id + t.suffix;
  json::value list = eval(n.value, t, key);
  if (!list.is_array()) throw make_error(Kind::failure, "for: expected a list, got " + std::string(eval::to_text(list)));
  const json::array items = list.get_array();
  size_t limit = 1;
  if (n.concurrency) {
    json::value c = eval(n.concurrency, t, key);
    limit = static_cast<size_t>(std::max<int64_t>(1, to_ms(c, 1)));
  }
  auto group = std::make_shared<Group>();
  std::vector<json::value> results(items.size());
  std::vector<std::unique_ptr<Thread>> iters(items.size());
  Exit x = co_await run_all(
      items.size(), limit,
      [&](size_t i) -> awaitable<Exit> {
        iters[i] = std::make_unique<Thread>(t);
        Thread& it = *iters[i];
        it.group = group;
        it.suffix = t.suffix + "[" + std::to_string(i) + "]";
        assign(it, n.item_slot, items[i]);
        assign(it, n.index_slot, static_cast<int64_t>(i));
        Exit y = co_await run_region(n.body, it);
        if (y.kind == Exit::Kind::returned) co_return y;  // `return` inside the loop leaves the flow
        if (y.kind == Exit::Kind::yielded) results[i] = std::move(y.value);
        iters[i].reset();
        co_return Exit{};
      },
      group);
  if (x.kind != Exit::Kind::end) co_return x;
  if (n.into_slot >= 0) assign(t, n.into_slot, json::value(json::array(results.begin(), results.end())));
  co_return Exit{};
}

// Saga: undo completed steps in reverse order of completion; each undo is a durable, retried call.
awaitable<void> Execution::compensate() {
  if (state_.comp.empty()) co_return;
  const std::vector<CompensationEntry> entries = state_.comp;
  compensating_ = true;  // compensations run even after the flow's deadline
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const CompensationEntry& e = *it;
    std::string ckey = "compensate:" + e.key;
    if (outcome(ckey)) continue;
    const ir::Node* n = flow_->index->node(e.node);
    if (!n || !n->compensate) continue;
    Thread t;
    t.frame.slots = e.slots;
    t.frame.names = &flow_->flow->slots;
    t.written.resize(t.frame.slots.size(), 0);
    // The compensation may use the step's own result.
    if (e.slot >= 0) assign(t, static_cast<int>(e.slot), e.result);
    bool was_cancel = cancel_requested_;
    cancel_requested_ = false;  // compensations run even when the execution was cancelled
    add_event(history::CompensationStarted{e.key});
    try {
      json::value r = co_await call_action(*n->compensate, n->retry, n->timeout, t, ckey);
      record(ckey, Outcome::of_value(r));
      add_event(history::CompensationCompleted{e.key, r});
    } catch (FlowError& fe) {
      record(ckey, Outcome::of_error(fe.value()));
      add_event(history::CompensationFailed{e.key, fe.value()});
    }
    cancel_requested_ = was_cancel;
    co_await flush();
  }
}

}  // namespace weft::runtime
