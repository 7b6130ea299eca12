#include "engine/eval/eval.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "compiler/ir/dump.h"
#include "stdlib/functions/civil.h"
#include "stdlib/functions/signatures.h"
#include "stdlib/settings/settings.h"

namespace weft::eval {
namespace json = boost::json;
using Op = ir::Expr::Op;

Error::Error(errors::Error value, std::string text)
    : errors::Raised(std::move(value)), text_(text.empty() ? this->value().message : std::move(text)) {}

namespace {

// ---------------------------------------------------------------- value helpers

using functions::is_int;
using functions::kind_name;

int64_t as_int(const json::value& v) { return v.is_int64() ? v.get_int64() : int64_t(v.get_uint64()); }
double as_double(const json::value& v) {
  return v.is_double() ? v.get_double() : v.is_int64() ? double(v.get_int64()) : double(v.get_uint64());
}
// An int, or a float with an integral value in int64 range.
std::optional<int64_t> integral(const json::value& v) {
  if (is_int(v)) return as_int(v);
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

void write_text(const json::value& v, std::string& out) {
  functions::append_json_text(v, out, functions::FloatStyle::text);
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string short_string(std::string_view s) {
  std::string out = json::serialize(json::string(s.substr(0, 40)));
  if (s.size() > 40) out.insert(out.size() - 1, "...");
  return out;
}

[[noreturn]] void fail(const std::string& code, const std::string& message) {
  throw Error(errors::make(errors::Kind::failure, message, code));
}

std::optional<int64_t> as_time(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  return functions::parse_rfc3339(v.get_string());
}

json::value time_value(int64_t ms) {
  if (ms < functions::kMinTimeMs || ms > functions::kMaxTimeMs)
    fail("overflow", "the resulting time is outside the years 0000-9999");
  return json::string(functions::format_rfc3339(ms));
}

// ---------------------------------------------------------------- type text and validation

using ir::type_text;

struct Mismatch {
  std::string path;
  std::string message;
};

class Validator {
 public:
  explicit Validator(const ir::Module& m) : module_(m) {}

  std::optional<Mismatch> check(const ir::Type& t, const json::value& v, const std::string& path) {
    std::vector<const std::string*> expanding;
    return run(t, v, path, expanding, 0);
  }

 private:
  static constexpr int kMaxDepth = 1000;

  std::optional<Mismatch> expected(const ir::Type& t, const json::value& v, const std::string& path) {
    std::string got = kind_name(v);
    if (v.is_string() && t.kind != ir::Type::Kind::String && t.kind != ir::Type::Kind::Secret &&
        (t.kind == ir::Type::Kind::Literal || t.kind == ir::Type::Kind::Union || t.kind == ir::Type::Kind::Time ||
         t.kind == ir::Type::Kind::Optional))
      got = "string " + short_string(v.get_string());
    std::string want = type_text(t);
    if (t.kind == ir::Type::Kind::Time) want = "time (an RFC 3339 string)";
    return Mismatch{path, "expected " + want + ", got " + got};
  }

  std::optional<Mismatch> run(const ir::Type& t, const json::value& v, const std::string& path,
                              std::vector<const std::string*>& expanding, int depth) {
    using K = ir::Type::Kind;
    if (depth > kMaxDepth) return Mismatch{path, "value nested too deeply to validate"};
    switch (t.kind) {
      case K::Json: return std::nullopt;
      case K::Null: return v.is_null() ? std::nullopt : expected(t, v, path);
      case K::Bool: return v.is_bool() ? std::nullopt : expected(t, v, path);
      case K::Int:
      case K::Duration: return integral(v) ? std::nullopt : expected(t, v, path);
      case K::Float: return v.is_number() ? std::nullopt : expected(t, v, path);
      case K::String:
      case K::Secret: return v.is_string() ? std::nullopt : expected(t, v, path);
      case K::Time: return as_time(v) ? std::nullopt : expected(t, v, path);
      case K::Literal:
        return v.is_string() && v.get_string() == t.name ? std::nullopt : expected(t, v, path);
      case K::Optional:
        if (v.is_null() || t.args.empty()) return std::nullopt;
        return run(t.args[0], v, path, expanding, depth + 1);
      case K::Union: {
        std::optional<Mismatch> only;
        for (const auto& m : t.args) {
          auto r = run(m, v, path, expanding, depth + 1);
          if (!r) return std::nullopt;
          if (t.args.size() == 1) only = r;
        }
        return only ? only : expected(t, v, path);
      }
      case K::List: {
        if (!v.is_array()) return expected(t, v, path);
        if (t.args.empty()) return std::nullopt;
        const auto& a = v.get_array();
        for (size_t i = 0; i < a.size(); ++i) {
          std::vector<const std::string*> fresh;
          if (auto r = run(t.args[0], a[i], path + "[" + std::to_string(i) + "]", fresh, depth + 1)) return r;
        }
        return std::nullopt;
      }
      case K::Map: {
        if (!v.is_object()) return expected(t, v, path);
        if (t.args.empty()) return std::nullopt;
        for (const auto& kv : v.get_object()) {
          std::vector<const std::string*> fresh;
          std::string sub = is_identifier(kv.key()) ? path + "." + std::string(kv.key())
                                                    : path + "[" + json::serialize(json::string(kv.key())) + "]";
          if (auto r = run(t.args[0], kv.value(), sub, fresh, depth + 1)) return r;
        }
        return std::nullopt;
      }
      case K::Record: {
        if (!v.is_object()) return expected(t, v, path);
        const auto& o = v.get_object();
        for (const auto& f : t.fields) {
          std::string sub = path.empty() ? f.name : path + "." + f.name;
          const json::value* x = o.if_contains(f.name);
          if (!x) {
            if (f.optional) continue;
            return Mismatch{sub, "missing required field of type " + type_text(f.type)};
          }
          if (f.optional && x->is_null()) continue;
          std::vector<const std::string*> fresh;
          if (auto r = run(f.type, *x, sub, fresh, depth + 1)) return r;
        }
        return std::nullopt;
      }
      case K::Ref: {
        for (const auto* n : expanding)
          if (*n == t.name) return Mismatch{path, "type `" + t.name + "` is defined in terms of itself"};
        const ir::TypeDef* def = module_.find_type(t.name);
        if (!def) return Mismatch{path, "unknown type `" + t.name + "`"};
        expanding.push_back(&def->name);
        auto r = run(def->type, v, path, expanding, depth + 1);
        expanding.pop_back();
        // A record that is not even an object reads better under its name: "expected Order, got null".
        if (r && r->path == path && def->type.kind == K::Record && !v.is_object()) return expected(t, v, path);
        return r;
      }
    }
    return std::nullopt;
  }

  const ir::Module& module_;
};

// ---------------------------------------------------------------- signatures

struct Overload {
  std::vector<std::string> params;
  bool variadic = false;  // the last parameter is `rest...`
};

// Parameter names of "name(a: T, b?: (X) -> Y, rest...: T) -> R".
Overload parse_signature(std::string_view sig) {
  Overload o;
  size_t open = sig.find('(');
  if (open == std::string_view::npos) return o;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open + 1; i < sig.size(); ++i) {
    char c = sig[i];
    bool end = false;
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) end = true;
      else --depth;
    }
    if ((c == ',' && depth == 0) || end) {
      std::string_view part = sig.substr(start, i - start);
      size_t colon = part.find(':');
      std::string name(part.substr(0, colon));
      auto trim = [](std::string& s) {
        while (!s.empty() && (s.back() == ' ' || s.back() == '?')) s.pop_back();
        while (!s.empty() && s.front() == ' ') s.erase(s.begin());
      };
      trim(name);
      if (name.size() > 3 && name.ends_with("...")) {
        name.resize(name.size() - 3);
        o.variadic = true;
      }
      if (!name.empty()) o.params.push_back(name);
      start = i + 1;
      if (end) break;
    }
  }
  return o;
}

const std::unordered_map<std::string, std::vector<Overload>>& overloads() {
  static const auto table = [] {
    std::unordered_map<std::string, std::vector<Overload>> t;
    for (const auto& s : functions::signatures()) t[std::string(s.name)].push_back(parse_signature(s.signature));
    return t;
  }();
  return table;
}

struct Ctor {
  std::string_view name;
  std::vector<std::string_view> params;
};

// Setting constructors called as plain calls: parameter names from the settings table. `bearer` is
// both an auth constructor (token) and a verify rule (secret); the auth form comes first.
const std::vector<Ctor>& ctors() {
  static const std::vector<Ctor> table = [] {
    std::vector<Ctor> out;
    for (auto group : {settings::Group::Auth, settings::Group::Backoff, settings::Group::Verify})
      for (const auto* c : settings::constructors_in(group)) {
        bool seen = false;
        for (const auto& o : out) seen = seen || o.name == c->name;
        if (seen) continue;
        Ctor ctor{c->name, {}};
        for (const auto& p : c->params) ctor.params.push_back(p.name);
        out.push_back(std::move(ctor));
      }
    return out;
  }();
  return table;
}

const Ctor* find_ctor(const ir::Expr& e) {
  if (e.name == "hmac_sha256") {
    bool rule = false;
    for (const auto& n : e.named) rule |= n.name == "header" || n.name == "secret" || n.name == "prefix";
    if (!rule) return nullptr;
  } else if (functions::has_function(e.name)) {
    return nullptr;
  }
  for (const auto& c : ctors())
    if (c.name == e.name) return &c;
  return nullptr;
}

// ---------------------------------------------------------------- the evaluator

functions::Context& default_context() {
  thread_local functions::SystemContext ctx;
  return ctx;
}

class Evaluator {
 public:
  explicit Evaluator(const Env& env)
      : env_(env), stack_base_(reinterpret_cast<uintptr_t>(__builtin_frame_address(0))) {}

