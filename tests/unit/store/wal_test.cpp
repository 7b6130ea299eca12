// The write-ahead log in front of LMDB: its file format and recovery, what the owning process's
// readers see before a checkpoint, a crash with LMDB behind the log, and other processes that
// write the same directory while an owner lives or after it died.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include "engine/store/keys.h"
#include "engine/store/overlay.h"
#include "engine/store/store.h"
#include "engine/store/wal.h"
#include "tests/unit/store/test_util.h"

using namespace weft::store;
using weft::store::detail::LogOp;
using weft::store::detail::WriteAheadLog;
using weft::store::testing::get;
using weft::store::testing::TempDir;

namespace {

// A store that owns the log and never commits LMDB on its own (only at open and close).
std::unique_ptr<Store> open_lazy(const std::string& dir, bool sync = false) {
  StoreOptions o;
  o.path = dir;
  o.sync = sync;
  o.checkpoint_ms = 3'600'000;
  return weft::store::testing::open_or_fail(o);
}

std::vector<std::string> keys(Store& s, Keyspace ks, ScanOptions opts = {}) {
  std::vector<std::string> out;
  auto txn = s.read();
  txn.scan(ks, Range::all(), opts, [&](std::string_view k, std::string_view) {
    out.emplace_back(k);
    return true;
  });
  return out;
}

// Runs `body` in a forked child that ends with _exit (no destructor, no close: like a crash
// after its last acknowledged commit); the child's exit code (0 = fine).
int in_child(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

std::vector<LogOp> ops_for(int i) {
  return {LogOp{false, Keyspace::meta, "k" + std::to_string(i), "v" + std::to_string(i)},
          LogOp{true, Keyspace::history, "gone", ""}};
}

}  // namespace

// ---- the file ----

TEST(WriteAheadLog, Crc32cMatchesTheStandardCheckValue) {
  EXPECT_EQ(weft::store::detail::crc32c("123456789", 9), 0xE3069283u);
  // In pieces (any split, across the 8-byte steps) as at once.
  std::string text(1000, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 7 + 3);
  std::uint32_t whole = weft::store::detail::crc32c(text.data(), text.size());
  for (std::size_t cut : {1u, 7u, 8u, 13u, 500u, 999u})
    EXPECT_EQ(weft::store::detail::crc32c(text.data() + cut, text.size() - cut,
                                          weft::store::detail::crc32c(text.data(), cut)),
              whole);
}

TEST(WriteAheadLog, RecoversTheRecordsAfterTheCheckpointInOrder) {
  TempDir dir;
  std::string path = dir.str() + "/wal.log";
  {
    auto log = WriteAheadLog::open(path, true);
    ASSERT_TRUE(log.ok());
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log.value()->append(i, ops_for(i)).ok());
  }
  auto log = WriteAheadLog::open(path, false);
  auto all = log.value()->recover(0);
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all.value().size(), 5u);
  EXPECT_EQ(all.value()[4].seq, 5u);
  ASSERT_EQ(all.value()[4].ops.size(), 2u);
  EXPECT_EQ(all.value()[4].ops[0].key, "k5");
  EXPECT_EQ(all.value()[4].ops[0].value, "v5");
  EXPECT_TRUE(all.value()[4].ops[1].del);
  EXPECT_EQ(all.value()[4].ops[1].ks, Keyspace::history);
  auto after3 = log.value()->recover(3);
  ASSERT_EQ(after3.value().size(), 2u);
  EXPECT_EQ(after3.value()[0].seq, 4u);
  EXPECT_TRUE(log.value()->recover(5).value().empty());
  // The quick look reads the first record only: records start after the last checkpoint's rewind.
  EXPECT_FALSE(log.value()->may_follow(5));
  EXPECT_TRUE(log.value()->may_follow(0));
}

