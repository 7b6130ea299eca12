// The one error value: its JSON shape, reading it back, and reading errors stored before it.
#include "stdlib/errors/error.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace json = boost::json;
using namespace weft::errors;

namespace {

Error http_error() {
  Error e = make(Kind::http_error, "HTTP status 503", "status");
  e.status = 503;
  e.attempt = 3;
  e.path = "body";
  e.body = json::object{{"error", "busy"}};
  e.headers = {{"retry-after", "2"}};
  e.reason = "status";
  e.retry_after_ms = 2000;
  return e;
}

}  // namespace

TEST(ErrorKind, NamesRoundTrip) {
  for (Kind k : {Kind::http_error, Kind::timeout, Kind::connection_error, Kind::validation_error, Kind::failure,
                 Kind::cancelled})
    EXPECT_EQ(parse_kind(to_string(k)), k);
  EXPECT_EQ(to_string(Kind::connection_error), "connection_error");
  EXPECT_FALSE(parse_kind("http-error"));
}

TEST(ErrorJson, HttpErrorShape) {
  json::value v = to_json(http_error());
  EXPECT_EQ(v, json::parse(R"({"kind":"http_error","message":"HTTP status 503","code":"status","path":"body",
      "status":503,"attempt":3,"body":{"error":"busy"},"headers":{"retry-after":"2"},"reason":"status",
      "retry_after_ms":2000})"));
}

TEST(ErrorJson, FailureAlwaysHasDetails) {
  EXPECT_EQ(json::value(to_json(make(Kind::failure, "boom", "null_access"))),
            json::parse(R"({"kind":"failure","message":"boom","code":"null_access","details":null})"));
  Error f = make(Kind::failure, "no stock");
  f.details = json::object{{"sku", "A1"}};
  EXPECT_EQ(json::value(to_json(f)), json::parse(R"({"kind":"failure","message":"no stock","details":{"sku":"A1"}})"));
}

TEST(ErrorJson, MinimalKindsHaveKindAndMessage) {
  EXPECT_EQ(json::value(to_json(make(Kind::cancelled, "stop"))), json::parse(R"({"kind":"cancelled","message":"stop"})"));
  Error v = make(Kind::validation_error, "expected int, got string");
  v.path = "input.n";
  EXPECT_EQ(json::value(to_json(v)),
            json::parse(R"({"kind":"validation_error","message":"expected int, got string","path":"input.n"})"));
}

TEST(ErrorJson, RoundTripsEveryField) {
  for (Error e : {http_error(), make(Kind::timeout, "late", "flow_timeout"), make(Kind::cancelled, "x")}) {
    auto back = from_json(to_json(e));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
  }
  Error f = make(Kind::failure, "no stock", "out_of_stock");
  f.details = json::array{1, 2};
  f.attempt = 1;
  EXPECT_EQ(from_json(to_json(f)), f);
}

TEST(ErrorJson, ReadsErrorsStoredByEarlierVersions) {
  // A child flow's error without a kind, and a connector error with reason and retry_after_ms.
  auto a = from_json(json::parse(R"({"message":"m"})"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, Kind::failure);
  auto b = from_json(json::parse(R"({"kind":"connection_error","message":"refused","reason":"refused"})"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, Kind::connection_error);
  EXPECT_EQ(b->reason, "refused");
}

TEST(ErrorJson, RefusesMalformed) {
  std::string why;
  EXPECT_FALSE(from_json(json::value(3), &why));
  EXPECT_EQ(why, "an error must be an object");
  EXPECT_FALSE(from_json(json::parse(R"({"kind":"oops"})"), &why));
  EXPECT_EQ(why, "unknown error kind `oops`");
  EXPECT_FALSE(from_json(json::parse(R"({"kind":"http_error","status":"503"})"), &why));
  EXPECT_EQ(why, "error field `status` must be an int");
  EXPECT_FALSE(from_json(json::parse(R"({"kind":"http_error","headers":{"a":1}})"), &why));
}

TEST(ErrorText, OneLine) {
  EXPECT_EQ(to_text(http_error()), "http_error 503 [status]: HTTP status 503 (at body)");
  EXPECT_EQ(to_text(make(Kind::cancelled, "stop")), "cancelled: stop");
}

TEST(Raised, CarriesTheValue) {
  try {
    throw Raised(make(Kind::timeout, "late"));
  } catch (const std::exception& x) {
    EXPECT_STREQ(x.what(), "late");
    EXPECT_EQ(dynamic_cast<const Raised&>(x).kind(), Kind::timeout);
  }
}
