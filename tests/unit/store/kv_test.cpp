#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "engine/store/group_commit.h"
#include "engine/store/keys.h"
#include "engine/store/lmdb_raii.h"
#include "engine/store/store.h"
#include "tests/unit/store/test_util.h"

using namespace weft::store;
using weft::store::testing::get;
using weft::store::testing::TempDir;

namespace {

std::unique_ptr<Store> open_store(const std::string& dir, StoreOptions o = {}) {
  o.path = dir;
  if (o.sync) o.sync = false;  // tests do not need fsync; durability is exercised by reopen
  return weft::store::testing::open_or_fail(o);
}

}  // namespace

// ---- the internal RAII wrapper ----

TEST(LmdbRaii, TransactionAbortsUnlessCommitted) {
  TempDir dir;
  auto env = lmdb::Env::create();
  lmdb::check(mdb_env_set_maxdbs(env.handle(), 2), "maxdbs");
  lmdb::check(mdb_env_open(env.handle(), dir.str().c_str(), MDB_NOTLS | MDB_NOSYNC, 0644), "open");
  MDB_dbi dbi;
  {
    auto txn = lmdb::Txn::begin(env.handle());
    lmdb::check(mdb_dbi_open(txn.handle(), "t", MDB_CREATE, &dbi), "dbi");
    txn.commit();
    EXPECT_FALSE(txn.active());
  }
  {
    auto txn = lmdb::Txn::begin(env.handle());
    txn.put(dbi, "dropped", "1");
    // destroyed without commit
  }
  {
    auto txn = lmdb::Txn::begin(env.handle());
    txn.put(dbi, "kept", "2");
    lmdb::Txn moved = std::move(txn);
    EXPECT_FALSE(txn.active());
    EXPECT_TRUE(moved.active());
    moved.commit();
  }
  {
    auto txn = lmdb::Txn::begin(env.handle());
    txn.put(dbi, "aborted", "3");
    txn.abort();
    txn.abort();  // idempotent
  }
  auto rd = lmdb::Txn::begin(env.handle(), MDB_RDONLY);
  EXPECT_EQ(rd.get(dbi, "dropped"), std::nullopt);
  EXPECT_EQ(rd.get(dbi, "aborted"), std::nullopt);
  EXPECT_EQ(rd.get(dbi, "kept"), std::optional<std::string_view>("2"));
  {
    auto cur = lmdb::Cursor::open(rd, dbi);
    std::string_view k, v;
    ASSERT_TRUE(cur.get(MDB_FIRST, k, v));
    EXPECT_EQ(k, "kept");
    EXPECT_FALSE(cur.get(MDB_NEXT, k, v));
  }
  // Errors carry the LMDB code.
  try {
    rd.put(dbi, "x", "y");
    FAIL() << "a put in a read-only transaction must fail";
  } catch (const lmdb::Error& e) {
    EXPECT_EQ(e.rc(), EACCES);
  }
}

// ---- Store basics ----

TEST(Store, PutGetDeleteAndNotFoundIsAResult) {
  TempDir dir;
  auto s = open_store(dir.str());
  ASSERT_TRUE(s);
  WriteBatch b;
  b.put(Keyspace::meta, "a", "1").put(Keyspace::meta, "b", "2").put(Keyspace::flows, "a", "other");
  ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
  EXPECT_EQ(get(*s, Keyspace::meta, "a"), "1");
  EXPECT_EQ(get(*s, Keyspace::flows, "a"), "other");
  EXPECT_EQ(get(*s, Keyspace::meta, "zzz"), std::nullopt);
  EXPECT_EQ(get(*s, Keyspace::meta, ""), std::nullopt);  // bad keys are simply absent
  WriteBatch d;
  d.del(Keyspace::meta, "a").del(Keyspace::meta, "never-there");
  ASSERT_TRUE(s->commit_sync(std::move(d)).ok());
  EXPECT_EQ(get(*s, Keyspace::meta, "a"), std::nullopt);
  EXPECT_EQ(get(*s, Keyspace::meta, "b"), "2");
}

