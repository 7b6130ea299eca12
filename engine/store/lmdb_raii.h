#pragma once
// INTERNAL to engine/store (and its unit tests): a thin lmdbxx-style RAII layer over LMDB.
// Never include this from a public header: it is the one place that includes <lmdb.h>.
#include <lmdb.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace weft::store::lmdb {

/// An LMDB failure: the return code and the call that produced it.
class Error : public std::runtime_error {
 public:
  /// Wraps return code `rc` of the call named `what`.
  Error(const char* what, int rc)
      : std::runtime_error(std::string(what) + ": " + mdb_strerror(rc)), rc_(rc) {}
  /// The LMDB (or errno) return code.
  int rc() const { return rc_; }

 private:
  int rc_;
};

/// Throws Error when `rc` is not MDB_SUCCESS.
inline void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) throw Error(what, rc);
}

/// An MDB_val viewing `s` (LMDB never writes through it for puts and lookups).
inline MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
/// A string_view over an MDB_val (valid while its transaction lives).
inline std::string_view view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

/// Owns an MDB_env; closes it on destruction. Move-only.
class Env {
 public:
  /// Creates an unopened environment.
  static Env create() {
    MDB_env* e = nullptr;
    check(mdb_env_create(&e), "mdb_env_create");
    return Env(e);
  }
  Env() = default;
  explicit Env(MDB_env* e) : env_(e) {}
  Env(Env&& o) noexcept : env_(std::exchange(o.env_, nullptr)) {}
  Env& operator=(Env&& o) noexcept {
    if (this != &o) {
      close();
      env_ = std::exchange(o.env_, nullptr);
    }
    return *this;
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  ~Env() { close(); }
  /// Closes the environment (idempotent).
  void close() noexcept {
    if (env_) mdb_env_close(std::exchange(env_, nullptr));
  }
  /// The raw handle.
  MDB_env* handle() const { return env_; }

 private:
  MDB_env* env_ = nullptr;
};

/// A transaction that aborts on destruction unless committed. Move-only.
class Txn {
 public:
  /// Begins a transaction (`flags` = MDB_RDONLY for a read transaction).
  static Txn begin(MDB_env* env, unsigned flags = 0, MDB_txn* parent = nullptr) {
    MDB_txn* t = nullptr;
    check(mdb_txn_begin(env, parent, flags, &t), "mdb_txn_begin");
    return Txn(t);
  }
  Txn() = default;
  explicit Txn(MDB_txn* t) : txn_(t) {}
  Txn(Txn&& o) noexcept : txn_(std::exchange(o.txn_, nullptr)) {}
  Txn& operator=(Txn&& o) noexcept {
    if (this != &o) {
      abort();
      txn_ = std::exchange(o.txn_, nullptr);
    }
    return *this;
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { abort(); }

  /// Commits; the handle is released whether or not the commit succeeds (LMDB frees it).
  void commit() {
    int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
    check(rc, "mdb_txn_commit");
  }
  /// Aborts (idempotent).
  void abort() noexcept {
    if (txn_) mdb_txn_abort(std::exchange(txn_, nullptr));
  }
  /// True while the transaction is open.
  bool active() const { return txn_ != nullptr; }
  /// The raw handle.
  MDB_txn* handle() const { return txn_; }

  /// The value under `key`, or nullopt; the view lives as long as the transaction.
  std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = val(key), v{};
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    check(rc, "mdb_get");
    return view(v);
  }
  /// Stores `value` under `key`.
  void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0) {
    MDB_val k = val(key), v = val(value);
    check(mdb_put(txn_, dbi, &k, &v, flags), "mdb_put");
  }
  /// Deletes `key`; false when it was absent.
  bool del(MDB_dbi dbi, std::string_view key) {
    MDB_val k = val(key);
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "mdb_del");
    return true;
  }

 private:
  MDB_txn* txn_ = nullptr;
};

/// A cursor; closed on destruction. In a write transaction it must die before the commit.
class Cursor {
 public:
  /// Opens a cursor on `dbi` inside `txn`.
  static Cursor open(const Txn& txn, MDB_dbi dbi) {
    MDB_cursor* c = nullptr;
    check(mdb_cursor_open(txn.handle(), dbi, &c), "mdb_cursor_open");
    return Cursor(c);
  }
  explicit Cursor(MDB_cursor* c) : cur_(c) {}
  Cursor(Cursor&& o) noexcept : cur_(std::exchange(o.cur_, nullptr)) {}
  Cursor& operator=(Cursor&&) = delete;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cur_) mdb_cursor_close(cur_);
  }
  /// Moves with `op` (seeding `key` for MDB_SET_RANGE etc.); false at MDB_NOTFOUND.
  bool get(MDB_cursor_op op, std::string_view& key, std::string_view& value) {
    MDB_val k = val(key), v{};
    int rc = mdb_cursor_get(cur_, &k, &v, op);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "mdb_cursor_get");
    key = view(k);
    value = view(v);
    return true;
  }

 private:
  MDB_cursor* cur_ = nullptr;
};

}  // namespace weft::store::lmdb
