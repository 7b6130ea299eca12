// Fuzz-style tests with fixed seeds: random expression trees never crash or throw anything but
// eval::Error; integer arithmetic agrees with a 128-bit reference; times order as instants;
// validate() accepts a value against its own exact type and pinpoints a mutated leaf.
#include <random>

#include "stdlib/functions/civil.h"

#include "helpers.h"

namespace weft::eval::testing {
namespace {

using K = ir::Type::Kind;

// ---------------------------------------------------------------- random expressions

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  int pick(int n) { return int(rng() % uint64_t(n)); }

  json::value scalar() {
    switch (pick(12)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return int64_t(pick(21)) - 10;
      case 3: return std::array<int64_t, 4>{INT64_MAX, INT64_MIN, INT64_MAX - 1, 0}[pick(4)];
      case 4: return double(pick(1000)) / 8.0 - 60.0;
      case 5: return std::array<double, 4>{1e308, -1e308, 0.0, 0.1}[pick(4)];
      case 6: return uint64_t(18446744073709551615ull);
      case 7: return std::array<const char*, 3>{"2024-03-08T10:00:00Z", "9999-12-31T23:59:59Z", "2024-03-08T11:00:00+01:00"}[pick(3)];
      case 8: return std::array<const char*, 4>{"", "a", "héllo", "x y"}[pick(4)];
      case 9: return json::array{1, "a", nullptr};
      case 10: return json::object{{"a", 1}, {"b", json::array{true}}};
      default: return json::array{};
    }
  }

  ExprPtr expr(int depth) {
    if (depth <= 0) return pick(4) == 0 ? S(pick(4)) : C(scalar());
    static const char* ops[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??"};
    static const char* fns[] = {"len", "lower", "keys", "to_json", "first", "sum", "sort", "abs", "type_of", "coalesce"};
    switch (pick(14)) {
      case 0:
      case 1:
      case 2: return B(ops[pick(14)], expr(depth - 1), expr(depth - 1));
      case 3: return U(pick(2) ? "-" : "!", expr(depth - 1));
      case 4: return M(expr(depth - 1), pick(2) ? "a" : "b");
      case 5: return OM(expr(depth - 1), "a");
      case 6: return ir::index(expr(depth - 1), expr(depth - 1));
      case 7: return ir::cond(expr(depth - 1), expr(depth - 1), expr(depth - 1));
      case 8: return ir::list({expr(depth - 1), expr(depth - 1)});
      case 9: return ir::object({{"k", false, expr(depth - 1)}, {"", true, expr(depth - 1)}});
      case 10: return ir::interp({expr(depth - 1), C("-"), expr(depth - 1)});
      case 11: return Call(fns[pick(10)], {expr(depth - 1)});
      case 12: return Call("map", {expr(depth - 1), Lam({4}, expr(depth - 1))});
      default: return ir::check(ir::list_of(ir::scalar(K::Int)), expr(depth - 1), "v");
    }
  }
};

TEST(EvalFuzz, RandomExpressionsOnlyRaiseEvalErrors) {
  Fixture fx;
  Gen g(0x5eed);
  int ok = 0, errors = 0;
  for (int i = 0; i < 10000; ++i) {
    for (int s = 0; s < 4; ++s) fx.frame.slots[s] = g.scalar();
    ExprPtr e = g.expr(1 + g.pick(5));
    try {
      json::value v = evaluate(*e, fx.frame, fx.env);
      ++ok;
      // Whatever comes out is finite JSON (serialisable and re-parseable).
      std::string text = json::serialize(v);
      EXPECT_NO_THROW(json::parse(text)) << text;
    } catch (const Error& x) {
      ++errors;
      EXPECT_TRUE(x.kind() == weft::errors::Kind::failure || x.kind() == weft::errors::Kind::validation_error)
          << weft::errors::to_string(x.kind());
      EXPECT_TRUE(x.details().contains("message"));
      EXPECT_FALSE(std::string(x.what()).empty());
    } catch (const std::exception& x) {
      ADD_FAILURE() << "non-eval exception: " << x.what();
    }
  }
  // Both outcomes are common, so the generator exercises both paths.
  EXPECT_GT(ok, 400);
  EXPECT_GT(errors, 4000);
}

// ---------------------------------------------------------------- int arithmetic vs __int128

struct Ref {
  std::optional<int64_t> value;
  std::string code;  // first error in evaluation order
};

class IntTree {
 public:
  explicit IntTree(uint64_t seed) : rng_(seed) {}

