// Retry policies of docs/design-language.md §6: parsing, layering, which errors are retried, backoff delays.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "engine/runtime/retry.h"

using namespace weft::runtime;
namespace json = boost::json;

namespace {
json::value parse(const char* s) { return json::parse(s); }
// The error value of its JSON form.
weft::errors::Error err(const json::value& v) { return weft::errors::from_json(v).value(); }
}  // namespace

TEST(Retry, DefaultsAndLayering) {
  RetryPolicy p;
  EXPECT_EQ(p.attempts, 3);
  // Flow options, then connection, then step: each applies only the fields it names.
  EXPECT_EQ(apply_retry(parse(R"({"attempts": 5, "jitter": true})"), p), "");
  EXPECT_EQ(apply_retry(parse(R"({"backoff": {"kind": "fixed", "delay": 250}})"), p), "");
  EXPECT_EQ(p.attempts, 5);
  EXPECT_TRUE(p.jitter);
  EXPECT_FALSE(p.exponential);
  EXPECT_EQ(p.initial_ms, 250);
  EXPECT_EQ(apply_retry(nullptr, p), "");
  EXPECT_EQ(p.attempts, 5);
}

TEST(Retry, MalformedPoliciesAreNamed) {
  RetryPolicy p;
  EXPECT_NE(apply_retry(parse(R"({"attempts": 0})"), p).find("retry.attempts"), std::string::npos);
  EXPECT_NE(apply_retry(parse(R"({"backoff": {"kind": "linear"}})"), p).find("unknown backoff"), std::string::npos);
  EXPECT_NE(apply_retry(parse(R"({"tries": 3})"), p).find("unknown field `tries`"), std::string::npos);
  EXPECT_NE(apply_retry(parse(R"({"on": "timeout"})"), p).find("retry.on"), std::string::npos);
  EXPECT_NE(apply_retry(parse(R"({"backoff": {"kind": "exponential", "factor": 0.5}})"), p).find("factor"),
            std::string::npos);
}

TEST(Retry, DefaultRetriedKinds) {
  RetryPolicy p;
  EXPECT_TRUE(retryable(p, err(parse(R"({"kind": "timeout"})"))));
  EXPECT_TRUE(retryable(p, err(parse(R"({"kind": "connection_error"})"))));
  for (int st : {408, 429, 500, 502, 503})
    EXPECT_TRUE(retryable(p, err(json::object{{"kind", "http_error"}, {"status", st}}))) << st;
  for (int st : {400, 401, 404, 409, 422})
    EXPECT_FALSE(retryable(p, err(json::object{{"kind", "http_error"}, {"status", st}}))) << st;
  EXPECT_FALSE(retryable(p, err(parse(R"({"kind": "validation_error"})"))));
  EXPECT_FALSE(retryable(p, err(parse(R"({"kind": "failure"})"))));
  EXPECT_FALSE(retryable(p, err(parse(R"({"kind": "cancelled"})"))));
}

TEST(Retry, OnListReplacesTheDefaults) {
  RetryPolicy p;
  ASSERT_EQ(apply_retry(parse(R"({"on": ["http_error"]})"), p), "");
  EXPECT_TRUE(retryable(p, err(json::object{{"kind", "http_error"}, {"status", 404}})));
  EXPECT_FALSE(retryable(p, err(parse(R"({"kind": "timeout"})"))));
  EXPECT_FALSE(retryable(p, err(parse(R"({"kind": "cancelled"})"))));  // never retried
}

TEST(Retry, ExponentialBackoffGrowsToItsCap) {
  RetryPolicy p;
  ASSERT_EQ(apply_retry(parse(R"({"backoff": {"kind": "exponential", "initial": 100, "factor": 3, "max": 1000}})"), p), "");
  EXPECT_EQ(retry_delay(p, 2, 0.0), 100);
  EXPECT_EQ(retry_delay(p, 3, 0.0), 300);
  EXPECT_EQ(retry_delay(p, 4, 0.0), 900);
  EXPECT_EQ(retry_delay(p, 5, 0.0), 1000);
  EXPECT_EQ(retry_delay(p, 50, 0.0), 1000);
}

TEST(Retry, FixedBackoffJitterAndRetryAfter) {
  RetryPolicy p;
  ASSERT_EQ(apply_retry(parse(R"({"backoff": {"kind": "fixed", "delay": 400}})"), p), "");
  EXPECT_EQ(retry_delay(p, 2, 0.9), 400);
  EXPECT_EQ(retry_delay(p, 7, 0.9), 400);
  p.jitter = true;  // within [delay/2, delay]
  EXPECT_EQ(retry_delay(p, 2, 0.0), 200);
  EXPECT_EQ(retry_delay(p, 2, 0.5), 300);
  EXPECT_LE(retry_delay(p, 2, 0.999), 400);
  // Retry-After is a lower bound.
  EXPECT_EQ(retry_delay(p, 2, 0.0, 5000), 5000);
  EXPECT_EQ(retry_delay(p, 2, 0.0, 10), 200);
}
