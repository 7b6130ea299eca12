// Poll triggers through the TriggerManager with a FakeConnection: one execution per new item,
// the durable cursor, dedup of items across polls and across a restart, backoff while the source
// fails. Event triggers: `where` filters the events of the store's queue.
#include <gtest/gtest.h>

#include "trigger_fixture.h"

namespace weft::server {
namespace {
using testing::TriggerFixture;
namespace json = boost::json;
using connectors::CallResult;

const char* kPollFlow = R"(
connection crm = http { base_url: "http://127.0.0.1:9" }

flow on_item(item: json) -> json {
  on poll crm.get("/items", query: { since: cursor ?? "0" }) every 1m {
    items: response.body.items
    key: item.id
    cursor: max(response.body.items.map(i => i.at)) ?? cursor
    input: { item: item }
  }
  return item.id
}
)";

CallResult answer(json::value body) {
  connectors::Response r;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

CallResult refused() {
  connectors::CallError e;
  e.kind = connectors::ErrorKind::connection_error;
  e.reason = connectors::ErrorReason::refused;
  e.message = "connection refused";
  return e;
}

std::vector<std::string> outputs(TriggerFixture& fx) {
  std::vector<std::string> out;
  for (const auto& r : fx.executions()) out.push_back(json::serialize(r.output));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PollTrigger, OneExecutionPerNewItemAcrossPollsAndRestarts) {
  TriggerFixture fx;
  auto crm = fx.fake("crm");
  crm->on("GET", "/items",
          {answer(json::parse(R"({"items":[{"id":"a","at":"1"},{"id":"b","at":"2"}]})")),
           // The next poll overlaps: b again, and c.
           answer(json::parse(R"({"items":[{"id":"b","at":"2"},{"id":"c","at":"3"}]})"))});
  fx.deploy(kPollFlow);
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 2; }, 5000));
  fx.settle();
  EXPECT_EQ(outputs(fx), (std::vector<std::string>{"\"a\"", "\"b\""}));
  std::string cursor_name = TriggerManager::poll_cursor("on_item", 0);
  ASSERT_TRUE(fx.run_until([&] { return fx.store().get_cursor(cursor_name) == std::optional<std::string>("\"2\""); }));
  ASSERT_EQ(crm->calls().size(), 1u);
  EXPECT_EQ(json::serialize(crm->calls()[0].query), R"({"since":"0"})");

  // Nothing before the interval; then the second poll: only c is new.
  fx.run_for(100);
  EXPECT_EQ(crm->calls().size(), 1u);
  fx.now += 60 * 1000;
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 3; }, 5000));
  EXPECT_EQ(json::serialize(crm->calls()[1].query), R"({"since":"2"})");
  ASSERT_TRUE(fx.run_until([&] { return fx.store().get_cursor(cursor_name) == std::optional<std::string>("\"3\""); }));

  // A restart (new engine and manager on the same store) polls at once with the stored cursor;
  // the same items come back and start nothing.
  fx.restart();
  ASSERT_TRUE(fx.run_until([&] { return crm->calls().size() == 3; }, 5000));
  fx.run_for(100);
  fx.settle();
  EXPECT_EQ(json::serialize(crm->calls()[2].query), R"({"since":"3"})");
  EXPECT_EQ(outputs(fx), (std::vector<std::string>{"\"a\"", "\"b\"", "\"c\""}));

  // Long after the engine's 24-hour idempotency window the items are still known.
  fx.now += int64_t(30) * 24 * 3600 * 1000;
  fx.restart();
  ASSERT_TRUE(fx.run_until([&] { return crm->calls().size() == 4; }, 5000));
  fx.run_for(100);
  fx.settle();
  EXPECT_EQ(fx.executions().size(), 3u);
}

