#include "engine/store/execution_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "engine/store/ids.h"
#include "engine/store/keys.h"
#include "tests/unit/store/test_util.h"
#ifdef WEFT_STORE_CONFORMANCE_PG
#include "engine/store/pg_store.h"
#include "tests/support/pg_server.h"
#endif

using namespace weft::store;
using weft::store::testing::TempDir;
namespace json = boost::json;

namespace {

constexpr std::int64_t kT0 = 1800000000000;  // a fixed "now" for the fake clock

// The conformance suite of the ExecutionStore contract, run against every backend: LMDB (in
// unit_store) and PostgreSQL (store_conformance_postgres: this file built with
// WEFT_STORE_CONFORMANCE_PG, one server for the whole run, one database per test).
class ExecStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
#ifdef WEFT_STORE_CONFORMANCE_PG
    if (GetParam() == "postgres") {
      static int counter = 0;
      db_ = "conformance_" + std::to_string(counter++);
      auto err = weft::testsupport::shared_pg_server().create_database(db_);
      ASSERT_EQ(err, "");
    }
#endif
    open();
  }

  bool lmdb() const { return GetParam() == "lmdb"; }

  // Opens the store (again); an error when the schema version is not this build's.
  Result<std::unique_ptr<ExecutionStore>> open_result() {
    ExecutionStoreOptions eo;
    eo.clock = [this] { return clock_.load(); };
#ifdef WEFT_STORE_CONFORMANCE_PG
    if (!lmdb()) {
      PgStoreOptions po;
      po.conninfo = weft::testsupport::shared_pg_server().url(db_);
      return open_pg_execution_store(po, eo);
    }
#endif
    if (!store_) {
      StoreOptions o;
      o.path = dir_.str();
      o.sync = false;
      auto s = Store::open(o);
      if (!s.ok()) return s.status();
      store_ = std::move(s.value());
    }
    return make_execution_store(*store_, eo);
  }

  void open() {
    auto es = open_result();
    ASSERT_TRUE(es.ok()) << es.status().to_string();
    es_ = std::move(es.value());
  }

  void reopen() {
    es_.reset();
    store_.reset();
    open();
  }

  // Writes schema version `v` behind the store's back.
  void force_schema_version(int v) {
#ifdef WEFT_STORE_CONFORMANCE_PG
    if (!lmdb()) {
      ASSERT_EQ(weft::testsupport::shared_pg_server().psql(
                    db_, "INSERT INTO schema_version (version, applied_at) VALUES (" + std::to_string(v) + ", 0)"),
                "");
      return;
    }
#endif
    ASSERT_TRUE(store_->commit_sync(WriteBatch().put(Keyspace::meta, "schema_version", std::to_string(v))).ok());
  }

  void deploy_basic() {
    ASSERT_TRUE(es_->deploy({{"orders", "h-orders-1", R"({"flow":"orders","v":1})"},
                             {"billing", "h-billing-1", R"({"flow":"billing"})"}})
                    .ok());
  }

  std::string start(const std::string& flow = "orders", json::value input = json::object{{"n", 1}}) {
    NewExecution e;
    e.flow = flow;
    e.version = flow == "orders" ? "h-orders-1" : "h-billing-1";
    e.input = std::move(input);
    auto r = es_->create_sync(std::move(e));
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->id : "";
  }

  // The ids with status `s`, every page of the status index.
  std::set<std::string> index_ids(ExecutionStatus s) {
    std::set<std::string> ids;
    ExecutionQuery q;
    q.status = s;
    q.limit = 1000;
    for (;;) {
      auto page = es_->list_executions(q);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (auto& r : page->items) {
        EXPECT_EQ(r.status, s);
        ids.insert(r.id);
      }
      if (!page->next_cursor) break;
      q.cursor = *page->next_cursor;
    }
    EXPECT_EQ(es_->count_status(s, 0).count, ids.size());
    return ids;
  }

  TempDir dir_;
  std::atomic<std::int64_t> clock_{kT0};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ExecutionStore> es_;
  std::string db_;  // the PostgreSQL database of this test
};

}  // namespace

TEST_P(ExecStoreTest, SchemaVersionIsWrittenAndChecked) {
#ifdef WEFT_STORE_CONFORMANCE_PG
  EXPECT_EQ(es_->schema_version(), lmdb() ? execution_schema_version : pg_schema_version);
#else
  EXPECT_EQ(es_->schema_version(), execution_schema_version);
#endif
  es_.reset();
  force_schema_version(99);
  auto es = open_result();
  ASSERT_FALSE(es.ok());
  EXPECT_NE(es.status().message().find("schema version 99"), std::string::npos);
}

// LMDB only: a data directory of schema 1 (snapshots and history in keyspaces of their own) is
// migrated when it is opened, in chunks, to schema 2 (every execution's snapshot and history beside
// its record) with nothing lost; a key schema 1 could not have written stops it with a clear error.
TEST_P(ExecStoreTest, SchemaOneIsMigratedWhenOpened) {
  if (!lmdb()) GTEST_SKIP() << "LMDB's own key layout";
  deploy_basic();
  std::map<std::string, std::string> want;  // id → snapshot and history, as read through the API
  auto dump = [&](const std::string& id) {
    std::string out = es_->get_snapshot(id).value_or("<none>");
    for (const auto& h : es_->history(id)) out += "|" + std::to_string(h.seq) + h.type + json::serialize(h.data);
    return out;
  };
  for (int i = 0; i < 150; ++i) {  // 1,200 history events: more than one chunk of the migration
    NewExecution e;
    e.flow = "orders";
    e.version = "h-orders-1";
    e.snapshot = "snap-" + std::to_string(i);
    auto r = es_->create_sync(e);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    for (int s = 0; s < 7; ++s) {
      Transition t;
      t.execution_id = r->id;
      t.events.push_back(NewEvent{"StepCompleted", json::object{{"n", s}}});
      t.snapshot = "snap-" + std::to_string(i) + "-" + std::to_string(s);
      ASSERT_TRUE(es_->transition_sync(t).ok());
    }
    want[r->id] = dump(r->id);
  }
  auto listed = es_->list_executions(ExecutionQuery{});
  ASSERT_TRUE(listed.ok());

  // Write everything back in schema 1's layout, behind the store's back.
  auto downgrade = [&] {
    es_.reset();
    WriteBatch b;
    auto txn = store_->read();
    txn.scan(Keyspace::executions, Range::all(), {}, [&](std::string_view k, std::string_view v) {
      if (k.size() == id_length) return true;
      std::string id(k.substr(0, id_length));
      if (k[id_length] == '\x01') b.put(Keyspace::snapshots, id, v);
      else b.put(Keyspace::history, id + std::string(k.substr(id_length + 1)), v);
      b.del(Keyspace::executions, k);
      return true;
    });
    b.put(Keyspace::meta, "schema_version", "1");
    ASSERT_TRUE(store_->commit_sync(std::move(b)).ok());
  };
  downgrade();
  ASSERT_EQ(store_->read().collect(Keyspace::history, Range::all()).size(), 1200u);

  open();
  EXPECT_EQ(es_->schema_version(), execution_schema_version);
  EXPECT_TRUE(store_->read().collect(Keyspace::history, Range::all()).empty());
  EXPECT_TRUE(store_->read().collect(Keyspace::snapshots, Range::all()).empty());
  for (const auto& [id, text] : want) EXPECT_EQ(dump(id), text) << id;
  auto again = es_->list_executions(ExecutionQuery{});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->items.size(), listed->items.size());
  for (std::size_t i = 0; i < listed->items.size(); ++i) EXPECT_EQ(again->items[i].id, listed->items[i].id);

  downgrade();
  ASSERT_TRUE(store_->commit_sync(WriteBatch().put(Keyspace::history, "not-an-id", "x")).ok());
  auto bad = open_result();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("in history is not an execution's"), std::string::npos)
      << bad.status().to_string();
}

