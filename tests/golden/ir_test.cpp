// Golden IR dumps: every tests/golden/ir/*.flow is compiled (driver::compile_file) and its IR dump
// (or, when it does not compile, its errors) compared with the file's trailing `// > ` lines; the
// canonical form must round-trip for every case. Runner: tests/golden/runner.h.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/driver/driver.h"
#include "compiler/ir/dump.h"
#include "compiler/ir/serialize.h"
#include "tests/golden/runner.h"

namespace weft::golden {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> ir_cases() { return case_files(golden_dir() / "ir", ".flow", false); }

/// What a case shows: the diagnostics when it does not compile, else the IR dump.
std::string actual_output(const fs::path& file) {
  driver::Compilation c = driver::compile_file(file.string());
  std::string out;
  if (c.has_errors()) {
    for (const auto& d : c.diagnostics().all())
      if (d.severity == diagnostics::Severity::Error)
        out += "error[" + std::string(diagnostics::info(d.code).id) + "]: " + d.message + "\n";
    return out;
  }
  for (const auto& e : c.lowered->errors) out += "lowering error: " + e + "\n";
  // The canonical form must round-trip for every golden module.
  std::string text = ir::serialize(c.lowered->module), error;
  auto back = ir::parse_module(text, &error);
  if (!back) out += "round trip failed: " + error + "\n";
  else if (ir::serialize(*back) != text) out += "round trip changed the module\n";
  return out + ir::dump(c.lowered->module);
}

class IrDump : public ::testing::TestWithParam<fs::path> {};

TEST_P(IrDump, MatchesTheExpectationBlock) {
  TextCase c = read_text_case(GetParam());
  check_text_case(c, lines_of(actual_output(GetParam())));
}

INSTANTIATE_TEST_SUITE_P(Files, IrDump, ::testing::ValuesIn(ir_cases()),
                         [](const ::testing::TestParamInfo<fs::path>& i) { return test_name(i.param); });

TEST(IrDumpCoverage, EveryNodeKindHasAGolden) {
  std::string all;
  for (const auto& f : ir_cases())
    for (const auto& l : read_text_case(f).expected) all += l + "\n";
  for (auto k : {"call", "child_flow", "assign", "choice", "fork", "join", "map", "yield", "timer", "wait_signal",
                 "emit", "try:", "succeed", "fail"})
    EXPECT_NE(all.find(std::string("] ") + k), std::string::npos) << "no golden shows a `" << k << "` node";
}

}  // namespace
}  // namespace weft::golden
