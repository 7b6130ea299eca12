// Literal decoding: strings (escapes, interpolation pieces, multi-line indentation), numbers,
// durations. Errors are reported in the user's terms with the exact range of the bad piece.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <limits>

#include "compiler/syntax/internal.h"
#include "stdlib/functions/unicode.h"

namespace weft::syntax::detail {

namespace {

// Index just past the string literal starting at s[i] (a `"`), or npos when it does not close
// before `end`. Mirrors the lexer: escapes, nested `${...}`, single-line strings stop at newline.
size_t skip_string(std::string_view s, size_t i, size_t end);

// Index of the `}` closing the interpolation whose body starts at s[i], or npos.
size_t match_interp(std::string_view s, size_t i, size_t end) {
  int depth = 0;
  while (i < end) {
    char c = s[i];
    if (c == '"') {
      size_t j = skip_string(s, i, end);
      if (j == std::string_view::npos) return j;
      i = j;
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}') {
      if (depth == 0) return i;
      --depth;
    }
    ++i;
  }
  return std::string_view::npos;
}

size_t skip_string(std::string_view s, size_t i, size_t end) {
  bool triple = s.substr(i, 3) == "\"\"\"";
  i += triple ? 3 : 1;
  while (i < end) {
    char c = s[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '$' && i + 1 < end && s[i + 1] == '{') {
      size_t j = match_interp(s, i + 2, end);
      if (j != std::string_view::npos) {
        i = j + 1;
        continue;
      }
    }
    if (triple) {
      if (s.substr(i, 3) == "\"\"\"") return i + 3;
    } else {
      if (c == '"') return i + 1;
      if (c == '\n' || c == '\r') return std::string_view::npos;
    }
    ++i;
  }
  return std::string_view::npos;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::vector<RawPart> decode_string(Context& cx, uint32_t begin, uint32_t end) {
  std::string_view s = cx.text;
  bool triple = end - begin >= 3 && s.substr(begin, 3) == "\"\"\"";
  uint32_t cbegin = begin + (triple ? 3 : 1);
  if (cx.bad_literals.count(begin)) {
    // Unterminated (already reported): its text as written, nothing more to report.
    RawPart raw;
    raw.begin = std::min(cbegin, end);
    raw.end = end;
    raw.text = std::string(cx.slice(raw.begin, end));
    return {raw};
  }
  uint32_t cend = end;
  if (triple) {
    if (end - begin >= 6 && s.substr(end - 3, 3) == "\"\"\"") cend = end - 3;
  } else if (end - begin >= 2 && s[end - 1] == '"') {
    // The closing quote, unless it is escaped (an unterminated string ending in `\"`).
    size_t bs = 0;
    for (uint32_t k = end - 1; k > cbegin && s[k - 1] == '\\'; --k) ++bs;
    if (bs % 2 == 0) cend = end - 1;
  }

  // Multi-line strings: byte ranges to skip (the first newline, common indentation, the last
  // line when it holds only the closing quotes' indentation).
  std::vector<std::pair<uint32_t, uint32_t>> skip;
  if (triple) {
    std::vector<uint32_t> starts{cbegin};  // line starts outside interpolations
    for (uint32_t i = cbegin; i < cend;) {
      if (s[i] == '\\') {
        i += 2;
        continue;
      }
      if (s[i] == '$' && i + 1 < cend && s[i + 1] == '{') {
        size_t j = match_interp(s, i + 2, cend);
        if (j != std::string_view::npos) {
          i = static_cast<uint32_t>(j) + 1;
          continue;
        }
      }
      if (s[i] == '\n') starts.push_back(i + 1);
      ++i;
    }
    struct Line { uint32_t b, e, indent; bool blank; };
    std::vector<Line> lines;
    for (size_t k = 0; k < starts.size(); ++k) {
      uint32_t b = starts[k];
      uint32_t e = k + 1 < starts.size() ? starts[k + 1] - 1 : cend;  // excludes the '\n'
      uint32_t ind = b;
      while (ind < e && (s[ind] == ' ' || s[ind] == '\t')) ++ind;
      bool blank = true;
      for (uint32_t q = ind; q < e; ++q)
        if (s[q] != '\r') blank = false;
      lines.push_back({b, e, ind - b, blank});
    }
    size_t first = 0, last = lines.size();
    if (lines.size() > 1 && lines[0].blank) {
      skip.push_back({lines[0].b, lines[1].b});
      first = 1;
    }
    bool drop_last = lines.size() > 1 && last - 1 >= first && lines[last - 1].blank && last - 1 > 0;
    if (drop_last) {
      skip.push_back({lines[last - 1].b - 1, lines[last - 1].e});
      if (lines[last - 2].e > lines[last - 2].b && s[lines[last - 2].e - 1] == '\r')
        skip.back().first = lines[last - 2].e - 1;
      --last;
    }
    uint32_t common = std::numeric_limits<uint32_t>::max();
    for (size_t k = std::max<size_t>(first, 1); k < last; ++k)
      if (!lines[k].blank) common = std::min(common, lines[k].indent);
    if (common == std::numeric_limits<uint32_t>::max()) common = 0;
    for (size_t k = std::max<size_t>(first, 1); k < last; ++k) {
      uint32_t n = std::min(common, lines[k].blank ? lines[k].e - lines[k].b : lines[k].indent);
      if (n > 0) skip.push_back({lines[k].b, lines[k].b + n});
    }
    std::sort(skip.begin(), skip.end());
  }

  std::vector<RawPart> parts;
  RawPart text;
  bool open = false;
  auto flush = [&](uint32_t at) {
    if (open) {
      text.end = at;
      parts.push_back(std::move(text));
      text = RawPart{};
      open = false;
    }
  };
  auto start_text = [&](uint32_t at) {
    if (!open) {
      open = true;
      text.begin = at;
    }
  };
  size_t next_skip = 0;
  uint32_t last_bad_utf8_line = 0;
  for (uint32_t i = cbegin; i < cend;) {
    while (next_skip < skip.size() && skip[next_skip].second <= i) ++next_skip;
    if (next_skip < skip.size() && skip[next_skip].first <= i) {
      i = skip[next_skip].second;
      continue;
    }
    char c = s[i];
    if (c == '\\') {
      start_text(i);
      char e = i + 1 < cend ? s[i + 1] : '\0';
      uint32_t len = 2;
      switch (e) {
        case 'n': text.text += '\n'; break;
        case 't': text.text += '\t'; break;
        case 'r': text.text += '\r'; break;
        case '"': text.text += '"'; break;
        case '\\': text.text += '\\'; break;
        case '$': text.text += '$'; break;
        case 'u': {
          uint32_t j = i + 2;
          bool ok = j < cend && s[j] == '{';
          uint32_t cp = 0;
          uint32_t digits = 0;
          if (ok) {
            ++j;
            while (j < cend && is_hex(s[j]) && digits < 7) {
              char h = s[j];
              cp = cp * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
              ++j;
              ++digits;
            }
            ok = j < cend && s[j] == '}' && digits >= 1 && digits <= 6 && cp <= 0x10FFFF &&
                 !(cp >= 0xD800 && cp <= 0xDFFF);
          }
          if (ok) {
            functions::unicode::append(text.text, cp);
            len = j + 1 - i;
          } else {
            uint32_t stop = j < cend && s[j] == '}' ? j + 1 : j;
            cx.diags->add(diagnostics::Code::E0003, cx.range(i, std::max(stop, i + 2)),
                          "invalid unicode escape `" + std::string(cx.slice(i, std::max(stop, i + 2))) + "`",
                          "expected `\\u{` and 1 to 6 hex digits of a code point, like `\\u{1F600}`");
            len = std::max(stop, i + 2) - i;
          }
          break;
        }
        default: {
          uint32_t stop = i + 1 < cend ? i + 1 + static_cast<uint32_t>(std::max<size_t>(1, utf8_sequence(s, i + 1))) : i + 1;
          auto& d = cx.diags->add(diagnostics::Code::E0003, cx.range(i, stop),
                                  "invalid escape `" + std::string(cx.slice(i, stop)) + "` in string",
                                  "unknown escape");
          d.notes.push_back({std::nullopt, "valid escapes are \\n \\t \\r \\\" \\\\ \\$ and \\u{...}"});
          len = stop - i;
          break;
        }
      }
      i += len;
      continue;
    }
    if (c == '$' && i + 1 < cend && s[i + 1] == '{') {
      size_t j = match_interp(s, i + 2, cend);
      if (j == std::string_view::npos) {
        cx.diags->add(diagnostics::Code::E0002, cx.range(i, i + 2),
                      "expected `}` to close the `${` opened at " + cx.where(i), "unclosed `${`");
        cx.cover(i, cend);
        flush(i);
        break;
      }
      flush(i);
      RawPart p;
      p.interp = true;
      p.begin = i;
      p.end = static_cast<uint32_t>(j) + 1;
      p.expr_begin = i + 2;
      p.expr_end = static_cast<uint32_t>(j);
      parts.push_back(std::move(p));
      i = static_cast<uint32_t>(j) + 1;
      continue;
    }
    start_text(i);
    size_t n = utf8_sequence(s, i);
    if (n == 0) {
      uint32_t line = cx.file->line_col(i).line;
      if (line != last_bad_utf8_line) {
        last_bad_utf8_line = line;
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(c));
        cx.diags->add(diagnostics::Code::E0008, cx.range(i, i + 1),
                      std::string("invalid byte ") + buf + " in string (not valid UTF-8)", "the file must be UTF-8");
      }
      text.text += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 < cend && s[i + 1] == '\n') {  // CRLF in multi-line strings reads as LF
      ++i;
      continue;
    }
    text.text.append(s.substr(i, n));
    i += static_cast<uint32_t>(n);
  }
  flush(cend);
  return parts;
}

int64_t decode_int(Context& cx, uint32_t begin, uint32_t end) {
  if (cx.bad_literals.count(begin)) return 0;
  std::string_view t = cx.slice(begin, end);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size()) {
    cx.diags->add(diagnostics::Code::E0004, cx.range(begin, end),
                  "integer literal `" + std::string(t) + "` is too large", "the largest int is 9223372036854775807");
    return 0;
  }
  return v;
}

