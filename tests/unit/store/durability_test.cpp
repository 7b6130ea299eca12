// Durability of the store across SIGKILL and across processes, through the public API only: a
// forked child (no exec) opens its own Store on the test's directory, commits, reports every
// acknowledged commit over a socket and is SIGKILLed (or finishes); the parent then (or meanwhile)
// opens the same directory and checks that every acknowledged write is there, that every batch is
// all or nothing, that appends stay consecutive and that each dedup key was won exactly once.
// The stores use sync = true, the production setting. Children are killed and reaped on every
// path (Child's destructor), also when an assertion stops a test early.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/store/keys.h"
#include "engine/store/store.h"
#include "tests/unit/store/test_util.h"

using namespace weft::store;
using namespace std::chrono_literals;
using weft::store::testing::get;
using weft::store::testing::TempDir;

namespace {

using Clock = std::chrono::steady_clock;

// ---- children and what they report ----

/// What a child reports about one of its commits (or about itself).
enum class Note : std::uint64_t {
  acked = 1,  ///< batch n was acknowledged (ok)
  conflict,   ///< batch n was refused by its condition (an earlier, unacknowledged copy won)
  won,        ///< dedup key n was claimed by this process
  lost,       ///< dedup key n was already claimed
  written,    ///< own write n was acknowledged
  ready,      ///< the store is open
  seen,       ///< a write of the other process became visible after n microseconds
  error,      ///< something went wrong (the text says what)
};

/// One report of a child.
struct Message {
  Note note;
  std::uint64_t n;
  std::string text;
};

/// The child's end of its socket to the parent.
class ChildLink {
 public:
  explicit ChildLink(int fd) : fd_(fd) {}
  /// Sends one report (one datagram, so reports from several threads never interleave).
  void send(Note note, std::uint64_t n, std::string_view text = {}) const {
    std::string buf(16, '\0');
    const std::uint64_t head[2] = {static_cast<std::uint64_t>(note), n};
    std::memcpy(buf.data(), head, sizeof head);
    buf.append(text.substr(0, 400));
    (void)!::send(fd_, buf.data(), buf.size(), MSG_NOSIGNAL);
  }
  /// Waits for the parent's go(); false when the parent is gone.
  bool wait_go() const {
    char c;
    return ::recv(fd_, &c, 1, 0) == 1;
  }

 private:
  int fd_;
};

/// A forked child running `body` (its return value is the exit code), with a thread collecting
/// its reports. The destructor SIGKILLs and reaps it if it still runs. Tests fork before the
/// parent opens a Store: the child then inherits no environment and no thread of the parent's.
class Child {
 public:
  using Body = std::function<int(const ChildLink&)>;

  explicit Child(const Body& body) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) throw std::runtime_error("socketpair");
    pid_ = ::fork();
    if (pid_ < 0) {
      ::close(sv[0]);
      ::close(sv[1]);
      throw std::runtime_error("fork");
    }
    if (pid_ == 0) {
      ::close(sv[0]);
      ChildLink link(sv[1]);
      int code = 98;
      try {
        code = body(link);
      } catch (const std::exception& e) {
        link.send(Note::error, 0, std::string("exception: ") + e.what());
      } catch (...) {
        link.send(Note::error, 0, "unknown exception");
      }
      ::_exit(code);  // no destructors, no gtest teardown in the child
    }
    ::close(sv[1]);
    fd_ = sv[0];
    reader_ = std::thread([this] { collect(); });
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    kill();
    ::close(fd_);
  }

  /// Lets the child past its next wait_go().
  void go() const { (void)!::send(fd_, "g", 1, MSG_NOSIGNAL); }

  /// Waits until the child sent `count` reports (true) or ended or `limit` passed (false).
  bool wait_for(std::size_t count, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, limit, [&] { return got_.size() >= count || eof_; });
    return got_.size() >= count;
  }
  /// Reports received so far.
  std::size_t count() {
    std::lock_guard lock(mu_);
    return got_.size();
  }

  /// SIGKILLs the child unless it already ended, and reaps it. Idempotent.
  void kill() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    reap();
  }
  /// Waits up to `limit` for the child to end by itself (then kills it); its wait status.
  int finish(std::chrono::milliseconds limit) {
    if (!reaped_) {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, limit, [&] { return eof_; });
    }
    kill();
    return status_;
  }
  /// True when the child died of our SIGKILL (rather than ending by itself).
  bool killed() const { return reaped_ && WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL; }
  /// Every report (complete once the child is reaped).
  std::vector<Message> messages() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void collect() {
    char buf[512];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (n < 16) {  // end of file: the child is gone
        eof_ = true;
        cv_.notify_all();
        return;
      }
      std::uint64_t head[2];
      std::memcpy(head, buf, sizeof head);
      got_.push_back(Message{static_cast<Note>(head[0]), head[1], std::string(buf + 16, buf + n)});
      cv_.notify_all();
    }
  }
  void reap() {
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    reader_.join();  // the child's end is closed now: the reader sees the end
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Message> got_;
  bool eof_ = false;
};

