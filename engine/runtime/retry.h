// Retry policies of docs/design-language.md §6: parsing the evaluated `retry { ... }` objects, merging the
// levels (step over connection over flow options over the engine default), deciding whether an
// error is retried and how long to wait before the next attempt.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "stdlib/errors/error.h"

namespace weft::runtime {

struct RetryPolicy {
  int attempts = 3;               ///< tries in all, the first included (1 = no retry)
  bool exponential = true;        ///< exponential(initial, factor, max), else fixed(initial)
  int64_t initial_ms = 1000;      ///< first delay (fixed: every delay)
  double factor = 2.0;            ///< growth per attempt (exponential)
  int64_t max_ms = 60000;         ///< cap of one delay
  bool jitter = false;            ///< randomise each delay in [delay/2, delay]
  std::vector<errors::Kind> on;   ///< error kinds retried; empty = the §6 defaults
};

/// Applies the fields present in `v` (an evaluated retry object, or null) over `base`.
/// Returns an error message for a malformed policy, else "".
std::string apply_retry(const boost::json::value& v, RetryPolicy& base);

/// Whether `error` is retried by `p` (cancelled never is).
/// With `on` empty: timeout, connection_error, http_error 408/429/5xx.
bool retryable(const RetryPolicy& p, const errors::Error& error);

/// The delay before attempt `next_attempt` (2 = the first retry); `random01` in [0,1) for jitter;
/// `retry_after_ms` (≥ 0 when the server said Retry-After) is honoured as a lower bound.
int64_t retry_delay(const RetryPolicy& p, int next_attempt, double random01, int64_t retry_after_ms = -1);

}  // namespace weft::runtime
