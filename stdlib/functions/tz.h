// IANA time zones read from TZif files (RFC 8536) under /usr/share/zoneinfo (or $TZDIR), with the
// POSIX TZ footer rule for instants after the last listed transition. GCC 12 has no C++20 tzdb.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::functions {

/// The UTC offset in effect at an instant.
struct ZoneOffset {
  int32_t utc_offset_s = 0;  ///< seconds east of UTC (Berlin in winter: 3600)
  bool is_dst = false;       ///< daylight-saving time
  std::string abbreviation;  ///< "CET", "EDT", "+1030"
};

/// How a local wall time maps to UTC.
struct LocalConversion {
  enum class Kind { unique, gap, overlap };
  Kind kind = Kind::unique;  ///< unique: one instant; gap: skipped by a jump; overlap: repeated
  int64_t first_s = 0;   ///< unique: the instant; overlap: the first occurrence; gap: the instant of the jump
  int64_t second_s = 0;  ///< unique: same; overlap: the second occurrence; gap: the wall time read
                         ///< with the offset before the jump (i.e. shifted forward by the gap length)
};

/// One POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), used after the last TZif transition.
struct PosixRule {
  /// A transition date: Jn (julian, no Feb 29), n (0-based day of year) or Mm.w.d.
  struct Date {
    char kind = 'M';  ///< 'J', 'D' (plain n) or 'M'
    int month = 0, week = 0, weekday = 0, day = 0;
    int32_t time_s = 7200;  ///< local time of the transition, may be negative or above 24h
  };
  ZoneOffset standard;    ///< offset outside daylight-saving time
  ZoneOffset daylight;    ///< offset during daylight-saving time (unused when !has_dst)
  bool has_dst = false;   ///< whether the rule has daylight-saving time
  Date start, end;        ///< DST start (in standard local time) and end (in DST local time)
  /// Parses a POSIX TZ string; false on malformed input.
  bool parse(std::string_view s);
  /// The offset in effect at an instant.
  ZoneOffset offset_at(int64_t unix_s) const;
};

/// An immutable time zone; share it freely between threads.
class TimeZone {
 public:
  /// The UTC zone (always available, even without tzdata).
  static std::shared_ptr<const TimeZone> utc();
  /// Loads (and caches) the zone "Europe/Berlin"; null and an error message when unknown or invalid.
  static std::shared_ptr<const TimeZone> load(std::string_view name, std::string& error);
  /// Builds a zone from the bytes of a TZif file; null and an error message when malformed.
  static std::shared_ptr<const TimeZone> from_tzif(std::string_view name, std::string_view bytes,
                                                   std::string& error);
  /// The IANA name the zone was loaded as.
  const std::string& name() const { return name_; }
  /// The offset in effect at an instant (seconds since the epoch).
  ZoneOffset offset_at(int64_t unix_s) const;
  /// Converts a local wall time (seconds since 1970-01-01T00:00 local) to UTC, reporting gaps/overlaps.
  LocalConversion to_utc(int64_t local_s) const;

 private:
  struct Transition {
    int64_t at_s;   ///< instant of the transition
    uint8_t type;   ///< index into types_
  };
  std::string name_;
  std::vector<Transition> transitions_;  // sorted by at_s
  std::vector<ZoneOffset> types_;        // local time types; types_[0] applies before the first transition
  PosixRule footer_;                     // applies after the last transition when has_footer_
  bool has_footer_ = false;
};

}  // namespace weft::functions
