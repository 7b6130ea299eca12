#include "stdlib/connectors/fake_connection.h"
#include "test_util.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace weft::connectors {
namespace {

using namespace test_support;

Response status(int s, boost::json::value body = nullptr) {
  Response r;
  r.status = s;
  r.body = std::move(body);
  return r;
}

TEST(FakeConnection, ScriptsInOrderAndRepeatsTheLast) {
  asio::io_context io;
  FakeConnection fake;
  CallError down;
  down.kind = ErrorKind::connection_error;
  down.reason = ErrorReason::refused;
  fake.on("GET", "/contacts/*", {down, status(500), status(200, {{"id", "42"}})});
  EXPECT_EQ(run_call(io, fake, get("/contacts/42")).error().reason, ErrorReason::refused);
  EXPECT_EQ(run_call(io, fake, get("/contacts/42")).response().status, 500);
  EXPECT_EQ(run_call(io, fake, get("/contacts/42?x=1")).response().body.at("id"), "42");
  EXPECT_EQ(run_call(io, fake, get("/contacts/43")).response().status, 200);
  EXPECT_EQ(fake.calls().size(), 4u);
}

TEST(FakeConnection, MatchesMethodAndPattern) {
  asio::io_context io;
  FakeConnection fake;
  fake.on("put", "/subscribers/*", {status(201)});
  fake.on("*", "/any/**", {status(202)});
  Request put = get("/subscribers/ADA@EXAMPLE.COM");
  put.method = "PUT";
  put.body = boost::json::object{{"full_name", "Ada"}};
  EXPECT_EQ(run_call(io, fake, put).response().status, 201);
  EXPECT_EQ(run_call(io, fake, get("/any/a/b/c")).response().status, 202);
  auto unmatched = run_call(io, fake, get("/subscribers/x"));  // GET, not PUT
  ASSERT_FALSE(unmatched.ok());
  EXPECT_EQ(unmatched.error().reason, ErrorReason::unmatched);
  EXPECT_NE(unmatched.error().message.find("GET /subscribers/x"), std::string::npos);
  Request deep = put;
  deep.url = "/subscribers/a/b";  // `*` stops at '/'
  EXPECT_EQ(run_call(io, fake, deep).error().reason, ErrorReason::unmatched);
  const auto puts = fake.calls("PUT", "/subscribers/*");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].body->at("full_name"), "Ada");
  fake.clear();
  EXPECT_TRUE(fake.calls().empty());
  EXPECT_FALSE(run_call(io, fake, get("/any/x")).ok());
}

TEST(FakeConnection, PathGlobs) {
  EXPECT_TRUE(path_matches("/a/*", "/a/b"));
  EXPECT_FALSE(path_matches("/a/*", "/a/b/c"));
  EXPECT_TRUE(path_matches("/a/**", "/a/b/c"));
  EXPECT_TRUE(path_matches("/a/*/c", "/a/b/c?q=1"));
  EXPECT_FALSE(path_matches("/a", "/ab"));
  EXPECT_TRUE(path_matches("/x*y", "/xABy"));
}

}  // namespace
}  // namespace weft::connectors
