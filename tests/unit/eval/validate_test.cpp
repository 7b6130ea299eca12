// validate() for every type kind with nested paths, and Check raising validation_error.
#include "helpers.h"

namespace weft::eval::testing {
namespace {

using K = ir::Type::Kind;

ir::Type lit(std::string s) { return ir::Type{K::Literal, std::move(s), {}, {}}; }
ir::Type uni(std::vector<ir::Type> members) { return ir::Type{K::Union, {}, std::move(members), {}}; }
ir::Type rec(std::vector<ir::Field> fields) { return ir::Type{K::Record, {}, {}, std::move(fields)}; }
ir::Type sc(K k) { return ir::scalar(k); }

class Validate : public ::testing::Test, public Fixture {
 protected:
  std::optional<std::string> v(const ir::Type& t, std::string_view json_text, std::string_view path = "body") {
    return validate(t, P(json_text), module, path);
  }
  void SetUp() override {
    // type Item { sku: string, qty: int, price?: float }
    module.types.push_back({"Item", rec({{"sku", false, sc(K::String)}, {"qty", false, sc(K::Int)},
                                         {"price", true, sc(K::Float)}})});
    // type Order { id: string, items: [Item], status: "new" | "paid", customer: { email: string }? }
    module.types.push_back({"Order", rec({{"id", false, sc(K::String)},
                                          {"items", false, ir::list_of(ir::ref("Item"))},
                                          {"status", false, uni({lit("new"), lit("paid")})},
                                          {"customer", true, ir::optional_of(rec({{"email", false, sc(K::String)}}))}})});
    // type Tree { v: int, kids: [Tree] }  (recursive through a list: fine)
    module.types.push_back({"Tree", rec({{"v", false, sc(K::Int)}, {"kids", false, ir::list_of(ir::ref("Tree"))}})});
    // type A = B; type B = A  (a cycle that consumes nothing)
    module.types.push_back({"A", ir::ref("B")});
    module.types.push_back({"B", ir::ref("A")});
    // type Id = string (alias)
    module.types.push_back({"Id", sc(K::String)});
  }
};

TEST_F(Validate, Scalars) {
  EXPECT_EQ(v(sc(K::Json), "null"), std::nullopt);
  EXPECT_EQ(v(sc(K::Json), R"({"a": [1]})"), std::nullopt);
  EXPECT_EQ(v(sc(K::Null), "null"), std::nullopt);
  EXPECT_EQ(v(sc(K::Null), "0"), "body: expected null, got int");
  EXPECT_EQ(v(sc(K::Bool), "true"), std::nullopt);
  EXPECT_EQ(v(sc(K::Bool), "\"true\""), "body: expected bool, got string");
  EXPECT_EQ(v(sc(K::String), "\"x\""), std::nullopt);
  EXPECT_EQ(v(sc(K::String), "null"), "body: expected string, got null");
  EXPECT_EQ(v(sc(K::Secret), "\"x\""), std::nullopt);
  EXPECT_EQ(v(sc(K::Secret), "1"), "body: expected secret, got int");
}

TEST_F(Validate, IntAndFloat) {
  EXPECT_EQ(v(sc(K::Int), "3"), std::nullopt);
  EXPECT_EQ(v(sc(K::Int), "-3"), std::nullopt);
  EXPECT_EQ(v(sc(K::Int), "3.0"), std::nullopt);  // integral float fits int (JSON Schema)
  EXPECT_EQ(v(sc(K::Int), "3.5"), "body: expected int, got float");
  EXPECT_EQ(v(sc(K::Int), "18446744073709551615"), "body: expected int, got float");
  EXPECT_EQ(v(sc(K::Int), "1e300"), "body: expected int, got float");
  EXPECT_EQ(v(sc(K::Int), "\"3\""), "body: expected int, got string");
  EXPECT_EQ(v(sc(K::Float), "3"), std::nullopt);  // int widens to float
  EXPECT_EQ(v(sc(K::Float), "3.5"), std::nullopt);
  EXPECT_EQ(v(sc(K::Float), "true"), "body: expected float, got bool");
}

TEST_F(Validate, DurationAndTime) {
  EXPECT_EQ(v(sc(K::Duration), "1500"), std::nullopt);
  EXPECT_EQ(v(sc(K::Duration), "1.5"), "body: expected duration, got float");
  EXPECT_EQ(v(sc(K::Duration), "\"10s\""), "body: expected duration, got string");
  EXPECT_EQ(v(sc(K::Time), "\"2024-03-08T10:00:00Z\""), std::nullopt);
  EXPECT_EQ(v(sc(K::Time), "\"2024-03-08T11:00:00.5+01:00\""), std::nullopt);
  EXPECT_EQ(v(sc(K::Time), "\"2024-03-08\""), R"(body: expected time (an RFC 3339 string), got string "2024-03-08")");
  EXPECT_EQ(v(sc(K::Time), "\"2024-02-30T10:00:00Z\"").has_value(), true);
  EXPECT_EQ(v(sc(K::Time), "1709892000"), "body: expected time (an RFC 3339 string), got int");
}

TEST_F(Validate, LiteralsAndUnions) {
  ir::Type status = uni({lit("new"), lit("paid")});
  EXPECT_EQ(v(lit("new"), "\"new\""), std::nullopt);
  EXPECT_EQ(v(lit("new"), "\"New\""), R"(body: expected "new", got string "New")");
  EXPECT_EQ(v(status, "\"paid\""), std::nullopt);
  EXPECT_EQ(v(status, "\"shipped\""), R"(body: expected "new" | "paid", got string "shipped")");
  EXPECT_EQ(v(status, "1"), R"(body: expected "new" | "paid", got int)");
  EXPECT_EQ(v(uni({sc(K::Int), sc(K::String)}), "\"x\""), std::nullopt);
  EXPECT_EQ(v(uni({sc(K::Int), sc(K::String)}), "[]"), "body: expected int | string, got list");
  // Long strings are shortened in messages.
  std::string longs = "\"" + std::string(100, 'x') + "\"";
  auto m = v(lit("a"), longs);
  ASSERT_TRUE(m);
  EXPECT_LT(m->size(), 100u);
  EXPECT_NE(m->find("...\""), std::string::npos);
}

TEST_F(Validate, Optional) {
  auto t = ir::optional_of(sc(K::String));
  EXPECT_EQ(v(t, "null"), std::nullopt);
  EXPECT_EQ(v(t, "\"a\""), std::nullopt);
  EXPECT_EQ(v(t, "1"), "body: expected string, got int");
  EXPECT_EQ(v(ir::optional_of(uni({lit("a"), lit("b")})), "\"c\""), R"(body: expected "a" | "b", got string "c")");
}

TEST_F(Validate, ListsCarryTheIndex) {
  auto t = ir::list_of(sc(K::Int));
  EXPECT_EQ(v(t, "[]"), std::nullopt);
  EXPECT_EQ(v(t, "[1, 2, 3]"), std::nullopt);
  EXPECT_EQ(v(t, "[1, 2, \"3\"]"), "body[2]: expected int, got string");
  EXPECT_EQ(v(t, "{}"), "body: expected [int], got object");
  EXPECT_EQ(v(ir::list_of(ir::list_of(sc(K::Bool))), "[[true], [false, 0]]"), "body[1][1]: expected bool, got int");
}

TEST_F(Validate, MapsCarryTheKey) {
  auto t = ir::map_of(sc(K::Int));
  EXPECT_EQ(v(t, R"({"A": 1, "B": 2})", "stock"), std::nullopt);
  EXPECT_EQ(v(t, R"({"A": 1, "B": null})", "stock"), "stock.B: expected int, got null");
  EXPECT_EQ(v(t, R"({"a-b": "x"})", "stock"), R"(stock["a-b"]: expected int, got string)");
  EXPECT_EQ(v(t, R"({"": "x"})", "stock"), R"(stock[""]: expected int, got string)");
  EXPECT_EQ(v(t, "[1]", "stock"), "stock: expected map<int>, got list");
}

TEST_F(Validate, Records) {
  auto t = ir::ref("Item");
  EXPECT_EQ(v(t, R"({"sku": "A", "qty": 1})"), std::nullopt);
  EXPECT_EQ(v(t, R"({"sku": "A", "qty": 1, "price": 2.5, "extra": true})"), std::nullopt);  // structural
  EXPECT_EQ(v(t, R"({"sku": "A", "qty": 1, "price": null})"), std::nullopt);  // optional may be null
  EXPECT_EQ(v(t, R"({"sku": "A"})"), "body.qty: missing required field of type int");
  EXPECT_EQ(v(t, R"({"sku": "A", "qty": "1"})"), "body.qty: expected int, got string");
  EXPECT_EQ(v(t, R"({"sku": "A", "qty": 1, "price": "2"})"), "body.price: expected float, got string");
  EXPECT_EQ(v(t, "null"), "body: expected Item, got null");
  EXPECT_EQ(v(t, "[]"), "body: expected Item, got list");
  EXPECT_EQ(v(rec({{"a", false, sc(K::Int)}}), "3"), "body: expected {a: int}, got int");
}

TEST_F(Validate, NestedPathsThroughNamedTypes) {
  auto t = ir::ref("Order");
  const char* ok = R"({"id": "o1", "status": "new", "items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]})";
  EXPECT_EQ(v(t, ok), std::nullopt);
  EXPECT_EQ(v(t, R"({"id": "o1", "status": "new", "items": [{"sku": "A", "qty": 1}, {"sku": null, "qty": 2}]})"),
            "body.items[1].sku: expected string, got null");
  EXPECT_EQ(v(t, R"({"id": "o1", "status": "new", "items": [], "customer": {"email": 5}})"),
            "body.customer.email: expected string, got int");
  EXPECT_EQ(v(t, R"({"id": "o1", "status": "new", "items": [], "customer": null})"), std::nullopt);
  EXPECT_EQ(v(t, R"({"id": "o1", "status": "gone", "items": []})"),
            R"(body.status: expected "new" | "paid", got string "gone")");
  EXPECT_EQ(v(t, R"({"id": "o1", "status": "new"})"), "body.items: missing required field of type [Item]");
  EXPECT_EQ(v(ir::list_of(ir::ref("Order")), R"([{"id": "o1", "status": "new", "items": [{"sku": "A"}]}])", "orders"),
            "orders[0].items[0].qty: missing required field of type int");
  // An empty root path gives bare field names.
  EXPECT_EQ(v(ir::ref("Item"), R"({"sku": 1, "qty": 1})", ""), "sku: expected string, got int");
}

