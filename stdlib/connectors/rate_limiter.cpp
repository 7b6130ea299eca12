#include "stdlib/connectors/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace weft::connectors {

TokenBucket::TokenBucket(RateLimit limit) : limit_(limit), tokens_(std::max(limit.requests, 0)) {}

Millis TokenBucket::reserve(Clock::time_point now) {
  if (unlimited()) return Millis(0);
  std::lock_guard lock(mu_);
  const double rate = static_cast<double>(limit_.requests) / static_cast<double>(limit_.per.count());  // per ms
  if (!started_) {
    started_ = true;
    last_ = now;
  }
  if (now > last_) {
    const double elapsed = std::chrono::duration<double, std::milli>(now - last_).count();
    tokens_ = std::min<double>(limit_.requests, tokens_ + elapsed * rate);
    last_ = now;
  }
  tokens_ -= 1.0;
  if (tokens_ >= 0) return Millis(0);
  return Millis(static_cast<std::int64_t>(std::ceil(-tokens_ / rate)));
}

}  // namespace weft::connectors
