#include "stdlib/functions/functions.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "stdlib/functions/civil.h"
#include "stdlib/functions/encoding.h"
#include "stdlib/functions/time_format.h"
#include "stdlib/functions/tz.h"
#include "stdlib/functions/unicode.h"

namespace weft::functions {
namespace json = boost::json;

FunctionError::FunctionError(std::string function, const std::string& message)
    : std::runtime_error(function + ": " + message), function_(std::move(function)) {}

bool is_int(const json::value& v) {
  return v.is_int64() || (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX));
}

std::string kind_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "bool";
    case json::kind::int64: return "int";
    case json::kind::uint64: return is_int(v) ? "int" : "float";
    case json::kind::double_: return "float";
    case json::kind::string: return "string";
    case json::kind::array: return "list";
    case json::kind::object: return "object";
  }
  return "value";
}

namespace {

// ---- value kinds ----

bool is_number(const json::value& v) { return v.is_number(); }
int64_t as_int(const json::value& v) { return v.is_int64() ? v.get_int64() : int64_t(v.get_uint64()); }
double as_double(const json::value& v) {
  return v.is_double() ? v.get_double() : v.is_int64() ? double(v.get_int64()) : double(v.get_uint64());
}

// ---- arguments ----

class Args {
 public:
  Args(std::string_view fn, std::span<const Value> v) : fn_(fn), v_(v) {}
  std::size_t size() const { return v_.size(); }
  [[noreturn]] void fail(const std::string& msg) const { throw FunctionError(std::string(fn_), msg); }
  [[noreturn]] void bad(const char* name, const std::string& msg) const {
    fail("argument `" + std::string(name) + "`: " + msg);
  }
  // Whether optional argument i was given (not omitted and not null).
  bool present(std::size_t i) const {
    return i < v_.size() && !(std::holds_alternative<json::value>(v_[i]) &&
                              std::get<json::value>(v_[i]).is_null());
  }
  const json::value& any(std::size_t i, const char* name) const {
    if (i >= v_.size()) bad(name, "missing");
    if (auto* j = std::get_if<json::value>(&v_[i])) return *j;
    bad(name, "expected a value, got a function");
  }
  [[noreturn]] void expected(std::size_t i, const char* name, const char* what) const {
    bad(name, std::string("expected ") + what + ", got " + kind_name(any(i, name)));
  }
  std::string_view str(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (!v.is_string()) expected(i, name, "a string");
    return v.get_string();
  }
  int64_t integer(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (is_int(v)) return as_int(v);
    if (v.is_double() && std::trunc(v.get_double()) == v.get_double() &&
        std::abs(v.get_double()) < 9.2e18)
      return static_cast<int64_t>(v.get_double());
    expected(i, name, "an int");
  }
  double number(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (!is_number(v)) expected(i, name, "a number");
    return as_double(v);
  }
  bool boolean(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (!v.is_bool()) expected(i, name, "a bool");
    return v.get_bool();
  }
  const json::array& list(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (!v.is_array()) expected(i, name, "a list");
    return v.get_array();
  }
  const json::object& object(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (!v.is_object()) expected(i, name, "a map or object");
    return v.get_object();
  }
  const Callable& lambda(std::size_t i, const char* name) const {
    if (i >= v_.size()) bad(name, "missing");
    if (auto* f = std::get_if<Callable>(&v_[i]); f && *f) return *f;
    bad(name, "expected a function (a lambda such as `x => ...`)");
  }
  int64_t time(std::size_t i, const char* name) const {
    const auto& v = any(i, name);
    if (!v.is_string()) expected(i, name, "a time (RFC 3339 string)");
    auto t = parse_rfc3339(v.get_string());
    if (!t) bad(name, "`" + std::string(v.get_string()) + "` is not an RFC 3339 time");
    return *t;
  }
  std::shared_ptr<const TimeZone> zone(std::size_t i, const char* name) const {
    if (!present(i)) return TimeZone::utc();
    std::string error;
    auto z = TimeZone::load(str(i, name), error);
    if (!z) bad(name, error);
    return z;
  }
  std::string_view fn() const { return fn_; }

 private:
  std::string_view fn_;
  std::span<const Value> v_;
};

json::value invoke(const Callable& f, std::initializer_list<json::value> args) {
  return f(std::span<const json::value>(args.begin(), args.size()));
}

bool predicate(const Args& a, const Callable& f, const json::value& x) {
  json::value r = invoke(f, {x});
  if (!r.is_bool()) a.bad("f", "the function returned " + kind_name(r) + ", expected a bool");
  return r.get_bool();
}

json::value time_value(const Args& a, int64_t ms) {
  if (ms < kMinTimeMs || ms > kMaxTimeMs) a.fail("the resulting time is outside the years 0000-9999");
  return json::string(format_rfc3339(ms));
}

// ---- comparison, equality ----

// Orders numbers, strings or bools; other combinations are an error.
int compare(const Args& a, const json::value& x, const json::value& y) {
  if (is_number(x) && is_number(y)) {
    if (is_int(x) && is_int(y)) return as_int(x) < as_int(y) ? -1 : as_int(x) > as_int(y);
    double p = as_double(x), q = as_double(y);
    return p < q ? -1 : p > q;
  }
  if (x.is_string() && y.is_string()) {
    int c = x.get_string().subview().compare(y.get_string().subview());
    return c < 0 ? -1 : c > 0;
  }
  if (x.is_bool() && y.is_bool()) return int(x.get_bool()) - int(y.get_bool());
  a.fail("cannot compare " + kind_name(x) + " with " + kind_name(y) +
         " (only numbers, strings, times, durations and bools are ordered)");
}

void canonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      double d = as_double(v);
      if (is_int(v)) out += "i" + std::to_string(as_int(v));
      else if (std::trunc(d) == d && std::abs(d) < 9.2e18) out += "i" + std::to_string(int64_t(d));
      else out += "f" + json::serialize(v);
      break;
    }
    case json::kind::object: {
      std::vector<std::pair<std::string_view, const json::value*>> kv;
      for (const auto& e : v.get_object()) kv.emplace_back(e.key(), &e.value());
      std::sort(kv.begin(), kv.end(), [](auto& l, auto& r) { return l.first < r.first; });
      out += '{';
      for (auto& [k, val] : kv) {
        out += json::serialize(json::string(k));
        out += ':';
        canonical(*val, out);
        out += ',';
      }
      out += '}';
      break;
    }
    case json::kind::array:
      out += '[';
      for (const auto& e : v.get_array()) canonical(e, out), out += ',';
      out += ']';
      break;
    default:
      out += json::serialize(v);
  }
}

