// Cluster mode (EngineOptions::lease_ms > 0) on one engine: what the lease heartbeat does with a
// loaded execution whose lease is gone.
#include "harness.h"
#include "tests/support/captured_log.h"

namespace weft::runtime::testing {
namespace {

using store::ExecutionStatus;
using testsupport::CapturedLog;

// Waits for a signal in memory (the wait is shorter than unload_after_ms): loaded, stored, leased.
const char* const kWaiting = R"(
flow f() -> string {
  try {
    let v = wait signal "go" timeout 1500ms
    return "got"
  } catch timeout {
    return "expired"
  }
}
)";

constexpr int64_t kLeaseMs = 300;  // a heartbeat every 100 ms

// Deploys kWaiting on `h` and starts it: loaded, stored, its lease held.
std::string start_waiting(Harness& h) {
  h.deploy(src(kWaiting));
  std::string id = h.start("f", json::object{});
  h.run_for(50);
  EXPECT_EQ(h.engine().loaded(), 1u);
  EXPECT_TRUE(h.store().get_lease(id));
  return id;
}

// The race the heartbeat meets: an execution's final write (which drops its lease) has committed,
// but its callback has not reached the engine yet, so the engine still holds it as running when
// the heartbeat finds the lease gone. Made here by writing the final transition to the store
// directly: the record is terminal, the lease gone, the engine's copy still waiting.
TEST(RuntimeCluster, HeartbeatLeavesAnExecutionWhoseFinalWriteDroppedItsLease) {
  Harness h(2000, kLeaseMs);
  std::string id = start_waiting(h);
  auto rec = h.store().get_execution(id);
  ASSERT_TRUE(rec);
  store::Transition tr;
  tr.execution_id = id;
  tr.expected_length = rec->history_length;
  tr.status = ExecutionStatus::completed;
  tr.output = json::value("ended");
  tr.lease_owner = Harness::kOwner;
  ASSERT_TRUE(h.store().transition_sync(std::move(tr)).ok());
  ASSERT_FALSE(h.store().get_lease(id));
  CapturedLog log;
  h.run_for(kLeaseMs + 50);  // three heartbeats
  EXPECT_EQ(log.text().find("taken over"), std::string::npos) << log.text();
  EXPECT_EQ(h.store().get_execution(id)->status, ExecutionStatus::completed);
}

// The other side: a lease another node took over (expired, or released and claimed) while the
// execution is still running is left to that node, with the warning.
TEST(RuntimeCluster, HeartbeatAbandonsAnExecutionAnotherNodeTookOver) {
  Harness h(2000, kLeaseMs);
  std::string id = start_waiting(h);
  ASSERT_TRUE(h.store().release_lease(id, Harness::kOwner).ok());
  ASSERT_TRUE(h.store().acquire_lease(id, "node-b", 60000).ok());
  CapturedLog log;
  h.run_for(kLeaseMs + 50);
  EXPECT_NE(log.text().find("its lease was taken over by another node"), std::string::npos) << log.text();
  EXPECT_EQ(h.engine().loaded(), 0u);
  EXPECT_EQ(h.store().get_lease(id)->owner, "node-b");
  EXPECT_EQ(h.store().get_execution(id)->status, ExecutionStatus::running);
}

}  // namespace
}  // namespace weft::runtime::testing