  json::value eval(const ir::Expr& e, Frame& f) {
    bool skipped = false;
    return eval_chain(e, f, skipped);
  }

 private:
  struct DepthGuard {
    int& d;
    DepthGuard(int& depth, uintptr_t stack_base) : d(depth) {
      auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
      bool deep = ++d > kMaxNesting || (stack_base > here && stack_base - here > kStackBudget);
      if (deep) {
        --d;
        fail("recursion_limit", "expression nested too deeply (more than " + std::to_string(kMaxNesting) +
                                    " levels or " + std::to_string(kStackBudget >> 20) + " MB of stack)");
      }
    }
    ~DepthGuard() { --d; }
  };

  static const ir::Expr& arg(const ir::Expr& e, size_t i) {
    if (i >= e.args.size() || !e.args[i]) fail("bad_expression", "malformed expression: missing operand");
    return *e.args[i];
  }

  // Evaluates e; for postfix chains, `skipped` tells that a `?.` on null short-circuited it.
  json::value eval_chain(const ir::Expr& e, Frame& f, bool& skipped) {
    DepthGuard guard(depth_, stack_base_);
    switch (e.op) {
      case Op::Const: return e.value;
      case Op::Slot: return slot(f, e.slot);
      case Op::Ctx: {
        auto it = f.ctx.find(e.name);
        if (it == f.ctx.end()) fail("bad_expression", "`" + e.name + "` is not available here");
        return it->second;
      }
      case Op::Member:
      case Op::OptMember:
      case Op::Index: {
        json::value tmp;
        const json::value* p = access(e, f, skipped, tmp);
        if (p == &tmp) return tmp;
        return *p;
      }
      case Op::Unary: return unary(e, eval(arg(e, 0), f));
      case Op::Binary: return binary(e, f);
      case Op::Cond: {
        json::value c = eval(arg(e, 0), f);
        if (!c.is_bool()) fail("type_error", "the condition of `?:` must be a bool, got " + kind_name(c));
        return eval(arg(e, c.get_bool() ? 1 : 2), f);
      }
      case Op::List: {
        json::array a;
        a.reserve(e.args.size());
        for (size_t i = 0; i < e.args.size(); ++i) a.push_back(eval(arg(e, i), f));
        return a;
      }
      case Op::Object: return object(e, f);
      case Op::Interp: {
        std::string s;
        for (size_t i = 0; i < e.args.size(); ++i) {
          json::value part = eval(arg(e, i), f);
          if (part.is_string()) s += part.get_string();
          else write_text(part, s);
        }
        return json::string(s);
      }
      case Op::Call: return call(e, f);
      case Op::CallFn: return call_fn(e, f);
      case Op::Lambda: fail("bad_expression", "a lambda can only be passed to a function");
      case Op::Check: {
        json::value v = eval(arg(e, 0), f);
        if (!e.type) return v;
        Validator val(module());
        if (auto m = val.check(*e.type, v, e.name)) {
          std::string msg = m->path.empty() ? m->message : m->path + ": " + m->message;
          errors::Error v = errors::make(errors::Kind::validation_error, m->message);
          v.path = m->path;
          throw Error(std::move(v), std::move(msg));
        }
        return v;
      }
      case Op::Let: {
        json::value v = eval(arg(e, 0), f);
        slot_ref(f, e.slot) = std::move(v);
        return eval(arg(e, 1), f);
      }
    }
    fail("bad_expression", "unknown expression kind");
  }