TEST(WriteAheadLog, ATornOrCorruptRecordEndsTheLog) {
  TempDir dir;
  std::string path = dir.str() + "/wal.log";
  std::uint64_t end_of_two = 0;
  {
    auto log = WriteAheadLog::open(path, false);
    for (int i = 1; i <= 2; ++i) ASSERT_TRUE(log.value()->append(i, ops_for(i)).ok());
    end_of_two = log.value()->bytes();
    ASSERT_TRUE(log.value()->append(3, ops_for(3)).ok());
  }
  // A flipped byte in record 3's payload: records 1 and 2 stay, 3 is dropped.
  {
    int fd = ::open(path.c_str(), O_RDWR);
    char c;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(end_of_two + 20)), 1);
    c ^= 0x40;
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(end_of_two + 20)), 1);
    ::close(fd);
  }
  auto log = WriteAheadLog::open(path, false);
  auto got = log.value()->recover(0);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value().size(), 2u);
  // Cut short in the middle of record 2 (a torn append): only record 1.
  std::filesystem::resize_file(path, end_of_two - 3);
  auto cut = WriteAheadLog::open(path, false);
  EXPECT_EQ(cut.value()->recover(0).value().size(), 1u);
}

TEST(WriteAheadLog, AfterARewindOlderRecordsBeyondTheNewOnesAreNotReplayed) {
  TempDir dir;
  std::string path = dir.str() + "/wal.log";
  {
    auto log = WriteAheadLog::open(path, false);
    for (int i = 1; i <= 6; ++i) ASSERT_TRUE(log.value()->append(i, ops_for(i)).ok());
    log.value()->rewind();  // records 1..6 are in the data file now
    ASSERT_TRUE(log.value()->append(7, ops_for(7)).ok());
  }
  auto log = WriteAheadLog::open(path, false);
  auto got = log.value()->recover(6);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_EQ(got.value().size(), 1u);
  EXPECT_EQ(got.value()[0].seq, 7u);
  // A log that does not continue the data file (the data file is older: restored from a backup).
  auto foreign = log.value()->recover(3);
  EXPECT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("does not continue"), std::string::npos);
}

// ---- the overlay ----

TEST(Overlay, AReaderKeepsTheVersionsItMayNeedAndNothingOutlivesTheLastOne) {
  weft::store::detail::Overlay ov;
  auto ops = [](const std::string& v) { return std::vector<LogOp>{LogOp{false, Keyspace::meta, "k", v}}; };
  auto a = ops("1"), b = ops("2");
  ov.publish(1, a);
  auto r1 = ov.enter();  // sees record 1
  ov.publish(2, b);
  auto r2 = ov.enter();  // sees records 1 and 2
  ASSERT_EQ(*ov.find(Keyspace::meta, "k", r1)->value, "1");
  ASSERT_EQ(*ov.find(Keyspace::meta, "k", r2)->value, "2");
  ov.checkpointed(2);  // LMDB holds both now, but r1 and r2 began before
  EXPECT_EQ(ov.size(), 1u);
  EXPECT_EQ(*ov.find(Keyspace::meta, "k", r1)->value, "1");
  auto r3 = ov.enter();  // begins after the checkpoint: LMDB answers
  EXPECT_FALSE(ov.find(Keyspace::meta, "k", r3).has_value());
  ov.leave(r3);
  ov.leave(r2);
  EXPECT_EQ(ov.size(), 1u);  // r1 still holds record 1
  ov.leave(r1);
  EXPECT_EQ(ov.size(), 0u);
  // A default window (a process without the log) sees nothing and needs no leave().
  EXPECT_FALSE(ov.find(Keyspace::meta, "k", weft::store::detail::Overlay::Window{}).has_value());
}

// ---- one process: the owner ----

