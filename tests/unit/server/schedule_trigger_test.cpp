// Schedule triggers through the TriggerManager: the stored next fire against every case of
// tests/data/cron_next_fire.json, firing with the idempotency key, a missed fire after downtime
// running once, a crash between start and timer update starting nothing twice, and redeploys.
#include <gtest/gtest.h>

#include <sstream>

#include "stdlib/functions/civil.h"
#include "trigger_fixture.h"

namespace weft::server {
namespace {
using testing::at;
using testing::TriggerFixture;
namespace json = boost::json;

std::string schedule_flow(const std::string& expr, const std::string& tz) {
  return "flow tick(at: json) -> json {\n  on schedule \"" + expr + "\" { timezone: \"" + tz +
         "\", input: { at: \"x\" } }\n  return at\n}\n";
}

const std::string kOwner = TriggerManager::schedule_owner("tick", 0);

/// RFC 3339 in UTC, without the milliseconds (always zero here).
std::string rfc(int64_t ms) {
  std::string s = functions::format_rfc3339(ms);
  if (auto dot = s.find(".000Z"); dot != std::string::npos) s.replace(dot, 5, "Z");
  return s;
}

/// The next fire stored for `tick`'s schedule (it must have exactly one timer), as RFC 3339.
std::string stored_fire(TriggerFixture& fx) {
  auto timers = fx.timers(kOwner);
  EXPECT_EQ(timers.size(), 1u);
  return timers.size() == 1 ? rfc(timers[0].due_ms) : "(" + std::to_string(timers.size()) + " timers)";
}

/// Sets the clock to `time` and deploys `tick` with the schedule `cron` in UTC.
void deploy_at(TriggerFixture& fx, const char* time, const std::string& cron) {
  fx.now = at(time);
  fx.deploy(schedule_flow(cron, "UTC"));
}

TEST(ScheduleTrigger, NextFireOfEveryReferenceCase) {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/tests/data/cron_next_fire.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto data = json::parse(ss.str());
  const auto& cases = data.at("cases").as_array();
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    std::string expr(c.at("expr").as_string()), tz(c.at("timezone").as_string());
    SCOPED_TRACE(expr + " in " + tz);
    const auto& next = c.at("next").as_array();
    // The CronTrigger the manager evaluates with.
    std::string error;
    auto cron = CronTrigger::make(expr, tz, error);
    ASSERT_TRUE(cron) << error;
    int64_t t = at(std::string(c.at("after").as_string()));
    for (const auto& want : next) {
      auto got = cron->next_after(t);
      ASSERT_TRUE(got);
      EXPECT_EQ(rfc(*got), rfc(at(std::string(want.as_string()))));
      t = *got;
    }
    // The stored timer of a deployed schedule, moved by each fire.
    TriggerFixture fx;
    fx.now = at(std::string(c.at("after").as_string()));
    fx.deploy(schedule_flow(expr, tz));
    for (size_t i = 0; i < next.size(); ++i) {
      int64_t want = at(std::string(next[i].as_string()));
      auto timers = fx.timers(kOwner);
      ASSERT_EQ(timers.size(), 1u);
      EXPECT_EQ(rfc(timers[0].due_ms), rfc(want)) << "fire " << i;
      fx.now = want;  // the clock reaches the fire time: one execution starts, the timer moves
      ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == i + 1 && fx.timers(kOwner)[0].due_ms != want; }, 5000))
          << "fire " << i;
    }
  }
}

TEST(ScheduleTrigger, MissedFiresAfterDowntimeRunOnce) {
  TriggerFixture fx;
  deploy_at(fx, "2024-01-01T00:07:00Z", "*/15 * * * *");
  EXPECT_EQ(stored_fire(fx), "2024-01-01T00:15:00Z");
  // Down for five hours: twenty slots missed.
  fx.now = at("2024-01-01T05:07:00Z");
  fx.restart();
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1; }, 5000));
  fx.settle();
  fx.run_for(100);
  ASSERT_EQ(fx.executions().size(), 1u);
  EXPECT_EQ(fx.executions()[0].status, store::ExecutionStatus::completed);
  EXPECT_EQ(stored_fire(fx), "2024-01-01T05:15:00Z");  // the next slot after now
}

