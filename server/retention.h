// The retention sweep: finished executions (completed, failed, cancelled) whose last transition is
// older than the retention period are deleted with their history (ExecutionStore::delete_execution)
// by a background thread, so the data directory stops growing under steady load.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
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

/// Runs sweep_finished every `interval_ms` on its own thread (the store is thread-safe), counting
/// what it deleted in weft_executions_swept_total.
class RetentionSweeper {
 public:
  /// A sweeper keeping executions for `retention_ms` (0: never sweeps).
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
  int64_t retention_ms_;
  int64_t interval_ms_;
  std::function<int64_t()> clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace weft::server
