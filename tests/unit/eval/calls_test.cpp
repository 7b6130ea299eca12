// Call (standard library, lambdas, named arguments, secret/env, setting constructors) and
// CallFn (module fns: defaults, recursion, the depth limit); non-determinism via Context.
#include "helpers.h"

namespace weft::eval::testing {
namespace {

class Calls : public ::testing::Test, public Fixture {
 protected:
  // fn name(params...) with the given slots; returns the fn for tweaking.
  ir::Fn& add_fn(std::string name, std::vector<std::string> params, ExprPtr body, int extra_slots = 0) {
    ir::Fn fn;
    fn.name = std::move(name);
    for (size_t i = 0; i < params.size(); ++i) {
      fn.slots.push_back({params[i], ir::Slot::Kind::Param});
      fn.params.push_back({params[i], int(i), ir::scalar(ir::Type::Kind::Json), nullptr});
    }
    for (int i = 0; i < extra_slots; ++i) fn.slots.push_back({"t" + std::to_string(i), ir::Slot::Kind::Let});
    fn.body = std::move(body);
    module.fns.push_back(std::move(fn));
    return module.fns.back();
  }
};

TEST_F(Calls, StandardLibraryPositional) {
  EXPECT_EQ(ev(Call("lower", {C("AbC")})), json::value("abc"));
  EXPECT_EQ(ev(Call("len", {J("[1, 2, 3]")})), json::value(3));
  EXPECT_EQ(ev(Call("join", {J(R"(["a", "b"])"), C("-")})), json::value("a-b"));
  EXPECT_EQ(ev(Call("coalesce", {C(nullptr), C(nullptr), C(3)})), json::value(3));
}

TEST_F(Calls, FunctionErrorsBecomeFailures) {
  Error e = err(Call("parse_json", {C("{nope")}));
  EXPECT_EQ(e.kind(), weft::errors::Kind::failure);
  EXPECT_EQ(e.details().at("code"), "function_error");
  EXPECT_EQ(e.details().at("details").at("function"), "parse_json");
  EXPECT_EQ(std::string(e.what()).rfind("parse_json: ", 0), 0u) << e.what();
  EXPECT_EQ(err(Call("lower", {C(1)})).details().at("code"), "function_error");
  EXPECT_EQ(err(Call("lower", {})).details().at("code"), "function_error");
}

TEST_F(Calls, UnknownFunction) {
  Error e = err(Call("no_such_fn", {C(1)}));
  EXPECT_EQ(e.details().at("code"), "unknown_function");
  EXPECT_STREQ(e.what(), "unknown function `no_such_fn`");
}

TEST_F(Calls, MapFilterWithLambdas) {
  // [1, 2, 3, 4].filter(x => x % 2 == 0).map(x => x * 10)
  auto filtered = Call("filter", {J("[1, 2, 3, 4]"), Lam({5}, B("==", B("%", S(5), C(2)), C(0)))});
  EXPECT_EQ(ev(Call("map", {filtered, Lam({5}, B("*", S(5), C(10)))})), P("[20, 40]"));
}

TEST_F(Calls, ReduceWithTwoParameters) {
  auto e = Call("reduce", {J("[1, 2, 3]"), Lam({5, 6}, B("+", S(5), S(6))), C(10)});
  EXPECT_EQ(ev(e), json::value(16));
  // Building an object per step: xs.reduce((acc, k) => { ...acc, [k]: len(k) }, {}) via merge.
  auto e2 = Call("reduce", {J(R"(["a", "bb"])"),
                            Lam({5, 6}, Call("merge", {S(5), Call("from_entries", {ir::list({ir::object(
                                                          {{"key", false, S(6)}, {"value", false, Call("len", {S(6)})}})})})})),
                            J("{}")});
  EXPECT_EQ(ev(e2), P(R"({"a": 1, "bb": 2})"));
}

TEST_F(Calls, SortByAndFindAndAnyAll) {
  frame.slots[0] = P(R"([{"n": 2, "s": "b"}, {"n": 1, "s": "a"}, {"n": 3, "s": "c"}])");
  EXPECT_EQ(ev(Call("sort_by", {S(0), Lam({5}, M(S(5), "n"))})),
            P(R"([{"n": 1, "s": "a"}, {"n": 2, "s": "b"}, {"n": 3, "s": "c"}])"));
  EXPECT_EQ(ev(Call("map", {Call("sort_by", {S(0), Lam({5}, M(S(5), "s")), C(true)}), Lam({5}, M(S(5), "n"))})),
            P("[3, 2, 1]"));
  EXPECT_EQ(ev(Call("find", {S(0), Lam({5}, B(">", M(S(5), "n"), C(1)))})), P(R"({"n": 2, "s": "b"})"));
  EXPECT_EQ(ev(Call("any", {S(0), Lam({5}, B("==", M(S(5), "s"), C("c")))})), json::value(true));
  EXPECT_EQ(ev(Call("all", {S(0), Lam({5}, B(">", M(S(5), "n"), C(1)))})), json::value(false));
  EXPECT_EQ(ev(Call("group_by", {J(R"(["ab", "c", "de"])"), Lam({5}, Call("to_json", {Call("len", {S(5)})}))})),
            P(R"({"2": ["ab", "de"], "1": ["c"]})"));
}

TEST_F(Calls, LambdaErrorsPassThrough) {
  // A lambda that divides by zero: the evaluator's own failure comes out, not a function_error.
  Error e = err(Call("map", {J("[1, 0]"), Lam({5}, B("/", C(1), S(5)))}));
  EXPECT_EQ(e.details().at("code"), "division_by_zero");
  // A lambda returning a non-bool to filter is the function's error.
  EXPECT_EQ(err(Call("filter", {J("[1]"), Lam({5}, S(5))})).details().at("code"), "function_error");
}

TEST_F(Calls, LambdaSlotsAreRestored) {
  frame.slots[5] = "outer";
  EXPECT_EQ(ev(Call("map", {J("[1, 2]"), Lam({5}, S(5))})), P("[1, 2]"));
  EXPECT_EQ(frame.slots[5], json::value("outer"));
  // Restored after an error too.
  err(Call("map", {J("[1, 0]"), Lam({5}, B("/", C(1), S(5)))}));
  EXPECT_EQ(frame.slots[5], json::value("outer"));
}

TEST_F(Calls, NestedLambdasSeeOuterParameters) {
  // xs.map(x => ys.map(y => x * y))
  auto e = Call("map", {J("[1, 2]"), Lam({5}, Call("map", {J("[10, 20]"), Lam({6}, B("*", S(5), S(6)))}))});
  EXPECT_EQ(ev(e), P("[[10, 20], [20, 40]]"));
  // The same slot reused by a nested lambda (shadowing): the inner binding is undone afterwards.
  auto shadow = Call("map", {J("[1, 2]"), Lam({5}, ir::list({Call("map", {J("[7]"), Lam({5}, S(5))}), S(5)}))});
  EXPECT_EQ(ev(shadow), P("[[[7], 1], [[7], 2]]"));
}

TEST_F(Calls, LambdaMissingParametersAreNull) {
  // reduce passes (acc, x); a one-parameter lambda just ignores x.
  EXPECT_EQ(ev(Call("reduce", {J("[1, 2]"), Lam({5}, S(5)), C(0)})), json::value(0));
}

TEST_F(Calls, NamedArgumentsByParameterName) {
  EXPECT_EQ(ev(Call("pad_left", {C("7")}, {{"width", C(3)}, {"fill", C("0")}})), json::value("007"));
  EXPECT_EQ(ev(Call("pad_left", {C("7"), C(3)}, {{"fill", C("0")}})), json::value("007"));
  // Order of named arguments does not matter.
  EXPECT_EQ(ev(Call("pad_left", {}, {{"fill", C("*")}, {"width", C(4)}, {"s", C("ab")}})), json::value("**ab"));
  // A gap before a named argument is passed as null (= omitted).
  EXPECT_EQ(ev(Call("format_number", {C(1234567.891)}, {{"thousands", C(" ")}})), json::value("1 234 567.891"));
  EXPECT_EQ(ev(Call("format_number", {C(1234567.891)}, {{"point", C(",")}, {"decimals", C(1)}, {"thousands", C(".")}})),
            json::value("1.234.567,9"));
  // Overloads: round(x) and round(x, decimals); the one with `decimals` is chosen.
  EXPECT_DOUBLE_EQ(ev(Call("round", {C(3.14159)}, {{"decimals", C(2)}})).get_double(), 3.14);
  // Lambdas as named arguments.
  EXPECT_EQ(ev(Call("sort_by", {J("[2, 3, 1]")}, {{"desc", C(true)}, {"key", Lam({5}, S(5))}})), P("[3, 2, 1]"));
  EXPECT_EQ(ev(Call("reduce", {J("[1, 2]")}, {{"init", C(5)}, {"f", Lam({5, 6}, B("+", S(5), S(6)))}})),
            json::value(8));
}

TEST_F(Calls, BadNamedArguments) {
  Error e = err(Call("pad_left", {C("7")}, {{"widht", C(3)}}));
  EXPECT_EQ(e.details().at("code"), "type_error");
  EXPECT_NE(std::string(e.what()).find("`width`"), std::string::npos) << e.what();
  // Naming a parameter that was already given positionally.
  EXPECT_EQ(err(Call("pad_left", {C("7"), C(3)}, {{"width", C(4)}})).details().at("code"), "type_error");
  // The same name twice.
  EXPECT_EQ(err(Call("pad_left", {C("7")}, {{"width", C(3)}, {"width", C(4)}})).details().at("code"), "type_error");
  // Variadic parameters cannot be named.
  EXPECT_EQ(err(Call("merge", {}, {{"maps", J("{}")}})).details().at("code"), "type_error");
}

TEST_F(Calls, SecretsResolveThroughEnv) {
  EXPECT_EQ(ev(Call("secret", {C("api_key")})), json::value("s3cr3t"));
  Error e = err(Call("secret", {C("nope")}));
  EXPECT_EQ(e.kind(), weft::errors::Kind::failure);
  EXPECT_EQ(e.details().at("code"), "missing_secret");
  EXPECT_NE(std::string(e.what()).find("`nope`"), std::string::npos);
  // A secret feeds crypto functions and string concatenation.
  EXPECT_EQ(ev(B("+", C("Bearer "), Call("secret", {C("api_key")}))), json::value("Bearer s3cr3t"));
  EXPECT_EQ(ev(Call("hmac_sha256", {Call("secret", {C("api_key")}), C("msg")})),
            ev(Call("hmac_sha256", {C("s3cr3t"), C("msg")})));
  EXPECT_EQ(err(Call("secret", {C(1)})).details().at("code"), "type_error");
  EXPECT_EQ(err(Call("secret", {})).details().at("code"), "type_error");
  env.secret = nullptr;
  EXPECT_EQ(err(Call("secret", {C("api_key")})).details().at("code"), "missing_secret");
}

TEST_F(Calls, EnvVariables) {
  EXPECT_EQ(ev(Call("env", {C("CRM_URL")})), json::value("http://127.0.0.1:9001"));
  EXPECT_EQ(ev(Call("env", {C("UNSET")})), json::value(nullptr));
  EXPECT_EQ(ev(B("??", Call("env", {C("UNSET")}), C("dflt"))), json::value("dflt"));
  env.env = nullptr;
  EXPECT_EQ(ev(Call("env", {C("CRM_URL")})), json::value(nullptr));
}

TEST_F(Calls, SettingConstructors) {
  EXPECT_EQ(ev(Call("none", {})), P(R"({"kind": "none"})"));
  EXPECT_EQ(ev(Call("bearer", {Call("secret", {C("api_key")})})), P(R"({"kind": "bearer", "token": "s3cr3t"})"));
  EXPECT_EQ(ev(Call("basic", {C("u"), C("p")})), P(R"({"kind": "basic", "user": "u", "password": "p"})"));
  EXPECT_EQ(ev(Call("api_key", {}, {{"header", C("X-Api-Key")}, {"value", C("k")}})),
            P(R"({"kind": "api_key", "header": "X-Api-Key", "value": "k"})"));
  EXPECT_EQ(ev(Call("oauth2_client_credentials", {},
                    {{"token_url", C("http://t")}, {"client_id", C("weft")}, {"client_secret", C("s")},
                     {"scopes", J(R"(["a"])")}})),
            P(R"({"kind": "oauth2_client_credentials", "token_url": "http://t", "client_id": "weft",
                 "client_secret": "s", "scopes": ["a"]})"));
  EXPECT_EQ(ev(Call("exponential", {}, {{"initial", C(200)}, {"factor", C(2.0)}, {"max", C(30000)}})),
            P(R"({"kind": "exponential", "initial": 200, "factor": 2.0, "max": 30000})"));
  EXPECT_EQ(ev(Call("fixed", {C(1000)})), P(R"({"kind": "fixed", "delay": 1000})"));
  EXPECT_EQ(ev(Call("standard_webhooks", {C("whsec")})), P(R"({"kind": "standard_webhooks", "secret": "whsec"})"));
  // The verify rule hmac_sha256(header:, secret:, prefix:) is a constructor; the crypto function is not.
  EXPECT_EQ(ev(Call("hmac_sha256", {}, {{"header", C("X-Sig")}, {"secret", C("k")}, {"prefix", C("sha256=")}})),
            P(R"({"kind": "hmac_sha256", "header": "X-Sig", "secret": "k", "prefix": "sha256="})"));
  EXPECT_EQ(ev(Call("hmac_sha256", {C("key"), C("The quick brown fox jumps over the lazy dog")})),
            json::value("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"));
  EXPECT_EQ(err(Call("fixed", {C(1), C(2)})).details().at("code"), "type_error");
  EXPECT_EQ(err(Call("basic", {C("u")}, {{"user", C("v")}})).details().at("code"), "type_error");
}

TEST_F(Calls, NonDeterminismComesFromTheContext) {
  EXPECT_EQ(ev(Call("now", {})), json::value("2024-03-08T10:00:00.000Z"));
  EXPECT_EQ(fctx.now_calls, 1);
  fctx.now += 1500;
  EXPECT_EQ(ev(Call("now", {})), json::value("2024-03-08T10:00:01.500Z"));
  EXPECT_EQ(ev(Call("uuid", {})), json::value("00000000-0000-4000-8000-000000000001"));
  EXPECT_EQ(fctx.uuid_calls, 1);
  EXPECT_DOUBLE_EQ(ev(Call("random", {})).get_double(), 0.25);
  fctx.next_random = 0.5;
  EXPECT_EQ(ev(Call("random", {C(1), C(6)})), json::value(4));
  EXPECT_EQ(fctx.random_calls, 2);
  // now() + 1h - now() through operators.
  EXPECT_EQ(ev(B("-", B("+", Call("now", {}), C(3600000)), Call("now", {}))), json::value(3600000));
}

TEST_F(Calls, WithoutAContextTheSystemClockIsUsed) {
  env.fctx = nullptr;
  json::value t = ev(Call("now", {}));
  ASSERT_TRUE(t.is_string());
  EXPECT_EQ(ev(B(">", C(t), C("2020-01-01T00:00:00Z"))), json::value(true));
  EXPECT_EQ(fctx.now_calls, 0);
}

TEST_F(Calls, FnWithPositionalArguments) {
  add_fn("full_name", {"first", "last"}, B("+", B("+", S(0), C(" ")), S(1)));
  EXPECT_EQ(ev(ir::call_fn("full_name", {C("Ada"), C("Lovelace")})), json::value("Ada Lovelace"));
  // The caller's slots are untouched.
  frame.slots[0] = "mine";
  ev(ir::call_fn("full_name", {C("a"), C("b")}));
  EXPECT_EQ(frame.slots[0], json::value("mine"));
}

TEST_F(Calls, FnDefaultsMayUseEarlierParameters) {
  ir::Fn& fn = add_fn("scale", {"x", "factor", "offset"}, B("+", B("*", S(0), S(1)), S(2)));
  fn.params[1].default_value = C(2);
  fn.params[2].default_value = B("-", S(0), C(1));  // offset = x - 1
  EXPECT_EQ(ev(ir::call_fn("scale", {C(5)})), json::value(14));
  EXPECT_EQ(ev(ir::call_fn("scale", {C(5), C(3)})), json::value(19));
  EXPECT_EQ(ev(ir::call_fn("scale", {C(5), C(3), C(0)})), json::value(15));
}

TEST_F(Calls, FnArgumentErrors) {
  add_fn("one", {"x"}, S(0));
  EXPECT_EQ(err(ir::call_fn("one", {})).details().at("code"), "missing_argument");
  EXPECT_EQ(err(ir::call_fn("one", {C(1), C(2)})).details().at("code"), "type_error");
  EXPECT_EQ(err(ir::call_fn("missing_fn", {})).details().at("code"), "unknown_function");
}

TEST_F(Calls, FnBlockBodyWithLets) {
  // fn total(items) { let sum = items.map(i => i.price).sum(); return sum * 1.5 }
  add_fn("total", {"items"},
         ir::let_in(1, Call("sum", {Call("map", {S(0), Lam({2}, M(S(2), "price"))})}), B("*", S(1), C(1.5))), 2);
  EXPECT_DOUBLE_EQ(ev(ir::call_fn("total", {J(R"([{"price": 1}, {"price": 3}])")})).get_double(), 6.0);
}

TEST_F(Calls, RecursionWorks) {
  // fact(n) = n <= 1 ? 1 : n * fact(n - 1)
  add_fn("fact", {"n"}, ir::cond(B("<=", S(0), C(1)), C(1), B("*", S(0), ir::call_fn("fact", {B("-", S(0), C(1))}))));
  EXPECT_EQ(ev(ir::call_fn("fact", {C(10)})), json::value(3628800));
  EXPECT_EQ(ev(ir::call_fn("fact", {C(20)})), json::value(2432902008176640000));
  EXPECT_EQ(err(ir::call_fn("fact", {C(21)})).details().at("code"), "overflow");
}

TEST_F(Calls, RecursionLimit) {
  // depth(n) = n == 0 ? 0 : 1 + depth(n - 1)
  add_fn("depth", {"n"}, ir::cond(B("==", S(0), C(0)), C(0), B("+", C(1), ir::call_fn("depth", {B("-", S(0), C(1))}))));
#if defined(__SANITIZE_ADDRESS__)
  // Sanitizer frames are several times larger: the native stack budget stops recursion earlier.
  EXPECT_EQ(ev(ir::call_fn("depth", {C(50)})), json::value(50));
#else
  EXPECT_EQ(ev(ir::call_fn("depth", {C(kMaxCallDepth - 1)})), json::value(kMaxCallDepth - 1));
#endif
  Error e = err(ir::call_fn("depth", {C(kMaxCallDepth)}));
  EXPECT_EQ(e.details().at("code"), "recursion_limit");
  EXPECT_NE(std::string(e.what()).find("`depth`"), std::string::npos);
  // Infinite recursion stops too.
  add_fn("forever", {"n"}, ir::call_fn("forever", {S(0)}));
  EXPECT_EQ(err(ir::call_fn("forever", {C(1)})).details().at("code"), "recursion_limit");
  // The evaluator is usable afterwards (depth counters were unwound).
  EXPECT_EQ(ev(ir::call_fn("depth", {C(3)})), json::value(3));
}

TEST_F(Calls, FnsCalledFromLambdas) {
  add_fn("double", {"x"}, B("*", S(0), C(2)));
  EXPECT_EQ(ev(Call("map", {J("[1, 2, 3]"), Lam({5}, ir::call_fn("double", {S(5)}))})), P("[2, 4, 6]"));
  // A fn whose body uses a lambda over its own slots, recursively: sum of a tree.
  // tsum(t) = t.v + t.kids.map(k => tsum(k)).sum()
  ir::Fn& tsum = add_fn("tsum", {"t"}, B("+", M(S(0), "v"), Call("sum", {Call("map", {M(S(0), "kids"), Lam({1}, ir::call_fn("tsum", {S(1)}))})})), 1);
  (void)tsum;
  EXPECT_EQ(ev(ir::call_fn("tsum", {J(R"({"v": 1, "kids": [{"v": 2, "kids": []}, {"v": 3, "kids": [{"v": 4, "kids": []}]}]})")})),
            json::value(10));
}

}  // namespace
}  // namespace weft::eval::testing
