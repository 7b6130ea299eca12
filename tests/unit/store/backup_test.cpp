// Store::backup: a consistent copy taken while a writer keeps committing opens as a data directory
// holding a prefix of the writes (each batch all or nothing); a non-empty target is refused.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "engine/store/store.h"
#include "tests/unit/store/test_util.h"

using namespace weft::store;
using weft::store::testing::TempDir;

namespace {

std::unique_ptr<Store> open_at(const std::string& dir) {
  StoreOptions o;
  o.path = dir;
  o.sync = false;
  auto r = Store::open(o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r.value()) : nullptr;
}

}  // namespace

TEST(StoreBackup, CopyWhileWritingIsConsistent) {
  TempDir dir, target_parent;
  auto s = open_at(dir.str());
  ASSERT_TRUE(s);
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  // Each batch writes the pair a<n>, b<n> together: a copy must never hold one without the other.
  std::thread writer([&] {
    for (int n = 0; !stop && n < 100000; ++n) {
      WriteBatch b;
      b.put(Keyspace::meta, "a" + std::to_string(n), std::string(200, 'x'));
      b.put(Keyspace::flows, "b" + std::to_string(n), "y");
      ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
      written = n + 1;
    }
  });
  while (written < 200) std::this_thread::yield();
  std::string target = target_parent.str() + "/copy";
  ASSERT_TRUE(s->backup(target).ok());
  stop = true;
  writer.join();

  auto perms = std::filesystem::status(target + "/data.mdb").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none);
  auto copy = open_at(target);
  ASSERT_TRUE(copy);
  auto txn = copy->read();
  int as = 0, bs = 0;
  txn.scan(Keyspace::meta, Range::prefix("a"), {}, [&](std::string_view, std::string_view) { return ++as, true; });
  txn.scan(Keyspace::flows, Range::prefix("b"), {}, [&](std::string_view, std::string_view) { return ++bs, true; });
  EXPECT_GE(as, 200);
  EXPECT_EQ(as, bs);
  EXPECT_LE(as, written.load());

  // A second backup into the same, now non-empty, directory is refused.
  auto again = s->backup(target);
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.to_string().find("not empty"), std::string::npos);
}
