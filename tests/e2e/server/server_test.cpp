// End-to-end: the real `weft serve` on 127.0.0.1 (a free port, read from its log), driven through
// raw HTTP over sockets, the client commands and curl: every endpoint, bad input → 4xx JSON,
// limits (413, 431), TLS with a self-signed certificate made here, --flows hot redeploy, auth
// refusals, graceful SIGTERM, and a bounded malformed-HTTP fuzz run that must not crash it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <boost/json.hpp>

#include "tests/e2e/engine/process.h"
#include "tests/e2e/server/server_harness.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kFlow = R"(
flow greet(name: string, times: int = 2) -> json {
  let text = "hello ${name}"
  return { text: text, times: times }
}

flow waiter(id: string) -> json {
  let got = wait signal "go"
  return got
}
)";

class ServeE2E : public ServeFixture {
 protected:
  ProcResult client(uint16_t port, std::vector<std::string> args) {
    args.insert(args.begin(), weft_binary());
    return run(args, {{"WEFT_SERVER", "http://127.0.0.1:" + std::to_string(port)}, {"WEFT_TOKEN", token_}}, "",
               dir_ + "/client");
  }

  static bool is_error_json(const Raw& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return !ec && v.is_object() && v.as_object().contains("error") && v.at("error").as_object().contains("code") &&
           v.at("error").as_object().contains("message");
  }
};