TEST(Store, InvalidKeysRejectTheWholeBatch) {
  TempDir dir;
  auto s = open_store(dir.str());
  WriteBatch b;
  b.put(Keyspace::meta, "fine", "1").put(Keyspace::meta, "", "x");
  auto st = s->commit_sync(std::move(b));
  EXPECT_EQ(st.code(), Errc::invalid_argument);
  WriteBatch big;
  big.put(Keyspace::meta, std::string(600, 'k'), "x");
  EXPECT_EQ(s->commit_sync(std::move(big)).code(), Errc::invalid_argument);
  EXPECT_EQ(get(*s, Keyspace::meta, "fine"), std::nullopt);
}

TEST(Store, ScansAreOrderedWithRangesLimitsAndReverse) {
  TempDir dir;
  auto s = open_store(dir.str());
  WriteBatch b;
  // Insert out of order; keys are (str, u64) tuples.
  for (std::uint64_t n : {30, 2, 1000, 7, 1}) {
    for (std::string name : {"alpha", "beta"}) {
      std::string k;
      key::append_str(k, name);
      key::append_u64(k, n);
      b.put(Keyspace::history, k, name + std::to_string(n));
    }
  }
  ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
  std::string alpha;
  key::append_str(alpha, "alpha");
  auto txn = s->read();
  auto all = txn.collect(Keyspace::history, Range::prefix(alpha));
  std::vector<std::string> vals;
  for (auto& e : all) vals.push_back(e.value);
  EXPECT_EQ(vals, (std::vector<std::string>{"alpha1", "alpha2", "alpha7", "alpha30", "alpha1000"}));

  auto rev = txn.collect(Keyspace::history, Range::prefix(alpha), ScanOptions{2, true});
  ASSERT_EQ(rev.size(), 2u);
  EXPECT_EQ(rev[0].value, "alpha1000");
  EXPECT_EQ(rev[1].value, "alpha30");

  std::string lo = alpha, hi = alpha;
  key::append_u64(lo, 2);
  key::append_u64(hi, 30);
  auto mid = txn.collect(Keyspace::history, Range::between(lo, hi));
  ASSERT_EQ(mid.size(), 2u);
  EXPECT_EQ(mid[0].value, "alpha2");
  EXPECT_EQ(mid[1].value, "alpha7");
  auto mid_rev = txn.collect(Keyspace::history, Range::between(lo, hi), ScanOptions{0, true});
  ASSERT_EQ(mid_rev.size(), 2u);
  EXPECT_EQ(mid_rev[0].value, "alpha7");

  EXPECT_EQ(txn.collect(Keyspace::history, Range::all()).size(), 10u);
  auto last_all = txn.last(Keyspace::history, Range::all());
  ASSERT_TRUE(last_all);
  EXPECT_EQ(last_all->value, "beta1000");
  EXPECT_EQ(txn.last(Keyspace::timers, Range::all()), std::nullopt);
  EXPECT_TRUE(txn.collect(Keyspace::history, Range::between(hi, lo)).empty());

  // Bounds longer than LMDB's key limit still scan correctly.
  std::string long_lo = alpha + std::string(600, '\0');
  auto from_long = txn.collect(Keyspace::history, Range{long_lo, std::nullopt});
  ASSERT_EQ(from_long.size(), 10u);  // every alpha key sorts after alpha+"\0\0..." (u64 > 0...)
  std::string long_hi = alpha + key::u64(7) + std::string(600, 'z');
  auto to_long = txn.collect(Keyspace::history, Range{alpha, long_hi}, ScanOptions{0, true});
  ASSERT_EQ(to_long.size(), 3u);
  EXPECT_EQ(to_long[0].value, "alpha7");
  std::string past = std::string(600, '\xFF');
  EXPECT_TRUE(txn.collect(Keyspace::history, Range{past, std::nullopt}).empty());
  EXPECT_EQ(txn.collect(Keyspace::history, Range{"", past}, ScanOptions{1, true}).at(0).value,
            "beta1000");

  // The visitor can stop early.
  int seen = 0;
  txn.scan(Keyspace::history, Range::all(), {}, [&](std::string_view, std::string_view) {
    return ++seen < 3;
  });
  EXPECT_EQ(seen, 3);
}

