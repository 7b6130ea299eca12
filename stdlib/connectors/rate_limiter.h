// A token bucket: `requests` per `per`, bursts up to `requests`. Callers reserve a token and
// wait the returned delay (requests wait, they are never rejected). Thread-safe.
#pragma once
#include "stdlib/connectors/connection.h"

#include <chrono>
#include <mutex>

namespace weft::connectors {

/// `rate_limit: { requests, per }`; requests <= 0 means unlimited.
struct RateLimit {
  int requests = 0;  ///< tokens per period (and the burst size)
  Millis per{1000};  ///< the period
};

/// Token bucket with reservations: tokens may go negative, which orders waiting callers FIFO.
class TokenBucket {
 public:
  /// Monotonic clock used by the bucket.
  using Clock = std::chrono::steady_clock;
  /// A bucket for `limit`, full at construction.
  explicit TokenBucket(RateLimit limit);
  /// Takes one token at `now` and returns how long the caller must wait before sending (0 = now).
  Millis reserve(Clock::time_point now = Clock::now());
  /// True when the bucket limits nothing.
  bool unlimited() const { return limit_.requests <= 0 || limit_.per.count() <= 0; }

 private:
  RateLimit limit_;
  std::mutex mu_;
  double tokens_;
  Clock::time_point last_;
  bool started_ = false;
};

}  // namespace weft::connectors