TEST_P(ExecStoreTest, DeployAndListFlowVersions) {
  deploy_basic();
  EXPECT_EQ(es_->get_version("h-orders-1"), R"({"flow":"orders","v":1})");
  EXPECT_EQ(es_->get_version("nope"), std::nullopt);
  auto flows = es_->list_flows();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].name, "billing");
  EXPECT_EQ(flows[1].name, "orders");
  EXPECT_EQ(flows[1].deployed_hash, "h-orders-1");
  EXPECT_EQ(flows[1].deployed_at_ms, kT0);

  // Redeploying the same version changes nothing; a new one becomes current.
  clock_ = kT0 + 10;
  ASSERT_TRUE(es_->deploy({{"orders", "h-orders-1", R"({"flow":"orders","v":1})"}}).ok());
  EXPECT_EQ(es_->get_flow("orders")->deployed_at_ms, kT0);
  clock_ = kT0 + 20;
  ASSERT_TRUE(es_->deploy({{"orders", "h-orders-2", R"({"flow":"orders","v":2})"}}).ok());
  clock_ = kT0 + 30;
  ASSERT_TRUE(es_->deploy({{"orders", "h-orders-1", R"({"flow":"orders","v":1})"}}).ok());
  auto orders = es_->get_flow("orders");
  ASSERT_TRUE(orders);
  EXPECT_EQ(orders->deployed_hash, "h-orders-1");
  EXPECT_EQ(orders->deployed_at_ms, kT0 + 30);
  ASSERT_EQ(orders->versions.size(), 2u);
  EXPECT_EQ(orders->versions[0].hash, "h-orders-1");
  EXPECT_EQ(orders->versions[0].deployed_at_ms, kT0 + 30);
  EXPECT_EQ(orders->versions[1].hash, "h-orders-2");
  EXPECT_EQ(es_->get_flow("ord"), std::nullopt);
  EXPECT_EQ(es_->get_flow(""), std::nullopt);

  // Store-only versions (for replay --with) are not deployed.
  ASSERT_TRUE(es_->deploy({{"orders", "h-orders-3", "{}", false}}).ok());
  EXPECT_EQ(es_->get_flow("orders")->deployed_hash, "h-orders-1");
  EXPECT_EQ(es_->get_version("h-orders-3"), "{}");

  // A hash holding a different graph, empty fields, the same flow twice: refused, nothing written.
  EXPECT_EQ(es_->deploy({{"x", "h-x", "{}"}, {"orders", "h-orders-2", "{\"other\":1}"}}).code(),
            Errc::invalid_argument);
  EXPECT_EQ(es_->get_flow("x"), std::nullopt);
  EXPECT_EQ(es_->deploy({{"", "h", "{}"}}).code(), Errc::invalid_argument);
  EXPECT_EQ(es_->deploy({{"y", "h-y1", "{}"}, {"y", "h-y2", "{}"}}).code(), Errc::invalid_argument);
}

TEST_P(ExecStoreTest, CreateWritesRecordHistoryAndIndexes) {
  deploy_basic();
  NewExecution e;
  e.flow = "orders";
  e.version = "h-orders-1";
  e.input = json::object{{"order", 42}};
  e.snapshot = R"({"pc":0})";
  e.timers.push_back(Timer{{kT0 + 500, "", "t1"}, "p"});  // owner filled below
  e.id = new_id();
  e.timers[0].key.owner = e.id;
  auto r = es_->create_sync(e);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->existing);
  EXPECT_EQ(r->id, e.id);

  auto rec = es_->get_execution(r->id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->flow, "orders");
  EXPECT_EQ(rec->version, "h-orders-1");
  EXPECT_EQ(rec->status, ExecutionStatus::running);
  EXPECT_EQ(rec->input, (json::value{{"order", 42}}));
  EXPECT_TRUE(rec->output.is_null());
  EXPECT_EQ(rec->created_at_ms, *id_time_ms(r->id));
  EXPECT_EQ(rec->updated_at_ms, kT0);
  EXPECT_EQ(rec->history_length, 1u);
  auto h = es_->history(r->id);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].seq, 1u);
  EXPECT_EQ(h[0].type, "ExecutionStarted");
  EXPECT_EQ(h[0].data.at("input"), (json::value{{"order", 42}}));
  EXPECT_EQ(es_->get_snapshot(r->id), R"({"pc":0})");
  EXPECT_EQ(index_ids(ExecutionStatus::running), std::set<std::string>{r->id});
  EXPECT_EQ(es_->next_timer_due(), kT0 + 500);

  // The same id again, a malformed id, an unknown version: refused.
  EXPECT_EQ(es_->create_sync(e).status().code(), Errc::conflict);
  e.id = "bad";
  EXPECT_EQ(es_->create_sync(e).status().code(), Errc::invalid_argument);
  e.id.clear();
  e.version = "h-unknown";
  EXPECT_EQ(es_->create_sync(e).status().code(), Errc::not_found);
  EXPECT_EQ(es_->get_execution("bad-id"), std::nullopt);
  EXPECT_EQ(es_->get_execution(new_id()), std::nullopt);
  EXPECT_TRUE(es_->history("bad-id").empty());
}

