// Const, Slot, Ctx, Member, OptMember, Index, List, Object (spreads), Interp, Let, Lambda misuse.
#include "helpers.h"

namespace weft::eval::testing {
namespace {

class Access : public ::testing::Test, public Fixture {};

TEST_F(Access, ConstSlotAndCtx) {
  EXPECT_EQ(ev(J(R"({"a": [1, "x", null]})")), P(R"({"a": [1, "x", null]})"));
  frame.slots[3] = "three";
  EXPECT_EQ(ev(S(3)), json::value("three"));
  EXPECT_EQ(ev(S(100)), json::value(nullptr));  // a slot past the frame is unset
  EXPECT_EQ(err(S(-1)).details().at("code"), "bad_expression");
  frame.ctx["body"] = P(R"({"id": 7})");
  EXPECT_EQ(ev(M(ir::ctx("body"), "id")), json::value(7));
  Error e = err(ir::ctx("event"));
  EXPECT_EQ(e.details().at("code"), "bad_expression");
  EXPECT_NE(std::string(e.what()).find("`event`"), std::string::npos);
}

TEST_F(Access, MemberReadsFieldsAndMissingIsNull) {
  frame.slots[0] = P(R"({"customer": {"email": "a@b.c"}, "n": null})");
  EXPECT_EQ(ev(M(M(S(0), "customer"), "email")), json::value("a@b.c"));
  EXPECT_EQ(ev(M(S(0), "missing")), json::value(nullptr));
  EXPECT_EQ(ev(M(S(0), "n")), json::value(nullptr));
}

TEST_F(Access, MemberOfNullFailsNamingThePath) {
  std::vector<ir::Slot> names = {{"order", ir::Slot::Kind::Param}};
  frame.names = &names;
  frame.slots[0] = P(R"({"customer": null})");
  Error e = err(M(M(S(0), "customer"), "email"));
  EXPECT_EQ(e.kind(), weft::errors::Kind::failure);
  EXPECT_EQ(e.details().at("code"), "null_access");
  EXPECT_STREQ(e.what(), "cannot read field `email` of null at `order.customer`");
  frame.names = nullptr;
  EXPECT_STREQ(err(M(M(S(0), "customer"), "email")).what(), "cannot read field `email` of null at `$0.customer`");
}

TEST_F(Access, MemberOfNonObjectFails) {
  frame.ctx["body"] = P(R"({"items": [1, 2]})");
  Error e = err(M(M(ir::ctx("body"), "items"), "length"));
  EXPECT_EQ(e.details().at("code"), "type_error");
  EXPECT_STREQ(e.what(), "cannot read field `length` of list at `body.items`");
  EXPECT_EQ(err(M(C("text"), "x")).details().at("code"), "type_error");
  EXPECT_EQ(err(M(C(1), "x")).details().at("code"), "type_error");
}

TEST_F(Access, OptionalMemberOnNullIsNull) {
  frame.slots[0] = P(R"({"customer": null, "addr": {"city": "Oslo"}})");
  EXPECT_EQ(ev(OM(M(S(0), "customer"), "email")), json::value(nullptr));
  EXPECT_EQ(ev(OM(M(S(0), "addr"), "city")), json::value("Oslo"));
  EXPECT_EQ(ev(OM(C(nullptr), "x")), json::value(nullptr));
  // `?.` on a non-object, non-null value is still an error.
  EXPECT_EQ(err(OM(C(5), "x")).details().at("code"), "type_error");
}

TEST_F(Access, OptionalChainShortCircuitsTheRestOfTheChain) {
  frame.slots[0] = P(R"({"customer": null})");
  // order.customer?.address.city: null, like TypeScript, not an error at `.city`.
  EXPECT_EQ(ev(M(OM(M(S(0), "customer"), "address"), "city")), json::value(nullptr));
  EXPECT_EQ(ev(ir::index(OM(M(S(0), "customer"), "tags"), C(0))), json::value(nullptr));
  // But a null that comes from a plain `.` later in the chain still fails.
  frame.slots[1] = P(R"({"customer": {"address": null}})");
  EXPECT_EQ(err(M(M(OM(M(S(1), "customer"), "address"), "x"), "y")).details().at("code"), "null_access");
  // The short-circuit does not leak out of parentheses-like boundaries (e.g. `??`).
  EXPECT_EQ(ev(B("??", M(OM(M(S(0), "customer"), "a"), "b"), C("none"))), json::value("none"));
}

TEST_F(Access, IndexLists) {
  frame.slots[0] = P("[10, 20, 30]");
  EXPECT_EQ(ev(ir::index(S(0), C(0))), json::value(10));
  EXPECT_EQ(ev(ir::index(S(0), C(2))), json::value(30));
  EXPECT_EQ(ev(ir::index(S(0), C(3))), json::value(nullptr));  // past the end: null
  EXPECT_EQ(ev(ir::index(S(0), C(INT64_MAX))), json::value(nullptr));
  EXPECT_EQ(ev(ir::index(S(0), C(1.0))), json::value(20));  // integral float accepted
  Error neg = err(ir::index(S(0), C(-1)));
  EXPECT_EQ(neg.details().at("code"), "index_error");
  EXPECT_NE(std::string(neg.what()).find("get(xs, -1)"), std::string::npos);
  EXPECT_EQ(err(ir::index(S(0), C(1.5))).details().at("code"), "type_error");
  EXPECT_EQ(err(ir::index(S(0), C("1"))).details().at("code"), "type_error");
  EXPECT_EQ(err(ir::index(S(0), C(nullptr))).details().at("code"), "type_error");
}

TEST_F(Access, IndexObjects) {
  frame.slots[0] = P(R"({"a b": 1, "": 2})");
  EXPECT_EQ(ev(ir::index(S(0), C("a b"))), json::value(1));
  EXPECT_EQ(ev(ir::index(S(0), C(""))), json::value(2));
  EXPECT_EQ(ev(ir::index(S(0), C("zz"))), json::value(nullptr));
  EXPECT_EQ(err(ir::index(S(0), C(0))).details().at("code"), "type_error");
}

TEST_F(Access, IndexNullAndScalarsFail) {
  std::vector<ir::Slot> names = {{"rows", ir::Slot::Kind::Let}};
  frame.names = &names;
  Error e = err(ir::index(S(0), C(0)));
  EXPECT_EQ(e.details().at("code"), "null_access");
  EXPECT_STREQ(e.what(), "cannot index null at `rows`");
  EXPECT_EQ(err(ir::index(C("abc"), C(0))).details().at("code"), "type_error");
  EXPECT_EQ(err(ir::index(C(true), C(0))).details().at("code"), "type_error");
}

TEST_F(Access, IndexKeyIsEvaluated) {
  frame.slots[0] = P(R"({"x": [5, 6]})");
  frame.slots[1] = 1;
  EXPECT_EQ(ev(ir::index(M(S(0), "x"), B("-", S(1), C(1)))), json::value(5));
}

TEST_F(Access, IndexKeyThatGrowsTheFrameIsSafe) {
  // The key binds slot 500 (the frame grows and its storage moves) while the list is read from slot 0.
  Frame small;
  small.slots.push_back(P(R"([["a", "b"], ["c", "d"]])"));
  auto e = ir::index(ir::index(S(0), ir::let_in(500, C(1), S(500))), ir::let_in(900, C(0), S(900)));
  EXPECT_EQ(evaluate(*e, small, env), json::value("c"));
  EXPECT_EQ(small.slots.size(), 901u);
  // A key computed by a lambda over the same frame.
  frame.slots[0] = P(R"({"k": [10, 20, 30]})");
  auto e2 = ir::index(M(S(0), "k"), Call("len", {Call("filter", {M(S(0), "k"), Lam({15}, B(">", S(15), C(15)))})}));
  EXPECT_EQ(ev(e2), json::value(30));
}

TEST_F(Access, ChainsOverComputedValues) {
  // Member and index chains over values computed on the fly (not held by the frame).
  auto obj = ir::object({{"a", false, ir::list({C(1), ir::object({{"b", false, C("deep")}})})}});
  EXPECT_EQ(ev(M(ir::index(M(obj, "a"), C(1)), "b")), json::value("deep"));
  EXPECT_EQ(ev(ir::index(M(obj, "a"), C(5))), json::value(nullptr));
  EXPECT_EQ(ev(M(Call("parse_json", {C(R"({"x": {"y": [true]}})")}), "x")), P(R"({"y": [true]})"));
  // The frame's values are not modified by reading through them.
  frame.slots[0] = P(R"({"a": {"b": [1, 2]}})");
  EXPECT_EQ(ev(M(M(S(0), "a"), "b")), P("[1, 2]"));
  EXPECT_EQ(ev(ir::index(M(M(S(0), "a"), "b"), C(1))), json::value(2));
  EXPECT_EQ(frame.slots[0], P(R"({"a": {"b": [1, 2]}})"));
}

TEST_F(Access, ListsEvaluateInOrder) {
  EXPECT_EQ(ev(ir::list({})), P("[]"));
  EXPECT_EQ(ev(ir::list({C(1), B("+", C(1), C(1)), C("x"), ir::list({C(nullptr)})})), P(R"([1, 2, "x", [null]])"));
  EXPECT_EQ(err(ir::list({C(1), B("/", C(1), C(0))})).details().at("code"), "division_by_zero");
}

TEST_F(Access, ObjectsKeepEntryOrder) {
  auto v = ev(ir::object({{"z", false, C(1)}, {"a", false, C(2)}, {"m", false, C(3)}}));
  ASSERT_TRUE(v.is_object());
  std::vector<std::string> keys;
  for (const auto& kv : v.get_object()) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"z", "a", "m"}));
  EXPECT_EQ(ev(ir::object({})), P("{}"));
}