TEST(Store, AppendNumbersPerPrefixInCommitOrder) {
  TempDir dir;
  auto s = open_store(dir.str());
  WriteBatch b;
  b.append(Keyspace::events, "", "e1").append(Keyspace::events, "", "e2");
  b.append(Keyspace::signals, "x", "x1").append(Keyspace::signals, "y", "y1");
  ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
  WriteBatch c;
  c.append(Keyspace::events, "", "e3").append(Keyspace::signals, "x", "x2");
  ASSERT_TRUE(s->commit_sync(std::move(c)).ok());
  EXPECT_EQ(get(*s, Keyspace::events, key::u64(1)), "e1");
  EXPECT_EQ(get(*s, Keyspace::events, key::u64(2)), "e2");
  EXPECT_EQ(get(*s, Keyspace::events, key::u64(3)), "e3");
  EXPECT_EQ(get(*s, Keyspace::signals, "x" + key::u64(1)), "x1");
  EXPECT_EQ(get(*s, Keyspace::signals, "x" + key::u64(2)), "x2");
  EXPECT_EQ(get(*s, Keyspace::signals, "y" + key::u64(1)), "y1");
  // A deleted tail is not reused only if something stays after it: numbering follows the last key.
  WriteBatch d;
  d.del(Keyspace::events, key::u64(3)).append(Keyspace::events, "", "e4");
  ASSERT_TRUE(s->commit_sync(std::move(d)).ok());
  EXPECT_EQ(get(*s, Keyspace::events, key::u64(3)), "e4");
}

TEST(Store, ConditionsSkipTheWholeBatchOnConflict) {
  TempDir dir;
  auto s = open_store(dir.str());
  WriteBatch first;
  first.expect_absent(Keyspace::dedup, "hook-1").put(Keyspace::dedup, "hook-1", "exec-A");
  ASSERT_TRUE(s->commit_sync(std::move(first)).ok());

  WriteBatch again;
  again.expect_absent(Keyspace::dedup, "hook-1")
      .put(Keyspace::dedup, "hook-1", "exec-B")
      .put(Keyspace::executions, "exec-B", "{}");
  auto st = s->commit_sync(std::move(again));
  EXPECT_EQ(st.code(), Errc::conflict);
  EXPECT_NE(st.message().find("dedup/hook-1"), std::string::npos) << st.message();
  EXPECT_EQ(get(*s, Keyspace::dedup, "hook-1"), "exec-A");
  EXPECT_EQ(get(*s, Keyspace::executions, "exec-B"), std::nullopt);

  WriteBatch cas_ok;
  cas_ok.expect_value(Keyspace::dedup, "hook-1", "exec-A").put(Keyspace::dedup, "hook-1", "v2");
  EXPECT_TRUE(s->commit_sync(std::move(cas_ok)).ok());
  WriteBatch cas_stale;
  cas_stale.expect_value(Keyspace::dedup, "hook-1", "exec-A").put(Keyspace::dedup, "hook-1", "v3");
  EXPECT_EQ(s->commit_sync(std::move(cas_stale)).code(), Errc::conflict);
  WriteBatch present;
  present.expect_present(Keyspace::dedup, "nope").put(Keyspace::meta, "p", "1");
  EXPECT_EQ(s->commit_sync(std::move(present)).code(), Errc::conflict);
  EXPECT_EQ(get(*s, Keyspace::dedup, "hook-1"), "v2");
  EXPECT_EQ(s->stats().conflicts, 3u);
}

