// Expressions: precedence, postfix forms, lambdas, literals, keywords as names.
#include "syntax_test_util.h"

using namespace weft::syntax::testing;

TEST(Expressions, PrecedenceFollowsTheSpec) {
  EXPECT_EQ(expr_dump("1 + 2 * 3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(expr_dump("1 - 2 - 3"), "(- (- 1 2) 3)");
  EXPECT_EQ(expr_dump("a * b / c % d"), "(% (/ (* a b) c) d)");
  EXPECT_EQ(expr_dump("-a * b"), "(* (- a) b)");
  EXPECT_EQ(expr_dump("!a && b"), "(&& (! a) b)");
  EXPECT_EQ(expr_dump("a < b == c > d"), "(== (< a b) (> c d))");
  EXPECT_EQ(expr_dump("a + b < c"), "(< (+ a b) c)");
  EXPECT_EQ(expr_dump("a || b && c"), "(|| a (&& b c))");
  EXPECT_EQ(expr_dump("a ?? b || c"), "(?? a (|| b c))");
  EXPECT_EQ(expr_dump("a ?? b ?? c"), "(?? a (?? b c))");
  EXPECT_EQ(expr_dump("c ? a ?? b : d"), "(? c (?? a b) d)");
  EXPECT_EQ(expr_dump("c ? x : d ? y : z"), "(? c x (? d y z))");
  EXPECT_EQ(expr_dump("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(expr_dump("a <= b || a >= b || a != b"), "(|| (|| (<= a b) (>= a b)) (!= a b))");
  EXPECT_EQ(expr_dump("!!a"), "(! (! a))");
  EXPECT_EQ(expr_dump("- -a"), "(- (- a))");
}

TEST(Expressions, PostfixBindsTighterThanUnary) {
  EXPECT_EQ(expr_dump("-a.b"), "(- (. a b))");
  EXPECT_EQ(expr_dump("!f(x)[0]"), "(! (index (call f x) 0))");
  EXPECT_EQ(expr_dump("a?.b.c"), "(. (?. a b) c)");
  EXPECT_EQ(expr_dump("calls(marketing.put)[0].body.full_name"),
            "(. (. (index (call calls (. marketing put)) 0) body) full_name)");
}

TEST(Expressions, CallsWithNamedAndGenericArguments) {
  EXPECT_EQ(expr_dump("f()"), "(call f)");
  EXPECT_EQ(expr_dump("f(a, name: v,)"), "(call f a name=v)");
  EXPECT_EQ(expr_dump("crm.get<Contact>(\"/c\", accept_status: [404])"),
            "(call<Contact> (. crm get) \"/c\" accept_status=(list 404))");
  EXPECT_EQ(expr_dump("f<map<[string]>>(x)"), "(call<(map (list string))> f x)");
  // More forms, and the `<` that stay comparisons: generics_test.cpp.
  EXPECT_EQ(expr_dump("crm.get<Contact>(\"/c\")"), "(call<Contact> (. crm get) \"/c\")");
  EXPECT_EQ(expr_dump("inv.get<[Warehouse]>(p)"), "(call<(list Warehouse)> (. inv get) p)");
  EXPECT_EQ(expr_dump("c.get<common.T>(p)"), "(call<common.T> (. c get) p)");
  EXPECT_EQ(expr_dump("a < b"), "(< a b)");
  EXPECT_EQ(expr_dump("a < b && c > d"), "(&& (< a b) (> c d))");
  EXPECT_EQ(expr_dump("xs.filter(i => i.qty > 0).map(i => i.sku)"),
            "(call (. (call (. xs filter) (=> (i) (> (. i qty) 0))) map) (=> (i) (. i sku)))");
}

TEST(Expressions, Lambdas) {
  EXPECT_EQ(expr_dump("x => x + 1"), "(=> (x) (+ x 1))");
  EXPECT_EQ(expr_dump("(acc, x) => acc + x"), "(=> (acc x) (+ acc x))");
  EXPECT_EQ(expr_dump("() => 1"), "(=> () 1)");
  EXPECT_EQ(expr_dump("x => { id: x }"), "(=> (x) (object (id x)))");
  EXPECT_EQ(expr_dump("x => y => x"), "(=> (x) (=> (y) x))");
  EXPECT_EQ(expr_dump("(x) + 1"), "(+ x 1)");
}

TEST(Expressions, Literals) {
  EXPECT_EQ(expr_dump("42"), "42");
  EXPECT_EQ(expr_dump("3.25"), "3.25");
  EXPECT_EQ(expr_dump("1e6"), "1e+06");
  EXPECT_EQ(expr_dump("2.5e-3"), "0.0025");
  EXPECT_EQ(expr_dump("true"), "true");
  EXPECT_EQ(expr_dump("false"), "false");
  EXPECT_EQ(expr_dump("null"), "null");
  EXPECT_EQ(expr_dump("-1"), "(- 1)");
  EXPECT_EQ(expr_dump("[]"), "(list)");
  EXPECT_EQ(expr_dump("[1, 2,]"), "(list 1 2)");
  EXPECT_EQ(expr_dump("{}"), "(object)");
  EXPECT_EQ(expr_dump("{ a: 1, \"b c\": 2, ...d, }"), "(object (a 1) (\"b c\" 2) (... d))");
  EXPECT_EQ(expr_dump("9223372036854775807"), "9223372036854775807");
}

TEST(Expressions, Durations) {
  EXPECT_EQ(expr_dump("250ms"), "250ms");
  EXPECT_EQ(expr_dump("10s"), "10000ms");
  EXPECT_EQ(expr_dump("5m"), "300000ms");
  EXPECT_EQ(expr_dump("2h"), "7200000ms");
  EXPECT_EQ(expr_dump("1d"), "86400000ms");
  EXPECT_EQ(expr_dump("1h30m"), "5400000ms");
  EXPECT_EQ(expr_dump("1d2h3m4s5ms"), "93784005ms");
  EXPECT_EQ(expr_dump("0s"), "0ms");
}

TEST(Expressions, KeywordsAsFieldNamesKeysAndNamedArguments) {
  EXPECT_EQ(expr_dump("e.timeout"), "(. e timeout)");
  EXPECT_EQ(expr_dump("r.retry.on"), "(. (. r retry) on)");
  EXPECT_EQ(expr_dump("x?.type"), "(?. x type)");
  EXPECT_EQ(expr_dump("{ retry: 1, timeout: 2, type: 3, if: 4, null: 5 }"),
            "(object (retry 1) (timeout 2) (type 3) (if 4) (null 5))");
  EXPECT_EQ(expr_dump("f(timeout: 1s, in: 2, step: 3)"), "(call f timeout=1000ms in=2 step=3)");
  EXPECT_EQ(expr_dump("[timeout, http_error]"), "(list timeout http_error)");
}

TEST(Expressions, DurableForms) {
  EXPECT_EQ(expr_dump("run child(x)"), "(run (call child x))");
  EXPECT_EQ(expr_dump("(start child(x)).y"), "(. (start (call child x)) y)");
  EXPECT_EQ(expr_dump("run a.b(x)"), "(run (call (. a b) x))");
  EXPECT_EQ(expr_dump("await h"), "(await h)");
  EXPECT_EQ(expr_dump("wait signal \"approve\""), "(wait-signal \"approve\")");
  EXPECT_EQ(expr_dump("wait signal \"approve\" timeout 24h"), "(wait-signal \"approve\" 86400000ms)");
}

TEST(Expressions, RangesAreExactByteOffsets) {
  auto r = parse_text("const X = a.b + f(1)\n");
  ASSERT_FALSE(r.diags.has_errors());
  const auto& e = *r.module.decls[0].value;
  EXPECT_EQ(e.range.begin, 10u);
  EXPECT_EQ(e.range.end, 20u);
  EXPECT_EQ(e.name, "+");
  EXPECT_EQ(e.name_range.begin, 14u);
  const auto& m = *e.operands[0];
  EXPECT_EQ(m.kind, weft::ast::Expr::Kind::Member);
  EXPECT_EQ(m.range.begin, 10u);
  EXPECT_EQ(m.range.end, 13u);
  EXPECT_EQ(m.name_range.begin, 12u);
  EXPECT_EQ(m.name_range.end, 13u);
  EXPECT_EQ(m.operands[0]->name_range.begin, 10u);
  const auto& call = *e.operands[1];
  EXPECT_EQ(call.range.begin, 16u);
  EXPECT_EQ(call.range.end, 20u);
  EXPECT_EQ(call.args[0].range.begin, 18u);
  EXPECT_EQ(weft::ast::dump(e, {true}), "(+@1:11-1:21 (.@1:11-1:14 a@1:11-1:12 b@1:13-1:14) (call@1:17-1:21 f@1:17-1:18 1@1:19-1:20))");
}

TEST(Expressions, RangesCountBytesOfUtf8) {
  auto r = parse_text("const X = \"é\" + y\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  const auto& e = *r.module.decls[0].value;
  EXPECT_EQ(e.operands[0]->range.end, 14u);  // `"é"` is 4 bytes
  EXPECT_EQ(e.operands[1]->range.begin, 17u);
  EXPECT_EQ(e.operands[0]->parts[0].text, "é");
}
