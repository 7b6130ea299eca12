#pragma once
// The durable key-value store: LMDB named databases ("keyspaces") in one data directory,
// ordered range scans, and group commit (one writer thread merges the pending write batches of
// many callers into one commit). One process at a time owns the directory's write-ahead log: its
// group commits are one log append and one flush, and LMDB takes the same writes in a long
// transaction committed every few milliseconds (a checkpoint). Other processes that open the same
// directory write LMDB directly, in turns with the owner (see wal.h and docs/operations.md "The
// data directory"). LMDB itself stays behind a pimpl.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace weft::store {

/// A named database. Keys in every keyspace are compared bytewise (see keys.h).
enum class Keyspace : std::uint8_t {
  flows, versions, executions, history, snapshots, timers, signals, by_status, by_flow,
  dedup, cursors, secrets, tokens, events, leases, meta,
};
/// Number of keyspaces.
inline constexpr std::size_t keyspace_count = 16;
/// The LMDB database name of `ks`.
std::string_view keyspace_name(Keyspace ks);

/// Outcome categories of store operations.
enum class Errc {
  ok,                ///< success
  not_found,         ///< the named thing does not exist
  conflict,          ///< a batch condition failed (a concurrent change won); nothing was written
  invalid_argument,  ///< bad input (empty or oversized key, malformed id or cursor, ...)
  map_full,          ///< the data file reached StoreOptions::max_map_size
  txn_full,          ///< one batch alone is too large for a transaction
  io,                ///< an operating-system or LMDB failure
  closed,            ///< the store is closed
};
/// A readable name of `c` ("conflict", ...).
std::string_view errc_name(Errc c);

/// Success, or an error code with a message.
class Status {
 public:
  /// Success.
  Status() = default;
  /// An error (or success when `code` is Errc::ok).
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}
  /// True on success.
  bool ok() const { return code_ == Errc::ok; }
  /// True on success.
  explicit operator bool() const { return ok(); }
  /// The code.
  Errc code() const { return code_; }
  /// The message (empty on success).
  const std::string& message() const { return message_; }
  /// "code: message", or "ok".
  std::string to_string() const;

 private:
  Errc code_ = Errc::ok;
  std::string message_;
};