double decode_float(Context& cx, uint32_t begin, uint32_t end) {
  if (cx.bad_literals.count(begin)) return 0;
  std::string_view t = cx.slice(begin, end);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
    cx.diags->add(diagnostics::Code::E0004, cx.range(begin, end),
                  "float literal `" + std::string(t) + "` is out of range", "too large for a float");
    return 0;
  }
  return v;
}

int64_t decode_duration(Context& cx, uint32_t begin, uint32_t end) {
  if (cx.bad_literals.count(begin)) return 0;
  std::string_view t = cx.slice(begin, end);
  static const std::pair<const char*, int64_t> units[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  int64_t total = 0;
  int last_unit = -1;
  size_t i = 0;
  auto fail = [&](const std::string& why) {
    auto& d = cx.diags->add(diagnostics::Code::E0005, cx.range(begin, end),
                            "invalid duration `" + std::string(t) + "`: " + why, "invalid duration");
    d.notes.push_back({std::nullopt, "write the units largest first, each once: `1d2h30m`, `1m30s`, `250ms`"});
    return int64_t{0};
  };
  while (i < t.size()) {
    size_t d = i;
    while (d < t.size() && std::isdigit(static_cast<unsigned char>(t[d]))) ++d;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(t.data() + i, t.data() + d, n);
    if (ec != std::errc()) return fail("the number is too large");
    int unit = -1;
    if (t.substr(d, 2) == "ms") unit = 4;
    else if (d < t.size()) {
      for (int k = 0; k < 4; ++k)
        if (t[d] == units[k].first[0]) unit = k;
    }
    if (unit < 0) return fail("unknown unit");
    if (unit <= last_unit) return fail(unit == last_unit ? "a unit appears twice" : "units must go from largest to smallest");
    last_unit = unit;
    if (n > std::numeric_limits<int64_t>::max() / units[unit].second) return fail("the duration is too long");
    int64_t add = n * units[unit].second;
    if (total > std::numeric_limits<int64_t>::max() - add) return fail("the duration is too long");
    total += add;
    i = d + (unit == 4 ? 2 : 1);
  }
  return total;
}

}  // namespace weft::syntax::detail