// ---- numbers ----

// Rounds the shortest decimal form of x to `decimals` digits, halves away from zero.
std::string decimal_text(double x, std::optional<int> decimals) {
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::fixed);
  std::string s(buf, res.ptr);
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.erase(0, 1);
  std::size_t dot = s.find('.');
  std::string ip = s.substr(0, dot), fp = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (decimals) {
    std::size_t d = static_cast<std::size_t>(*decimals);
    if (fp.size() > d) {
      bool up = fp[d] >= '5';
      fp.resize(d);
      if (up) {
        std::string digits = ip + fp;
        int k = static_cast<int>(digits.size()) - 1;
        for (; k >= 0 && digits[k] == '9'; --k) digits[k] = '0';
        if (k < 0) digits.insert(digits.begin(), '1');
        else ++digits[k];
        ip = digits.substr(0, digits.size() - d);
        fp = digits.substr(digits.size() - d);
      }
    }
    fp.resize(d, '0');
  }
  bool zero = std::all_of(ip.begin(), ip.end(), [](char c) { return c == '0'; }) &&
              std::all_of(fp.begin(), fp.end(), [](char c) { return c == '0'; });
  return (neg && !zero ? "-" : "") + ip + (fp.empty() ? "" : "." + fp);
}

int64_t checked_to_int(const Args& a, double d, const char* name) {
  if (!std::isfinite(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    a.bad(name, "the value is not representable as an int");
  return static_cast<int64_t>(d);
}

// ---- the functions ----

using Impl = json::value (*)(const Args&, Context&);
struct Entry {
  Impl impl;
  std::size_t min_args, max_args;
};
constexpr std::size_t kMany = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kMaxResultBytes = std::size_t(64) << 20;  // cap on strings a function builds

json::value fn_len(const Args& a, Context&) {
  const auto& v = a.any(0, "s");
  if (v.is_string()) return int64_t(unicode::length(v.get_string()));
  if (v.is_array()) return int64_t(v.get_array().size());
  if (v.is_object()) return int64_t(v.get_object().size());
  a.expected(0, "s", "a string, a list or a map");
}
json::value fn_lower(const Args& a, Context&) { return json::string(unicode::to_lower(a.str(0, "s"))); }
json::value fn_upper(const Args& a, Context&) { return json::string(unicode::to_upper(a.str(0, "s"))); }
json::value fn_trim(const Args& a, Context&) {
  auto cps = unicode::decode(a.str(0, "s"));
  std::size_t b = 0, e = cps.size();
  while (b < e && unicode::is_space(cps[b])) ++b;
  while (e > b && unicode::is_space(cps[e - 1])) --e;
  return json::string(unicode::encode({cps.begin() + b, cps.begin() + e}));
}
json::value fn_split(const Args& a, Context&) {
  std::string_view s = a.str(0, "s"), sep = a.str(1, "sep");
  json::array out;
  if (sep.empty()) {
    auto b = unicode::boundaries(s);
    for (std::size_t i = 0; i + 1 < b.size(); ++i) out.emplace_back(s.substr(b[i], b[i + 1] - b[i]));
    return out;
  }
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s.find(sep, pos);
    out.emplace_back(s.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos));
    if (hit == std::string_view::npos) return out;
    pos = hit + sep.size();
  }
}
json::value fn_join(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  std::string_view sep = a.present(1) ? a.str(1, "sep") : "";
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!xs[i].is_string())
      a.bad("xs", "element " + std::to_string(i) + " is " + kind_name(xs[i]) + ", expected a string");
    if (i) out += sep;
    out += xs[i].get_string();
  }
  return json::string(out);
}
json::value fn_replace(const Args& a, Context&) {
  std::string_view s = a.str(0, "s"), from = a.str(1, "old"), to = a.str(2, "new");
  if (from.empty()) a.bad("old", "must not be empty");
  std::size_t hits = 0;
  for (std::size_t h = s.find(from); h != std::string_view::npos; h = s.find(from, h + from.size())) ++hits;
  if (to.size() > from.size() && s.size() + hits * (to.size() - from.size()) > kMaxResultBytes)
    a.fail("the result would be larger than 64 MiB");
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string_view::npos; pos = hit + from.size())
    out.append(s.substr(pos, hit - pos)).append(to);
  out.append(s.substr(pos));
  return json::string(out);
}
json::value fn_contains(const Args& a, Context&) {
  const auto& v = a.any(0, "s");
  if (v.is_string()) return v.get_string().subview().find(a.str(1, "sub")) != std::string_view::npos;
  if (v.is_array()) {
    const auto& x = a.any(1, "x");
    for (const auto& e : v.get_array())
      if (values_equal(e, x)) return true;
    return false;
  }
  a.expected(0, "s", "a string or a list");
}
json::value fn_starts_with(const Args& a, Context&) { return a.str(0, "s").starts_with(a.str(1, "prefix")); }
json::value fn_ends_with(const Args& a, Context&) { return a.str(0, "s").ends_with(a.str(1, "suffix")); }
json::value fn_substring(const Args& a, Context&) {
  std::string_view s = a.str(0, "s");
  auto b = unicode::boundaries(s);
  int64_t n = int64_t(b.size()) - 1;
  auto norm = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  int64_t start = norm(a.integer(1, "start"));
  int64_t end = a.present(2) ? norm(a.integer(2, "end")) : n;
  if (end <= start) return json::string();
  return json::string(s.substr(b[start], b[end] - b[start]));
}
json::value fn_pad_left(const Args& a, Context&) {
  std::string_view s = a.str(0, "s");
  int64_t width = a.integer(1, "width");
  std::string_view fill = a.present(2) ? a.str(2, "fill") : " ";
  if (unicode::length(fill) != 1) a.bad("fill", "must be exactly one character");
  if (width > 1000000) a.bad("width", "must be at most 1000000");
  if (fill.size() * std::size_t(std::max<int64_t>(width, 0)) > kMaxResultBytes)
    a.fail("the result would be larger than 64 MiB");
  int64_t len = int64_t(unicode::length(s));
  std::string out;
  for (int64_t i = len; i < width; ++i) out += fill;
  out += s;
  return json::string(out);
}
json::value fn_format_number(const Args& a, Context&) {
  const auto& x = a.any(0, "x");
  if (!is_number(x)) a.expected(0, "x", "a number");
  std::optional<int> decimals;
  if (a.present(1)) {
    int64_t d = a.integer(1, "decimals");
    if (d < 0 || d > 20) a.bad("decimals", "must be between 0 and 20");
    decimals = int(d);
  }
  std::string_view thousands = a.present(2) ? a.str(2, "thousands") : ",";
  std::string_view point = a.present(3) ? a.str(3, "point") : ".";
  std::string text;
  if (is_int(x)) {
    text = std::to_string(as_int(x));
    if (decimals && *decimals > 0) text += "." + std::string(*decimals, '0');
  } else {
    if (!std::isfinite(as_double(x))) a.bad("x", "is not a finite number");
    text = decimal_text(as_double(x), decimals);
  }
  bool neg = text[0] == '-';
  std::size_t dot = text.find('.');
  std::string ip = text.substr(neg, (dot == std::string::npos ? text.size() : dot) - neg);
  std::string out = neg ? "-" : "";
  for (std::size_t i = 0; i < ip.size(); ++i) {
    if (i && (ip.size() - i) % 3 == 0) out += thousands;
    out += ip[i];
  }
  if (dot != std::string::npos) out.append(point).append(text.substr(dot + 1));
  return json::string(out);
}

