// A test harness: compiles .flow source, deploys it on an engine over a fresh store in a temp
// directory, with FakeConnections for every connection, and runs executions to their end.
#pragma once
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"
#include "engine/runtime/engine.h"
#include "stdlib/connectors/fake_connection.h"

namespace weft::runtime::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

inline connectors::CallResult ok(int status, json::value body) {
  connectors::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

inline connectors::CallResult fail(connectors::ErrorKind kind, std::string message) {
  connectors::CallError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

/// `body` after a declaration of connection `crm` (answered by fake("crm")).
inline std::string src(const std::string& body) {
  return "\nconnection crm = http { base_url: \"http://127.0.0.1:1\" }\n" + body;
}

/// Writes `source` to `file`, compiles it and returns the lowered module; null (and a test
/// failure naming the diagnostics) when it does not compile.
inline std::shared_ptr<ir::Module> compile_source(const fs::path& file, const std::string& source) {
  driver::MemoryResolver no_imports;
  auto c = driver::compile_source(file.string(), source, no_imports);
  std::string diags;
  for (const auto& d : c.program.diagnostics.all())
    if (d.severity == diagnostics::Severity::Error) diags += diagnostics::render_text(d);
  if (c.lowered && !c.lowered->errors.empty()) diags += c.lowered->errors[0];
  if (!diags.empty() || !c.lowered) {
    ADD_FAILURE() << "does not compile: " << diags;
    return nullptr;
  }
  return std::make_shared<ir::Module>(std::move(c.lowered->module));
}

/// An execution store in `dir` (no fsync: tests), on `clock` when given; throws when it cannot be opened.
inline std::unique_ptr<store::ExecutionStore> open_test_store(const fs::path& dir,
                                                              std::function<int64_t()> clock = {}) {
  store::StoreOptions so;
  so.path = dir.string();
  so.sync = false;
  store::ExecutionStoreOptions eo;
  eo.clock = std::move(clock);
  auto r = store::open_execution_store(so, eo);
  if (!r.ok()) throw std::runtime_error(r.status().to_string());
  return std::move(r.value());
}

class Harness {
 public:
  /// The lease owner id of the harness's engine.
  static constexpr const char* kOwner = "node-a";

  /// `lease_ms` > 0: cluster mode (EngineOptions::lease_ms), this engine's lease owner is kOwner.
  explicit Harness(int64_t unload_after_ms = 2000, int64_t lease_ms = 0) : lease_ms_(lease_ms) {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("weft-rt-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
    open(unload_after_ms);
  }
  ~Harness() {
    engine_.reset();
    // The store before the io_context (as `weft serve` does): closing it drains pending commits,
    // whose callbacks post to the io_context; their handlers are then destroyed unrun with it.
    store_.reset();
    work_.reset();
    io_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void open(int64_t unload_after_ms) {
    store_ = open_test_store(dir_);
    EngineOptions opts;
    opts.unload_after_ms = unload_after_ms;
    if (lease_ms_ > 0) {
      opts.lease_ms = lease_ms_;
      opts.owner = kOwner;
    }
    opts.connections = [this](const ir::Connection& c, const json::value&, std::string&) {
      return std::static_pointer_cast<connectors::Connection>(fake(c.name));
    };
    opts.secret = [](std::string_view name) -> std::optional<std::string> {
      if (name == "token") return std::string("s3cr3t");
      return std::nullopt;
    };
    opts.on_terminal = [this](const store::ExecutionRecord& rec) {
      finished_[rec.id] = rec;
      if (rec.id == waiting_for_) io_->stop();
    };
    opts.on_paused = opts.on_terminal;
    engine_ = std::make_unique<Engine>(*io_, *store_, opts);
  }

  /// Closes the engine and the store and opens them again on the same directory (a restart).
  /// Like a killed process, the old executions never run again: the io_context that holds their
  /// suspended coroutines is destroyed (not run) together with the engine.
  void restart(int64_t unload_after_ms = 2000) {
    engine_.reset();
    // The store before the io_context (as `weft serve` does): closing it drains pending commits,
    // whose callbacks post to the io_context; their handlers are then destroyed unrun with it.
    store_.reset();
    work_.reset();
    io_.reset();
    io_ = std::make_unique<boost::asio::io_context>();
    work_.emplace(boost::asio::make_work_guard(*io_));
    open(unload_after_ms);
  }

  std::shared_ptr<connectors::FakeConnection> fake(const std::string& name) {
    auto& f = fakes_[name];
    if (!f) f = std::make_shared<connectors::FakeConnection>();
    return f;
  }

  /// Compiles and deploys `source`; fails the test on diagnostics.
  void deploy(const std::string& source) {
    module_ = compile_source(dir_ / "flow.flow", source);
    ASSERT_TRUE(module_);
    ASSERT_EQ(engine_->deploy(module_), "");
    engine_->recover();
  }

  /// Starts an execution and returns its id.
  std::string start(const std::string& flow, json::value input) {
    std::string id, error;
    engine_->start(flow, std::move(input), std::nullopt, [&](std::string i, std::string e) {
      id = i;
      error = e;
    });
    io_->restart();  // an earlier wait() may have stopped the io_context
    for (int i = 0; i < 10000 && id.empty() && error.empty(); ++i) io_->run_one();
    EXPECT_EQ(error, "");
    return id;
  }

  /// Runs the io_context until execution `id` ends (or `timeout_ms` of wall time passes).
  store::ExecutionRecord wait(const std::string& id, int timeout_ms = 20000) {
    if (!finished_.count(id)) {
      waiting_for_ = id;
      io_->restart();
      io_->run_for(std::chrono::milliseconds(timeout_ms));
      waiting_for_.clear();
    }
    auto rec = store_->get_execution(id);
    EXPECT_TRUE(rec.has_value());
    return rec ? *rec : store::ExecutionRecord{};
  }

  /// Runs the io_context for a while (lets waiting executions unload, timers fire...).
  void run_for(int ms) {
    io_->restart();
    io_->run_for(std::chrono::milliseconds(ms));
  }

  /// Replays `id` (Engine::replay); wait(id) then runs it to its next end.
  ReplayOutcome replay(const std::string& id, const ReplayRequest& request = {}) {
    finished_.erase(id);
    return engine_->replay(id, request);
  }

  /// Cancels `id` (Engine::cancel) and returns the error ("" when accepted); wait(id) then runs it
  /// to its end.
  std::string cancel(const std::string& id) {
    finished_.erase(id);
    std::string error = "no answer";
    engine_->cancel(id, [&](std::string e) { error = e; });
    io_->restart();
    for (int i = 0; i < 10000 && error == "no answer"; ++i) io_->run_one();
    return error;
  }

  store::ExecutionRecord run(const std::string& flow, json::value input) { return wait(start(flow, std::move(input))); }

  std::vector<std::string> event_types(const std::string& id) {
    std::vector<std::string> out;
    for (const auto& e : store_->history(id)) out.push_back(e.type);
    return out;
  }

  Engine& engine() { return *engine_; }
  store::ExecutionStore& store() { return *store_; }
  boost::asio::io_context& io() { return *io_; }
  /// The store's directory (a test may write files next to it).
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  int64_t lease_ms_ = 0;
  std::unique_ptr<boost::asio::io_context> io_ = std::make_unique<boost::asio::io_context>();
  // Keeps run_one()/run_for() waiting while the store answers on its writer thread.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(*io_)};
  std::unique_ptr<store::ExecutionStore> store_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, std::shared_ptr<connectors::FakeConnection>> fakes_;
  std::shared_ptr<ir::Module> module_;  // the module deploy() compiled
  std::map<std::string, store::ExecutionRecord> finished_;
  std::string waiting_for_;
};

}  // namespace weft::runtime::testing
