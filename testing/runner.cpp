#include "testing/runner.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "engine/eval/eval.h"
#include "engine/history/history.h"
#include "stdlib/connectors/redactor.h"
#include "stdlib/errors/error.h"
#include "engine/runtime/engine.h"
#include "testing/counting_store.h"
#include "testing/mock_connection.h"
#include "testing/test_clock.h"

namespace weft::testing {
namespace json = boost::json;
namespace fs = std::filesystem;
using TS = lower::TestStmt::Kind;

namespace {

/// Every test starts at this instant (2026-01-01T00:00:00Z), so `now()` is deterministic.
constexpr int64_t kEpochMs = 1767225600000;
/// A run or await gives up after this much test-clock time (a flow that never ends).
constexpr int64_t kHorizonMs = int64_t(10) * 366 * 24 * 3600 * 1000;
/// ... or after this much wall time.
constexpr auto kWallLimit = std::chrono::seconds(60);

/// Fails the test (never caught by a test's `catch`).
struct TestFailure {
  std::string message;
  int line = 0;
  int column = 0;  ///< 0: the column of the statement running when it was thrown, if on `line`
};

/// A flow run or awaited by the test failed (caught by a test's `try`/`catch`).
struct FlowFailed {
  json::object error;
};

/// now()/uuid()/random() inside the test's own expressions: the test clock and fixed sequences.
class TestContext final : public functions::Context {
 public:
  explicit TestContext(const TestClock& clock) : clock_(clock) {}
  int64_t now_ms() override { return clock_.now(); }
  std::string uuid() override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llu", static_cast<unsigned long long>(++uuids_));
    return buf;
  }
  double random() override {
    seed_ = seed_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed_ >> 11) / 9007199254740992.0;
  }

 private:
  const TestClock& clock_;
  uint64_t uuids_ = 0, seed_ = 42;
};

std::string short_json(const json::value& v, size_t limit = 300) {
  std::string s = json::serialize(v);
  if (s.size() > limit) s = s.substr(0, limit) + "…";
  return s;
}

std::atomic<uint64_t> g_run_counter{0};

class TestRun {
 public:
  TestRun(const TestJob& job, const RunOptions& options)
      : module_(job.module), tc_(*job.test), keep_history_(options.keep_history), clock_(kEpochMs), fctx_(clock_) {
    fs::path base = options.temp_dir.empty() ? fs::temp_directory_path() : fs::path(options.temp_dir);
    dir_ = base / ("weft-test-" + std::to_string(::getpid()) + "-" + std::to_string(++g_run_counter));
    fs::create_directories(dir_);
  }