json::value fn_map(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  const auto& f = a.lambda(1, "f");
  json::array out;
  out.reserve(xs.size());
  for (const auto& x : xs) out.push_back(invoke(f, {x}));
  return out;
}
json::value fn_filter(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  const auto& f = a.lambda(1, "f");
  json::array out;
  for (const auto& x : xs)
    if (predicate(a, f, x)) out.push_back(x);
  return out;
}
json::value fn_reduce(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  const auto& f = a.lambda(1, "f");
  json::value acc = a.any(2, "init");
  for (const auto& x : xs) acc = invoke(f, {acc, x});
  return acc;
}
json::value fn_find(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  const auto& f = a.lambda(1, "f");
  for (const auto& x : xs)
    if (predicate(a, f, x)) return x;
  return nullptr;
}
json::value any_all(const Args& a, bool want_all) {
  const auto& xs = a.list(0, "xs");
  for (std::size_t i = 0; i < xs.size(); ++i) {
    bool v;
    if (a.size() > 1) {
      v = predicate(a, a.lambda(1, "f"), xs[i]);
    } else {
      if (!xs[i].is_bool())
        a.bad("xs", "element " + std::to_string(i) + " is " + kind_name(xs[i]) + ", expected a bool");
      v = xs[i].get_bool();
    }
    if (v != want_all) return !want_all;
  }
  return want_all;
}
json::value fn_any(const Args& a, Context&) { return any_all(a, false); }
json::value fn_all(const Args& a, Context&) { return any_all(a, true); }
json::value fn_sum(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  bool all_int = true;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!is_number(xs[i]))
      a.bad("xs", "element " + std::to_string(i) + " is " + kind_name(xs[i]) + ", expected a number");
    all_int = all_int && is_int(xs[i]);
  }
  if (all_int) {
    int64_t total = 0;
    for (const auto& x : xs)
      if (__builtin_add_overflow(total, as_int(x), &total)) a.fail("integer overflow");
    return total;
  }
  double total = 0;
  for (const auto& x : xs) total += as_double(x);
  return total;
}
json::value min_max(const Args& a, int sign) {
  if (a.size() == 2) {
    const auto &x = a.any(0, "a"), &y = a.any(1, "b");
    return compare(a, y, x) * sign < 0 ? y : x;
  }
  const auto& xs = a.list(0, "xs");
  if (xs.empty()) return nullptr;
  const json::value* best = &xs[0];
  for (const auto& x : xs)
    if (compare(a, x, *best) * sign < 0) best = &x;
  return *best;
}
json::value fn_min(const Args& a, Context&) { return min_max(a, 1); }
json::value fn_max(const Args& a, Context&) { return min_max(a, -1); }