TEST_F(Validate, RecursiveTypesAndCycles) {
  EXPECT_EQ(v(ir::ref("Tree"), R"({"v": 1, "kids": [{"v": 2, "kids": [{"v": 3, "kids": []}]}]})"), std::nullopt);
  EXPECT_EQ(v(ir::ref("Tree"), R"({"v": 1, "kids": [{"v": 2, "kids": [{"v": "3", "kids": []}]}]})"),
            "body.kids[0].kids[0].v: expected int, got string");
  EXPECT_EQ(v(ir::ref("A"), "1"), "body: type `A` is defined in terms of itself");
  EXPECT_EQ(v(ir::ref("Nope"), "1"), "body: unknown type `Nope`");
  EXPECT_EQ(v(ir::ref("Id"), "\"x\""), std::nullopt);
  EXPECT_EQ(v(ir::ref("Id"), "1"), "body: expected string, got int");
}

TEST_F(Validate, VeryDeepValuesDoNotOverflowTheStack) {
  // A value nested 5000 levels against a recursive type: an error, not a crash.
  module.types.push_back({"Nest", ir::list_of(ir::ref("Nest"))});
  json::value deep = json::array();
  for (int i = 0; i < 5000; ++i) deep = json::array{deep};
  auto m = validate(ir::ref("Nest"), deep, module, "x");
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("nested too deeply"), std::string::npos);
}

