// Syntax errors: messages in the user's terms, exact positions, one error per statement,
// recovery of later declarations.
#include "syntax_test_util.h"

using namespace weft::syntax::testing;
using weft::diagnostics::Code;

namespace {

struct Expected {
  Code code;
  std::string at;       // line:col of the primary range
  std::string message;  // exact message
};

void expect_only(const std::string& src, const Expected& e) {
  auto r = parse_text(src);
  ASSERT_EQ(r.diags.all().size(), 1u) << src << "\n" << rendered(r);
  const auto& d = r.diags.all()[0];
  EXPECT_EQ(d.code, e.code) << rendered(r);
  EXPECT_EQ(lc(d.range), e.at) << rendered(r);
  EXPECT_EQ(d.message, e.message) << rendered(r);
}

}  // namespace

TEST(Errors, UnclosedParenPointsAtTheOpenerWithANoteAtTheFailurePoint) {
  auto r = parse_text("flow f() {\n  step a = foo(x, 1\n  let b = 2\n}\n");
  ASSERT_EQ(r.diags.all().size(), 1u) << rendered(r);
  const auto& d = r.diags.all()[0];
  EXPECT_EQ(d.code, Code::E0002);
  EXPECT_EQ(d.message, "expected `)` to close the `(` opened at 2:15");
  EXPECT_EQ(lc(d.range), "2:15");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(lc(*d.notes[0].range), "3:3");
  EXPECT_EQ(d.notes[0].message, "expected `)` before `let`");
  // Recovery: both statements are there.
  ASSERT_EQ(r.module.decls.size(), 1u);
  EXPECT_EQ(r.module.decls[0].body->stmts.size(), 2u);
}

TEST(Errors, UnclosedBraceAndBracket) {
  expect_only("flow f() {\n  let x = 1\n", {Code::E0002, "1:10", "expected `}` to close the `{` opened at 1:10"});
  expect_only("flow f() {\n  let x = [1, 2\n  let y = 3\n}\n",
              {Code::E0002, "2:11", "expected `]` to close the `[` opened at 2:11"});
  // The `}` at column 1 closes the flow: the `if` block is the unclosed one.
  expect_only("flow f() {\n  if x {\n    a()\n  let y = 1\n}\n",
              {Code::E0002, "2:8", "expected `}` to close the `{` opened at 2:8"});
}

TEST(Errors, UnterminatedStringAndComment) {
  expect_only("flow f() {\n  let x = \"abc\n}\n", {Code::E0007, "2:11", "unterminated string: missing the closing `\"`"});
  expect_only("const A = \"\"\"\n  text\n", {Code::E0007, "1:11", "unterminated multi-line string: missing the closing `\"\"\"`"});
  expect_only("const A = 1 /* never closed\n", {Code::E0007, "1:13", "unterminated block comment: missing the closing `*/`"});
}

TEST(Errors, MissingEqualsInStep) {
  expect_only("flow f() {\n  step x crm.get(\"/a\")\n}\n", {Code::E0001, "2:10", "expected `=` after `x`, found `crm`"});
}

TEST(Errors, MissingOperand) {
  expect_only("flow f() {\n  let x = 1 +\n}\n", {Code::E0001, "2:14", "expected an expression after `+`"});
  expect_only("flow f() {\n  let x = 1 + * 2\n}\n", {Code::E0001, "2:15", "expected an expression after `+`, found `*`"});
  expect_only("const A = \n", {Code::E0001, "1:10", "expected an expression after `=`"});
}

TEST(Errors, MissingNameAndColon) {
  expect_only("flow f() {\n  let = 5\n}\n", {Code::E0001, "2:7", "expected a name after `let`, found `=`"});
  expect_only("fn f(a: int, b int) -> int = a\n", {Code::E0001, "1:16", "expected `:` after `b`, found `int`"});
  expect_only("connection c = http {\n  base_url \"x\"\n}\n",
              {Code::E0001, "2:12", "expected `:` after `base_url`, found `\"x\"`"});
  expect_only("flow f() {\n  let y = x.\n}\n", {Code::E0001, "2:13", "expected a name after `.`"});
}

TEST(Errors, MissingBlockAfterIf) {
  // The `}` that then looks stray is explained by the first error and not reported.
  expect_only("flow f() {\n  if x > 1\n    return 1\n  }\n}\n", {Code::E0001, "2:11", "expected `{` after `1`"});
}

TEST(Errors, StrayCloser) {
  expect_only("flow f() {\n  return\n}\n}\n", {Code::E0001, "4:1", "unexpected `}`"});
  expect_only("const A = f(1))\n", {Code::E0001, "1:15", "unexpected `)`"});
}

TEST(Errors, BadEscapesDurationsNumbersCharacters) {
  expect_only("const A = \"bad \\q\"\n", {Code::E0003, "1:16", "invalid escape `\\q` in string"});
  expect_only("const A = \"\\u{110000}\"\n", {Code::E0003, "1:12", "invalid unicode escape `\\u{110000}`"});
  expect_only("const A = 5min\n", {Code::E0005, "1:11", "invalid duration `5min`"});
  expect_only("const A = 1.5s\n", {Code::E0005, "1:11", "invalid duration `1.5s`"});
  expect_only("const A = 30m1h\n", {Code::E0005, "1:11", "invalid duration `30m1h`: units must go from largest to smallest"});
  expect_only("const A = 1h1h\n", {Code::E0005, "1:11", "invalid duration `1h1h`: a unit appears twice"});
  expect_only("const A = 12abc\n", {Code::E0004, "1:11", "invalid number `12abc`"});
  expect_only("const A = 99999999999999999999\n", {Code::E0004, "1:11", "integer literal `99999999999999999999` is too large"});
  expect_only("const A = a @ b\n", {Code::E0008, "1:13", "invalid character `@`"});
  expect_only("const A = 1\x01\n", {Code::E0008, "1:12", "invalid character U+0001"});
  expect_only("const A = \"x\xff\"\n", {Code::E0008, "1:13", "invalid byte 0xFF in string (not valid UTF-8)"});
}

