// Formatting never changes a flow's version: every .flow file of the repository that compiles is
// compiled as written and formatted (imports formatted too), and each flow's IR version hash must
// be the same.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "compiler/ir/hash.h"
#include "compiler/driver/driver.h"
#include "format_test_util.h"

namespace fs = std::filesystem;

namespace {

/// Serves every file formatted (files with syntax errors as they are).
class FormattingLoader : public weft::sema::Loader {
 public:
  bool read(const std::string& path, std::string& text, std::string& error) override {
    if (!disk_.read(path, text, error)) return false;
    auto r = weft::format::format_source(std::make_shared<weft::diagnostics::SourceFile>(path, text));
    if (r.ok) text = r.text;
    return true;
  }

 private:
  weft::sema::FileLoader disk_;
};

/// flow name → version, or empty when the program has errors.
std::map<std::string, std::string> versions(const std::string& path, weft::sema::Loader& loader) {
  std::map<std::string, std::string> out;
  auto c = weft::driver::compile_file(path, loader);
  if (const weft::ir::Module* m = c.module())
    for (const auto& f : m->flows) out[f.name] = weft::ir::flow_version(*m, f);
  return out;
}

}  // namespace

TEST(Versions, FormattingKeepsEveryFlowVersion) {
  size_t flows = 0;
  fs::path root = WEFT_SOURCE_DIR;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.rfind("build", 0) == 0 || name == ".weft")) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->path().extension() != ".flow") continue;
    SCOPED_TRACE(it->path().string());
    weft::sema::FileLoader disk;
    FormattingLoader formatting;
    auto before = versions(it->path().string(), disk);
    if (before.empty()) continue;  // does not compile (error cases) or has no flows
    auto after = versions(it->path().string(), formatting);
    EXPECT_EQ(after, before);
    flows += before.size();
  }
  EXPECT_GE(flows, 5u) << "expected the examples' flows to compile";
}