json::value sort_with_keys(const Args& a, const json::array& xs, const std::vector<json::value>& keys,
                           bool desc) {
  for (std::size_t i = 1; i < keys.size(); ++i) compare(a, keys[0], keys[i]);  // all comparable
  std::vector<std::size_t> idx(xs.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t l, std::size_t r) {
    int c = compare(a, keys[l], keys[r]);
    return desc ? c > 0 : c < 0;
  });
  json::array out;
  out.reserve(xs.size());
  for (std::size_t i : idx) out.push_back(xs[i]);
  return out;
}
json::value fn_sort(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  return sort_with_keys(a, xs, std::vector<json::value>(xs.begin(), xs.end()),
                        a.present(1) && a.boolean(1, "desc"));
}
json::value fn_sort_by(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  const auto& f = a.lambda(1, "key");
  std::vector<json::value> keys;
  keys.reserve(xs.size());
  for (const auto& x : xs) keys.push_back(invoke(f, {x}));
  return sort_with_keys(a, xs, keys, a.present(2) && a.boolean(2, "desc"));
}
json::value fn_group_by(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  const auto& f = a.lambda(1, "f");
  json::object out;
  for (const auto& x : xs) {
    json::value k = invoke(f, {x});
    if (!k.is_string()) a.bad("f", "the function returned " + kind_name(k) + ", expected a string key");
    auto& slot = out[k.get_string()];
    if (slot.is_null()) slot = json::array();
    slot.get_array().push_back(x);
  }
  return out;
}
json::value fn_unique(const Args& a, Context&) {
  std::unordered_set<std::string> seen;
  json::array out;
  for (const auto& x : a.list(0, "xs")) {
    std::string key;
    canonical(x, key);
    if (seen.insert(std::move(key)).second) out.push_back(x);
  }
  return out;
}
json::value fn_flatten(const Args& a, Context&) {
  json::array out;
  for (const auto& x : a.list(0, "xs")) {
    if (x.is_array()) out.insert(out.end(), x.get_array().begin(), x.get_array().end());
    else out.push_back(x);
  }
  return out;
}
json::value fn_first(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  return xs.empty() ? json::value() : xs.front();
}
json::value fn_last(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  return xs.empty() ? json::value() : xs.back();
}
std::size_t count_arg(const Args& a, std::size_t i, std::size_t size) {
  int64_t n = a.integer(i, "n");
  if (n < 0) a.bad("n", "must not be negative");
  return std::min<std::size_t>(size, static_cast<std::size_t>(n));
}
json::value fn_take(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  return json::array(xs.begin(), xs.begin() + count_arg(a, 1, xs.size()));
}
json::value fn_skip(const Args& a, Context&) {
  const auto& xs = a.list(0, "xs");
  return json::array(xs.begin() + count_arg(a, 1, xs.size()), xs.end());
}
json::value fn_zip(const Args& a, Context&) {
  const auto &l = a.list(0, "a"), &r = a.list(1, "b");
  json::array out;
  for (std::size_t i = 0; i < std::min(l.size(), r.size()); ++i)
    out.push_back(json::object{{"left", l[i]}, {"right", r[i]}});
  return out;
}
json::value fn_index_of(const Args& a, Context&) {
  const auto& v = a.any(0, "xs");
  if (v.is_string()) {
    std::string_view s = v.get_string(), sub = a.str(1, "sub");
    std::size_t hit = s.find(sub);
    return hit == std::string_view::npos ? int64_t(-1) : int64_t(unicode::length(s.substr(0, hit)));
  }
  if (!v.is_array()) a.expected(0, "xs", "a list or a string");
  const auto& x = a.any(1, "x");
  const auto& xs = v.get_array();
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (values_equal(xs[i], x)) return int64_t(i);
  return int64_t(-1);
}