TEST(Store, ConditionsSeeEarlierBatchesOfTheSameGroup) {
  // Two claims of one key submitted back to back: exactly one wins, whether or not merged.
  for (std::size_t max_batch : {std::size_t{1}, std::size_t{4096}}) {
    TempDir dir;
    StoreOptions o;
    o.max_batch = max_batch;
    auto s = open_store(dir.str(), o);
    std::promise<void> gate, entered;
    auto gate_f = gate.get_future().share();
    // Block the writer inside a callback so the two claims pile up and merge.
    s->commit(WriteBatch().put(Keyspace::meta, "blocker", "1"), [gate_f, &entered](const Status&) {
      entered.set_value();
      gate_f.wait();
    });
    entered.get_future().wait();
    std::promise<Status> a, b;
    s->commit(WriteBatch().expect_absent(Keyspace::dedup, "k").put(Keyspace::dedup, "k", "A"),
              [&](const Status& st) { a.set_value(st); });
    s->commit(WriteBatch().expect_absent(Keyspace::dedup, "k").put(Keyspace::dedup, "k", "B"),
              [&](const Status& st) { b.set_value(st); });
    gate.set_value();
    EXPECT_TRUE(a.get_future().get().ok());
    EXPECT_EQ(b.get_future().get().code(), Errc::conflict);
    EXPECT_EQ(get(*s, Keyspace::dedup, "k"), "A");
    EXPECT_EQ(s->stats().largest_group, max_batch == 1 ? 1u : 2u);
  }
}

// ---- group commit ----

namespace {

struct GroupRun {
  StoreStats stats;
  std::size_t callbacks = 0;
  std::size_t ok = 0;
};

// Blocks the writer, has `threads` threads submit `per_thread` batches each, then releases it.
GroupRun run_blocked_group(Store& s, int threads, int per_thread) {
  std::promise<void> release, entered;
  auto release_f = release.get_future().share();
  s.commit(WriteBatch().put(Keyspace::meta, "blocker", "1"), [release_f, &entered](const Status&) {
    entered.set_value();
    release_f.wait();
  });
  entered.get_future().wait();  // the writer now waits inside the blocker's callback
  std::atomic<std::size_t> callbacks{0}, ok{0};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread> submitters;
  for (int t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        WriteBatch b;
        std::string k = "t" + std::to_string(t) + "/" + std::to_string(i);
        b.put(Keyspace::executions, k, "v" + k).append(Keyspace::history, k + "|", "h");
        s.commit(std::move(b), [&](const Status& st) {
          if (st.ok()) ++ok;
          std::lock_guard lock(mu);
          ++callbacks;
          cv.notify_all();
        });
      }
    });
  for (auto& th : submitters) th.join();
  release.set_value();
  std::size_t total = static_cast<std::size_t>(threads) * per_thread;
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return callbacks == total; });
  return GroupRun{s.stats(), callbacks, ok};
}

}  // namespace

TEST(GroupCommit, ManyThreadsMergeIntoFewTransactions) {
  TempDir dir;
  auto s = open_store(dir.str());
  auto run = run_blocked_group(*s, 8, 250);
  EXPECT_EQ(run.callbacks, 2000u);
  EXPECT_EQ(run.ok, 2000u);
  EXPECT_EQ(run.stats.failed, 0u);
  // The blocker's transaction, then everything queued behind it in one transaction.
  EXPECT_EQ(run.stats.transactions, 2u);
  EXPECT_EQ(run.stats.largest_group, 2000u);
  EXPECT_EQ(run.stats.batches, 2001u);
  auto txn = s->read();
  for (int t = 0; t < 8; ++t)
    for (int i = 0; i < 250; ++i) {
      std::string k = "t" + std::to_string(t) + "/" + std::to_string(i);
      ASSERT_EQ(txn.get(Keyspace::executions, k), std::optional<std::string_view>("v" + k));
      ASSERT_TRUE(txn.get(Keyspace::history, k + "|" + key::u64(1)));
    }
}

