// Constant folding of IR expressions. Folds only where the result is certain to equal what the
// evaluator computes; anything doubtful (division, errors raised by a function) stays for run time.
#include <cmath>
#include <set>

#include <boost/json.hpp>

#include "compiler/lower/lower.h"
#include "stdlib/functions/functions.h"

namespace weft::lower {

using namespace weft::ir;

namespace json = boost::json;

namespace {

/// A context that never answers: only deterministic functions are folded.
class NoContext final : public functions::Context {
 public:
  int64_t now_ms() override { throw std::runtime_error("not constant"); }
  std::string uuid() override { throw std::runtime_error("not constant"); }
  double random() override { throw std::runtime_error("not constant"); }
};

const std::set<std::string, std::less<>> kNeverFold = {"now", "uuid", "random", "env", "secret"};

bool is_const(const ExprPtr& e) { return e && e->op == Expr::Op::Const; }
const json::value& cv(const ExprPtr& e) { return e->value; }

bool is_num(const json::value& v) { return v.is_int64() || v.is_double(); }
double as_double(const json::value& v) { return v.is_int64() ? static_cast<double>(v.get_int64()) : v.get_double(); }

std::optional<json::value> arith(const std::string& op, const json::value& a, const json::value& b) {
  if (op == "+" && a.is_string() && b.is_string()) {
    std::string s(a.get_string());
    s += b.get_string();
    return json::value(json::string(s));
  }
  if (op == "+" && a.is_array() && b.is_array()) {
    json::array out = a.get_array();
    for (const auto& x : b.get_array()) out.push_back(x);
    return json::value(std::move(out));
  }
  if (!is_num(a) || !is_num(b)) return std::nullopt;
  if (op != "+" && op != "-" && op != "*") return std::nullopt;  // `/` and `%` stay with the evaluator
  if (a.is_int64() && b.is_int64()) {
    int64_t x = a.get_int64(), y = b.get_int64(), r = 0;
    bool overflow = op == "+" ? __builtin_add_overflow(x, y, &r)
                    : op == "-" ? __builtin_sub_overflow(x, y, &r)
                                : __builtin_mul_overflow(x, y, &r);
    if (overflow) return std::nullopt;
    return json::value(r);
  }
  double x = as_double(a), y = as_double(b);
  double r = op == "+" ? x + y : op == "-" ? x - y : x * y;
  if (!std::isfinite(r)) return std::nullopt;
  return json::value(r);
}

std::optional<json::value> compare(const std::string& op, const json::value& a, const json::value& b) {
  if (op == "==" || op == "!=") {
    bool eq = functions::values_equal(a, b);
    return json::value(op == "==" ? eq : !eq);
  }
  int c = 0;
  if (is_num(a) && is_num(b)) {
    double x = as_double(a), y = as_double(b);
    c = x < y ? -1 : x > y ? 1 : 0;
  } else {
    return std::nullopt;
  }
  bool r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
  return json::value(r);
}

std::optional<std::string> interp_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  if (v.is_null()) return std::string("null");
  return std::nullopt;
}

}  // namespace

ExprPtr fold(const ExprPtr& e) {
  if (!e) return e;
  using O = Expr::Op;
  switch (e->op) {
    case O::Unary: {
      if (!is_const(e->args[0])) return e;
      const auto& v = cv(e->args[0]);
      if (e->name == "!" && v.is_bool()) return constant(!v.get_bool());
      if (e->name == "-" && v.is_int64() && v.get_int64() != INT64_MIN) return constant(-v.get_int64());
      if (e->name == "-" && v.is_double()) return constant(-v.get_double());
      return e;
    }
    case O::Binary: {
      const auto& a = e->args[0];
      const auto& b = e->args[1];
      const std::string& op = e->name;
      if (op == "??" && is_const(a)) return cv(a).is_null() ? b : a;
      if ((op == "&&" || op == "||") && is_const(a) && cv(a).is_bool()) {
        bool x = cv(a).get_bool();
        if (op == "&&" && !x) return constant(false);
        if (op == "||" && x) return constant(true);
        if (is_const(b) && cv(b).is_bool()) return b;
        return e;
      }
      if (!is_const(a) || !is_const(b)) return e;
      std::optional<json::value> r;
      if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%") r = arith(op, cv(a), cv(b));
      else if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") r = compare(op, cv(a), cv(b));
      return r ? constant(std::move(*r)) : e;
    }
    case O::Cond:
      if (is_const(e->args[0]) && cv(e->args[0]).is_bool()) return cv(e->args[0]).get_bool() ? e->args[1] : e->args[2];
      return e;
    case O::List: {
      json::array out;
      for (const auto& x : e->args) {
        if (!is_const(x)) return e;
        out.push_back(cv(x));
      }
      return constant(std::move(out));
    }
    case O::Object: {
      json::object out;
      for (const auto& en : e->entries) {
        if (!is_const(en.value)) return e;
        if (en.spread) {
          if (!cv(en.value).is_object()) return e;
          for (const auto& kv : cv(en.value).get_object()) out[kv.key()] = kv.value();
        } else {
          out[en.key] = cv(en.value);
        }
      }
      return constant(std::move(out));
    }
    case O::Interp: {
      // Merge adjacent constant parts; fold entirely when every part is constant text.
      std::vector<ExprPtr> parts;
      bool changed = false;
      for (const auto& p : e->args) {
        std::optional<std::string> t = is_const(p) ? interp_text(cv(p)) : std::nullopt;
        if (t && !parts.empty() && is_const(parts.back()) && cv(parts.back()).is_string()) {
          std::string s(cv(parts.back()).get_string());
          parts.back() = constant(json::string(s + *t));
          changed = true;
        } else if (t && !cv(p).is_string()) {
          parts.push_back(constant(json::string(*t)));
          changed = true;
        } else {
          parts.push_back(p);
        }
      }
      if (parts.empty()) return constant("");
      if (parts.size() == 1 && is_const(parts[0]) && cv(parts[0]).is_string()) return parts[0];
      return changed ? interp(std::move(parts)) : e;
    }
    case O::Member:
    case O::OptMember: {
      if (!is_const(e->args[0])) return e;
      const auto& v = cv(e->args[0]);
      if (e->op == O::OptMember && v.is_null()) return constant(nullptr);
      if (v.is_object())
        if (auto* f = v.get_object().if_contains(e->name)) return constant(*f);
      return e;
    }
    case O::Index: {
      if (!is_const(e->args[0]) || !is_const(e->args[1])) return e;
      const auto& v = cv(e->args[0]);
      const auto& k = cv(e->args[1]);
      if (v.is_array() && k.is_int64() && k.get_int64() >= 0 && static_cast<size_t>(k.get_int64()) < v.get_array().size())
        return constant(v.get_array()[static_cast<size_t>(k.get_int64())]);
      if (v.is_object() && k.is_string())
        if (auto* f = v.get_object().if_contains(k.get_string())) return constant(*f);
      return e;
    }
    case O::Call: {
      if (!e->named.empty() || kNeverFold.count(e->name) || !functions::has_function(e->name)) return e;
      std::vector<json::value> args;
      for (const auto& a : e->args) {
        if (!is_const(a)) return e;
        args.push_back(cv(a));
      }
      try {
        NoContext ctx;
        json::value r = functions::call(e->name, std::span<const json::value>(args), ctx);
        if (r.is_double() && !std::isfinite(r.get_double())) return e;
        return constant(std::move(r));
      } catch (...) {
        return e;  // the evaluator raises the same error at run time, where it can be caught
      }
    }
    default:
      return e;
  }
}

}  // namespace weft::lower
