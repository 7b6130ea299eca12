// The compiler driver: one entry point from source text (in memory or on disk) to diagnostics,
// the checked program and the lowered module; imports read through a resolver.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "compiler/driver/driver.h"
#include "compiler/ir/hash.h"

namespace weft::driver {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

const char* kMain = R"(import "./lib/common.flow" as common

flow hello(name: string) -> string {
  return common.greet(name)
}
)";
const char* kLib = R"(fn greet(name: string) -> string = "hello ${name}"
)";

TEST(Driver, CompilesFromMemoryWithImportsFromAMap) {
  MemoryResolver r(Files{{"/app/lib/common.flow", kLib}});
  Compilation c = compile_source("/app/main.flow", kMain, r);
  EXPECT_FALSE(c.has_errors());
  ASSERT_NE(c.module(), nullptr);
  EXPECT_NE(c.module()->find_flow("hello"), nullptr);
  EXPECT_NE(c.module()->find_fn("common.greet"), nullptr);
  ASSERT_EQ(c.program.modules.size(), 2u);
  EXPECT_EQ(c.program.modules[1]->path, "/app/lib/common.flow");
}

TEST(Driver, MissingImportIsADiagnosticAndNothingIsLowered) {
  MemoryResolver r;
  Compilation c = compile_source("/app/main.flow", kMain, r);
  ASSERT_TRUE(c.has_errors());
  EXPECT_EQ(c.diagnostics().all()[0].code, diagnostics::Code::E0106);
  EXPECT_FALSE(c.lowered);
  EXPECT_EQ(c.module(), nullptr);
}

TEST(Driver, CheckOnlyDoesNotLower) {
  MemoryResolver r(Files{{"/app/lib/common.flow", kLib}});
  Compilation c = compile_source("/app/main.flow", kMain, r, {.lower = false});
  EXPECT_FALSE(c.has_errors());
  EXPECT_FALSE(c.lowered);
  EXPECT_EQ(c.module(), nullptr);
}

TEST(Driver, ResolverNormalisesPaths) {
  MemoryResolver r(Files{{"/app/x/../lib/./common.flow", "fn f() -> int = 1\n"}});
  std::string text, error;
  EXPECT_TRUE(r.read("/app/lib/common.flow", text, error));
  EXPECT_EQ(text, "fn f() -> int = 1\n");
  EXPECT_FALSE(r.read("/app/lib/other.flow", text, error));
  EXPECT_EQ(error, "No such file or directory");
}

TEST(Driver, UnreadableFileIsE0009WithoutARange) {
  Compilation c = compile_file("/nonexistent/dir/absent.flow");
  ASSERT_EQ(c.diagnostics().all().size(), 1u);
  EXPECT_EQ(c.diagnostics().all()[0].code, diagnostics::Code::E0009);
  EXPECT_EQ(c.diagnostics().all()[0].range.file, nullptr);
  EXPECT_EQ(c.module(), nullptr);
}

TEST(Driver, FileAndMemoryGiveTheSameFlowVersions) {
  fs::path dir = fs::temp_directory_path() / ("weft_driver_" + std::to_string(::getpid()));
  fs::create_directories(dir / "lib");
  std::ofstream(dir / "main.flow") << kMain;
  std::ofstream(dir / "lib" / "common.flow") << kLib;
  Compilation from_disk = compile_file((dir / "main.flow").string());
  MemoryResolver r(Files{{(dir / "lib" / "common.flow").string(), kLib}});
  Compilation from_memory = compile_source((dir / "main.flow").string(), kMain, r);
  fs::remove_all(dir);
  ASSERT_NE(from_disk.module(), nullptr);
  ASSERT_NE(from_memory.module(), nullptr);
  const ir::Module& a = *from_disk.module();
  const ir::Module& b = *from_memory.module();
  EXPECT_EQ(ir::flow_version(a, *a.find_flow("hello")), ir::flow_version(b, *b.find_flow("hello")));
}

TEST(Driver, ImportCacheIsUsedWhenGiven) {
  MemoryResolver r(Files{{"/app/lib/common.flow", kLib}});
  sema::ModuleCache cache;
  compile_source("/app/main.flow", kMain, r, {.lower = false, .cache = &cache});
  Compilation again = compile_source("/app/main.flow", kMain, r, {.cache = &cache});
  EXPECT_EQ(cache.stats().loaded, 1u);
  EXPECT_EQ(cache.stats().reused, 1u);
  EXPECT_NE(again.module(), nullptr);
}

}  // namespace
}  // namespace weft::driver
