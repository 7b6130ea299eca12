// The durable engine: runs IR flows (compiler/ir) as executions on a boost::asio::io_context,
// checkpointing every durable step through the execution store (engine/store) with group commit.
//
// Execution model (see docs/operations.md): every execution is deterministic code over recorded
// outcomes. The snapshot holds the outcome of every durable node already done (step results and
// errors, fired timers, received signals, emitted events, child results, recorded now()/uuid()/
// random() values), keyed by node id (`name[i]` inside loops). Resuming — after a crash, a timer,
// a signal or a replay — walks the graph again from the entry: nodes with a recorded outcome take
// it without repeating the call, and execution continues at the first node without one. A step
// whose StepScheduled was written but whose outcome was not is sent again with the same
// idempotency key (at-least-once delivery, exactly-once effect where the receiver honours it).
//
// Replay (engine/runtime/replay.h, docs/operations.md "Replay"): a failed, cancelled or paused
// execution loses its failed outcomes (failed steps, failed `for` iterations and `parallel`
// branches; failed child flows are replayed in place), optionally rewinds (`from`) and changes
// version (`with`, after the compatibility check), and resumes as above: completed steps keep
// their results and are not called again. A step keeps its idempotency key when it sends the
// same request as before and gets `<id>/<key>#r<n>` when the request changed (snapshot `requests`).
// `options { on_exhausted: "pause" }`: a step that exhausts its retries with nobody catching the
// error leaves the execution `paused` (ExecutionPaused; no compensation) instead of failed; it keeps
// its concurrency slot, is not loaded by recover(), and waits for replay() or cancel().
//
// An execution whose live branches all wait for a long timer, a signal or a child flow is
// unloaded from memory; the timer index (by due time) or the arrival of the signal loads it again,
// so memory does not grow with the number of waiting executions.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"
#include "engine/runtime/replay.h"
#include "engine/runtime/state.h"
#include "engine/store/execution_store.h"
#include "stdlib/connectors/circuit_breaker.h"
#include "stdlib/connectors/connection.h"
#include "stdlib/connectors/redactor.h"
#include "stdlib/functions/functions.h"