  const ir::Module& module() const {
    static const ir::Module empty;
    return env_.module ? *env_.module : empty;
  }

  static json::value& slot_ref(Frame& f, int s) {
    if (s < 0 || s > 1000000) fail("bad_expression", "malformed expression: slot " + std::to_string(s));
    if (size_t(s) >= f.slots.size()) f.slots.resize(size_t(s) + 1);
    return f.slots[size_t(s)];
  }
  static json::value slot(Frame& f, int s) {
    if (s < 0 || size_t(s) >= f.slots.size()) {
      if (s < 0) fail("bad_expression", "malformed expression: slot " + std::to_string(s));
      return nullptr;
    }
    return f.slots[size_t(s)];
  }

  // Source-like text of an expression, for error messages.
  std::string describe(const ir::Expr& e, const Frame& f, int depth = 0) const {
    if (depth > 20) return "...";
    auto sub = [&](size_t i) { return i < e.args.size() && e.args[i] ? describe(*e.args[i], f, depth + 1) : "?"; };
    switch (e.op) {
      case Op::Slot:
        if (f.names && e.slot >= 0 && size_t(e.slot) < f.names->size()) return (*f.names)[size_t(e.slot)].name;
        return "$" + std::to_string(e.slot);
      case Op::Ctx: return e.name;
      case Op::Member: return sub(0) + "." + e.name;
      case Op::OptMember: return sub(0) + "?." + e.name;
      case Op::Index: return sub(0) + "[" + sub(1) + "]";
      case Op::Const: {
        std::string s;
        write_text(e.value, s);
        return s.size() > 40 ? s.substr(0, 40) + "..." : s;
      }
      case Op::Call:
      case Op::CallFn: return e.name + "(...)";
      case Op::Check: return sub(0);
      default: return "(expression)";
    }
  }