// The runtime's first walk rides in the create: more_events follow the first event (seq 2, 3, ...)
// in the same write, and a transition then appends after them.
TEST_P(ExecStoreTest, CreateWritesMoreEventsAfterTheFirst) {
  deploy_basic();
  NewExecution e;
  e.flow = "orders";
  e.version = "h-orders-1";
  e.more_events.push_back(NewEvent{"StepScheduled", json::object{{"step", "a"}}});
  e.more_events.push_back(NewEvent{"SideEffectRecorded", json::object{{"key", "a#0"}}});
  auto r = es_->create_sync(e);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  auto rec = es_->get_execution(r->id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->history_length, 3u);
  auto h = es_->history(r->id);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].type, "ExecutionStarted");
  EXPECT_EQ(h[1].seq, 2u);
  EXPECT_EQ(h[1].type, "StepScheduled");
  EXPECT_EQ(h[1].data.at("step"), "a");
  EXPECT_EQ(h[2].seq, 3u);
  EXPECT_EQ(h[2].type, "SideEffectRecorded");
  Transition t;
  t.execution_id = r->id;
  t.expected_length = 3;
  t.events.push_back(NewEvent{"StepCompleted", json::object{{"step", "a"}}});
  ASSERT_TRUE(es_->transition_sync(t).ok());
  h = es_->history(r->id);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[3].seq, 4u);
  EXPECT_EQ(h[3].type, "StepCompleted");
  // With a live idempotency key nothing of a repeated create is written.
  e.idempotency_key = "req-more";
  auto first = es_->create_sync(e);
  ASSERT_TRUE(first.ok());
  auto again = es_->create_sync(e);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existing);
  EXPECT_EQ(es_->history(first->id).size(), 3u);
}

TEST_P(ExecStoreTest, IdempotencyKeyAnswersTheFirstExecutionUntilItExpires) {
  deploy_basic();
  NewExecution e;
  e.flow = "orders";
  e.version = "h-orders-1";
  e.idempotency_key = "req-1";
  e.idempotency_ttl_ms = 1000;
  auto first = es_->create_sync(e);
  ASSERT_TRUE(first.ok());
  auto second = es_->create_sync(e);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->existing);
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(es_->get_dedup("req-1"), first->id);
  clock_ = kT0 + 1000;
  auto third = es_->create_sync(e);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->existing);
  EXPECT_NE(third->id, first->id);
  EXPECT_EQ(es_->get_dedup("req-1"), third->id);
}

TEST_P(ExecStoreTest, ConcurrentIdempotentCreatesAgreeOnOneExecution) {
  deploy_basic();
  std::vector<std::promise<Result<Created>>> results(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      NewExecution e;
      e.flow = "orders";
      e.version = "h-orders-1";
      e.idempotency_key = "hook:delivery-7";
      es_->create(std::move(e), [&, i](const Result<Created>& r) { results[i].set_value(r); });
    });
  for (auto& t : threads) t.join();
  std::set<std::string> ids;
  int fresh = 0;
  for (auto& p : results) {
    auto r = p.get_future().get();
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    ids.insert(r.value().id);
    fresh += !r.value().existing;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(fresh, 1);
  auto page = es_->list_executions({});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 1u);
}

TEST_P(ExecStoreTest, TransitionAppendsHistoryAndMovesTheStatusIndex) {
  deploy_basic();
  auto id = start();
  clock_ = kT0 + 5;
  Transition t;
  t.execution_id = id;
  t.expected_length = 1;
  t.events = {{"StepScheduled", {{"step", "a"}, {"attempt", 1}}}, {"StepCompleted", {{"step", "a"}}}};
  t.snapshot = R"({"pc":1})";
  t.current = "a";
  ASSERT_TRUE(es_->transition_sync(t).ok());
  auto rec = es_->get_execution(id);
  EXPECT_EQ(rec->history_length, 3u);
  EXPECT_EQ(rec->current, "a");
  EXPECT_EQ(rec->updated_at_ms, kT0 + 5);
  EXPECT_EQ(es_->get_snapshot(id), R"({"pc":1})");

  // A stale expected length is a conflict and writes nothing.
  t.snapshot = "stale";
  EXPECT_EQ(es_->transition_sync(t).code(), Errc::conflict);
  EXPECT_EQ(es_->get_snapshot(id), R"({"pc":1})");
  EXPECT_EQ(es_->history(id).size(), 3u);

  Transition done;
  done.execution_id = id;
  done.expected_length = 3;
  done.events = {{"ExecutionCompleted", {{"output", 7}}}};
  done.status = ExecutionStatus::completed;
  done.output = json::value(7);
  done.current = "";
  ASSERT_TRUE(es_->transition_sync(done).ok());
  rec = es_->get_execution(id);
  EXPECT_EQ(rec->status, ExecutionStatus::completed);
  EXPECT_EQ(rec->output, json::value(7));
  EXPECT_TRUE(index_ids(ExecutionStatus::running).empty());
  EXPECT_EQ(index_ids(ExecutionStatus::completed), std::set<std::string>{id});

  auto h = es_->history(id);
  ASSERT_EQ(h.size(), 4u);
  for (std::size_t i = 0; i < h.size(); ++i) EXPECT_EQ(h[i].seq, i + 1);
  EXPECT_EQ(h[1].type, "StepScheduled");
  EXPECT_EQ(h[3].type, "ExecutionCompleted");
  EXPECT_EQ(h[2].at_ms, kT0 + 5);
  auto tail = es_->history(id, 3);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].seq, 3u);
  EXPECT_EQ(es_->history(id, 2, 1).size(), 1u);

  // Replay: a completed-or-failed execution may run again, re-pinned to another version with a
  // new input; an unknown version is refused.
  ASSERT_TRUE(es_->deploy({{"orders", "h-orders-2", R"({"flow":"orders","v":2})", false}}).ok());
  Transition replay;
  replay.execution_id = id;
  replay.status = ExecutionStatus::running;
  replay.version = "h-missing";
  EXPECT_EQ(es_->transition_sync(replay).code(), Errc::not_found);
  replay.version = "h-orders-2";
  replay.input = json::object{{"n", 2}};
  replay.events = {{"ReplayStarted", nullptr}};
  ASSERT_TRUE(es_->transition_sync(replay).ok());
  rec = es_->get_execution(id);
  EXPECT_EQ(rec->version, "h-orders-2");
  EXPECT_EQ(rec->input, (json::value{{"n", 2}}));
  EXPECT_EQ(rec->status, ExecutionStatus::running);
  EXPECT_EQ(index_ids(ExecutionStatus::running), std::set<std::string>{id});
  EXPECT_TRUE(index_ids(ExecutionStatus::completed).empty());

  Transition unknown;
  unknown.execution_id = new_id();
  EXPECT_EQ(es_->transition_sync(unknown).code(), Errc::not_found);
  unknown.execution_id = "garbage";
  EXPECT_EQ(es_->transition_sync(unknown).code(), Errc::not_found);
}

