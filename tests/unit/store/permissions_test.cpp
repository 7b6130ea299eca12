// The data directory is private: created 0700, its LMDB files 0600 (also files an earlier version
// created 0644).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "engine/store/store.h"
#include "tests/unit/store/test_util.h"

using namespace weft::store;
using weft::store::testing::TempDir;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

}  // namespace

TEST(StorePermissions, NewDirectoryIsOwnerOnly) {
  TempDir tmp;
  fs::path dir = fs::path(tmp.str()) / "data";
  ::umask(022);
  {
    auto r = Store::open(StoreOptions{.path = dir.string(), .sync = false});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
  }
  EXPECT_EQ(mode_of(dir), 0700u);
  EXPECT_EQ(mode_of(dir / "data.mdb"), 0600u);
  EXPECT_EQ(mode_of(dir / "lock.mdb"), 0600u);
}

TEST(StorePermissions, FilesOfAnEarlierVersionBecomePrivate) {
  TempDir tmp;
  fs::path dir = tmp.str();
  {
    auto r = Store::open(StoreOptions{.path = dir.string(), .sync = false});
    ASSERT_TRUE(r.ok()) << r.status().to_string();
  }
  fs::permissions(dir / "data.mdb", fs::perms(0644), fs::perm_options::replace);
  fs::permissions(dir / "lock.mdb", fs::perms(0644), fs::perm_options::replace);
  auto r = Store::open(StoreOptions{.path = dir.string(), .sync = false});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(mode_of(dir / "data.mdb"), 0600u);
  EXPECT_EQ(mode_of(dir / "lock.mdb"), 0600u);
}
