#include "engine/runtime/replay_check.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "engine/runtime/engine.h"

namespace weft::runtime {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string str_of(const json::object& o, const char* k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

/// What the history recorded: the first-attempt requests in order, results, failures, signals.
struct Recorded {
  json::value input;
  std::vector<CheckedCall> calls;             // first request of each step key, in order
  std::map<std::string, json::value> results;  // StepCompleted
  std::vector<std::pair<std::string, json::value>> signals;
  size_t timers_fired = 0;
};

Recorded read_history(const std::vector<store::HistoryEvent>& events) {
  Recorded r;
  std::map<std::string, size_t> at;
  for (const auto& e : events) {
    if (!e.data.is_object()) continue;
    const auto& o = e.data.as_object();
    if (e.type == "ExecutionStarted") {
      if (auto* in = o.if_contains("input")) r.input = *in;
    } else if (e.type == "StepScheduled") {
      std::string step = str_of(o, "step");
      auto* attempt = o.if_contains("attempt");
      if (attempt && attempt->is_int64() && attempt->as_int64() != 1) continue;
      auto* body = o.if_contains("body");
      CheckedCall c{step, str_of(o, "method"), str_of(o, "path"), body ? *body : json::value(nullptr)};
      if (auto it = at.find(step); it != at.end()) r.calls[it->second] = std::move(c);  // a replay sent it again
      else {
        at[step] = r.calls.size();
        r.calls.push_back(std::move(c));
      }
    } else if (e.type == "StepCompleted") {
      r.results[str_of(o, "step")] = o.contains("result") ? o.at("result") : json::value(nullptr);
    } else if (e.type == "SignalReceived") {
      r.signals.emplace_back(str_of(o, "signal"), o.contains("payload") ? o.at("payload") : json::value(nullptr));
    } else if (e.type == "TimerFired") {
      ++r.timers_fired;
    }
  }
  return r;
}

/// Answers each step from the recorded results and records what the new version sends.
class RecordedConnection : public connectors::Connection {
 public:
  RecordedConnection(const Recorded& rec, std::vector<CheckedCall>& sent, std::function<void()> beyond)
      : rec_(rec), sent_(sent), beyond_(std::move(beyond)) {}
  std::string prefix;  ///< `<execution id>/`, the start of every idempotency key

  boost::asio::awaitable<connectors::CallResult> call(connectors::Request req) override {
    std::string key = req.idempotency_key.value_or("");
    if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
    if (auto h = key.find("#r"); h != std::string::npos) key.resize(h);
    bool seen = false;
    for (const auto& c : sent_) seen = seen || c.step == key;
    if (!seen) sent_.push_back(CheckedCall{key, req.method, req.url, req.body.value_or(nullptr)});
    if (auto it = rec_.results.find(key); it != rec_.results.end()) {
      connectors::Response r;
      const auto* o = it->second.if_object();
      if (o && o->contains("status") && o->at("status").is_int64()) {
        r.status = static_cast<int>(o->at("status").as_int64());
        if (auto* h = o->if_contains("headers"); h && h->is_object())
          for (const auto& [k, v] : h->as_object())
            if (v.is_string()) r.headers[std::string(k)] = std::string(v.as_string());
        if (auto* b = o->if_contains("body")) r.body = *b;
      } else {
        r.status = 200;
        r.body = it->second;
      }
      co_return r;
    }
    // Failed, in flight or new: the history has nothing to compare from here on.
    connectors::CallError e;
    e.kind = connectors::ErrorKind::validation_error;  // not retried
    e.message = "no recorded result";
    beyond_();
    co_return e;
  }

 private:
  const Recorded& rec_;
  std::vector<CheckedCall>& sent_;
  std::function<void()> beyond_;
};

bool same(const CheckedCall& a, const CheckedCall& b) {
  return a.step == b.step && a.method == b.method && a.path == b.path && a.body == b.body;
}

std::string call_text(const std::optional<CheckedCall>& c) {
  if (!c) return "nothing (the flow ends)";
  std::string s = c->step + ": " + c->method + " " + c->path;
  if (!c->body.is_null()) s += " " + json::serialize(c->body);
  return s;
}

}  // namespace

std::string describe(const Divergence& d) {
  return "step " + d.step + ": expected " + call_text(d.expected) + ", got " + call_text(d.got);
}

std::optional<Divergence> check_replay(const std::vector<store::HistoryEvent>& events,
                                       std::shared_ptr<const ir::Module> module, const std::string& flow,
                                       std::string& error) {
  Recorded rec = read_history(events);
  std::random_device rd;
  fs::path dir = fs::temp_directory_path() / ("weft-check-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(dir);
  std::vector<CheckedCall> sent;
  bool beyond = false, ended = false;
  {
    store::StoreOptions so;
    so.path = dir.string();
    so.sync = false;
    auto opened = store::open_execution_store(so, {});
    if (!opened.ok()) {
      error = "cannot open a temporary store: " + opened.status().to_string();
      fs::remove_all(dir);
      return std::nullopt;
    }
    auto store = std::move(opened.value());
    boost::asio::io_context io;
    auto conn = std::make_shared<RecordedConnection>(rec, sent, [&] {
      beyond = true;
      io.stop();
    });
    // Timers: the clock jumps to each timer the history fired; later ones never fire.
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    size_t fired = 0;
    EngineOptions opts;
    opts.connections = [conn](const ir::Connection&, const json::value&, std::string&) {
      return std::static_pointer_cast<connectors::Connection>(conn);
    };
    opts.secret = [](std::string_view) { return std::optional<std::string>("replay-check"); };
    opts.env = [](std::string_view) { return std::optional<std::string>(); };
    opts.clock = [&] { return now; };
    opts.arm_timer = [&](boost::asio::steady_timer& t, int64_t due) {
      t.expires_at(boost::asio::steady_timer::time_point::max());
      if (due == INT64_MAX || fired >= rec.timers_fired) return;
      ++fired;
      now = std::max(now, due);
      boost::asio::post(io, [&t] { t.cancel(); });
    };
    opts.timer_done = [](boost::asio::steady_timer&) {};
    opts.on_terminal = [&](const store::ExecutionRecord&) {
      ended = true;
      io.stop();
    };
    opts.on_paused = opts.on_terminal;
    {
      Engine engine(io, *store, opts);
      auto deployed = engine.deploy(module);
      if (!deployed.empty()) error = deployed;
      std::string id;
      if (error.empty()) {
        engine.start(flow, rec.input, std::nullopt, [&](std::string i, std::string e) {
          id = i;
          error = e;
          conn->prefix = i + "/";
          for (const auto& [name, payload] : rec.signals) engine.signal(i, name, payload, [](std::string) {});
        });
        auto guard = boost::asio::make_work_guard(io);
        // Runs until the flow ends, goes beyond the history, or makes no progress for 2 s.
        size_t progress = 0;
        for (int idle = 0; idle < 20 && !ended && !beyond && error.empty();) {
          io.restart();
          io.run_for(std::chrono::milliseconds(100));
          idle = sent.size() == progress ? idle + 1 : 0;
          progress = sent.size();
        }
      }
      engine.shutdown();
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (!error.empty()) return std::nullopt;
  // Match what was sent against what the history recorded.
  std::set<std::string> matched;
  auto first_unmatched = [&]() -> const CheckedCall* {
    for (const auto& c : rec.calls)
      if (!matched.count(c.step)) return &c;
    return nullptr;
  };
  for (const auto& got : sent) {
    const CheckedCall* expected = nullptr;
    for (const auto& c : rec.calls)
      if (c.step == got.step && !matched.count(c.step)) expected = &c;
    if (expected) {
      if (!rec.results.count(got.step)) return std::nullopt;  // where the history ends
      matched.insert(got.step);
      if (!same(*expected, got)) return Divergence{got.step, *expected, got};
      continue;
    }
    if (const auto* next = first_unmatched()) return Divergence{next->step, *next, got};
    return std::nullopt;  // beyond the history
  }
  if (ended)
    if (const auto* next = first_unmatched(); next && rec.results.count(next->step))
      return Divergence{next->step, *next, std::nullopt};
  return std::nullopt;
}

}  // namespace weft::runtime