TEST_P(ExecStoreTest, StatusIndexStaysConsistentUnderRandomConcurrentTransitions) {
  deploy_basic();
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(start(i % 2 ? "orders" : "billing"));
  const ExecutionStatus all[] = {ExecutionStatus::running, ExecutionStatus::completed,
                                 ExecutionStatus::failed, ExecutionStatus::cancelled,
                                 ExecutionStatus::paused};
  // Four threads, each owning ten executions (one writer per execution, as the runtime does),
  // submit asynchronous transitions and wait for each before the next on that execution.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int step = 0; step < 60; ++step) {
        const auto& id = ids[t * 10 + rng() % 10];
        Transition tr;
        tr.execution_id = id;
        tr.status = all[rng() % 5];
        tr.events = {{"Step", {{"n", step}}}};
        std::promise<Status> p;
        es_->transition(std::move(tr), [&](const Status& s) { p.set_value(s); });
        if (!p.get_future().get().ok()) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::map<ExecutionStatus, std::set<std::string>> expected;
  std::size_t events = 0;
  for (const auto& id : ids) {
    auto rec = es_->get_execution(id);
    expected[rec->status].insert(id);
    events += rec->history_length;
    EXPECT_EQ(es_->history(id).size(), rec->history_length);
  }
  EXPECT_EQ(events, 40u + 240u);
  for (auto s : all) EXPECT_EQ(index_ids(s), expected[s]) << status_name(s);
}

TEST_P(ExecStoreTest, ListsNewestFirstWithFiltersAndPaging) {
  deploy_basic();
  IdGenerator gen;
  std::vector<std::string> ids;  // oldest first; one per second
  for (int i = 0; i < 25; ++i) {
    NewExecution e;
    e.flow = i % 3 == 0 ? "billing" : "orders";
    e.version = e.flow == "orders" ? "h-orders-1" : "h-billing-1";
    e.id = gen.next(kT0 + i * 1000);
    ASSERT_TRUE(es_->create_sync(e).ok());
    ids.push_back(e.id);
  }
  for (int i : {1, 2, 4, 24}) {
    Transition t;
    t.execution_id = ids[i];
    t.status = ExecutionStatus::failed;
    ASSERT_TRUE(es_->transition_sync(t).ok());
  }
  // All, 10 per page.
  std::vector<std::string> seen;
  ExecutionQuery q;
  q.limit = 10;
  int pages = 0;
  for (;;) {
    auto page = es_->list_executions(q);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (auto& r : page->items) seen.push_back(r.id);
    if (!page->next_cursor) break;
    q.cursor = *page->next_cursor;
  }
  EXPECT_EQ(pages, 3);
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, newest_first);

  // By status (failed), by flow, both, time window.
  ExecutionQuery fq;
  fq.status = ExecutionStatus::failed;
  auto failed = es_->list_executions(fq);
  ASSERT_TRUE(failed.ok());
  std::vector<std::string> got;
  for (auto& r : failed->items) got.push_back(r.id);
  EXPECT_EQ(got, (std::vector<std::string>{ids[24], ids[4], ids[2], ids[1]}));
  EXPECT_FALSE(failed->next_cursor);

  ExecutionQuery billing;
  billing.flow = "billing";
  billing.limit = 4;
  auto b1 = es_->list_executions(billing);
  ASSERT_TRUE(b1.ok());
  ASSERT_EQ(b1->items.size(), 4u);
  EXPECT_EQ(b1->items[0].id, ids[24]);
  EXPECT_EQ(b1->items[3].id, ids[15]);
  ASSERT_TRUE(b1->next_cursor);
  billing.cursor = *b1->next_cursor;
  auto b2 = es_->list_executions(billing);
  ASSERT_EQ(b2->items.size(), 4u);
  EXPECT_EQ(b2->items[0].id, ids[12]);
  EXPECT_EQ(b2->items[3].id, ids[3]);
  billing.cursor = *b2->next_cursor;
  auto b3 = es_->list_executions(billing);
  ASSERT_EQ(b3->items.size(), 1u);
  EXPECT_EQ(b3->items[0].id, ids[0]);
  EXPECT_FALSE(b3->next_cursor);

  ExecutionQuery both;
  both.flow = "orders";
  both.status = ExecutionStatus::failed;
  auto ob = es_->list_executions(both);
  got.clear();
  for (auto& r : ob->items) got.push_back(r.id);
  EXPECT_EQ(got, (std::vector<std::string>{ids[4], ids[2], ids[1]}));

  ExecutionQuery window;
  window.since_ms = kT0 + 5000;   // inclusive
  window.until_ms = kT0 + 9000;   // exclusive
  auto w = es_->list_executions(window);
  got.clear();
  for (auto& r : w->items) got.push_back(r.id);
  EXPECT_EQ(got, (std::vector<std::string>{ids[8], ids[7], ids[6], ids[5]}));
  window.flow = "orders";
  w = es_->list_executions(window);
  EXPECT_EQ(w->items.size(), 3u);  // 6 is billing

  ExecutionQuery bad;
  bad.cursor = "not a cursor";
  EXPECT_EQ(es_->list_executions(bad).status().code(), Errc::invalid_argument);
  ExecutionQuery none;
  none.flow = "nobody";
  EXPECT_TRUE(es_->list_executions(none)->items.empty());
  none.flow = std::string(2000, 'f');  // longer than any key: simply nothing
  auto huge = es_->list_executions(none);
  ASSERT_TRUE(huge.ok()) << huge.status().to_string();
  EXPECT_TRUE(huge->items.empty());
}