/// Fails the test for each error a child reported.
void expect_no_errors(const std::vector<Message>& messages) {
  for (const auto& m : messages)
    if (m.note == Note::error) ADD_FAILURE() << "child: " << m.text;
}

/// Expects that the child ended by itself with exit code 0.
void expect_clean_exit(Child& child) {
  int status = child.finish(10s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "child wait status " << status << (child.killed() ? " (killed after 10 s)" : "");
  expect_no_errors(child.messages());
}

/// Sleeps a random 0..max_ms milliseconds (the kill delay).
void random_pause(std::mt19937& rng, int max_ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, max_ms)(rng)));
}

/// A randomly seeded generator for the kill delays; the seed is printed with the test output.
std::mt19937 seeded_rng() {
  const unsigned seed = std::random_device{}();
  std::cout << "[ seed     ] " << seed << "\n";
  return std::mt19937(seed);
}

// ---- stores ----

/// Opens the store in `path` with the production setting (sync = true).
Result<std::unique_ptr<Store>> open_durable(const std::string& path) {
  StoreOptions o;
  o.path = path;
  o.sync = true;
  return Store::open(o);
}

/// open_durable for a child: the error reported to the parent (and nullptr) when it fails.
std::unique_ptr<Store> open_in_child(const ChildLink& link, const std::string& path) {
  auto r = open_durable(path);
  if (!r.ok()) link.send(Note::error, 0, "open: " + r.status().to_string());
  return r.ok() ? std::move(r.value()) : nullptr;
}

/// open_durable for the parent: a test failure (and nullptr) when it fails.
std::unique_ptr<Store> open_checked(const std::string& path) {
  auto r = open_durable(path);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r.value()) : nullptr;
}

