// Proleptic Gregorian calendar arithmetic and the RFC 3339 text form of `time` values.
// Instants are integers: milliseconds (or seconds where named _s) since 1970-01-01T00:00:00Z.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::functions {

/// A calendar date and wall-clock time, without a zone.
struct CivilTime {
  int64_t year = 1970;  ///< proleptic Gregorian year
  int month = 1;        ///< 1..12
  int day = 1;          ///< 1..31
  int hour = 0;         ///< 0..23
  int minute = 0;       ///< 0..59
  int second = 0;       ///< 0..59 (a leap second 60 is folded into 59 by the parsers)
  int millisecond = 0;  ///< 0..999
};

/// Days since 1970-01-01 of a civil date.
int64_t days_from_civil(int64_t y, int m, int d);
/// The civil date (year, month, day) of a day count since 1970-01-01.
void civil_from_days(int64_t days, int64_t& y, int& m, int& d);
/// Day of week of a day count since 1970-01-01: 0 = Sunday .. 6 = Saturday.
int weekday_from_days(int64_t days);
/// Number of days of a month (1..12) in a year.
int days_in_month(int64_t y, int m);
/// Whether a year is a leap year.
bool is_leap_year(int64_t y);
/// Milliseconds since the epoch of a civil time read as UTC (fields are not range-checked).
int64_t civil_to_ms(const CivilTime& c);
/// The civil time in UTC of milliseconds since the epoch.
CivilTime ms_to_civil(int64_t ms);
/// Floor division (rounds toward negative infinity).
int64_t floor_div(int64_t a, int64_t b);

/// Smallest and largest instants accepted as `time` (years 0000 to 9999).
inline constexpr int64_t kMinTimeMs = -62167219200000;
inline constexpr int64_t kMaxTimeMs = 253402300799999;

/// Canonical text of a time: "2024-03-08T10:00:00.000Z" (UTC, milliseconds).
std::string format_rfc3339(int64_t ms);
/// Parses RFC 3339 ("2024-03-08T10:00:00Z", "...T11:00:00.5+01:00", 't'/' ' separators and 'z'
/// allowed); nullopt when malformed or out of range.
std::optional<int64_t> parse_rfc3339(std::string_view s);

}  // namespace weft::functions
