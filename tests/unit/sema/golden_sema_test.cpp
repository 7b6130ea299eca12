// Golden cases of the type checker: every tests/golden/sema/**/*.flow carries its expected
// diagnostics (rendered text form, paths relative to the repo root) in trailing `// > ` lines.
// WEFT_GOLDEN_UPDATE=1 rewrites the blocks. A second test fails when a diagnostic code of the
// checker (E01xx–E06xx, W0xxx) has no golden case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/diagnostics/render.h"
#include "compiler/sema/check.h"

namespace fs = std::filesystem;
using namespace weft;

namespace {

const std::string kRoot = WEFT_SOURCE_DIR;

/// Reads repo-relative paths from the source tree, so rendered paths stay relative.
class RepoLoader : public sema::Loader {
 public:
  bool read(const std::string& path, std::string& text, std::string& error) override {
    return files_.read(kRoot + "/" + path, text, error);
  }

 private:
  sema::FileLoader files_;
};

std::vector<std::string> golden_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(kRoot + "/tests/golden/sema"))
    if (e.is_regular_file() && e.path().extension() == ".flow")
      out.push_back(fs::relative(e.path(), kRoot).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Splits a file into its source and its expectation block.
std::pair<std::string, std::string> split_expectations(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  size_t end = lines.size();
  while (end > 0 && (lines[end - 1].rfind("// >", 0) == 0 || lines[end - 1].empty())) --end;
  std::string source, expected;
  for (size_t i = 0; i < end; ++i) source += lines[i] + "\n";
  for (size_t i = end; i < lines.size(); ++i) {
    if (lines[i].rfind("// >", 0) != 0) continue;
    std::string l = lines[i].substr(4);
    if (!l.empty() && l[0] == ' ') l = l.substr(1);
    expected += l + "\n";
  }
  return {source, expected};
}

std::string render(const std::string& rel) {
  RepoLoader loader;
  auto program = sema::check_file(rel, loader);
  // The format of tests/golden/golden_test.cpp: each diagnostic's text lines, right-trimmed, no separators.
  std::string out;
  for (const auto& d : program.diagnostics.all()) {
    std::istringstream in(diagnostics::render_text(d));
    for (std::string l; std::getline(in, l);) {
      while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.pop_back();
      out += l + "\n";
    }
  }
  if (out.empty()) out = "(no diagnostics)\n";
  return out;
}

}  // namespace

TEST(SemaGolden, ExpectationsMatch) {
  bool update = std::getenv("WEFT_GOLDEN_UPDATE") && std::string(std::getenv("WEFT_GOLDEN_UPDATE")) == "1";
  auto files = golden_files();
  ASSERT_GE(files.size(), 90u);
  for (const auto& rel : files) {
    auto [source, expected] = split_expectations(slurp(kRoot + "/" + rel));
    std::string actual = render(rel);
    if (update) {
      std::string block;
      std::istringstream in(actual);
      for (std::string l; std::getline(in, l);) block += "// > " + l + "\n";
      std::ofstream(kRoot + "/" + rel, std::ios::binary) << source << "\n" << block;
      continue;
    }
    EXPECT_EQ(expected, actual) << "golden case " << rel;
  }
}

TEST(SemaGolden, EveryCheckerCodeHasACase) {
  std::set<std::string> seen;
  for (const auto& rel : golden_files()) {
    std::string expected = split_expectations(slurp(kRoot + "/" + rel)).second;
    for (size_t at = expected.find('['); at != std::string::npos; at = expected.find('[', at + 1))
      if (at + 6 < expected.size() && expected[at + 6] == ']') seen.insert(expected.substr(at + 1, 5));
  }
  for (const auto& c : diagnostics::registry()) {
    std::string id(c.id);
    bool mine = id[0] == 'W' || (id[0] == 'E' && id[1] == '0' && id[2] >= '1' && id[2] <= '6');
    if (mine) {
      EXPECT_TRUE(seen.count(id)) << id << " (" << c.title << ") has no golden case in tests/golden/sema";
    }
  }
}
