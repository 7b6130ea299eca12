// The "run test" code lens: lenses on test blocks, workspace/executeCommand weft.runTest through
// the real weft binary, failures as diagnostics on the failing `expect`, dropped after an edit,
// cleared by a passing run; dirty buffers run from a private copy; timeouts and bad commands.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "lsp/client.h"
#include "lsp/test_runs.h"
#include "lsp/text.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const char* kCommon = "fn base() -> int = 1\n";

const char* kTests = R"(import "./common.flow" as common

fn add(a: int, b: int) -> int = a + b

test "adds" {
  expect add(1, 2) == 3
}

/// Fails until common.base() is 2.
test "breaks" {
  let x = add(common.base(), 1)
  expect add(x, 1) == 4
}
)";

/// A temporary directory with t.flow and common.flow, and a client whose server runs tests with
/// the weft binary of this build.
struct LensFixture : ::testing::Test {
  fs::path dir;
  std::string uri;
  std::unique_ptr<ScriptedClient> client;

  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "weft-lens-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    write("common.flow", kCommon);
    write("t.flow", kTests);
    uri = path_to_uri((dir / "t.flow").string());
    ServerOptions o = ScriptedClient::test_options();
    o.weft_executable = WEFT_BINARY;
    start(o);
  }
  void TearDown() override {
    client.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void start(ServerOptions o) {
    client = std::make_unique<ScriptedClient>(std::move(o));
    client->initialize(dir.string());
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  json::value run(const std::string& name) {
    return client->call("workspace/executeCommand",
                        json::object{{"command", "weft.runTest"}, {"arguments", json::array{json::string(uri), json::string(name)}}});
  }
  /// The next showMessage.
  json::object message() { return client->wait_notification("window/showMessage").as_object(); }
  /// The "weft test" diagnostics of a publication.
  static std::vector<json::object> test_diagnostics(const json::value& publication) {
    std::vector<json::object> out;
    for (const auto& d : publication.at("diagnostics").as_array())
      if (d.at("source").as_string() == "weft test") out.push_back(d.as_object());
    return out;
  }
};

TEST_F(LensFixture, AdvertisesLensesAndTheCommand) {
  ScriptedClient c;
  auto caps = c.initialize().at("capabilities");
  EXPECT_TRUE(caps.at("codeLensProvider").is_object());
  EXPECT_EQ(caps.at("executeCommandProvider").at("commands").as_array(), json::array{"weft.runTest"});
}

TEST_F(LensFixture, OneLensPerTestBlockOnItsTestKeyword) {
  client->open(uri, kTests);
  auto lenses = client->call("textDocument/codeLens", json::object{{"textDocument", json::object{{"uri", uri}}}}).as_array();
  ASSERT_EQ(lenses.size(), 2u);
  EXPECT_EQ(lenses[0].at("range").at("start").at("line").to_number<int64_t>(), 4);
  EXPECT_EQ(lenses[0].at("range").at("start").at("character").to_number<int64_t>(), 0);
  EXPECT_EQ(lenses[1].at("range").at("start").at("line").to_number<int64_t>(), 9);  // not its doc comment's line
  EXPECT_EQ(lenses[1].at("range").at("end").at("line").to_number<int64_t>(), 9);
  const auto& cmd = lenses[1].at("command");
  EXPECT_EQ(cmd.at("title").as_string(), "\u25b6 run test");
  EXPECT_EQ(cmd.at("command").as_string(), "weft.runTest");
  EXPECT_EQ(cmd.at("arguments"), (json::array{json::string(uri), "breaks"}));
}

TEST_F(LensFixture, PassingTestShowsAMessageAndNoDiagnostics) {
  client->open(uri, kTests);
  EXPECT_TRUE(test_diagnostics(client->wait_diagnostics(uri, 1)).empty());
  EXPECT_TRUE(run("adds").is_null());  // answered at once; the result comes later
  auto m = message();
  EXPECT_EQ(m.at("type").as_int64(), 3);
  std::string text(m.at("message").as_string());
  EXPECT_EQ(text.rfind("test \"adds\" passed (", 0), 0u) << text;
  EXPECT_NE(text.find(" ms)"), std::string::npos) << text;
}

TEST_F(LensFixture, FailureIsADiagnosticOnTheExpectDroppedAfterAnEditClearedByAPassingRun) {
  client->open(uri, kTests);
  client->wait_diagnostics(uri, 1);
  run("breaks");
  auto m = message();
  EXPECT_EQ(m.at("type").as_int64(), 1);
  EXPECT_NE(std::string(m.at("message").as_string()).find("expectation failed: add(x, 1) == 4"), std::string::npos);
  auto failed = test_diagnostics(client->wait_diagnostics(uri, 1));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("severity").as_int64(), 1);
  EXPECT_EQ(failed[0].at("range").at("start").at("line").to_number<int64_t>(), 11);  // `  expect add(x, 1) == 4`
  EXPECT_EQ(failed[0].at("range").at("start").at("character").to_number<int64_t>(), 2);
  EXPECT_EQ(failed[0].at("range").at("end").at("character").to_number<int64_t>(), 23);
  std::string msg(failed[0].at("message").as_string());
  EXPECT_NE(msg.find("add(x, 1) is 3"), std::string::npos) << msg;

  // Fixing the import on disk (not open: the document is unchanged) and running again clears it.
  write("common.flow", "fn base() -> int = 2\n");
  run("breaks");
  EXPECT_EQ(message().at("type").as_int64(), 3);
  EXPECT_TRUE(test_diagnostics(client->wait_diagnostics(uri, 1)).empty());

  // A failure again, then an edit: the new version is published without it.
  write("common.flow", kCommon);
  run("breaks");
  message();
  ASSERT_EQ(test_diagnostics(client->wait_diagnostics(uri, 1)).size(), 1u);
  client->change(uri, 2, std::string(kTests) + "\n");
  EXPECT_TRUE(test_diagnostics(client->wait_diagnostics(uri, 2)).empty());
}