  // Evaluates e without copying when it names (part of) a value already held by the frame or the
  // expression: returns a pointer to it, or to `tmp` when the value had to be computed. Only
  // Slot/Ctx/Const and postfix chains over them are read in place; the pointer is valid until
  // the frame changes.
  const json::value* access(const ir::Expr& e, Frame& f, bool& skipped, json::value& tmp) {
    switch (e.op) {
      case Op::Const: return &e.value;
      case Op::Slot:
        if (e.slot >= 0 && size_t(e.slot) < f.slots.size()) return &f.slots[size_t(e.slot)];
        tmp = slot(f, e.slot);
        return &tmp;
      case Op::Ctx: {
        auto it = f.ctx.find(e.name);
        if (it == f.ctx.end()) fail("bad_expression", "`" + e.name + "` is not available here");
        return &it->second;
      }
      case Op::Member:
      case Op::OptMember:
      case Op::Index: break;
      default: tmp = eval_chain(e, f, skipped); return &tmp;
    }
    DepthGuard guard(depth_, stack_base_);
    json::value base_tmp;
    const json::value* obj = access(arg(e, 0), f, skipped, base_tmp);
    // Hands out a sub-value: in place, or moved out of a base that was computed here.
    auto give = [&](const json::value* x) -> const json::value* {
      if (!x) {
        tmp = nullptr;
        return &tmp;
      }
      if (obj != &base_tmp) return x;
      json::value moved = std::move(*const_cast<json::value*>(x));
      tmp = std::move(moved);
      return &tmp;
    };
    if (skipped) return give(nullptr);
    if (e.op == Op::Index) {
      const ir::Expr& k = arg(e, 1);
      // Evaluating the key may change the frame (lambdas, lets): hold the base in our own copy.
      if (obj != &base_tmp && k.op != Op::Const && k.op != Op::Slot && k.op != Op::Ctx) {
        base_tmp = *obj;
        obj = &base_tmp;
      }
      json::value key = eval(k, f);
      return give(index(*obj, key, e, f));
    }
    if (obj->is_null() && e.op == Op::OptMember) {
      skipped = true;
      return give(nullptr);
    }
    if (obj->is_object()) return give(obj->get_object().if_contains(e.name));
    fail(obj->is_null() ? "null_access" : "type_error",
         "cannot read field `" + e.name + "` of " + kind_name(*obj) + " at `" + describe(arg(e, 0), f) + "`");
  }

