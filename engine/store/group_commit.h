#pragma once
// Group commit, shared by the LMDB store (store.cpp) and the PostgreSQL store (pg_store.cpp):
// callers queue items; one writer thread takes up to max_batch of them at a time, commits them
// together (one transaction), counts the outcomes and calls each item's callback. A caller may
// instead commit its item on its own thread when nothing is queued and nothing is being committed
// (run_inline): with nothing to merge, the hand-off to the writer and back only adds latency.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
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

/// What the writer does besides committing (both optional).
struct GroupOptions {
  /// When fewer items wait than the last group held, wait up to this long for as many, so that
  /// they share one commit (a lone writer, whose group held one, never waits; 0 = never wait).
  std::chrono::microseconds linger{0};
  /// Runs on the writer thread whenever nothing was committed for `idle_period` (as a commit
  /// would: no inline commit meanwhile, items queued meanwhile wait for it).
  std::function<void()> idle;
  std::chrono::milliseconds idle_period{100};  ///< see `idle`
  /// Runs on the writer thread after each group's callbacks (before the next group is taken).
  std::function<void()> after_group;
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
  void run(std::size_t max_batch, GroupCounters& counters, Commit&& commit, const GroupOptions& opts = {}) {
    std::deque<Item> taken;
    std::size_t last = 0;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        auto ready = [&] { return !busy_ && (stopping_ || !queue_.empty()); };
        if (opts.idle) {
          if (!cv_.wait_for(lock, opts.idle_period, ready)) {
            if (busy_) continue;  // an inline commit is running: not idle, and not the writer's turn
            busy_ = true;
            lock.unlock();
            try {
              opts.idle();
            } catch (...) {
            }
            release();
            continue;
          }
        } else {
          cv_.wait(lock, ready);
        }
        if (queue_.empty()) return;
        if (opts.linger.count() > 0 && queue_.size() < last)
          cv_.wait_for(lock, opts.linger, [&] { return stopping_ || queue_.size() >= last; });
        std::size_t n = std::min(queue_.size(), std::max<std::size_t>(1, max_batch));
        for (std::size_t i = 0; i < n; ++i) {
          taken.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        busy_ = true;
      }
      last = taken.size();
      std::vector<Item*> group;
      for (auto& p : taken) group.push_back(&p);
      std::vector<Status> results = commit(group);
      count(counters, results);
      for (std::size_t i = 0; i < taken.size(); ++i) finish(taken[i], results[i]);
      taken.clear();
      if (opts.after_group) {
        try {
          opts.after_group();
        } catch (...) {
        }
      }
      release();
    }
  }

  /// Commits `item` on the calling thread when nothing is queued and no commit is running (the
  /// writer waits meanwhile): `commit(item)` answers its Status, or nullopt to leave it to the
  /// writer after all (it must then have changed nothing). True when it ran here: its callback
  /// has been called. False (item untouched) otherwise: queue it with push().
  template <class CommitOne>
  bool run_inline(Item& item, GroupCounters& counters, CommitOne&& commit) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || busy_ || !queue_.empty()) return false;
      busy_ = true;
    }
    std::optional<Status> result = commit(item);
    if (!result) {
      release();
      return false;
    }
    count(counters, std::span<const Status>(&*result, 1));
    finish(item, *result);
    release();
    return true;
  }

  /// Refuses new items; run() returns once the queued ones (and an inline commit) are done.
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

 private:
  static void count(GroupCounters& counters, std::span<const Status> results) {
    std::uint64_t ok = 0, conflicts = 0;
    for (auto& r : results) {
      if (r.ok()) ++ok;
      else if (r.code() == Errc::conflict) ++conflicts;
    }
    counters.batches += ok;
    counters.conflicts += conflicts;
    counters.failed += results.size() - ok - conflicts;
    if (results.size() > counters.largest) counters.largest = results.size();
  }

  // Calls the item's callback (an exception from it cannot reach its submitter and stops nothing).
  static void finish(Item& item, const Status& result) {
    if (!item.done) return;
    try {
      item.done(result);
    } catch (...) {
    }
  }

  // The running commit (the writer's group or an inline one) has ended.
  void release() {
    bool wanted;
    {
      std::lock_guard lock(mu_);
      busy_ = false;
      wanted = stopping_ || !queue_.empty();  // else the writer has nothing to wake up for
    }
    if (wanted) cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool busy_ = false;  // a commit (the writer's or an inline one) is running
};

}  // namespace weft::store::detail