TEST(Errors, InterpolationErrors) {
  expect_only("const A = \"a ${x\"\n", {Code::E0002, "1:14", "expected `}` to close the `${` opened at 1:14"});
  expect_only("const A = \"a ${}\"\n", {Code::E0001, "1:14", "expected an expression inside `${}`"});
  expect_only("test \"t ${x}\" { }\n", {Code::E0001, "1:9", "a test name cannot use `${...}`"});
}

TEST(Errors, DeclarationLevelMistakes) {
  expect_only("let x = 5\nflow f() { }\n",
              {Code::E0001, "1:1",
               "expected a declaration (`import`, `type`, `const`, `fn`, `connection`, `flow` or `test`), found `let`"});
  expect_only("test t { }\n", {Code::E0001, "1:6", "expected a string, found `t`"});
  expect_only("flow f() {\n  on webhok \"/x\" { }\n}\n", {Code::E0001, "2:6", "unknown trigger `webhok`"});
  expect_only("flow f() {\n  on webhook \"/x\" every 5m\n}\n", {Code::E0001, "2:19", "`every` is only for `on poll` triggers"});
  expect_only("flow f() {\n  return 1\n  on webhook \"/x\"\n}\n", {Code::E0001, "3:3", "triggers must come before the flow's statements"});
  expect_only("flow f() {\n  let x = run 5\n}\n",
              {Code::E0001, "2:15", "expected a flow call after `run`, like `run other_flow(input)`"});
}

TEST(Errors, UnknownTriggerSuggestsTheClosestKind) {
  auto r = parse_text("flow f() {\n  on webhok \"/x\" { }\n}\n");
  ASSERT_EQ(r.diags.all().size(), 1u);
  ASSERT_TRUE(r.diags.all()[0].fix.has_value());
  EXPECT_EQ(r.diags.all()[0].fix->replacement, "webhook");
}

TEST(Errors, OneErrorPerStatementAndRecoveryOfLaterDeclarations) {
  auto r = parse_text(
      "fn g() -> int = 1 + + 2 ) ]\n"
      "flow f() {\n"
      "  let a = 1 +\n"
      "  let b = = 2\n"
      "  let ok = 3\n"
      "}\n"
      "const AFTER = 1\n");
  // One error per broken line; the good statement and the later declaration are kept.
  std::vector<std::string> lines;
  for (const auto& d : r.diags.all()) lines.push_back(lc(d.range).substr(0, lc(d.range).find(':')));
  EXPECT_EQ(lines, (std::vector<std::string>{"1", "3", "4"})) << rendered(r);
  ASSERT_EQ(r.module.decls.size(), 2u) << rendered(r);
  EXPECT_EQ(r.module.decls[0].name.name, "f");
  ASSERT_EQ(r.module.decls[0].body->stmts.size(), 1u);
  EXPECT_EQ(r.module.decls[0].body->stmts[0]->name.name, "ok");
  EXPECT_EQ(r.module.decls[1].name.name, "AFTER");
}

TEST(Errors, RenderedTextIsInTheUsersTerms) {
  auto r = parse_text("flow f() {\n  let x = foo(1, 2\n}\n");
  EXPECT_EQ(rendered(r),
            "error[E0002]: expected `)` to close the `(` opened at 2:14\n"
            " --> test.flow:2:14\n"
            "  |\n"
            "2 |   let x = foo(1, 2\n"
            "  |              ^ unclosed `(`\n"
            "  = note: expected `)` before `}`\n"
            " --> test.flow:3:1\n"
            "3 | }\n"
            "  | -\n");
}

TEST(Errors, NestingDepthIsCapped) {
  std::string deep = "const A = " + std::string(300, '(') + "1" + std::string(300, ')') + "\n";
  auto r = parse_text(deep);
  ASSERT_EQ(r.diags.all().size(), 1u) << rendered(r);
  EXPECT_EQ(r.diags.all()[0].code, Code::E0006);
  EXPECT_EQ(lc(r.diags.all()[0].range), "1:267");  // the 257th `(`
  // Within the cap it parses; the cap is a parameter.
  EXPECT_FALSE(parse_text("const A = " + std::string(100, '(') + "1" + std::string(100, ')') + "\n").diags.has_errors());
  EXPECT_TRUE(parse_text("const A = ((((1))))\n", 3).diags.has_errors());
  // Later declarations survive a refused one.
  auto r2 = parse_text(deep + "const B = 2\n");
  ASSERT_EQ(r2.module.decls.size(), 1u);
  EXPECT_EQ(r2.module.decls[0].name.name, "B");
}

TEST(Errors, LongElseIfChainsAndOperatorChainsAreCapped) {
  std::string chain = "flow f() {\n  if a { }";
  for (int i = 0; i < 400; ++i) chain += " else if a { }";
  chain += "\n}\n";
  auto r = parse_text(chain);
  ASSERT_EQ(r.diags.all().size(), 1u) << rendered(r).substr(0, 400);
  EXPECT_EQ(r.diags.all()[0].code, Code::E0006);
  std::string sum = "const A = 1";
  for (int i = 0; i < 400; ++i) sum += " + 1";
  EXPECT_EQ(parse_text(sum + "\n").diags.all().at(0).code, Code::E0006);
}
