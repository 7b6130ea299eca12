// `weft migrate --from DIR --to postgres://...` against a PostgreSQL started by the test: an LMDB
// data directory with a completed execution, one waiting for a signal, a secret and a token is
// copied; the counts are checked; a second run changes nothing; `weft serve --store` on the copy
// accepts the old token, decrypts the secret (same master.key) and finishes the waiting execution
// from its checkpoint (its first step is not sent again).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"
#include "tests/e2e/server/server_harness.h"
#include "tests/support/pg_server.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;

constexpr const char* kFlows = R"FLOW(
connection api = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  headers: { "X-Key": secret("api_key") }
}

flow once(n: int) -> json {
  step a = api.post("/a", body: { n: n })
  return { a: a.body.id }
}

flow gated(n: int) -> json {
  step a = api.post("/a", body: { n: n })
  let got = wait signal "go"
  step c = api.post("/c", body: { n: n, v: got.v })
  return { v: got.v, c: c.body.id }
}
)FLOW";

class MigrateE2E : public ServeFixture {};

TEST_F(MigrateE2E, CopiesAnLmdbDirectoryVerifiesCountsAndRunsAgainSafely) {
  TestServer api;
  api.handle_prefix("/", [](const RecordedRequest& r) {
    if (r.header("x-key") != "k-123") return Answer{401, R"({"error":"bad key"})"};
    return Answer{200, json::serialize(json::object{{"id", r.header("idempotency-key")}})};
  });
  std::map<std::string, std::string> env = {{"API_URL", api.url()}};
  auto start = [&](uint16_t p, const std::string& flow) {
    auto r = req(p, "POST", "/v1/flows/" + flow + "/executions", R"({"input":{"n":1}})");
    return r.status == 201 ? std::string(json::parse(r.body).at("id").as_string()) : std::string();
  };
  auto status = [&](uint16_t p, const std::string& id) {
    auto r = req(p, "GET", "/v1/executions/" + id);
    return r.status == 200 ? std::string(json::parse(r.body).at("status").as_string()) : std::string();
  };
  std::string done, waiting, done_history;
  {
    Server s(dir_, {}, env);
    ASSERT_TRUE(s.running()) << s.log();
    uint16_t p = s.port();
    ASSERT_EQ(req(p, "PUT", "/v1/secrets/api_key", R"({"value":"k-123"})").status, 204);
    ASSERT_EQ(req(p, "POST", "/v1/modules", json::serialize(json::object{{"source", kFlows}})).status, 200);
    done = start(p, "once");
    waiting = start(p, "gated");
    ASSERT_TRUE(eventually([&] { return status(p, done) == "completed"; }, 10000));
    ASSERT_TRUE(eventually([&] { return api.requests("/a").size() == 2; }, 10000));
    done_history = req(p, "GET", "/v1/executions/" + done + "/history").body;
    EXPECT_EQ(s.stop(), 0);
  }

  testsupport::PgServer pg;
  ASSERT_EQ(pg.start(), "");
  ASSERT_EQ(pg.create_database("weft"), "");
  std::string url = pg.url("weft");
  auto first = run({weft_binary(), "migrate", "--from", dir_ + "/data", "--to", url}, {}, "", dir_ + "/migrate1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("2 flows, 2 versions, 2 executions"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("1 secrets, 1 tokens"), std::string::npos) << first.out;
  auto second = run({weft_binary(), "migrate", "--from", dir_ + "/data", "--to", url}, {}, "", dir_ + "/migrate2");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  // Bad input: a clear error, no crash.
  auto bad = run({weft_binary(), "migrate", "--from", dir_ + "/data", "--to", "/not/a/url"}, {}, "", dir_ + "/migrate3");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("postgres://"), std::string::npos) << bad.err;

  Server s(dir_, {"--store", url}, env);
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  EXPECT_EQ(status(p, done), "completed");  // the old token works: tokens were copied
  auto hist = req(p, "GET", "/v1/executions/" + done + "/history");
  ASSERT_EQ(hist.status, 200);
  EXPECT_EQ(hist.body, done_history);  // the same events, times and all
  EXPECT_EQ(req(p, "GET", "/v1/secrets").body, R"({"secrets":["api_key"]})");
  EXPECT_EQ(status(p, waiting), "running");
  ASSERT_EQ(req(p, "POST", "/v1/executions/" + waiting + "/signals/go", R"({"payload":{"v":3}})").status, 202);
  EXPECT_TRUE(eventually([&] { return status(p, waiting) == "completed"; }, 10000)) << s.log();
  EXPECT_EQ(api.requests("/a").size(), 2u);  // the checkpointed step was not sent again
  EXPECT_EQ(api.requests("/c").size(), 1u);  // the secret decrypted on the PostgreSQL node
  EXPECT_EQ(s.stop(), 0) << s.log();
}

}  // namespace
}  // namespace weft::e2e
