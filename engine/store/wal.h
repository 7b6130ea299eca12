#pragma once
// INTERNAL to engine/store: the write-ahead log in front of LMDB (docs/operations.md "The data
// directory"). The process that owns a data directory's log makes a group commit durable with one
// checksummed append and one flush; LMDB takes the same writes in a long transaction that is
// committed (fully synced) every few milliseconds, after which the log starts again at offset 0.
//
// File `wal.log`: records back to back from offset 0, each
//   u32 payload length | u32 CRC-32C of (seq, payload) | u64 seq | payload
// (little-endian), the payload a list of physical writes
//   u8 kind (1 put, 2 delete) | u8 keyspace | u32 key length | u32 value length | key | value.
// Sequence numbers grow by one per record. Reading stops at the first record that is short, fails
// its checksum or does not continue the sequence: a torn append (never acknowledged) or the older
// records that a restart at offset 0 has not overwritten yet.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/store/store.h"

namespace weft::store::detail {

/// One physical write: a put or a delete of a resolved key (appends already numbered).
struct LogOp {
  bool del = false;   ///< true: delete `key`; false: store `value` under it
  Keyspace ks{};      ///< its keyspace
  std::string key;    ///< the key
  std::string value;  ///< the value (puts)
};

/// The writes of one group commit, in order, under one sequence number.
struct LogRecord {
  std::uint64_t seq = 0;    ///< its sequence number
  std::vector<LogOp> ops;   ///< the writes
};

/// CRC-32C (Castagnoli) of `n` bytes at `data`, continuing from `crc` (0 to start).
std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0);

/// The log file of one data directory. Used by one thread at a time (the store's writer).
class WriteAheadLog {
 public:
  /// Opens (creating 0600) `path`; `sync`: flush every append (false: tests only).
  static Result<std::unique_ptr<WriteAheadLog>> open(const std::string& path, bool sync);
  ~WriteAheadLog();
  WriteAheadLog(const WriteAheadLog&) = delete;
  WriteAheadLog& operator=(const WriteAheadLog&) = delete;

  /// The records that follow `checkpoint` (the last sequence number the data file holds), in
  /// order. An io error when the log continues a different history (its first record after the
  /// checkpoint is not checkpoint + 1): the log does not belong to this data file.
  Result<std::vector<LogRecord>> recover(std::uint64_t checkpoint) const;
  /// True when the log may hold records after `checkpoint` (reads only the first record's header:
  /// the log starts again at offset 0 whenever LMDB's checkpoint passes its records, so when the
  /// first record is not after the checkpoint, none is); false means recover() finds nothing.
  bool may_follow(std::uint64_t checkpoint) const;
  /// Zero-fills the file ahead of the first appends (sync logs; see extend()).
  Status reserve() { return sync_ && size_ == 0 ? extend(1) : Status(); }
  /// Appends `ops` as record `seq` and flushes it; ok once it is durable.
  Status append(std::uint64_t seq, const std::vector<LogOp>& ops);
  /// Everything appended is in the data file: the next append starts again at offset 0.
  void rewind() { offset_ = 0; }
  /// Bytes appended since the last rewind.
  std::uint64_t bytes() const { return offset_; }

 private:
  WriteAheadLog(int fd, std::string path, bool sync, std::uint64_t size);
  Status extend(std::uint64_t needed);

  int fd_;
  std::string path_;
  bool sync_;
  std::uint64_t size_;        // bytes the file holds (zero-filled ahead of the appends when sync_)
  std::uint64_t offset_ = 0;  // where the next record goes
  std::string buffer_;        // the record being encoded
};

}  // namespace weft::store::detail
