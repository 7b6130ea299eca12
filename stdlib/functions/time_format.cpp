#include "stdlib/functions/time_format.h"

#include <cctype>
#include <cstdio>

namespace weft::functions {
namespace {

constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};

void pad(std::string& out, int64_t v, int width, char fill = '0') {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v < 0 ? -v : v));
  std::string digits(buf);
  if (v < 0) out += '-';
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out += fill;
  out += digits;
}

void offset_text(std::string& out, int32_t off, bool colon) {
  out += off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  pad(out, off / 3600, 2);
  if (colon) out += ':';
  pad(out, off / 60 % 60, 2);
}

// ISO 8601 week-based year and week number of a date.
void iso_week(int64_t days, int64_t& year, int& week) {
  int wd = (weekday_from_days(days) + 6) % 7;  // Monday = 0
  int64_t thursday = days - wd + 3;
  int m, d;
  civil_from_days(thursday, year, m, d);
  week = static_cast<int>((thursday - days_from_civil(year, 1, 1)) / 7 + 1);
}

// Matches a (case-insensitive) full or 3-letter name from a table at text[p].
int match_name(std::string_view text, std::size_t& p, const char* const* names, int count) {
  for (int i = 0; i < count; ++i) {
    std::string_view full(names[i]);
    for (std::size_t len : {full.size(), std::size_t(3)}) {
      if (p + len > text.size()) continue;
      bool ok = true;
      for (std::size_t k = 0; k < len && ok; ++k)
        ok = std::tolower(static_cast<unsigned char>(text[p + k])) ==
             std::tolower(static_cast<unsigned char>(full[k]));
      if (ok) {
        p += len;
        return i;
      }
    }
  }
  return -1;
}

// Reads 1..max_digits digits (at least min_digits).
bool read_int(std::string_view text, std::size_t& p, int min_digits, int max_digits, int64_t& out) {
  std::size_t b = p;
  out = 0;
  while (p < text.size() && p - b < std::size_t(max_digits) &&
         std::isdigit(static_cast<unsigned char>(text[p])))
    out = out * 10 + (text[p++] - '0');
  return p - b >= std::size_t(min_digits);
}

}  // namespace

int64_t local_to_utc_ms(const CivilTime& local, const TimeZone& zone) {
  int64_t local_ms = civil_to_ms(local);
  int64_t secs = floor_div(local_ms, 1000);
  LocalConversion conv = zone.to_utc(secs);
  int64_t base = conv.kind == LocalConversion::Kind::gap ? conv.second_s : conv.first_s;
  return base * 1000 + (local_ms - secs * 1000);
}

std::optional<std::string> format_time_pattern(int64_t ms, std::string_view pattern,
                                               const TimeZone& zone, std::string& error) {
  int64_t secs = floor_div(ms, 1000);
  ZoneOffset off = zone.offset_at(secs);
  int64_t local_ms = ms + int64_t(off.utc_offset_s) * 1000;
  CivilTime c = ms_to_civil(local_ms);
  int64_t days = floor_div(local_ms, 86400000);
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char ch = pattern[i];
    if (ch != '%') {
      out += ch;
      continue;
    }
    if (++i >= pattern.size()) {
      error = "pattern ends with a lone `%`";
      return std::nullopt;
    }
    char d = pattern[i];
    if (d == ':' && i + 1 < pattern.size() && pattern[i + 1] == 'z') {
      ++i;
      offset_text(out, off.utc_offset_s, true);
      continue;
    }
    switch (d) {
      case 'Y': pad(out, c.year, 4); break;
      case 'y': pad(out, ((c.year % 100) + 100) % 100, 2); break;
      case 'C': pad(out, floor_div(c.year, 100), 2); break;
      case 'm': pad(out, c.month, 2); break;
      case 'd': pad(out, c.day, 2); break;
      case 'e': pad(out, c.day, 2, ' '); break;
      case 'j': pad(out, days - days_from_civil(c.year, 1, 1) + 1, 3); break;
      case 'H': pad(out, c.hour, 2); break;
      case 'I': pad(out, (c.hour + 11) % 12 + 1, 2); break;
      case 'M': pad(out, c.minute, 2); break;
      case 'S': pad(out, c.second, 2); break;
      case 'L': pad(out, c.millisecond, 3); break;
      case 'p': out += c.hour < 12 ? "AM" : "PM"; break;
      case 'a': out += std::string_view(kWeekdays[weekday_from_days(days)]).substr(0, 3); break;
      case 'A': out += kWeekdays[weekday_from_days(days)]; break;
      case 'b':
      case 'h': out += std::string_view(kMonths[c.month - 1]).substr(0, 3); break;
      case 'B': out += kMonths[c.month - 1]; break;
      case 'u': pad(out, (weekday_from_days(days) + 6) % 7 + 1, 1); break;
      case 'w': pad(out, weekday_from_days(days), 1); break;
      case 'G':
      case 'V': {
        int64_t y;
        int w;
        iso_week(days, y, w);
        d == 'G' ? pad(out, y, 4) : pad(out, w, 2);
        break;
      }
      case 'z': offset_text(out, off.utc_offset_s, false); break;
      case 'Z': out += off.abbreviation; break;
      case 's': pad(out, secs, 1); break;
      case 'F':
        pad(out, c.year, 4), out += '-', pad(out, c.month, 2), out += '-', pad(out, c.day, 2);
        break;
      case 'T':
        pad(out, c.hour, 2), out += ':', pad(out, c.minute, 2), out += ':', pad(out, c.second, 2);
        break;
      case 'R': pad(out, c.hour, 2), out += ':', pad(out, c.minute, 2); break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '%': out += '%'; break;
      default:
        error = "unknown directive `%" + std::string(1, d) + "` in the pattern";
        return std::nullopt;
    }
  }
  return out;
}