  std::pair<ExprPtr, Ref> make(int depth) {
    if (depth == 0 || rng_() % 4 == 0) {
      static const int64_t edge[] = {0, 1, -1, 2, 3, 7, -7, INT64_MAX, INT64_MIN, INT64_MAX / 2, 1LL << 32, -(1LL << 31)};
      int64_t x = rng_() % 2 ? edge[rng_() % 12] : int64_t(rng_() % 2001) - 1000;
      return {C(x), Ref{x, ""}};
    }
    static const char* ops[] = {"+", "-", "*", "/", "%"};
    const char* op = ops[rng_() % 5];
    auto [a, ra] = make(depth - 1);
    auto [b, rb] = make(depth - 1);
    Ref r;
    if (!ra.value) r = ra;
    else if (!rb.value) r = rb;
    else {
      __int128 x = *ra.value, y = *rb.value, z = 0;
      std::string op_s = op;
      if ((op_s == "/" || op_s == "%") && y == 0) {
        r.code = "division_by_zero";
      } else {
        if (op_s == "+") z = x + y;
        else if (op_s == "-") z = x - y;
        else if (op_s == "*") z = x * y;
        else if (op_s == "/") z = x / y;
        else z = x % y;
        if (z > INT64_MAX || z < INT64_MIN) r.code = "overflow";
        else r.value = int64_t(z);
      }
    }
    return {B(op, a, b), r};
  }

 private:
  std::mt19937_64 rng_;
};

TEST(EvalFuzz, IntArithmeticMatchesA128BitReference) {
  Fixture fx;
  IntTree gen(42);
  int values = 0, overflows = 0, zeros = 0;
  for (int i = 0; i < 20000; ++i) {
    auto [e, ref] = gen.make(4);
    try {
      json::value v = evaluate(*e, fx.frame, fx.env);
      ASSERT_TRUE(ref.value) << "expected " << ref.code << ", got " << json::serialize(v);
      ASSERT_TRUE(v.is_int64());
      ASSERT_EQ(v.get_int64(), *ref.value);
      ++values;
    } catch (const Error& x) {
      ASSERT_FALSE(ref.value) << x.what();
      ASSERT_EQ(x.details().at("code").as_string(), ref.code) << x.what();
      (ref.code == "overflow" ? overflows : zeros)++;
    }
  }
  EXPECT_GT(values, 1000);
  EXPECT_GT(overflows, 100);
  EXPECT_GT(zeros, 100);
}

// ---------------------------------------------------------------- time ordering

std::string with_offset(int64_t ms, int offset_minutes) {
  std::string utc = functions::format_rfc3339(ms + int64_t(offset_minutes) * 60000);
  // "YYYY-MM-DDTHH:MM:SS.mmmZ" → replace Z by ±HH:MM
  char buf[8];
  int a = std::abs(offset_minutes);
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+', a / 60, a % 60);
  return utc.substr(0, utc.size() - 1) + buf;
}

TEST(EvalFuzz, TimesOrderAsInstants) {
  Fixture fx;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    int64_t base = 1700000000000 + int64_t(rng() % 100000000);
    int64_t a = base + int64_t(rng() % 20000000) - 10000000, b = base + int64_t(rng() % 20000000) - 10000000;
    if (i % 10 == 0) b = a;
    std::string ta = with_offset(a, int(rng() % 1681) - 840), tb = with_offset(b, int(rng() % 1681) - 840);
    ASSERT_EQ(fx.ev(B("<", C(ta.c_str()), C(tb.c_str()))), json::value(a < b)) << ta << " < " << tb;
    ASSERT_EQ(fx.ev(B(">=", C(ta.c_str()), C(tb.c_str()))), json::value(a >= b)) << ta << " >= " << tb;
    ASSERT_EQ(fx.ev(B("-", C(ta.c_str()), C(tb.c_str()))), json::value(a - b));
    ASSERT_EQ(fx.ev(B("+", C(tb.c_str()), C(a - b))), json::value(functions::format_rfc3339(a)));
  }
}

// ---------------------------------------------------------------- validation properties

struct ValueGen {
  std::mt19937_64 rng;
  explicit ValueGen(uint64_t s) : rng(s) {}
  int pick(int n) { return int(rng() % uint64_t(n)); }
  json::value make(int depth) {
    int k = depth <= 0 ? pick(5) : pick(7);
    switch (k) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return int64_t(pick(100));
      case 3: return 0.5 + pick(10);
      case 4: return json::string("s" + std::to_string(pick(10)));
      case 5: {
        json::array a;
        int n = 1 + pick(3);
        json::value proto = make(depth - 1);
        for (int i = 0; i < n; ++i) a.push_back(proto);  // homogeneous: one element type
        return a;
      }
      default: {
        json::object o;
        int n = 1 + pick(3);
        for (int i = 0; i < n; ++i) o["f" + std::to_string(i)] = make(depth - 1);
        return o;
      }
    }
  }
};