namespace weft::runtime {

class Execution;

/// A compiled flow version the engine can run.
struct LoadedFlow {
  std::shared_ptr<const ir::Module> module;  ///< the module it came from
  const ir::Flow* flow = nullptr;            ///< the flow inside `module`
  std::string version;                       ///< its version hash
  std::unique_ptr<ir::FlowIndex> index;      ///< lookups over the flow
};

/// A connection the engine has created, with its circuit breaker's state (for /metrics).
struct ConnectionState {
  std::string version;             ///< the module version (flow version hash) it belongs to
  std::string name;                ///< the connection's name in the module
  connectors::BreakerState breaker;  ///< its circuit breaker's state
};

/// Makes the Connection for `conn` of a module, given its evaluated settings (JSON as
/// connectors::http_config_from_json reads it). Returning nullptr with `error` set fails the step.
using ConnectionFactory = std::function<std::shared_ptr<connectors::Connection>(
    const ir::Connection& conn, const boost::json::value& settings, std::string& error)>;

/// How the engine behaves.
struct EngineOptions {
  std::string owner = "weft";   ///< lease owner id of this process (unique per node in cluster mode)
  /// Cluster mode (several nodes sharing one store, docs/operations.md "Several nodes"): > 0 holds
  /// every loaded execution through a lease of this many ms, renewed by each transition and by a
  /// heartbeat every lease_ms/3 that also loads executions nobody holds (a dead node's, once their
  /// leases expired) and wakes loaded ones that got signals through another node. 0: one node.
  int64_t lease_ms = 0;
  /// Connections; default: HttpConnection over Beast.
  ConnectionFactory connections;
  /// Resolves secret("name"); default: none known (a step using one fails naming it).
  std::function<std::optional<std::string>(std::string_view)> secret;
  /// Resolves env("NAME"); default: the process environment.
  std::function<std::optional<std::string>(std::string_view)> env;
  /// Waits at least this long unload the execution from memory (0 = always unload).
  int64_t unload_after_ms = 2000;
  /// Clock in ms since the epoch; default: the system clock.
  std::function<int64_t()> clock;
  /// Test clocks (`weft test`): arms `timer` so that its waiter wakes when `clock` reaches `due_ms`
  /// (INT64_MAX: never). Unset: a real timer, expiring after due_ms - clock(). A test clock arms it
  /// at time_point::max and cancels it once it has moved its time to `due_ms`; every wait of the
  /// engine reads the clock again when it wakes, so how a timer expired never matters.
  std::function<void(boost::asio::steady_timer& timer, int64_t due_ms)> arm_timer;
  /// Test clocks: the wait on a timer armed through arm_timer is over (the timer may go away).
  std::function<void(boost::asio::steady_timer& timer)> timer_done;
  /// Called (on the io_context) when an execution reaches a terminal status.
  std::function<void(const store::ExecutionRecord&)> on_terminal;
  /// Called (on the io_context) when an execution pauses (`on_exhausted: "pause"`).
  std::function<void(const store::ExecutionRecord&)> on_paused;
  /// Called (on the io_context) with each completed step: execution id, step key.
  std::function<void(const std::string&, const std::string&)> on_step;
  /// Retry policy used when neither step, connection nor flow options give one.
  boost::json::value default_retry = nullptr;
};

/// The engine. All public methods must be called on the io_context's thread (post to it).
/// Destroy the engine, then the store, then the io_context: closing the store drains pending
/// commits, whose callbacks post to the io_context (`weft serve`, `weft run` and the test fixtures
/// keep this order).
class Engine {
 public:
  Engine(boost::asio::io_context& io, store::ExecutionStore& store, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Stores every flow of `module` as a version and makes it the deployed one. Returns the
  /// (flow name → version hash) map, or an error message.
  std::string deploy(std::shared_ptr<const ir::Module> module, std::map<std::string, std::string>* versions = nullptr);

  /// Starts an execution of the deployed version of `flow`: its first walk runs in memory and is
  /// created durably in its first commit; `done` gets the id then (or an error message, with an
  /// empty id). A repeated idempotency key gives the first id; the repeated walk is dropped.
  void start(const std::string& flow, boost::json::value input, std::optional<std::string> idempotency_key,
             std::function<void(std::string id, std::string error)> done);

  /// Delivers a signal durably; wakes the execution. `done` gets "" or an error.
  void signal(const std::string& id, const std::string& name, boost::json::value payload,
              std::function<void(std::string error)> done);

  /// Cancels a running or paused execution: compensations run, then it ends `cancelled`.
  void cancel(const std::string& id, std::function<void(std::string error)> done);

  /// Replays execution `id` (see replay.h): one durable transition, then the execution runs again
  /// on this engine. Refused, with nothing changed, unless it is failed, cancelled or paused, or
  /// when `--from`/`--set` name steps that did not run or `--with` is incompatible. Child flows
  /// that failed are replayed first. Waits for the store's write (an administrative operation).
  ReplayOutcome replay(const std::string& id, const ReplayRequest& request);

  /// Publishes an event (`POST /v1/events`) durably to the events queue and starts the flows whose
  /// `on event` triggers match it. Returns "" or the store's error.
  std::string publish(std::string_view type, boost::json::value data);

  /// Resumes every running execution that is not waiting (those are woken by timers and signals),
  /// and starts the timer scheduler and the event dispatcher. Call once after construction.
  void recover();

  /// Cluster mode: renews the leases of the loaded executions (leaving those another node took),
  /// wakes those with signals delivered elsewhere, loads the unheld ones; then arms itself again.
  void heartbeat();

  /// Stops the scheduler and lets loaded executions stop at their next durable point.
  void shutdown();

  /// Number of executions currently loaded in memory.
  size_t loaded() const { return live_.size(); }
  /// True when execution `id` is loaded here and has not ended: its end reaches on_terminal here.
  bool running_here(const std::string& id) const { return live_.count(id) && !ended_.count(id); }
  /// True when at most one execution is loaded: group commit has nothing to merge its commits
  /// with, so the store may commit them on this thread (store::Transition::alone).
  bool alone() const { return live_.size() <= 1; }

  /// The flow version `hash`, loading it from the store when needed; null when unknown.
  std::shared_ptr<LoadedFlow> version(const std::string& hash, const std::string& flow);

  /// The execution store the engine writes through.
  store::ExecutionStore& store() { return store_; }
  /// The io_context every execution runs on.
  boost::asio::io_context& io() { return io_; }
  /// The options, with their defaults filled in.
  const EngineOptions& options() const { return opts_; }
  /// The engine's clock (ms since the epoch).
  int64_t now() const;

  /// A connection of a module (created once per module version and connection name); also what
  /// poll triggers call.
  std::shared_ptr<connectors::Connection> connection(const LoadedFlow& f, const std::string& name, std::string& error);

  /// The connections created so far that have a circuit breaker, by version then name.
  std::vector<ConnectionState> connection_states() const;

  /// `v` with every secret value the engine has resolved (and every token its connections
  /// fetched) replaced by "***": applied to everything written to history, snapshots and output.
  boost::json::value redact(const boost::json::value& v) const;

 private:
  // The part of the engine its executions use; internal to engine/runtime.
  friend class Execution;

  /// The evaluated settings of a connection of a module (null when it cannot be evaluated).
  const boost::json::object* connection_settings(const LoadedFlow& f, const std::string& name);

  /// Flow concurrency slots (`options { concurrency: { limit, key } }`): true when execution `id`
  /// holds, or now takes, one of the `limit` slots named `slot` (flow name + key). Otherwise `id`
  /// joins the slot's queue, first come first served: a free slot goes to the earliest waiter.
  /// Slots live in memory; what makes them durable is each execution's own snapshot (`slot` once
  /// admitted — written before its first step can act — or `queued`), from which recover()
  /// rebuilds holders and queues. No extra write per admission, and nothing to leak in a crash.
  /// Cluster mode (lease_ms > 0): every admission and release is also counted in the store
  /// (ExecutionStore::acquire_slot, keyed by execution, so a taken-over holder keeps its slot) and
  /// the limit holds across nodes; waiters retry from the heartbeat, without an order across nodes.
  bool admit(const std::string& slot, int64_t limit, const std::string& id);
  /// Gives back `id`'s slot (or its place in the queue) and wakes the waiters that now fit.
  void release(const std::string& slot, const std::string& id);

  /// An execution has published events (`emit`): dispatches them to `on event` triggers.
  void events_published();
  /// An execution's coroutine ended (done, or unloaded): forget it, reload it if woken meanwhile.
  void loaded_done(const std::string& id);
  /// An execution reached a terminal status: wakes its parent, calls on_terminal.
  void terminal(const store::ExecutionRecord& rec);
  /// An execution paused (on_exhausted): calls on_paused.
  void paused(const store::ExecutionRecord& rec);
  /// Loads the running executions nobody holds (recovery and, in cluster mode, take-over) that
  /// have something to do; rebuilds their concurrency slots when `rebuild_slots`.
  void resume_unheld(bool rebuild_slots);
  /// Loads execution `id` (or notifies it when loaded) so that it re-checks what it waits for.
  void wake(const std::string& id);
  /// A durable timer due at `due_ms` was added: re-arms the scheduler when it is the earliest.
  void timer_added(int64_t due_ms);
  /// Arms `t` for due_ms of the engine's clock (through EngineOptions::arm_timer when set).
  void arm_timer(boost::asio::steady_timer& t, int64_t due_ms);
  /// The wait on `t` is over (EngineOptions::timer_done).
  void timer_done(boost::asio::steady_timer& t);

  /// Loads execution `id` and runs it (notifies it when already loaded). `created`: the record of
  /// an execution this engine has just created (no snapshot yet; in cluster mode its lease came
  /// with the creation), so nothing needs to be read back.
  void load(const std::string& id, std::optional<store::ExecutionRecord> created = std::nullopt);
  /// Arms the timer for the earliest durable timer.
  void schedule_timers();
  /// Loads the executions whose timers are due.
  void run_due_timers();
  /// Starts the flows whose `on event` triggers match new events of the queue.
  void dispatch_events();
  struct Slot {
    int64_t limit = 1;
    std::vector<std::string> holders, waiting;  // waiting in arrival order
  };
  /// The snapshot of execution `id` (fresh when it has none); nullopt, logged with the execution
  /// and the format, when it is newer than this code or malformed.
  std::optional<ExecutionState> snapshot(const std::string& id);
  /// Adds execution `id` to the holders or the queue of the slot its snapshot names (recovery).
  void rebuild_slot(const std::string& id, const ExecutionState& state);
  /// Wakes the waiters of `s` that fit into its free slots.
  void wake_waiters(const Slot& s);

  boost::asio::io_context& io_;
  store::ExecutionStore& store_;
  EngineOptions opts_;
  std::map<std::string, std::shared_ptr<LoadedFlow>> versions_;  // by "hash/flow"
  std::map<std::string, std::shared_ptr<connectors::Connection>> connections_;
  std::map<std::string, boost::json::object> connection_settings_;
  std::shared_ptr<connectors::Redactor> secrets_;
  mutable connectors::Redactor redactor_;  // secrets_ + the connections' tokens, cached
  mutable size_t redactor_sources_ = 0;
  std::map<std::string, std::shared_ptr<Execution>> live_;
  std::set<std::string> wake_pending_;
  std::set<std::string> refused_;  // executions whose snapshot could not be read (logged once)
  std::map<std::string, Slot> slots_;  // concurrency slots in use (rebuilt from snapshots on recover)
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer heartbeat_;  // cluster mode
  std::set<std::string> ended_;           // reached a terminal status while loaded (lease dropped with it)
  int64_t timer_due_ = INT64_MAX;
  uint64_t event_offset_ = 0;
  bool stopped_ = false;
  bool dispatching_ = false;
  std::shared_ptr<bool> alive_;
};

}  // namespace weft::runtime
