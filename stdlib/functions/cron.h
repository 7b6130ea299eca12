// Five-field cron schedules (minute hour day-of-month month day-of-week) evaluated in an IANA
// time zone, with the daylight-saving rules of docs/design-language.md §5.
#pragma once
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "stdlib/functions/civil.h"
#include "stdlib/functions/tz.h"

namespace weft::functions {

/// A cron syntax error: data, so the type checker can report it at the right place.
struct CronError {
  std::string message;    ///< "minute value 61 is out of range 0-59"
  std::size_t column = 1; ///< 1-based column in the expression text where the problem starts
};

/// A parsed cron expression.
///
/// Syntax: lists `1,15`, ranges `1-5`, steps `*/15` `0-30/10` `5/15` (= 5-max/15), names JAN-DEC and
/// SUN-SAT (any case) in lists and ranges, 0 and 7 both Sunday, and the aliases @yearly @annually
/// @monthly @weekly @daily @midnight @hourly. Classic (Vixie) day matching: when both day fields are
/// restricted (neither starts with `*`) a day matches if either does; otherwise both must match.
class CronSchedule {
 public:
  /// Parses an expression; a CronError when malformed or when it can never fire (`0 0 30 2 *`).
  static std::variant<CronSchedule, CronError> parse(std::string_view expr);
  /// The first fire instant (ms since the epoch, UTC) strictly after `after_ms`, evaluated in `zone`.
  /// A wall time skipped by a daylight-saving jump fires once, at the first instant after the jump;
  /// a repeated wall time fires once, at its first occurrence. Nullopt only past year 9999.
  std::optional<int64_t> next_after(int64_t after_ms, const TimeZone& zone) const;
  /// Whether a local wall time (minute resolution) matches the expression.
  bool matches(const CivilTime& local) const;
  /// The expression text as given (trimmed).
  const std::string& text() const { return text_; }

 private:
  /// Whether a date matches the two day fields (OR when both are restricted, else AND).
  bool day_matches(int64_t year, int month, int day) const;
  /// The first matching local wall time (seconds, minute aligned) at or after local_s.
  std::optional<int64_t> next_local_match(int64_t local_s) const;

  std::string text_;          ///< the expression as written, trimmed
  std::bitset<60> minutes_;   ///< allowed minutes 0..59
  std::bitset<24> hours_;     ///< allowed hours 0..23
  std::bitset<32> days_;      ///< allowed days of month 1..31
  std::bitset<13> months_;    ///< allowed months 1..12
  std::bitset<7> weekdays_;   ///< allowed weekdays, 0 = Sunday
  bool days_star_ = false;    ///< the day-of-month field starts with `*` (does not restrict)
  bool weekdays_star_ = false;///< the day-of-week field starts with `*` (does not restrict)
};

}  // namespace weft::functions