TEST(GroupCommit, MaxBatchCapsTheGroupSize) {
  TempDir dir;
  StoreOptions o;
  o.max_batch = 1;
  auto s = open_store(dir.str(), o);
  auto run = run_blocked_group(*s, 4, 50);
  EXPECT_EQ(run.ok, 200u);
  EXPECT_EQ(run.stats.transactions, 201u);
  EXPECT_EQ(run.stats.largest_group, 1u);

  TempDir dir2;
  o.max_batch = 64;
  auto s2 = open_store(dir2.str(), o);
  auto run2 = run_blocked_group(*s2, 4, 50);
  EXPECT_EQ(run2.ok, 200u);
  EXPECT_EQ(run2.stats.largest_group, 64u);
  EXPECT_EQ(run2.stats.transactions, 1u + 4u);  // 64 + 64 + 64 + 8
}

TEST(GroupCommit, BatchesCommitInSubmissionOrder) {
  TempDir dir;
  auto s = open_store(dir.str());
  std::vector<int> order;
  std::mutex mu;
  std::promise<void> done;
  for (int i = 0; i < 500; ++i) {
    WriteBatch b;
    b.put(Keyspace::meta, "last", std::to_string(i)).append(Keyspace::events, "", std::to_string(i));
    s->commit(std::move(b), [&, i](const Status& st) {
      std::lock_guard lock(mu);
      order.push_back(st.ok() ? i : -1);
      if (order.size() == 500) done.set_value();
    });
  }
  done.get_future().wait();
  for (int i = 0; i < 500; ++i) ASSERT_EQ(order[i], i);
  EXPECT_EQ(get(*s, Keyspace::meta, "last"), "499");
  auto txn = s->read();
  auto events = txn.collect(Keyspace::events, Range::all());
  ASSERT_EQ(events.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(events[i].value, std::to_string(i));
}

TEST(GroupCommit, CloseDrainsAndLaterCommitsFail) {
  TempDir dir;
  std::atomic<int> ok{0};
  {
    auto s = open_store(dir.str());
    for (int i = 0; i < 300; ++i)
      s->commit(WriteBatch().put(Keyspace::meta, "k" + std::to_string(i), "v"),
                [&](const Status& st) { ok += st.ok(); });
    s->close();
    EXPECT_EQ(ok.load(), 300);
    EXPECT_EQ(s->commit_sync(WriteBatch().put(Keyspace::meta, "late", "1")).code(), Errc::closed);
    EXPECT_EQ(get(*s, Keyspace::meta, "k299"), "v");  // reads still work after close
  }
  auto s = open_store(dir.str());
  EXPECT_EQ(get(*s, Keyspace::meta, "k0"), "v");
  EXPECT_EQ(get(*s, Keyspace::meta, "late"), std::nullopt);
}

TEST(GroupCommit, CommitSyncFromACallbackIsRefused) {
  TempDir dir;
  auto s = open_store(dir.str());
  std::promise<Status> inner;
  s->commit(WriteBatch().put(Keyspace::meta, "a", "1"), [&](const Status&) {
    inner.set_value(s->commit_sync(WriteBatch().put(Keyspace::meta, "b", "1")));
  });
  EXPECT_EQ(inner.get_future().get().code(), Errc::invalid_argument);
}

// Inline commits are for a process that does not own the write-ahead log (the owner's LMDB
// transaction lives on its writer thread): here, a store opened without it.
std::unique_ptr<Store> open_without_log(const std::string& dir) {
  StoreOptions o;
  o.wal = false;
  return open_store(dir, o);
}

TEST(GroupCommit, InlineWhenIdleCommitsOnTheCallersThread) {
  TempDir dir;
  auto s = open_without_log(dir.str());
  std::thread::id ran_on;
  Status got(Errc::io, "not called");
  s->commit(WriteBatch().put(Keyspace::meta, "a", "1"),
            [&](const Status& st) {
              ran_on = std::this_thread::get_id();
              got = st;
            },
            Store::Mode::inline_when_idle);
  // Durable and answered before commit() returned, on this thread.
  EXPECT_TRUE(got.ok()) << got.to_string();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(get(*s, Keyspace::meta, "a"), "1");
  EXPECT_EQ(s->stats().inline_commits, 1u);
  EXPECT_EQ(s->stats().transactions, 1u);
  // Conditions hold as in the writer: a conflict skips the batch.
  s->commit(WriteBatch().expect_absent(Keyspace::meta, "a").put(Keyspace::meta, "b", "1"),
            [&](const Status& st) { got = st; }, Store::Mode::inline_when_idle);
  EXPECT_EQ(got.code(), Errc::conflict);
  EXPECT_EQ(get(*s, Keyspace::meta, "b"), std::nullopt);
  EXPECT_EQ(s->stats().conflicts, 1u);
}

TEST(GroupCommit, InlineWaitsItsTurnWhileTheWriterIsBusy) {
  TempDir dir;
  auto s = open_without_log(dir.str());
  // Hold the writer inside a callback: later batches queue; an inline request must not jump them.
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  s->commit(WriteBatch().put(Keyspace::meta, "k", "first"), [&, released](const Status&) {
    entered.set_value();
    released.wait();
  });
  entered.get_future().wait();
  s->commit(WriteBatch().put(Keyspace::meta, "k", "second"), nullptr);
  std::promise<std::thread::id> third;
  s->commit(WriteBatch().put(Keyspace::meta, "k", "third"),
            [&](const Status&) { third.set_value(std::this_thread::get_id()); },
            Store::Mode::inline_when_idle);
  release.set_value();
  EXPECT_NE(third.get_future().get(), std::this_thread::get_id());  // the writer ran it
  EXPECT_EQ(get(*s, Keyspace::meta, "k"), "third");  // in submission order
  EXPECT_EQ(s->stats().inline_commits, 0u);
}

TEST(GroupCommit, InlineLeavesMapGrowthToTheWriter) {
  TempDir dir;
  StoreOptions o;
  o.initial_map_size = 256 << 10;
  o.wal = false;
  auto s = open_store(dir.str(), o);
  std::string value(4000, 'x');
  WriteBatch huge;
  for (int i = 0; i < 512; ++i) huge.put(Keyspace::history, key::u64(i), value);  // 2 MiB > the map
  std::promise<Status> done;
  s->commit(std::move(huge), [&](const Status& st) { done.set_value(st); }, Store::Mode::inline_when_idle);
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_GT(s->stats().map_resizes, 0u);
  EXPECT_EQ(s->stats().inline_commits, 0u);
  EXPECT_EQ(get(*s, Keyspace::history, key::u64(511)), value);
}

TEST(GroupCommit, InlineAndQueuedCommitsFromManyThreadsAllLand) {
  TempDir dir;
  auto s = open_without_log(dir.str());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::promise<void> one;
        s->commit(WriteBatch().append(Keyspace::events, "", std::to_string(t)),
                  [&](const Status& st) {
                    ok += st.ok();
                    one.set_value();
                  },
                  i % 2 ? Store::Mode::inline_when_idle : Store::Mode::queued);
        one.get_future().wait();
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 800);
  auto txn = s->read();
  EXPECT_EQ(txn.collect(Keyspace::events, Range::all()).size(), 800u);
  EXPECT_EQ(s->stats().batches, 800u);
}

