// strftime-style formatting and parsing of `time` values in a time zone (used by format_time,
// parse_time and start_of). Directives: %Y %y %C %m %d %e %j %H %I %M %S %L (milliseconds)
// %f (fraction, parse only) %p %a %A %b %B %h %u %w %G %V %z (+0100) %:z (+01:00) %Z %s %F %T %R
// %n %t %%.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stdlib/functions/civil.h"
#include "stdlib/functions/tz.h"

namespace weft::functions {

/// Formats an instant (ms) with a pattern in a zone; nullopt and an error for a bad directive.
std::optional<std::string> format_time_pattern(int64_t ms, std::string_view pattern,
                                               const TimeZone& zone, std::string& error);
/// Parses text with a pattern. Missing fields default to 1970-01-01 00:00:00.000; without %z or %s
/// the wall time is read in `zone` (see local_to_utc_ms). Nullopt and an error when it does not fit.
std::optional<int64_t> parse_time_pattern(std::string_view text, std::string_view pattern,
                                          const TimeZone& zone, std::string& error);
/// Parses RFC 3339, or "YYYY-MM-DD" / "YYYY-MM-DDTHH:MM[:SS[.fff]]" without offset read in `zone`.
std::optional<int64_t> parse_time_default(std::string_view text, const TimeZone& zone);
/// A local wall time in a zone as UTC ms: a time skipped by a jump is shifted forward by the
/// gap's length, a repeated time takes its first occurrence.
int64_t local_to_utc_ms(const CivilTime& local, const TimeZone& zone);

}  // namespace weft::functions