json::value fn_keys(const Args& a, Context&) {
  json::array out;
  for (const auto& e : a.object(0, "m")) out.emplace_back(e.key());
  return out;
}
json::value fn_values(const Args& a, Context&) {
  json::array out;
  for (const auto& e : a.object(0, "m")) out.push_back(e.value());
  return out;
}
json::value fn_entries(const Args& a, Context&) {
  json::array out;
  for (const auto& e : a.object(0, "m")) out.push_back(json::object{{"key", e.key()}, {"value", e.value()}});
  return out;
}
json::value fn_from_entries(const Args& a, Context&) {
  json::object out;
  const auto& xs = a.list(0, "xs");
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto* o = xs[i].if_object();
    const json::value* k = o ? o->if_contains("key") : nullptr;
    if (!k || !k->is_string())
      a.bad("xs", "element " + std::to_string(i) + " is not a { key: string, value } object");
    const json::value* v = o->if_contains("value");
    out[k->get_string()] = v ? *v : json::value();
  }
  return out;
}
json::value fn_merge(const Args& a, Context&) {
  json::object out;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (const auto& e : a.object(i, "maps")) out[e.key()] = e.value();
  return out;
}
std::vector<std::string_view> key_list(const Args& a) {
  std::vector<std::string_view> keys;
  const auto& ks = a.list(1, "keys");
  for (std::size_t i = 0; i < ks.size(); ++i) {
    if (!ks[i].is_string())
      a.bad("keys", "element " + std::to_string(i) + " is " + kind_name(ks[i]) + ", expected a string");
    keys.push_back(ks[i].get_string());
  }
  return keys;
}
json::value fn_pick(const Args& a, Context&) {
  const auto& m = a.object(0, "m");
  json::object out;
  for (auto k : key_list(a))
    if (const auto* v = m.if_contains(k)) out[k] = *v;
  return out;
}
json::value fn_omit(const Args& a, Context&) {
  json::object out = a.object(0, "m");
  for (auto k : key_list(a)) out.erase(k);
  return out;
}
json::value fn_has(const Args& a, Context&) { return a.object(0, "m").contains(a.str(1, "key")); }
json::value fn_get(const Args& a, Context&) {
  const auto& v = a.any(0, "m");
  if (v.is_array()) {
    const auto& xs = v.get_array();
    int64_t i = a.integer(1, "index");
    if (i < 0) i += int64_t(xs.size());
    return i >= 0 && i < int64_t(xs.size()) ? xs[std::size_t(i)] : json::value();
  }
  if (!v.is_object()) a.expected(0, "m", "a map or a list");
  const auto* hit = v.get_object().if_contains(a.str(1, "key"));
  return hit ? *hit : json::value();
}

json::value fn_abs(const Args& a, Context&) {
  const auto& x = a.any(0, "x");
  if (is_int(x)) {
    if (as_int(x) == INT64_MIN) a.fail("integer overflow");
    return std::abs(as_int(x));
  }
  return std::abs(a.number(0, "x"));
}
json::value fn_round(const Args& a, Context&) {
  const auto& x = a.any(0, "x");
  if (a.present(1)) {
    int64_t d = a.integer(1, "decimals");
    if (d < 0 || d > 15) a.bad("decimals", "must be between 0 and 15");
    double v = a.number(0, "x");
    if (!std::isfinite(v)) return v;
    std::string text = decimal_text(v, int(d));
    double out = 0;
    std::from_chars(text.data(), text.data() + text.size(), out);
    return out;
  }
  if (is_int(x)) return as_int(x);
  return checked_to_int(a, std::round(a.number(0, "x")), "x");
}
json::value fn_floor(const Args& a, Context&) {
  const auto& x = a.any(0, "x");
  return is_int(x) ? as_int(x) : checked_to_int(a, std::floor(a.number(0, "x")), "x");
}
json::value fn_ceil(const Args& a, Context&) {
  const auto& x = a.any(0, "x");
  return is_int(x) ? as_int(x) : checked_to_int(a, std::ceil(a.number(0, "x")), "x");
}
json::value fn_to_int(const Args& a, Context&) {
  const auto& x = a.any(0, "x");
  return is_int(x) ? as_int(x) : checked_to_int(a, std::trunc(a.number(0, "x")), "x");
}
json::value fn_to_float(const Args& a, Context&) { return a.number(0, "x"); }
std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}
json::value fn_parse_int(const Args& a, Context&) {
  std::string_view s = trimmed(a.str(0, "s"));
  int64_t base = a.present(1) ? a.integer(1, "base") : 10;
  if (base < 2 || base > 36) a.bad("base", "must be between 2 and 36");
  if (!s.empty() && s[0] == '+') s.remove_prefix(1), s = s.empty() || s[0] == '-' ? "+" : s;
  if (s.empty() || s[0] == '+') return nullptr;
  int64_t v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v, int(base));
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return nullptr;
  return v;
}
json::value fn_parse_float(const Args& a, Context&) {
  std::string_view s = trimmed(a.str(0, "s"));
  if (!s.empty() && s[0] == '+') s.remove_prefix(1), s = s.empty() || s[0] == '-' ? "+" : s;
  if (s.empty() || s[0] == '+' || std::isalpha(static_cast<unsigned char>(s.back()))) return nullptr;
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v)) return nullptr;
  return v;
}

