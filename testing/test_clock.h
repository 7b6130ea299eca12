// The deterministic clock of one test: the engine reads it (EngineOptions::clock), arms its timers
// through it (EngineOptions::arm_timer/timer_done), and the runner moves it — to the next due
// time when every execution only waits (automatic time skipping), or by `advance d`.
// Timers armed through it never expire by themselves: moving the clock wakes the ones now due.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>

#include <boost/asio/steady_timer.hpp>

namespace weft::testing {

/// The clock (see the file comment). Arm/disarm/advance on the test's io_context thread; now() from any.
class TestClock {
 public:
  /// A clock that starts at `start_ms` (ms since the Unix epoch).
  explicit TestClock(int64_t start_ms) : now_(start_ms) {}
  /// The current time in ms since the epoch.
  int64_t now() const { return now_.load(); }
  /// Arms `t` to be woken once the clock reaches `due_ms` (INT64_MAX: never).
  void arm(boost::asio::steady_timer& t, int64_t due_ms);
  /// Forgets `t` (its wait is over).
  void disarm(boost::asio::steady_timer& t);
  /// The earliest due time of an armed timer, if any.
  std::optional<int64_t> next_due() const;
  /// Moves the clock to `ms` (never backwards) and wakes every timer now due.
  void advance_to(int64_t ms);

 private:
  std::atomic<int64_t> now_;
  std::map<boost::asio::steady_timer*, int64_t> armed_;
};

}  // namespace weft::testing