  // The element or field `obj[key]`, or null when absent.
  const json::value* index(const json::value& obj, const json::value& key, const ir::Expr& e, Frame& f) {
    if (obj.is_array()) {
      auto i = integral(key);
      if (!i) fail("type_error", "a list index must be an int, got " + kind_name(key) + " at `" + describe(e, f) + "`");
      if (*i < 0)
        fail("index_error", "negative list index " + std::to_string(*i) + " at `" + describe(e, f) +
                                "` (use get(xs, -1) or last(xs) to count from the end)");
      const auto& a = obj.get_array();
      return uint64_t(*i) < a.size() ? &a[size_t(*i)] : nullptr;
    }
    if (obj.is_object()) {
      if (!key.is_string())
        fail("type_error", "an object key must be a string, got " + kind_name(key) + " at `" + describe(e, f) + "`");
      return obj.get_object().if_contains(key.get_string());
    }
    fail(obj.is_null() ? "null_access" : "type_error",
         "cannot index " + kind_name(obj) + " at `" + describe(arg(e, 0), f) + "`");
  }

  static json::value number(double d, const char* op) {
    if (!std::isfinite(d)) fail("overflow", std::string("`") + op + "` gave a number that is not finite");
    return d;
  }

  static json::value unary(const ir::Expr& e, const json::value& x) {
    if (e.name == "!") {
      if (!x.is_bool()) fail("type_error", "`!` needs a bool, got " + kind_name(x));
      return !x.get_bool();
    }
    if (e.name == "-") {
      if (is_int(x)) {
        if (as_int(x) == INT64_MIN) fail("overflow", "integer overflow in `-`");
        return -as_int(x);
      }
      if (x.is_number()) return number(-as_double(x), "-");
      fail("type_error", "`-` needs a number or a duration, got " + kind_name(x));
    }
    fail("bad_expression", "unknown unary operator `" + e.name + "`");
  }

  [[noreturn]] static void cannot(const std::string& op, const json::value& a, const json::value& b,
                                  const std::string& hint = "") {
    fail("type_error", "cannot apply `" + op + "` to " + kind_name(a) + " and " + kind_name(b) + hint);
  }

  static bool need_bool(const std::string& op, const json::value& v) {
    if (!v.is_bool()) fail("type_error", "`" + op + "` needs bool operands, got " + kind_name(v));
    return v.get_bool();
  }

  json::value binary(const ir::Expr& e, Frame& f) {
    const std::string& op = e.name;
    if (op == "&&" || op == "||") {
      bool l = need_bool(op, eval(arg(e, 0), f));
      if (op == "&&" ? !l : l) return l;
      return need_bool(op, eval(arg(e, 1), f));
    }
    if (op == "??") {
      json::value l = eval(arg(e, 0), f);
      if (!l.is_null()) return l;
      return eval(arg(e, 1), f);
    }
    json::value a = eval(arg(e, 0), f);
    json::value b = eval(arg(e, 1), f);
    if (op == "==" || op == "!=") {
      bool eq;
      auto ta = as_time(a), tb = ta ? as_time(b) : std::nullopt;
      eq = ta && tb ? *ta == *tb : functions::values_equal(a, b);
      return op == "==" ? eq : !eq;
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      int c = compare(op, a, b);
      if (op == "<") return c < 0;
      if (op == "<=") return c <= 0;
      if (op == ">") return c > 0;
      return c >= 0;
    }
    if (op == "+") return add(a, b);
    if (op == "-") return subtract(a, b);
    if (op == "*") {
      if (is_int(a) && is_int(b)) {
        int64_t r;
        if (__builtin_mul_overflow(as_int(a), as_int(b), &r)) fail("overflow", "integer overflow in `*`");
        return r;
      }
      if (a.is_number() && b.is_number()) return number(as_double(a) * as_double(b), "*");
      cannot(op, a, b);
    }
    if (op == "/" || op == "%") {
      if (!a.is_number() || !b.is_number()) cannot(op, a, b);
      if (is_int(a) && is_int(b)) {
        int64_t x = as_int(a), y = as_int(b);
        if (y == 0) fail("division_by_zero", op == "/" ? "division by zero" : "remainder of a division by zero");
        if (x == INT64_MIN && y == -1) {
          if (op == "%") return int64_t(0);
          fail("overflow", "integer overflow in `/`");
        }
        return op == "/" ? x / y : x % y;
      }
      double x = as_double(a), y = as_double(b);
      if (y == 0) fail("division_by_zero", op == "/" ? "division by zero" : "remainder of a division by zero");
      return number(op == "/" ? x / y : std::fmod(x, y), op.c_str());
    }
    fail("bad_expression", "unknown binary operator `" + op + "`");
  }