TEST(WalStore, ReadsSeeLoggedWritesBeforeTheCheckpointAsOneSnapshot) {
  TempDir dir;
  auto s = open_lazy(dir.str());
  ASSERT_TRUE(s->stats().log_owner);
  std::uint64_t checkpoints = s->stats().checkpoints;
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "k" + std::to_string(i), "1")).ok());
  EXPECT_EQ(s->stats().checkpoints, checkpoints);  // nothing went to LMDB yet
  EXPECT_EQ(s->stats().log_appends, 10u);
  EXPECT_EQ(get(*s, Keyspace::meta, "k3"), "1");
  auto before = s->read();  // a snapshot taken now does not see later writes
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "k3", "2").del(Keyspace::meta, "k4")).ok());
  EXPECT_EQ(before.get(Keyspace::meta, "k3"), std::optional<std::string_view>("1"));
  EXPECT_TRUE(before.get(Keyspace::meta, "k4").has_value());
  EXPECT_EQ(before.collect(Keyspace::meta, Range::all()).size(), 10u);
  EXPECT_EQ(get(*s, Keyspace::meta, "k3"), "2");
  EXPECT_EQ(get(*s, Keyspace::meta, "k4"), std::nullopt);
  // Appends number after logged appends; conditions see logged writes.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->commit_sync(WriteBatch().append(Keyspace::events, "p", "x")).ok());
  auto events = keys(*s, Keyspace::events);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(key::decode_u64(std::string_view(events[2]).substr(1)), 3u);
  EXPECT_EQ(s->commit_sync(WriteBatch().expect_absent(Keyspace::meta, "k1").put(Keyspace::meta, "z", "1")).code(),
            Errc::conflict);
  EXPECT_TRUE(s->commit_sync(WriteBatch().expect_absent(Keyspace::meta, "k4").put(Keyspace::meta, "k4", "back")).ok());
}

TEST(WalStore, ScansMergeLoggedWritesWithLmdbBothWays) {
  TempDir dir;
  {
    auto s = open_lazy(dir.str());
    WriteBatch b;
    for (int i = 0; i < 20; i += 2) b.put(Keyspace::cursors, key::u64(i), "lmdb");
    ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
  }  // closed: LMDB holds 0, 2, ..., 18
  auto s = open_lazy(dir.str());
  WriteBatch b;
  for (int i = 1; i < 20; i += 4) b.put(Keyspace::cursors, key::u64(i), "log");  // 1, 5, 9, 13, 17
  b.del(Keyspace::cursors, key::u64(4)).put(Keyspace::cursors, key::u64(6), "log").put(Keyspace::cursors, key::u64(25), "log");
  ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
  std::vector<int> expect = {0, 1, 2, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 25};
  {
  auto txn = s->read();
  std::vector<int> forward, backward, window;
  std::string six;
  txn.scan(Keyspace::cursors, Range::all(), {}, [&](std::string_view k, std::string_view v) {
    forward.push_back(static_cast<int>(key::decode_u64(k)));
    if (key::decode_u64(k) == 6) six = std::string(v);
    return true;
  });
  EXPECT_EQ(forward, expect);
  EXPECT_EQ(six, "log");
  txn.scan(Keyspace::cursors, Range::all(), ScanOptions{0, true}, [&](std::string_view k, std::string_view) {
    backward.push_back(static_cast<int>(key::decode_u64(k)));
    return true;
  });
  EXPECT_EQ(backward, std::vector<int>(expect.rbegin(), expect.rend()));
  // A bounded range with a limit, in reverse: [3, 14) → 13, 12, 10, 9.
  txn.scan(Keyspace::cursors, Range::between(key::u64(3), key::u64(14)), ScanOptions{4, true},
           [&](std::string_view k, std::string_view) {
             window.push_back(static_cast<int>(key::decode_u64(k)));
             return true;
           });
  EXPECT_EQ(window, (std::vector<int>{13, 12, 10, 9}));
  auto last = txn.last(Keyspace::cursors, Range::between(key::u64(0), key::u64(8)));
  ASSERT_TRUE(last);
  EXPECT_EQ(key::decode_u64(last->key), 6u);
  }
  // The same after the writes went to LMDB.
  s.reset();
  auto again = open_lazy(dir.str());
  std::vector<int> after;
  for (const auto& k : keys(*again, Keyspace::cursors)) after.push_back(static_cast<int>(key::decode_u64(k)));
  EXPECT_EQ(after, expect);
}

