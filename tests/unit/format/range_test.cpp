// format_range: formatting the top-level declarations a range touches, exactly as format_source
// formats them, leaving the rest of the text alone.
#include "format_test_util.h"

using namespace weft::format;
using namespace weft::format::testing;

namespace {

weft::diagnostics::SourcePtr source(const std::string& text) {
  return std::make_shared<weft::diagnostics::SourceFile>("range.flow", text);
}

/// The text after format_range(begin, end) replaced its bytes.
std::string apply_range(const std::string& text, uint32_t begin, uint32_t end) {
  auto r = format_range(source(text), begin, end);
  EXPECT_TRUE(r.ok);
  EXPECT_LE(r.begin, r.end);
  EXPECT_LE(r.end, text.size());
  return text.substr(0, r.begin) + r.text + text.substr(r.end);
}

uint32_t at(const std::string& text, const std::string& needle) {
  auto p = text.find(needle);
  EXPECT_NE(p, std::string::npos) << needle;
  return static_cast<uint32_t>(p);
}

const std::string kMessy =
    "// leading comment\n"
    "type   A = {x:int,\n"
    "   y : string}\n"
    "\n\n\n"
    "   // about b\n"
    "fn  b( s:string )->string=upper( s )   // trailing\n"
    "const   C=1\n";

}  // namespace

TEST(FormatRange, TheWholeTextIsWhatFormatSourceWrites) {
  auto r = format_range(source(kMessy), 0, static_cast<uint32_t>(kMessy.size()));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.begin, 0u);
  EXPECT_EQ(r.end, kMessy.size());
  EXPECT_EQ(r.text, fmt(kMessy));
}

TEST(FormatRange, OnlyTheTouchedDeclarationChanges) {
  // A cursor (empty range) inside `fn b`: its comment above and its trailing comment go with it,
  // `type A` and `const C` keep their source text.
  std::string out = apply_range(kMessy, at(kMessy, "upper"), at(kMessy, "upper"));
  EXPECT_EQ(out,
            "// leading comment\n"
            "type   A = {x:int,\n"
            "   y : string}\n"
            "\n"
            "// about b\n"
            "fn b(s: string) -> string = upper(s) // trailing\n"
            "const   C=1\n");
  EXPECT_EQ(fmt(out), fmt(kMessy));
}

TEST(FormatRange, ARangeOverSeveralDeclarationsFormatsEachOfThem) {
  std::string out = apply_range(kMessy, at(kMessy, "y : string"), at(kMessy, "about b"));
  // The space after the last touched declaration is not part of it: `const C` stays on the next line.
  EXPECT_EQ(out,
            "// leading comment\n"
            "type A = { x: int, y: string }\n"
            "\n"
            "// about b\n"
            "fn b(s: string) -> string = upper(s) // trailing\n"
            "const   C=1\n");
}

TEST(FormatRange, TheLastDeclarationTakesTheEndOfTheText) {
  std::string text = "const A = 1\nconst   B=2   \n\n\n// end\n\n";
  EXPECT_EQ(apply_range(text, at(text, "B"), at(text, "B")), "const A = 1\n\nconst B = 2\n\n// end\n");
}

TEST(FormatRange, BlankSpaceBetweenDeclarationsTouchesNothing) {
  std::string text = "const   A=1\n\n\n\nconst   B=2\n";
  auto r = format_range(source(text), 13, 14);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.begin, r.end);
  EXPECT_EQ(r.text, "");
}

TEST(FormatRange, CommentsOnlyAndSyntaxErrors) {
  std::string comments = "   // just a comment\n\n\n   // and another\n";
  EXPECT_EQ(apply_range(comments, 0, 0), fmt(comments));
  EXPECT_EQ(fmt(comments), "// just a comment\n\n// and another\n");
  auto r = format_range(source("fn f( = \n"), 0, 3);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.diags.has_errors());
}

// Every .flow file of the repository that parses: the whole range gives format_source's text, and
// formatting each declaration on its own (last to first, so earlier offsets stay valid) ends in
// that same text.
TEST(FormatRange, CorpusDeclarationByDeclarationEqualsTheWholeFile) {
  size_t files = 0;
  for (const auto& path : flow_files()) {
    std::string text = slurp(path);
    auto parsed = weft::syntax::parse(source(text));
    if (parsed.diags.has_errors()) continue;
    SCOPED_TRACE(path.string());
    std::string whole = fmt(text);
    EXPECT_EQ(apply_range(text, 0, static_cast<uint32_t>(text.size())), whole);
    std::string piecewise = text;
    for (auto d = parsed.module.decls.rbegin(); d != parsed.module.decls.rend(); ++d)
      piecewise = apply_range(piecewise, d->range.begin, d->range.begin);
    EXPECT_EQ(piecewise, whole);
    ++files;
  }
  EXPECT_GE(files, 8u);
}