  static int compare(const std::string& op, const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) {
      if (is_int(a) && is_int(b)) return as_int(a) < as_int(b) ? -1 : as_int(a) > as_int(b);
      if (is_int(a) && b.is_uint64()) return -1;
      if (a.is_uint64() && is_int(b)) return 1;
      if (a.is_uint64() && b.is_uint64()) return a.get_uint64() < b.get_uint64() ? -1 : a.get_uint64() > b.get_uint64();
      double x = as_double(a), y = as_double(b);
      return x < y ? -1 : x > y;
    }
    if (a.is_string() && b.is_string()) {
      auto ta = as_time(a), tb = as_time(b);
      if (ta && tb) return *ta < *tb ? -1 : *ta > *tb;
      int c = a.get_string().subview().compare(b.get_string().subview());
      return c < 0 ? -1 : c > 0;
    }
    fail("type_error", "cannot order " + kind_name(a) + " and " + kind_name(b) + " with `" + op +
                           "` (only numbers, durations, strings and times are ordered)");
  }

  static json::value add(const json::value& a, const json::value& b) {
    if (a.is_string() && b.is_string()) {
      json::string s = a.get_string();
      s.append(b.get_string());
      return s;
    }
    if (a.is_array() && b.is_array()) {
      json::array r = a.get_array();
      for (const auto& x : b.get_array()) r.push_back(x);
      return r;
    }
    if (is_int(a) && is_int(b)) {
      int64_t r;
      if (__builtin_add_overflow(as_int(a), as_int(b), &r)) fail("overflow", "integer overflow in `+`");
      return r;
    }
    if (a.is_number() && b.is_number()) return number(as_double(a) + as_double(b), "+");
    if (auto t = as_time(a); t && integral(b)) return shift(*t, *integral(b), 1);
    if (auto t = as_time(b); t && integral(a)) return shift(*t, *integral(a), 1);
    if ((a.is_string() && b.is_number()) || (a.is_number() && b.is_string()))
      cannot("+", a, b, " (convert with interpolation: \"...${x}\")");
    cannot("+", a, b);
  }

  static json::value shift(int64_t t, int64_t d, int sign) {
    int64_t r;
    if (sign > 0 ? __builtin_add_overflow(t, d, &r) : __builtin_sub_overflow(t, d, &r))
      fail("overflow", "the resulting time is outside the years 0000-9999");
    return time_value(r);
  }

  static json::value subtract(const json::value& a, const json::value& b) {
    if (is_int(a) && is_int(b)) {
      int64_t r;
      if (__builtin_sub_overflow(as_int(a), as_int(b), &r)) fail("overflow", "integer overflow in `-`");
      return r;
    }
    if (a.is_number() && b.is_number()) return number(as_double(a) - as_double(b), "-");
    if (auto ta = as_time(a)) {
      if (auto tb = as_time(b)) return *ta - *tb;
      if (auto d = integral(b)) return shift(*ta, *d, -1);
    }
    cannot("-", a, b);
  }

  json::value object(const ir::Expr& e, Frame& f) {
    json::object o;
    for (const auto& en : e.entries) {
      if (!en.value) fail("bad_expression", "malformed expression: object entry without a value");
      json::value v = eval(*en.value, f);
      if (!en.spread) {
        o[en.key] = std::move(v);
      } else if (v.is_object()) {
        for (const auto& kv : v.get_object()) o[kv.key()] = kv.value();
      } else if (!v.is_null()) {
        fail("type_error", "only an object can be spread into an object, got " + kind_name(v) + " at `" +
                               describe(*en.value, f) + "`");
      }
    }
    return o;
  }

