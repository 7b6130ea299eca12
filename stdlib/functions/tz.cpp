#include "stdlib/functions/tz.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "stdlib/functions/civil.h"

namespace weft::functions {
namespace {

// Instants are clamped to +-31,000 years so that calendar arithmetic cannot overflow.
constexpr int64_t kClampS = int64_t(1) << 40;

// ---- POSIX TZ string parsing ----

struct Cursor {
  std::string_view s;
  std::size_t p = 0;
  bool done() const { return p >= s.size(); }
  char peek() const { return done() ? '\0' : s[p]; }
};

bool parse_name(Cursor& c, std::string& out) {
  if (c.peek() == '<') {
    std::size_t end = c.s.find('>', c.p);
    if (end == std::string_view::npos) return false;
    out = std::string(c.s.substr(c.p + 1, end - c.p - 1));
    c.p = end + 1;
    return !out.empty();
  }
  std::size_t b = c.p;
  while (!c.done() && ((c.peek() >= 'A' && c.peek() <= 'Z') || (c.peek() >= 'a' && c.peek() <= 'z')))
    ++c.p;
  out = std::string(c.s.substr(b, c.p - b));
  return out.size() >= 3;
}

bool parse_number(Cursor& c, int max_digits, int& out) {
  std::size_t b = c.p;
  out = 0;
  while (!c.done() && c.peek() >= '0' && c.peek() <= '9' && c.p - b < std::size_t(max_digits))
    out = out * 10 + (c.s[c.p++] - '0');
  return c.p > b;
}

// [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 extension).
bool parse_hms(Cursor& c, int32_t& out) {
  int sign = 1;
  if (c.peek() == '+' || c.peek() == '-') sign = c.s[c.p++] == '-' ? -1 : 1;
  int h = 0, m = 0, s = 0;
  if (!parse_number(c, 3, h) || h > 167) return false;
  if (c.peek() == ':') {
    ++c.p;
    if (!parse_number(c, 2, m) || m > 59) return false;
    if (c.peek() == ':') {
      ++c.p;
      if (!parse_number(c, 2, s) || s > 59) return false;
    }
  }
  out = sign * (h * 3600 + m * 60 + s);
  return true;
}

bool parse_date(Cursor& c, PosixRule::Date& d) {
  if (c.peek() == 'M') {
    ++c.p;
    d.kind = 'M';
    if (!parse_number(c, 2, d.month) || d.month < 1 || d.month > 12 || c.peek() != '.') return false;
    ++c.p;
    if (!parse_number(c, 1, d.week) || d.week < 1 || d.week > 5 || c.peek() != '.') return false;
    ++c.p;
    if (!parse_number(c, 1, d.weekday) || d.weekday > 6) return false;
  } else if (c.peek() == 'J') {
    ++c.p;
    d.kind = 'J';
    if (!parse_number(c, 3, d.day) || d.day < 1 || d.day > 365) return false;
  } else {
    d.kind = 'D';
    if (!parse_number(c, 3, d.day) || d.day > 365) return false;
  }
  d.time_s = 7200;
  if (c.peek() == '/') {
    ++c.p;
    if (!parse_hms(c, d.time_s)) return false;
  }
  return true;
}

// Local midnight (as seconds since the epoch, read as UTC) of a rule date in a year.
int64_t rule_day_s(const PosixRule::Date& d, int64_t year) {
  int64_t days;
  if (d.kind == 'J') {
    days = days_from_civil(year, 1, 1) + d.day - 1;
    if (is_leap_year(year) && d.day >= 60) ++days;
  } else if (d.kind == 'D') {
    days = days_from_civil(year, 1, 1) + d.day;
  } else {
    int64_t first = days_from_civil(year, d.month, 1);
    int wd = weekday_from_days(first);
    int64_t day = first + (d.weekday - wd + 7) % 7 + (d.week - 1) * 7;
    int64_t last = first + days_in_month(year, d.month) - 1;
    while (day > last) day -= 7;
    days = day;
  }
  return days * 86400;
}

// ---- TZif parsing ----

struct Reader {
  std::string_view b;
  std::size_t p = 0;
  bool has(std::size_t n) const { return p + n <= b.size(); }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[p++]);
    return v;
  }
  int64_t i64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[p++]);
    return static_cast<int64_t>(v);
  }
};

