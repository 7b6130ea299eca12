// Generic calls `f<T>(...)`: parsed by the grammar (a TYPE_ARGS token marks the `<` that follows a
// name with no space and whose `>` is followed by `(`); every other `<` is a comparison.
#include "syntax_test_util.h"

using namespace weft;
using namespace weft::syntax::testing;

TEST(Generics, ConnectionMethodsAndStdlibCalls) {
  EXPECT_EQ(expr_dump("crm.get<Contact>(\"/c\")"), "(call<Contact> (. crm get) \"/c\")");
  EXPECT_EQ(expr_dump("crm.get<Contact>(\"/c\", accept_status: [404])"),
            "(call<Contact> (. crm get) \"/c\" accept_status=(list 404))");
  EXPECT_EQ(expr_dump("parse_json<Order>(text)"), "(call<Order> parse_json text)");
  EXPECT_EQ(expr_dump("crm.get<Contact>()"), "(call<Contact> (. crm get))");
}

TEST(Generics, QualifiedTypesOnDottedReceivers) {
  EXPECT_EQ(expr_dump("c.get<common.T>(p)"), "(call<common.T> (. c get) p)");
  EXPECT_EQ(expr_dump("a.conn.get<common.T>(x)"), "(call<common.T> (. (. a conn) get) x)");
  EXPECT_EQ(expr_dump("a.conn.get<common.T>(x, y: 1)"), "(call<common.T> (. (. a conn) get) x y=1)");
  EXPECT_EQ(expr_dump("a.b.c.get<common.T>(x).body"), "(. (call<common.T> (. (. (. a b) c) get) x) body)");
}

TEST(Generics, NestedListMapAndRecordTypes) {
  EXPECT_EQ(expr_dump("crm.get<list<Contact>>(p)"), "(call<(generic list Contact)> (. crm get) p)");
  EXPECT_EQ(expr_dump("crm.get<map<string>>(p)"), "(call<(map string)> (. crm get) p)");
  EXPECT_EQ(expr_dump("f<map<[string]>>(x)"), "(call<(map (list string))> f x)");
  EXPECT_EQ(expr_dump("inv.get<[Warehouse]>(p)"), "(call<(list Warehouse)> (. inv get) p)");
  EXPECT_EQ(expr_dump("crm.get<{ id: string }>(p)"), "(call<(record (field id string))> (. crm get) p)");
  EXPECT_EQ(expr_dump("crm.get<{ id: string, tags?: [string] }>(p)"),
            "(call<(record (field id string) (field? tags (list string)))> (. crm get) p)");
  // Fields of an inline record may be keywords and stand on their own lines.
  EXPECT_EQ(expr_dump("crm.get<{\n  timeout: int\n  map: map<common.T?>\n}>(p)"),
            "(call<(record (field timeout int) (field map (map (opt common.T))))> (. crm get) p)");
  EXPECT_EQ(expr_dump("crm.get<(\"a\" | \"b\")?>(p)"), "(call<(opt (union \"a\" \"b\"))> (. crm get) p)");
  EXPECT_EQ(expr_dump("crm.get<Response<json>>(p)"), "(call<(generic Response json)> (. crm get) p)");
}

TEST(Generics, AsOperandsArgumentsAndInsideInterpolation) {
  EXPECT_EQ(expr_dump("crm.get<T>(p).body.id"), "(. (. (call<T> (. crm get) p) body) id)");
  EXPECT_EQ(expr_dump("f(parse_json<A>(x), parse_json<B>(y))"),
            "(call f (call<A> parse_json x) (call<B> parse_json y))");
  EXPECT_EQ(expr_dump("a.get<T>(b.get<U>(c))"), "(call<T> (. a get) (call<U> (. b get) c))");
  EXPECT_EQ(expr_dump("parse_json<A>(x).n < parse_json<B>(y).n"),
            "(< (. (call<A> parse_json x) n) (. (call<B> parse_json y) n))");
  EXPECT_EQ(expr_dump("!parse_json<bool>(x)"), "(! (call<bool> parse_json x))");
  EXPECT_EQ(expr_dump("x => parse_json<T>(x)"), "(=> (x) (call<T> parse_json x))");
  EXPECT_EQ(expr_dump("\"n=${parse_json<{ n: int }>(s).n}\""), "(str \"n=\" {(. (call<(record (field n int))> parse_json s) n)})");
}

TEST(Generics, TwoTypeArgumentsParseForTheCheckerToRefuse) {
  EXPECT_EQ(expr_dump("parse_json<A, B>(x)"), "(call<A,B> parse_json x)");
}