// Inline commits use the writer's open transaction: right after open, while the writer thread
// starts, they must never run beside it (this crashed in LMDB when the writer opened its first
// transaction outside the queue's turns).
TEST(WalStore, InlineCommitsRightAfterOpenNeverRunBesideTheWriter) {
  TempDir dir;
  for (int round = 0; round < 40; ++round) {
    auto s = open_lazy(dir.str());
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 20; ++i) {
          std::promise<void> one;
          s->commit(WriteBatch().append(Keyspace::events, "e", std::to_string(t)), [&](const Status& st) {
            ok += st.ok();
            one.set_value();
          }, Store::Mode::inline_when_idle);
          one.get_future().wait();
        }
      });
    for (auto& th : threads) th.join();
    ASSERT_EQ(ok.load(), 60);
    ASSERT_EQ(keys(*s, Keyspace::events).size(), 60u * (round + 1));
  }
}

// A batch that overflows the map in the middle of the open transaction spoils it: the writer
// drops it, grows the map, builds it again from the log (the logged writes before stay) and
// commits the batch; inline, the batch is left to the writer.
TEST(WalStore, ABatchThatFillsTheMapLeavesTheLoggedWritesBeforeIt) {
  TempDir dir;
  StoreOptions o;
  o.path = dir.str();
  o.sync = false;
  o.checkpoint_ms = 3'600'000;
  o.initial_map_size = 256 << 10;
  auto r = Store::open(o);
  ASSERT_TRUE(r.ok());
  auto& s = *r.value();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(s.commit_sync(WriteBatch().put(Keyspace::meta, "before" + std::to_string(i), "1")).ok());
  WriteBatch huge;
  for (int i = 0; i < 512; ++i) huge.put(Keyspace::history, key::u64(i), std::string(4000, 'x'));  // 2 MiB
  std::promise<Status> done;
  s.commit(std::move(huge), [&](const Status& st) { done.set_value(st); }, Store::Mode::inline_when_idle);
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_GT(s.stats().map_resizes, 0u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(get(s, Keyspace::meta, "before" + std::to_string(i)), "1");
  EXPECT_EQ(get(s, Keyspace::history, key::u64(511)), std::string(4000, 'x'));
  ASSERT_TRUE(s.commit_sync(WriteBatch().put(Keyspace::meta, "after", "1")).ok());
  r.value().reset();
  auto again = open_lazy(dir.str());
  EXPECT_EQ(get(*again, Keyspace::meta, "before19"), "1");
  EXPECT_EQ(get(*again, Keyspace::meta, "after"), "1");
  EXPECT_EQ(keys(*again, Keyspace::history).size(), 512u);
}

TEST(WalStore, BackupHoldsEveryAcknowledgedWrite) {
  TempDir dir, copy;
  auto s = open_lazy(dir.str());
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::secrets, "a", "1")).ok());
  std::filesystem::remove_all(copy.str());
  ASSERT_TRUE(s->backup(copy.str()).ok());
  EXPECT_EQ(std::filesystem::exists(copy.str() + "/wal.log"), false);
  s.reset();
  auto b = open_lazy(copy.str());
  EXPECT_EQ(get(*b, Keyspace::secrets, "a"), "1");
}

// ---- crashes and other processes ----

TEST(WalStore, ACrashWithLmdbBehindTheLogLosesNothing) {
  TempDir dir;
  int code = in_child([&] {
    auto s = open_lazy(dir.str(), true);
    if (!s || !s->stats().log_owner) return 1;
    std::uint64_t at_open = s->stats().checkpoints;
    for (int i = 0; i < 200; ++i) {
      WriteBatch b;
      b.put(Keyspace::meta, "k" + std::to_string(i), std::to_string(i)).append(Keyspace::events, "e", "x");
      if (!s->commit_sync(std::move(b)).ok()) return 2;
    }
    return s->stats().checkpoints == at_open ? 0 : 3;  // LMDB holds none of them
  });
  ASSERT_EQ(code, 0);
  auto s = open_lazy(dir.str());
  for (int i = 0; i < 200; i += 37) EXPECT_EQ(get(*s, Keyspace::meta, "k" + std::to_string(i)), std::to_string(i));
  auto events = keys(*s, Keyspace::events);
  ASSERT_EQ(events.size(), 200u);
  EXPECT_EQ(key::decode_u64(std::string_view(events.back()).substr(1)), 200u);
  // The sequence goes on: a second crash and recovery on top of the first.
  ASSERT_TRUE(s->commit_sync(WriteBatch().append(Keyspace::events, "e", "y")).ok());
  s.reset();
  ASSERT_EQ(in_child([&] {
              auto c = open_lazy(dir.str(), true);
              return c && c->commit_sync(WriteBatch().append(Keyspace::events, "e", "z")).ok() ? 0 : 1;
            }),
            0);
  auto again = open_lazy(dir.str());
  EXPECT_EQ(keys(*again, Keyspace::events).size(), 202u);
}

