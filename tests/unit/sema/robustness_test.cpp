// The checker runs on whatever the parser recovers (the language server checks every keystroke):
// mutated and truncated versions of the golden cases must never crash it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/sema/check.h"

namespace fs = std::filesystem;
using namespace weft;

namespace {

class OneFileLoader : public sema::Loader {
 public:
  bool read(const std::string& path, std::string& text, std::string& error) override {
    error = "No such file or directory";
    return false;
  }
};

std::vector<std::string> sources() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(std::string(WEFT_SOURCE_DIR) + "/tests/golden/sema"))
    if (e.is_regular_file() && e.path().extension() == ".flow") {
      std::ifstream in(e.path());
      std::ostringstream ss;
      ss << in.rdbuf();
      std::string text = ss.str();
      out.push_back(text.substr(0, text.find("\n// > ")));
    }
  std::sort(out.begin(), out.end());
  return out;
}

size_t run(const std::string& text) {
  OneFileLoader loader;
  auto p = sema::check_source(std::make_shared<diagnostics::SourceFile>("fuzz.flow", text), loader);
  return p.diagnostics.all().size();
}

}  // namespace

TEST(SemaRobustness, TruncationsNeverCrash) {
  size_t checked = 0;
  for (const auto& s : sources()) {
    for (size_t cut = 0; cut < s.size(); cut += 7) {
      run(s.substr(0, cut));
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
}

TEST(SemaRobustness, RandomMutationsNeverCrash) {
  std::mt19937 rng(20261128);
  const std::string tokens[] = {"{", "}", "(", ")", "[", "]", ",", ".", "?.", "??", "=>", "step x = ", "let y = ",
                                "return ", "run ", "secret(\"s\")", "crm.get(", "<", ">", "\"", "${", "\n", "..."};
  size_t checked = 0;
  for (const auto& s : sources()) {
    if (s.empty()) continue;
    for (int i = 0; i < 40; ++i) {
      std::string m = s;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits && !m.empty(); ++k) {
        size_t at = rng() % m.size();
        switch (rng() % 4) {
          case 0: m.erase(at, 1 + rng() % 8); break;
          case 1: m.insert(at, tokens[rng() % std::size(tokens)]); break;
          case 2: m.insert(at, m.substr(rng() % m.size(), 1 + rng() % 20)); break;
          default: {
            size_t nl = m.find('\n', at);
            if (nl != std::string::npos) m.erase(at, nl - at);
          }
        }
      }
      run(m);
      ++checked;
    }
  }
  EXPECT_GT(checked, 3000u);
}
