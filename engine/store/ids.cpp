#include "engine/store/ids.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <random>

namespace weft::store {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::int64_t kMaxMs = (std::int64_t{1} << 48) - 1;

// Character → its 5-bit value, -1 outside the alphabet: a table, as ids are validated on every
// store read and write (a linear search over the alphabet showed in the server's profile).
constexpr std::array<signed char, 256> kDecode = [] {
  std::array<signed char, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 32; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  return t;
}();

int decode_char(char c) { return kDecode[static_cast<unsigned char>(c)]; }

// 128 bits as 16 bytes, big-endian: 6 bytes time, 10 bytes random.
using Bytes = std::array<unsigned char, 16>;

std::string encode(const Bytes& b) {
  std::string out(id_length, '0');
  // 128 bits → 26 chars of 5 bits, the first char carries the top 3 bits.
  unsigned __int128 v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  for (int i = static_cast<int>(id_length) - 1; i >= 0; --i) {
    out[i] = kAlphabet[static_cast<int>(v & 31)];
    v >>= 5;
  }
  return out;
}

}  // namespace

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

IdGenerator::IdGenerator() {
  std::random_device rd;
  rng_.seed((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
}

std::string IdGenerator::next(std::int64_t ms) {
  ms = ms < 0 ? 0 : (ms > kMaxMs ? kMaxMs : ms);
  std::lock_guard lock(mu_);
  Bytes b;
  if (ms <= last_ms_) {
    // Same (or earlier) millisecond: increment the random part of the last id.
    for (int i = 15; i >= 6; --i)
      if (++last_[i] != 0) {
        std::copy(std::begin(last_), std::end(last_), b.begin());
        return encode(b);
      }
    // The 80 random bits overflowed: move on to the next millisecond.
    ms = last_ms_ + 1;
  }
  last_ms_ = ms;
  for (int i = 0; i < 6; ++i) last_[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  std::uint64_t r1 = rng_(), r2 = rng_();
  for (int i = 6; i < 14; ++i) last_[i] = static_cast<unsigned char>(r1 >> (8 * (i - 6)));
  last_[14] = static_cast<unsigned char>(r2);
  last_[15] = static_cast<unsigned char>(r2 >> 8);
  // Keep the top random bit clear so that many increments fit before an overflow.
  last_[6] &= 0x7F;
  std::copy(std::begin(last_), std::end(last_), b.begin());
  return encode(b);
}

std::string new_id() {
  static IdGenerator generator;
  return generator.next(now_ms());
}

bool is_valid_id(std::string_view id) {
  if (id.size() != id_length) return false;
  for (char c : id)
    if (decode_char(c) < 0) return false;
  return decode_char(id[0]) <= 7;
}

std::optional<std::int64_t> id_time_ms(std::string_view id) {
  if (!is_valid_id(id)) return std::nullopt;
  std::int64_t v = 0;
  for (int i = 0; i < 10; ++i) v = (v << 5) | decode_char(id[i]);
  return v;  // the first 10 chars carry 50 bits; the top 2 are zero for valid ids
}

std::string id_floor(std::int64_t ms) {
  ms = ms < 0 ? 0 : (ms > kMaxMs ? kMaxMs : ms);
  Bytes b{};
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  return encode(b);
}

}  // namespace weft::store