/// Polls (every millisecond, up to `limit`) until `key` holds `value`; how long that took.
std::optional<std::chrono::microseconds> poll_until(const Store& s, Keyspace ks, std::string_view key,
                                                    std::string_view value, std::chrono::milliseconds limit) {
  const auto start = Clock::now();
  for (;;) {
    if (get(s, ks, key) == value)
      return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    if (Clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(1ms);
  }
}

/// The values of the appends under `prefix` in events, in order; a test failure (naming the first)
/// unless they are numbered 1..count with no gap.
std::vector<std::string> consecutive_appends(const Store& s, std::string_view prefix) {
  std::vector<std::string> values;
  auto txn = s.read();
  for (const auto& e : txn.collect(Keyspace::events, Range::prefix(prefix))) {
    const std::uint64_t expected = values.size() + 1;
    if (e.key.size() != prefix.size() + 8 ||
        key::decode_u64(std::string_view(e.key).substr(prefix.size())) != expected) {
      ADD_FAILURE() << "append " << expected << " is missing or malformed (gap or duplicate numbering)";
      break;
    }
    values.push_back(e.value);
  }
  return values;
}

// ---- the ledger: one writer, numbered batches ----

constexpr std::string_view kLedgerAppends = "p";
constexpr int kPayloadKeys = 4;

/// How a ledger child commits.
struct LedgerMode {
  bool async = false;              ///< commit() with many batches queued (else commit_sync, one at a time)
  std::size_t payload = 0;         ///< bytes of each big value a batch overwrites (0: none)
  std::uint64_t reopen_every = 0;  ///< close and reopen the store after this many batches (0: never)
};

/// The big value of batch n: `size` pseudo-random bytes drawn from n (a torn or mixed write shows).
std::string payload_value(std::uint64_t n, std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t x = n * 0x9E3779B97F4A7C15ull + 1;
  for (std::size_t i = 0; i < size; i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::memcpy(out.data() + i, &x, std::min<std::size_t>(8, size - i));
  }
  return out;
}

/// Batch n of the ledger: meta b<n> = n, an append of n in events, the dedup key d<n> = n claimed
/// with expect_absent (so a batch committed twice is refused the second time), and, with a
/// payload, snapshots big0..big3 overwritten with batch n's big value.
WriteBatch ledger_batch(std::uint64_t n, std::size_t payload) {
  const std::string v = std::to_string(n);
  WriteBatch b;
  b.put(Keyspace::meta, "b" + v, v)
      .append(Keyspace::events, kLedgerAppends, v)
      .expect_absent(Keyspace::dedup, "d" + v)
      .put(Keyspace::dedup, "d" + v, v);
  if (payload > 0) {
    const std::string big = payload_value(n, payload);
    for (int k = 0; k < kPayloadKeys; ++k) b.put(Keyspace::snapshots, "big" + std::to_string(k), big);
  }
  return b;
}

/// Reports the outcome of ledger batch n; false when it is neither acknowledged nor a conflict.
bool report_ledger(const ChildLink& link, std::uint64_t n, const Status& st) {
  if (st.ok())
    link.send(Note::acked, n);
  else if (st.code() == Errc::conflict)
    link.send(Note::conflict, n);
  else
    link.send(Note::error, n, "batch " + std::to_string(n) + ": " + st.to_string());
  return st.ok() || st.code() == Errc::conflict;
}

/// Commits ledger batches n, n+1, ... while n < end and before `deadline` (commit_sync one at a
/// time, or up to 256 commit()s queued at once so that they group), reporting each outcome and
/// advancing n past the submitted ones; false once an outcome was neither ok nor a conflict.
bool commit_ledger(const ChildLink& link, Store& s, std::uint64_t& n, std::uint64_t end,
                   Clock::time_point deadline, LedgerMode mode) {
  if (!mode.async) {
    for (; n < end && Clock::now() < deadline; ++n)
      if (!report_ledger(link, n, s.commit_sync(ledger_batch(n, mode.payload)))) return false;
    return true;
  }
  constexpr std::size_t kWindow = 256;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  bool failed = false;
  for (; n < end && Clock::now() < deadline; ++n) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < kWindow || failed; });
      if (failed) break;
      ++in_flight;
    }
    s.commit(ledger_batch(n, mode.payload), [&, n](const Status& st) {
      const bool ok = report_ledger(link, n, st);
      std::lock_guard lock(mu);
      --in_flight;
      failed = failed || !ok;
      cv.notify_all();
    });
  }
  s.close();  // drains the queue before mu and cv go away
  return !failed;
}

/// The child's loop: opens the store and commits the ledger from `first` on, closing and
/// reopening the store every `mode.reopen_every` batches (0: never); bounded to 10 s.
int run_ledger(const ChildLink& link, const std::string& path, std::uint64_t first, LedgerMode mode) {
  const auto deadline = Clock::now() + 10s;
  std::uint64_t n = first;
  while (Clock::now() < deadline) {
    auto store = open_in_child(link, path);
    if (!store) return 2;
    const std::uint64_t end = mode.reopen_every ? n + mode.reopen_every : UINT64_MAX;
    if (!commit_ledger(link, *store, n, end, deadline, mode)) return 3;
  }  // the store closes here: drained, writer stopped, environment closed
  return 0;
}

/// What the parent knows of the ledger.
struct Ledger {
  std::set<std::uint64_t> acked;  ///< batches acknowledged (or refused as already committed)
  std::uint64_t conflicts = 0;    ///< batches refused as already committed
  std::uint64_t present = 0;      ///< batches in the store at the last check
  std::size_t payload = 0;        ///< the writers' LedgerMode::payload

