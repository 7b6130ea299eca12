#include "stdlib/functions/civil.h"

#include <cstdio>

namespace weft::functions {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

int weekday_from_days(int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }

bool is_leap_year(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[(m - 1) % 12];
}

int64_t civil_to_ms(const CivilTime& c) {
  int64_t days = days_from_civil(c.year, c.month, c.day);
  return ((days * 24 + c.hour) * 60 + c.minute) * 60000 + c.second * 1000 + c.millisecond;
}

CivilTime ms_to_civil(int64_t ms) {
  CivilTime c;
  int64_t days = floor_div(ms, 86400000);
  int64_t rest = ms - days * 86400000;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(rest / 3600000);
  c.minute = static_cast<int>(rest / 60000 % 60);
  c.second = static_cast<int>(rest / 1000 % 60);
  c.millisecond = static_cast<int>(rest % 1000);
  return c;
}

std::string format_rfc3339(int64_t ms) {
  CivilTime c = ms_to_civil(ms);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                c.millisecond);
  return buf;
}

namespace {

// Reads exactly n digits at s[pos].
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int k = 0; k < n; ++k) {
    char ch = s[pos + k];
    if (ch < '0' || ch > '9') return false;
    out = out * 10 + (ch - '0');
  }
  pos += n;
  return true;
}

}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  std::size_t p = 0;
  int y, mo, d, h, mi, sec;
  if (!digits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !digits(s, p, 2, mo) ||
      p >= s.size() || s[p++] != '-' || !digits(s, p, 2, d))
    return std::nullopt;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
  ++p;
  if (!digits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !digits(s, p, 2, mi) ||
      p >= s.size() || s[p++] != ':' || !digits(s, p, 2, sec))
    return std::nullopt;
  int ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int n = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (n < 3) ms = ms * 10 + (s[p] - '0');
      ++n;
      ++p;
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;
  }
  if (p >= s.size()) return std::nullopt;
  int64_t offset_min = 0;
  if (s[p] == 'Z' || s[p] == 'z') {
    ++p;
  } else if (s[p] == '+' || s[p] == '-') {
    int sign = s[p++] == '-' ? -1 : 1;
    int oh, om;
    if (!digits(s, p, 2, oh) || p >= s.size() || s[p++] != ':' || !digits(s, p, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  if (sec == 60) sec = 59;
  int64_t t = civil_to_ms({y, mo, d, h, mi, sec, ms}) - offset_min * 60000;
  if (t < kMinTimeMs || t > kMaxTimeMs) return std::nullopt;
  return t;
}

}  // namespace weft::functions