TEST_F(Validate, CheckRaisesValidationError) {
  frame.ctx["body"] = P(R"({"id": "o1", "status": "new", "items": [{"sku": "A", "qty": 1}, {"sku": "B"}]})");
  Error e = err(ir::check(ir::ref("Order"), ir::ctx("body"), "body"));
  EXPECT_EQ(e.kind(), weft::errors::Kind::validation_error);
  EXPECT_STREQ(e.what(), "body.items[1].qty: missing required field of type int");
  EXPECT_EQ(e.details().at("kind"), "validation_error");
  EXPECT_EQ(e.details().at("path"), "body.items[1].qty");
  EXPECT_EQ(e.details().at("message"), "missing required field of type int");
  // A fitting value passes through unchanged.
  frame.ctx["body"] = P(R"({"id": "o1", "status": "paid", "items": []})");
  EXPECT_EQ(ev(ir::check(ir::ref("Order"), ir::ctx("body"), "body")), frame.ctx["body"]);
  // Check of a nested expression with its own root.
  frame.slots[0] = P(R"({"body": {"email": null}})");
  Error e2 = err(ir::check(sc(K::String), M(M(S(0), "body"), "email"), "current.body.email"));
  EXPECT_STREQ(e2.what(), "current.body.email: expected string, got null");
}

TEST_F(Validate, CheckWithoutAModuleStillValidatesScalars) {
  env.module = nullptr;
  EXPECT_EQ(err(ir::check(sc(K::Int), C("x"), "n")).kind(), weft::errors::Kind::validation_error);
  EXPECT_EQ(err(ir::check(ir::ref("Item"), C(1), "n")).details().at("message"), "unknown type `Item`");
}

}  // namespace
}  // namespace weft::eval::testing
