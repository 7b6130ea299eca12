// The compiler's golden tests (Carbon-style): each tests/golden/**/*.flow file ends with a block of
// `// > ` lines holding the diagnostics the analysis must produce, rendered as text with the file's
// path relative to the repository root; a file with no diagnostics ends with
// `// > (no diagnostics)`. The block is not part of the analysed source.
// With WEFT_GOLDEN_UPDATE=1 the blocks are rewritten from the actual output instead of compared.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/render.h"
#include "compiler/sema/check.h"

namespace fs = std::filesystem;
using namespace weft;

namespace {

const fs::path kRoot = WEFT_SOURCE_DIR;
const fs::path kGoldenDir = kRoot / "tests" / "golden";
constexpr std::string_view kPrefix = "// >";
constexpr std::string_view kNone = "(no diagnostics)";

/// A file split into the analysed source and its trailing expectation block.
struct GoldenFile {
  std::string source;                 ///< the text before the block
  std::vector<std::string> expected;  ///< the block's lines without the `// > ` prefix
  bool read_ok = false;
};

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

GoldenFile read_golden(const fs::path& path) {
  GoldenFile g;
  std::ifstream in(path, std::ios::binary);
  if (!in) return g;
  std::stringstream ss;
  ss << in.rdbuf();
  g.read_ok = true;
  std::string text = ss.str();
  // Split into lines (keeping the exact text before the block).
  std::vector<std::pair<size_t, std::string>> lines;  // (offset, line)
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    lines.emplace_back(pos, text.substr(pos, end - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  size_t n = lines.size();
  while (n > 0 && rstrip(lines[n - 1].second).empty()) --n;
  size_t first = n;
  while (first > 0 && lines[first - 1].second.rfind(kPrefix, 0) == 0) --first;
  for (size_t i = first; i < n; ++i) {
    std::string l = rstrip(lines[i].second.substr(kPrefix.size()));
    if (!l.empty() && l[0] == ' ') l.erase(0, 1);
    g.expected.push_back(l);
  }
  g.source = first < lines.size() ? text.substr(0, lines[first].first) : text;
  // Blank lines between the code and the block are not part of the source either.
  if (first < lines.size()) {
    size_t keep = g.source.size();
    while (keep > 0 && (g.source[keep - 1] == '\n' || g.source[keep - 1] == '\r' || g.source[keep - 1] == ' ' ||
                        g.source[keep - 1] == '\t'))
      --keep;
    size_t nl = g.source.find('\n', keep);
    g.source.resize(nl == std::string::npos ? keep : nl + 1);
  }
  return g;
}

/// The analysis behind the golden files: parser and type checker (sema::check_source), with
/// relative imports read from the repository.
struct Analysis {
  diagnostics::SourcePtr source;
  diagnostics::Bag diags;
  sema::CheckedProgram program;  ///< owns the imported files the diagnostics point into
};

/// Reads imported files by their repo-relative path (so rendered paths stay relative).
class RepoLoader : public sema::Loader {
 public:
  bool read(const std::string& path, std::string& text, std::string& error) override {
    return files_.read((kRoot / path).string(), text, error);
  }

 private:
  sema::FileLoader files_;
};

Analysis analyze(const fs::path& path) {
  Analysis a;
  std::string rel = fs::relative(path, kRoot).generic_string();
  GoldenFile g = read_golden(path);
  a.source = std::make_shared<diagnostics::SourceFile>(rel, g.source);
  if (!g.read_ok) {
    a.diags.add(diagnostics::Code::E0009, {a.source.get(), 0, 0}, "cannot read `" + rel + "`");
    return a;
  }
  RepoLoader loader;
  a.program = sema::check_source(a.source, loader);
  a.diags = a.program.diagnostics;
  a.diags.sort();
  return a;
}

std::vector<std::string> render_lines(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& d : a.diags.all()) {
    std::stringstream ss(diagnostics::render_text(d));
    for (std::string line; std::getline(ss, line);) out.push_back(rstrip(line));
  }
  if (out.empty()) out.emplace_back(kNone);
  return out;
}

std::vector<fs::path> golden_files() {
  std::vector<fs::path> files;
  if (!fs::exists(kGoldenDir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(kGoldenDir))
    if (e.is_regular_file() && e.path().extension() == ".flow" &&
        fs::relative(e.path(), kGoldenDir).begin()->string() != "ir")  // IR dumps: tests/unit/ir/golden_test.cpp
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

void update(const fs::path& path, const GoldenFile& g, const std::vector<std::string>& actual) {
  std::string text = g.source;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  text += "\n\n";
  for (const auto& l : actual) text += std::string(kPrefix) + (l.empty() ? "" : " " + l) + "\n";
  std::ofstream(path, std::ios::binary) << text;
}

class Golden : public ::testing::TestWithParam<fs::path> {};

TEST_P(Golden, DiagnosticsMatchTheExpectationBlock) {
  const fs::path& path = GetParam();
  GoldenFile g = read_golden(path);
  ASSERT_TRUE(g.read_ok) << path;
  std::vector<std::string> actual = render_lines(analyze(path));
  const char* up = std::getenv("WEFT_GOLDEN_UPDATE");
  if (up && std::string(up) == "1") {
    if (actual != g.expected) update(path, g, actual);
    return;
  }
  ASSERT_FALSE(g.expected.empty()) << path << " has no `// > ` expectation block (run with WEFT_GOLDEN_UPDATE=1)";
  std::string want, got;
  for (const auto& l : g.expected) want += l + "\n";
  for (const auto& l : actual) got += l + "\n";
  EXPECT_EQ(want, got) << "golden mismatch in " << fs::relative(path, kRoot).generic_string()
                       << " (WEFT_GOLDEN_UPDATE=1 rewrites it)";
}

std::string test_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string s = fs::relative(info.param, kGoldenDir).replace_extension().generic_string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Files, Golden, ::testing::ValuesIn(golden_files()), test_name);

// Codes that cannot have a golden file, with the reason.
const std::set<std::string> kNoGoldenPossible = {
    "E0009",  // cannot read file: every golden file is readable; covered by AnalyzeReportsUnreadableFiles
};

TEST(GoldenCoverage, EverySyntaxCodeHasAGoldenCase) {
  std::set<std::string> seen;
  std::regex code_re(R"((?:error|warning)\[([EW][0-9]{4})\])");
  for (const auto& f : golden_files()) {
    for (const auto& l : read_golden(f).expected)
      for (std::sregex_iterator it(l.begin(), l.end(), code_re), end; it != end; ++it) seen.insert((*it)[1]);
  }
  for (const auto& c : diagnostics::registry()) {
    std::string id(c.id);
    if (id.rfind("E00", 0) != 0 || kNoGoldenPossible.count(id)) continue;
    EXPECT_TRUE(seen.count(id)) << id << " (" << c.title << ") has no golden case under tests/golden/";
  }
}

TEST(GoldenCoverage, AnalyzeReportsUnreadableFiles) {
  Analysis a = analyze(kGoldenDir / "no_such_file.flow");
  ASSERT_EQ(a.diags.all().size(), 1u);
  EXPECT_EQ(a.diags.all()[0].code, diagnostics::Code::E0009);
  EXPECT_EQ(a.diags.all()[0].message, "cannot read `tests/golden/no_such_file.flow`");
}

TEST(GoldenCoverage, ThereAreGoldenFiles) { EXPECT_GE(golden_files().size(), 30u); }

}  // namespace
