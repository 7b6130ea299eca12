// A test fixture for the trigger manager: a real engine over a store in a temp directory, with an
// injected clock (engine and store), FakeConnections for every connection, fixed secrets, and a
// TriggerManager wired to the engine's on_terminal. restart() reopens everything on the same
// directory (a new process).
#pragma once
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "../runtime/harness.h"
#include "engine/runtime/engine.h"
#include "server/triggers.h"
#include "stdlib/connectors/fake_connection.h"
#include "stdlib/functions/time_format.h"

namespace weft::server::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

/// ms since the epoch of an RFC 3339 UTC time.
inline int64_t at(const std::string& rfc3339) {
  auto v = functions::parse_time_default(rfc3339, *functions::TimeZone::utc());
  EXPECT_TRUE(v.has_value()) << rfc3339;
  return v.value_or(0);
}

class TriggerFixture {
 public:
  explicit TriggerFixture(TriggerOptions topts = {}) : topts_(topts) {
    topts_.max_sleep_ms = 20;
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("weft-tr-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
    open();
  }
  ~TriggerFixture() {
    close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// The clock every component sees (ms since the epoch); tests move it.
  int64_t now = at("2024-01-01T00:00:00Z");
  /// secret("name") values.
  std::map<std::string, std::string> secrets{{"hook", "It's a Secret to Everybody"}};

  /// Closes and reopens engine, manager and store on the same directory, then redeploys triggers.
  void restart() {
    close();
    io_ = std::make_unique<boost::asio::io_context>();
    work_.emplace(boost::asio::make_work_guard(*io_));
    open();
    engine_->recover();
    manager_->deployed();
  }

  /// Compiles and deploys `source` and tells the manager; fails the test on diagnostics.
  void deploy(const std::string& source) {
    auto module = runtime::testing::compile_source(dir_ / "flow.flow", source);
    ASSERT_TRUE(module);
    ASSERT_EQ(engine_->deploy(module), "");
    if (!recovered_) engine_->recover();
    recovered_ = true;
    manager_->deployed();
  }

  /// Sends a webhook request and runs the io_context until it is answered.
  HttpResponse call(HttpRequest req, int timeout_ms = 20000) {
    std::optional<HttpResponse> got;
    manager_->handle_webhook(req, [&](HttpResponse r) { got = std::move(r); });
    run_until([&] { return got.has_value(); }, timeout_ms);
    EXPECT_TRUE(got.has_value()) << "no answer";
    return got.value_or(HttpResponse{});
  }

  /// Runs the io_context until `done()` or `timeout_ms` of wall time.
  template <class F>
  bool run_until(F done, int timeout_ms = 20000) {
    io_->restart();
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done() && std::chrono::steady_clock::now() < end) io_->run_one_for(std::chrono::milliseconds(5));
    return done();
  }

  /// Runs the io_context for `ms` of wall time.
  void run_for(int ms) {
    io_->restart();
    io_->run_for(std::chrono::milliseconds(ms));
  }

  /// Every execution in the store, oldest first.
  std::vector<store::ExecutionRecord> executions() {
    store::ExecutionQuery q;
    q.limit = 1000;
    auto page = store_->list_executions(q);
    EXPECT_TRUE(page.ok());
    std::vector<store::ExecutionRecord> out = page.ok() ? page->items : std::vector<store::ExecutionRecord>{};
    std::reverse(out.begin(), out.end());
    return out;
  }

  /// Waits until every execution has ended.
  void settle() {
    run_until([&] {
      for (const auto& r : executions())
        if (!store::is_terminal(r.status)) return false;
      return true;
    });
  }

  /// The stored timers owned by trigger `owner`.
  std::vector<store::TimerKey> timers(const std::string& owner) {
    std::vector<store::TimerKey> out;
    for (const auto& t : store_->due_timers(INT64_MAX, 0))
      if (t.key.owner == owner) out.push_back(t.key);
    return out;
  }

  std::shared_ptr<connectors::FakeConnection> fake(const std::string& name) {
    auto& f = fakes_[name];
    if (!f) f = std::make_shared<connectors::FakeConnection>();
    return f;
  }

  runtime::Engine& engine() { return *engine_; }
  store::ExecutionStore& store() { return *store_; }
  TriggerManager& manager() { return *manager_; }

 private:
  void open() {
    store_ = runtime::testing::open_test_store(dir_, [this] { return now; });
    runtime::EngineOptions opts;
    opts.clock = [this] { return now; };
    opts.connections = [this](const ir::Connection& c, const json::value&, std::string&) {
      return std::static_pointer_cast<connectors::Connection>(fake(c.name));
    };
    opts.secret = [this](std::string_view name) -> std::optional<std::string> {
      auto it = secrets.find(std::string(name));
      return it == secrets.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    opts.on_terminal = [this](const store::ExecutionRecord& rec) {
      if (manager_) manager_->execution_ended(rec);
    };
    opts.on_paused = opts.on_terminal;  // as `weft serve` does: waiting sync webhooks are answered
    engine_ = std::make_unique<runtime::Engine>(*io_, *store_, opts);
    manager_ = std::make_unique<TriggerManager>(*engine_, topts_);
  }
  void close() {
    manager_.reset();
    engine_.reset();
    // The store before the io_context (as `weft serve` does): closing it drains pending commits,
    // whose callbacks post to the io_context; their handlers are then destroyed unrun with it.
    store_.reset();
    work_.reset();
    io_.reset();
  }

  TriggerOptions topts_;
  fs::path dir_;
  std::unique_ptr<boost::asio::io_context> io_ = std::make_unique<boost::asio::io_context>();
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(*io_)};
  std::unique_ptr<store::ExecutionStore> store_;
  std::unique_ptr<runtime::Engine> engine_;
  std::unique_ptr<TriggerManager> manager_;
  std::map<std::string, std::shared_ptr<connectors::FakeConnection>> fakes_;
  bool recovered_ = false;
};

}  // namespace weft::server::testing
