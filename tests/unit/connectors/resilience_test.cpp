// Designated initializers leave the other config fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "stdlib/connectors/circuit_breaker.h"
#include "stdlib/connectors/rate_limiter.h"
#include "test_server.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace weft::connectors {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

TEST(TokenBucket, BurstThenSpacedReservations) {
  TokenBucket b({.requests = 2, .per = Millis(1000)});
  const auto t0 = TokenBucket::Clock::time_point{} + 5s;
  EXPECT_EQ(b.reserve(t0), Millis(0));
  EXPECT_EQ(b.reserve(t0), Millis(0));
  EXPECT_EQ(b.reserve(t0), Millis(500));   // queued behind the burst
  EXPECT_EQ(b.reserve(t0), Millis(1000));  // and behind that one
  // one second later two tokens came back, both already promised to the waiters
  EXPECT_EQ(b.reserve(t0 + 1000ms), Millis(500));
  // after a long idle the bucket is full again (capped at the burst size)
  const auto t1 = t0 + 60s;
  EXPECT_EQ(b.reserve(t1), Millis(0));
  EXPECT_EQ(b.reserve(t1), Millis(0));
  EXPECT_EQ(b.reserve(t1), Millis(500));
}

TEST(TokenBucket, UnlimitedNeverWaits) {
  TokenBucket b({.requests = 0});
  EXPECT_TRUE(b.unlimited());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.reserve(), Millis(0));
}

TEST(RateLimit, CallsWaitInsteadOfFailing) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .rate_limit = {.requests = 2, .per = Millis(200)}});
  std::vector<Request> reqs(5, get("/x"));
  auto results = run_calls(io, *conn, reqs);
  for (auto& r : results) ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_EQ(conn->stats().rate_limited, 3u);  // the burst of 2 went at once, 3 waited
}

struct FakeClock {
  CircuitBreaker::Clock::time_point now = CircuitBreaker::Clock::time_point{} + 100s;
  CircuitBreaker::Now fn() {
    return [this] { return now; };
  }
};

TEST(CircuitBreaker, Transitions) {
  FakeClock clock;
  CircuitBreaker b({.failure_threshold = 3, .cool_down = Millis(1000)}, "crm", clock.fn());
  for (int i = 0; i < 2; ++i) b.record(b.acquire(), BreakerOutcome::failure);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.consecutive_failures(), 2);
  const auto before_open = b.acquire();
  b.record(b.acquire(), BreakerOutcome::failure);
  EXPECT_EQ(b.state(), BreakerState::open);
  b.record(before_open, BreakerOutcome::success);  // a late result does not close it
  EXPECT_EQ(b.state(), BreakerState::open);

  auto p = b.acquire();
  EXPECT_FALSE(p.allowed);
  EXPECT_EQ(p.retry_after, Millis(1000));
  clock.now += 400ms;
  EXPECT_EQ(b.acquire().retry_after, Millis(600));

  clock.now += 600ms;
  auto probe = b.acquire();
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(b.state(), BreakerState::half_open);
  auto other = b.acquire();  // only one probe at a time
  EXPECT_FALSE(other.allowed);
  EXPECT_EQ(other.retry_after, Millis(1000));
  b.record(probe, BreakerOutcome::failure);  // probe failed: open again for a full cool-down
  EXPECT_EQ(b.state(), BreakerState::open);
  EXPECT_EQ(b.acquire().retry_after, Millis(1000));

  clock.now += 1000ms;
  probe = b.acquire();
  ASSERT_TRUE(probe.probe);
  b.record(probe, BreakerOutcome::success);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.consecutive_failures(), 0);
  EXPECT_TRUE(b.acquire().allowed);

  const auto c = b.counters();
  EXPECT_EQ(c.opened, 2u);
  EXPECT_EQ(c.half_opened, 2u);
  EXPECT_EQ(c.closed, 1u);
  EXPECT_EQ(c.rejected, 4u);
}

