// Every .flow file of the repository (examples, golden cases, docs/design-language.md snippet copies, editor
// fixtures): formatting keeps the AST and the comments and is idempotent.
#include "format_test_util.h"

using namespace weft::format::testing;
namespace {

bool parses(const std::string& text) {
  auto r = weft::syntax::parse(std::make_shared<weft::diagnostics::SourceFile>("x.flow", text));
  return !r.diags.has_errors();
}

}  // namespace

TEST(Corpus, EveryFlowFileKeepsItsAstCommentsAndIsIdempotent) {
  size_t formatted = 0;
  for (const auto& p : flow_files()) {
    std::string text = slurp(p);
    if (!parses(text)) continue;  // golden cases for syntax errors
    SCOPED_TRACE(p.string());
    check_properties(text, p.string());
    ++formatted;
  }
  EXPECT_GE(formatted, 8u) << "expected the examples and the docs/design-language.md snippets";
}