TEST(ScheduleTrigger, TheEngineTimerLoopLeavesScheduleTimersAlone) {
  TriggerFixture fx;
  deploy_at(fx, "2024-01-01T00:07:00Z", "*/15 * * * *");
  fx.now = at("2024-01-01T00:20:00Z");
  fx.restart();           // the engine's recover() meets the overdue schedule timer
  fx.manager().stop();    // ... while no trigger manager fires it
  fx.run_for(300);
  EXPECT_EQ(stored_fire(fx), "2024-01-01T00:15:00Z");
  EXPECT_TRUE(fx.executions().empty());
  fx.manager().deployed();
  ASSERT_TRUE(fx.run_until([&] { return rfc(fx.timers(kOwner).at(0).due_ms) == "2024-01-01T00:30:00Z"; }, 5000));
  EXPECT_EQ(fx.executions().size(), 1u);
}

TEST(ScheduleTrigger, CrashBetweenStartAndTimerUpdateStartsNothingTwice) {
  TriggerFixture fx;
  deploy_at(fx, "2024-01-01T00:07:00Z", "*/15 * * * *");
  int64_t due = at("2024-01-01T00:15:00Z");
  fx.now = due;
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1 && fx.timers(kOwner)[0].due_ms != due; }));
  // Put the store back as a crash right after the start would have left it: timer and state at the old fire.
  int64_t moved = fx.timers(kOwner)[0].due_ms;
  ASSERT_TRUE(fx.store().update_timers({{{due, kOwner, "fire"}, ""}}, {{moved, kOwner, "fire"}}).ok());
  ASSERT_TRUE(fx.store()
                  .put_cursor(kOwner, json::serialize(json::object{{"due", due}, {"cron", "*/15 * * * *"}, {"timezone", "UTC"}}))
                  .ok());
  fx.now = due + 1000;
  fx.restart();
  ASSERT_TRUE(fx.run_until([&] { auto t = fx.timers(kOwner); return t.size() == 1 && t[0].due_ms == moved; }, 5000));
  fx.run_for(100);
  EXPECT_EQ(fx.executions().size(), 1u);  // the idempotency key schedule:tick:0:<due> answered the first
}

TEST(ScheduleTrigger, RedeployReplacesOrRemovesTheTimer) {
  TriggerFixture fx;
  deploy_at(fx, "2024-01-01T00:07:00Z", "0 * * * *");
  EXPECT_EQ(stored_fire(fx), "2024-01-01T01:00:00Z");
  // The same cron again keeps the stored fire (here a missed one, which then fires once).
  fx.now = at("2024-01-01T01:30:00Z");
  fx.deploy(schedule_flow("0 * * * *", "UTC") + "\n// a comment changes nothing\n");
  EXPECT_EQ(stored_fire(fx), "2024-01-01T01:00:00Z");
  fx.now = at("2024-01-01T00:08:00Z");
  // A new cron replaces it, a new time zone too.
  fx.deploy(schedule_flow("30 * * * *", "UTC"));
  EXPECT_EQ(stored_fire(fx), "2024-01-01T00:30:00Z");
  fx.deploy(schedule_flow("30 * * * *", "Asia/Kolkata"));  // UTC+05:30
  EXPECT_EQ(stored_fire(fx), "2024-01-01T01:00:00Z");
  // Without the trigger the timer goes, also across a restart.
  fx.deploy("flow tick(at: json) -> json {\n  return at\n}\n");
  EXPECT_TRUE(fx.timers(kOwner).empty());
  fx.restart();
  EXPECT_TRUE(fx.timers(kOwner).empty());
  fx.now = at("2024-01-01T03:00:00Z");
  fx.run_for(100);
  EXPECT_TRUE(fx.executions().empty());
}

TEST(ScheduleTrigger, StartsWithTheInputMapping) {
  TriggerFixture fx;
  fx.now = at("2024-03-30T22:00:00Z");
  // 02:30 does not exist in Berlin on 2024-03-31: it fires once right after the jump (01:00Z).
  fx.deploy(schedule_flow("30 2 * * *", "Europe/Berlin"));
  EXPECT_EQ(stored_fire(fx), "2024-03-31T01:00:00Z");
  fx.now = at("2024-03-31T01:00:00Z");
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1; }, 5000));
  fx.settle();
  EXPECT_EQ(json::serialize(fx.executions()[0].output), "\"x\"");
  EXPECT_EQ(stored_fire(fx), "2024-04-01T00:30:00Z");
}

}  // namespace
}  // namespace weft::server