  /// Where the next writer starts: right after the last acknowledged batch (so batches committed
  /// but not acknowledged are submitted again, and must be refused by their dedup key).
  std::uint64_t next() const { return acked.empty() ? 1 : *acked.rbegin() + 1; }

  /// Takes in a finished child's reports. A refused batch counts as acknowledged: its dedup key
  /// says it was committed before, so check_ledger must find it whole.
  void absorb(const std::vector<Message>& messages) {
    expect_no_errors(messages);
    for (const auto& m : messages) {
      if (m.note == Note::conflict) ++conflicts;
      if (m.note == Note::acked || m.note == Note::conflict) acked.insert(m.n);
    }
  }
};

/// Checks the ledger in `s`: batches 1..M each whole (meta, dedup and append together), appends
/// numbered 1..M with append i holding batch i, every acknowledged batch among them, and the big
/// values (if any) exactly those of batch M.
void check_ledger(const Store& s, Ledger& ledger) {
  std::map<std::uint64_t, int> parts;  // batch -> how many of its three writes are present
  auto txn = s.read();
  for (auto [ks, prefix] : {std::pair{Keyspace::meta, "b"}, std::pair{Keyspace::dedup, "d"}}) {
    for (const auto& e : txn.collect(ks, Range::prefix(prefix))) {
      ASSERT_EQ(e.key.substr(1), e.value) << keyspace_name(ks) << " entry " << e.key;
      ++parts[std::stoull(e.value)];
    }
  }
  const auto appends = consecutive_appends(s, kLedgerAppends);
  for (std::size_t i = 0; i < appends.size(); ++i) {
    ASSERT_EQ(appends[i], std::to_string(i + 1)) << "append " << i + 1 << " holds another batch";
    ++parts[i + 1];
  }
  const std::uint64_t m = appends.size();
  for (const auto& [batch, count] : parts) {
    ASSERT_EQ(count, 3) << "batch " << batch << " is partial";
    ASSERT_LE(batch, m) << "batch " << batch << " present but batches before it are missing";
  }
  ASSERT_EQ(parts.size(), m);
  const std::uint64_t last_acked = ledger.acked.empty() ? 0 : *ledger.acked.rbegin();
  ASSERT_LE(last_acked, m) << "acknowledged batch " << last_acked << " lost (the store holds 1.." << m << ")";
  if (ledger.payload > 0 && m > 0) {
    const std::string expected = payload_value(m, ledger.payload);
    for (int k = 0; k < kPayloadKeys; ++k) {
      auto v = txn.get(Keyspace::snapshots, "big" + std::to_string(k));
      ASSERT_TRUE(v && *v == expected) << "big" << k << " does not hold batch " << m << "'s value";
    }
  }
  ledger.present = m;
}

/// Opens `path`, checks the ledger, and commits marker `check` (the store takes new writes; the
/// markers of the earlier checks are still there).
void check_ledger_and_write(const std::string& path, Ledger& ledger, int check) {
  auto s = open_checked(path);
  ASSERT_TRUE(s);
  ASSERT_NO_FATAL_FAILURE(check_ledger(*s, ledger));
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::cursors, "check" + std::to_string(check), "1")).ok());
  for (int c = 0; c <= check; ++c) ASSERT_EQ(get(*s, Keyspace::cursors, "check" + std::to_string(c)), "1");
}