TEST_P(ExecStoreTest, TimersAreIndexedByDueTime) {
  deploy_basic();
  auto a = start(), b = start();
  Transition t;
  t.execution_id = a;
  t.add_timers = {{{kT0 + 300, a, "retry"}, "r"}, {{kT0 + 100, a, "sleep"}, "s"}};
  ASSERT_TRUE(es_->transition_sync(t).ok());
  ASSERT_TRUE(es_->update_timers({{{kT0 + 200, "cron:nightly", "tick"}, "c"}, {{kT0 + 100, b, "x"}, "bx"}}, {}).ok());
  EXPECT_EQ(es_->next_timer_due(), kT0 + 100);
  auto due = es_->due_timers(kT0 + 200, 0);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].key.due_ms, kT0 + 100);
  EXPECT_EQ(due[2].key, (TimerKey{kT0 + 200, "cron:nightly", "tick"}));
  EXPECT_EQ(due[2].payload, "c");
  EXPECT_EQ(es_->due_timers(kT0 + 200, 1).size(), 1u);
  EXPECT_TRUE(es_->due_timers(kT0 + 99, 0).empty());

  Transition fire;
  fire.execution_id = a;
  fire.events = {{"TimerFired", {{"timer", "sleep"}}}};
  fire.remove_timers = {{kT0 + 100, a, "sleep"}, {kT0 + 1, a, "already-gone"}};
  ASSERT_TRUE(es_->transition_sync(fire).ok());
  ASSERT_TRUE(es_->update_timers({}, {{kT0 + 100, b, "x"}}).ok());
  EXPECT_EQ(es_->next_timer_due(), kT0 + 200);
  EXPECT_EQ(es_->due_timers(INT64_MAX, 0).size(), 2u);
}

TEST_P(ExecStoreTest, SignalsAreQueuedConsumedOnceAndDroppedAtTheEnd) {
  deploy_basic();
  auto id = start();
  ASSERT_TRUE(es_->enqueue_signal_sync(id, "approve", json::object{{"by", "ann"}}).ok());
  std::promise<Status> p;
  es_->enqueue_signal(id, "approve", json::object{{"by", "bob"}}, [&](const Status& s) { p.set_value(s); });
  ASSERT_TRUE(p.get_future().get().ok());
  ASSERT_TRUE(es_->enqueue_signal_sync(id, "cancel", nullptr).ok());
  auto pending = es_->pending_signals(id);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].seq, 1u);
  EXPECT_EQ(pending[0].payload.at("by"), "ann");
  EXPECT_EQ(pending[1].payload.at("by"), "bob");
  EXPECT_EQ(pending[2].name, "cancel");
  EXPECT_EQ(es_->pending_signals(id, 1).size(), 1u);

  Transition t;
  t.execution_id = id;
  t.events = {{"SignalReceived", {{"name", "approve"}}}};
  t.consume_signals = {1};
  ASSERT_TRUE(es_->transition_sync(t).ok());
  t.events.clear();
  EXPECT_EQ(es_->transition_sync(t).code(), Errc::conflict);  // already consumed
  EXPECT_EQ(es_->pending_signals(id).size(), 2u);
  EXPECT_EQ(es_->pending_signals(id)[0].seq, 2u);

  EXPECT_EQ(es_->enqueue_signal_sync(new_id(), "approve", nullptr).code(), Errc::not_found);
  EXPECT_EQ(es_->enqueue_signal_sync("bogus", "approve", nullptr).code(), Errc::not_found);
  EXPECT_EQ(es_->enqueue_signal_sync(id, "", nullptr).code(), Errc::invalid_argument);

  Transition end;
  end.execution_id = id;
  end.status = ExecutionStatus::cancelled;
  ASSERT_TRUE(es_->transition_sync(end).ok());
  EXPECT_TRUE(es_->pending_signals(id).empty());
  EXPECT_EQ(es_->enqueue_signal_sync(id, "approve", nullptr).code(), Errc::conflict);
}

TEST_P(ExecStoreTest, DedupClaimsExpireAndAreSwept) {
  auto c1 = es_->claim_dedup("wh:1", "exec-a", 100);
  ASSERT_TRUE(c1.ok());
  EXPECT_TRUE(c1->claimed);
  auto c2 = es_->claim_dedup("wh:1", "exec-b", 100);
  ASSERT_TRUE(c2.ok());
  EXPECT_FALSE(c2->claimed);
  EXPECT_EQ(c2->value, "exec-a");
  ASSERT_TRUE(es_->claim_dedup("wh:2", "x", 1000)->claimed);
  EXPECT_EQ(es_->claim_dedup("", "x", 1).status().code(), Errc::invalid_argument);
  EXPECT_EQ(es_->claim_dedup(std::string(600, 'k'), "x", 1).status().code(), Errc::invalid_argument);

  clock_ = kT0 + 100;
  EXPECT_EQ(es_->get_dedup("wh:1"), std::nullopt);  // expired
  EXPECT_EQ(es_->get_dedup("wh:2"), "x");
  auto swept = es_->sweep_dedup(kT0 + 100, 0);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);
  EXPECT_EQ(*es_->sweep_dedup(kT0 + 100, 0), 0u);
  if (lmdb()) {
    auto txn = store_->read();
    EXPECT_EQ(txn.collect(Keyspace::dedup, Range::all()).size(), 2u);  // wh:2 and its expiry line
  }
  auto c3 = es_->claim_dedup("wh:1", "exec-c", 100);
  EXPECT_TRUE(c3->claimed);

  // An expired claim taken over before the sweep: the sweep leaves the new claim alone.
  clock_ = kT0 + 5000;
  ASSERT_TRUE(es_->claim_dedup("wh:2", "y", 100)->claimed);
  EXPECT_EQ(*es_->sweep_dedup(kT0 + 5000, 0), 1u);  // wh:1 (exec-c) expired at kT0+200
  EXPECT_EQ(es_->get_dedup("wh:2"), "y");
}