// The writer's idle work never runs beside an inline commit (the log's owner checkpoints its open
// transaction when idle, and an inline commit writes into that transaction).
TEST(GroupCommit, IdleWorkWaitsForARunningInlineCommit) {
  struct Item {
    std::function<void(const Status&)> done;
  };
  detail::GroupQueue<Item> queue;
  detail::GroupCounters counters;
  std::atomic<bool> inline_running{false}, overlapped{false};
  std::atomic<int> idle_turns{0};
  detail::GroupOptions opts;
  opts.idle_period = std::chrono::milliseconds(1);
  opts.idle = [&] {
    if (inline_running) overlapped = true;
    ++idle_turns;
  };
  std::thread writer([&] {
    queue.run(16, counters, [](std::vector<Item*>& g) { return std::vector<Status>(g.size()); }, opts);
  });
  for (int i = 0; i < 5; ++i) {
    Item item;
    bool ran = queue.run_inline(item, counters, [&](Item&) -> std::optional<Status> {
      inline_running = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // many idle periods long
      inline_running = false;
      return Status();
    });
    EXPECT_TRUE(ran);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  queue.stop();
  writer.join();
  EXPECT_FALSE(overlapped.load());
  EXPECT_GT(idle_turns.load(), 0);  // it did run between them
}

// ---- durability, growth, processes ----

TEST(Store, ReopenKeepsDataAndRefusesASecondOpenInOneProcess) {
  TempDir dir;
  {
    auto s = open_store(dir.str());
    ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::secrets, "token", "sealed")).ok());
    auto again = Store::open(StoreOptions{dir.str()});
    EXPECT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), Errc::invalid_argument);
  }
  auto s = open_store(dir.str());
  EXPECT_EQ(get(*s, Keyspace::secrets, "token"), "sealed");
}

