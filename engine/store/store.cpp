#include "engine/store/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "engine/store/group_commit.h"
#include "engine/store/keys.h"
#include "engine/store/lmdb_raii.h"
#include "engine/store/overlay.h"
#include "engine/store/wal.h"

namespace weft::store {
namespace {

constexpr std::array<std::string_view, keyspace_count> kKeyspaceNames = {
    "flows", "versions", "executions", "history", "snapshots", "timers", "signals", "by_status",
    "by_flow", "dedup", "cursors", "secrets", "tokens", "events", "leases", "meta"};

constexpr int kMaxRetries = 64;

// Paths of the stores open in this process (with the pid, so a forked child may open its own):
// LMDB forbids opening one environment twice per process.
std::mutex g_open_mu;
std::set<std::string> g_open_paths;

std::string registry_key(const std::string& path) { return std::to_string(::getpid()) + ":" + path; }

std::string hex_key(std::string_view key) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  if (key.size() > 64) out += "...";
  return out;
}

// Readers and the writer enter; a map resize waits until nobody is inside and holds newcomers back.
class Gate {
 public:
  void enter() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !exclusive_; });
    ++inside_;
  }
  void leave() {
    std::lock_guard lock(mu_);
    if (--inside_ == 0) cv_.notify_all();
  }
  void lock_exclusive() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !exclusive_; });
    exclusive_ = true;
    cv_.wait(lock, [&] { return inside_ == 0; });
  }
  void unlock_exclusive() {
    std::lock_guard lock(mu_);
    exclusive_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int inside_ = 0;
  bool exclusive_ = false;
};

struct GateGuard {
  Gate& gate;
  explicit GateGuard(Gate& g) : gate(g) { gate.enter(); }
  ~GateGuard() { gate.leave(); }
};

struct Pending {
  WriteBatch batch;
  Store::Callback done;
  bool checkpoint = false;  // the log's owner commits its LMDB transaction after this group
};

// fcntl record locks on the data directory's `wal.lock`. They belong to the process (a forked child
// does not inherit them) and go with it when it dies. Byte 0: held exclusively by the log's owner.
// Byte 1: shared by the processes waiting to write LMDB directly; the owner checks it after each
// group and, when taken, commits its transaction and lets them go first.
class LockFile {
 public:
  static constexpr off_t kOwner = 0, kWant = 1;
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status(Errc::io, "cannot open " + path + ": " + std::strerror(errno));
    return {};
  }
  bool try_lock(off_t byte, short type) { return set(byte, type, F_SETLK); }
  void wait_lock(off_t byte, short type) { set(byte, type, F_SETLKW); }
  void unlock(off_t byte) { set(byte, F_UNLCK, F_SETLK); }

  // Byte kWant, shared by the threads of this process (a record lock is per process: the last
  // thread to leave releases it).
  void want() {
    std::lock_guard lock(want_mu_);
    if (want_users_++ == 0) wait_lock(kWant, F_RDLCK);
  }
  void unwant() {
    std::lock_guard lock(want_mu_);
    if (--want_users_ == 0) unlock(kWant);
  }

 private:
  bool set(off_t byte, short type, int cmd) {
    struct flock fl {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = byte;
    fl.l_len = 1;
    for (;;) {
      if (::fcntl(fd_, cmd, &fl) == 0) return true;
      if (errno != EINTR) return false;
    }
  }
  int fd_ = -1;
  std::mutex want_mu_;
  int want_users_ = 0;
};

// Holds byte kWant of `locks` (when there is a lock file) for one direct LMDB write.
struct WantGuard {
  LockFile* locks;
  explicit WantGuard(LockFile* l) : locks(l) {
    if (locks) locks->want();
  }
  ~WantGuard() {
    if (locks) locks->unwant();
  }
};

// The key, in the "wal" database, of the last log record LMDB holds.
constexpr std::string_view kCheckpointKey = "checkpoint";
// The owner commits its LMDB transaction once this many bytes of writes wait in the log.
constexpr std::uint64_t kCheckpointBytes = 4u << 20;

}  // namespace

std::string_view keyspace_name(Keyspace ks) { return kKeyspaceNames[static_cast<std::size_t>(ks)]; }