TEST_P(ExecStoreTest, CursorsEventsSecretsAndTokens) {
  EXPECT_EQ(es_->get_cursor("poll:crm"), std::nullopt);
  ASSERT_TRUE(es_->put_cursor("poll:crm", "2026-01-01").ok());
  ASSERT_TRUE(es_->put_cursor("poll:crm", "2026-01-02").ok());
  EXPECT_EQ(es_->get_cursor("poll:crm"), "2026-01-02");
  EXPECT_EQ(es_->put_cursor("", "x").code(), Errc::invalid_argument);

  for (int i = 0; i < 5; ++i) ASSERT_TRUE(es_->append_event("order.created", json::object{{"i", i}}).ok());
  EXPECT_EQ(es_->append_event("", nullptr).code(), Errc::invalid_argument);
  auto ev = es_->read_events(0, 0);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].offset, 1u);
  EXPECT_EQ(ev[4].data.at("i"), 4);
  EXPECT_EQ(ev[0].type, "order.created");
  auto after = es_->read_events(3, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].offset, 4u);
  ASSERT_TRUE(es_->trim_events(100).ok());  // keeps the newest
  ev = es_->read_events(0, 0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].offset, 5u);
  ASSERT_TRUE(es_->append_event("order.created", nullptr).ok());
  EXPECT_EQ(es_->read_events(5, 0).at(0).offset, 6u);

  ASSERT_TRUE(es_->put_secret("crm_key", std::string("\x01\x00sealed", 8)).ok());
  ASSERT_TRUE(es_->put_secret("a_key", "z").ok());
  EXPECT_EQ(es_->get_secret("crm_key"), std::string("\x01\x00sealed", 8));
  EXPECT_EQ(es_->list_secrets(), (std::vector<std::string>{"a_key", "crm_key"}));
  ASSERT_TRUE(es_->delete_secret("a_key").ok());
  EXPECT_EQ(es_->delete_secret("a_key").code(), Errc::not_found);
  EXPECT_EQ(es_->get_secret("a_key"), std::nullopt);

  ASSERT_TRUE(es_->put_token("sha256:abc", R"({"name":"ci"})").ok());
  EXPECT_EQ(es_->get_token("sha256:abc"), R"({"name":"ci"})");
  ASSERT_EQ(es_->list_tokens().size(), 1u);
  ASSERT_TRUE(es_->delete_token("sha256:abc").ok());
  EXPECT_TRUE(es_->list_tokens().empty());
  EXPECT_EQ(es_->get_token(""), std::nullopt);
  EXPECT_EQ(es_->get_secret(std::string(1000, 's')), std::nullopt);
  EXPECT_EQ(es_->put_secret(std::string(1000, 's'), "x").code(), Errc::invalid_argument);
}

TEST_P(ExecStoreTest, LeasesGuardOwnershipAndExpire) {
  deploy_basic();
  NewExecution e;
  e.flow = "orders";
  e.version = "h-orders-1";
  e.lease_owner = "proc-A";
  e.lease_ttl_ms = 1000;
  auto id = es_->create_sync(e)->id;
  auto other = start();
  EXPECT_EQ(es_->get_lease(id)->owner, "proc-A");
  EXPECT_EQ(es_->get_lease(id)->expires_at_ms, kT0 + 1000);

  EXPECT_EQ(es_->acquire_lease(id, "proc-B", 1000).code(), Errc::conflict);
  EXPECT_EQ(es_->renew_lease(id, "proc-B", 1000).code(), Errc::conflict);
  EXPECT_EQ(es_->release_lease(id, "proc-B").code(), Errc::conflict);
  EXPECT_TRUE(es_->acquire_lease(id, "proc-A", 2000).ok());  // ours: extends
  EXPECT_EQ(es_->get_lease(id)->expires_at_ms, kT0 + 2000);
  EXPECT_EQ(es_->acquire_lease(new_id(), "proc-A", 1).code(), Errc::not_found);

  // A transition by another owner is refused while the lease lives.
  Transition t;
  t.execution_id = id;
  t.events = {{"Step", nullptr}};
  t.lease_owner = "proc-B";
  EXPECT_EQ(es_->transition_sync(t).code(), Errc::conflict);
  EXPECT_EQ(es_->claimable_executions("proc-B", 0), std::vector<std::string>{other});
  EXPECT_EQ(es_->claimable_executions("proc-A", 0).size(), 2u);

  // After expiry proc-B takes over (through its transition); proc-A can no longer renew.
  clock_ = kT0 + 2000;
  EXPECT_EQ(es_->claimable_executions("proc-B", 0).size(), 2u);
  EXPECT_EQ(es_->claimable_executions("proc-B", 1).size(), 1u);
  ASSERT_TRUE(es_->transition_sync(t).ok());
  EXPECT_EQ(es_->get_lease(id)->owner, "proc-B");
  EXPECT_EQ(es_->renew_lease(id, "proc-A", 1000).code(), Errc::conflict);
  EXPECT_TRUE(es_->renew_lease(id, "proc-B", 1000).ok());

  // A terminal transition drops the lease; releasing a free lease is fine.
  t.status = ExecutionStatus::completed;
  ASSERT_TRUE(es_->transition_sync(t).ok());
  EXPECT_EQ(es_->get_lease(id), std::nullopt);
  EXPECT_TRUE(es_->release_lease(id, "proc-B").ok());
  EXPECT_EQ(es_->renew_lease(id, "proc-B", 10).code(), Errc::conflict);
  ASSERT_TRUE(es_->acquire_lease(other, "proc-A", 10).ok());
  ASSERT_TRUE(es_->release_lease(other, "proc-A").ok());
  EXPECT_EQ(es_->get_lease(other), std::nullopt);
}

TEST_P(ExecStoreTest, HeartbeatRenewsOwnLeasesAndReportsLostOnes) {
  deploy_basic();
  std::string a = start(), b = start(), c = start();
  ASSERT_TRUE(es_->acquire_lease(a, "node-1", 1000).ok());
  ASSERT_TRUE(es_->acquire_lease(b, "node-1", 1000).ok());
  ASSERT_TRUE(es_->acquire_lease(c, "node-2", 1000).ok());
  clock_ = kT0 + 500;
  auto lost = es_->renew_leases("node-1", {a, b, c, "not-an-id"}, 1000);
  ASSERT_TRUE(lost.ok()) << lost.status().to_string();
  EXPECT_EQ(*lost, (std::vector<std::string>{c, "not-an-id"}));  // in the order asked
  EXPECT_EQ(es_->get_lease(a)->expires_at_ms, kT0 + 1500);
  EXPECT_EQ(es_->get_lease(c)->expires_at_ms, kT0 + 1000);  // node-2's lease is untouched
  // b's lease expires and node-2 takes it over: node-1's next heartbeat learns it lost b.
  clock_ = kT0 + 1600;
  ASSERT_TRUE(es_->acquire_lease(b, "node-2", 1000).ok());
  lost = es_->renew_leases("node-1", {a, b}, 1000);
  ASSERT_TRUE(lost.ok());
  EXPECT_EQ(*lost, std::vector<std::string>{b});
  EXPECT_EQ(es_->get_lease(b)->owner, "node-2");
  EXPECT_EQ(es_->renew_leases("", {a}, 1000).status().code(), Errc::invalid_argument);
}