TEST(CircuitBreaker, SuccessResetsAndNeutralIsIgnored) {
  FakeClock clock;
  CircuitBreaker b({.failure_threshold = 3, .cool_down = Millis(1000)}, "x", clock.fn());
  b.record(b.acquire(), BreakerOutcome::failure);
  b.record(b.acquire(), BreakerOutcome::failure);
  b.record(b.acquire(), BreakerOutcome::success);
  b.record(b.acquire(), BreakerOutcome::failure);
  b.record(b.acquire(), BreakerOutcome::neutral);
  b.record(b.acquire(), BreakerOutcome::failure);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_EQ(b.consecutive_failures(), 2);
  // a neutral probe releases the probe slot without deciding
  b.record(b.acquire(), BreakerOutcome::failure);
  ASSERT_EQ(b.state(), BreakerState::open);
  clock.now += 1s;
  auto probe = b.acquire();
  b.record(probe, BreakerOutcome::neutral);
  EXPECT_EQ(b.state(), BreakerState::half_open);
  EXPECT_TRUE(b.acquire().probe);
}

TEST(CircuitBreaker, DisabledWithZeroThreshold) {
  CircuitBreaker b({.failure_threshold = 0}, "off");
  for (int i = 0; i < 100; ++i) b.record(b.acquire(), BreakerOutcome::failure);
  EXPECT_EQ(b.state(), BreakerState::closed);
  EXPECT_TRUE(b.acquire().allowed);
}

TEST(CircuitBreaker, OutcomeOfResults) {
  EXPECT_EQ(breaker_outcome(Response{.status = 200}), BreakerOutcome::success);
  EXPECT_EQ(breaker_outcome(Response{.status = 404}), BreakerOutcome::success);
  EXPECT_EQ(breaker_outcome(Response{.status = 503}), BreakerOutcome::failure);
  EXPECT_EQ(breaker_outcome(CallError{.kind = ErrorKind::timeout}), BreakerOutcome::failure);
  EXPECT_EQ(breaker_outcome(CallError{.kind = ErrorKind::connection_error, .reason = ErrorReason::reset}),
            BreakerOutcome::failure);
  EXPECT_EQ(breaker_outcome(CallError{.kind = ErrorKind::connection_error, .reason = ErrorReason::circuit_open}),
            BreakerOutcome::neutral);
  EXPECT_EQ(breaker_outcome(CallError{.kind = ErrorKind::failure}), BreakerOutcome::neutral);
}

TEST(CircuitBreaker, OpensOnServerErrorsAndClosesAfterProbe) {
  std::atomic<bool> healthy{false};
  TestServer server([&](const Seen&) {
    Reply r;
    r.status = healthy ? 200 : 503;
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .breaker = {.failure_threshold = 3, .cool_down = Millis(300)}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run_call(io, *conn, get("/x")).response().status, 503);
  EXPECT_EQ(conn->breaker_state(), BreakerState::open);
  auto fast = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(fast.ok());
  EXPECT_EQ(fast.error().kind, ErrorKind::connection_error);
  EXPECT_EQ(fast.error().reason, ErrorReason::circuit_open);
  ASSERT_TRUE(fast.error().retry_after.has_value());
  EXPECT_GT(fast.error().retry_after->count(), 0);
  EXPECT_LE(fast.error().retry_after->count(), 300);
  EXPECT_TRUE(is_retryable(fast.error()));
  EXPECT_EQ(server.requests().size(), 3u);  // nothing was sent while open

  healthy = true;
  std::this_thread::sleep_for(*fast.error().retry_after + 20ms);
  auto probe = run_call(io, *conn, get("/x"));
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_EQ(probe.response().status, 200);
  EXPECT_EQ(conn->breaker_state(), BreakerState::closed);
  const auto st = conn->stats().breaker;
  EXPECT_EQ(st.opened, 1u);
  EXPECT_EQ(st.half_opened, 1u);
  EXPECT_EQ(st.closed, 1u);
  EXPECT_EQ(st.rejected, 1u);
}

TEST(CircuitBreaker, OpensOnConnectionErrors) {
  unsigned short port;
  {
    asio::io_context tmp;
    asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  asio::io_context io;
  auto conn = make_http(io, {.base_url = "http://127.0.0.1:" + std::to_string(port),
                             .breaker = {.failure_threshold = 2, .cool_down = Millis(60000)}});
  EXPECT_EQ(run_call(io, *conn, get("/x")).error().reason, ErrorReason::refused);
  EXPECT_EQ(run_call(io, *conn, get("/x")).error().reason, ErrorReason::refused);
  auto fast = run_call(io, *conn, get("/x"));
  EXPECT_EQ(fast.error().reason, ErrorReason::circuit_open);
  EXPECT_NE(fast.error().message.find("circuit open"), std::string::npos);
}

}  // namespace
}  // namespace weft::connectors