TEST(Store, OpenReportsUnusablePaths) {
  TempDir dir;
  std::string file = dir.str() + "/plain-file";
  { std::FILE* f = std::fopen(file.c_str(), "w"); std::fclose(f); }
  auto r = Store::open(StoreOptions{file});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Errc::io);
  EXPECT_EQ(Store::open(StoreOptions{}).status().code(), Errc::invalid_argument);
}

TEST(Store, MapGrowsPastItsInitialSize) {
  TempDir dir;
  StoreOptions o;
  o.initial_map_size = 256 << 10;
  auto s = open_store(dir.str(), o);
  std::size_t initial = s->map_size();
  std::string value(4000, 'x');
  // 8 MiB of values in batches of 64 KiB... and one batch of 2 MiB, larger than the initial map.
  for (int b = 0; b < 128; ++b) {
    WriteBatch batch;
    for (int i = 0; i < 16; ++i) batch.put(Keyspace::snapshots, key::u64(b * 16 + i), value);
    ASSERT_TRUE(s->commit_sync(std::move(batch)).ok());
  }
  WriteBatch huge;
  for (int i = 0; i < 512; ++i) huge.put(Keyspace::history, key::u64(i), value);
  ASSERT_TRUE(s->commit_sync(std::move(huge)).ok());
  EXPECT_GT(s->map_size(), initial);
  EXPECT_GT(s->stats().map_resizes, 0u);
  auto txn = s->read();
  EXPECT_EQ(txn.collect(Keyspace::snapshots, Range::all()).size(), 128u * 16u);
  EXPECT_EQ(txn.get(Keyspace::history, key::u64(511)), std::optional<std::string_view>(value));
}

