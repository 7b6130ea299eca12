#include "stdlib/functions/cron.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace weft::functions {
namespace {

struct FieldSpec {
  const char* name;
  int min, max;
  const char* const* names;  // nullptr, or names for min..min+count-1
  int name_count;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kDayNames, 7},
};

struct Alias {
  const char* name;
  const char* expr;
};
constexpr Alias kAliases[] = {{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
                              {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
                              {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                              {"@hourly", "0 * * * *"}};

// Parses one value (number or name) at text[p]; advances p.
std::optional<CronError> parse_value(std::string_view text, std::size_t& p, std::size_t base_col,
                                     const FieldSpec& f, int& out) {
  std::size_t b = p;
  if (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p]))) {
    long v = 0;
    while (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p])) && v < 100000)
      v = v * 10 + (text[p++] - '0');
    if (v < f.min || v > f.max)
      return CronError{std::string(f.name) + " value " + std::to_string(v) + " is out of range " +
                           std::to_string(f.min) + "-" + std::to_string(f.max),
                       base_col + b};
    out = static_cast<int>(v);
    return std::nullopt;
  }
  while (p < text.size() && std::isalpha(static_cast<unsigned char>(text[p]))) ++p;
  std::string word(text.substr(b, p - b));
  for (auto& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (word.empty())
    return CronError{"expected a number" + std::string(f.names ? " or a name" : "") + " in the " +
                         f.name + " field",
                     base_col + b};
  for (int i = 0; i < f.name_count; ++i)
    if (word == f.names[i]) {
      out = f.min == 1 ? i + 1 : i;
      return std::nullopt;
    }
  return CronError{"unknown " + std::string(f.name) + " name `" + std::string(text.substr(b, p - b)) +
                       "`",
                   base_col + b};
}

// Parses one field (text starts at column base_col) into the set of allowed values.
std::optional<CronError> parse_field(std::string_view text, std::size_t base_col, const FieldSpec& f,
                                     std::vector<bool>& set) {
  set.assign(f.max + 1, false);
  std::size_t p = 0;
  while (true) {
    std::size_t item = p;
    int lo = f.min, hi = f.max == 7 ? 6 : f.max, step = 1;
    bool star = false;
    if (p < text.size() && text[p] == '*') {
      star = true;
      ++p;
    } else {
      if (auto e = parse_value(text, p, base_col, f, lo)) return e;
      hi = lo;
      if (p < text.size() && text[p] == '-') {
        ++p;
        if (auto e = parse_value(text, p, base_col, f, hi)) return e;
        if (hi < lo)
          return CronError{std::string(f.name) + " range " + std::to_string(lo) + "-" +
                               std::to_string(hi) + " ends before it starts",
                           base_col + item};
      }
    }
    if (p < text.size() && text[p] == '/') {
      ++p;
      std::size_t b = p;
      long v = 0;
      while (p < text.size() && std::isdigit(static_cast<unsigned char>(text[p])) && v < 100000)
        v = v * 10 + (text[p++] - '0');
      if (p == b || v == 0 || v > f.max)
        return CronError{"step in the " + std::string(f.name) + " field must be a number from 1 to " +
                             std::to_string(f.max),
                         base_col + b};
      step = static_cast<int>(v);
      if (!star && hi == lo) hi = f.max == 7 ? 6 : f.max;  // `5/15` means 5-max/15
    }
    for (int v = lo; v <= hi; v += step) set[v] = true;
    if (p == text.size()) return std::nullopt;
    if (text[p] != ',')
      return CronError{"unexpected `" + std::string(1, text[p]) + "` in the " + f.name + " field",
                       base_col + p};
    ++p;
    if (p == text.size())
      return CronError{"missing value after `,` in the " + std::string(f.name) + " field",
                       base_col + p};
  }
}

}  // namespace