json::value fn_now(const Args& a, Context& ctx) { return time_value(a, ctx.now_ms()); }
json::value fn_parse_time(const Args& a, Context&) {
  std::string_view s = a.str(0, "s");
  auto zone = a.zone(2, "tz");
  std::string error;
  std::optional<int64_t> t;
  if (a.present(1)) {
    t = parse_time_pattern(s, a.str(1, "pattern"), *zone, error);
    if (!t) a.bad("s", error);
  } else {
    t = parse_time_default(s, *zone);
    if (!t) a.bad("s", "`" + std::string(s) + "` is not an RFC 3339 time (use a pattern for other forms)");
  }
  return time_value(a, *t);
}
json::value fn_format_time(const Args& a, Context&) {
  int64_t t = a.time(0, "t");
  std::string_view pattern = a.str(1, "pattern");
  auto zone = a.zone(2, "tz");
  std::string error;
  auto out = format_time_pattern(t, pattern, *zone, error);
  if (!out) a.bad("pattern", error);
  return json::string(*out);
}
json::value fn_add_duration(const Args& a, Context&) {
  int64_t t = a.time(0, "t"), d = a.integer(1, "d"), r;
  if (__builtin_add_overflow(t, d, &r)) a.fail("the resulting time is outside the years 0000-9999");
  return time_value(a, r);
}
json::value fn_diff(const Args& a, Context&) { return a.time(0, "a") - a.time(1, "b"); }
json::value fn_to_unix(const Args& a, Context&) { return floor_div(a.time(0, "t"), 1000); }
json::value fn_from_unix(const Args& a, Context&) {
  const auto& v = a.any(0, "seconds");
  if (is_int(v)) {
    int64_t s = as_int(v);
    if (s < kMinTimeMs / 1000 || s > kMaxTimeMs / 1000) a.bad("seconds", "outside the years 0000-9999");
    return time_value(a, s * 1000);
  }
  double s = a.number(0, "seconds");
  if (!std::isfinite(s) || s * 1000 < double(kMinTimeMs) || s * 1000 > double(kMaxTimeMs))
    a.bad("seconds", "outside the years 0000-9999");
  return time_value(a, int64_t(std::floor(s * 1000 + 0.5)));
}
json::value fn_start_of(const Args& a, Context&) {
  int64_t t = a.time(0, "t");
  std::string_view unit = a.str(1, "unit");
  auto zone = a.zone(2, "tz");
  int64_t secs = floor_div(t, 1000);
  CivilTime c = ms_to_civil(t + int64_t(zone->offset_at(secs).utc_offset_s) * 1000);
  c.millisecond = 0;
  c.second = 0;
  if (unit == "minute") {
  } else if (unit == "hour") {
    c.minute = 0;
  } else if (unit == "day" || unit == "week" || unit == "month" || unit == "year") {
    c.minute = c.hour = 0;
    if (unit == "week") {
      int64_t days = days_from_civil(c.year, c.month, c.day);
      civil_from_days(days - (weekday_from_days(days) + 6) % 7, c.year, c.month, c.day);
    }
    if (unit == "month" || unit == "year") c.day = 1;
    if (unit == "year") c.month = 1;
  } else {
    a.bad("unit", "expected \"minute\", \"hour\", \"day\", \"week\", \"month\" or \"year\", got \"" +
                      std::string(unit) + "\"");
  }
  // The first instant of the period: a skipped local start means the jump instant, a repeated one
  // its first occurrence.
  return time_value(a, zone->to_utc(civil_to_ms(c) / 1000).first_s * 1000);
}

void write_float(double d, std::string& out, FloatStyle style) {
  if (!std::isfinite(d)) {
    out += style == FloatStyle::json ? "null" : std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, res.ptr - buf);
  out += text;
  if (style == FloatStyle::json && text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

json::value fn_to_json(const Args& a, Context&) { return json::string(to_json_text(a.any(0, "v"))); }
json::value fn_parse_json(const Args& a, Context&) {
  std::string_view s = a.str(0, "s");
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 256;
  json::value v = json::parse(s, ec, {}, opts);
  if (ec) a.bad("s", "invalid JSON: " + ec.message());
  return v;
}
json::value fn_base64_encode(const Args& a, Context&) {
  return json::string(base64_encode(a.str(0, "s"), a.present(1) && a.boolean(1, "url")));
}
json::value fn_base64_decode(const Args& a, Context&) {
  auto out = base64_decode(a.str(0, "s"));
  if (!out) a.bad("s", "invalid base64");
  return json::string(*out);
}
json::value fn_url_encode(const Args& a, Context&) {
  const auto& v = a.any(0, "s");
  if (v.is_string()) return json::string(url_encode(v.get_string()));
  if (!v.is_object()) a.expected(0, "s", "a string or a map of strings");
  std::string out;
  for (const auto& e : v.get_object()) {
    const auto& val = e.value();
    std::string text;
    if (val.is_string()) text = val.get_string();
    else if (is_number(val) || val.is_bool()) text = json::serialize(val);
    else a.bad("params", "value of `" + std::string(e.key()) + "` is " + kind_name(val) + ", expected a string");
    if (!out.empty()) out += '&';
    out += url_encode(e.key()) + "=" + url_encode(text);
  }
  return json::string(out);
}
json::value fn_hex_encode(const Args& a, Context&) { return json::string(hex_encode(a.str(0, "s"))); }

std::string digest_text(const Args& a, std::size_t i, const std::string& raw) {
  std::string_view enc = a.present(i) ? a.str(i, "encoding") : "hex";
  if (enc == "hex") return hex_encode(raw);
  if (enc == "base64") return base64_encode(raw);
  a.bad("encoding", "expected \"hex\" or \"base64\", got \"" + std::string(enc) + "\"");
}
json::value fn_sha256(const Args& a, Context&) {
  return json::string(digest_text(a, 1, sha256_raw(a.str(0, "s"))));
}
json::value fn_hmac_sha256(const Args& a, Context&) {
  return json::string(digest_text(a, 2, hmac_sha256_raw(a.str(0, "key"), a.str(1, "message"))));
}
json::value fn_uuid(const Args&, Context& ctx) { return json::string(ctx.uuid()); }
json::value fn_random(const Args& a, Context& ctx) {
  if (a.size() == 0) return ctx.random();
  int64_t lo = a.integer(0, "lo"), hi = a.integer(1, "hi");
  if (lo > hi) a.bad("hi", "must not be less than lo");
  long double span = (long double)hi - (long double)lo + 1;
  long double r = std::clamp(ctx.random(), 0.0, 1.0);
  __int128 off = static_cast<__int128>(r * span);
  if (off > (__int128)hi - lo) off = (__int128)hi - lo;
  return static_cast<int64_t>(lo + off);
}
json::value fn_type_of(const Args& a, Context&) { return json::string(kind_name(a.any(0, "v"))); }
json::value fn_coalesce(const Args& a, Context&) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!a.any(i, "values").is_null()) return a.any(i, "values");
  a.fail("every argument is null");
}