std::optional<int64_t> parse_time_pattern(std::string_view text, std::string_view pattern,
                                          const TimeZone& zone, std::string& error) {
  CivilTime c;
  int64_t year = 1970, v = 0;
  int pm = -1, hour12 = -1, yday = -1;
  std::optional<int32_t> offset;
  std::optional<int64_t> epoch;
  std::size_t p = 0;
  auto fail = [&](const std::string& what) {
    error = "`" + std::string(text) + "` does not match the pattern `" + std::string(pattern) +
            "`: " + what;
    return std::nullopt;
  };
  // Expand composite directives first so the loop below handles only simple ones.
  std::string pat;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      char d = pattern[i + 1];
      if (d == 'F' || d == 'T' || d == 'R') {
        pat += d == 'F' ? "%Y-%m-%d" : d == 'T' ? "%H:%M:%S" : "%H:%M";
        ++i;
        continue;
      }
      pat += pattern[i];
      pat += pattern[++i];
      continue;
    }
    pat += pattern[i];
  }
  for (std::size_t i = 0; i < pat.size(); ++i) {
    char ch = pat[i];
    if (std::isspace(static_cast<unsigned char>(ch))) {
      while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
      continue;
    }
    if (ch != '%') {
      if (p >= text.size() || text[p] != ch)
        return fail("expected `" + std::string(1, ch) + "` at position " + std::to_string(p + 1));
      ++p;
      continue;
    }
    if (++i >= pat.size()) {
      error = "pattern ends with a lone `%`";
      return std::nullopt;
    }
    char d = pat[i];
    auto number = [&](int min_digits, int max_digits, const char* what) -> bool {
      if (d == 'e')
        while (p < text.size() && text[p] == ' ') ++p;
      if (!read_int(text, p, min_digits, max_digits, v)) {
        error = "`" + std::string(text) + "` does not match the pattern `" + std::string(pattern) +
                "`: expected " + what + " at position " + std::to_string(p + 1);
        return false;
      }
      return true;
    };
    switch (d) {
      case 'Y': {
        bool neg = p < text.size() && text[p] == '-';
        if (neg) ++p;
        if (!number(4, 4, "a 4-digit year")) return std::nullopt;
        year = neg ? -v : v;
        break;
      }
      case 'y':
        if (!number(2, 2, "a 2-digit year")) return std::nullopt;
        year = v < 69 ? 2000 + v : 1900 + v;
        break;
      case 'm':
        if (!number(1, 2, "a month")) return std::nullopt;
        c.month = static_cast<int>(v);
        break;
      case 'd':
      case 'e':
        if (!number(1, 2, "a day")) return std::nullopt;
        c.day = static_cast<int>(v);
        break;
      case 'j':
        if (!number(1, 3, "a day of the year")) return std::nullopt;
        yday = static_cast<int>(v);
        break;
      case 'H':
        if (!number(1, 2, "an hour")) return std::nullopt;
        c.hour = static_cast<int>(v);
        break;
      case 'I':
        if (!number(1, 2, "an hour (1-12)")) return std::nullopt;
        hour12 = static_cast<int>(v);
        break;
      case 'M':
        if (!number(1, 2, "minutes")) return std::nullopt;
        c.minute = static_cast<int>(v);
        break;
      case 'S':
        if (!number(1, 2, "seconds")) return std::nullopt;
        c.second = static_cast<int>(v);
        break;
      case 'L':
        if (!number(3, 3, "3-digit milliseconds")) return std::nullopt;
        c.millisecond = static_cast<int>(v);
        break;
      case 'f': {
        std::size_t b = p;
        if (!number(1, 18, "a fraction of a second")) return std::nullopt;
        int64_t ms = 0;
        for (std::size_t k = b; k < b + 3; ++k) ms = ms * 10 + (k < p ? text[k] - '0' : 0);
        c.millisecond = static_cast<int>(ms);
        break;
      }
      case 'p': {
        static const char* const kAmPm[] = {"AM", "PM"};
        std::size_t b = p;
        int idx = -1;
        for (int k = 0; k < 2 && idx < 0; ++k)
          if (p + 2 <= text.size() && std::toupper(static_cast<unsigned char>(text[p])) == kAmPm[k][0] &&
              std::toupper(static_cast<unsigned char>(text[p + 1])) == 'M')
            idx = k;
        if (idx < 0) return fail("expected AM or PM at position " + std::to_string(b + 1));
        p += 2;
        pm = idx;
        break;
      }
      case 'a':
      case 'A':
        if (match_name(text, p, kWeekdays, 7) < 0)
          return fail("expected a weekday name at position " + std::to_string(p + 1));
        break;
      case 'b':
      case 'B':
      case 'h': {
        int m = match_name(text, p, kMonths, 12);
        if (m < 0) return fail("expected a month name at position " + std::to_string(p + 1));
        c.month = m + 1;
        break;
      }
      case 'z': {
        if (p < text.size() && (text[p] == 'Z' || text[p] == 'z')) {
          ++p;
          offset = 0;
          break;
        }
        if (p >= text.size() || (text[p] != '+' && text[p] != '-'))
          return fail("expected a UTC offset at position " + std::to_string(p + 1));
        int sign = text[p++] == '-' ? -1 : 1;
        int64_t h = 0, m = 0;
        if (!read_int(text, p, 2, 2, h)) return fail("expected offset hours");
        if (p < text.size() && text[p] == ':') ++p;
        if (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p])) &&
            !read_int(text, p, 2, 2, m))
          return fail("expected offset minutes");
        if (h > 23 || m > 59) return fail("offset out of range");
        offset = static_cast<int32_t>(sign * (h * 3600 + m * 60));
        break;
      }
      case 's': {
        bool neg = p < text.size() && text[p] == '-';
        if (neg) ++p;
        if (!number(1, 12, "seconds since the epoch")) return std::nullopt;
        epoch = neg ? -v : v;
        break;
      }
      case 'n':
      case 't':
        while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p]))) ++p;
        break;
      case '%':
        if (p >= text.size() || text[p] != '%') return fail("expected `%`");
        ++p;
        break;
      default:
        error = "directive `%" + std::string(1, d) + "` is not supported by parse_time";
        return std::nullopt;
    }
  }
  if (p != text.size()) return fail("unexpected text at position " + std::to_string(p + 1));
  if (epoch) {
    int64_t ms = *epoch * 1000 + c.millisecond;
    if (ms < kMinTimeMs || ms > kMaxTimeMs) return fail("out of range");
    return ms;
  }
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12) return fail("hour " + std::to_string(hour12) + " is not in 1-12");
    c.hour = hour12 % 12 + (pm == 1 ? 12 : 0);
  } else if (pm >= 0 && c.hour <= 12) {
    c.hour = c.hour % 12 + (pm == 1 ? 12 : 0);
  }
  c.year = year;
  if (year < 0 || year > 9999) return fail("year out of range");
  if (yday >= 0) {
    if (yday < 1 || yday > (is_leap_year(year) ? 366 : 365)) return fail("day of year out of range");
    civil_from_days(days_from_civil(year, 1, 1) + yday - 1, c.year, c.month, c.day);
  }
  if (c.month < 1 || c.month > 12) return fail("month " + std::to_string(c.month) + " is not in 1-12");
  if (c.day < 1 || c.day > days_in_month(year, c.month))
    return fail("day " + std::to_string(c.day) + " does not exist in that month");
  if (c.hour > 23 || c.minute > 59 || c.second > 60) return fail("time of day out of range");
  if (c.second == 60) c.second = 59;
  int64_t ms = offset ? civil_to_ms(c) - int64_t(*offset) * 1000 : local_to_utc_ms(c, zone);
  if (ms < kMinTimeMs || ms > kMaxTimeMs) return fail("out of range");
  return ms;
}

std::optional<int64_t> parse_time_default(std::string_view text, const TimeZone& zone) {
  if (auto t = parse_rfc3339(text)) return t;
  std::string error;
  for (const char* pat : {"%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f",
                          "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"}) {
    if (auto t = parse_time_pattern(text, pat, zone, error)) return t;
  }
  return std::nullopt;
}

}  // namespace weft::functions
