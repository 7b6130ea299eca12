#include "testing/test_clock.h"

#include <algorithm>
#include <vector>

namespace weft::testing {

void TestClock::arm(boost::asio::steady_timer& t, int64_t due_ms) {
  t.expires_at(boost::asio::steady_timer::time_point::max());
  if (due_ms == INT64_MAX) armed_.erase(&t);
  else armed_[&t] = due_ms;
}

void TestClock::disarm(boost::asio::steady_timer& t) { armed_.erase(&t); }

std::optional<int64_t> TestClock::next_due() const {
  std::optional<int64_t> best;
  for (const auto& [t, due] : armed_)
    if (!best || due < *best) best = due;
  return best;
}

void TestClock::advance_to(int64_t ms) {
  if (ms > now_.load()) now_.store(ms);
  std::vector<boost::asio::steady_timer*> due;
  for (const auto& [t, d] : armed_)
    if (d <= now_.load()) due.push_back(t);
  for (auto* t : due) {
    armed_.erase(t);
    t->cancel();  // the waiter wakes and reads the clock again
  }
}

}  // namespace weft::testing
