// The retention sweep: finished executions (completed, failed, cancelled) whose last transition is
// older than the retention period are deleted with their history (ExecutionStore::delete_execution)
// by a background thread, so the data directory stops growing under steady load. The period is
// that of the flow version an execution ran on (`options { retention: 7d }`, 0 = keep forever),
// else the server's `--retention`.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "engine/store/execution_store.h"
#include "server/metrics.h"

namespace weft::server {

/// Parses a retention period: a number with a unit ms, s, m, h or d ("30d"), or "0" (keep forever);
/// nullopt for anything else.
std::optional<int64_t> parse_retention(std::string_view text);

/// Deletes up to `limit` finished executions last updated before `cutoff_ms`, oldest first;
/// returns how many were deleted.
std::size_t sweep_finished(store::ExecutionStore& store, int64_t cutoff_ms, std::size_t limit);

/// The retention period of each flow version: its `options { retention }` evaluated (ms, 0 =
/// keep forever), else the default. Versions are read from the store once and cached; an option
/// that cannot be evaluated to a duration ≥ 0 is logged once and the default applies.
class RetentionPolicy {
 public:
  /// A policy whose default (for versions without the option) is `default_ms`.
  RetentionPolicy(store::ExecutionStore& store, int64_t default_ms);
  /// The retention of executions of version `hash` of `flow`, in ms (0 = keep forever).
  int64_t of(const std::string& hash, const std::string& flow);

 private:
  store::ExecutionStore& store_;
  int64_t default_ms_;
  std::map<std::string, int64_t> cache_;  // by "hash/flow"
};

/// Deletes up to `limit` finished executions whose version's retention has passed at `now_ms`
/// (last update older than it), flow by flow; adds the number deleted per flow to `swept`.
/// Returns the total.
std::size_t sweep_by_policy(store::ExecutionStore& store, RetentionPolicy& policy, int64_t now_ms,
                            std::size_t limit, std::map<std::string, std::size_t>* swept = nullptr);

/// Runs sweep_by_policy every `interval_ms` on its own thread (the store is thread-safe), counting
/// what it deleted in weft_executions_swept_total{flow}.
class RetentionSweeper {
 public:
  /// A sweeper whose default retention is `retention_ms` (0: keep, unless a flow says otherwise).
  RetentionSweeper(store::ExecutionStore& store, Metrics& metrics, int64_t retention_ms,
                   int64_t interval_ms = 60000, std::function<int64_t()> clock = {});
  ~RetentionSweeper();
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  /// Starts the thread (first sweep at once).
  void start();
  /// Stops the thread (waits for a sweep in progress). Idempotent.
  void stop();

 private:
  void run();

  store::ExecutionStore& store_;
  Metrics& metrics_;
  RetentionPolicy policy_;
  int64_t interval_ms_;
  std::function<int64_t()> clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace weft::server