  // ---- calls

  std::optional<std::string> string_arg(const ir::Expr& e, Frame& f) {
    if (e.args.size() != 1 || !e.named.empty())
      fail("type_error", "`" + e.name + "` takes exactly one argument, a name");
    json::value v = eval(arg(e, 0), f);
    if (!v.is_string()) fail("type_error", "`" + e.name + "` needs a string name, got " + kind_name(v));
    return std::string(v.get_string());
  }

  functions::Value argument(const ir::Expr& a, Frame& f) {
    if (a.op != Op::Lambda) return eval(a, f);
    const ir::Expr* lam = &a;
    Frame* frame = &f;
    return functions::Callable([this, lam, frame](std::span<const json::value> vals) -> json::value {
      const auto& ps = lam->params;
      std::vector<json::value> saved;
      saved.reserve(ps.size());
      for (int p : ps) saved.push_back(slot_ref(*frame, p));
      struct Restore {
        Frame* fr;
        const std::vector<int>& ps;
        std::vector<json::value>& saved;
        ~Restore() {
          for (size_t i = 0; i < ps.size(); ++i)
            if (ps[i] >= 0 && size_t(ps[i]) < fr->slots.size()) fr->slots[size_t(ps[i])] = std::move(saved[i]);
        }
      } restore{frame, ps, saved};
      for (size_t i = 0; i < ps.size(); ++i) slot_ref(*frame, ps[i]) = i < vals.size() ? vals[i] : json::value(nullptr);
      return eval(arg(*lam, 0), *frame);
    });
  }

  json::value call(const ir::Expr& e, Frame& f) {
    if (e.name == "secret") {
      auto name = *string_arg(e, f);
      if (!env_.secret) fail("missing_secret", "secrets are not available here (secret `" + name + "`)");
      auto v = env_.secret(name);
      if (!v) fail("missing_secret", "secret `" + name + "` does not exist (set it with `weft secret set " + name + "`)");
      return json::string(*v);
    }
    if (e.name == "env") {
      auto name = *string_arg(e, f);
      if (!env_.env) return nullptr;
      auto v = env_.env(name);
      return v ? json::value(json::string(*v)) : json::value(nullptr);
    }
    if (const Ctor* c = find_ctor(e)) return construct(*c, e, f);
    if (!functions::has_function(e.name)) fail("unknown_function", "unknown function `" + e.name + "`");

    std::vector<functions::Value> args;
    args.reserve(e.args.size() + e.named.size());
    for (size_t i = 0; i < e.args.size(); ++i) args.push_back(argument(arg(e, i), f));
    if (!e.named.empty()) place_named(e, f, args);
    try {
      return functions::call(e.name, std::span<const functions::Value>(args), env_.fctx ? *env_.fctx : default_context());
    } catch (const Error&) {
      throw;
    } catch (const functions::FunctionError& x) {
      errors::Error v = errors::make(errors::Kind::failure, x.what(), "function_error");
      v.details = json::object{{"function", x.function()}};
      throw Error(std::move(v));
    } catch (const std::exception& x) {
      throw Error(errors::make(errors::Kind::failure, e.name + ": " + x.what(), "function_error"));
    }
  }