TEST(WalStore, AnotherProcessWritesInTurnsWithALivingOwner) {
  TempDir dir;
  auto owner = open_lazy(dir.str());
  ASSERT_TRUE(owner->commit_sync(WriteBatch().put(Keyspace::meta, "owner", "1").append(Keyspace::events, "e", "o")).ok());
  int code = in_child([&] {
    StoreOptions o;
    o.path = dir.str();
    o.sync = false;
    auto r = Store::open(o);  // not the owner: it sees what the owner acknowledged, then writes
    if (!r.ok() || r.value()->stats().log_owner) return 1;
    auto& s = *r.value();
    if (get(s, Keyspace::meta, "owner") != "1") return 2;
    for (int i = 0; i < 20; ++i)
      if (!s.commit_sync(WriteBatch().append(Keyspace::events, "e", "c")).ok()) return 3;
    return 0;
  });
  ASSERT_EQ(code, 0);
  // The owner's next appends follow the child's; nothing collided.
  ASSERT_TRUE(owner->commit_sync(WriteBatch().append(Keyspace::events, "e", "o")).ok());
  auto events = keys(*owner, Keyspace::events);
  ASSERT_EQ(events.size(), 22u);
  for (std::size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(key::decode_u64(std::string_view(events[i]).substr(1)), i + 1);
}

TEST(WalStore, ALogWhoseOwnerDiedIsTakenInBeforeAnotherProcessWrites) {
  TempDir dir;
  int to_child[2], from_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  ASSERT_EQ(pipe(from_child), 0);
  pid_t pid = fork();
  if (pid == 0) {
    // The owner: logs writes LMDB never gets (no checkpoint), then dies by SIGKILL.
    auto s = open_lazy(dir.str(), true);
    char go = 0;
    if (!s || write(from_child[1], "o", 1) != 1 || read(to_child[0], &go, 1) != 1) _exit(1);
    for (int i = 0; i < 50; ++i)
      if (!s->commit_sync(WriteBatch().append(Keyspace::events, "e", "owner").put(Keyspace::meta, "last", std::to_string(i))).ok())
        _exit(2);
    if (write(from_child[1], "d", 1) != 1) _exit(3);
    pause();
    _exit(4);
  }
  char c = 0;
  ASSERT_EQ(read(from_child[0], &c, 1), 1);
  StoreOptions o;
  o.path = dir.str();
  o.sync = false;
  auto r = Store::open(o);  // opened while the owner lives: not the owner
  ASSERT_TRUE(r.ok());
  auto& s = *r.value();
  EXPECT_FALSE(s.stats().log_owner);
  ASSERT_EQ(write(to_child[1], "g", 1), 1);
  ASSERT_EQ(read(from_child[0], &c, 1), 1);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // This process writes next: the dead owner's 50 logged writes come first.
  ASSERT_TRUE(s.commit_sync(WriteBatch().append(Keyspace::events, "e", "mine")).ok());
  EXPECT_EQ(get(s, Keyspace::meta, "last"), "49");
  auto events = keys(s, Keyspace::events);
  ASSERT_EQ(events.size(), 51u);
  auto txn = s.read();
  EXPECT_EQ(txn.get(Keyspace::events, events.back()), std::optional<std::string_view>("mine"));
}