TEST_F(Access, SpreadsMergeAndLaterKeysWin) {
  frame.slots[0] = P(R"({"a": 1, "b": 2})");
  frame.slots[1] = P(R"({"b": 3, "c": 4})");
  auto e = ir::object({{"", true, S(0)}, {"b", false, C(9)}, {"", true, S(1)}, {"d", false, C(5)}});
  EXPECT_EQ(ev(e), P(R"({"a": 1, "b": 3, "c": 4, "d": 5})"));
  auto e2 = ir::object({{"b", false, C(9)}, {"", true, S(0)}});
  EXPECT_EQ(ev(e2), P(R"({"b": 2, "a": 1})"));
  // Spreading null adds nothing; a non-object is an error.
  EXPECT_EQ(ev(ir::object({{"", true, C(nullptr)}, {"x", false, C(1)}})), P(R"({"x": 1})"));
  EXPECT_EQ(err(ir::object({{"", true, C(P("[1]"))}})).details().at("code"), "type_error");
  EXPECT_EQ(err(ir::object({{"", true, C("s")}})).details().at("code"), "type_error");
}

TEST_F(Access, DuplicateKeysLaterWins) {
  EXPECT_EQ(ev(ir::object({{"a", false, C(1)}, {"a", false, C(2)}})), P(R"({"a": 2})"));
}

