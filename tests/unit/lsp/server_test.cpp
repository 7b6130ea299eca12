// The JSON-RPC binder: error codes, lifecycle, cancellation and debounced analysis.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <sstream>

#include "lsp/client.h"
#include "lsp/transport.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;

int64_t error_code(const json::value& response) { return response.at("error").at("code").as_int64(); }

TEST(Server, AnswersMalformedMessagesWithJsonRpcErrors) {
  ScriptedClient c;
  c.send_raw("{not json");
  c.send_raw("42");
  c.send_raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}]");
  c.send_raw(R"({"jsonrpc":"1.0","id":5,"method":"x"})");
  c.send_raw(R"({"jsonrpc":"2.0","id":{"a":1},"method":"x"})");
  c.send_raw(R"({"jsonrpc":"2.0","id":6,"method":7})");
  c.send_raw(R"({"jsonrpc":"2.0","id":8})");
  c.send_raw(R"({"jsonrpc":"2.0","id":9,"method":"initialize","params":3})");
  c.server().wait_idle();
  auto errs = c.take_unsolicited();
  ASSERT_EQ(errs.size(), 8u);
  EXPECT_EQ(error_code(errs[0]), -32700);
  EXPECT_TRUE(errs[0].at("id").is_null());
  EXPECT_EQ(error_code(errs[1]), -32600);  // not an object
  EXPECT_EQ(error_code(errs[2]), -32600);  // batch
  EXPECT_EQ(error_code(errs[3]), -32600);  // wrong jsonrpc version
  EXPECT_EQ(errs[3].at("id").as_int64(), 5);
  EXPECT_EQ(error_code(errs[4]), -32600);  // object id → answered with id null
  EXPECT_TRUE(errs[4].at("id").is_null());
  EXPECT_EQ(error_code(errs[5]), -32600);  // method not a string
  EXPECT_EQ(error_code(errs[6]), -32600);  // no method
  EXPECT_EQ(error_code(errs[7]), -32602);  // params not structured
  EXPECT_EQ(errs[7].at("id").as_int64(), 9);
}

TEST(Server, LifecycleRules) {
  ScriptedClient c;
  auto before = c.request("textDocument/hover", json::object{});
  EXPECT_EQ(error_code(before), -32002);
  auto init = c.initialize();
  EXPECT_TRUE(init.at("capabilities").at("textDocumentSync").at("openClose").as_bool());
  EXPECT_EQ(init.at("capabilities").at("positionEncoding").as_string(), "utf-16");
  EXPECT_EQ(error_code(c.request("initialize", json::object{})), -32600);
  EXPECT_EQ(error_code(c.request("no/such/method", json::object{})), -32601);
  EXPECT_EQ(error_code(c.request("textDocument/foldingRange", json::object{{"textDocument", 3}})), -32602);
  EXPECT_EQ(error_code(c.request("textDocument/foldingRange",
                                 json::object{{"textDocument", json::object{{"uri", "untitled:x"}}}})),
            -32602);
  EXPECT_FALSE(c.server().exited());
  c.call("shutdown", nullptr);
  EXPECT_EQ(error_code(c.request("textDocument/foldingRange", json::object{})), -32600);
  c.notify("exit", nullptr);
  EXPECT_TRUE(c.server().exited());
  EXPECT_EQ(c.server().exit_code(), 0);
}

TEST(Server, ExitWithoutShutdownIsStatusOne) {
  ScriptedClient c;
  c.initialize();
  c.notify("exit", nullptr);
  EXPECT_TRUE(c.server().exited());
  EXPECT_EQ(c.server().exit_code(), 1);
}

