#include "server/retention.h"

#include <algorithm>
#include <chrono>
#include <spdlog/spdlog.h>

namespace weft::server {

std::optional<int64_t> parse_retention(std::string_view text) {
  if (text == "0") return 0;
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > 1'000'000'000) return std::nullopt;
    n = n * 10 + (text[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  int64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000
                  : unit == "d" ? 86'400'000 : 0;
  if (!scale) return std::nullopt;
  return n * scale;
}

std::size_t sweep_finished(store::ExecutionStore& store, int64_t cutoff_ms, std::size_t limit) {
  std::size_t deleted = 0;
  for (auto status : {store::ExecutionStatus::completed, store::ExecutionStatus::failed,
                      store::ExecutionStatus::cancelled}) {
    store::ExecutionQuery q;
    q.status = status;
    q.until_ms = cutoff_ms;  // created before the cutoff: a necessary condition
    q.limit = 1000;
    while (deleted < limit) {
      auto page = store.list_executions(q);
      if (!page.ok()) break;
      for (const auto& r : page->items) {
        if (deleted >= limit) break;
        if (r.updated_at_ms >= cutoff_ms) continue;
        if (store.delete_execution(r.id).ok()) ++deleted;
      }
      if (!page->next_cursor) break;
      q.cursor = *page->next_cursor;
    }
  }
  return deleted;
}

RetentionSweeper::RetentionSweeper(store::ExecutionStore& store, Metrics& metrics, int64_t retention_ms,
                                   int64_t interval_ms, std::function<int64_t()> clock)
    : store_(store), metrics_(metrics), retention_ms_(retention_ms), interval_ms_(interval_ms),
      clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

RetentionSweeper::~RetentionSweeper() { stop(); }

void RetentionSweeper::start() {
  if (retention_ms_ <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void RetentionSweeper::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::size_t n = 0;
    try {
      n = sweep_finished(store_, clock_() - retention_ms_, 10000);
    } catch (const std::exception& e) {
      spdlog::error("retention sweep: {}", e.what());
    }
    if (n) {
      metrics_.inc("weft_executions_swept_total", {}, static_cast<double>(n));
      spdlog::info("retention sweep: deleted {} finished execution(s)", n);
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(n >= 10000 ? 0 : interval_ms_), [this] { return stopping_; });
  }
}

}  // namespace weft::server