TEST_P(ExecStoreTest, ConcurrencySlotsAreCountedInTheStore) {
  deploy_basic();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(start());
  EXPECT_TRUE(*es_->acquire_slot("orders/k", 2, ids[0]));
  EXPECT_TRUE(*es_->acquire_slot("orders/k", 2, ids[0]));  // held already: still one holder
  EXPECT_TRUE(*es_->acquire_slot("orders/k", 2, ids[1]));
  EXPECT_FALSE(*es_->acquire_slot("orders/k", 2, ids[2]));  // full
  EXPECT_TRUE(*es_->acquire_slot("orders/other", 1, ids[2]));  // another key, its own slots
  ASSERT_TRUE(es_->release_slot("orders/k", ids[0]).ok());
  ASSERT_TRUE(es_->release_slot("orders/k", ids[0]).ok());  // released twice: fine
  EXPECT_TRUE(*es_->acquire_slot("orders/k", 2, ids[3]));
  EXPECT_FALSE(*es_->acquire_slot("orders/k", 2, ids[0]));
  EXPECT_EQ(es_->acquire_slot("", 1, ids[0]).status().code(), Errc::invalid_argument);
  EXPECT_EQ(es_->acquire_slot("orders/k", 0, ids[0]).status().code(), Errc::invalid_argument);

  // Many concurrent takers (as several nodes would be): never more holders than the limit.
  std::vector<std::string> more;
  for (int i = 0; i < 24; ++i) more.push_back(start());
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 24; i += 4)
        if (auto r = es_->acquire_slot("burst", 5, more[i]); r.ok() && *r) ++taken;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(taken.load(), 5);
}

TEST_P(ExecStoreTest, TransitionSpawnsChildrenAndPublishesEventsAtomically) {
  deploy_basic();
  auto parent = start();
  Transition t;
  t.execution_id = parent;
  t.events = {{"ChildStarted", nullptr}};
  NewExecution child;
  child.flow = "billing";
  child.version = "h-billing-1";
  child.id = new_id();
  child.input = json::object{{"amount", 5}};
  t.spawn.push_back(child);
  t.publish = {{"order.billed", {{"parent", parent}}}};
  ASSERT_TRUE(es_->transition_sync(t).ok());
  auto rec = es_->get_execution(child.id);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->parent_id, parent);
  EXPECT_EQ(rec->flow, "billing");
  EXPECT_EQ(es_->read_events(0, 0).size(), 1u);

  // A bad child makes the whole transition fail: no event, no history.
  Transition bad;
  bad.execution_id = parent;
  bad.events = {{"ChildStarted", nullptr}};
  bad.publish = {{"x", nullptr}};
  NewExecution orphan;
  orphan.flow = "billing";
  orphan.version = "h-missing";
  bad.spawn.push_back(orphan);
  EXPECT_EQ(es_->transition_sync(bad).code(), Errc::not_found);
  EXPECT_EQ(es_->get_execution(parent)->history_length, 2u);
  EXPECT_EQ(es_->read_events(0, 0).size(), 1u);
}

// A group mixing good writes with refused ones (stale history length, a second create of one id,
// an unknown version, a lease held by another owner) commits the good ones and refuses each bad one
// alone, writing nothing of it; the PostgreSQL store's pipelined group falls back to savepoints.
TEST_P(ExecStoreTest, RefusedWritesInAGroupFailAloneAndWriteNothing) {
  deploy_basic();
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(start());
  ASSERT_TRUE(es_->acquire_lease(ids[11], "other-node", 60000).ok());
  std::vector<std::promise<Status>> done(ids.size() + 4);
  for (std::size_t i = 0; i < ids.size(); ++i) {  // queued without waiting: the writer groups them
    Transition t;
    t.execution_id = ids[i];
    t.expected_length = i % 3 == 1 ? 5 : 1;  // every third one is stale
    t.events = {{"StepCompleted", {{"i", i}}}};
    t.snapshot = "s" + std::to_string(i);
    t.status = i % 2 ? ExecutionStatus::completed : ExecutionStatus::running;
    if (i == 11) t.lease_owner = "me";
    es_->transition(std::move(t), [&, i](const Status& st) { done[i].set_value(st); });
  }
  NewExecution again;  // an id that exists
  again.flow = "orders";
  again.version = "h-orders-1";
  again.id = ids[0];
  NewExecution unknown = again;
  unknown.id = new_id();
  unknown.version = "h-missing";
  NewExecution fresh = again;
  fresh.id = new_id();
  fresh.snapshot = "fresh";
  std::size_t k = ids.size();
  for (auto* e : {&again, &unknown, &fresh}) {
    es_->create(*e, [&, k](const Result<Created>& r) { done[k].set_value(r.status()); });
    ++k;
  }
  es_->enqueue_signal(ids[0], "go", json::value(1), [&](const Status& st) { done[k].set_value(st); });
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Status st = done[i].get_future().get();
    bool good = i % 3 != 1 && i != 11;
    EXPECT_EQ(st.ok(), good) << i << ": " << st.to_string();
    if (!good) {
      EXPECT_EQ(st.code(), Errc::conflict) << i;
    }
    EXPECT_EQ(es_->get_execution(ids[i])->history_length, good ? 2u : 1u) << i;
    EXPECT_EQ(es_->get_snapshot(ids[i]).value_or(""), good ? "s" + std::to_string(i) : "") << i;
  }
  EXPECT_EQ(done[ids.size()].get_future().get().code(), Errc::conflict);
  EXPECT_EQ(done[ids.size() + 1].get_future().get().code(), Errc::not_found);
  EXPECT_TRUE(done[ids.size() + 2].get_future().get().ok());
  EXPECT_EQ(es_->get_snapshot(fresh.id), "fresh");
  EXPECT_FALSE(es_->get_execution(unknown.id));
  EXPECT_TRUE(done[ids.size() + 3].get_future().get().ok());
  EXPECT_EQ(es_->get_lease(ids[11])->owner, "other-node");
}