  void place_named(const ir::Expr& e, Frame& f, std::vector<functions::Value>& args) {
    auto it = overloads().find(e.name);
    const Overload* chosen = nullptr;
    if (it != overloads().end()) {
      for (const auto& o : it->second) {
        bool ok = true;
        for (const auto& n : e.named) {
          auto p = std::find(o.params.begin(), o.params.end(), n.name);
          size_t idx = size_t(p - o.params.begin());
          if (p == o.params.end() || idx < args.size() || (o.variadic && idx + 1 == o.params.size())) ok = false;
        }
        if (ok) {
          chosen = &o;
          break;
        }
      }
    }
    if (!chosen) {
      std::string names;
      if (it != overloads().end())
        for (const auto& o : it->second)
          for (const auto& p : o.params)
            if (names.find("`" + p + "`") == std::string::npos) names += (names.empty() ? "`" : ", `") + p + "`";
      std::string given;
      for (const auto& n : e.named) given += (given.empty() ? "`" : ", `") + n.name + "`";
      fail("type_error", "`" + e.name + "` has no parameters " + given + " after " + std::to_string(args.size()) +
                             " positional argument(s)" + (names.empty() ? "" : " (its parameters: " + names + ")"));
    }
    std::vector<std::optional<functions::Value>> placed(args.size());
    for (size_t i = 0; i < args.size(); ++i) placed[i] = std::move(args[i]);
    for (const auto& n : e.named) {
      if (!n.value) fail("bad_expression", "malformed expression: named argument without a value");
      size_t idx = size_t(std::find(chosen->params.begin(), chosen->params.end(), n.name) - chosen->params.begin());
      if (placed.size() <= idx) placed.resize(idx + 1);
      if (placed[idx]) fail("type_error", "`" + e.name + "`: argument `" + n.name + "` is given twice");
      placed[idx] = argument(*n.value, f);
    }
    args.clear();
    for (auto& p : placed) args.push_back(p ? std::move(*p) : functions::Value(json::value(nullptr)));
  }

  json::value construct(const Ctor& c, const ir::Expr& e, Frame& f) {
    json::object o;
    o["kind"] = c.name;
    if (e.args.size() > c.params.size())
      fail("type_error", "`" + e.name + "` takes at most " + std::to_string(c.params.size()) + " argument(s)");
    for (size_t i = 0; i < e.args.size(); ++i) o[c.params[i]] = eval(arg(e, i), f);
    for (const auto& n : e.named) {
      if (!n.value) fail("bad_expression", "malformed expression: named argument without a value");
      if (n.name == "kind") fail("type_error", "`" + e.name + "` has no parameter `kind`");
      if (o.contains(n.name)) fail("type_error", "`" + e.name + "`: argument `" + n.name + "` is given twice");
      o[n.name] = eval(*n.value, f);
    }
    return o;
  }

  json::value call_fn(const ir::Expr& e, Frame& f) {
    const ir::Fn* fn = module().find_fn(e.name);
    if (!fn) fail("unknown_function", "unknown fn `" + e.name + "`");
    if (e.args.size() > fn->params.size())
      fail("type_error", "fn `" + fn->name + "` takes " + std::to_string(fn->params.size()) + " argument(s), got " +
                             std::to_string(e.args.size()));
    if (calls_ >= kMaxCallDepth)
      fail("recursion_limit", "fn calls nested deeper than " + std::to_string(kMaxCallDepth) + " (in `" + fn->name + "`)");
    Frame inner;
    inner.slots.resize(fn->slots.size());
    inner.names = &fn->slots;
    for (size_t i = 0; i < e.args.size(); ++i) slot_ref(inner, fn->params[i].slot) = eval(arg(e, i), f);
    struct CallGuard {
      int& c;
      explicit CallGuard(int& calls) : c(calls) { ++c; }
      ~CallGuard() { --c; }
    } guard(calls_);
    for (size_t i = e.args.size(); i < fn->params.size(); ++i) {
      const auto& p = fn->params[i];
      if (!p.default_value)
        fail("missing_argument", "fn `" + fn->name + "`: missing argument `" + p.name + "`");
      slot_ref(inner, p.slot) = eval(*p.default_value, inner);
    }
    if (!fn->body) fail("bad_expression", "fn `" + fn->name + "` has no body");
    return eval(*fn->body, inner);
  }

  const Env& env_;
  uintptr_t stack_base_;
  int depth_ = 0;
  int calls_ = 0;
};

}  // namespace

json::value evaluate(const ir::Expr& e, Frame& frame, const Env& env) {
  try {
    Evaluator ev(env);
    return ev.eval(e, frame);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& x) {
    throw Error(errors::make(errors::Kind::failure, std::string("evaluation failed: ") + x.what(), "bad_expression"));
  }
}

std::optional<std::string> validate(const ir::Type& type, const json::value& value, const ir::Module& module,
                                    std::string_view path) {
  Validator v(module);
  auto m = v.check(type, value, std::string(path));
  if (!m) return std::nullopt;
  return m->path.empty() ? m->message : m->path + ": " + m->message;
}

std::string to_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  std::string s;
  write_text(v, s);
  return s;
}

}  // namespace weft::eval
