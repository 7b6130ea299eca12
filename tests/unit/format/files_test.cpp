// format_files (what `weft fmt` runs): rewrite in place, --check, syntax errors, I/O errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/format/files.h"

namespace fs = std::filesystem;
using weft::format::format_files;

namespace {

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weft_fmt_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string put(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  static std::string get(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

}  // namespace

TEST_F(Files, RewritesOnlyFilesThatChangeAndKeepsPermissions) {
  auto a = put("a.flow", "const  X=1\n");
  auto b = put("b.flow", "const X = 1\n");
  fs::permissions(a, fs::perms::owner_read | fs::perms::owner_write);
  auto b_time = fs::last_write_time(b);
  std::ostringstream out, err;
  EXPECT_EQ(format_files({a, b}, false, out, err), 0) << err.str();
  EXPECT_EQ(get(a), "const X = 1\n");
  EXPECT_EQ(get(b), "const X = 1\n");
  EXPECT_EQ(fs::last_write_time(b), b_time);
  EXPECT_EQ(fs::status(a).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(out.str(), "");
  EXPECT_FALSE(fs::exists(a + ".weft-fmt.tmp"));
}

TEST_F(Files, CheckListsFilesThatWouldChangeAndWritesNothing) {
  auto a = put("a.flow", "const  X=1\n");
  auto b = put("b.flow", "const X = 1\n");
  std::ostringstream out, err;
  EXPECT_EQ(format_files({a, b}, true, out, err), 1);
  EXPECT_EQ(out.str(), a + "\n");
  EXPECT_EQ(get(a), "const  X=1\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(format_files({b}, true, out2, err2), 0);
  EXPECT_EQ(out2.str(), "");
}

TEST_F(Files, SyntaxErrorsAreReportedAndTheFileLeftAlone) {
  auto bad = put("bad.flow", "flow f( {\n");
  auto good = put("good.flow", "const  X=1\n");
  std::ostringstream out, err;
  EXPECT_EQ(format_files({bad, good}, false, out, err), 1);
  EXPECT_EQ(get(bad), "flow f( {\n");
  EXPECT_EQ(get(good), "const X = 1\n");
  EXPECT_NE(err.str().find("error[E0"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("bad.flow:1:"), std::string::npos) << err.str();
}

TEST_F(Files, UnreadableFileIsAnIoError) {
  auto good = put("good.flow", "const  X=1\n");
  std::ostringstream out, err;
  EXPECT_EQ(format_files({(dir_ / "missing.flow").string(), good}, false, out, err), 2);
  EXPECT_NE(err.str().find("cannot read"), std::string::npos);
  EXPECT_EQ(get(good), "const X = 1\n");
}

TEST_F(Files, SymlinksAreFollowed) {
  auto a = put("a.flow", "const  X=1\n");
  auto l = (dir_ / "l.flow").string();
  fs::create_symlink(a, l);
  std::ostringstream out, err;
  EXPECT_EQ(format_files({l}, false, out, err), 0) << err.str();
  EXPECT_TRUE(fs::is_symlink(l));
  EXPECT_EQ(get(a), "const X = 1\n");
}