struct Header {
  char version = 0;
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

bool read_header(Reader& r, Header& h) {
  if (!r.has(44) || r.b.substr(r.p, 4) != "TZif") return false;
  h.version = r.b[r.p + 4];
  r.p += 20;
  h.isutcnt = r.u32();
  h.isstdcnt = r.u32();
  h.leapcnt = r.u32();
  h.timecnt = r.u32();
  h.typecnt = r.u32();
  h.charcnt = r.u32();
  return h.typecnt >= 1 && h.typecnt <= 256 && h.timecnt <= 100000 && h.charcnt <= 100000 &&
         h.leapcnt <= 10000 && (h.isutcnt == 0 || h.isutcnt == h.typecnt) &&
         (h.isstdcnt == 0 || h.isstdcnt == h.typecnt);
}

std::size_t data_size(const Header& h, int time_size) {
  return std::size_t(h.timecnt) * time_size + h.timecnt + std::size_t(h.typecnt) * 6 + h.charcnt +
         std::size_t(h.leapcnt) * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/') return false;
  for (char ch : name)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '/' || ch == '_' || ch == '-' || ch == '+'))
      return false;
  return name.find("//") == std::string_view::npos && name.back() != '/';
}

}  // namespace

bool PosixRule::parse(std::string_view s) {
  Cursor c{s};
  int32_t off = 0;
  if (!parse_name(c, standard.abbreviation) || !parse_hms(c, off)) return false;
  standard.utc_offset_s = -off;
  standard.is_dst = false;
  has_dst = false;
  if (c.done()) return true;
  has_dst = true;
  if (!parse_name(c, daylight.abbreviation)) return false;
  daylight.is_dst = true;
  daylight.utc_offset_s = standard.utc_offset_s + 3600;
  if (c.peek() != ',' && !c.done()) {
    if (!parse_hms(c, off)) return false;
    daylight.utc_offset_s = -off;
  }
  if (c.done()) {  // POSIX default: US rules
    start = {'M', 3, 2, 0, 0, 7200};
    end = {'M', 11, 1, 0, 0, 7200};
    return true;
  }
  if (c.peek() != ',') return false;
  ++c.p;
  if (!parse_date(c, start) || c.peek() != ',') return false;
  ++c.p;
  return parse_date(c, end) && c.done();
}

