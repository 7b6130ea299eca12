#include "compiler/sema/cron_check.h"

#include <array>
#include <cctype>
#include <vector>

namespace weft::sema {
namespace {

struct FieldSpec {
  const char* name;
  int lo, hi;
  const char* const* names;  // name for value lo + i, or null
};

const char* const kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

const FieldSpec kFields[5] = {{"minute", 0, 59, nullptr},
                              {"hour", 0, 23, nullptr},
                              {"day-of-month", 1, 31, nullptr},
                              {"month", 1, 12, kMonths},
                              {"day-of-week", 0, 7, kDays}};

// Parses a number or a name at [pos, end); returns -1 when neither.
int value(std::string_view s, size_t& pos, size_t end, const FieldSpec& f) {
  size_t b = pos;
  if (pos < end && std::isdigit(static_cast<unsigned char>(s[pos]))) {
    int v = 0;
    while (pos < end && std::isdigit(static_cast<unsigned char>(s[pos])) && v < 1000) v = v * 10 + (s[pos++] - '0');
    return v;
  }
  if (!f.names) return -1;
  while (pos < end && std::isalpha(static_cast<unsigned char>(s[pos]))) ++pos;
  std::string word;
  for (size_t i = b; i < pos; ++i) word += static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  int count = f.names == kMonths ? 12 : 7;
  for (int i = 0; i < count; ++i)
    if (word == f.names[i]) return f.lo + i;
  pos = b;
  return -1;
}

std::optional<CronError> check_field(std::string_view s, size_t begin, size_t end, const FieldSpec& f) {
  size_t pos = begin;
  while (pos <= end) {
    size_t item_end = s.find(',', pos);
    if (item_end == std::string_view::npos || item_end > end) item_end = end;
    if (item_end == pos) return CronError{std::string("empty list item in the ") + f.name + " field", pos};
    size_t p = pos;
    int lo = f.lo, hi = f.hi;
    bool range = false;
    if (s[p] == '*') {
      ++p;
    } else {
      size_t at = p;
      lo = value(s, p, item_end, f);
      if (lo < 0) return CronError{std::string("expected a number in the ") + f.name + " field", at};
      if (lo < f.lo || lo > f.hi)
        return CronError{std::string("`") + std::string(s.substr(at, p - at)) + "` is out of range for the " + f.name +
                             " field (" + std::to_string(f.lo) + "-" + std::to_string(f.hi) + ")",
                         at};
      hi = lo;
      if (p < item_end && s[p] == '-') {
        ++p;
        at = p;
        hi = value(s, p, item_end, f);
        if (hi < 0) return CronError{std::string("expected the end of a range in the ") + f.name + " field", at};
        if (hi < f.lo || hi > f.hi)
          return CronError{std::string("`") + std::string(s.substr(at, p - at)) + "` is out of range for the " +
                               f.name + " field (" + std::to_string(f.lo) + "-" + std::to_string(f.hi) + ")",
                           at};
        if (hi < lo) return CronError{std::string("range end is before its start in the ") + f.name + " field", at};
        range = true;
      }
    }
    if (p < item_end && s[p] == '/') {
      ++p;
      size_t at = p;
      int step = 0;
      bool digits = false;
      while (p < item_end && std::isdigit(static_cast<unsigned char>(s[p])) && step < 1000)
        step = step * 10 + (s[p++] - '0'), digits = true;
      if (!digits || step == 0) return CronError{std::string("expected a positive step in the ") + f.name + " field", at};
      (void)range;
    }
    if (p != item_end)
      return CronError{std::string("unexpected `") + s[p] + "` in the " + f.name + " field", p};
    (void)hi;
    pos = item_end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<CronError> validate_cron(std::string_view expr) {
  static const char* const kAliases[] = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
  size_t first = 0;
  while (first < expr.size() && std::isspace(static_cast<unsigned char>(expr[first]))) ++first;
  if (first < expr.size() && expr[first] == '@') {
    size_t last = expr.size();
    while (last > first && std::isspace(static_cast<unsigned char>(expr[last - 1]))) --last;
    std::string_view word = expr.substr(first, last - first);
    for (const char* a : kAliases)
      if (word == a) return std::nullopt;
    return CronError{"unknown schedule alias `" + std::string(word) +
                         "` (use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)",
                     first};
  }
  std::vector<std::pair<size_t, size_t>> fields;
  size_t i = 0;
  while (i < expr.size()) {
    while (i < expr.size() && std::isspace(static_cast<unsigned char>(expr[i]))) ++i;
    if (i >= expr.size()) break;
    size_t b = i;
    while (i < expr.size() && !std::isspace(static_cast<unsigned char>(expr[i]))) ++i;
    fields.push_back({b, i});
  }
  if (fields.size() != 5)
    return CronError{"a schedule has 5 fields (minute hour day-of-month month day-of-week), found " +
                         std::to_string(fields.size()),
                     fields.size() > 5 ? fields[5].first : 0};
  for (size_t f = 0; f < 5; ++f)
    if (auto e = check_field(expr, fields[f].first, fields[f].second, kFields[f])) return e;
  return std::nullopt;
}

}  // namespace weft::sema
