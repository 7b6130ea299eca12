// The same flow against a real HTTP server on 127.0.0.1 (the production engine, HttpConnection,
// the system clock) and through `weft test` with mocks answering the same way: same outcome and
// the same history (event kinds and steps, in order) — retries, compensation and the failure.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <random>
#include <regex>
#include <sstream>

#include "compiler/driver/driver.h"
#include "engine/history/history.h"
#include "engine/runtime/engine.h"
#include "testing/runner.h"
#include "tests/e2e/engine/test_server.h"

namespace weft::testing {
namespace {

const char* kFlow = R"(
connection api = http { base_url: env("API_URL") ?? "http://127.0.0.1:1" }

flow order(id: string) -> json {
  step item = api.get<json>("/items/${id}") retry { attempts: 3, backoff: fixed(20ms) }
  step booking = api.post<json>("/bookings", body: { n: item.body.n }) compensate api.delete("/bookings/${booking.body.id}")
  step ship = api.post<json>("/shipments", body: { id: id })
  return ship.body
}

test "parity" {
  mock api.get("/items/1") => [{ status: 503 }, { status: 200, body: { n: 2 } }]
  mock api.post("/bookings") => { status: 201, body: { id: "b-1" } }
  mock api.post("/shipments") => { status: 400, body: { error: "bad address" } }
  mock api.delete("/bookings/b-1") => { status: 204 }
  try {
    run order("1")
    fail "order should fail"
  } catch http_error as e where e.status == 400 {
    expect len(calls(api.delete)) == 1
  }
}
)";

/// "Type step" per event line of render_text (times, ids and payloads left out).
std::vector<std::string> shape(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ws(line);
    std::string seq, at, type, step;
    if (!(ws >> seq >> at >> type) || seq.find_first_not_of("0123456789") != std::string::npos) continue;
    ws >> step;
    if (type == "ExecutionStarted" || type == "ExecutionFailed" || type == "ExecutionCompleted") step.clear();
    out.push_back(type + " " + step);
  }
  return out;
}

TEST(Parity, RealServerAndMocksGiveTheSameHistory) {
  driver::MemoryResolver none;
  auto c = driver::compile_source("p.flow", kFlow, none);
  ASSERT_TRUE(c.module());
  auto module = std::make_shared<const ir::Module>(*c.module());

  // Through weft test, with mocks.
  RunOptions o;
  o.jobs = 1;
  o.keep_history = true;
  TestOutcome t = run_test({module, &c.lowered->tests.at(0)}, o);
  ASSERT_TRUE(t.passed) << t.message << t.history;

  // Through the production engine, against a real server answering the same way.
  e2e::TestServer server;
  server.script("/items/1", {e2e::Answer(503, "{}"), e2e::Answer(200, R"({"n": 2})")});
  server.script("/bookings", {e2e::Answer(201, R"({"id": "b-1"})")});
  server.script("/shipments", {e2e::Answer(400, R"({"error": "bad address"})")});
  server.script("/bookings/b-1", {e2e::Answer(204, "")});
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("weft-parity-" + std::to_string(rd()));
  std::string history;
  store::ExecutionRecord final_rec;
  {
    store::StoreOptions so;
    so.path = dir.string();
    so.sync = false;
    auto st = store::open_execution_store(so);
    ASSERT_TRUE(st.ok());
    auto store = std::move(st.value());
    boost::asio::io_context io;
    // The store answers from its writer thread: keep the io_context running until the end.
    auto work = boost::asio::make_work_guard(io);
    runtime::EngineOptions eo;
    std::string url = server.url();
    eo.env = [url](std::string_view n) -> std::optional<std::string> {
      return n == "API_URL" ? std::optional<std::string>(url) : std::nullopt;
    };
    std::string id;
    eo.on_terminal = [&](const store::ExecutionRecord& rec) {
      if (rec.id == id) {
        final_rec = rec;
        io.stop();
      }
    };
    runtime::Engine engine(io, *store, eo);
    ASSERT_EQ(engine.deploy(module), "");
    engine.recover();
    std::string start_error;
    engine.start("order", boost::json::object{{"id", "1"}}, std::nullopt, [&](std::string i, std::string err) {
      id = i;
      start_error = err;
    });
    io.run_for(std::chrono::seconds(20));
    ASSERT_FALSE(id.empty()) << start_error;
    for (const auto& e : store->history(id)) history += history::render_text(e) + "\n";
  }
  std::filesystem::remove_all(dir);

  EXPECT_EQ(final_rec.status, store::ExecutionStatus::failed);
  EXPECT_EQ(final_rec.error.at("kind"), "http_error");
  EXPECT_EQ(final_rec.error.at("status"), 400);
  auto real = shape(history), mocked = shape(t.history);
  EXPECT_GE(real.size(), 10u) << history;
  EXPECT_EQ(real, mocked) << "real:\n" << history << "\nmocked:\n" << t.history;
  EXPECT_EQ(server.requests().size(), 5u);  // 503, 200, booking, shipment, refund
}

}  // namespace
}  // namespace weft::testing