ZoneOffset PosixRule::offset_at(int64_t t) const {
  if (!has_dst) return standard;
  t = std::clamp<int64_t>(t, -kClampS, kClampS);
  int64_t year;
  int month, day;
  civil_from_days(floor_div(t, 86400), year, month, day);
  // Check this year and its neighbours so that rules near a year boundary still apply.
  bool dst = false;
  int64_t best = INT64_MIN;
  for (int64_t y = year - 1; y <= year + 1; ++y) {
    int64_t s = rule_day_s(start, y) + start.time_s - standard.utc_offset_s;
    int64_t e = rule_day_s(end, y) + end.time_s - daylight.utc_offset_s;
    if (s <= t && s > best) best = s, dst = true;
    if (e <= t && e > best) best = e, dst = false;
  }
  if (best == INT64_MIN) {
    // Before every computed transition: the state just before the earliest one.
    int64_t s = rule_day_s(start, year - 1), e = rule_day_s(end, year - 1);
    dst = e < s;
  }
  return dst ? daylight : standard;
}

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> zone = [] {
    auto z = std::make_shared<TimeZone>();
    z->name_ = "UTC";
    z->types_.push_back({0, false, "UTC"});
    return z;
  }();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::from_tzif(std::string_view name, std::string_view bytes,
                                                    std::string& error) {
  Reader r{bytes};
  Header h;
  error = "time zone `" + std::string(name) + "`: not a valid TZif file";
  if (!read_header(r, h)) return nullptr;
  int time_size = 4;
  if (h.version >= '2') {
    if (!r.has(data_size(h, 4))) return nullptr;
    r.p += data_size(h, 4);
    if (!read_header(r, h)) return nullptr;
    time_size = 8;
  }
  if (!r.has(data_size(h, time_size))) return nullptr;
  auto zone = std::make_shared<TimeZone>();
  zone->name_ = std::string(name);
  zone->transitions_.resize(h.timecnt);
  for (auto& t : zone->transitions_) t.at_s = time_size == 8 ? r.i64() : int32_t(r.u32());
  for (auto& t : zone->transitions_) {
    t.type = static_cast<uint8_t>(r.b[r.p++]);
    if (t.type >= h.typecnt) return nullptr;
  }
  std::vector<uint8_t> desig(h.typecnt);
  zone->types_.resize(h.typecnt);
  for (uint32_t i = 0; i < h.typecnt; ++i) {
    zone->types_[i].utc_offset_s = static_cast<int32_t>(r.u32());
    zone->types_[i].is_dst = r.b[r.p++] != 0;
    desig[i] = static_cast<uint8_t>(r.b[r.p++]);
    if (desig[i] >= h.charcnt && h.charcnt > 0) return nullptr;
  }
  std::string_view chars = r.b.substr(r.p, h.charcnt);
  for (uint32_t i = 0; i < h.typecnt; ++i) {
    std::string_view rest = chars.substr(std::min<std::size_t>(desig[i], chars.size()));
    zone->types_[i].abbreviation = std::string(rest.substr(0, rest.find('\0')));
  }
  r.p += h.charcnt + std::size_t(h.leapcnt) * (time_size + 4) + h.isstdcnt + h.isutcnt;
  if (!std::is_sorted(zone->transitions_.begin(), zone->transitions_.end(),
                      [](const Transition& a, const Transition& b) { return a.at_s < b.at_s; }))
    return nullptr;
  if (time_size == 8 && r.has(2) && r.b[r.p] == '\n') {
    std::size_t end = r.b.find('\n', r.p + 1);
    if (end == std::string_view::npos) return nullptr;
    std::string_view footer = r.b.substr(r.p + 1, end - r.p - 1);
    if (!footer.empty()) {
      if (!zone->footer_.parse(footer)) return nullptr;
      zone->has_footer_ = true;
    }
  }
  error.clear();
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::load(std::string_view name, std::string& error) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return utc();
  if (!valid_name(name)) {
    error = "unknown time zone `" + std::string(name) + "`";
    return nullptr;
  }
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(name); it != cache.end()) return it->second;
  }
  const char* dir = std::getenv("TZDIR");
  std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (in) bytes << in.rdbuf();
  std::string data = bytes.str();
  if (!in || data.size() < 4 || data.compare(0, 4, "TZif") != 0) {
    error = "unknown time zone `" + std::string(name) + "`";
    return nullptr;
  }
  auto zone = from_tzif(name, data, error);
  if (!zone) return nullptr;
  std::lock_guard lock(mu);
  return cache.emplace(std::string(name), zone).first->second;
}

ZoneOffset TimeZone::offset_at(int64_t t) const {
  t = std::clamp<int64_t>(t, -kClampS, kClampS);
  if (transitions_.empty()) return has_footer_ ? footer_.offset_at(t) : types_[0];
  if (t < transitions_.front().at_s) return types_[0];
  if (has_footer_ && t >= transitions_.back().at_s) {
    // The footer governs from the last transition on (it agrees with it at that instant).
    return footer_.offset_at(t);
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t,
                             [](int64_t v, const Transition& tr) { return v < tr.at_s; });
  return types_[std::prev(it)->type];
}

LocalConversion TimeZone::to_utc(int64_t local) const {
  ZoneOffset before = offset_at(local - 86400), after = offset_at(local + 86400);
  std::vector<int64_t> hits;
  for (const ZoneOffset* cand : {&before, &after}) {
    int64_t t = local - cand->utc_offset_s;
    if (offset_at(t).utc_offset_s == cand->utc_offset_s &&
        std::find(hits.begin(), hits.end(), t) == hits.end())
      hits.push_back(t);
  }
  std::sort(hits.begin(), hits.end());
  if (hits.size() == 1) return {LocalConversion::Kind::unique, hits[0], hits[0]};
  if (hits.size() == 2) return {LocalConversion::Kind::overlap, hits[0], hits[1]};
  // A gap: find the jump between the two readings by bisection.
  int64_t lo = std::min(local - before.utc_offset_s, local - after.utc_offset_s);
  int64_t hi = std::max(local - before.utc_offset_s, local - after.utc_offset_s);
  ZoneOffset at_lo = offset_at(lo);
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    (offset_at(mid).utc_offset_s == at_lo.utc_offset_s ? lo : hi) = mid;
  }
  return {LocalConversion::Kind::gap, hi, local - before.utc_offset_s};
}

}  // namespace weft::functions