TEST(PollTrigger, BacksOffWhileTheSourceFailsAndKeepsTheCursor) {
  TriggerFixture fx;
  auto crm = fx.fake("crm");
  crm->on("GET", "/items", {refused(), refused(), answer(json::parse(R"({"items":[{"id":"x","at":"9"}]})"))});
  fx.deploy(kPollFlow);
  std::string cursor_name = TriggerManager::poll_cursor("on_item", 0);
  ASSERT_TRUE(fx.run_until([&] { return crm->calls().size() == 1; }, 5000));
  fx.run_for(50);
  EXPECT_FALSE(fx.store().get_cursor(cursor_name));
  // First failure: the next try after one interval; second failure: after two.
  fx.now += 60 * 1000;
  ASSERT_TRUE(fx.run_until([&] { return crm->calls().size() == 2; }, 5000));
  fx.run_for(50);  // the failure is handled at this clock
  fx.now += 60 * 1000;
  fx.run_for(100);
  EXPECT_EQ(crm->calls().size(), 2u);  // backing off
  fx.now += 60 * 1000;
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1; }, 5000)) << crm->calls().size();
  ASSERT_TRUE(fx.run_until([&] { return fx.store().get_cursor(cursor_name) == std::optional<std::string>("\"9\""); }));
  EXPECT_EQ(crm->calls().size(), 3u);
}

TEST(PollTrigger, AnErrorStatusIsAFailedPoll) {
  TriggerFixture fx;
  auto crm = fx.fake("crm");
  connectors::Response r;
  r.status = 500;
  crm->on("GET", "/items", {CallResult(r)});
  fx.deploy(kPollFlow);
  ASSERT_TRUE(fx.run_until([&] { return crm->calls().size() == 1; }, 5000));
  fx.run_for(50);
  EXPECT_TRUE(fx.executions().empty());
  EXPECT_FALSE(fx.store().get_cursor(TriggerManager::poll_cursor("on_item", 0)));
}

TEST(EventTrigger, WhereFiltersEvents) {
  TriggerFixture fx;
  fx.deploy(R"(
flow on_order(order: json) -> json {
  on event "order.created" { where: event.total > 0, input: { order: event } }
  return order.total
}
)");
  // What POST /v1/events does.
  ASSERT_EQ(fx.engine().publish("order.created", json::parse(R"({"total":5})")), "");
  ASSERT_EQ(fx.engine().publish("order.created", json::parse(R"({"total":0})")), "");
  ASSERT_EQ(fx.engine().publish("order.deleted", json::parse(R"({"total":7})")), "");
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1; }, 5000));
  fx.run_for(100);
  fx.settle();
  ASSERT_EQ(fx.executions().size(), 1u);
  EXPECT_EQ(json::serialize(fx.executions()[0].output), "5");
}

TEST(EventTrigger, WithoutInputTheEventDataIsTheInput) {
  TriggerFixture fx;
  fx.deploy(R"(
flow on_paid(id: string, total: int) -> json {
  on event "order.paid" { where: event.total > 10 }
  return id
}
)");
  ASSERT_EQ(fx.engine().publish("order.paid", json::parse(R"({"id":"o-1","total":20})")), "");
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1; }, 5000));
  fx.settle();
  EXPECT_EQ(fx.executions()[0].status, store::ExecutionStatus::completed);
  EXPECT_EQ(json::serialize(fx.executions()[0].output), "\"o-1\"");
}

TEST(PollTrigger, WithoutInputTheItemIsTheInput) {
  TriggerFixture fx;
  fx.fake("crm")->on("GET", "/people", {answer(json::parse(R"({"people":[{"name":"Ada"}]})"))});
  fx.deploy(R"(
connection crm = http { base_url: "http://127.0.0.1:9" }

flow greet(name: string) -> string {
  on poll crm.get("/people") every 10m { items: response.body.people, key: item.name }
  return "hi " + name
}
)");
  ASSERT_TRUE(fx.run_until([&] { return fx.executions().size() == 1; }, 5000));
  fx.settle();
  EXPECT_EQ(json::serialize(fx.executions()[0].output), "\"hi Ada\"");
}

}  // namespace
}  // namespace weft::server
