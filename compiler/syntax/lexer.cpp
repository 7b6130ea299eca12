// The lexical pass: runs the generated ANTLR lexer over a UTF-32 copy of the source (invalid UTF-8
// bytes become U+FFFD, one per byte, so offsets map back exactly), collects comments and reports
// lexical errors in the user's terms.
#include <cstdio>

#include <antlr4-runtime.h>

#include "WeftLexer.h"
#include "compiler/syntax/internal.h"

namespace weft::syntax::detail {

using L = weft_grammar::WeftLexer;

namespace {

// ANTLRInputStream over code points we decoded ourselves (the runtime's own decoder throws on
// invalid UTF-8).
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(std::u32string data) {
    _data = std::move(data);
    p = 0;
  }
};

// Decodes s[begin, end) leniently: one code point per valid sequence, U+FFFD per invalid byte.
// offsets[i] is the byte offset of code point i; offsets[n] == end.
void decode_utf8(std::string_view s, uint32_t begin, uint32_t end, std::u32string& out,
                 std::vector<uint32_t>& offsets) {
  out.reserve(end - begin);
  offsets.reserve(end - begin + 1);
  for (uint32_t i = begin; i < end;) {
    size_t n = utf8_sequence(s.substr(0, end), i);
    offsets.push_back(i);
    if (n == 0) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    char32_t cp = n == 1   ? b(0)
                  : n == 2 ? ((b(0) & 0x1F) << 6) | (b(1) & 0x3F)
                  : n == 3 ? ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F)
                           : ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    out.push_back(cp);
    i += static_cast<uint32_t>(n);
  }
  offsets.push_back(end);
}

std::string char_name(const Context& cx, uint32_t b, uint32_t e) {
  std::string_view t = cx.slice(b, e);
  size_t n = utf8_sequence(cx.text, b);
  if (n == 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned char>(t[0]));
    return std::string("byte ") + buf + " (not valid UTF-8)";
  }
  unsigned char c = static_cast<unsigned char>(t[0]);
  if (n == 1 && (c < 0x20 || c == 0x7F)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", c);
    return std::string("character ") + buf;
  }
  return "character `" + std::string(t) + "`";
}

bool is_unit_char(char c) { return c == 'm' || c == 's' || c == 'h' || c == 'd'; }

}  // namespace

