#pragma once
// Time-ordered identifiers (ULID, 26 Crockford base32 characters): 48-bit milliseconds since the
// Unix epoch + 80 random bits. Ids sort by creation time bytewise; within one process they are
// strictly increasing, even within one millisecond.
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace weft::store {

/// Length of an id's string form.
inline constexpr std::size_t id_length = 26;

/// Issues ids that strictly increase: within one millisecond (or when the clock goes back) the
/// random part of the previous id is incremented. Thread-safe.
class IdGenerator {
 public:
  /// Seeds the random part from std::random_device.
  IdGenerator();
  /// A new id for time `ms`, greater than every id this generator issued before.
  std::string next(std::int64_t ms);

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
  std::int64_t last_ms_ = -1;
  unsigned char last_[16] = {};
};

/// A new id for the current time from the process-wide generator (monotonic within the process).
std::string new_id();
/// True when `id` is a well-formed id (26 upper-case Crockford base32 chars, first one ≤ '7').
bool is_valid_id(std::string_view id);
/// The creation time (ms since epoch) carried by `id`; nullopt when `id` is malformed.
std::optional<std::int64_t> id_time_ms(std::string_view id);
/// The smallest id whose time is `ms` (for time-range scans; clamps to the 48-bit range).
std::string id_floor(std::int64_t ms);
/// The current wall-clock time in ms since the Unix epoch.
std::int64_t now_ms();

}  // namespace weft::store