/// Eight rounds on one directory: a child commits the ledger from the last acknowledged batch on
/// and is SIGKILLed. Even rounds kill it after its first acknowledgement (round 0 at once, the
/// others 0–300 ms later); odd rounds start the next child straight on the store the killed one
/// left (its open recovers) and kill it 0–10 ms after the fork (often during that open). After
/// each odd round the parent reopens, checks and writes.
void kill_rounds(LedgerMode mode) {
  TempDir dir;
  auto rng = seeded_rng();
  Ledger ledger;
  ledger.payload = mode.payload;
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::uint64_t first = ledger.next();
    Child child([&](const ChildLink& link) { return run_ledger(link, dir.str(), first, mode); });
    if (round % 2) {
      random_pause(rng, 10);
    } else {
      ASSERT_TRUE(child.wait_for(1, 5s)) << "no acknowledgement within 5 s";
      if (round > 0) random_pause(rng, 300);
    }
    child.kill();
    EXPECT_TRUE(child.killed()) << "the child ended before the kill";
    ledger.absorb(child.messages());
    if (round % 2) {
      ASSERT_NO_FATAL_FAILURE(check_ledger_and_write(dir.str(), ledger, round / 2));
    }
  }
  std::cout << "[ ledger   ] " << ledger.acked.size() << " batches acknowledged (" << ledger.conflicts
            << " of them refused as committed before), " << ledger.present << " in the store after 8 kills\n";
}

// ---- the contest: two writer processes at once ----

constexpr std::string_view kContestAppends = "q";
constexpr int kContestKeys = 100;

/// Claim i of process `who` (P or C): dedup k<i> = who, if absent, with an append of "<who>/k<i>".
WriteBatch claim_batch(char who, int i) {
  const std::string k = "k" + std::to_string(i);
  WriteBatch b;
  b.expect_absent(Keyspace::dedup, k).put(Keyspace::dedup, k, std::string(1, who));
  b.append(Keyspace::events, kContestAppends, who + ("/" + k));
  return b;
}

/// Own write i of process `who`: meta <who>/<i>, an append of "<who>/w<i>", and the shared key
/// meta "last" overwritten with "<who>/<i>" (the last write to it must win).
WriteBatch own_batch(char who, int i) {
  const std::string id = who + ("/" + std::to_string(i));
  WriteBatch b;
  b.put(Keyspace::meta, id, "1").append(Keyspace::events, kContestAppends, who + ("/w" + std::to_string(i)));
  b.put(Keyspace::meta, "last", id);
  return b;
}

/// For each i in [from, to) (P upwards, C downwards, so that they meet half-way and then try keys
/// the other already claimed): claim i (when `claim`), then own write i; `note` hears every
/// outcome (won / lost / written). An error names the first unexpected status.
std::optional<std::string> run_contest(Store& s, char who, int from, int to, bool claim,
                                       const std::function<void(Note, int)>& note) {
  for (int j = from; j < to; ++j) {
    const int i = who == 'P' ? j : to - 1 - (j - from);
    if (claim) {
      Status st = s.commit_sync(claim_batch(who, i));
      if (!st.ok() && st.code() != Errc::conflict)
        return "claim " + std::to_string(i) + ": " + st.to_string();
      note(st.ok() ? Note::won : Note::lost, i);
    }
    Status st = s.commit_sync(own_batch(who, i));
    if (!st.ok()) return "own write " + std::to_string(i) + ": " + st.to_string();
    note(Note::written, i);
  }
  return std::nullopt;
}

/// What one process of the contest knows of its own commits.
struct Tally {
  std::set<int> won, lost, written;
  /// Records one outcome.
  void note(Note n, int i) { (n == Note::won ? won : n == Note::lost ? lost : written).insert(i); }
};

/// The tally of a child from its reports.
Tally tally_of(const std::vector<Message>& messages) {
  Tally t;
  for (const auto& m : messages)
    if (m.note == Note::won || m.note == Note::lost || m.note == Note::written)
      t.note(m.note, static_cast<int>(m.n));
  return t;
}