std::variant<CronSchedule, CronError> CronSchedule::parse(std::string_view expr) {
  std::size_t b = 0, e = expr.size();
  while (b < e && std::isspace(static_cast<unsigned char>(expr[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(expr[e - 1]))) --e;
  std::string_view text = expr.substr(b, e - b);
  std::size_t offset = b;  // columns are reported in the original expression
  if (text.empty()) return CronError{"empty cron expression", 1};
  CronSchedule out;
  out.text_ = std::string(text);
  std::string expanded;
  if (text.front() == '@') {
    std::string lower(text);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& a : kAliases)
      if (lower == a.name) expanded = a.expr;
    if (expanded.empty())
      return CronError{"unknown cron alias `" + std::string(text) +
                           "` (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight "
                           "or @hourly)",
                       offset + 1};
  }
  std::string_view body = expanded.empty() ? text : std::string_view(expanded);
  std::size_t col_base = expanded.empty() ? offset + 1 : 0;  // aliases cannot fail below
  std::vector<std::pair<std::size_t, std::string_view>> fields;
  for (std::size_t p = 0; p < body.size();) {
    while (p < body.size() && std::isspace(static_cast<unsigned char>(body[p]))) ++p;
    std::size_t s = p;
    while (p < body.size() && !std::isspace(static_cast<unsigned char>(body[p]))) ++p;
    if (p > s) fields.emplace_back(s, body.substr(s, p - s));
  }
  if (fields.size() != 5) {
    std::size_t col = fields.size() > 5 ? col_base + fields[5].first : col_base + body.size();
    return CronError{"a cron expression has 5 fields (minute hour day-of-month month day-of-week), "
                     "found " + std::to_string(fields.size()),
                     col};
  }
  std::vector<bool> set;
  for (int i = 0; i < 5; ++i) {
    if (auto err = parse_field(fields[i].second, col_base + fields[i].first, kFields[i], set))
      return *err;
    for (int v = kFields[i].min; v <= kFields[i].max; ++v) {
      if (!set[v]) continue;
      switch (i) {
        case 0: out.minutes_.set(v); break;
        case 1: out.hours_.set(v); break;
        case 2: out.days_.set(v); break;
        case 3: out.months_.set(v); break;
        case 4: out.weekdays_.set(v % 7); break;
      }
    }
  }
  out.days_star_ = fields[2].second.front() == '*';
  out.weekdays_star_ = fields[4].second.front() == '*';
  // When only the day of month restricts days, it must exist in some allowed month.
  if (!out.days_star_ && out.weekdays_star_) {
    int first_day = 1;
    while (!out.days_[first_day]) ++first_day;
    bool possible = false;
    for (int m = 1; m <= 12; ++m)
      if (out.months_[m] && first_day <= (m == 2 ? 29 : days_in_month(2001, m))) possible = true;
    if (!possible)
      return CronError{"the expression never fires: day " + std::to_string(first_day) +
                           " does not exist in the selected months",
                       col_base + fields[2].first};
  }
  return out;
}

bool CronSchedule::day_matches(int64_t year, int month, int day) const {
  bool dom = days_[day];
  bool dow = weekdays_[weekday_from_days(days_from_civil(year, month, day))];
  if (days_star_ || weekdays_star_) return dom && dow;
  return dom || dow;
}

bool CronSchedule::matches(const CivilTime& c) const {
  return minutes_[c.minute] && hours_[c.hour] && months_[c.month] &&
         day_matches(c.year, c.month, c.day);
}

// The first matching local wall time at or after local_s (minute aligned).
std::optional<int64_t> CronSchedule::next_local_match(int64_t local_s) const {
  CivilTime c = ms_to_civil(local_s * 1000);
  const int64_t last_year = c.year + 30;  // a satisfiable expression fires within 8 years
  while (c.year <= last_year) {
    if (!months_[c.month]) {
      if (++c.month > 12) c.month = 1, ++c.year;
      c.day = 1, c.hour = 0, c.minute = 0;
      continue;
    }
    if (!day_matches(c.year, c.month, c.day)) {
      if (++c.day > days_in_month(c.year, c.month)) {
        c.day = 1;
        if (++c.month > 12) c.month = 1, ++c.year;
      }
      c.hour = 0, c.minute = 0;
      continue;
    }
    int h = c.hour;
    while (h < 24 && !hours_[h]) ++h;
    if (h != c.hour) c.minute = 0;
    int m = c.minute;
    while (h < 24) {
      while (m < 60 && !minutes_[m]) ++m;
      if (m < 60) break;
      m = 0;
      do ++h; while (h < 24 && !hours_[h]);
    }
    if (h < 24) {
      c.hour = h, c.minute = m, c.second = 0, c.millisecond = 0;
      return civil_to_ms(c) / 1000;
    }
    if (++c.day > days_in_month(c.year, c.month)) {
      c.day = 1;
      if (++c.month > 12) c.month = 1, ++c.year;
    }
    c.hour = 0, c.minute = 0;
  }
  return std::nullopt;
}

std::optional<int64_t> CronSchedule::next_after(int64_t after_ms, const TimeZone& zone) const {
  if (after_ms >= kMaxTimeMs) return std::nullopt;
  after_ms = std::max(after_ms, kMinTimeMs - 86400000);
  int64_t after_s = floor_div(after_ms, 1000);
  int64_t local = floor_div(after_s + zone.offset_at(after_s).utc_offset_s, 60) * 60;
  // Local candidates map monotonically to fire instants (first occurrence, or the jump instant in a
  // gap), so the first candidate whose instant lies after `after_ms` is the answer. Candidates at
  // or before it only occur inside one repeated hour, so this loop is short.
  for (int guard = 0; guard < 100000; ++guard) {
    auto cand = next_local_match(local);
    if (!cand) return std::nullopt;
    int64_t at_ms = zone.to_utc(*cand).first_s * 1000;
    if (at_ms > kMaxTimeMs) return std::nullopt;
    if (at_ms > after_ms) return at_ms;
    local = *cand + 60;
  }
  return std::nullopt;
}

}  // namespace weft::functions