TEST_F(LensFixture, DirtyBufferRunsFromAPrivateCopyThatIsRemoved) {
  // The buffer (not yet saved) makes "breaks" pass; the file on disk does not.
  std::string edited = kTests;
  edited.replace(edited.find("== 4"), 4, "== 3");
  client->open(uri, edited);
  client->wait_diagnostics(uri, 1);
  run("breaks");
  EXPECT_EQ(message().at("type").as_int64(), 3);
  client->server().wait_idle();
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".weft-test-"), std::string::npos) << e.path();
}

TEST_F(LensFixture, TimeoutKillsTheRunAndSaysSo) {
  ServerOptions o = ScriptedClient::test_options();
  o.weft_executable = WEFT_BINARY;
  o.test_timeout = std::chrono::milliseconds(1);
  start(o);
  client->open(uri, kTests);
  run("adds");
  auto m = message();
  EXPECT_EQ(m.at("type").as_int64(), 1);
  EXPECT_NE(std::string(m.at("message").as_string()).find("timed out"), std::string::npos) << m;
}

TEST_F(LensFixture, BadCommandsAreParamErrors) {
  client->open(uri, kTests);
  auto code = [&](json::object params) {
    return client->request("workspace/executeCommand", std::move(params)).at("error").at("code").as_int64();
  };
  EXPECT_EQ(code({{"command", "weft.other"}, {"arguments", json::array{}}}), -32602);
  EXPECT_EQ(code({{"command", "weft.runTest"}, {"arguments", json::array{json::string(uri)}}}), -32602);
  EXPECT_EQ(code({{"command", "weft.runTest"}, {"arguments", json::array{json::string(uri), "no such test"}}}), -32602);
  EXPECT_EQ(code({{"command", "weft.runTest"}, {"arguments", json::array{"untitled:x", "adds"}}}), -32602);
}

TEST(TestReport, PicksTheTestNamedExactly) {
  std::string report =
      "{\"name\":\"adds more\",\"passed\":false,\"line\":1,\"time\":0.1,\"failures\":[]}\n"
      "{\"name\":\"adds\",\"passed\":false,\"line\":5,\"time\":0.25,"
      "\"failures\":[{\"file\":\"t.flow\",\"line\":6,\"column\":3,\"message\":\"boom\"}]}\n";
  auto r = parse_test_report(report, "adds");
  ASSERT_TRUE(r.ran);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.line, 5);
  EXPECT_DOUBLE_EQ(r.seconds, 0.25);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(r.failures[0].line, 6);
  EXPECT_EQ(r.failures[0].column, 3);
  EXPECT_EQ(r.failures[0].message, "boom");
  auto missing = parse_test_report("not json\n", "adds");
  EXPECT_FALSE(missing.ran);
  EXPECT_NE(missing.error.find("no test named"), std::string::npos);
}

TEST(TestReport, AMissingExecutableIsAnError) {
  std::atomic<bool> stop{false};
  auto r = run_weft_test("/nonexistent/weft", "/tmp/x.flow", "t", std::chrono::seconds(5), stop);
  EXPECT_FALSE(r.ran);
  EXPECT_NE(r.error.find("cannot start"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace weft::lsp
