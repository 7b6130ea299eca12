// Golden IR dumps: every tests/golden/ir/*.flow is compiled and its IR dump compared with the
// file's trailing `// > ` lines. WEFT_GOLDEN_UPDATE=1 rewrites those lines from the output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/diagnostics/render.h"
#include "compiler/ir/dump.h"
#include "compiler/ir/lower.h"
#include "compiler/ir/serialize.h"

namespace weft::ir {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(WEFT_SOURCE_DIR) / "tests" / "golden" / "ir";
constexpr std::string_view kPrefix = "// > ";

std::vector<std::string> golden_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kDir))
    if (e.is_regular_file() && e.path().extension() == ".flow") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Splits a golden file into its source and its expectation (the trailing `// > ` lines).
std::pair<std::string, std::string> split(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  size_t first = lines.size();
  while (first > 0 && (lines[first - 1].rfind(kPrefix, 0) == 0 || lines[first - 1] == "// >")) --first;
  std::string source, expected;
  for (size_t i = 0; i < first; ++i) source += lines[i] + "\n";
  for (size_t i = first; i < lines.size(); ++i)
    expected += (lines[i].size() > kPrefix.size() ? lines[i].substr(kPrefix.size()) : std::string()) + "\n";
  while (source.size() > 1 && source[source.size() - 1] == '\n' && source[source.size() - 2] == '\n') source.pop_back();
  return {source, expected};
}

/// What a golden file shows: the diagnostics when it does not compile, else the IR dump.
std::string actual_output(const fs::path& file) {
  Compilation c = compile_file(file.string());
  std::string out;
  if (c.program.has_errors()) {
    for (const auto& d : c.program.diagnostics.all())
      if (d.severity == diagnostics::Severity::Error)
        out += "error[" + std::string(diagnostics::info(d.code).id) + "]: " + d.message + "\n";
    return out;
  }
  for (const auto& e : c.lowered->errors) out += "lowering error: " + e + "\n";
  // The canonical form must round-trip for every golden module.
  std::string text = serialize(c.lowered->module), error;
  auto back = parse_module(text, &error);
  if (!back) out += "round trip failed: " + error + "\n";
  else if (serialize(*back) != text) out += "round trip changed the module\n";
  return out + dump(c.lowered->module);
}

class IrGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(IrGolden, Dump) {
  fs::path file = kDir / GetParam();
  auto [source, expected] = split(read(file));
  std::string actual = actual_output(file);
  const char* update = std::getenv("WEFT_GOLDEN_UPDATE");
  if (update && std::string(update) == "1") {
    if (actual != expected) {
      std::string text = source + "\n";
      std::stringstream ss(actual);
      for (std::string l; std::getline(ss, l);) text += l.empty() ? "// >\n" : std::string(kPrefix) + l + "\n";
      std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    }
    return;
  }
  EXPECT_EQ(actual, expected) << "golden mismatch in " << file << " (regenerate with WEFT_GOLDEN_UPDATE=1)";
}

INSTANTIATE_TEST_SUITE_P(Files, IrGolden, ::testing::ValuesIn(golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param.substr(0, i.param.size() - 5);
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(IrGoldenFiles, EveryNodeKindHasAGolden) {
  std::string all;
  for (const auto& f : golden_files()) all += split(read(kDir / f)).second;
  for (auto k : {"call", "child_flow", "assign", "choice", "fork", "join", "map", "yield", "timer", "wait_signal",
                 "emit", "try:", "succeed", "fail"})
    EXPECT_NE(all.find(std::string("] ") + k), std::string::npos) << "no golden shows a `" << k << "` node";
}

}  // namespace
}  // namespace weft::ir
