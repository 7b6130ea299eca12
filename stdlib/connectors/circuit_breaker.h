// A circuit breaker per connection: opens after N consecutive failures (connection_error,
// timeout, 5xx), lets one probe through after a cool-down (half-open), closes on its success.
// Thread-safe; state changes are logged (spdlog) and counted for metrics.
#pragma once
#include "stdlib/connectors/connection.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace weft::connectors {

/// Breaker settings.
struct BreakerConfig {
  int failure_threshold = 5;  ///< consecutive failures that open the circuit; <= 0 disables the breaker
  Millis cool_down{30000};    ///< time open before one probe is let through
};

/// The three states.
enum class BreakerState { closed, open, half_open };

/// Name of a state ("closed", "open", "half_open").
std::string_view to_string(BreakerState state);

/// Counters for metrics.
struct BreakerCounters {
  std::uint64_t opened = 0;       ///< transitions to open (from closed or a failed probe)
  std::uint64_t half_opened = 0;  ///< transitions to half-open (probes let through)
  std::uint64_t closed = 0;       ///< transitions back to closed
  std::uint64_t rejected = 0;     ///< calls failed fast
};

/// What acquire() decided.
struct BreakerPermit {
  bool allowed = true;     ///< the call may proceed
  bool probe = false;      ///< the call is the half-open probe: report its outcome
  Millis retry_after{0};   ///< when !allowed: time until the next probe may be let through
};

/// Whether an outcome counts as a failure for the breaker.
enum class BreakerOutcome { success, failure, neutral };

/// success: any response below 500; failure: connection_error (not circuit_open), timeout, 5xx;
/// neutral: everything else (invalid request, cancelled, ...).
BreakerOutcome breaker_outcome(const CallResult& result);

/// The breaker.
class CircuitBreaker {
 public:
  /// Monotonic clock type.
  using Clock = std::chrono::steady_clock;
  /// A clock source (injectable for tests).
  using Now = std::function<Clock::time_point()>;
  /// `name` appears in log lines.
  CircuitBreaker(BreakerConfig config, std::string name, Now now = [] { return Clock::now(); });
  /// Asks to make a call now.
  BreakerPermit acquire();
  /// Reports the outcome of a call that acquire() allowed (with its permit).
  void record(const BreakerPermit& permit, BreakerOutcome outcome);
  /// Current state (open turns into half-open only when a call asks).
  BreakerState state() const;
  /// Counters so far.
  BreakerCounters counters() const;
  /// Consecutive failures counted while closed.
  int consecutive_failures() const;

 private:
  void transition(BreakerState to);
  BreakerConfig config_;
  std::string name_;
  Now now_;
  mutable std::mutex mu_;
  BreakerState state_ = BreakerState::closed;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  Clock::time_point opened_at_{};
  BreakerCounters counters_;
};

}  // namespace weft::connectors
