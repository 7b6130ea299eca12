// String literals: escapes, interpolation (with exact ranges), multi-line strings.
#include "syntax_test_util.h"

using namespace weft::syntax::testing;

TEST(Strings, Escapes) {
  EXPECT_EQ(expr_dump(R"("a\nb\tc\"d\\e\$f")"), R"("a\nb\tc\"d\\e$f")");
  auto r = parse_text("const X = \"\\u{1F600}\\u{e9}\"\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  EXPECT_EQ(r.module.decls[0].value->parts[0].text, "\xF0\x9F\x98\x80\xC3\xA9");
  EXPECT_EQ(expr_dump(R"("")"), R"("")");
  EXPECT_TRUE(parse_text("const X = \"\"\n").module.decls[0].value->parts.empty());
}

TEST(Strings, InterpolationPieces) {
  EXPECT_EQ(expr_dump(R"("a ${x} b")"), R"((str "a " {x} " b"))");
  EXPECT_EQ(expr_dump(R"("${x}${y.z}")"), R"((str {x} {(. y z)}))");
  EXPECT_EQ(expr_dump(R"("n=${ {a: 1}.a }")"), R"((str "n=" {(. (object (a 1)) a)}))");
  EXPECT_EQ(expr_dump(R"("${ "inner ${x}" }")"), R"((str {(str "inner " {x})}))");
  EXPECT_EQ(expr_dump(R"("cost: \${x}")"), R"("cost: ${x}")");
  EXPECT_EQ(expr_dump(R"("$5 and $x")"), R"("$5 and $x")");
  EXPECT_EQ(expr_dump("\"${f(a,\n b)}\""), "(str {(call f a b)})");
}

TEST(Strings, InterpolationRangesPointIntoTheFile) {
  //                       0123456789012345678901234
  auto r = parse_text("const X = \"id ${c.id}!\"\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  const auto& s = *r.module.decls[0].value;
  ASSERT_EQ(s.parts.size(), 3u);
  EXPECT_EQ(s.parts[0].range.begin, 11u);
  EXPECT_EQ(s.parts[0].range.end, 14u);
  EXPECT_EQ(s.parts[1].range.begin, 14u);  // `${`
  EXPECT_EQ(s.parts[1].range.end, 21u);    // after `}`
  const auto& e = *s.parts[1].expr;
  EXPECT_EQ(e.range.begin, 16u);
  EXPECT_EQ(e.range.end, 20u);
  EXPECT_EQ(e.name_range.begin, 18u);
  EXPECT_EQ(e.operands[0]->range.begin, 16u);
  EXPECT_EQ(s.parts[2].text, "!");
}

TEST(Strings, ErrorsInsideInterpolationPointIntoTheFile) {
  auto r = parse_text("const X = \"a ${x +} b\"\n");
  ASSERT_EQ(r.diags.all().size(), 1u) << rendered(r);
  EXPECT_EQ(r.diags.all()[0].message, "expected an expression after `+`");
  EXPECT_EQ(lc(r.diags.all()[0].range), "1:19");  // right after the `+`
}

TEST(Strings, MultiLineStripsFirstNewlineAndCommonIndentation) {
  auto r = parse_text("const X = \"\"\"\n    Dear ${name},\n      thanks\n\n    bye\n    \"\"\"\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  EXPECT_EQ(weft::ast::dump(*r.module.decls[0].value), R"((str "Dear " {name} ",\n  thanks\n\nbye"))");
}

TEST(Strings, MultiLineKeepsTextOnTheOpeningLineAndQuotes) {
  EXPECT_EQ(expr_dump("\"\"\"one \"two\" \"\"\""), R"("one \"two\" ")");
  EXPECT_EQ(expr_dump("\"\"\"a\n  b\n  c\"\"\""), R"("a\nb\nc")");
  EXPECT_EQ(expr_dump("\"\"\"\n  x\n\"\"\""), R"("x")");
  EXPECT_EQ(expr_dump("\"\"\"\"\"\""), R"("")");
}

TEST(Strings, MultiLineInterpolationMaySpanLines) {
  EXPECT_EQ(expr_dump("\"\"\"\n  total: ${f(\n    a)}\n  \"\"\""), R"((str "total: " {(call f a)}))");
}
