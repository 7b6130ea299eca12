// The reference lexical pass: the generated ANTLR lexer over a UTF-32 copy of the source (invalid
// UTF-8 bytes become U+FFFD, one per byte, so offsets map back exactly). Only the differential
// test calls it; parse() uses the hand-written lex() in lexer.cpp.
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

}  // namespace

std::vector<Tok> lex_reference(Context& cx, uint32_t begin, uint32_t end) {
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
    add_lexed_token(cx, {static_cast<int>(t->getType()), offsets[s], offsets[e],
                         t->getChannel() != antlr4::Token::DEFAULT_CHANNEL},
                    out, last_bad_char_line);
  }
  return out;
}

}  // namespace weft::syntax::detail
