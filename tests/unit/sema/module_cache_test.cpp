// ModuleCache: imported files are reused between checks while their text and the texts of what
// they import are unchanged, and parsed and checked again (re-read) as soon as one changes.
#include <gtest/gtest.h>

#include <map>

#include "compiler/diagnostics/render.h"
#include "compiler/sema/check.h"

using namespace weft;
using namespace weft::sema;

namespace {

/// Serves files from memory and counts the reads of each path.
class CountingLoader : public Loader {
 public:
  std::map<std::string, std::string> files;
  std::map<std::string, int> reads;
  bool read(const std::string& path, std::string& text, std::string& error) override {
    ++reads[path];
    auto it = files.find(path);
    if (it == files.end()) {
      error = "No such file or directory";
      return false;
    }
    text = it->second;
    return true;
  }
};

CheckedProgram check_main(CountingLoader& l, ModuleCache& cache) {
  return check_source(std::make_shared<diagnostics::SourceFile>("main.flow", l.files.at("main.flow")), l, &cache);
}

std::string codes(const CheckedProgram& p) {
  std::string out;
  for (const auto& d : p.diagnostics.all()) out += (out.empty() ? "" : " ") + std::string(diagnostics::info(d.code).id);
  return out;
}

const ModuleUnit* unit(const CheckedProgram& p, const std::string& path) {
  const ModuleUnit* found = nullptr;
  for (const auto& m : p.modules)
    if (m->path == path) {
      EXPECT_EQ(found, nullptr) << path << " is in the program twice";
      found = m.get();
    }
  return found;
}

TEST(ModuleCache, UnchangedImportIsReusedWithItsDiagnostics) {
  CountingLoader l;
  l.files["lib.flow"] = "type Contact { id: string }\nfn bad() -> int = \"x\"\n";
  l.files["main.flow"] = "import \"./lib.flow\" as lib\nfn f(c: lib.Contact) -> string = c.id\n";
  ModuleCache cache;
  auto first = check_main(l, cache);
  EXPECT_EQ(codes(first), "E0201") << "lib's own error is part of the program";
  l.files["main.flow"] = "import \"./lib.flow\" as lib\nfn f(c: lib.Contact) -> int = c.id\n";
  auto second = check_main(l, cache);
  EXPECT_EQ(cache.stats().loaded, 1u);
  EXPECT_EQ(cache.stats().reused, 1u);
  EXPECT_EQ(unit(second, "lib.flow"), unit(first, "lib.flow"));  // the very same parsed and checked unit
  EXPECT_EQ(l.reads["lib.flow"], 2);                              // but read again, to compare
  EXPECT_EQ(codes(second), "E0201 E0201") << "lib's error and main's new one";
  // The reused unit's types still work for the importer: references resolve across.
  const Symbol* contact = unit(second, "lib.flow")->checked.lookup("Contact");
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(second.references_to(contact).size(), 1u);
}

TEST(ModuleCache, ChangedImportIsParsedAgain) {
  CountingLoader l;
  l.files["lib.flow"] = "const LIMIT = 1\n";
  l.files["main.flow"] = "import \"./lib.flow\" as lib\nfn a() -> int = lib.LIMIT\n";
  ModuleCache cache;
  auto first = check_main(l, cache);
  EXPECT_EQ(codes(first), "");
  l.files["lib.flow"] = "const LIMIT = \"text\"\n";
  auto second = check_main(l, cache);
  EXPECT_EQ(cache.stats().loaded, 2u);
  EXPECT_EQ(cache.stats().reused, 0u);
  EXPECT_NE(unit(second, "lib.flow"), unit(first, "lib.flow"));
  EXPECT_NE(codes(second), "");
  // And back: the new text is cached now.
  auto third = check_main(l, cache);
  EXPECT_EQ(unit(third, "lib.flow"), unit(second, "lib.flow"));
  EXPECT_EQ(codes(third), codes(second));
}

TEST(ModuleCache, ChangeDeepInTheImportChainReloadsTheChain) {
  CountingLoader l;
  l.files["c.flow"] = "const C = 1\n";
  l.files["b.flow"] = "import \"./c.flow\" as c\nconst B = c.C\n";
  l.files["main.flow"] = "import \"./b.flow\" as b\nfn a() -> int = b.B\n";
  ModuleCache cache;
  auto first = check_main(l, cache);
  EXPECT_EQ(codes(first), "");
  auto same = check_main(l, cache);
  EXPECT_EQ(unit(same, "b.flow"), unit(first, "b.flow"));
  EXPECT_EQ(unit(same, "c.flow"), unit(first, "c.flow"));
  EXPECT_EQ(same.modules.size(), 3u);
  l.files["c.flow"] = "const C = true\n";  // b.flow's text is unchanged, but what it imports is not
  auto second = check_main(l, cache);
  EXPECT_NE(unit(second, "b.flow"), unit(first, "b.flow"));
  EXPECT_NE(unit(second, "c.flow"), unit(first, "c.flow"));
  EXPECT_EQ(codes(second), "E0201");  // a bool is not an int
}

TEST(ModuleCache, DiamondKeepsOneUnitPerFile) {
  CountingLoader l;
  l.files["a.flow"] = "type T { x: int }\n";
  l.files["b.flow"] = "import \"./a.flow\" as a\nfn mk() -> a.T = { x: 1 }\n";
  l.files["main.flow"] = "import \"./a.flow\" as a\nimport \"./b.flow\" as b\nfn t() -> a.T = b.mk()\n";
  ModuleCache cache;
  EXPECT_EQ(codes(check_main(l, cache)), "");
  auto again = check_main(l, cache);
  EXPECT_EQ(codes(again), "");
  EXPECT_EQ(again.modules.size(), 3u);
  l.files["a.flow"] = "type T { x: int, y?: string }\n";
  auto changed = check_main(l, cache);
  EXPECT_EQ(codes(changed), "");
  EXPECT_EQ(changed.modules.size(), 3u);
  EXPECT_NE(unit(changed, "b.flow"), unit(again, "b.flow"));  // b was checked against the old a
}

TEST(ModuleCache, CyclesAndUnreadableImportsAreNotCached) {
  CountingLoader l;
  l.files["a.flow"] = "import \"./main.flow\" as m\nconst A = 1\n";
  l.files["b.flow"] = "import \"./gone.flow\" as g\nconst B = 1\n";
  l.files["main.flow"] = "import \"./a.flow\" as a\nimport \"./b.flow\" as b\nconst x = a.A\n";
  ModuleCache cache;
  EXPECT_EQ(codes(check_main(l, cache)), "E0105 E0106");
  EXPECT_EQ(cache.find("a.flow"), nullptr);
  EXPECT_EQ(cache.find("b.flow"), nullptr);
  l.files["gone.flow"] = "const G = 1\n";  // the missing file appears
  auto second = check_main(l, cache);
  EXPECT_EQ(codes(second), "E0105");
  EXPECT_NE(unit(second, "gone.flow"), nullptr);
  EXPECT_NE(cache.find("b.flow"), nullptr);
  EXPECT_EQ(cache.stats().reused, 0u);
}

TEST(ModuleCache, WithoutACacheNothingIsShared) {
  CountingLoader l;
  l.files["lib.flow"] = "const L = 1\n";
  l.files["main.flow"] = "import \"./lib.flow\" as lib\nconst a = lib.L\n";
  auto first = check_file("main.flow", l);
  auto second = check_file("main.flow", l);
  EXPECT_NE(unit(first, "lib.flow"), unit(second, "lib.flow"));
}

}  // namespace