TEST(Server, CancelledRequestGetsRequestCancelled) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  bool first = true;
  ServerOptions o = ScriptedClient::test_options();
  o.before_request = [&](const json::value&, std::string_view method) {
    if (method == "textDocument/foldingRange" && first) {
      first = false;
      entered.set_value();
      released.wait();
    }
  };
  ScriptedClient c(o);
  c.initialize();
  c.open("file:///tmp/c.flow", "fn f() -> int = 1\n");
  json::object params{{"textDocument", json::object{{"uri", "file:///tmp/c.flow"}}}};
  int64_t blocked = c.send_request("textDocument/foldingRange", params);
  entered.get_future().wait();
  int64_t queued = c.send_request("textDocument/foldingRange", params);
  c.notify("$/cancelRequest", json::object{{"id", queued}});
  c.notify("$/cancelRequest", json::object{{"id", blocked}});
  c.notify("$/cancelRequest", json::object{{"id", 999}});  // unknown ids are ignored
  release.set_value();
  EXPECT_EQ(error_code(c.wait_response(blocked)), -32800);
  EXPECT_EQ(error_code(c.wait_response(queued)), -32800);
  // The server keeps working afterwards.
  auto ok = c.request("textDocument/foldingRange", params);
  EXPECT_TRUE(ok.at("result").is_array());
}

TEST(Server, DebounceAnalysesOnlyTheNewestVersion) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> calls{0};
  ServerOptions o = ScriptedClient::test_options();
  o.before_analysis = [&](const std::string&) {
    if (calls++ == 0) {
      entered.set_value();
      released.wait();
    }
  };
  ScriptedClient c(o);
  c.initialize();
  const std::string uri = "file:///tmp/d.flow";
  c.open(uri, "const a = 1\n", 1);
  entered.get_future().wait();  // the analysis thread holds version 1
  for (int v = 2; v <= 30; ++v) c.change(uri, v, "const a = " + std::to_string(v) + "\n");
  // The worker handles messages in order: once this answers, every change has been applied
  // (while the analysis thread is still blocked).
  c.call("textDocument/foldingRange", json::object{{"textDocument", json::object{{"uri", uri}}}});
  release.set_value();
  auto p = c.wait_diagnostics(uri, 30);
  c.server().wait_idle();
  EXPECT_EQ(c.server().stats().analyses, 1u);
  EXPECT_EQ(c.server().stats().published, 1u);
  for (const auto& m : c.received()) {
    const json::value* method = m.as_object().if_contains("method");
    if (method && method->as_string() == "textDocument/publishDiagnostics") {
      EXPECT_EQ(m.at("params").at("version").as_int64(), 30);
    }
  }
}

TEST(Server, CloseClearsDiagnostics) {
  ScriptedClient c;
  c.initialize();
  c.open("file:///tmp/e.flow", "const a = 1\n", 3);
  c.wait_diagnostics("file:///tmp/e.flow", 3);
  c.notify("textDocument/didClose", json::object{{"textDocument", json::object{{"uri", "file:///tmp/e.flow"}}}});
  auto p = c.wait_notification("textDocument/publishDiagnostics");
  EXPECT_EQ(p.at("uri").as_string(), "file:///tmp/e.flow");
  EXPECT_TRUE(p.at("diagnostics").as_array().empty());
}

TEST(Server, ServesOverStreams) {
  std::string input;
  auto add = [&](const json::value& v) { input += frame(json::serialize(v)); };
  add(json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", json::object{}}});
  input += "garbage\r\n\r\n";
  add(json::object{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "shutdown"}});
  add(json::object{{"jsonrpc", "2.0"}, {"method", "exit"}});
  std::istringstream in(input);
  std::ostringstream out;
  EXPECT_EQ(serve(in, out), 0);
  std::istringstream replies(out.str());
  FrameReader r(replies);
  std::string body, err;
  std::vector<json::value> got;
  while (r.read(body, err) == ReadStatus::Message) got.push_back(json::parse(body));
  ASSERT_EQ(got.size(), 3u);
  // The bad frame is answered at once by the reader; responses come from the worker in order.
  auto by_id = [&](const json::value& id) -> json::value {
    for (const auto& g : got)
      if (g.at("id") == id) return g;
    return nullptr;
  };
  EXPECT_TRUE(by_id(1).at("result").at("capabilities").is_object());
  EXPECT_EQ(by_id(nullptr).at("error").at("code").as_int64(), -32700);
  EXPECT_TRUE(by_id(2).at("result").is_null());
}

TEST(Server, EndOfInputWithoutExitIsStatusOne) {
  std::istringstream in(frame(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})") + "Content-Length: 50\r\n\r\n{");
  std::ostringstream out;
  EXPECT_EQ(serve(in, out), 1);
}

}  // namespace
}  // namespace weft::lsp