TEST_P(ExecStoreTest, ManyAsyncCreatesAndTransitionsThenReopen) {
  deploy_basic();
  constexpr int kThreads = 8, kPer = 50;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPer; ++i) {
        NewExecution e;
        e.flow = "orders";
        e.version = "h-orders-1";
        std::promise<Result<Created>> p;
        es_->create(std::move(e), [&](const Result<Created>& r) { p.set_value(r); });
        auto r = p.get_future().get();
        if (!r.ok()) continue;
        Transition tr;
        tr.execution_id = r.value().id;
        tr.expected_length = 1;
        tr.events = {{"StepCompleted", nullptr}};
        tr.status = ExecutionStatus::completed;
        std::promise<Status> q;
        es_->transition(std::move(tr), [&](const Status& s) { q.set_value(s); });
        if (q.get_future().get().ok()) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPer);
  auto stats = es_->stats();
  EXPECT_GE(stats.batches, std::uint64_t{2 * kThreads * kPer});
  EXPECT_LE(stats.transactions, stats.batches);
  EXPECT_EQ(stats.failed, 0u);
  reopen();
  EXPECT_EQ(index_ids(ExecutionStatus::completed).size(), std::size_t{kThreads * kPer});
  EXPECT_TRUE(index_ids(ExecutionStatus::running).empty());
  ExecutionQuery q;
  q.limit = 1000;
  auto page = es_->list_executions(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), std::size_t{kThreads * kPer});
  EXPECT_EQ(page->items.front().history_length, 2u);
}

TEST(OpenExecutionStore, OwnsItsStoreAndReportsBadPaths) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  o.sync = false;
  {
    auto es = open_execution_store(o);
    ASSERT_TRUE(es.ok()) << es.status().to_string();
    ASSERT_TRUE((*es)->put_cursor("c", "1").ok());
  }
  auto es = open_execution_store(o);
  ASSERT_TRUE(es.ok());
  EXPECT_EQ((*es)->get_cursor("c"), "1");
  StoreOptions bad;
  bad.path = "/proc/definitely/not/writable";
  EXPECT_FALSE(open_execution_store(bad).ok());
}

TEST_P(ExecStoreTest, DeleteExecutionRemovesEverythingOfAFinishedOne) {
  deploy_basic();
  std::string done = start(), other = start(), running = start();
  Transition t;
  t.execution_id = done;
  t.events.push_back({"TimerStarted", nullptr});
  t.snapshot = "snap";
  t.add_timers.push_back({{kT0 + 1000, done, "t1"}, "p"});
  t.add_timers.push_back({{kT0 + 1000, other, "t1"}, "p"});
  ASSERT_TRUE(es_->transition_sync(t).ok());
  ASSERT_TRUE(es_->acquire_lease(done, "me", 1000).ok());
  Transition end;
  end.execution_id = done;
  end.status = ExecutionStatus::completed;
  end.events.push_back({"ExecutionCompleted", nullptr});
  ASSERT_TRUE(es_->transition_sync(end).ok());

  EXPECT_EQ(es_->delete_execution(running).code(), Errc::conflict);
  EXPECT_EQ(es_->delete_execution("01ZZZZZZZZZZZZZZZZZZZZZZZZ").code(), Errc::not_found);
  ASSERT_TRUE(es_->delete_execution(done).ok());
  EXPECT_FALSE(es_->get_execution(done));
  EXPECT_TRUE(es_->history(done).empty());
  EXPECT_FALSE(es_->get_snapshot(done));
  EXPECT_FALSE(es_->get_lease(done));
  ExecutionQuery q;
  q.status = ExecutionStatus::completed;
  EXPECT_TRUE(es_->list_executions(q)->items.empty());
  ExecutionQuery by_flow;
  by_flow.flow = "orders";
  EXPECT_EQ(es_->list_executions(by_flow)->items.size(), 2u);
  auto timers = es_->due_timers(kT0 + 5000, 0);
  ASSERT_EQ(timers.size(), 1u);  // the other execution's timer stays
  EXPECT_EQ(timers[0].key.owner, other);
  EXPECT_EQ(es_->delete_execution(done).code(), Errc::not_found);
  EXPECT_TRUE(es_->get_execution(other));
}

#ifdef WEFT_STORE_CONFORMANCE_PG
INSTANTIATE_TEST_SUITE_P(Backend, ExecStoreTest, ::testing::Values(std::string("postgres")),
                         [](const auto& info) { return info.param; });

// PostgreSQL only (two stores on one database, as two nodes): get_flow answers from a cache that a
// deployment through any node drops (NOTIFY weft_flows), for a deployed flow and for an unknown one.
TEST(PgFlowCache, ADeploymentThroughAnotherNodeIsSeen) {
  auto& server = weft::testsupport::shared_pg_server();
  ASSERT_EQ(server.create_database("flow_cache"), "");
  PgStoreOptions po;
  po.conninfo = server.url("flow_cache");
  auto a = open_pg_execution_store(po);
  auto b = open_pg_execution_store(po);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*b)->deploy({{"orders", "h1", "{}"}}).ok());
  EXPECT_EQ((*a)->get_flow("orders")->deployed_hash, "h1");
  EXPECT_EQ((*a)->get_flow("later"), std::nullopt);
  // Both answers are cached now; a's own deployment drops its cache at once.
  ASSERT_TRUE((*a)->deploy({{"orders", "h2", "{}"}}).ok());
  EXPECT_EQ((*a)->get_flow("orders")->deployed_hash, "h2");
  // b's deployments reach a through the notification (delivered after b's commit).
  ASSERT_TRUE((*b)->deploy({{"orders", "h3", "{}"}, {"later", "h4", "{}"}}).ok());
  auto seen = [&] {
    auto o = (*a)->get_flow("orders");
    auto l = (*a)->get_flow("later");
    return o && o->deployed_hash == "h3" && l && l->deployed_hash == "h4";
  };
  bool ok = false;
  for (int i = 0; i < 200 && !(ok = seen()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(ok);
}
#else
INSTANTIATE_TEST_SUITE_P(Backend, ExecStoreTest, ::testing::Values(std::string("lmdb")),
                         [](const auto& info) { return info.param; });
#endif
