#pragma once
// Order-preserving key encoding: big-endian integers and escaped, terminated strings, so that
// LMDB's bytewise key order equals the order of the encoded tuples (range scans are ordered).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::store::key {

/// Appends `v` as 8 big-endian bytes.
void append_u64(std::string& out, std::uint64_t v);
/// Appends `v` as 8 bytes that sort like signed integers (sign bit flipped, big-endian).
void append_i64(std::string& out, std::int64_t v);
/// Appends `s` escaped (0x00 → 0x00 0xFF) and terminated by 0x00 0x01; tuples stay ordered.
void append_str(std::string& out, std::string_view s);
/// Appends `s` verbatim (for fixed-length parts, such as execution ids).
void append_raw(std::string& out, std::string_view s);

/// The 8-byte big-endian encoding of `v`.
std::string u64(std::uint64_t v);
/// Decodes 8 big-endian bytes; `bytes` must hold at least 8 bytes.
std::uint64_t decode_u64(std::string_view bytes);

/// The smallest key greater than every key starting with `prefix`; nullopt when there is none
/// (the prefix is empty or all 0xFF).
std::optional<std::string> prefix_end(std::string_view prefix);

/// Reads a key written with the append_* functions, part by part; each read returns false
/// (and leaves the reader failed) when the key does not hold that part.
class Reader {
 public:
  /// Reads from `key`; the bytes must outlive the reader.
  explicit Reader(std::string_view key) : rest_(key) {}
  /// Reads an append_u64 part.
  bool u64(std::uint64_t& v);
  /// Reads an append_i64 part.
  bool i64(std::int64_t& v);
  /// Reads an append_str part (unescaped).
  bool str(std::string& s);
  /// Reads `n` verbatim bytes.
  bool raw(std::size_t n, std::string_view& s);
  /// The bytes not read yet.
  std::string_view rest() const { return rest_; }
  /// True when every byte was read and no read failed.
  bool done() const { return ok_ && rest_.empty(); }
  /// False once a read failed.
  bool ok() const { return ok_; }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace weft::store::key