TEST(Generics, EveryOtherLessThanIsAComparison) {
  EXPECT_EQ(expr_dump("a < b"), "(< a b)");
  EXPECT_EQ(expr_dump("a<b"), "(< a b)");
  EXPECT_EQ(expr_dump("a < b && c > d"), "(&& (< a b) (> c d))");
  EXPECT_EQ(expr_dump("a<b && c>(d)"), "(&& (< a b) (> c d))");
  EXPECT_EQ(expr_dump("a<b || c>d"), "(|| (< a b) (> c d))");
  // With a space before `<`, or no `(` after `>`, or no name before `<`: comparisons (which then
  // chain, an error the checker reports).
  EXPECT_EQ(expr_dump("a < b > (c)"), "(> (< a b) c)");
  EXPECT_EQ(expr_dump("a <b>(c)"), "(> (< a b) c)");
  EXPECT_EQ(expr_dump("a<b>c"), "(> (< a b) c)");
  EXPECT_EQ(expr_dump("a<b> - (c)"), "(> (< a b) (- c))");
  EXPECT_EQ(expr_dump("(a)<b>(c)"), "(> (< a b) c)");
  EXPECT_EQ(expr_dump("1<b>(c)"), "(> (< 1 b) c)");
  EXPECT_EQ(expr_dump("a<b < c"), "(< (< a b) c)");
  EXPECT_EQ(expr_dump("a<b.c + 1"), "(< a (+ (. b c) 1))");
  // Only what can form a type stands between `<` and `>`.
  EXPECT_EQ(expr_dump("a<1>(c)"), "(> (< a 1) c)");
  EXPECT_EQ(expr_dump("a<b + c>(d)"), "(> (< a (+ b c)) d)");
  // The innermost `name<T>(...)` is the generic call.
  EXPECT_EQ(expr_dump("a<f<T>(x)"), "(< a (call<T> f x))");
  EXPECT_EQ(expr_dump("xs.filter(o => o.total>0 && o.total<limit)"),
            "(call (. xs filter) (=> (o) (&& (> (. o total) 0) (< (. o total) limit))))");
}

TEST(Generics, RangesCoverTheWholeCall) {
  auto r = parse_text("const X = a.conn.get<common.T>(x)\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  const ast::Expr& call = *r.module.decls[0].value;
  EXPECT_EQ(call.range.begin, 10u);
  EXPECT_EQ(call.range.end, 33u);
  ASSERT_EQ(call.type_args.size(), 1u);
  EXPECT_EQ(call.type_args[0]->range.begin, 21u);
  EXPECT_EQ(call.type_args[0]->range.end, 29u);
  EXPECT_EQ(call.type_args[0]->name, "common.T");
}

TEST(Generics, InStatements) {
  EXPECT_EQ(body_dump("step s = crm.get<Contact>(\"/c\")\n  retry { attempts: 2 }"),
            "(step s (call<Contact> (. crm get) \"/c\") (retry (object (attempts 2))))\n");
  EXPECT_EQ(body_dump("let o = parse_json<Order>(t)"), "(let o (call<Order> parse_json t))\n");
}

TEST(Generics, ErrorsInsideTypeArguments) {
  auto empty = parse_text("const X = f<>(x)\n");
  EXPECT_NE(rendered(empty).find("expected a type"), std::string::npos) << rendered(empty);
  auto unclosed = parse_text("const X = crm.get<Contact>(\"/c\"\n");
  EXPECT_TRUE(unclosed.diags.has_errors());
  EXPECT_NE(rendered(unclosed).find("E0002"), std::string::npos) << rendered(unclosed);
  auto bad_field = parse_text("const X = crm.get<{ id string }>(p)\n");
  EXPECT_TRUE(bad_field.diags.has_errors());
}

TEST(Generics, LongRunsOfTypeLikeTokensStillParse) {
  // Every `<` here starts a search for a `>` that never comes before `]` (the search is capped).
  std::string text = "const X = [";
  for (int i = 0; i < 20000; ++i) text += "a<b, ";
  text += "a<f<T>(x)]\n";
  auto r = parse_text(text);
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r).substr(0, 500);
  const ast::Expr& list = *r.module.decls[0].value;
  ASSERT_EQ(list.operands.size(), 20001u);
  EXPECT_EQ(ast::dump(*list.operands[0]), "(< a b)");
  EXPECT_EQ(ast::dump(*list.operands[20000]), "(< a (call<T> f x))");
}
