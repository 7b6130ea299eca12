// One execution in memory: walks the IR graph of its flow as C++20 coroutines on a strand,
// taking recorded outcomes from its snapshot and recording new ones durably before moving on.
// Internal to engine/runtime (the Engine owns executions); see engine.h for the model.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json.hpp>

#include "engine/eval/eval.h"
#include "engine/history/history.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/state.h"
#include "stdlib/errors/error.h"

namespace weft::runtime {

/// The language's error value travelling up the graph (thrown).
using FlowError = errors::Raised;

class Execution : public std::enable_shared_from_this<Execution> {
 public:
  /// An execution started in memory (Engine::start) and not stored yet: its first commit is the
  /// create, carrying what the first walk recorded; `done` answers the start after it.
  struct Creation {
    store::NewExecution execution;                       ///< the create (id set), without the walk's part
    std::function<void(std::string, std::string)> done;  ///< (id, "") or ("", error), as Engine::start
  };
  Execution(Engine& engine, store::ExecutionRecord record, std::shared_ptr<LoadedFlow> flow,
            ExecutionState state, std::optional<Creation> creation = std::nullopt);
  ~Execution();
  /// Starts (or resumes) walking the graph.
  void run();
  /// Wakes every wait so it re-checks its condition (signal arrived, child ended, cancel...).
  void notify();
  /// Another node took the execution over (cluster mode): leave memory at the next durable
  /// point without writing anything more.
  void abandon();
  const std::string& id() const { return rec_.id; }
  /// False while an execution started in memory waits for its creating commit (no lease to renew yet).
  bool stored() const { return stored_; }

 private:
  struct Group {
    bool cancelled = false;
  };
  /// A line of control: its own copy of the slots (parallel branches and loop iterations).
  struct Thread {
    eval::Frame frame;
    std::vector<char> written;
    std::string suffix;
    std::shared_ptr<Group> group;
  };
  struct Recording;  // functions::Context recording non-deterministic values

  boost::asio::awaitable<void> main();
  /// How a region ended when it did not throw: at its end, or left by `return` / `yield`
  /// (errors travel as FlowError, unloading as an exception from the durable points).
  struct Exit {
    enum class Kind { end, returned, yielded };
    Kind kind = Kind::end;       ///< which
    boost::json::value value;    ///< returned/yielded: the value
  };
  /// Runs the nodes from `entry` along their `next` links until the region ends or is left.
  boost::asio::awaitable<Exit> run_region(std::string entry, Thread& t);
  /// Runs one node (a compound node runs its regions).
  boost::asio::awaitable<Exit> exec(const ir::Node& n, Thread& t);
  boost::asio::awaitable<void> exec_call(const ir::Node& n, Thread& t, const std::string& key);
  boost::asio::awaitable<boost::json::value> call_action(const ir::Action& a, const ir::ExprPtr& retry,
                                                         const ir::ExprPtr& timeout, Thread& t,
                                                         const std::string& key);
  boost::asio::awaitable<void> exec_child(const ir::Node& n, Thread& t, const std::string& key);
  boost::asio::awaitable<void> exec_timer(const ir::Node& n, Thread& t, const std::string& key);
  boost::asio::awaitable<void> exec_signal(const ir::Node& n, Thread& t, const std::string& key);
  boost::asio::awaitable<void> exec_emit(const ir::Node& n, Thread& t, const std::string& key);
  boost::asio::awaitable<Exit> exec_try(const ir::Node& n, Thread& t);
  boost::asio::awaitable<Exit> exec_fork(const ir::Node& n, Thread& t);
  boost::asio::awaitable<Exit> exec_map(const ir::Node& n, Thread& t);
  boost::asio::awaitable<void> compensate();
  /// Waits (durably queued) for a concurrency slot of the flow's options.
  boost::asio::awaitable<void> admission(Thread& t);
  /// Records the start time and, with options.timeout, the flow's deadline and its timer.
  void start_clock(Thread& t);
  /// True when the flow's deadline has passed (never while compensating).
  bool past_deadline() const;
  /// The error a flow that exceeded options.timeout fails with.
  FlowError timeout_error() const;
  /// The step (node key) whose exhausted retries caused `failure` when the flow's
  /// `options.on_exhausted` is "pause"; nullopt otherwise (the execution fails).
  std::optional<std::string> exhausted_step(const FlowError& failure, Thread& t);
  /// Leaves the execution `paused` (ExecutionPaused) holding its concurrency slot, no compensation.
  boost::asio::awaitable<void> pause(const std::string& step, errors::Error error);
  /// Records the terminal event and status: `output` when completed, else `error`.
  boost::asio::awaitable<void> finish(store::ExecutionStatus status, boost::json::value output,
                                      std::optional<errors::Error> error);

