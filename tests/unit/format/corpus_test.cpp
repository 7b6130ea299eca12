// Every .flow file of the repository (examples, golden cases, docs/design-language.md snippet copies, editor
// fixtures): formatting keeps the AST and the comments and is idempotent.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "format_test_util.h"

using namespace weft::format::testing;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> flow_files() {
  std::vector<fs::path> out;
  fs::path root = WEFT_SOURCE_DIR;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.rfind("build", 0) == 0 || name == "node_modules" ||
                               name == ".weft")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".flow") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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
