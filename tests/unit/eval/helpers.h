// Shared helpers for the evaluator tests: a deterministic functions::Context, an Env with
// in-memory secrets and environment, and short builders.
#pragma once
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <string>

#include "compiler/ir/ir.h"
#include "engine/eval/eval.h"

namespace weft::eval::testing {

namespace json = boost::json;
using ir::ExprPtr;

/// A scripted clock, UUIDs and random numbers; counts how often each was asked for.
class FakeContext final : public functions::Context {
 public:
  int64_t now = 1709892000000;  // 2024-03-08T10:00:00.000Z
  double next_random = 0.25;
  int now_calls = 0, uuid_calls = 0, random_calls = 0;
  int64_t now_ms() override { ++now_calls; return now; }
  std::string uuid() override {
    ++uuid_calls;
    return "00000000-0000-4000-8000-00000000000" + std::to_string(uuid_calls % 10);
  }
  double random() override { ++random_calls; return next_random; }
};

/// An evaluation fixture: module, secrets, environment variables and a frame with 16 slots.
struct Fixture {
  ir::Module module;
  FakeContext fctx;
  std::map<std::string, std::string, std::less<>> secrets{{"api_key", "s3cr3t"}};
  std::map<std::string, std::string, std::less<>> vars{{"CRM_URL", "http://127.0.0.1:9001"}};
  Frame frame;
  Env env;

  Fixture() {
    frame.slots.resize(16);
    env.module = &module;
    env.fctx = &fctx;
    env.secret = [this](std::string_view n) -> std::optional<std::string> {
      auto it = secrets.find(n);
      if (it == secrets.end()) return std::nullopt;
      return it->second;
    };
    env.env = [this](std::string_view n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }

  json::value ev(const ExprPtr& e) { return evaluate(*e, frame, env); }

  /// Evaluates an expression that must fail; returns the error (or fails the test).
  Error err(const ExprPtr& e) {
    try {
      json::value v = evaluate(*e, frame, env);
      ADD_FAILURE() << "expected an error, got " << json::serialize(v);
    } catch (const Error& x) {
      return x;
    } catch (const std::exception& x) {
      ADD_FAILURE() << "a non-eval exception escaped: " << x.what();
    }
    return Error(errors::make(errors::Kind::failure, "no error", "none"));
  }
};

inline ExprPtr C(json::value v) { return ir::constant(std::move(v)); }
inline ExprPtr J(std::string_view text) { return ir::constant(json::parse(text)); }
inline ExprPtr B(std::string op, ExprPtr a, ExprPtr b) { return ir::binary(std::move(op), std::move(a), std::move(b)); }
inline ExprPtr U(std::string op, ExprPtr a) { return ir::unary(std::move(op), std::move(a)); }
inline ExprPtr S(int slot) { return ir::slot_ref(slot); }
inline ExprPtr M(ExprPtr o, std::string f) { return ir::member(std::move(o), std::move(f)); }
inline ExprPtr OM(ExprPtr o, std::string f) { return ir::member(std::move(o), std::move(f), true); }
inline ExprPtr Call(std::string fn, std::vector<ExprPtr> args, std::vector<ir::Expr::Named> named = {}) {
  return ir::call(std::move(fn), std::move(args), std::move(named));
}
inline ExprPtr Lam(std::vector<int> params, ExprPtr body) { return ir::lambda(std::move(params), std::move(body)); }

inline json::value P(std::string_view text) { return json::parse(text); }

}  // namespace weft::eval::testing