size_t utf8_sequence(std::string_view s, size_t i) {
  auto at = [&](size_t k) -> unsigned { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100; };
  unsigned c = at(0);
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { unsigned x = at(k); return x >= 0x80 && x <= 0xBF; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned c1 = at(1);
    if (c == 0xE0 && (c1 < 0xA0 || c1 > 0xBF)) return 0;
    if (c == 0xED && (c1 < 0x80 || c1 > 0x9F)) return 0;  // surrogates
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned c1 = at(1);
    if (c == 0xF0 && (c1 < 0x90 || c1 > 0xBF)) return 0;
    if (c == 0xF4 && (c1 < 0x80 || c1 > 0x8F)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

bool Context::is_covered(uint32_t offset) const {
  for (const auto& [b, e] : covered)
    if (offset >= b && offset < e) return true;
  return false;
}

std::string Context::where(uint32_t offset) const {
  auto lc = file->line_col(offset);
  return std::to_string(lc.line) + ":" + std::to_string(lc.column);
}

std::string describe_token(const Context& cx, const Tok& t) {
  if (t.type == kEof) return "end of file";
  if (t.type == L::NL) return "end of line";
  if (t.synthetic) return "end of the bracket";
  std::string_view s = cx.slice(t.begin, t.end);
  std::string out;
  size_t stop = s.find_first_of("\r\n");
  if (stop != std::string_view::npos) s = s.substr(0, stop);
  if (s.size() > 24) {
    size_t cut = 20;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    out = std::string(s.substr(0, cut)) + "...";
  } else {
    out = std::string(s);
  }
  return "`" + out + "`";
}

bool check_string_nesting(Context& cx) {
  // A small scanner mirroring the lexer's string rules: code, "...", """...""", ${...}, comments.
  enum Mode { Code, Str, Triple, Interp };
  std::vector<std::pair<Mode, uint32_t>> stack{{Code, 0}};
  std::vector<int> braces{0};
  std::string_view s = cx.text;
  size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    Mode m = stack.back().first;
    char c = s[i];
    if (m == Code || m == Interp) {
      if (c == '/' && i + 1 < n && s[i + 1] == '/') {
        while (i < n && s[i] != '\n') ++i;
      } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
        size_t e = s.find("*/", i + 2);
        i = e == std::string_view::npos ? n : e + 1;
      } else if (c == '"') {
        bool triple = s.substr(i, 3) == "\"\"\"";
        stack.push_back({triple ? Triple : Str, static_cast<uint32_t>(i)});
        braces.push_back(0);
        if (triple) i += 2;
      } else if (c == '{') {
        ++braces.back();
      } else if (c == '}') {
        if (m == Interp && braces.back() == 0) {
          stack.pop_back();
          braces.pop_back();
        } else if (braces.back() > 0) {
          --braces.back();
        }
      }
    } else {
      if (c == '\\') {
        ++i;
      } else if (c == '$' && i + 1 < n && s[i + 1] == '{') {
        stack.push_back({Interp, static_cast<uint32_t>(i)});
        braces.push_back(0);
        ++i;
      } else if (m == Str && (c == '"' || c == '\n')) {
        stack.pop_back();
        braces.pop_back();
      } else if (m == Triple && s.substr(i, 3) == "\"\"\"") {
        stack.pop_back();
        braces.pop_back();
        i += 2;
      }
    }
    if (stack.size() > cx.max_depth + 1) {
      uint32_t at = stack.back().second;
      cx.diags->add(diagnostics::Code::E0006, cx.range(at, at + 1),
                    "strings and `${...}` nest more than " + std::to_string(cx.max_depth) + " levels deep",
                    "nested too deeply");
      return false;
    }
  }
  return true;
}

std::vector<Tok> lex(Context& cx, uint32_t begin, uint32_t end) {
  std::u32string data;
  std::vector<uint32_t> offsets;
  decode_utf8(cx.text, begin, end, data, offsets);
  CodePointStream input(std::move(data));
  L lexer(&input);
  lexer.removeErrorListeners();
  auto raw = lexer.getAllTokens();

  std::vector<Tok> out;
  out.reserve(raw.size());
  uint32_t last_bad_char_line = 0;
  for (const auto& t : raw) {
    size_t s = t->getStartIndex(), e = t->getStopIndex() + 1;
    if (s >= offsets.size() || e >= offsets.size() || e < s) continue;
    Tok k{static_cast<int>(t->getType()), offsets[s], offsets[e], t->getChannel() != antlr4::Token::DEFAULT_CHANNEL};
    switch (k.type) {
      case L::DOC_COMMENT:
      case L::LINE_COMMENT:
      case L::BLOCK_COMMENT:
        cx.module->comments.push_back({cx.range(k.begin, k.end), std::string(cx.slice(k.begin, k.end)),
                                       k.type == L::DOC_COMMENT});
        break;
      case L::UNTERMINATED_COMMENT:
        cx.module->comments.push_back({cx.range(k.begin, k.end), std::string(cx.slice(k.begin, k.end)), false});
        cx.diags->add(diagnostics::Code::E0007, cx.range(k.begin, k.begin + 2),
                      "unterminated block comment: missing the closing `*/`", "this comment is never closed");
        cx.cover(k.begin, k.end);
        k.type = L::BLOCK_COMMENT;
        break;
      case L::UNTERMINATED_STRING: {
        auto& d = cx.diags->add(diagnostics::Code::E0007, cx.range(k.begin, k.end),
                                "unterminated string: missing the closing `\"`", "this string is never closed");
        d.notes.push_back({std::nullopt, "a string ends on the line where it starts; use `\"\"\"` for multi-line text"});
        cx.cover(k.begin, k.end + 1);
        cx.bad_literals.insert(k.begin);
        k.type = L::STRING;
        break;
      }
      case L::UNTERMINATED_TRIPLE:
        cx.diags->add(diagnostics::Code::E0007, cx.range(k.begin, k.begin + 3),
                      "unterminated multi-line string: missing the closing `\"\"\"`",
                      "this string runs to the end of the file");
        cx.cover(k.begin, k.end + 1);
        cx.bad_literals.insert(k.begin);
        k.type = L::TRIPLE_STRING;
        break;
      case L::BAD_NUMBER: {
        std::string_view txt = cx.slice(k.begin, k.end);
        size_t d = 0;
        while (d < txt.size() && (std::isdigit(static_cast<unsigned char>(txt[d])) || txt[d] == '.')) ++d;
        bool duration = d < txt.size() && is_unit_char(txt[d]);
        if (duration) {
          std::string msg = "invalid duration `" + std::string(txt) + "`";
          auto& diag = cx.diags->add(diagnostics::Code::E0005, cx.range(k.begin, k.end), msg,
                                     "not a duration");
          diag.notes.push_back({std::nullopt, txt.substr(0, d).find('.') != std::string_view::npos
                                                  ? "durations take whole numbers: write `1500ms`, not `1.5s`"
                                                  : "a duration is whole numbers with units `d`, `h`, `m`, `s` or "
                                                    "`ms`, largest first, like `250ms`, `10s` or `1h30m`"});
          k.type = L::DURATION;
        } else {
          cx.diags->add(diagnostics::Code::E0004, cx.range(k.begin, k.end),
                        "invalid number `" + std::string(txt) + "`", "a number cannot run into letters");
          k.type = L::INT;
        }
        cx.bad_literals.insert(k.begin);
        cx.cover(k.begin, k.end);
        break;
      }
      case L::ERROR_CHAR: {
        // Extend over a run of invalid characters; one report per line.
        uint32_t line = cx.file->line_col(k.begin).line;
        cx.cover(k.begin, k.end);
        if (line == last_bad_char_line) continue;
        last_bad_char_line = line;
        std::string what = char_name(cx, k.begin, k.end);
        std::string label = what.rfind("byte", 0) == 0 ? "the file must be UTF-8" : "not allowed here";
        cx.diags->add(diagnostics::Code::E0008, cx.range(k.begin, k.end), "invalid " + what, label);
        continue;  // dropped from the token stream
      }
      default:
        break;
    }
    out.push_back(k);
  }
  return out;
}

}  // namespace weft::syntax::detail