TEST_F(ServeE2E, EveryEndpointThroughTheRealBinary) {
  Server s(dir_, {});
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  EXPECT_EQ(req(p, "GET", "/healthz", "", false).body, R"({"status":"ok"})");
  EXPECT_EQ(req(p, "GET", "/v1/flows", "", false).status, 401);

  // deploy (client command), flows
  write_all(dir_ + "/greet.flow", kFlow);
  auto d = client(p, {"deploy", dir_ + "/greet.flow"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("greet "), std::string::npos);
  write_all(dir_ + "/bad.flow", "flow broken(x: nosuchtype) { return x }\n");
  auto bad = client(p, {"deploy", dir_ + "/bad.flow"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("HTTP 422"), std::string::npos) << bad.err;
  EXPECT_EQ(req(p, "GET", "/v1/flows").status, 200);
  EXPECT_EQ(req(p, "GET", "/v1/flows/greet").status, 200);
  // A module with an OpenAPI connection: `weft deploy` sends the document its `spec:` names along.
  auto gh = client(p, {"deploy", std::string(WEFT_SOURCE_DIR) + "/examples/github_issues_to_crm.flow"});
  ASSERT_EQ(gh.exit_code, 0) << gh.err;
  EXPECT_NE(gh.out.find("sync_issues "), std::string::npos) << gh.out;

  // start (client), idempotency through the API, status, history, ls
  auto st = client(p, {"start", "greet", "--input", R"({"name":"e2e"})"});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  std::string id = st.out.substr(0, st.out.find('\n'));
  auto k1 = req(p, "POST", "/v1/flows/greet/executions", R"({"input":{"name":"k"},"idempotency_key":"abc"})");
  auto k2 = req(p, "POST", "/v1/flows/greet/executions", R"({"input":{"name":"k"},"idempotency_key":"abc"})");
  EXPECT_EQ(k1.status, 201);
  EXPECT_EQ(k2.status, 200);
  EXPECT_EQ(json::parse(k1.body).at("id"), json::parse(k2.body).at("id"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto status = client(p, {"status", id});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("completed"), std::string::npos);
  EXPECT_NE(status.out.find(R"("text":"hello e2e")"), std::string::npos) << status.out;
  auto hist = client(p, {"history", id});
  EXPECT_NE(hist.out.find("ExecutionStarted"), std::string::npos);
  EXPECT_NE(hist.out.find("ExecutionCompleted"), std::string::npos);
  auto hj = client(p, {"history", id, "--json"});
  EXPECT_EQ(json::parse(hj.out).at("events").as_array().front().at("seq"), 1);
  auto ls = client(p, {"ls", "--flow", "greet", "--status", "completed"});
  EXPECT_NE(ls.out.find(id), std::string::npos);
  EXPECT_EQ(req(p, "GET", "/v1/executions?flow=greet&limit=1").status, 200);
  EXPECT_EQ(req(p, "GET", "/v1/executions/" + id + "/history").status, 200);

  // signal and cancel (client)
  auto w1 = json::parse(req(p, "POST", "/v1/flows/waiter/executions", R"({"input":{"id":"1"}})").body);
  auto w2 = json::parse(req(p, "POST", "/v1/flows/waiter/executions", R"({"input":{"id":"2"}})").body);
  std::string id1(w1.at("id").as_string()), id2(w2.at("id").as_string());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(client(p, {"signal", id1, "go", "--data", R"({"v":7})"}).exit_code, 0);
  EXPECT_EQ(client(p, {"cancel", id2}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(json::parse(req(p, "GET", "/v1/executions/" + id1).body).at("output"), json::parse(R"({"v":7})"));
  EXPECT_EQ(json::parse(req(p, "GET", "/v1/executions/" + id2).body).at("status"), "cancelled");
  EXPECT_EQ(client(p, {"status", id2}).exit_code, 1);  // cancelled

  // events, secrets, metrics, openapi
  EXPECT_EQ(req(p, "POST", "/v1/events", R"({"type":"t","data":1})").status, 202);
  EXPECT_EQ(req(p, "PUT", "/v1/secrets/api_key", R"({"value":"s3cr3t-value"})").status, 204);
  auto secrets = req(p, "GET", "/v1/secrets");
  EXPECT_EQ(secrets.body, R"({"secrets":["api_key"]})");
  auto metrics = req(p, "GET", "/metrics", "", false);
  EXPECT_NE(metrics.body.find("weft_executions_completed_total{flow=\"greet\"}"), std::string::npos);
  EXPECT_NE(metrics.body.find("weft_step_duration_seconds"), std::string::npos);
  EXPECT_NE(metrics.body.find("weft_store_transactions_total"), std::string::npos);
  EXPECT_EQ(metrics.body.find("s3cr3t-value"), std::string::npos);
  EXPECT_EQ(metrics.body.find(token_), std::string::npos);
  EXPECT_EQ(json::parse(req(p, "GET", "/v1/openapi.json", "", false).body).at("openapi"), "3.1.0");

  ASSERT_EQ(s.stop(), 0) << s.log();
  std::string log = s.log();
  EXPECT_EQ(log.find("s3cr3t-value"), std::string::npos);
  EXPECT_EQ(log.find(token_), std::string::npos);

  // Without a server: ls/status/history read the data directory.
  auto local = run({weft_binary(), "ls", "--data", dir_ + "/data", "--flow", "greet"}, {}, "", dir_ + "/local");
  EXPECT_EQ(local.exit_code, 0) << local.err;
  EXPECT_NE(local.out.find(id), std::string::npos);
  auto lh = run({weft_binary(), "history", id, "--data", dir_ + "/data"}, {}, "", dir_ + "/local");
  EXPECT_NE(lh.out.find("ExecutionCompleted"), std::string::npos);
  auto none = run({weft_binary(), "ls", "--data", dir_ + "/nothing"}, {}, "", dir_ + "/local");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ + "/nothing"));
}

TEST_F(ServeE2E, BadInputGets4xxJsonErrors) {
  Server s(dir_, {"--max-body", "4096"});
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  ASSERT_EQ(req(p, "POST", "/v1/modules", json::serialize(json::object{{"source", kFlow}})).status, 200);
  struct Case {
    std::string method, target, body;
    int status;
  };
  std::vector<Case> cases = {
      {"POST", "/v1/flows/greet/executions", "{not json", 400},
      {"POST", "/v1/flows/greet/executions", R"({"input":{"name":1}})", 422},
      {"POST", "/v1/flows/greet/executions", R"({"input":{"name":"a","zzz":1}})", 422},
      {"POST", "/v1/flows/greet/executions", R"({"input":{"name":"a"},"extra":true})", 400},
      {"POST", "/v1/flows/greet/executions", R"([1,2])", 400},
      {"POST", "/v1/flows/nope/executions", R"({})", 404},
      {"GET", "/v1/executions?status=bogus", "", 400},
      {"GET", "/v1/executions?cursor=zzz", "", 400},
      {"GET", "/v1/executions/unknown", "", 404},
      {"POST", "/v1/executions/unknown/cancel", "", 404},
      {"GET", "/v1/nope", "", 404},
      {"PATCH", "/v1/flows", "", 405},
      {"POST", "/v1/events", R"({"type":5})", 400},
      {"PUT", "/v1/secrets/x", R"({"value":"x","more":1})", 400},
      {"POST", "/v1/modules", std::string(3000, '['), 400},
      {"POST", "/v1/modules", R"({"source":"flow x(","name":"m"})", 422},
      {"POST", "/v1/flows/greet/executions", std::string(5000, ' '), 413},
  };
  for (const auto& c : cases) {
    auto r = req(p, c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << c.body.substr(0, 60) << " → " << r.body;
    EXPECT_TRUE(is_error_json(r)) << c.target << ": " << r.body;
  }
  // Headers beyond the limit: 431.
  auto big = parse_raw(send_raw(p, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n"));
  EXPECT_EQ(big.status, 431);
  // Not HTTP at all: 400.
  EXPECT_EQ(parse_raw(send_raw(p, "HELLO\r\n\r\n")).status, 400);
  EXPECT_EQ(req(p, "GET", "/healthz").status, 200);
  auto metrics = req(p, "GET", "/metrics", "", false).body;
  EXPECT_NE(metrics.find("weft_http_rejected_total 3\n"), std::string::npos) << metrics;  // 413, 431, 400
  EXPECT_NE(metrics.find("weft_http_connections_open 1\n"), std::string::npos);
  EXPECT_EQ(s.stop(), 0);
}

TEST_F(ServeE2E, KeepAliveServesSeveralRequestsOnOneConnection) {
  Server s(dir_, {});
  ASSERT_TRUE(s.running()) << s.log();
  std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  auto out = send_raw(s.port(), one + one + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t n = 0;
  for (size_t at = out.find("HTTP/1.1 200"); at != std::string::npos; at = out.find("HTTP/1.1 200", at + 1)) ++n;
  EXPECT_EQ(n, 3u);
}

TEST_F(ServeE2E, FlowsDirectoryIsDeployedAndWatched) {
  fs::create_directories(dir_ + "/flows");
  write_all(dir_ + "/flows/a.flow", "flow a() -> int { return 1 }\n");
  Server s(dir_, {"--flows", dir_ + "/flows"});
  ASSERT_TRUE(s.running()) << s.log();
  auto v1 = json::parse(req(s.port(), "GET", "/v1/flows/a").body).at("version");
  // An edit with errors is refused; the last good version keeps serving.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_all(dir_ + "/flows/a.flow", "flow a() -> int { return \"no\" + }\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_NE(s.log().find("a.flow refused"), std::string::npos) << s.log();
  EXPECT_EQ(json::parse(req(s.port(), "GET", "/v1/flows/a").body).at("version"), v1);
  auto r = req(s.port(), "POST", "/v1/flows/a/executions", "{}");
  EXPECT_EQ(r.status, 201) << r.body;
  // A good edit is deployed.
  write_all(dir_ + "/flows/a.flow", "flow a() -> int { return 2 }\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto v2 = json::parse(req(s.port(), "GET", "/v1/flows/a").body).at("version");
  EXPECT_NE(v2, v1);
  EXPECT_EQ(s.stop(), 0);
}

TEST_F(ServeE2E, InsecureNoAuthOnlyOnLoopbackAndSaidLoudly) {
  auto refused = run({weft_binary(), "serve", "--data", dir_ + "/data", "--listen", "0.0.0.0:0", "--insecure-no-auth"},
                     {}, "", dir_ + "/refused", 10000);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("loopback"), std::string::npos);
  Server s(dir_, {"--insecure-no-auth", "--log-format", "json"});
  ASSERT_TRUE(s.running()) << s.log();
  EXPECT_EQ(req(s.port(), "GET", "/v1/flows", "", false).status, 200);
  std::string log = s.log();
  EXPECT_NE(log.find("WITHOUT a token"), std::string::npos);
  auto first = log.substr(0, log.find('\n'));
  boost::system::error_code ec;
  json::parse(first, ec);
  EXPECT_FALSE(ec) << first;  // JSON lines
  EXPECT_EQ(s.stop(), 0);
}

TEST_F(ServeE2E, HttpsWithASelfSignedCertificate) {
  auto gen = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir_ + "/key.pem", "-out",
                  dir_ + "/cert.pem"},
                 {}, "", dir_ + "/openssl");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  Server s(dir_, {"--tls-cert", dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"});
  ASSERT_TRUE(s.running()) << s.log();
  EXPECT_NE(s.log().find("listening on https://"), std::string::npos);
  std::string url = "https://127.0.0.1:" + std::to_string(s.port());
  auto curl = run({"/usr/bin/curl", "-sS", "--cacert", dir_ + "/cert.pem", url + "/healthz"}, {}, "", dir_ + "/curl");
  EXPECT_EQ(curl.out, R"({"status":"ok"})") << curl.err;
  auto ls = run({weft_binary(), "ls", "--server", url},
                {{"WEFT_TOKEN", token_}, {"WEFT_CA_FILE", dir_ + "/cert.pem"}}, "", dir_ + "/ls");
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  auto untrusted = run({weft_binary(), "ls", "--server", url}, {{"WEFT_TOKEN", token_}}, "", dir_ + "/ls2");
  EXPECT_EQ(untrusted.exit_code, 2);  // the certificate is not trusted
  // Plain HTTP on the TLS port gets nothing useful, and the server lives on.
  EXPECT_EQ(parse_raw(send_raw(s.port(), "GET /healthz HTTP/1.1\r\n\r\n", 2000)).status, 0);
  EXPECT_EQ(run({"/usr/bin/curl", "-sS", "--cacert", dir_ + "/cert.pem", url + "/healthz"}, {}, "", dir_ + "/curl").out,
            R"({"status":"ok"})");
  EXPECT_EQ(s.stop(), 0);
}

// SIGTERM while a request is half sent: the server stops accepting, answers that request once it
// is complete, then exits 0.
TEST_F(ServeE2E, SigtermFinishesTheInFlightRequest) {
  Server s(dir_, {});
  ASSERT_TRUE(s.running()) << s.log();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(s.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string body = R"({"type":"late","data":1})";
  std::string head = "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  // An idle kept-alive connection is closed at shutdown rather than waited for.
  int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string ping = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(idle, ping.data(), ping.size(), MSG_NOSIGNAL), static_cast<ssize_t>(ping.size()));
  char pong[512];
  ASSERT_GT(::recv(idle, pong, sizeof pong, 0), 0);
  std::string first = head + body.substr(0, 5);
  ASSERT_EQ(::send(fd, first.data(), first.size(), MSG_NOSIGNAL), static_cast<ssize_t>(first.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::thread term([&] { s.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(send_raw(s.port(), "GET /healthz HTTP/1.1\r\n\r\n", 500).empty());  // no longer accepting
  std::string rest = body.substr(5);
  ASSERT_EQ(::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL), static_cast<ssize_t>(rest.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  auto t0 = std::chrono::steady_clock::now();
  term.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));  // not the 10 s deadline
  EXPECT_EQ(::recv(idle, pong, sizeof pong, 0), 0);  // closed by the server
  ::close(idle);
  auto r = parse_raw(out);
  EXPECT_EQ(r.status, 202) << out;
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos);
  EXPECT_EQ(s.exit_code(), 0) << s.log();
  // The store was flushed and closed cleanly: the data directory opens again.
  auto ls = run({weft_binary(), "ls", "--data", dir_ + "/data"}, {}, "", dir_ + "/after");
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
}

// A signed webhook through the real server: the secret is set through the API, a valid signature
// starts the flow (202 {execution_id}), a bad one gets 401 and starts nothing.
TEST_F(ServeE2E, SignedWebhookStartsTheFlow) {
  Server s(dir_, {});
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  const std::string flow = R"(
flow on_order(id: string) -> json {
  on webhook "/shop/orders" {
    verify: hmac_sha256(header: "X-Signature", secret: secret("shop"), prefix: "sha256=")
    input: { id: body.id }
  }
  return { got: id }
}
)";
  ASSERT_EQ(req(p, "PUT", "/v1/secrets/shop", R"({"value":"hook-key"})").status, 204);
  ASSERT_EQ(req(p, "POST", "/v1/modules", json::serialize(json::object{{"source", flow}})).status, 200);
  std::string body = R"({"id":"A-1"})";
  auto hook = [&](const std::string& sig) {
    std::string r = "POST /hooks/shop/orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                    "application/json\r\nX-Signature: " + sig + "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body;
    return parse_raw(send_raw(p, r));
  };
  auto bad = hook("sha256=" + hmac_hex("wrong-key", body));
  EXPECT_EQ(bad.status, 401) << bad.body;
  auto ok = hook("sha256=" + hmac_hex("hook-key", body));
  ASSERT_EQ(ok.status, 202) << ok.body;
  std::string id(json::parse(ok.body).at("execution_id").as_string());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto e = json::parse(req(p, "GET", "/v1/executions/" + id).body);
  EXPECT_EQ(e.at("output"), json::parse(R"({"got":"A-1"})"));
  EXPECT_EQ(json::parse(req(p, "GET", "/v1/executions?flow=on_order").body).at("items").as_array().size(), 1u);
  auto metrics = req(p, "GET", "/metrics", "", false).body;
  EXPECT_NE(metrics.find(R"(weft_webhook_requests_total{path="/hooks/shop/orders",method="POST",status="202"} 1)"),
            std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("hook-key"), std::string::npos);
  EXPECT_EQ(s.log().find(hmac_hex("hook-key", body)), std::string::npos);
  EXPECT_EQ(req(p, "POST", "/hooks/nothing", "{}", false).status, 404);
  EXPECT_EQ(s.stop(), 0);
}

// Bounded fuzzing of the HTTP layer on loopback: random bytes, truncated and mangled requests,
// huge headers. The server must answer or close each, keep serving, and exit 0 on SIGTERM.
TEST_F(ServeE2E, MalformedHttpFuzzNeverCrashesTheServer) {
  Server s(dir_, {"--max-body", "65536"});
  ASSERT_TRUE(s.running()) << s.log();
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::printf("fuzz seed %u\n", seed);
  const std::vector<std::string> valid = {
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /v1/flows/greet/executions HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nAuthorization: Bearer " + token_ +
          "\r\n\r\n{\"input\":{\"name\":1}}",
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n",
      "GET /v1/executions?limit=%ff%00&status=\xff HTTP/1.1\r\nHost: x\r\n\r\n",
  };
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const int rounds = 400;
  for (int i = 0; i < rounds; ++i) {
    std::string msg = valid[pick(valid.size())];
    switch (pick(7)) {
      case 0:  // random bytes
        msg.assign(pick(2048) + 1, '\0');
        for (auto& c : msg) c = static_cast<char>(pick(256));
        break;
      case 1:  // truncated
        msg = msg.substr(0, pick(msg.size()));
        break;
      case 2:  // flipped bytes
        for (int k = 0; k < 5; ++k) msg[pick(msg.size())] = static_cast<char>(pick(256));
        break;
      case 3:  // huge header
        msg.insert(msg.find("\r\n") + 2, "X-H: " + std::string(20000 + pick(50000), 'h') + "\r\n");
        break;
      case 4:  // lying Content-Length
        msg = "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(pick(1u << 30)) + "\r\n\r\n{";
        break;
      case 5:  // bad chunk sizes
        msg = "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx\r\n";
        break;
      default:  // many headers
        for (int k = 0; k < 200; ++k) msg.insert(msg.find("\r\n") + 2, "X-" + std::to_string(k) + ": v\r\n");
    }
    send_raw(s.port(), msg, 2000);
  }
  EXPECT_EQ(req(s.port(), "GET", "/healthz").status, 200) << "seed " << seed;
  EXPECT_EQ(s.stop(), 0) << "seed " << seed << "\n" << s.log();
}

}  // namespace
}  // namespace weft::e2e