  /// Runs tasks concurrently (at most `limit` at once) and waits for all. The first task (in
  /// completion order) that threw or left by return/yield decides: its error is rethrown or its
  /// Exit returned. A FlowError also cancels the group and stops launching new tasks.
  boost::asio::awaitable<Exit> run_all(size_t count, size_t limit,
                                       std::function<boost::asio::awaitable<Exit>(size_t)> task,
                                       std::shared_ptr<Group> group);
  /// Waits until `ready()` or `due_ms` (INT64_MAX = no deadline). Unloads the execution when
  /// every live thread waits long.
  boost::asio::awaitable<void> park(int64_t due_ms, std::function<bool()> ready);
  /// Sleeps until due_ms or notify().
  boost::asio::awaitable<void> sleep_until(int64_t due_ms);
  /// Makes every change so far durable (one transition with the snapshot), coalescing threads.
  boost::asio::awaitable<void> flush();
  /// The first commit of an execution started in memory: creates it, with `tr` folded in when a
  /// create can carry it (true: nothing more to write), and answers the start. A refused create
  /// or an idempotency key naming an earlier execution drops the walk (UnloadSignal).
  boost::asio::awaitable<bool> create(store::Transition& tr);
  /// Makes every change so far durable without waiting: the next flush() of this turn carries it
  /// (one commit instead of two), else a flush of its own runs in the next turn.
  void flush_soon();

  /// Evaluates an expression for the node `key` (non-determinism recorded under it).
  boost::json::value eval(const ir::ExprPtr& e, Thread& t, const std::string& key);
  void assign(Thread& t, int slot, boost::json::value v);
  /// Appends a history event (redacted) to the pending transition.
  void add_event(const history::Payload& payload);
  /// `e` with every secret the engine knows replaced by "***".
  errors::Error redacted(const errors::Error& e) const;
  /// The recorded outcome of node `key`, or null.
  const Outcome* outcome(const std::string& key) const;
  /// Records the outcome of node `key` in the snapshot.
  void record(const std::string& key, Outcome outcome);
  /// When `key` has a recorded outcome: assigns its value to `slot` and returns true, or rethrows
  /// its error. False when the node has not run yet.
  bool replay(const std::string& key, Thread& t, int slot);
  /// Throws cancelled when the execution or the thread's group was cancelled; Unload when unloading.
  void checkpoint(const Thread& t);
  void refresh_signals();
  int64_t now() const { return engine_.now(); }

  Engine& engine_;
  store::ExecutionRecord rec_;
  std::shared_ptr<LoadedFlow> flow_;
  ExecutionState state_;
  /// The engine runs every execution on one io_context thread, which serialises them like a strand.
  boost::asio::io_context::executor_type strand_;
  std::unique_ptr<Recording> recording_;
  eval::Env env_;

  // durability
  std::optional<Creation> creation_;  ///< set until the first commit creates the execution
  bool stored_ = true;                ///< false until that commit is durable
  store::Transition pending_;
  uint64_t requested_gen_ = 0, durable_gen_ = 0;
  uint64_t committing_gen_ = 0;  ///< the generation the commit in flight makes durable
  bool committing_ = false;
  std::string commit_error_;

  // waiting
  std::set<boost::asio::steady_timer*> waiters_;
  int active_ = 0, parked_ = 0;
  bool unloading_ = false;
  bool cancel_requested_ = false;
  int64_t deadline_ = INT64_MAX;  ///< options.timeout as a due time (ms since the epoch)
  bool compensating_ = false;
  std::vector<store::Signal> signals_;
};

}  // namespace weft::runtime