/// Checks the contest: each claimed key holds exactly one winner, the one that says it won (the
/// child may have one more commit that it could not acknowledge before it was killed), every
/// acknowledged own write is present, the appends are consecutive, one per committed batch, and the
/// shared key holds the parent's last write (the parent writes on after the child is gone).
void check_contest(const Store& s, const Tally& parent, const Tally& child, bool child_killed) {
  const std::map<char, const Tally*> tallies = {{'P', &parent}, {'C', &child}};
  int unacknowledged = 0;  // the child's commits present without its acknowledgement
  std::set<std::string> expected_appends;
  auto txn = s.read();
  for (int i = 0; i < kContestKeys; ++i) {
    auto v = txn.get(Keyspace::dedup, "k" + std::to_string(i));
    ASSERT_TRUE(v && v->size() == 1 && tallies.count((*v)[0])) << "key k" << i << " unclaimed or garbled";
    const char winner = (*v)[0], other = winner == 'P' ? 'C' : 'P';
    EXPECT_FALSE(tallies.at(other)->won.count(i)) << "k" << i << " won by both";
    EXPECT_FALSE(tallies.at(winner)->lost.count(i)) << "k" << i << " lost by its winner";
    if (!tallies.at(winner)->won.count(i)) ++unacknowledged;
    expected_appends.insert(std::string(1, winner) + "/k" + std::to_string(i));
  }
  for (const auto& [who, tally] : tallies) {
    const std::string prefix(1, who);
    for (const auto& e : txn.collect(Keyspace::meta, Range::prefix(prefix + "/"))) {
      const int i = std::stoi(e.key.substr(2));
      if (!tally->written.count(i)) ++unacknowledged;
      expected_appends.insert(prefix + "/w" + std::to_string(i));
    }
    for (int i : tally->written)
      EXPECT_TRUE(txn.get(Keyspace::meta, prefix + "/" + std::to_string(i)))
          << prefix << " own write " << i << " lost";
  }
  EXPECT_LE(unacknowledged, child_killed ? 1 : 0) << "commits present that nobody acknowledged";
  if (!parent.written.empty()) {
    EXPECT_EQ(txn.get(Keyspace::meta, "last"), "P/" + std::to_string(*parent.written.rbegin()))
        << "the last write to a shared key was undone";
  }
  if (!child_killed) {
    EXPECT_EQ(child.won.size() + child.lost.size(), std::size_t{kContestKeys}) << "the child skipped keys";
  }
  const auto appends = consecutive_appends(s, kContestAppends);
  EXPECT_EQ(std::set<std::string>(appends.begin(), appends.end()), expected_appends);
  EXPECT_EQ(appends.size(), expected_appends.size()) << "not one append per committed batch";
}

/// Parent and child commit at once on one directory, racing for the same dedup keys and
/// appending under the same prefix. `child_first`: the child opens the store first. `kill`: the
/// child is SIGKILLed once it is half-way; the parent goes on writing. Then the parent reopens
/// and checks.
void contest(bool child_first, bool kill) {
  TempDir dir;
  Child child([&](const ChildLink& link) {
    if (!child_first && !link.wait_go()) return 2;
    auto store = open_in_child(link, dir.str());
    if (!store) return 2;
    link.send(Note::ready, 0);
    if (child_first && !link.wait_go()) return 2;
    auto error = run_contest(*store, 'C', 0, kContestKeys, true,
                             [&](Note n, int i) { link.send(n, static_cast<std::uint64_t>(i)); });
    if (error) link.send(Note::error, 0, *error);
    return error ? 3 : 0;
  });
  if (child_first) {
    ASSERT_TRUE(child.wait_for(1, 5s)) << "the child did not open the store";
  }
  auto s = open_checked(dir.str());
  ASSERT_TRUE(s);
  child.go();
  if (!child_first) {
    ASSERT_TRUE(child.wait_for(1, 5s)) << "the child did not open the store";
  }
  // Half-way: the child reported half of its claims and own writes (plus its ready).
  const std::size_t half = 1 + kContestKeys;
  Tally parent;
  auto note = [&](Note n, int i) {
    parent.note(n, i);
    if (kill && child.count() >= half) child.kill();
  };
  auto error = run_contest(*s, 'P', 0, kContestKeys, true, note);
  ASSERT_FALSE(error) << *error;
  if (kill) {
    ASSERT_TRUE(child.wait_for(half, 10s)) << "the child did not get half-way";
    child.kill();
    EXPECT_TRUE(child.killed()) << "the child ended before the kill";
    expect_no_errors(child.messages());
  } else {
    expect_clean_exit(child);
  }
  // The parent goes on writing after the child is gone.
  error = run_contest(*s, 'P', kContestKeys, kContestKeys + 20, false, note);
  ASSERT_FALSE(error) << *error;
  const Tally child_tally = tally_of(child.messages());
  std::cout << "[ contest  ] parent won " << parent.won.size() << ", child won " << child_tally.won.size()
            << " of " << kContestKeys << " keys\n";
  ASSERT_NO_FATAL_FAILURE(check_contest(*s, parent, child_tally, kill));
  s.reset();  // and once more from a fresh open
  s = open_checked(dir.str());
  ASSERT_TRUE(s);
  ASSERT_NO_FATAL_FAILURE(check_contest(*s, parent, child_tally, kill));
}

}  // namespace