TEST_F(Access, InterpolationWritesText) {
  frame.slots[0] = P(R"({"id": 42, "name": "Ada", "tags": ["x", "y"], "ok": true, "none": null, "p": 2.5, "f": 3.0})");
  auto e = ir::interp({C("id="), M(S(0), "id"), C(" name="), M(S(0), "name"), C(" tags="), M(S(0), "tags"),
                       C(" ok="), M(S(0), "ok"), C(" none="), M(S(0), "none"), C(" p="), M(S(0), "p"),
                       C(" f="), M(S(0), "f")});
  EXPECT_EQ(ev(e), json::value(R"(id=42 name=Ada tags=["x","y"] ok=true none=null p=2.5 f=3)"));
  EXPECT_EQ(ev(ir::interp({})), json::value(""));
  EXPECT_EQ(ev(ir::interp({C(P(R"({"a": {"b": [1.5, "q\""]}})"))})), json::value(R"({"a":{"b":[1.5,"q\""]}})"));
}

TEST_F(Access, ToText) {
  EXPECT_EQ(to_text(json::value("plain")), "plain");
  EXPECT_EQ(to_text(json::value(-7)), "-7");
  EXPECT_EQ(to_text(json::value(0.1)), "0.1");
  EXPECT_EQ(to_text(json::value(1e21)), "1e+21");
  EXPECT_EQ(to_text(json::value(uint64_t(18446744073709551615ull))), "18446744073709551615");
  EXPECT_EQ(to_text(json::value(nullptr)), "null");
  EXPECT_EQ(to_text(P(R"(["a", 1])")), R"(["a",1])");
}

TEST_F(Access, LetBindsASlot) {
  auto e = ir::let_in(2, C(20), ir::let_in(3, B("+", S(2), C(1)), B("*", S(2), S(3))));
  EXPECT_EQ(ev(e), json::value(420));
  EXPECT_EQ(frame.slots[2], json::value(20));
  // Let grows a small frame as needed.
  Frame small;
  EXPECT_EQ(evaluate(*ir::let_in(40, C("v"), S(40)), small, env), json::value("v"));
}

TEST_F(Access, ALambdaOutsideACallIsAnError) {
  EXPECT_EQ(err(Lam({0}, S(0))).details().at("code"), "bad_expression");
}

TEST_F(Access, MalformedExpressionsDoNotCrash) {
  auto raw = std::make_shared<ir::Expr>();
  raw->op = ir::Expr::Op::Binary;
  raw->name = "+";
  raw->args = {C(1)};  // missing operand
  EXPECT_EQ(err(raw).details().at("code"), "bad_expression");
  auto m = std::make_shared<ir::Expr>();
  m->op = ir::Expr::Op::Member;
  m->name = "x";
  EXPECT_EQ(err(m).details().at("code"), "bad_expression");
  auto o = std::make_shared<ir::Expr>();
  o->op = ir::Expr::Op::Object;
  o->entries.push_back({"k", false, nullptr});
  EXPECT_EQ(err(o).details().at("code"), "bad_expression");
  auto c = std::make_shared<ir::Expr>();
  c->op = ir::Expr::Op::Cond;
  c->args = {C(true), nullptr, C(1)};
  EXPECT_EQ(err(c).details().at("code"), "bad_expression");
}

TEST_F(Access, DeepNestingIsAFailureNotACrash) {
  ExprPtr e = C(0);
  for (int i = 0; i < 100000; ++i) e = B("+", e, C(1));
  // Destroying a 100000-deep shared_ptr chain recursively would overflow the stack: unwind it
  // iteratively at the end of the test, whatever happens before.
  struct Unwind {
    ExprPtr& e;
    ~Unwind() {
      while (e && !e->args.empty()) {
        ExprPtr next = e->args[0];
        e = next;
      }
    }
  } unwind{e};
  EXPECT_EQ(err(e).details().at("code"), "recursion_limit");
  // Moderate nesting works (100 levels fit even the stack budget of sanitizer builds).
  ExprPtr ok = C(0);
  for (int i = 0; i < 100; ++i) ok = B("+", ok, C(1));
  EXPECT_EQ(ev(ok), json::value(100));
}

}  // namespace
}  // namespace weft::eval::testing