const std::unordered_map<std::string_view, Entry>& table() {
  static const std::unordered_map<std::string_view, Entry> t = {
      {"len", {fn_len, 1, 1}},
      {"lower", {fn_lower, 1, 1}},
      {"upper", {fn_upper, 1, 1}},
      {"trim", {fn_trim, 1, 1}},
      {"split", {fn_split, 2, 2}},
      {"join", {fn_join, 1, 2}},
      {"replace", {fn_replace, 3, 3}},
      {"contains", {fn_contains, 2, 2}},
      {"starts_with", {fn_starts_with, 2, 2}},
      {"ends_with", {fn_ends_with, 2, 2}},
      {"substring", {fn_substring, 2, 3}},
      {"pad_left", {fn_pad_left, 2, 3}},
      {"format_number", {fn_format_number, 1, 4}},
      {"map", {fn_map, 2, 2}},
      {"filter", {fn_filter, 2, 2}},
      {"reduce", {fn_reduce, 3, 3}},
      {"find", {fn_find, 2, 2}},
      {"any", {fn_any, 1, 2}},
      {"all", {fn_all, 1, 2}},
      {"sum", {fn_sum, 1, 1}},
      {"min", {fn_min, 1, 2}},
      {"max", {fn_max, 1, 2}},
      {"sort", {fn_sort, 1, 2}},
      {"sort_by", {fn_sort_by, 2, 3}},
      {"group_by", {fn_group_by, 2, 2}},
      {"unique", {fn_unique, 1, 1}},
      {"flatten", {fn_flatten, 1, 1}},
      {"first", {fn_first, 1, 1}},
      {"last", {fn_last, 1, 1}},
      {"take", {fn_take, 2, 2}},
      {"skip", {fn_skip, 2, 2}},
      {"zip", {fn_zip, 2, 2}},
      {"index_of", {fn_index_of, 2, 2}},
      {"keys", {fn_keys, 1, 1}},
      {"values", {fn_values, 1, 1}},
      {"entries", {fn_entries, 1, 1}},
      {"from_entries", {fn_from_entries, 1, 1}},
      {"merge", {fn_merge, 1, kMany}},
      {"pick", {fn_pick, 2, 2}},
      {"omit", {fn_omit, 2, 2}},
      {"has", {fn_has, 2, 2}},
      {"get", {fn_get, 2, 2}},
      {"abs", {fn_abs, 1, 1}},
      {"round", {fn_round, 1, 2}},
      {"floor", {fn_floor, 1, 1}},
      {"ceil", {fn_ceil, 1, 1}},
      {"to_int", {fn_to_int, 1, 1}},
      {"to_float", {fn_to_float, 1, 1}},
      {"parse_int", {fn_parse_int, 1, 2}},
      {"parse_float", {fn_parse_float, 1, 1}},
      {"now", {fn_now, 0, 0}},
      {"parse_time", {fn_parse_time, 1, 3}},
      {"format_time", {fn_format_time, 2, 3}},
      {"add_duration", {fn_add_duration, 2, 2}},
      {"diff", {fn_diff, 2, 2}},
      {"to_unix", {fn_to_unix, 1, 1}},
      {"from_unix", {fn_from_unix, 1, 1}},
      {"start_of", {fn_start_of, 2, 3}},
      {"to_json", {fn_to_json, 1, 1}},
      {"parse_json", {fn_parse_json, 1, 1}},
      {"base64_encode", {fn_base64_encode, 1, 2}},
      {"base64_decode", {fn_base64_decode, 1, 1}},
      {"url_encode", {fn_url_encode, 1, 1}},
      {"hex_encode", {fn_hex_encode, 1, 1}},
      {"sha256", {fn_sha256, 1, 2}},
      {"hmac_sha256", {fn_hmac_sha256, 2, 3}},
      {"uuid", {fn_uuid, 0, 0}},
      {"random", {fn_random, 0, 2}},
      {"type_of", {fn_type_of, 1, 1}},
      {"coalesce", {fn_coalesce, 1, kMany}},
  };
  return t;
}

std::string uuid_text(const uint8_t (&b)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

void fill_random(unsigned char* out, std::size_t n) {
  if (!random_bytes(out, n)) throw FunctionError("random", "the system random generator failed");
}

}  // namespace

void append_json_text(const json::value& v, std::string& out, FloatStyle style) {
  switch (v.kind()) {
    case json::kind::double_: write_float(v.get_double(), out, style); break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json_text(e, out, style);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& e : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string(e.key()));
        out += ':';
        append_json_text(e.value(), out, style);
      }
      out += '}';
      break;
    }
    default: out += json::serialize(v);
  }
}

std::string to_json_text(const json::value& v, FloatStyle style) {
  std::string out;
  append_json_text(v, out, style);
  return out;
}

