#include "engine/runtime/retry.h"

#include <algorithm>
#include <cmath>

namespace weft::runtime {
namespace json = boost::json;

static bool as_ms(const json::value& v, int64_t& out) {
  if (v.is_int64()) return out = v.get_int64(), out >= 0;
  if (v.is_uint64()) return out = static_cast<int64_t>(v.get_uint64()), true;
  if (v.is_double() && v.get_double() >= 0) return out = static_cast<int64_t>(v.get_double()), true;
  return false;
}

std::string apply_retry(const json::value& v, RetryPolicy& p) {
  if (v.is_null()) return "";
  if (!v.is_object()) return "retry: expected an object";
  const auto& o = v.get_object();
  for (const auto& [k, val] : o) {
    if (k == "attempts") {
      int64_t n = 0;
      if (!val.is_int64() || (n = val.get_int64()) < 1 || n > 1000) return "retry.attempts: expected an int in 1..1000";
      p.attempts = static_cast<int>(n);
    } else if (k == "backoff") {
      if (val.is_null()) continue;
      if (!val.is_object()) return "retry.backoff: expected exponential(...) or fixed(...)";
      const auto& b = val.get_object();
      const auto* kind = b.if_contains("kind");
      if (!kind || !kind->is_string()) return "retry.backoff: expected exponential(...) or fixed(...)";
      if (kind->get_string() == "fixed") {
        p.exponential = false;
        const json::value* d = b.if_contains("delay");
        if (!d) d = b.if_contains("d");
        if (!d || !as_ms(*d, p.initial_ms)) return "retry.backoff: fixed(delay) needs a duration";
      } else if (kind->get_string() == "exponential") {
        p.exponential = true;
        if (auto* x = b.if_contains("initial"); x && !as_ms(*x, p.initial_ms)) return "retry.backoff.initial: expected a duration";
        if (auto* x = b.if_contains("max"); x && !as_ms(*x, p.max_ms)) return "retry.backoff.max: expected a duration";
        if (auto* x = b.if_contains("factor")) {
          if (!x->is_number()) return "retry.backoff.factor: expected a number";
          p.factor = x->to_number<double>();
          if (!(p.factor >= 1.0 && p.factor <= 100.0)) return "retry.backoff.factor: expected 1..100";
        }
      } else {
        return "retry.backoff: unknown backoff `" + std::string(kind->get_string()) + "`";
      }
    } else if (k == "jitter") {
      if (!val.is_bool()) return "retry.jitter: expected a bool";
      p.jitter = val.get_bool();
    } else if (k == "on") {
      if (!val.is_array()) return "retry.on: expected a list of error kinds";
      p.on.clear();
      for (const auto& e : val.get_array()) {
        const json::value* name = &e;
        if (e.is_object() && e.get_object().contains("kind")) name = &e.get_object().at("kind");
        auto kind = name->is_string() ? errors::parse_kind(name->get_string()) : std::nullopt;
        if (!kind) return "retry.on: expected error kind names";
        p.on.push_back(*kind);
      }
    } else {
      return "retry: unknown field `" + std::string(k) + "`";
    }
  }
  return "";
}

bool retryable(const RetryPolicy& p, const errors::Error& error) {
  using errors::Kind;
  if (error.kind == Kind::cancelled) return false;
  if (!p.on.empty()) return std::find(p.on.begin(), p.on.end(), error.kind) != p.on.end();
  if (error.kind == Kind::timeout || error.kind == Kind::connection_error) return true;
  if (error.kind == Kind::http_error) return error.status == 408 || error.status == 429 || error.status >= 500;
  return false;
}

int64_t retry_delay(const RetryPolicy& p, int next_attempt, double random01, int64_t retry_after_ms) {
  double d = static_cast<double>(p.initial_ms);
  if (p.exponential) d *= std::pow(p.factor, std::max(0, next_attempt - 2));
  d = std::min(d, static_cast<double>(p.max_ms));
  if (p.jitter) d = d / 2 + d / 2 * random01;
  auto ms = static_cast<int64_t>(d);
  return std::max(ms, retry_after_ms);
}

}  // namespace weft::runtime