TEST(Store, SyncStoreKeepsZeroFilledHeadroomAheadOfItsPages) {
  TempDir dir;
  std::string file = dir.str() + "/data.mdb";
  std::string value(3000, 'v');
  {
    auto r = Store::open(StoreOptions{dir.str()});  // sync on: the headroom is only for durable stores
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    auto& s = *r.value();
    // The writer fills it while idle: at least 4 MiB of zeros beyond the used pages.
    for (int i = 0; i < 50 && std::filesystem::file_size(file) < (4u << 20); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_GE(std::filesystem::file_size(file), 4u << 20);
    // ... and no more than that: the idle writer stops once the headroom is there.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_LE(std::filesystem::file_size(file), 5u << 20);
    // Pages written into the zeroed region read back, also after a reopen.
    for (int b = 0; b < 40; ++b) {
      WriteBatch batch;
      for (int i = 0; i < 50; ++i) batch.put(Keyspace::history, key::u64(b * 50 + i), value);
      ASSERT_TRUE(s.commit_sync(std::move(batch)).ok());
    }
  }
  auto r = Store::open(StoreOptions{dir.str()});
  ASSERT_TRUE(r.ok());
  auto txn = r.value()->read();
  auto all = txn.collect(Keyspace::history, Range::all());
  ASSERT_EQ(all.size(), 2000u);
  EXPECT_EQ(all.back().value, value);
}

TEST(Store, MapGrowsWhileReadersAreActive) {
  TempDir dir;
  StoreOptions o;
  o.initial_map_size = 256 << 10;
  auto s = open_store(dir.str(), o);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!stop) {
        auto txn = s->read();
        std::size_t n = 0;
        std::uint64_t prev = 0;
        txn.scan(Keyspace::events, Range::all(), ScanOptions{64, true},
                 [&](std::string_view k, std::string_view v) {
                   std::uint64_t cur = key::decode_u64(k);
                   if ((prev && cur >= prev) || v.size() != 2000) ++bad;
                   prev = cur;
                   ++n;
                   return true;
                 });
        ++reads;
      }
    });
  for (int b = 0; b < 100; ++b) {
    WriteBatch batch;
    for (int i = 0; i < 20; ++i) batch.append(Keyspace::events, "", std::string(2000, 'e'));
    ASSERT_TRUE(s->commit_sync(std::move(batch)).ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_GT(s->stats().map_resizes, 0u);
  auto txn = s->read();
  EXPECT_EQ(txn.collect(Keyspace::events, Range::all()).size(), 2000u);
}

TEST(Store, MapFullAtTheMaximumIsAnError) {
  TempDir dir;
  StoreOptions o;
  o.initial_map_size = 256 << 10;
  o.max_map_size = 512 << 10;
  auto s = open_store(dir.str(), o);
  WriteBatch huge;
  for (int i = 0; i < 400; ++i) huge.put(Keyspace::history, key::u64(i), std::string(4000, 'x'));
  EXPECT_EQ(s->commit_sync(std::move(huge)).code(), Errc::map_full);
  // The store still works for small batches.
  EXPECT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "small", "1")).ok());
}

TEST(Store, TwoProcessesShareOneDirectory) {
  TempDir dir;
  StoreOptions o;
  o.initial_map_size = 256 << 10;
  auto s = open_store(dir.str(), o);
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "parent", "1")).ok());
  int to_child[2];
  ASSERT_EQ(pipe(to_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child is another process: its own environment on the same files.
    int code = 0;
    {
      StoreOptions co = o;
      co.path = dir.str();
      co.sync = false;
      auto r = Store::open(co);
      if (!r.ok()) _exit(10);
      auto& cs = *r.value();
      {
        auto txn = cs.read();
        if (txn.get(Keyspace::meta, "parent") != std::optional<std::string_view>("1")) code = 11;
      }
      // Grow the map well past the parent's size; the parent must adopt it.
      for (int b = 0; b < 64 && code == 0; ++b) {
        WriteBatch batch;
        for (int i = 0; i < 16; ++i)
          batch.append(Keyspace::events, "", std::string(4000, 'c'));
        if (!cs.commit_sync(std::move(batch)).ok()) code = 12;
      }
      if (!cs.commit_sync(WriteBatch().put(Keyspace::meta, "child", "2")).ok()) code = 13;
      char go;
      if (read(to_child[0], &go, 1) != 1) code = 14;  // wait until the parent appended concurrently
      cs.close();
    }
    _exit(code);
  }
  // Meanwhile the parent appends to the same sequence; numbers must never collide.
  for (int i = 0; i < 50; ++i) {
    WriteBatch b;
    b.append(Keyspace::events, "", "parent");
    ASSERT_TRUE(s->commit_sync(std::move(b)).ok());
  }
  ASSERT_EQ(write(to_child[1], "g", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(get(*s, Keyspace::meta, "child"), "2");
  {
    auto txn = s->read();
    auto events = txn.collect(Keyspace::events, Range::all());
    ASSERT_EQ(events.size(), 64u * 16u + 50u);
    for (std::size_t i = 0; i < events.size(); ++i) ASSERT_EQ(key::decode_u64(events[i].key), i + 1);
  }
  // A write after the child's growth works (the parent adopts the larger map).
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "after", "3")).ok());
  EXPECT_GE(s->map_size(), 4u << 20);
}
