// Designated initializers leave the other config fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "test_server.h"
#include "test_util.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>

namespace weft::connectors {
namespace {

using namespace test_support;
namespace json = boost::json;

TEST(Http, GetWithQueryHeadersAndJsonBody) {
  TestServer server([](const Seen&) {
    Reply r;
    r.body = R"({"id":"42","tags":["a"]})";
    r.headers = {{"X-Trace", "abc"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    return r;
  });
  asio::io_context io;
  HttpConfig cfg;
  cfg.base_url = server.url() + "/api/v1/";
  cfg.headers = {{"X-Default", "d"}, {"X-Override", "from-config"}};
  auto conn = make_http(io, cfg);
  Request req = get("/contacts/42");
  req.query = json::object{{"since", "2024-01-01 00:00"}, {"n", 5}, {"flag", true}, {"skip", nullptr},
                           {"ids", json::array{"a", "b"}}};
  req.headers = {{"X-Override", "from-request"}};
  auto res = run_call(io, *conn, req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res.response().status, 200);
  EXPECT_EQ(res.response().body.at("id"), "42");
  EXPECT_EQ(res.response().headers.at("x-trace"), "abc");
  EXPECT_EQ(res.response().headers.at("set-cookie"), "a=1, b=2");
  EXPECT_FALSE(res.response().retry_after.has_value());
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/api/v1/contacts/42?since=2024-01-01%2000:00&n=5&flag=true&ids=a&ids=b");
  EXPECT_EQ(seen[0].headers.at("x-default"), "d");
  EXPECT_EQ(seen[0].headers.at("x-override"), "from-request");
  EXPECT_EQ(seen[0].headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[0].headers.count("authorization"), 0u);
}

TEST(Http, PostJsonBodyAndIdempotencyKey) {
  TestServer server([](const Seen& s) {
    Reply r;
    r.status = 201;
    r.body = s.body;  // echo
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  Request req;
  req.method = "POST";
  req.url = "subscribers";
  req.body = json::object{{"full_name", "Ada Lovelace"}, {"n", 1}};
  req.idempotency_key = "exec-1:upsert";
  auto res = run_call(io, *conn, req);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res.response().status, 201);
  EXPECT_EQ(res.response().body.at("full_name"), "Ada Lovelace");
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/subscribers");
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(seen[0].headers.at("idempotency-key"), "exec-1:upsert");
  EXPECT_EQ(json::parse(seen[0].body), json::parse(R"({"full_name":"Ada Lovelace","n":1})"));
}

TEST(Http, CustomAndDisabledIdempotencyHeader) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto custom = make_http(io, {.base_url = server.url(), .idempotency_header = "X-Request-Id"});
  auto none = make_http(io, {.base_url = server.url(), .idempotency_header = ""});
  Request req = get("/x");
  req.idempotency_key = "k-1";
  ASSERT_TRUE(run_call(io, *custom, req).ok());
  ASSERT_TRUE(run_call(io, *none, req).ok());
  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].headers.at("x-request-id"), "k-1");
  EXPECT_EQ(seen[0].headers.count("idempotency-key"), 0u);
  EXPECT_EQ(seen[1].headers.count("idempotency-key"), 0u);
  EXPECT_EQ(seen[1].headers.count("x-request-id"), 0u);
}

TEST(Http, FormBodyAndTextResponse) {
  TestServer server([](const Seen&) {
    Reply r;
    r.content_type = "text/plain";
    r.body = "hello";
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  Request req;
  req.method = "POST";
  req.url = "/form";
  req.form = HeaderList{{"a b", "c&d"}, {"e", "ü"}};
  auto res = run_call(io, *conn, req);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res.response().body, "hello");
  const auto seen = server.requests();
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].body, "a+b=c%26d&e=%C3%BC");
}

TEST(Http, EmptyBodyIsNullAndBadJsonStaysText) {
  std::atomic<int> n{0};
  TestServer server([&](const Seen&) {
    Reply r;
    if (n++ == 0) {
      r.status = 204;
    } else {
      r.body = "{not json";
    }
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto a = run_call(io, *conn, get("/a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.response().status, 204);
  EXPECT_TRUE(a.response().body.is_null());
  auto b = run_call(io, *conn, get("/b"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.response().body, "{not json");
}

TEST(Http, ServerErrorThenSuccess) {
  std::atomic<int> n{0};
  TestServer server([&](const Seen&) {
    Reply r;
    if (n++ == 0) {
      r.status = 500;
      r.body = R"({"error":"boom"})";
    } else {
      r.body = R"({"ok":true})";
    }
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto first = run_call(io, *conn, get("/x"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.response().status, 500);
  auto err = classify(first.response());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->kind, ErrorKind::http_error);
  EXPECT_TRUE(is_retryable(*err));
  auto second = run_call(io, *conn, get("/x"));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(classify(second.response()).has_value());
  EXPECT_EQ(second.response().body.at("ok"), true);
}

TEST(Http, TooManyRequestsCarriesRetryAfter) {
  std::atomic<int> n{0};
  TestServer server([&](const Seen&) {
    Reply r;
    r.status = 429;
    r.headers = {{"Retry-After", n++ == 0 ? "7" : "Wed, 21 Oct 2015 07:28:00 GMT"}};
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_TRUE(res.ok());
  ASSERT_TRUE(res.response().retry_after.has_value());
  EXPECT_EQ(*res.response().retry_after, Millis(7000));
  auto err = classify(res.response());
  ASSERT_TRUE(err);
  EXPECT_EQ(err->status, 429);
  EXPECT_EQ(err->retry_after, Millis(7000));
  EXPECT_TRUE(is_retryable(*err));
  auto past = run_call(io, *conn, get("/x"));  // a date in the past: retry now
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(past.response().retry_after, Millis(0));
}

TEST(Http, BadRequestIsHttpErrorViaClassify) {
  TestServer server([](const Seen&) {
    Reply r;
    r.status = 400;
    r.body = R"({"error":"email is required"})";
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_TRUE(res.ok());
  auto err = classify(res.response());
  ASSERT_TRUE(err);
  EXPECT_EQ(err->kind, ErrorKind::http_error);
  EXPECT_EQ(err->status, 400);
  EXPECT_EQ(err->body.at("error"), "email is required");
  EXPECT_EQ(err->headers.at("content-type"), "application/json");
  EXPECT_FALSE(is_retryable(*err));
  EXPECT_FALSE(classify(res.response(), {400, 404}).has_value());
  const auto j = to_json(*err);
  EXPECT_EQ(j.at("kind"), "http_error");
  EXPECT_EQ(j.at("status"), 400);
}

TEST(Http, TimeoutWhenServerNeverAnswers) {
  TestServer server([](const Seen&) {
    Reply r;
    r.mode = Reply::Mode::hang;
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .timeout = Millis(5000)});
  Request req = get("/slow");
  req.timeout = Millis(200);
  auto res = run_call(io, *conn, req);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::timeout);
  EXPECT_NE(res.error().message.find("200 ms"), std::string::npos) << res.error().message;
  EXPECT_TRUE(is_retryable(res.error()));
}

TEST(Http, ConnectionRefused) {
  unsigned short port;
  {
    asio::io_context tmp;
    asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }  // closed: nobody listens there now
  asio::io_context io;
  auto conn = make_http(io, {.base_url = "http://127.0.0.1:" + std::to_string(port)});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::connection_error);
  EXPECT_EQ(res.error().reason, ErrorReason::refused);
  EXPECT_NE(res.error().message.find("refused"), std::string::npos);
  EXPECT_TRUE(is_retryable(res.error()));
}

TEST(Http, DnsFailure) {
  asio::io_context io;
  auto conn = make_http(io, {.base_url = "http://no-such-host.invalid"});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::connection_error);
  EXPECT_EQ(res.error().reason, ErrorReason::dns) << res.error().message;
  EXPECT_NE(res.error().message.find("no-such-host.invalid"), std::string::npos);
}

TEST(Http, ResetMidResponse) {
  TestServer server([](const Seen&) {
    Reply r;
    r.mode = Reply::Mode::reset_mid_response;
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::connection_error);
  EXPECT_EQ(res.error().reason, ErrorReason::reset) << res.error().message;
  EXPECT_NE(res.error().message.find("reading the response"), std::string::npos) << res.error().message;
}

TEST(Http, KeepAliveReusesOneConnection) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(run_call(io, *conn, get("/x")).ok());
  EXPECT_EQ(server.connections(), 1);
  const auto st = conn->stats();
  EXPECT_EQ(st.connections_opened, 1u);
  EXPECT_EQ(st.connections_reused, 4u);
  EXPECT_EQ(st.requests, 5u);
}

TEST(Http, ServerClosingConnectionIsDetected) {
  TestServer server([](const Seen&) {
    Reply r;
    r.close = true;
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(run_call(io, *conn, get("/x")).ok());
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(conn->stats().connections_reused, 0u);
}

TEST(Http, ConcurrentCallsUseSeveralConnections) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto results = run_calls(io, *conn, {get("/a"), get("/b"), get("/c")});
  for (auto& r : results) ASSERT_TRUE(r.ok());
  EXPECT_EQ(server.connections(), 3);
  // all three are pooled now: the next three reuse them
  results = run_calls(io, *conn, {get("/a"), get("/b"), get("/c")});
  for (auto& r : results) ASSERT_TRUE(r.ok());
  EXPECT_EQ(server.connections(), 3);
}

TEST(Http, ResponseSizeLimit) {
  TestServer server([](const Seen&) {
    Reply r;
    r.body = "\"" + std::string(5000, 'x') + "\"";
    return r;
  });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .max_response_bytes = 1000});
  auto res = run_call(io, *conn, get("/big"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::failure);
  EXPECT_EQ(res.error().reason, ErrorReason::response_too_large);
  EXPECT_FALSE(is_retryable(res.error()));
}

TEST(Http, RequestSizeLimit) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .max_request_bytes = 100});
  Request req;
  req.method = "POST";
  req.url = "/x";
  req.body = json::string(std::string(200, 'y'));
  auto res = run_call(io, *conn, req);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().reason, ErrorReason::request_too_large);
  EXPECT_TRUE(server.requests().empty());
}

TEST(Http, AbsoluteUrlsNeedAllowHosts) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto strict = make_http(io, {.base_url = "http://127.0.0.2:1"});
  auto res = run_call(io, *strict, get(server.url() + "/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().reason, ErrorReason::host_not_allowed);
  auto allowed = make_http(io, {.base_url = "http://127.0.0.2:1", .allow_hosts = {"127.0.0.1"}});
  auto ok = run_call(io, *allowed, get(server.url() + "/x?y=1"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(server.requests().at(0).target, "/x?y=1");
  auto same = make_http(io, {.base_url = server.url()});
  EXPECT_TRUE(run_call(io, *same, get(server.url() + "/z")).ok());
}

TEST(Http, PathsAreEscapedAndBadInputIsAnError) {
  TestServer server([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  ASSERT_TRUE(run_call(io, *conn, get("/subscribers/ADA@EXAMPLE.COM/a b%zz")).ok());
  EXPECT_EQ(server.requests().at(0).target, "/subscribers/ADA@EXAMPLE.COM/a%20b%25zz");
  Request bad = get("/x");
  bad.method = "GE T";
  EXPECT_EQ(run_call(io, *conn, bad).error().reason, ErrorReason::invalid_request);
  Request inj = get("/x");
  inj.headers = {{"X-A", "v\r\nX-Injected: 1"}};
  EXPECT_EQ(run_call(io, *conn, inj).error().reason, ErrorReason::invalid_request);
  Request both = get("/x");
  both.body = json::object{};
  both.form = HeaderList{};
  EXPECT_EQ(run_call(io, *conn, both).error().reason, ErrorReason::invalid_request);
  auto nobase = make_http(io, {});
  EXPECT_EQ(run_call(io, *nobase, get("/x")).error().reason, ErrorReason::invalid_request);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(Http, CreateRejectsBadConfig) {
  asio::io_context io;
  std::string error;
  EXPECT_EQ(HttpConnection::create(io.get_executor(), {.base_url = "ftp://x"}, error), nullptr);
  EXPECT_NE(error.find("scheme"), std::string::npos);
  EXPECT_EQ(HttpConnection::create(io.get_executor(), {.base_url = "http://x", .ca_file = "/nonexistent.pem"}, error),
            nullptr);
  EXPECT_NE(error.find("ca_file"), std::string::npos);
  EXPECT_EQ(HttpConnection::create(io.get_executor(),
                                   {.base_url = "http://x", .auth = ApiKeyAuth{"X-K", "k", "v"}}, error),
            nullptr);
  EXPECT_EQ(HttpConnection::create(io.get_executor(), {.base_url = "http://x", .timeout = Millis(0)}, error), nullptr);
}

TEST(RetryAfter, Parses) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  EXPECT_EQ(parse_retry_after("120", now), Millis(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), Millis(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Millis(30000));
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), Millis(60000));
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:10 2015", now), Millis(10000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Millis(0));
  EXPECT_FALSE(parse_retry_after("soon", now).has_value());
  EXPECT_FALSE(parse_retry_after("-5", now).has_value());
  EXPECT_FALSE(parse_retry_after("", now).has_value());
}

TEST(Classify, RetryableKinds) {
  CallError e;
  e.kind = ErrorKind::http_error;
  for (int s : {408, 429, 500, 502, 503, 599}) {
    e.status = s;
    EXPECT_TRUE(is_retryable(e)) << s;
  }
  for (int s : {400, 401, 403, 404, 409, 422}) {
    e.status = s;
    EXPECT_FALSE(is_retryable(e)) << s;
  }
  EXPECT_TRUE(is_retryable(CallError{.kind = ErrorKind::timeout}));
  EXPECT_TRUE(is_retryable(CallError{.kind = ErrorKind::connection_error, .reason = ErrorReason::circuit_open}));
  EXPECT_FALSE(is_retryable(CallError{.kind = ErrorKind::failure}));
  EXPECT_FALSE(is_retryable(CallError{.kind = ErrorKind::cancelled}));
  Response ok{.status = 204};
  EXPECT_FALSE(classify(ok).has_value());
  Response redirect{.status = 302};
  EXPECT_TRUE(classify(redirect).has_value());
}

}  // namespace
}  // namespace weft::connectors
