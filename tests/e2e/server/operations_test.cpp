// End-to-end operations: the alert rules of packaging/prometheus-alerts.yml name only metrics a
// real /metrics scrape serves, and `weft backup` taken while `weft serve` runs executions gives a
// data directory a second server starts on with those executions. Loopback only.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "tests/e2e/engine/process.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;

constexpr const char* kFlow = R"(
flow greet(name: string, times: int = 2) -> json {
  return { text: "hello ${name}", times: times }
}
)";

/// `weft serve --insecure-no-auth` on 127.0.0.1 (a free port, read from its log) over `data`;
/// SIGTERM at destruction.
class Serve {
 public:
  Serve(const std::string& data, const std::string& flows, const std::string& log_prefix) {
    std::vector<std::string> argv = {weft_binary(), "serve", "--data", data, "--listen", "127.0.0.1:0",
                                     "--insecure-no-auth"};
    if (!flows.empty()) argv.insert(argv.end(), {"--flows", flows});
    proc_ = spawn(argv, {}, "", log_prefix);
    for (int i = 0; i < 1000 && !port_; ++i) {
      std::string log = read_all(proc_.err_path);
      if (auto at = log.find("listening on http://127.0.0.1:"); at != std::string::npos)
        port_ = std::atoi(log.c_str() + at + std::string("listening on http://127.0.0.1:").size());
      int code = 0;
      if (!port_ && exited(proc_, code)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Serve() {
    if (port_) {
      ::kill(proc_.pid, SIGTERM);
      wait(proc_, 20000);
    }
  }
  int port() const { return port_; }
  std::string log() const { return read_all(proc_.err_path); }

  /// curl `method` `path` with an optional JSON body: {status, body}.
  std::pair<int, std::string> call(const std::string& method, const std::string& path, const std::string& body = "") {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", method,
                                     "http://127.0.0.1:" + std::to_string(port_) + path};
    if (!body.empty()) argv.insert(argv.end(), {"-H", "content-type: application/json", "--data-binary", body});
    auto r = run(argv, {}, "", log_prefix_ + "curl");
    auto nl = r.out.rfind('\n');
    if (nl == std::string::npos) return {0, r.err};
    return {std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
  }

 private:
  Proc proc_;
  int port_ = 0;
  std::string log_prefix_ = make_temp_dir("ops") + "/";
};

std::string status_of(Serve& s, const std::string& id) {
  auto [code, body] = s.call("GET", "/v1/executions/" + id);
  if (code != 200) return "http " + std::to_string(code);
  return std::string(json::parse(body).at("status").as_string());
}

TEST(OperationsE2E, AlertRulesNameOnlyServedMetrics) {
  std::string dir = make_temp_dir("ops");
  Serve s(dir + "/data", "", dir + "/serve");
  ASSERT_NE(s.port(), 0) << s.log();
  auto [code, scrape] = s.call("GET", "/metrics");
  ASSERT_EQ(code, 200);
  std::set<std::string> served;
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("# TYPE ", 0) == 0) served.insert(line.substr(7, line.find(' ', 7) - 7));
  std::string rules = read_all(std::string(WEFT_SOURCE_DIR) + "/packaging/prometheus-alerts.yml");
  ASSERT_FALSE(rules.empty());
  std::regex name(R"(\bweft_[a-z0-9_]+)");
  std::set<std::string> used;
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), name); it != std::sregex_iterator(); ++it) {
    std::string n = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"})  // histogram series
      if (!served.count(n) && n.ends_with(suffix)) n.resize(n.size() - std::string(suffix).size());
    used.insert(n);
  }
  EXPECT_GE(used.size(), 8u);
  for (const auto& n : used) EXPECT_TRUE(served.count(n)) << n << " is in the alert rules but not served";
  for (const char* needed : {"weft_executions_failed_total", "weft_oldest_running_execution_age_seconds",
                             "weft_circuit_breaker_state", "weft_http_requests_total", "weft_webhook_requests_total"})
    EXPECT_TRUE(used.count(needed)) << needed;
}

TEST(OperationsE2E, BackupWhileServingRestoresOnASecondServer) {
  std::string dir = make_temp_dir("ops");
  std::filesystem::create_directories(dir + "/flows");
  write_all(dir + "/flows/greet.flow", kFlow);
  std::vector<std::string> ids;
  {
    Serve s(dir + "/data", dir + "/flows", dir + "/serve1");
    ASSERT_NE(s.port(), 0) << s.log();
    auto start = [&](int i) {
      auto [code, body] = s.call("POST", "/v1/flows/greet/executions",
                                 R"({"input":{"name":"n)" + std::to_string(i) + R"("}})");
      EXPECT_EQ(code, 201) << body;
      if (code == 201) ids.emplace_back(json::parse(body).at("id").as_string());
    };
    for (int t = 0; t < 250 && s.call("GET", "/v1/flows/greet").first != 200; ++t)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 10; ++i) start(i);
    // The backup runs while executions complete and more start.
    auto backup = spawn({weft_binary(), "backup", "--data", dir + "/data", "--to", dir + "/copy"}, {}, "",
                        dir + "/backup");
    for (int i = 10; i < 20; ++i) start(i);
    auto b = wait(backup, 60000);
    ASSERT_EQ(b.exit_code, 0) << b.err;
    for (const auto& id : ids) {
      std::string st;
      for (int i = 0; i < 200 && (st = status_of(s, id)) == "running"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      EXPECT_EQ(st, "completed") << id;
    }
  }
  ASSERT_EQ(ids.size(), 20u);
  // A second server on the copy (no --flows: the deployed versions are in the data): the first
  // ten executions were started before the backup began, so they are there and finish there.
  Serve restored(dir + "/copy", "", dir + "/serve2");
  ASSERT_NE(restored.port(), 0) << restored.log();
  for (int i = 0; i < 10; ++i) {
    std::string st;
    for (int t = 0; t < 200 && (st = status_of(restored, ids[i])) == "running"; ++t)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(st, "completed") << ids[i];
  }
  auto [code, body] = restored.call("GET", "/v1/executions/" + ids[0]);
  ASSERT_EQ(code, 200);
  EXPECT_EQ(json::parse(body).at("output"), json::parse(R"({"text":"hello n0","times":2})"));
  // The copy is a working data directory: new executions start and complete on it.
  auto [c2, b2] = restored.call("POST", "/v1/flows/greet/executions", R"({"input":{"name":"again","times":3}})");
  ASSERT_EQ(c2, 201) << b2;
  std::string id(json::parse(b2).at("id").as_string());
  std::string st;
  for (int t = 0; t < 200 && (st = status_of(restored, id)) == "running"; ++t)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(st, "completed");
  // Every execution that was in the copy is listed there.
  auto [lc, list] = restored.call("GET", "/v1/executions?flow=greet&limit=100");
  ASSERT_EQ(lc, 200) << list;
  EXPECT_GE(json::parse(list).at("items").as_array().size(), 11u);
}

}  // namespace
}  // namespace weft::e2e