TEST(StoreDurability, SigkillDuringCommitSyncKeepsEveryAcknowledgedBatch) { kill_rounds({}); }

TEST(StoreDurability, SigkillDuringGroupedCommitsKeepsEveryAcknowledgedBatch) {
  kill_rounds({.async = true});
}

// The child closes and reopens its store every 200 grouped batches, so kills also land while it
// closes (drains, checkpoints) or opens (recovers).
TEST(StoreDurability, SigkillWhileReopeningKeepsEveryAcknowledgedBatch) {
  kill_rounds({.async = true, .reopen_every = 200});
}

// Batches of 2 MiB (four 512 KiB values overwritten each time): a kill is likely to land while
// one is being written; none may be left torn or mixed.
TEST(StoreDurability, SigkillDuringLargeBatchesLeavesNoTornBatch) { kill_rounds({.payload = 512u << 10}); }

TEST(StoreDurability, TwoWriterProcessesShareAppendsAndDedupKeys) { contest(false, false); }

TEST(StoreDurability, TwoWriterProcessesOneKilledHalfWay) { contest(true, true); }

// A write acknowledged before a second process opens is visible there at once; a write one of
// them commits later becomes visible to the other, already open, within 2 s (both ways).
TEST(StoreDurability, WritesAreVisibleAcrossProcesses) {
  TempDir dir;
  Child child([&](const ChildLink& link) {
    if (!link.wait_go()) return 2;  // the parent committed "before"
    auto store = open_in_child(link, dir.str());
    if (!store) return 2;
    Store& s = *store;
    if (get(s, Keyspace::meta, "before") != "1")
      link.send(Note::error, 0, "the parent's earlier write is not visible");
    if (!s.commit_sync(WriteBatch().put(Keyspace::meta, "child", "2")).ok()) return 3;
    link.send(Note::written, 0);
    if (!link.wait_go()) return 2;  // the parent committed "later"
    auto waited = poll_until(s, Keyspace::meta, "later", "3", 2s);
    if (!waited)
      link.send(Note::error, 0, "the parent's later write is not visible after 2 s");
    else
      link.send(Note::seen, static_cast<std::uint64_t>(waited->count()));
    return 0;
  });
  auto s = open_checked(dir.str());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "before", "1")).ok());
  child.go();
  ASSERT_TRUE(child.wait_for(1, 5s)) << "no write from the child";
  auto waited = poll_until(*s, Keyspace::meta, "child", "2", 2s);
  ASSERT_TRUE(waited) << "the child's write is not visible after 2 s";
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "later", "3")).ok());
  child.go();
  expect_clean_exit(child);
  for (const auto& m : child.messages())
    if (m.note == Note::seen)
      std::cout << "[ visible  ] child's write in the parent after " << waited->count()
                << " us, parent's write in the child after " << m.n << " us\n";
}

/// A child that opens the store (reporting ready), and after the parent's go commits meta `key` =
/// "1", reports it and waits to be killed.
Child::Body commit_and_wait(const std::string& path, std::string key) {
  return [path, key](const ChildLink& link) {
    auto store = open_in_child(link, path);
    if (!store) return 2;
    link.send(Note::ready, 0);
    if (!link.wait_go() || !store->commit_sync(WriteBatch().put(Keyspace::meta, key, "1")).ok()) return 3;
    link.send(Note::written, 0);
    link.wait_go();  // never comes: the parent kills us with the store open
    return 0;
  };
}

