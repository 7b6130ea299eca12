// Golden diagnostics (Carbon-style): each tests/golden/**/*.flow case outside ir/ ends with a block
// of `// > ` lines holding the diagnostics the analysis must produce (parser and type checker,
// through driver::compile_source), rendered as text with paths relative to the repository root; a
// file with no diagnostics ends with `// > (no diagnostics)`. The block is not part of the source.
// A coverage test fails when a diagnostic code has no golden case. Runner: tests/golden/runner.h.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"
#include "tests/golden/runner.h"

namespace weft::golden {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kNone = "(no diagnostics)";

/// The diagnostics cases: every .flow under tests/golden except the IR dumps (ir_test.cpp).
std::vector<fs::path> diagnostics_cases() { return case_files(golden_dir(), ".flow", true, {"ir"}); }

/// Reads imported files by their repo-relative path (so rendered paths stay relative).
class RepoResolver : public driver::Resolver {
 public:
  bool read(const std::string& path, std::string& text, std::string& error) override {
    return files_.read((source_root() / path).string(), text, error);
  }

 private:
  driver::FileResolver files_;
};

/// The analysis behind a case: its diagnostics, sorted.
struct Analysis {
  driver::Compilation compiled;  ///< owns the sources the diagnostics point into
  diagnostics::Bag diags;
};

Analysis analyze(const TextCase& c) {
  Analysis a;
  std::string rel = fs::relative(c.path, source_root()).generic_string();
  RepoResolver resolver;
  a.compiled = c.read_ok ? driver::compile_source(rel, c.source, resolver, {.lower = false})
                         : driver::compile_file(rel, resolver, {.lower = false});
  a.diags = a.compiled.diagnostics();
  a.diags.sort();
  return a;
}

std::vector<std::string> render_lines(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& d : a.diags.all())
    for (auto& l : lines_of(diagnostics::render_text(d))) out.push_back(std::move(l));
  if (out.empty()) out.emplace_back(kNone);
  return out;
}

class Diagnostics : public ::testing::TestWithParam<fs::path> {};

TEST_P(Diagnostics, MatchTheExpectationBlock) {
  TextCase c = read_text_case(GetParam());
  check_text_case(c, render_lines(analyze(c)));
}

INSTANTIATE_TEST_SUITE_P(Files, Diagnostics, ::testing::ValuesIn(diagnostics_cases()),
                         [](const ::testing::TestParamInfo<fs::path>& i) { return test_name(i.param); });

// Codes that cannot have a golden case, with the reason.
const std::set<std::string> kNoGoldenPossible = {
    "E0009",  // cannot read file: every golden file is readable; covered by AnalyzeReportsUnreadableFiles
};

TEST(GoldenCoverage, EveryDiagnosticCodeHasAGoldenCase) {
  std::set<std::string> seen;
  std::regex code_re(R"((?:error|warning)\[([EW][0-9]{4})\])");
  for (const auto& f : diagnostics_cases())
    for (const auto& l : read_text_case(f).expected)
      for (std::sregex_iterator it(l.begin(), l.end(), code_re), end; it != end; ++it) seen.insert((*it)[1]);
  for (const auto& c : diagnostics::registry()) {
    std::string id(c.id);
    if (kNoGoldenPossible.count(id)) continue;
    EXPECT_TRUE(seen.count(id)) << id << " (" << c.title << ") has no golden case under tests/golden/";
  }
}

TEST(GoldenCoverage, AnalyzeReportsUnreadableFiles) {
  Analysis a = analyze(read_text_case(golden_dir() / "no_such_file.flow"));
  ASSERT_EQ(a.diags.all().size(), 1u);
  EXPECT_EQ(a.diags.all()[0].code, diagnostics::Code::E0009);
  EXPECT_EQ(a.diags.all()[0].message, "cannot read `tests/golden/no_such_file.flow`: No such file or directory");
}

TEST(GoldenCoverage, ThereAreGoldenFiles) {
  EXPECT_GE(diagnostics_cases().size(), 120u);
  EXPECT_GE(case_files(golden_dir() / "sema", ".flow", true).size(), 90u);
}

}  // namespace
}  // namespace weft::golden
