#pragma once
// Group commit, shared by the LMDB store (store.cpp) and the PostgreSQL store (pg_store.cpp):
// callers queue items; one writer thread takes up to max_batch of them at a time, commits them
// together (one transaction), counts the outcomes and calls each item's callback.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "engine/store/store.h"

namespace weft::store::detail {

/// Outcome counters of a writer (the batch fields of StoreStats).
struct GroupCounters {
  std::atomic<std::uint64_t> batches{0};    ///< items committed
  std::atomic<std::uint64_t> conflicts{0};  ///< items refused by a condition
  std::atomic<std::uint64_t> failed{0};     ///< items that failed otherwise
  std::atomic<std::uint64_t> largest{0};    ///< most items in one group
};

/// The queue between the callers and the writer thread. `Item` has a member
/// `std::function<void(const Status&)> done`.
template <class Item>
class GroupQueue {
 public:
  /// Queues `item`; false (nothing queued) once stop() was called.
  bool push(Item&& item) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return false;
      queue_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
  }

  /// The writer's loop: takes up to `max_batch` items at a time, `commit(group)` answers one
  /// Status per item, then counts them and calls their callbacks (an exception from a callback
  /// cannot reach its submitter and does not stop the writer). Returns once stopped and drained.
  template <class Commit>
  void run(std::size_t max_batch, GroupCounters& counters, Commit&& commit,
           std::chrono::microseconds linger = std::chrono::microseconds(0)) {
    std::deque<Item> taken;
    std::size_t last = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        // Optional linger: when fewer items wait than the last group held, wait up to `linger`
        // for as many, so that they share one commit (a lone writer, whose group held one, never waits).
        if (linger.count() > 0 && queue_.size() < last)
          cv_.wait_for(lock, linger, [&] { return stopping_ || queue_.size() >= last; });
        std::size_t n = std::min(queue_.size(), std::max<std::size_t>(1, max_batch));
        for (std::size_t i = 0; i < n; ++i) {
          taken.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      last = taken.size();
      std::vector<Item*> group;
      for (auto& p : taken) group.push_back(&p);
      std::vector<Status> results = commit(group);
      std::uint64_t ok = 0, conflicts = 0;
      for (auto& r : results) {
        if (r.ok()) ++ok;
        else if (r.code() == Errc::conflict) ++conflicts;
      }
      counters.batches += ok;
      counters.conflicts += conflicts;
      counters.failed += results.size() - ok - conflicts;
      if (group.size() > counters.largest) counters.largest = group.size();
      for (std::size_t i = 0; i < taken.size(); ++i) {
        if (!taken[i].done) continue;
        try {
          taken[i].done(results[i]);
        } catch (...) {
        }
      }
      taken.clear();
    }
  }

  /// Refuses new items; run() returns once the queued ones are done.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
};

}  // namespace weft::store::detail