// The exact type of a value: records for objects, lists of the first element's type.
ir::Type type_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return ir::scalar(K::Null);
    case json::kind::bool_: return ir::scalar(K::Bool);
    case json::kind::int64: return ir::scalar(K::Int);
    case json::kind::double_: return ir::scalar(K::Float);
    case json::kind::string: return ir::scalar(K::String);
    case json::kind::array: return ir::list_of(v.get_array().empty() ? ir::scalar(K::Json) : type_of(v.get_array()[0]));
    case json::kind::object: {
      ir::Type r{K::Record, {}, {}, {}};
      for (const auto& kv : v.get_object()) r.fields.push_back({std::string(kv.key()), false, type_of(kv.value())});
      return r;
    }
    default: return ir::scalar(K::Json);
  }
}

// Replaces one random leaf with a value of another kind; returns the leaf's path.
std::string mutate(json::value& v, std::mt19937_64& rng, std::string path) {
  if (v.is_array() && !v.get_array().empty()) {
    size_t i = rng() % v.get_array().size();
    return mutate(v.get_array()[i], rng, path + "[" + std::to_string(i) + "]");
  }
  if (v.is_object() && !v.get_object().empty()) {
    auto it = v.get_object().begin() + std::ptrdiff_t(rng() % v.get_object().size());
    return mutate(it->value(), rng, path + "." + std::string(it->key()));
  }
  // Leaf: a string becomes a bool, anything else becomes a string ("int" → string also breaks Float).
  v = v.is_string() ? json::value(true) : json::value("mutant");
  return path;
}

TEST(EvalFuzz, ValidateAcceptsExactTypesAndPinpointsMutations) {
  ir::Module m;
  ValueGen g(99);
  std::mt19937_64 rng(5);
  int mutated = 0;
  for (int i = 0; i < 3000; ++i) {
    json::value v = g.make(4);
    ir::Type t = type_of(v);
    ASSERT_EQ(validate(t, v, m, "v"), std::nullopt) << json::serialize(v);
    json::value bad = v;
    std::string path = mutate(bad, rng, "v");
    auto msg = validate(t, bad, m, "v");
    ASSERT_TRUE(msg) << json::serialize(bad);
    EXPECT_EQ(msg->substr(0, path.size() + 2), path + ": ") << *msg;
    ++mutated;
  }
  EXPECT_EQ(mutated, 3000);
}

}  // namespace
}  // namespace weft::eval::testing