/// A value or an error Status.
template <class T>
class Result {
 public:
  /// A value.
  Result(T value) : v_(std::move(value)) {}
  /// An error (`s` must not be ok).
  Result(Status s) : v_(std::move(s)) {}
  /// True when it holds a value.
  bool ok() const { return v_.index() == 0; }
  /// True when it holds a value.
  explicit operator bool() const { return ok(); }
  /// The value (only when ok()).
  T& value() { return std::get<0>(v_); }
  /// The value (only when ok()).
  const T& value() const { return std::get<0>(v_); }
  /// The value (only when ok()).
  T& operator*() { return value(); }
  /// The value (only when ok()).
  T* operator->() { return &value(); }
  /// The error, or a success Status when it holds a value.
  Status status() const { return ok() ? Status{} : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

/// Thrown by read operations only when the environment itself fails (I/O error, corruption,
/// reader table full); a missing key is never an exception.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How to open a store.
struct StoreOptions {
  std::string path;                                 ///< the data directory (created 0700 if absent; files 0600)
  bool sync = true;                                 ///< fsync on every commit (false: tests only)
  std::size_t initial_map_size = 64u << 20;         ///< initial LMDB map size in bytes
  std::size_t max_map_size = std::size_t{1} << 40;  ///< the map grows (doubling) up to this
  std::size_t max_batch = 4096;  ///< batches merged into one transaction (1 = no group commit)
  unsigned max_readers = 1024;   ///< concurrent read transactions (all processes together)
  /// Own the write-ahead log when no other process does (false: every commit is a synced LMDB
  /// transaction of its own, two flushes instead of one).
  bool wal = true;
  /// The owner commits its LMDB transaction (a checkpoint) after this long, when idle this long,
  /// when 4 MiB of writes are waiting, or at once when another process wants to write.
  unsigned checkpoint_ms = 10;
};

/// One operation of a WriteBatch.
struct BatchOp {
  /// What the operation does.
  enum class Kind : std::uint8_t {
    put,             ///< store value under key
    del,             ///< delete key (absent is fine)
    append,          ///< store value under key + u64(last u64 under prefix key + 1, from 1)
    expect_absent,   ///< condition: key is absent
    expect_present,  ///< condition: key is present
    expect_value,    ///< condition: key holds exactly value
  };
  Kind kind;          ///< the operation
  Keyspace ks;        ///< its keyspace
  std::string key;    ///< the key (the prefix for append)
  std::string value;  ///< the value (put, append, expect_value)
};

/// A list of writes committed atomically, guarded by optional conditions. The conditions are
/// checked against the state before the batch (after the batches committed before it); when one
/// fails the whole batch is skipped and its callback gets Errc::conflict. The writes apply in order.
class WriteBatch {
 public:
  /// Stores `value` under `key`.
  WriteBatch& put(Keyspace ks, std::string_view key, std::string_view value);
  /// Deletes `key` (no error when absent).
  WriteBatch& del(Keyspace ks, std::string_view key);
  /// Stores `value` under `prefix` + u64 (big-endian) one above the highest u64 already stored
  /// right after `prefix` (1 for the first); the number is assigned by the writer, so appends
  /// from several threads or processes never collide and keep commit order.
  WriteBatch& append(Keyspace ks, std::string_view prefix, std::string_view value);
  /// Condition: `key` is absent.
  WriteBatch& expect_absent(Keyspace ks, std::string_view key);
  /// Condition: `key` is present.
  WriteBatch& expect_present(Keyspace ks, std::string_view key);
  /// Condition: `key` holds exactly `value`.
  WriteBatch& expect_value(Keyspace ks, std::string_view key, std::string_view value);
  /// Moves every operation of `other` to the end of this batch.
  WriteBatch& merge(WriteBatch&& other);
  /// The operations, in order.
  const std::vector<BatchOp>& ops() const { return ops_; }
  /// Number of operations.
  std::size_t size() const { return ops_.size(); }
  /// True when there is no operation.
  bool empty() const { return ops_.empty(); }
  /// Total bytes of keys and values (a size estimate).
  std::size_t bytes() const { return bytes_; }
  /// Ok, or the first invalid operation (an empty key, or a key over max_key_size).
  const Status& validity() const { return validity_; }

  /// LMDB's key size limit (the default build's 511 bytes).
  static constexpr std::size_t max_key_size = 511;

 private:
  WriteBatch& add(BatchOp::Kind kind, Keyspace ks, std::string_view key, std::string_view value,
                  std::size_t extra_key_bytes = 0);
  std::vector<BatchOp> ops_;
  std::size_t bytes_ = 0;
  Status validity_;
};

/// A key range [lower, upper) (an absent upper bound means unbounded).
struct Range {
  std::string lower;                 ///< inclusive lower bound ("" = from the first key)
  std::optional<std::string> upper;  ///< exclusive upper bound
  /// Every key.
  static Range all() { return {}; }
  /// Every key starting with `prefix`.
  static Range prefix(std::string_view prefix);
  /// Keys in [lower, upper).
  static Range between(std::string lower, std::string upper) {
    return {std::move(lower), std::move(upper)};
  }
};

/// How to walk a range.
struct ScanOptions {
  std::size_t limit = 0;  ///< stop after this many entries (0 = no limit)
  bool reverse = false;   ///< walk from the upper bound downwards
};

/// A key and a value copied out of a transaction.
struct Entry {
  std::string key;    ///< the key
  std::string value;  ///< the value
};

/// A read-only snapshot of the store. Move-only; it ends on destruction and must not outlive its
/// Store. Views it hands out stay valid while it lives. It may move between threads (MDB_NOTLS). Keep it short: do not hold one while waiting for a commit, and do not
/// open a second one on the same thread while one is alive (a map resize waits for readers).
class ReadTxn {
 public:
  ReadTxn(ReadTxn&&) noexcept;
  ReadTxn& operator=(ReadTxn&&) noexcept;
  ~ReadTxn();
  /// The value under `key`, or nullopt.
  std::optional<std::string_view> get(Keyspace ks, std::string_view key) const;
  /// Calls `fn(key, value)` for the keys of `range` in order (or reverse) until it returns false
  /// or `opts.limit` entries were visited; returns the number visited.
  std::size_t scan(Keyspace ks, const Range& range, const ScanOptions& opts,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const;
  /// The entries of `range` (copied), honouring `opts`.
  std::vector<Entry> collect(Keyspace ks, const Range& range, const ScanOptions& opts = {}) const;
  /// The last entry of `range`, if any.
  std::optional<Entry> last(Keyspace ks, const Range& range) const;

  struct Impl;
  /// Internal: built by Store::read().
  explicit ReadTxn(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

/// Counters since open (monotonic).
struct StoreStats {
  std::uint64_t transactions = 0;    ///< group commits made durable (by the writer or inline): LMDB
                                     ///< transactions, or log appends for the log's owner
  std::uint64_t inline_commits = 0;  ///< of which committed on the caller's thread
  std::uint64_t batches = 0;         ///< batches committed
  std::uint64_t conflicts = 0;       ///< batches skipped because a condition failed
  std::uint64_t failed = 0;          ///< batches that failed for another reason
  std::uint64_t map_resizes = 0;     ///< map-size changes (own growth or adopted from others)
  std::uint64_t largest_group = 0;   ///< most batches merged into one transaction
  std::uint64_t log_appends = 0;     ///< group commits made durable by a write-ahead log append
  std::uint64_t checkpoints = 0;     ///< LMDB transactions that took the log's writes
  bool log_owner = false;            ///< this process owns the data directory's write-ahead log
};

/// The store: one LMDB environment, one writer thread. Thread-safe.
class Store {
 public:
  /// Called once per batch, on the writer thread (or the caller's, for an inline commit), after
  /// the batch is durable (or failed).
  /// Keep it short; it may call commit() but never commit_sync(), and must not destroy the Store.
  using Callback = std::function<void(const Status&)>;

  /// Opens (creating if needed) the store in `opts.path`; an error when the directory cannot be
  /// used or is already open in this process (LMDB forbids two environments on one file per process).
  static Result<std::unique_ptr<Store>> open(const StoreOptions& opts);
  /// Drains pending batches, stops the writer, closes the environment.
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// How commit() may run a batch.
  enum class Mode : std::uint8_t {
    queued,            ///< always through the writer thread (group commit)
    inline_when_idle,  ///< on the calling thread when nothing is queued and nothing is being
                       ///< committed (the writer waits meanwhile): the same durable commit without
                       ///< the two thread hand-offs; `done` then runs before commit() returns.
                       ///< The caller must hold no ReadTxn. Otherwise (or when the map must grow)
                       ///< as `queued`.
  };
  /// Queues `batch`; the writer commits batches in submission order, merging those pending into
  /// one transaction, then calls `done`. An invalid batch, or a closed store, calls `done` at once.
  void commit(WriteBatch batch, Callback done, Mode mode = Mode::queued);
  /// Commits `batch` and waits for it to be durable.
  Status commit_sync(WriteBatch batch);
  /// Opens a read snapshot. Throws StoreError only if the environment fails.
  ReadTxn read() const;
  /// Drains pending batches and stops the writer; later commits fail with Errc::closed. Idempotent.
  void close();
  /// The counters.
  StoreStats stats() const;
  /// The current LMDB map size in bytes.
  std::size_t map_size() const;
  /// The options the store was opened with.
  const StoreOptions& options() const;
  /// Writes a consistent, compacted copy of the store into the empty or absent directory `dir`
  /// while writers go on (LMDB's copy runs in a read transaction after the log's owner made a
  /// checkpoint, so it holds every write committed before the call). The copy is a data directory
  /// that open() accepts; io error when `dir` is not empty or cannot be written.
  Status backup(const std::string& dir) const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::store