bool values_equal(const json::value& a, const json::value& b) {
  if (is_number(a) && is_number(b)) {
    if (is_int(a) && is_int(b)) return as_int(a) == as_int(b);
    return as_double(a) == as_double(b);
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!values_equal(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& e : x) {
      const auto* other = y.if_contains(e.key());
      if (!other || !values_equal(e.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

json::value call(std::string_view name, std::span<const Value> args, Context& ctx) {
  const auto& t = table();
  auto it = t.find(name);
  if (it == t.end()) throw FunctionError(std::string(name), "unknown function");
  const Entry& e = it->second;
  if (args.size() < e.min_args || args.size() > e.max_args) {
    std::string want = e.min_args == e.max_args ? std::to_string(e.min_args)
                       : e.max_args == kMany    ? "at least " + std::to_string(e.min_args)
                                                : std::to_string(e.min_args) + " to " + std::to_string(e.max_args);
    throw FunctionError(std::string(name), "expected " + want + " argument" +
                                               (e.min_args == 1 && (e.max_args == 1 || e.max_args == kMany) ? "" : "s") +
                                               ", got " + std::to_string(args.size()));
  }
  return e.impl(Args(it->first, args), ctx);
}

json::value call(std::string_view name, std::span<const json::value> args, Context& ctx) {
  std::vector<Value> values(args.begin(), args.end());
  return call(name, std::span<const Value>(values), ctx);
}

bool has_function(std::string_view name) { return table().count(name) > 0; }

std::vector<Parameter> parameters_of(std::string_view sig) {
  std::vector<Parameter> out;
  std::size_t open = sig.find('(');
  if (open == std::string_view::npos) return out;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  auto add = [&](std::string_view item) {
    item = trim(item);
    std::size_t colon = item.find(':');
    if (item.empty() || colon == std::string_view::npos) return;
    Parameter p;
    p.name = trim(item.substr(0, colon));
    p.type = trim(item.substr(colon + 1));
    if (p.name.ends_with("...")) p.variadic = true, p.name.remove_suffix(3);
    if (p.name.ends_with("?")) p.optional = true, p.name.remove_suffix(1);
    out.push_back(p);
  };
  int depth = 0;
  bool quoted = false;
  std::size_t start = open + 1;
  for (std::size_t i = start; i < sig.size(); ++i) {
    char c = sig[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '(' || c == '[' || c == '{' || c == '<') ++depth;
    else if ((c == ']' || c == '}' || (c == '>' && sig[i - 1] != '-')) && depth > 0) --depth;
    else if (c == ')' && depth > 0) --depth;
    else if (c == ')' || (c == ',' && depth == 0)) {
      add(sig.substr(start, i - start));
      start = i + 1;
      if (c == ')') break;
    }
  }
  return out;
}

std::string make_uuid_v4(const std::array<uint8_t, 16>& random) {
  uint8_t b[16];
  std::copy(random.begin(), random.end(), b);
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  return uuid_text(b);
}

std::string make_uuid_v7(int64_t unix_ms, const std::array<uint8_t, 10>& random) {
  uint8_t b[16];
  uint64_t ms = static_cast<uint64_t>(unix_ms) & 0xFFFFFFFFFFFFULL;
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  std::copy(random.begin(), random.end(), b + 6);
  b[6] = (b[6] & 0x0F) | 0x70;
  b[8] = (b[8] & 0x3F) | 0x80;
  return uuid_text(b);
}

std::string uuid_v7() {
  std::array<uint8_t, 10> r;
  fill_random(r.data(), r.size());
  SystemContext clock;
  return make_uuid_v7(clock.now_ms(), r);
}

int64_t SystemContext::now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string SystemContext::uuid() {
  std::array<uint8_t, 16> r;
  fill_random(r.data(), r.size());
  return make_uuid_v4(r);
}

double SystemContext::random() {
  uint64_t v;
  fill_random(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return static_cast<double>(v >> 11) * 0x1.0p-53;
}

}  // namespace weft::functions

namespace weft::functions {

int64_t RecordingContext::now_ms() {
  int64_t v = inner_.now_ms();
  recorded_.push_back(json::object{{"fn", "now"}, {"value", v}});
  return v;
}

std::string RecordingContext::uuid() {
  std::string v = inner_.uuid();
  recorded_.push_back(json::object{{"fn", "uuid"}, {"value", v}});
  return v;
}

double RecordingContext::random() {
  double v = inner_.random();
  recorded_.push_back(json::object{{"fn", "random"}, {"value", v}});
  return v;
}

const json::value* ReplayContext::take(const char* fn) {
  if (next_ >= recorded_.size()) return nullptr;
  const json::value& entry = recorded_[next_];
  const json::object* o = entry.if_object();
  const json::value* name = o ? o->if_contains("fn") : nullptr;
  const json::value* value = o ? o->if_contains("value") : nullptr;
  if (!name || !value || !name->is_string() || name->get_string() != fn)
    throw FunctionError(fn, "replay diverged from the recorded history: entry " +
                                std::to_string(next_) + " is " + json::serialize(entry));
  ++next_;
  return value;
}

int64_t ReplayContext::now_ms() {
  const json::value* v = take("now");
  if (!v) return fallback_.now_ms();
  if (!is_int(*v)) throw FunctionError("now", "recorded value is not an int");
  return as_int(*v);
}

std::string ReplayContext::uuid() {
  const json::value* v = take("uuid");
  if (!v) return fallback_.uuid();
  if (!v->is_string()) throw FunctionError("uuid", "recorded value is not a string");
  return std::string(v->get_string());
}

double ReplayContext::random() {
  const json::value* v = take("random");
  if (!v) return fallback_.random();
  if (!v->is_number()) throw FunctionError("random", "recorded value is not a number");
  return as_double(*v);
}

}  // namespace weft::functions