std::string_view errc_name(Errc c) {
  switch (c) {
    case Errc::ok: return "ok";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::map_full: return "map_full";
    case Errc::txn_full: return "txn_full";
    case Errc::io: return "io";
    case Errc::closed: return "closed";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(errc_name(code_)) + ": " + message_;
}

// ---- WriteBatch ----

WriteBatch& WriteBatch::add(BatchOp::Kind kind, Keyspace ks, std::string_view key,
                            std::string_view value, std::size_t extra_key_bytes) {
  if (validity_.ok()) {
    if (key.empty() && kind != BatchOp::Kind::append)
      validity_ = Status(Errc::invalid_argument,
                         "empty key in keyspace " + std::string(keyspace_name(ks)));
    else if (key.size() + extra_key_bytes > max_key_size)
      validity_ = Status(Errc::invalid_argument, "key longer than " + std::to_string(max_key_size) +
                                                     " bytes in keyspace " +
                                                     std::string(keyspace_name(ks)));
  }
  bytes_ += key.size() + value.size();
  ops_.push_back(BatchOp{kind, ks, std::string(key), std::string(value)});
  return *this;
}

WriteBatch& WriteBatch::put(Keyspace ks, std::string_view key, std::string_view value) {
  return add(BatchOp::Kind::put, ks, key, value);
}
WriteBatch& WriteBatch::del(Keyspace ks, std::string_view key) {
  return add(BatchOp::Kind::del, ks, key, {});
}
WriteBatch& WriteBatch::append(Keyspace ks, std::string_view prefix, std::string_view value) {
  return add(BatchOp::Kind::append, ks, prefix, value, 8);
}
WriteBatch& WriteBatch::expect_absent(Keyspace ks, std::string_view key) {
  return add(BatchOp::Kind::expect_absent, ks, key, {});
}
WriteBatch& WriteBatch::expect_present(Keyspace ks, std::string_view key) {
  return add(BatchOp::Kind::expect_present, ks, key, {});
}
WriteBatch& WriteBatch::expect_value(Keyspace ks, std::string_view key, std::string_view value) {
  return add(BatchOp::Kind::expect_value, ks, key, value);
}
WriteBatch& WriteBatch::merge(WriteBatch&& other) {
  if (validity_.ok() && !other.validity_.ok()) validity_ = other.validity_;
  bytes_ += other.bytes_;
  if (ops_.empty()) {
    ops_ = std::move(other.ops_);
  } else {
    ops_.reserve(ops_.size() + other.ops_.size());
    for (auto& op : other.ops_) ops_.push_back(std::move(op));
  }
  other.ops_.clear();
  other.bytes_ = 0;
  return *this;
}

Range Range::prefix(std::string_view p) { return Range{std::string(p), key::prefix_end(p)}; }

// ---- Store::Impl ----

struct Store::Impl {
  StoreOptions opts;
  std::string canonical_path;
  lmdb::Env env;
  std::array<MDB_dbi, keyspace_count> dbi{};
  mutable Gate gate;
  std::atomic<std::size_t> map_size{0};

  detail::GroupQueue<Pending> queue;
  std::thread writer;
  std::thread::id writer_id;

  std::atomic<std::uint64_t> n_txn{0}, n_resizes{0}, n_inline{0}, n_appends{0}, n_checkpoints{0};
  detail::GroupCounters counters;

  // ---- the write-ahead log (opts.wal) ----
  std::unique_ptr<LockFile> locks;             // wal.lock
  MDB_dbi wal_dbi{};                           // the "wal" database: the checkpoint
  std::atomic<bool> owner{false};              // this process owns the log (set once, at open)
  std::unique_ptr<detail::WriteAheadLog> log;  // the owner's log (writer thread; open() before it)
  std::unique_ptr<detail::WriteAheadLog> orphan_log;  // not the owner: the owner's log, read by take_in_log()
  std::mutex orphan_mu;
  mutable detail::Overlay overlay;             // the owner's logged writes LMDB does not hold yet
  lmdb::Txn parent;                            // the owner's open LMDB transaction (gate entered)
  std::chrono::steady_clock::time_point parent_began;
  std::uint64_t last_seq = 0;                  // the owner's last durable record
  std::uint64_t checkpoint_seq = 0;            // the last record LMDB holds (writer thread)
  bool spoiled = false;                        // the open transaction holds writes not logged
  Status broken;                               // the owner's log failed: later commits fail

  ~Impl() {
    stop();
    env.close();
    std::lock_guard lock(g_open_mu);
    g_open_paths.erase(registry_key(canonical_path));
  }

  MDB_dbi db(Keyspace ks) const { return dbi[static_cast<std::size_t>(ks)]; }

  void refresh_map_size() {
    MDB_envinfo info{};
    if (mdb_env_info(env.handle(), &info) == MDB_SUCCESS) map_size = info.me_mapsize;
  }

  // Another process grew the map: adopt its size (no transaction of ours may be open).
  void adopt_map_size() {
    gate.lock_exclusive();
    int rc = mdb_env_set_mapsize(env.handle(), 0);
    refresh_map_size();
    gate.unlock_exclusive();
    ++n_resizes;
    lmdb::check(rc, "mdb_env_set_mapsize");
  }

  // Doubles the map (up to max_map_size); false when it is already at the maximum.
  bool grow_map() {
    std::size_t current = map_size.load();
    if (current >= opts.max_map_size) return false;
    std::size_t next = std::min(opts.max_map_size, std::max(current * 2, current + (1u << 20)));
    gate.lock_exclusive();
    int rc = mdb_env_set_mapsize(env.handle(), next);
    refresh_map_size();
    gate.unlock_exclusive();
    ++n_resizes;
    lmdb::check(rc, "mdb_env_set_mapsize");
    return true;
  }

  // Runs `fn` (a write on this thread that leaves no transaction open when it throws) again after
  // adopting another process's map size or growing the map; other failures are rethrown.
  template <class F>
  void with_map_retries(F&& fn) {
    for (int attempt = 0;; ++attempt) {
      try {
        fn();
        return;
      } catch (const lmdb::Error& e) {
        if (attempt >= kMaxRetries) throw;
        if (e.rc() == MDB_MAP_RESIZED) adopt_map_size();
        else if (!(e.rc() == MDB_MAP_FULL && grow_map())) throw;
      }
    }
  }

  void open_databases() {
    with_map_retries([&] {
      WantGuard want(locks.get());
      GateGuard guard(gate);
      auto txn = lmdb::Txn::begin(env.handle());
      for (std::size_t i = 0; i < keyspace_count; ++i)
        lmdb::check(mdb_dbi_open(txn.handle(), kKeyspaceNames[i].data(), MDB_CREATE, &dbi[i]), "mdb_dbi_open");
      lmdb::check(mdb_dbi_open(txn.handle(), "wal", MDB_CREATE, &wal_dbi), "mdb_dbi_open");
      txn.commit();
    });
  }

  // Checks a batch's conditions inside `txn`; ok or a conflict naming the first failed one.
  Status check_conditions(const lmdb::Txn& txn, const WriteBatch& batch) const {
    for (const auto& op : batch.ops()) {
      const char* failed = nullptr;
      switch (op.kind) {
        case BatchOp::Kind::expect_absent:
          if (txn.get(db(op.ks), op.key)) failed = "expected absent";
          break;
        case BatchOp::Kind::expect_present:
          if (!txn.get(db(op.ks), op.key)) failed = "expected present";
          break;
        case BatchOp::Kind::expect_value: {
          auto v = txn.get(db(op.ks), op.key);
          if (!v || *v != op.value) failed = v ? "value changed" : "expected present";
          break;
        }
        default:
          break;
      }
      if (failed)
        return Status(Errc::conflict, std::string(failed) + ": " +
                                          std::string(keyspace_name(op.ks)) + "/" +
                                          hex_key(op.key));
    }
    return {};
  }

  // Applies `batch`'s writes; with `log`, also lists them as physical writes (appends numbered).
  void apply_writes(lmdb::Txn& txn, const WriteBatch& batch, std::vector<detail::LogOp>* log = nullptr) {
    for (const auto& op : batch.ops()) {
      switch (op.kind) {
        case BatchOp::Kind::put:
          txn.put(db(op.ks), op.key, op.value);
          if (log) log->push_back(detail::LogOp{false, op.ks, op.key, op.value});
          break;
        case BatchOp::Kind::del:
          txn.del(db(op.ks), op.key);
          if (log) log->push_back(detail::LogOp{true, op.ks, op.key, {}});
          break;
        case BatchOp::Kind::append: {
          std::uint64_t next = 1;
          {
            auto cursor = lmdb::Cursor::open(txn, db(op.ks));
            std::string_view k, v;
            auto end = key::prefix_end(op.key);
            bool found = false;
            if (end) {
              k = *end;
              found = cursor.get(MDB_SET_RANGE, k, v) ? cursor.get(MDB_PREV, k, v)
                                                      : cursor.get(MDB_LAST, k, v);
            } else {
              found = cursor.get(MDB_LAST, k, v);
            }
            if (found && k.size() >= op.key.size() + 8 && k.substr(0, op.key.size()) == op.key)
              next = key::decode_u64(k.substr(op.key.size())) + 1;
          }
          std::string full = op.key;
          key::append_u64(full, next);
          txn.put(db(op.ks), full, op.value);
          if (log) log->push_back(detail::LogOp{false, op.ks, std::move(full), op.value});
          break;
        }
        default:
          break;
      }
    }
  }

  // One write transaction over `group`; throws lmdb::Error when the transaction must be redone.
  // (A process that does not own the log; the caller holds byte kWant.)
  std::vector<Status> apply_group(std::vector<Pending*>& group) {
    std::vector<Status> results(group.size());
    GateGuard guard(gate);
    auto txn = lmdb::Txn::begin(env.handle());
    take_in_log(txn);
    for (std::size_t i = 0; i < group.size(); ++i) {
      results[i] = check_conditions(txn, group[i]->batch);
      if (results[i].ok()) apply_writes(txn, group[i]->batch);
    }
    txn.commit();
    return results;
  }

  std::vector<Status> run_group(std::vector<Pending*>& group) {
    for (int attempt = 0;; ++attempt) {
      try {
        auto results = apply_group(group);
        ++n_txn;
        return results;
      } catch (const lmdb::Error& e) {
        Status fail;
        if (e.rc() == MDB_MAP_RESIZED && attempt < kMaxRetries) {
          try {
            adopt_map_size();
            continue;
          } catch (const lmdb::Error& e2) {
            fail = Status(Errc::io, e2.what());
          }
        } else if (e.rc() == MDB_MAP_FULL) {
          try {
            if (attempt < kMaxRetries && grow_map()) continue;
            fail = Status(Errc::map_full, "the store reached its maximum size (" +
                                              std::to_string(opts.max_map_size) + " bytes)");
          } catch (const lmdb::Error& e2) {
            fail = Status(Errc::io, e2.what());
          }
        } else if (e.rc() == MDB_TXN_FULL && group.size() > 1) {
          // Too much for one transaction: commit each batch on its own.
          std::vector<Status> results;
          for (auto* p : group) {
            std::vector<Pending*> one{p};
            results.push_back(run_group(one)[0]);
          }
          return results;
        } else {
          fail = failure(e);
        }
        return std::vector<Status>(group.size(), fail);
      } catch (const std::exception& e) {
        return std::vector<Status>(group.size(), Status(Errc::io, e.what()));
      }
    }
  }

  // The status of a write transaction that failed for good (not a map size to adopt or grow).
  static Status failure(const lmdb::Error& e) {
    if (e.rc() == MDB_TXN_FULL) return Status(Errc::txn_full, "the batch is too large for one transaction");
    return Status(Errc::io, e.what());
  }

  // One batch committed on the caller's thread (GroupQueue::run_inline); nullopt (nothing changed)
  // leaves it to the writer: growing or adopting the map waits for readers, which the caller's
  // thread must not do.
  std::optional<Status> run_inline(Pending& p) {
    if (owner) return owner_inline(p);
    std::vector<Pending*> one{&p};
    WantGuard want(locks.get());
    try {
      auto results = apply_group(one);
      ++n_txn;
      ++n_inline;
      note_growth();
      return results[0];
    } catch (const lmdb::Error& e) {
      if (e.rc() == MDB_MAP_RESIZED || e.rc() == MDB_MAP_FULL) return std::nullopt;
      return failure(e);
    } catch (const std::exception& e) {
      return Status(Errc::io, e.what());
    }
  }

  // The writer thread. A process that does not own the log writes LMDB directly (two flushes
  // per commit, in turns with the owner) and looks before each group and when idle whether the log
  // has lost its owner, to take it over.
  void writer_loop() {
    detail::GroupOptions run_opts;
    run_opts.idle = [this] {
      take_log();
      if (owner) owner_idle();
      else extend_headroom();
    };
    // Idle, it looks every 10 ms for other processes waiting to write (or for a dead owner).
    if (opts.wal) run_opts.idle_period = std::chrono::milliseconds(std::clamp(opts.checkpoint_ms, 1u, 10u));
    run_opts.after_group = [this] {
      if (owner) owner_after_group();
    };
    // (The first transaction is opened by the first group or idle turn: only inside the queue's
    // turns is the writer alone with the open transaction, which inline commits also use.)
    queue.run(opts.max_batch, counters, [this](std::vector<Pending*>& group) {
      take_log();
      if (owner) {
        auto results = owner_group(group);
        // backup() waits for a checkpoint: made before its callback runs.
        if (std::any_of(group.begin(), group.end(), [](Pending* p) { return p->checkpoint; })) checkpoint();
        return results;
      }
      std::vector<Status> results;
      {
        WantGuard want(locks.get());
        results = run_group(group);
      }
      note_growth();
      extend_headroom();
      return results;
    }, run_opts);
    checkpoint();
  }

  // ---- the log's owner (writer thread) ----

  static std::uint64_t read_checkpoint(const lmdb::Txn& txn, MDB_dbi wal) {
    auto v = txn.get(wal, kCheckpointKey);
    return v && v->size() == 8 ? key::decode_u64(*v) : 0;
  }

  // Applies the records of `from` that LMDB (in `txn`) does not hold yet; the last one's number,
  // or the checkpoint when there is none.
  std::uint64_t replay(lmdb::Txn& txn, const detail::WriteAheadLog& from) {
    std::uint64_t last = read_checkpoint(txn, wal_dbi);
    if (!from.may_follow(last)) return last;
    auto records = from.recover(last);
    if (!records.ok()) throw std::runtime_error(records.status().message());
    for (const auto& r : records.value()) {
      for (const auto& op : r.ops) {
        if (op.del) txn.del(db(op.ks), op.key);
        else txn.put(db(op.ks), op.key, op.value);
      }
      last = r.seq;
    }
    if (!records.value().empty()) txn.put(wal_dbi, kCheckpointKey, key::u64(last));
    return last;
  }

  // Not the owner, inside a write transaction (holding LMDB's write lock): whoever holds it and
  // finds records in the log that LMDB does not hold applies them first — the owner died, or is
  // between a failed checkpoint and its next transaction, or is taking the log over — so that
  // nothing it acknowledged is lost or written over. (While the owner's transaction is open, no
  // other process holds the lock; it appends only then.)
  void take_in_log(lmdb::Txn& txn) {
    if (owner) return;
    std::lock_guard lock(orphan_mu);
    if (!orphan_log) {
      std::error_code ec;
      if (!std::filesystem::exists(canonical_path + "/wal.log", ec)) return;
      auto r = detail::WriteAheadLog::open(canonical_path + "/wal.log", opts.sync);
      if (!r.ok()) throw std::runtime_error(r.status().message());
      orphan_log = std::move(r.value());
    }
    replay(txn, *orphan_log);
  }

  // Opens the owner's transaction (when none is open), taking in whatever the log holds beyond
  // LMDB (after a failed checkpoint, or at open: the records of a process that died).
  void open_parent() {
    if (parent.active()) return;
    gate.enter();
    try {
      parent = lmdb::Txn::begin(env.handle());
      // Another process may have taken in this log's records while the owner had no transaction
      // open (after a failed one): LMDB then holds them all, and the log must start again at
      // offset 0 before its next record (a reader looks only at the first one).
      std::uint64_t committed = read_checkpoint(parent, wal_dbi);
      if (committed >= last_seq && committed > checkpoint_seq) {
        log->rewind();
        checkpoint_seq = committed;
        overlay.checkpointed(committed);
      }
      std::uint64_t held = replay(parent, *log);
      last_seq = std::max(last_seq, held);
      parent_began = std::chrono::steady_clock::now();
    } catch (...) {
      parent.abort();
      gate.leave();
      throw;
    }
  }

  // Commits the owner's transaction: LMDB then holds every logged record, and the log starts
  // again at offset 0. A failure leaves the records in the log (the next open_parent() takes
  // them in again); only when the map is not the cause is the store broken.
  void checkpoint() {
    if (!parent.active()) return;
    if (spoiled) {  // never commit writes that are not durable
      discard_parent();
      return;
    }
    if (last_seq == checkpoint_seq) {  // nothing logged since the last one: nothing to commit
      discard_parent();
      return;
    }
    try {
      parent.commit();
      gate.leave();
    } catch (const lmdb::Error& e) {
      gate.leave();
      if (e.rc() == MDB_MAP_FULL) {
        try {
          if (grow_map()) return;
        } catch (const lmdb::Error&) {
        }
      }
      broken = Status(Errc::io, std::string("cannot commit the log's writes to LMDB: ") + e.what());
      return;
    }
    ++n_checkpoints;
    checkpoint_seq = last_seq;
    overlay.checkpointed(last_seq);
    log->rewind();
    note_growth();
    extend_headroom();
  }

  // The owner's group commit, inside the open transaction (its conditions and appends see every
  // earlier write): the group's writes go into it, then into the log; once the log append is
  // durable the callers are answered and this process's readers see them. Until then the open
  // transaction is `spoiled` (it holds writes that are not durable): when the log append fails or
  // LMDB throws (lmdb::Error), it stays so, and the writer discards it and builds it again from
  // the log (discard_parent(), open_parent()).
  std::vector<Status> log_group(std::vector<Pending*>& group) {
    std::vector<Status> results(group.size());
    std::vector<detail::LogOp> ops;
    spoiled = true;
    for (std::size_t i = 0; i < group.size(); ++i) {
      results[i] = check_conditions(parent, group[i]->batch);
      if (results[i].ok()) apply_writes(parent, group[i]->batch, &ops);
    }
    if (ops.empty()) {
      spoiled = false;
      return results;
    }
    std::uint64_t seq = last_seq + 1;
    parent.put(wal_dbi, kCheckpointKey, key::u64(seq));
    if (Status s = log->append(seq, ops); !s.ok()) {
      broken = Status(Errc::io, s.message() + " (nothing is written after a failed flush; restart the process)");
      return std::vector<Status>(group.size(), broken);
    }
    spoiled = false;
    last_seq = seq;
    ++n_appends;
    ++n_txn;
    overlay.publish(seq, ops);
    return results;
  }

  // Drops a spoiled open transaction (writer thread): what it held durably is in the log.
  void discard_parent() {
    if (!parent.active()) return;
    parent.abort();
    gate.leave();
    spoiled = false;
  }

  // The writer's turn for the owner: opens the transaction when needed and deals with the map.
  std::vector<Status> owner_group(std::vector<Pending*>& group) {
    for (int attempt = 0;; ++attempt) {
      if (!broken.ok()) return std::vector<Status>(group.size(), broken);
      try {
        if (spoiled) discard_parent();
        open_parent();
        return log_group(group);
      } catch (const lmdb::Error& e) {
        Status fail = failure(e);
        if (attempt < kMaxRetries) {
          try {
            discard_parent();
            if (e.rc() == MDB_MAP_RESIZED) {
              adopt_map_size();
              continue;
            }
            if (e.rc() == MDB_MAP_FULL) {
              if (grow_map()) continue;
              fail = Status(Errc::map_full, "the store reached its maximum size (" +
                                                std::to_string(opts.max_map_size) + " bytes)");
            } else if (e.rc() == MDB_TXN_FULL && attempt == 0) {
              // Commit what the log holds on its own, then the group in a fresh transaction.
              open_parent();
              checkpoint();
              continue;
            }
          } catch (const lmdb::Error& e2) {
            fail = Status(Errc::io, e2.what());
          }
        }
        return std::vector<Status>(group.size(), fail);
      } catch (const std::exception& e) {
        return std::vector<Status>(group.size(), Status(Errc::io, e.what()));
      }
    }
  }

  // The owner's commit on the caller's thread (GroupQueue::run_inline: the writer waits). The
  // open transaction is only begun, committed or aborted by the writer thread (LMDB's write lock
  // belongs to the thread that took it), but in between any one thread at a time may write into
  // it; so this runs only while one is open, and leaves the rest to the writer (a failure leaves
  // it spoiled, for the writer to build again: nothing changed).
  std::optional<Status> owner_inline(Pending& p) {
    if (!parent.active() || spoiled || !broken.ok()) return std::nullopt;
    std::vector<Pending*> one{&p};
    try {
      auto results = log_group(one);
      ++n_inline;
      return results[0];
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  // After a checkpoint, the writer opens the next transaction at once, so that a lone caller's
  // commit finds one open and runs on its own thread.
  void reopen_parent() {
    if (spoiled) discard_parent();
    if (!owner || parent.active() || !broken.ok()) return;
    try {
      open_parent();
    } catch (const std::exception&) {
      // The next group opens it (and deals with the map).
    }
  }

  // The open transaction has been open for checkpoint_ms.
  bool checkpoint_due() const {
    return std::chrono::steady_clock::now() - parent_began >= std::chrono::milliseconds(opts.checkpoint_ms);
  }

  void owner_after_group() {
    if (checkpoint_due() || log->bytes() >= kCheckpointBytes) checkpoint();
    yield_to_direct_writers();
    reopen_parent();
  }

  void owner_idle() {
    if (checkpoint_due()) checkpoint();
    if (!parent.active()) extend_headroom();
    yield_to_direct_writers();
    reopen_parent();
  }

  // Another process waits to write LMDB directly: commit, then wait until it has had its turn.
  void yield_to_direct_writers() {
    if (locks->try_lock(LockFile::kWant, F_WRLCK)) {
      locks->unlock(LockFile::kWant);
      return;
    }
    checkpoint();
    locks->wait_lock(LockFile::kWant, F_WRLCK);
    locks->unlock(LockFile::kWant);
  }

  // Becomes the log's owner when no other process is (at open, and on the writer thread whenever
  // it looks: so the log has an owner again soon after its owner died), taking in what the log
  // holds. Ok (and not the owner) when another process owns it.
  Status take_log() {
    if (owner || !opts.wal || !locks->try_lock(LockFile::kOwner, F_WRLCK)) return {};
    Status s = become_owner();
    if (!s.ok()) {
      log.reset();
      locks->unlock(LockFile::kOwner);
    }
    return s;
  }

  Status become_owner() {
    auto r = detail::WriteAheadLog::open(canonical_path + "/wal.log", opts.sync);
    if (!r.ok()) return r.status();
    log = std::move(r.value());
    if (Status s = log->reserve(); !s.ok()) return s;
    try {
      with_map_retries([&] {
        open_parent();
        checkpoint();
      });
    } catch (const std::exception& e) {
      return Status(Errc::io, e.what());
    }
    if (!broken.ok()) return broken;
    owner = true;
    return {};
  }

  // Not the owner: waits until the owner has committed what it acknowledged (and takes in an
  // orphaned log), so that this process sees every write acknowledged before the call.
  void catch_up() {
    if (owner) return;
    WantGuard want(locks.get());
    GateGuard guard(gate);
    auto txn = lmdb::Txn::begin(env.handle());
    take_in_log(txn);
    txn.commit();
  }

  // Makes LMDB hold every write acknowledged before the call: the owner commits its transaction
  // (through the writer), another process waits for the owner's commit.
  Status settle() {
    try {
      if (!owner) {
        catch_up();
        return {};
      }
    } catch (const std::exception& e) {
      return Status(Errc::io, e.what());
    }
    if (std::this_thread::get_id() == writer_id) return {};
    std::promise<Status> promise;
    auto done = promise.get_future();
    if (!queue.push(Pending{WriteBatch(), [&promise](const Status& s) { promise.set_value(s); }, true}))
      return {};  // closed: the last checkpoint has been made
    return done.get();
  }

  // ---- zero-filled headroom (sync stores only) ----
  // LMDB extends data.mdb by writing past its end, and the fdatasync of such a commit also
  // commits the file system's journal (new blocks, new size). Zero-filled blocks kept ahead of
  // the used pages make a commit's sync a pure overwrite (docs/performance.md "Commits on the engine
  // thread, and zero-filled headroom"). The headroom is a quarter of the used size, 4–64 MiB.
  static constexpr std::uint64_t kMinHeadroom = 4u << 20, kMaxHeadroom = 64u << 20;
  std::uint64_t page_size = 4096;
  std::atomic<std::uint64_t> file_bytes{0};
  std::atomic<bool> headroom_low{false};

  static std::uint64_t headroom_for(std::uint64_t used) {
    return std::clamp<std::uint64_t>(used / 4, kMinHeadroom, kMaxHeadroom);
  }

  std::uint64_t used_bytes() const {
    MDB_envinfo info{};
    mdb_env_info(env.handle(), &info);
    return (static_cast<std::uint64_t>(info.me_last_pgno) + 1) * page_size;
  }

  // After a commit: flags the writer when less than half the headroom is left.
  void note_growth() {
    if (!opts.sync) return;
    std::uint64_t used = used_bytes();
    if (used + headroom_for(used) / 2 > file_bytes.load()) headroom_low = true;
  }

  // Writer thread, between commits: zero-fills the next MiB of data.mdb towards used + headroom
  // (within the map; a step costs ~1 ms, so commits never wait long) while holding LMDB's write
  // lock (no process writes pages meanwhile), then syncs it. Failures only cost the optimisation.
  void extend_headroom() {
    if (!headroom_low.exchange(false)) return;
    int fd = -1;
    if (mdb_env_get_fd(env.handle(), &fd) != MDB_SUCCESS || fd < 0) return;
    WantGuard want(owner ? nullptr : locks.get());
    GateGuard guard(gate);
    MDB_txn* txn = nullptr;
    if (mdb_txn_begin(env.handle(), nullptr, 0, &txn) != MDB_SUCCESS) return;
    struct stat st {};
    std::uint64_t used = used_bytes();
    if (::fstat(fd, &st) == 0) {
      static const std::string zeros(1u << 20, '\0');
      std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
      std::uint64_t target = std::min<std::uint64_t>(used + headroom_for(used), map_size.load());
      std::uint64_t end = std::min<std::uint64_t>(target, size + zeros.size());
      end -= end % page_size;
      if (end > size && ::pwrite(fd, zeros.data(), end - size, static_cast<off_t>(size)) ==
                            static_cast<ssize_t>(end - size) &&
          ::fdatasync(fd) == 0) {
        file_bytes = end;
        if (end < target) headroom_low = true;  // the next step on the next turn
      } else {
        file_bytes = size;
      }
    }
    mdb_txn_abort(txn);
  }

  void stop() {
    queue.stop();
    if (writer.joinable() && std::this_thread::get_id() != writer_id) writer.join();
  }
};

// ---- ReadTxn ----

struct ReadTxn::Impl {
  const Store::Impl* store;
  lmdb::Txn txn;
  detail::Overlay::Window window;                   // the owner's logged writes this reader sees
  mutable std::vector<std::shared_ptr<const void>> keep;  // overlay entries handed out as views
  Impl(const Store::Impl* s, lmdb::Txn t, detail::Overlay::Window w) : store(s), txn(std::move(t)), window(w) {}
  ~Impl() {
    txn.abort();
    store->gate.leave();
    store->overlay.leave(window);
  }
};

ReadTxn::ReadTxn(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadTxn::ReadTxn(ReadTxn&&) noexcept = default;
ReadTxn& ReadTxn::operator=(ReadTxn&&) noexcept = default;
ReadTxn::~ReadTxn() = default;

std::optional<std::string_view> ReadTxn::get(Keyspace ks, std::string_view key) const {
  if (key.empty() || key.size() > WriteBatch::max_key_size) return std::nullopt;
  if (auto hit = impl_->store->overlay.find(ks, key, impl_->window)) {
    if (!hit->value) return std::nullopt;
    impl_->keep.push_back(hit->value);
    return std::string_view(*hit->value);
  }
  try {
    return impl_->txn.get(impl_->store->db(ks), key);
  } catch (const lmdb::Error& e) {
    throw StoreError(e.what());
  }
}

std::size_t ReadTxn::scan(Keyspace ks, const Range& range, const ScanOptions& opts,
                          const std::function<bool(std::string_view, std::string_view)>& fn) const {
  if (range.upper && *range.upper <= range.lower) return 0;
  // The owner's logged writes in the range, merged with LMDB's entries in walking order (kept
  // alive with the transaction, like LMDB's views).
  using Logged = std::vector<std::pair<std::string, detail::Overlay::Hit>>;
  static const Logged none;
  const Logged* logged = &none;
  if (!impl_->window.empty()) {
    auto found = std::make_shared<Logged>(impl_->store->overlay.range(ks, range.lower, range.upper, impl_->window));
    if (opts.reverse) std::reverse(found->begin(), found->end());
    logged = found.get();
    impl_->keep.push_back(std::move(found));
  }
  std::size_t next = 0, count = 0;
  auto emit = [&](std::string_view key, std::string_view value) {
    ++count;
    return fn(key, value) && !(opts.limit && count >= opts.limit);
  };
  auto before = [&](std::string_view a, std::string_view b) { return opts.reverse ? a > b : a < b; };
  // Emits the logged entries that come before `k` (all of them when null); false to stop.
  auto drain = [&](const std::string_view* k) {
    for (; next < logged->size() && (!k || before((*logged)[next].first, *k)); ++next) {
      const auto& [key, hit] = (*logged)[next];
      if (hit.value && !emit(key, *hit.value)) return ++next, false;
    }
    return true;
  };
  // One LMDB entry: the logged entries before it, then it (or the logged write that replaces it).
  auto visit = [&](std::string_view k, std::string_view v) {
    if (!drain(&k)) return false;
    if (next < logged->size() && (*logged)[next].first == k) {
      const auto& hit = (*logged)[next++].second;
      return !hit.value || emit(k, *hit.value);
    }
    return emit(k, v);
  };
  try {
    auto cursor = lmdb::Cursor::open(impl_->txn, impl_->store->db(ks));
    std::string_view k, v;
    bool found, going = true;
    // LMDB cannot seek to a key longer than its limit: seek to the truncated bound, then step
    // over the keys that sort before the real one.
    auto seek = [&](const std::string& bound) {
      k = std::string_view(bound).substr(0, WriteBatch::max_key_size);
      bool f = cursor.get(MDB_SET_RANGE, k, v);
      while (f && k < bound) f = cursor.get(MDB_NEXT, k, v);
      return f;
    };
    if (!opts.reverse) {
      found = range.lower.empty() ? cursor.get(MDB_FIRST, k, v) : seek(range.lower);
      while (found && !(range.upper && k >= *range.upper)) {
        if (!(going = visit(k, v))) break;
        found = cursor.get(MDB_NEXT, k, v);
      }
    } else {
      if (range.upper) {
        found = seek(*range.upper) ? cursor.get(MDB_PREV, k, v) : cursor.get(MDB_LAST, k, v);
      } else {
        found = cursor.get(MDB_LAST, k, v);
      }
      while (found && k >= range.lower) {
        if (!(going = visit(k, v))) break;
        found = cursor.get(MDB_PREV, k, v);
      }
    }
    if (going) drain(nullptr);
    return count;
  } catch (const lmdb::Error& e) {
    throw StoreError(e.what());
  }
}

std::vector<Entry> ReadTxn::collect(Keyspace ks, const Range& range,
                                    const ScanOptions& opts) const {
  std::vector<Entry> out;
  scan(ks, range, opts, [&](std::string_view k, std::string_view v) {
    out.push_back(Entry{std::string(k), std::string(v)});
    return true;
  });
  return out;
}

std::optional<Entry> ReadTxn::last(Keyspace ks, const Range& range) const {
  auto entries = collect(ks, range, ScanOptions{1, true});
  if (entries.empty()) return std::nullopt;
  return std::move(entries.front());
}

// ---- Store ----

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const StoreOptions& opts) {
  namespace fs = std::filesystem;
  if (opts.path.empty()) return Status(Errc::invalid_argument, "no data directory given");
  std::error_code ec;
  // Owner only: the directory 0700 when we create it, its files 0600 (history holds step inputs).
  if (!fs::exists(opts.path, ec)) {
    fs::create_directories(opts.path, ec);
    if (!ec) fs::permissions(opts.path, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (ec) return Status(Errc::io, "cannot create data directory " + opts.path + ": " + ec.message());
  auto canonical = fs::canonical(opts.path, ec);
  if (ec || !fs::is_directory(canonical))
    return Status(Errc::io, "not a usable directory: " + opts.path);

  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  {
    std::lock_guard lock(g_open_mu);
    if (!g_open_paths.insert(registry_key(canonical.string())).second)
      return Status(Errc::invalid_argument,
                    "data directory already open in this process: " + canonical.string());
  }
  impl->canonical_path = canonical.string();
  try {
    impl->env = lmdb::Env::create();
    MDB_env* env = impl->env.handle();
    lmdb::check(mdb_env_set_maxdbs(env, keyspace_count + 4), "mdb_env_set_maxdbs");
    lmdb::check(mdb_env_set_maxreaders(env, std::max(1u, opts.max_readers)),
                "mdb_env_set_maxreaders");
    lmdb::check(mdb_env_set_mapsize(env, std::max<std::size_t>(opts.initial_map_size, 1u << 16)),
                "mdb_env_set_mapsize");
    unsigned flags = MDB_NOTLS | (opts.sync ? 0u : MDB_NOSYNC);
    lmdb::check(mdb_env_open(env, impl->canonical_path.c_str(), flags, 0600), "mdb_env_open");
    // Files an earlier version created 0644 are made private too.
    for (const char* f : {"data.mdb", "lock.mdb"})
      fs::permissions(canonical / f, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
    impl->refresh_map_size();
    impl->locks = std::make_unique<LockFile>();
    if (Status s = impl->locks->open((canonical / "wal.lock").string()); !s.ok()) return s;
    impl->open_databases();
    MDB_stat st{};
    if (mdb_env_stat(env, &st) == MDB_SUCCESS && st.ms_psize > 0) impl->page_size = st.ms_psize;
    std::error_code size_ec;
    auto bytes = fs::file_size(canonical / "data.mdb", size_ec);
    impl->file_bytes = size_ec ? 0 : bytes;
    impl->note_growth();
    if (Status s = impl->take_log(); !s.ok())
        return Status(s.code(), "cannot open store in " + opts.path + ": " + s.message());
    impl->catch_up();
  } catch (const std::exception& e) {
    // ~Impl unregisters the path and closes the environment.
    return Status(Errc::io, std::string("cannot open store in ") + opts.path + ": " + e.what());
  }
  Impl* raw = impl.get();
  raw->writer = std::thread([raw] { raw->writer_loop(); });
  raw->writer_id = raw->writer.get_id();
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

void Store::commit(WriteBatch batch, Callback done, Mode mode) {
  if (!batch.validity().ok()) {
    if (done) done(batch.validity());
    return;
  }
  // On refusal the item (and `done`) stays with us.
  Pending p{std::move(batch), std::move(done)};
  if (mode == Mode::inline_when_idle &&
      impl_->queue.run_inline(p, impl_->counters, [this](Pending& one) { return impl_->run_inline(one); }))
    return;
  if (impl_->queue.push(std::move(p))) return;
  if (p.done) p.done(Status(Errc::closed, "the store is closed"));
}

Status Store::commit_sync(WriteBatch batch) {
  if (std::this_thread::get_id() == impl_->writer_id)
    return Status(Errc::invalid_argument, "commit_sync called from a commit callback");
  std::promise<Status> promise;
  auto future = promise.get_future();
  commit(std::move(batch), [&promise](const Status& s) { promise.set_value(s); });
  return future.get();
}

ReadTxn Store::read() const {
  for (int attempt = 0;; ++attempt) {
    // Registered before the snapshot opens, so that the versions it may need are kept (a process
    // that does not own the log has none: its readers see LMDB alone).
    auto window = impl_->owner ? impl_->overlay.enter() : detail::Overlay::Window{};
    impl_->gate.enter();
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(impl_->env.handle(), nullptr, MDB_RDONLY, &txn);
    if (rc == MDB_SUCCESS) {
      lmdb::Txn t(txn);
      try {
        // The snapshot may hold a later checkpoint than the one registered.
        if (!window.empty()) window.base = std::max(window.base, Store::Impl::read_checkpoint(t, impl_->wal_dbi));
      } catch (const lmdb::Error& e) {
        t.abort();
        impl_->gate.leave();
        impl_->overlay.leave(window);
        throw StoreError(e.what());
      }
      return ReadTxn(std::make_unique<ReadTxn::Impl>(impl_.get(), std::move(t), window));
    }
    impl_->gate.leave();
    impl_->overlay.leave(window);
    if (rc == MDB_MAP_RESIZED && attempt < kMaxRetries) {
      try {
        impl_->adopt_map_size();
        continue;
      } catch (const lmdb::Error& e) {
        throw StoreError(e.what());
      }
    }
    throw StoreError(lmdb::Error("mdb_txn_begin", rc).what());
  }
}

void Store::close() { impl_->stop(); }

StoreStats Store::stats() const {
  StoreStats s;
  s.transactions = impl_->n_txn;
  s.inline_commits = impl_->n_inline;
  s.batches = impl_->counters.batches;
  s.conflicts = impl_->counters.conflicts;
  s.failed = impl_->counters.failed;
  s.map_resizes = impl_->n_resizes;
  s.largest_group = impl_->counters.largest;
  s.log_appends = impl_->n_appends;
  s.checkpoints = impl_->n_checkpoints;
  s.log_owner = impl_->owner;
  return s;
}

std::size_t Store::map_size() const { return impl_->map_size; }

const StoreOptions& Store::options() const { return impl_->opts; }

Status Store::backup(const std::string& dir) const {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec))
    return Status(Errc::io, "backup target is not empty: " + dir);
  fs::create_directories(dir, ec);
  if (ec) return Status(Errc::io, "cannot create backup directory " + dir + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (Status s = impl_->settle(); !s.ok()) return s;
  int rc = mdb_env_copy2(impl_->env.handle(), dir.c_str(), MDB_CP_COMPACT);
  if (rc != MDB_SUCCESS) return Status(Errc::io, "backup into " + dir + ": " + mdb_strerror(rc));
  fs::permissions(fs::path(dir) / "data.mdb", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace, ec);
  return Status();
}

}  // namespace weft::store