// A write one process acknowledges before it is SIGKILLed is visible to a process that opens
// afterwards.
TEST(StoreDurability, AcknowledgedWriteOfAKilledProcessIsVisibleAfterwards) {
  TempDir dir;
  Child child(commit_and_wait(dir.str(), "last words"));
  child.go();
  ASSERT_TRUE(child.wait_for(2, 5s)) << "no write from the child";
  child.kill();
  ASSERT_TRUE(child.killed());
  expect_no_errors(child.messages());
  auto s = open_checked(dir.str());
  ASSERT_TRUE(s);
  EXPECT_EQ(get(*s, Keyspace::meta, "last words"), "1");
}

// The same while a second process has the store open all along (it opened after the killed one):
// the killed process's acknowledged write reaches it within 2 s, and a later open sees it too.
TEST(StoreDurability, AcknowledgedWriteOfAKilledProcessReachesAnOpenProcess) {
  TempDir dir;
  Child child(commit_and_wait(dir.str(), "last words"));
  ASSERT_TRUE(child.wait_for(1, 5s)) << "the child did not open the store";
  auto s = open_checked(dir.str());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->commit_sync(WriteBatch().put(Keyspace::meta, "first", "1")).ok());
  child.go();
  ASSERT_TRUE(child.wait_for(2, 5s)) << "no write from the child";
  child.kill();
  ASSERT_TRUE(child.killed());
  expect_no_errors(child.messages());
  EXPECT_TRUE(poll_until(*s, Keyspace::meta, "last words", "1", 2s)) << "not visible after 2 s";
  s.reset();
  s = open_checked(dir.str());
  ASSERT_TRUE(s);
  EXPECT_EQ(get(*s, Keyspace::meta, "last words"), "1");
}

// A child commits grouped ledger batches and is SIGKILLed; the parent opens the store and backs it
// up; the backup holds every acknowledged batch, each whole.
TEST(StoreDurability, BackupAfterSigkillHoldsEveryAcknowledgedBatch) {
  TempDir dir, out;
  auto rng = seeded_rng();
  Child child([&](const ChildLink& link) { return run_ledger(link, dir.str(), 1, {.async = true}); });
  ASSERT_TRUE(child.wait_for(1, 5s)) << "no acknowledgement within 5 s";
  random_pause(rng, 100);
  child.kill();
  ASSERT_TRUE(child.killed()) << "the child ended before the kill";
  Ledger ledger;
  ledger.absorb(child.messages());
  const std::string copy = out.str() + "/copy";
  {
    auto s = open_checked(dir.str());
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->backup(copy).ok());
  }
  auto b = open_checked(copy);
  ASSERT_TRUE(b);
  ASSERT_NO_FATAL_FAILURE(check_ledger(*b, ledger));
  std::cout << "[ backup   ] " << ledger.acked.size() << " batches acknowledged, " << ledger.present
            << " in the backup\n";
}

// A child (it opened the store first) keeps committing grouped ledger batches while the parent,
// also open, backs the store up; the backup holds every batch acknowledged before it started.
TEST(StoreDurability, BackupWhileAnotherProcessWritesHoldsEveryAcknowledgedBatch) {
  TempDir dir, out;
  Child child([&](const ChildLink& link) { return run_ledger(link, dir.str(), 1, {.async = true}); });
  ASSERT_TRUE(child.wait_for(1, 5s)) << "no acknowledgement within 5 s";
  auto s = open_checked(dir.str());
  ASSERT_TRUE(s);
  ASSERT_TRUE(child.wait_for(child.count() + 1000, 5s)) << "the child stopped committing";
  Ledger ledger;
  ledger.absorb(child.messages());
  const std::string copy = out.str() + "/copy";
  ASSERT_TRUE(s->backup(copy).ok());
  child.kill();
  EXPECT_TRUE(child.killed()) << "the child ended before the kill";
  auto b = open_checked(copy);
  ASSERT_TRUE(b);
  ASSERT_NO_FATAL_FAILURE(check_ledger(*b, ledger));
  std::cout << "[ backup   ] " << ledger.acked.size() << " batches acknowledged before the backup, "
            << ledger.present << " in it\n";
}
