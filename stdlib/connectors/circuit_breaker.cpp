#include "stdlib/connectors/circuit_breaker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace weft::connectors {

std::string_view to_string(BreakerState state) {
  switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "closed";
}

BreakerOutcome breaker_outcome(const CallResult& result) {
  if (result.ok()) return result.response().status >= 500 ? BreakerOutcome::failure : BreakerOutcome::success;
  const auto& e = result.error();
  if (e.kind == ErrorKind::timeout) return BreakerOutcome::failure;
  if (e.kind == ErrorKind::connection_error && e.reason != ErrorReason::circuit_open) return BreakerOutcome::failure;
  if (e.kind == ErrorKind::http_error && e.status >= 500) return BreakerOutcome::failure;
  return BreakerOutcome::neutral;
}

CircuitBreaker::CircuitBreaker(BreakerConfig config, std::string name, Now now)
    : config_(config), name_(std::move(name)), now_(std::move(now)) {}

void CircuitBreaker::transition(BreakerState to) {
  const BreakerState from = state_;
  state_ = to;
  switch (to) {
    case BreakerState::open: ++counters_.opened; break;
    case BreakerState::half_open: ++counters_.half_opened; break;
    case BreakerState::closed: ++counters_.closed; break;
  }
  if (to == BreakerState::open && from == BreakerState::half_open)
    spdlog::warn("connection {}: circuit half_open -> open: the probe failed (cool-down {} ms)", name_,
                 config_.cool_down.count());
  else if (to == BreakerState::open)
    spdlog::warn("connection {}: circuit {} -> open after {} consecutive failures (cool-down {} ms)", name_,
                 to_string(from), failures_, config_.cool_down.count());
  else
    spdlog::info("connection {}: circuit {} -> {}", name_, to_string(from), to_string(to));
}

BreakerPermit CircuitBreaker::acquire() {
  if (config_.failure_threshold <= 0) return {};
  std::lock_guard lock(mu_);
  const auto now = now_();
  switch (state_) {
    case BreakerState::closed: return {};
    case BreakerState::open: {
      const auto due = opened_at_ + config_.cool_down;
      if (now >= due) {
        transition(BreakerState::half_open);
        probe_in_flight_ = true;
        return {true, true, Millis(0)};
      }
      ++counters_.rejected;
      return {false, false, std::chrono::ceil<Millis>(due - now)};
    }
    case BreakerState::half_open:
      if (!probe_in_flight_) {
        probe_in_flight_ = true;
        return {true, true, Millis(0)};
      }
      ++counters_.rejected;
      return {false, false, std::min(config_.cool_down, Millis(1000))};
  }
  return {};
}

void CircuitBreaker::record(const BreakerPermit& permit, BreakerOutcome outcome) {
  if (config_.failure_threshold <= 0 || !permit.allowed) return;
  std::lock_guard lock(mu_);
  if (permit.probe) {
    probe_in_flight_ = false;
    if (state_ != BreakerState::half_open) return;
    if (outcome == BreakerOutcome::success) {
      failures_ = 0;
      transition(BreakerState::closed);
    } else if (outcome == BreakerOutcome::failure) {
      opened_at_ = now_();
      transition(BreakerState::open);
    }
    return;
  }
  if (state_ != BreakerState::closed) return;  // late results of calls started before opening
  if (outcome == BreakerOutcome::success) {
    failures_ = 0;
  } else if (outcome == BreakerOutcome::failure) {
    if (++failures_ >= config_.failure_threshold) {
      opened_at_ = now_();
      transition(BreakerState::open);
    }
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

BreakerCounters CircuitBreaker::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

}  // namespace weft::connectors