  ~TestRun() {
    engine_.reset();
    work_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  TestOutcome run() {
    TestOutcome out;
    out.file = tc_.file;
    out.name = tc_.name;
    out.line = tc_.line;
    auto t0 = std::chrono::steady_clock::now();
    wall_start_ = t0;
    try {
      open();
      for (const auto& s : tc_.body) exec(s);
      out.passed = true;
    } catch (const TestFailure& f) {
      out.message = f.message;
      out.failure_line = f.line;
      out.failure_column = f.column ? f.column : (f.line == line_ ? column_ : 0);
    } catch (const FlowFailed& f) {
      out.message = "the flow failed: " + error_text(f.error);
      out.failure_line = line_;
      out.failure_column = column_;
    } catch (const std::exception& e) {
      out.message = std::string("internal error: ") + e.what();
      out.failure_line = line_;
      out.failure_column = column_;
    }
    if ((!out.passed || keep_history_) && store_) out.history = histories();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

 private:
  // ---------------------------------------------------------------- set-up

  void open() {
    store::StoreOptions so;
    so.path = dir_.string();
    so.sync = false;
    so.initial_map_size = 4u << 20;
    store::ExecutionStoreOptions eo;
    eo.clock = [this] { return clock_.now(); };
    auto r = store::open_execution_store(so, eo);
    if (!r.ok()) throw TestFailure{"cannot open a store in " + dir_.string() + ": " + r.status().to_string(), tc_.line};
    store_ = std::make_unique<CountingStore>(std::move(r.value()), io_);

    env_.module = module_.get();
    env_.fctx = &fctx_;
    // Secrets need no values in tests: each resolves to a marker, redacted wherever it shows up.
    env_.secret = [red = redactor_](std::string_view name) -> std::optional<std::string> {
      std::string v = "weft-test-secret:" + std::string(name);
      red->add(v);
      return v;
    };
    env_.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };

    runtime::EngineOptions eo2;
    eo2.owner = "weft-test";
    book_ = std::make_shared<MockBook>(env_, [red = redactor_](const json::value& v) { return red->redact_json(v); });
    eo2.connections = [book = book_](const ir::Connection& c, const json::value&, std::string&) {
      return std::static_pointer_cast<connectors::Connection>(std::make_shared<MockConnection>(c.name, book));
    };
    eo2.secret = env_.secret;
    eo2.env = env_.env;
    eo2.clock = [this] { return clock_.now(); };
    eo2.arm_timer = [this](boost::asio::steady_timer& t, int64_t due) { clock_.arm(t, due); };
    eo2.timer_done = [this](boost::asio::steady_timer& t) { clock_.disarm(t); };
    eo2.on_terminal = [this](const store::ExecutionRecord& rec) { terminal_[rec.id] = rec; };
    engine_ = std::make_unique<runtime::Engine>(io_, *store_, std::move(eo2));
    if (std::string err = engine_->deploy(module_); !err.empty()) throw TestFailure{"cannot deploy: " + err, tc_.line};
    engine_->recover();
    frame_.slots.resize(tc_.slots.size());
    frame_.names = &tc_.slots;
    drive([] { return false; }, false);
  }

  // ---------------------------------------------------------------- driving the engine

  /// Runs the io_context until `done()`, or until nothing can happen any more without moving the
  /// clock: then, with `skip`, the clock jumps to the next due timer; without, it returns false.
  bool drive(const std::function<bool()>& done, bool skip) {
    int64_t start = clock_.now();
    for (;;) {
      if (done()) return true;
      if (io_.stopped()) io_.restart();
      if (io_.poll() > 0) continue;
      if (store_->in_flight() > 0) {
        io_.run_one();  // a write is on the store's writer thread; its completion comes back here
        continue;
      }
      if (done()) return true;
      if (!skip) return false;
      auto next = clock_.next_due();
      if (!next) return false;
      if (*next - start > kHorizonMs) return false;
      if (std::chrono::steady_clock::now() - wall_start_ > kWallLimit)
        throw TestFailure{"the test ran for more than 60 s of real time", line_};
      clock_.advance_to(*next);
    }
  }

  std::string start(const std::string& flow, json::value input) {
    std::optional<std::string> id, error;
    engine_->start(flow, std::move(input), std::nullopt, [&](std::string i, std::string e) {
      id = std::move(i);
      error = std::move(e);
    });
    drive([&] { return id.has_value(); }, false);
    if (!id || id->empty()) throw TestFailure{"cannot start `" + flow + "`: " + error.value_or("no answer"), line_};
    started_.push_back(*id);
    return *id;
  }

  /// Drives execution `id` to its end, skipping time; its output, or FlowFailed.
  json::value await(const std::string& id) {
    bool ended = drive([&] { return terminal_.count(id) > 0; }, true);
    if (!ended) {
      auto rec = store_->get_execution(id);
      std::string what = rec ? "`" + rec->flow + "`" : "execution " + id;
      std::string at = rec && !rec->current.empty() ? " (last step: " + rec->current + ")" : "";
      throw TestFailure{"flow " + what + " never ends" + at +
                            ": it waits for something no timer brings — a signal nobody sends?",
                        line_};
    }
    const store::ExecutionRecord& rec = terminal_.at(id);
    if (rec.status == store::ExecutionStatus::completed) return rec.output;
    json::object e = rec.error.is_object() ? rec.error.get_object() : json::object{};
    if (!e.contains("kind")) e["kind"] = rec.status == store::ExecutionStatus::cancelled ? "cancelled" : "failure";
    throw FlowFailed{std::move(e)};
  }

  static std::string error_text(const json::object& e) {
    if (auto v = errors::from_json(e)) return errors::to_text(*v);
    return short_json(e);
  }

  // ---------------------------------------------------------------- statements

  json::value eval(const ir::ExprPtr& e) {
    if (!e) return nullptr;
    json::object emitted;
    for (const auto& ev : store_->read_events(0, 0)) {
      auto& l = emitted[ev.type];
      if (!l.is_array()) l = json::array{};
      l.as_array().push_back(ev.data);
    }
    frame_.ctx["$calls"] = book_->calls();
    frame_.ctx["$emitted"] = std::move(emitted);
    try {
      return eval::evaluate(*e, frame_, env_);
    } catch (const eval::Error& err) {
      throw TestFailure{errors::to_text(err.value()), line_};
    }
  }

  void assign(int slot, json::value v) {
    if (slot < 0) return;
    if (static_cast<size_t>(slot) >= frame_.slots.size()) frame_.slots.resize(slot + 1);
    frame_.slots[slot] = std::move(v);
  }

  std::string handle_id(const json::value& h) {
    if (auto* o = h.if_object())
      if (auto* id = o->if_contains("execution"); id && id->is_string()) return std::string(id->get_string());
    throw TestFailure{"not a handle from `start`: " + short_json(h), line_};
  }

  void check_unmatched() {
    if (book_->unmatched().size() > unmatched_seen_) throw TestFailure{book_->unmatched()[unmatched_seen_], line_};
  }

  /// await() into `slot`; an unmatched call explains a flow failure better than the failure itself.
  void await_into(int slot, const std::string& id) {
    json::value out;
    try {
      out = await(id);
    } catch (const FlowFailed&) {
      check_unmatched();
      throw;
    }
    assign(slot, std::move(out));
  }

  void exec(const lower::TestStmt& s) {
    line_ = s.line;
    column_ = s.column;
    switch (s.kind) {
      case TS::Let: assign(s.slot, eval(s.value)); break;
      case TS::Run: await_into(s.slot, start(s.flow, eval(s.value))); break;
      case TS::Start: {
        std::string id = start(s.flow, eval(s.value));
        drive([] { return false; }, false);
        assign(s.slot, json::object{{"execution", id}, {"flow", s.flow}});
        break;
      }
      case TS::Await: await_into(s.slot, handle_id(eval(s.value))); break;
      case TS::Signal: {
        std::string id = handle_id(eval(s.value));
        json::value payload = eval(s.payload);
        std::optional<std::string> error;
        engine_->signal(id, s.name, std::move(payload), [&](std::string e) { error = std::move(e); });
        drive([&] { return error.has_value(); }, false);
        if (error && !error->empty()) throw TestFailure{"cannot signal `" + s.name + "`: " + *error, line_};
        drive([] { return false; }, false);
        break;
      }
      case TS::Advance: {
        json::value d = eval(s.value);
        if (!d.is_int64() || d.get_int64() < 0) throw TestFailure{"`advance` needs a duration, got " + short_json(d), line_};
        int64_t target = clock_.now() + d.get_int64();
        for (;;) {
          drive([] { return false; }, false);
          auto next = clock_.next_due();
          if (!next || *next > target) break;
          clock_.advance_to(*next);
        }
        clock_.advance_to(target);
        drive([] { return false; }, false);
        break;
      }
      case TS::Mock: {
        Mock m;
        m.connection = s.name;
        m.method = s.method;
        json::value p = eval(s.path);
        m.path = p.is_string() ? std::string(p.get_string()) : eval::to_text(p);
        m.where = s.where;
        m.line = s.line;
        if (!s.fails_with.empty()) {
          m.script.push_back(MockBook::failure_of(s.fails_with));
        } else {
          json::value r = eval(s.response);
          if (r.is_array())
            for (const auto& x : r.get_array()) m.script.push_back(MockBook::response_of(x));
          else
            m.script.push_back(MockBook::response_of(r));
        }
        book_->add(std::move(m));
        break;
      }
      case TS::Expect: {
        json::value v = eval(s.value);
        if (v.is_bool() && v.get_bool()) break;
        std::string msg = "expectation failed: " + s.text;
        if (!v.is_bool()) msg += "\n    (the condition is " + short_json(v) + ", not a bool)";
        for (const auto& [text, e] : s.operands) {
          std::string val;
          try {
            val = short_json(eval(e));
          } catch (const TestFailure& f) {
            val = "(" + f.message + ")";
          }
          msg += "\n    " + text + " is " + val;
        }
        throw TestFailure{msg, s.line, s.column};
      }
      case TS::Fail: {
        json::value m = eval(s.value);
        throw TestFailure{"fail: " + (m.is_string() ? std::string(m.get_string()) : short_json(m)), s.line, s.column};
      }
      case TS::Try: {
        std::optional<FlowFailed> caught;
        try {
          for (const auto& b : s.body) exec(b);
        } catch (FlowFailed& f) {
          caught = std::move(f);
        }
        if (!caught) break;
        std::string kind = caught->error.contains("kind") && caught->error.at("kind").is_string()
                               ? std::string(caught->error.at("kind").get_string())
                               : "failure";
        for (const auto& c : s.catches) {
          if (!c.kind.empty() && c.kind != kind) continue;
          assign(c.slot, caught->error);
          if (c.where) {
            json::value w = eval(c.where);
            if (!w.is_bool() || !w.get_bool()) continue;
          }
          for (const auto& b : c.body) exec(b);
          return;
        }
        throw *caught;
      }
      case TS::If: {
        json::value c = eval(s.value);
        if (!c.is_bool()) throw TestFailure{"`if` needs a bool, got " + short_json(c), s.line};
        for (const auto& b : c.get_bool() ? s.body : s.else_body) exec(b);
        break;
      }
    }
    check_unmatched();
  }

  // ---------------------------------------------------------------- reporting

  std::string histories() {
    std::string out;
    store::ExecutionQuery q;
    q.limit = 1000;
    auto page = store_->list_executions(q);
    if (!page.ok()) return out;
    auto items = page->items;
    std::reverse(items.begin(), items.end());  // oldest first
    for (const auto& rec : items) {
      out += "history of " + rec.flow + " (" + std::string(store::status_name(rec.status)) + "):\n";
      for (const auto& e : store_->history(rec.id)) out += history::render_text(e) + "\n";
    }
    return out;
  }

  std::shared_ptr<const ir::Module> module_;
  const lower::TestCase& tc_;
  bool keep_history_ = false;
  fs::path dir_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  TestClock clock_;
  TestContext fctx_;
  std::unique_ptr<CountingStore> store_;
  std::shared_ptr<MockBook> book_;
  std::shared_ptr<connectors::Redactor> redactor_ = std::make_shared<connectors::Redactor>();
  std::unique_ptr<runtime::Engine> engine_;
  eval::Env env_;
  eval::Frame frame_;
  std::map<std::string, store::ExecutionRecord> terminal_;
  std::vector<std::string> started_;
  size_t unmatched_seen_ = 0;
  int line_ = 0;
  int column_ = 0;  // column of the statement at line_
  std::chrono::steady_clock::time_point wall_start_;
};

}  // namespace

bool selected(const std::string& name, const std::string& filter) {
  return filter.empty() || name.find(filter) != std::string::npos;
}

TestOutcome run_test(const TestJob& job, const RunOptions& options) {
  TestRun r(job, options);
  return r.run();
}

std::vector<TestOutcome> run_tests(const std::vector<TestJob>& jobs, const RunOptions& options) {
  std::vector<TestOutcome> out(jobs.size());
  size_t threads = options.jobs > 0 ? static_cast<size_t>(options.jobs) : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < jobs.size();) out[i] = run_test(jobs[i], options);
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  return out;
}

}  // namespace weft::testing
