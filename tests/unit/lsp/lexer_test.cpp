#include <gtest/gtest.h>

#include "lsp/features.h"
#include "lsp/lexer.h"
#include "lsp/workspace.h"

namespace weft::lsp {
namespace {

using K = Token::Kind;

std::vector<std::pair<K, std::string>> tokens(std::string_view text) {
  std::vector<std::pair<K, std::string>> out;
  for (const auto& t : lex(text)) out.emplace_back(t.kind, std::string(text.substr(t.begin, t.end - t.begin)));
  return out;
}

TEST(Lexer, ClassifiesTokens) {
  auto t = tokens("/// doc\nstep s = c.get<T>(\"/x/${a.b + 1}\", n: 1.5e3) timeout 1h30m // c\n");
  std::vector<std::pair<K, std::string>> want = {
      {K::DocComment, "/// doc"}, {K::Keyword, "step"}, {K::Ident, "s"}, {K::Punct, "="}, {K::Ident, "c"},
      {K::Punct, "."}, {K::Ident, "get"}, {K::Punct, "<"}, {K::Ident, "T"}, {K::Punct, ">"}, {K::Punct, "("},
      {K::String, "\"/x/"}, {K::InterpStart, "${"}, {K::Ident, "a"}, {K::Punct, "."}, {K::Ident, "b"},
      {K::Punct, "+"}, {K::Int, "1"}, {K::InterpEnd, "}"}, {K::String, "\""}, {K::Punct, ","},
      {K::Ident, "n"}, {K::Punct, ":"}, {K::Float, "1.5e3"}, {K::Punct, ")"}, {K::Keyword, "timeout"},
      {K::Duration, "1h30m"}, {K::Comment, "// c"}};
  EXPECT_EQ(t, want);
}

TEST(Lexer, NestedStringsAndBracesInInterpolation) {
  auto t = tokens(R"("a ${f({ k: "x${y}" })} b")");
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.front(), (std::pair<K, std::string>{K::String, "\"a "}));
  EXPECT_EQ(t.back(), (std::pair<K, std::string>{K::String, " b\""}));
  int interp = 0;
  for (auto& [k, s] : t) interp += k == K::InterpStart;
  EXPECT_EQ(interp, 2);
}

TEST(Lexer, NeverFailsOnGarbage) {
  auto t = tokens("\"unterminated\nlet é ` /* open");
  EXPECT_EQ(t[0].first, K::String);
  EXPECT_EQ(t[1], (std::pair<K, std::string>{K::Keyword, "let"}));
  EXPECT_EQ(t[2], (std::pair<K, std::string>{K::Error, "é"}));
  EXPECT_EQ(t[3], (std::pair<K, std::string>{K::Error, "`"}));
  EXPECT_EQ(t[4], (std::pair<K, std::string>{K::Comment, "/* open"}));
  auto m = tokens("\"\"\"\nline ${x}\n\"\"\" 12abc");
  EXPECT_EQ(m.front().second, "\"\"\"\nline ");
  EXPECT_EQ(m.back(), (std::pair<K, std::string>{K::Int, "12abc"}));
}

TEST(Folding, BlocksCommentsAndImports) {
  std::string text =
      "import \"./a.flow\" as a\n"
      "import \"./b.flow\" as b\n"
      "// one\n"
      "// two\n"
      "type T {\n"
      "  x: int\n"
      "}\n"
      "const c = [1,\n"
      "  2]\n";
  DocumentStore store;
  Workspace ws(store);
  auto a = ws.analyse(std::make_shared<Document>(Document{"file:///f.flow", "weft", 1, text}));
  auto folds = folding_ranges(*a);
  ASSERT_EQ(folds.size(), 4u);
  EXPECT_EQ(folds[0].kind, "imports");
  EXPECT_EQ(text.substr(folds[0].begin, folds[0].end - folds[0].begin), "import \"./a.flow\" as a\nimport \"./b.flow\" as b");
  EXPECT_EQ(folds[1].kind, "comment");
  EXPECT_EQ(folds[2].kind, "region");
  EXPECT_EQ(text[folds[2].begin], '{');
  EXPECT_EQ(text[folds[3].begin], '[');
}

}  // namespace
}  // namespace weft::lsp
