// The lexical pass: a hand-written scanner that yields exactly the tokens of the generated ANTLR
// lexer (grammar/Weft.g4; offsets are bytes, an invalid UTF-8 byte is one character), collects
// comments and reports lexical errors in the user's terms.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "WeftLexer.h"
#include "compiler/syntax/internal.h"

namespace weft::syntax::detail {

using L = weft_grammar::WeftLexer;

namespace {

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

void add_lexed_token(Context& cx, Tok k, std::vector<Tok>& out, uint32_t& last_bad_char_line) {
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
        if (line == last_bad_char_line) return;
        last_bad_char_line = line;
        std::string what = char_name(cx, k.begin, k.end);
        std::string label = what.rfind("byte", 0) == 0 ? "the file must be UTF-8" : "not allowed here";
        cx.diags->add(diagnostics::Code::E0008, cx.range(k.begin, k.end), "invalid " + what, label);
        return;  // dropped from the token stream
      }
      default:
        break;
    }
  out.push_back(k);
}

namespace {

// ---------------------------------------------------------------- string literals
//
// The four string rules of the grammar (TRIPLE_STRING, UNTERMINATED_TRIPLE, STRING,
// UNTERMINATED_STRING) are context-free (an interpolation holds strings holding interpolations)
// and TRIPLE_STRING's body is non-greedy. The common shapes are scanned directly (see lex_string);
// anything else runs StringVm, which mirrors what ANTLR's LexerATNSimulator does on the same ATN:
// an ordered list of configurations (state, call stack, rule, "passed a non-greedy decision"),
// closure in priority order, duplicates dropped, and, once a configuration of a rule reaches the
// rule's end, the later non-greedy configurations of that rule pruned. The longest accepted match
// wins; on a tie the rule listed first in the grammar.

// Classes of consumed characters (code points; every non-ASCII code point is "other").
enum Cls : uint8_t { kQuote, kBackslash, kDollar, kLBrace, kRBrace, kNotCrLf, kStrChar, kNotQuote, kInterpChar, kAny };

// What the string rules tell apart in a character, as one bit each; 0 is the end of input.
uint16_t category(int ch) {
  switch (ch) {
    case -1: return 0;
    case '"': return 1u << 0;
    case '\\': return 1u << 1;
    case '$': return 1u << 2;
    case '{': return 1u << 3;
    case '}': return 1u << 4;
    case '\r': return 1u << 5;
    case '\n': return 1u << 6;
    default: return 1u << 7;
  }
}

// The categories a class accepts.
uint16_t accepted(Cls c) {
  constexpr uint16_t all = 0xFF;
  switch (c) {
    case kQuote: return category('"');
    case kBackslash: return category('\\');
    case kDollar: return category('$');
    case kLBrace: return category('{');
    case kRBrace: return category('}');
    case kNotCrLf: return all & ~(category('\r') | category('\n'));
    case kStrChar: return all & ~(category('"') | category('\\') | category('$') | category('\r') | category('\n'));
    case kNotQuote: return all & ~category('"');
    case kInterpChar: return all & ~(category('"') | category('{') | category('}') | category('$'));
    case kAny: return all;
  }
  return 0;
}

// The ATN of the string rules, built once. Node kinds: consume one character, ordered epsilon
// split (a decision; `nongreedy` for TRIPLE_STRING's loop), call of a rule, end of a rule.
struct StringAtn {
  enum Kind : uint8_t { kConsume, kSplit, kCall, kReturn };
  struct Node {
    Kind kind;
    Cls cls = kAny;
    bool nongreedy = false;
    int next = -1;            // consume: target; call: return node
    int target = -1;          // call: the rule's first node
    std::vector<int> succ;    // split: successors in priority order
    uint16_t first = 0;       // categories of the characters it can consume first (calls included)
  };
  std::vector<Node> nodes;
  int triple = 0, string = 0, unterminated = 0;  // rule entry nodes

  int add(Node n) {
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }
  int consume(Cls c, int next) { return add({kConsume, c, false, next, -1, {}}); }
  int call(int rule, int ret) { return add({kCall, kAny, false, ret, rule, {}}); }
  int split() { return add({kSplit, kAny, false, -1, -1, {}}); }

  StringAtn() {
    int ret = add({kReturn, kAny, false, -1, -1, {}});
    // Rules are referenced before their nodes exist: reserve an entry split per rule.
    int esc = split(), interp = split(), item = split();
    triple = split();
    string = split();
    unterminated = split();
    // ESC_SEQ : '\\' ~[\r\n]
    nodes[esc].succ = {consume(kBackslash, consume(kNotCrLf, ret))};
    // INTERP : '${' INTERP_ITEM* '}'
    {
      int loop = split();
      nodes[loop].succ = {call(item, loop), consume(kRBrace, ret)};
      nodes[interp].succ = {consume(kDollar, consume(kLBrace, loop))};
    }
    // INTERP_ITEM : STRING | TRIPLE_STRING | '{' INTERP_ITEM* '}' | ~["{}$]
    {
      int loop = split();
      nodes[loop].succ = {call(item, loop), consume(kRBrace, ret)};
      nodes[item].succ = {call(string, ret), call(triple, ret), consume(kLBrace, loop), consume(kInterpChar, ret)};
    }
    // TRIPLE_STRING : '"""' ( ESC_SEQ | INTERP | . )*? '"""'
    {
      int loop = split();
      nodes[loop].nongreedy = true;
      int close = consume(kQuote, consume(kQuote, consume(kQuote, ret)));
      nodes[loop].succ = {close, call(esc, loop), call(interp, loop), consume(kAny, loop)};
      nodes[triple].succ = {consume(kQuote, consume(kQuote, consume(kQuote, loop)))};
    }
    // STRING : '"' ( ESC_SEQ | INTERP | '$' | ~["\\$\r\n] )* '"'
    {
      int loop = split();
      nodes[loop].succ = {call(esc, loop), call(interp, loop), consume(kDollar, loop), consume(kStrChar, loop),
                          consume(kQuote, ret)};
      nodes[string].succ = {consume(kQuote, loop)};
    }
    // UNTERMINATED_STRING : '"' ( ESC_SEQ | INTERP | '$' | ~["\\$\r\n] )* '\\'?
    {
      int loop = split(), opt = split();
      nodes[opt].succ = {consume(kBackslash, ret), ret};
      nodes[loop].succ = {call(esc, loop), call(interp, loop), consume(kDollar, loop), consume(kStrChar, loop), opt};
      nodes[unterminated].succ = {consume(kQuote, loop)};
    }
    // First characters, to a fixed point (no rule matches the empty string).
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& n : nodes) {
        uint16_t f = n.kind == kConsume ? accepted(n.cls) : n.kind == kCall ? nodes[n.target].first : 0;
        for (int x : n.succ) f |= nodes[x].first;
        if ((f | n.first) != n.first) {
          n.first |= f;
          changed = true;
        }
      }
    }
  }
};

const StringAtn& string_atn() {
  static const StringAtn atn;
  return atn;
}

class StringVm {
 public:
  // Longest match of each rule (TRIPLE_STRING, STRING, UNTERMINATED_STRING) from `p`; 0: none.
  std::array<uint32_t, 3> run(std::string_view s, uint32_t p) {
    const auto& atn = atn_;
    stacks_.assign(1, {-1, -1});
    stack_ids_.clear();
    std::array<uint32_t, 3> best{0, 0, 0};
    list_.clear();
    reset_seen();
    auto at = [&](uint32_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : -1; };
    lookahead_ = category(at(p));
    const int entries[3] = {atn.triple, atn.string, atn.unterminated};
    for (uint8_t alt = 0; alt < 3; ++alt) closure(make({0, 0, alt, false}, entries[alt]), list_, false);
    uint32_t pos = p;
    while (!list_.empty() && pos < s.size()) {
      auto c = static_cast<unsigned char>(s[pos]);
      uint16_t cat = category(c);
      size_t n = c < 0x80 ? 1 : std::max<size_t>(1, utf8_sequence(s, pos));
      pos += static_cast<uint32_t>(n);
      // Configurations that cannot take the next character are never added: they would die
      // there without reaching a rule's end, so dropping them early changes nothing else.
      lookahead_ = category(at(pos));
      reach_.clear();
      reset_seen();
      int skip_alt = -1;
      for (const Thread& t : list_) {
        const auto& node = atn.nodes[t.node];
        if (node.kind != StringAtn::kConsume) continue;
        bool reached = t.alt == skip_alt;
        if (reached && t.nongreedy) continue;
        if (!(node.first & cat)) continue;
        if (closure(make(t, node.next), reach_, reached)) skip_alt = t.alt;
      }
      for (const Thread& t : reach_)
        if (atn.nodes[t.node].kind == StringAtn::kReturn) best[t.alt] = pos;
      list_.swap(reach_);
    }
    return best;
  }

 private:
  struct Thread {
    int node, stack;
    uint8_t alt;
    bool nongreedy;
    bool operator==(const Thread&) const = default;
  };

  Thread make(Thread t, int node) const {
    t.node = node;
    t.nongreedy = t.nongreedy || atn_.nodes[node].nongreedy;
    return t;
  }

  int push(int parent, int ret) {
    uint64_t key = (static_cast<uint64_t>(parent) << 32) | static_cast<uint32_t>(ret);
    auto [it, fresh] = stack_ids_.try_emplace(key, static_cast<int>(stacks_.size()));
    if (fresh) stacks_.push_back({parent, ret});
    return it->second;
  }

  static uint64_t key(const Thread& t) {
    return (static_cast<uint64_t>(t.stack) << 32) | (static_cast<uint64_t>(t.node) << 3) |
           (static_cast<uint64_t>(t.alt) << 1) | (t.nongreedy ? 1 : 0);
  }

  void reset_seen() {
    if (hashed_) seen_.clear();
    hashed_ = false;
  }

  // Adds t unless an equal configuration is there already (a linear scan while the list is short).
  void add(const Thread& t, std::vector<Thread>& out) {
    constexpr size_t kLinear = 32;
    if (!hashed_) {
      if (std::find(out.begin(), out.end(), t) != out.end()) return;
      out.push_back(t);
      if (out.size() >= kLinear) {
        for (const Thread& o : out) seen_.insert(key(o));
        hashed_ = true;
      }
      return;
    }
    if (seen_.insert(key(t)).second) out.push_back(t);
  }

  // ANTLR's LexerATNSimulator::closure: returns whether this rule reached its end.
  bool closure(Thread t, std::vector<Thread>& out, bool reached) {
    const auto& node = atn_.nodes[t.node];
    switch (node.kind) {
      case StringAtn::kReturn: {
        if (t.stack == 0) {
          add(t, out);
          return true;
        }
        auto [parent, ret] = stacks_[t.stack];
        Thread up = make(t, ret);
        up.stack = parent;
        return closure(up, out, reached);
      }
      case StringAtn::kConsume:
        if ((node.first & lookahead_) && (!reached || !t.nongreedy)) add(t, out);
        return reached;
      case StringAtn::kCall: {
        if (!(atn_.nodes[node.target].first & lookahead_)) return reached;  // no use entering
        Thread in = make(t, node.target);
        in.stack = push(t.stack, node.next);
        return closure(in, out, reached);
      }
      case StringAtn::kSplit:
        for (int next : node.succ) reached = closure(make(t, next), out, reached);
        return reached;
    }
    return reached;
  }

  std::vector<std::pair<int, int>> stacks_;  // interned call stacks: (parent, return node); 0 is empty
  std::unordered_map<uint64_t, int> stack_ids_;
  std::vector<Thread> list_, reach_;
  std::unordered_set<uint64_t> seen_;
  const StringAtn& atn_ = string_atn();
  bool hashed_ = false;      // seen_ holds the keys of the list being built
  uint16_t lookahead_ = 0;   // category of the character after the current position
};

// ---------------------------------------------------------------- the scanner

struct Keyword {
  std::string_view text;
  int type;
};

constexpr Keyword kKeywords[] = {
    {"import", L::KW_IMPORT},       {"as", L::KW_AS},           {"type", L::KW_TYPE},
    {"const", L::KW_CONST},         {"fn", L::KW_FN},           {"connection", L::KW_CONNECTION},
    {"flow", L::KW_FLOW},           {"test", L::KW_TEST},       {"on", L::KW_ON},
    {"options", L::KW_OPTIONS},     {"step", L::KW_STEP},       {"let", L::KW_LET},
    {"if", L::KW_IF},               {"else", L::KW_ELSE},       {"switch", L::KW_SWITCH},
    {"case", L::KW_CASE},           {"default", L::KW_DEFAULT}, {"for", L::KW_FOR},
    {"in", L::KW_IN},               {"into", L::KW_INTO},       {"concurrency", L::KW_CONCURRENCY},
    {"yield", L::KW_YIELD},         {"parallel", L::KW_PARALLEL}, {"branch", L::KW_BRANCH},
    {"wait", L::KW_WAIT},           {"until", L::KW_UNTIL},     {"signal", L::KW_SIGNAL},
    {"timeout", L::KW_TIMEOUT},     {"retry", L::KW_RETRY},     {"compensate", L::KW_COMPENSATE},
    {"try", L::KW_TRY},             {"catch", L::KW_CATCH},     {"where", L::KW_WHERE},
    {"fail", L::KW_FAIL},           {"with", L::KW_WITH},       {"return", L::KW_RETURN},
    {"emit", L::KW_EMIT},           {"run", L::KW_RUN},         {"start", L::KW_START},
    {"await", L::KW_AWAIT},         {"every", L::KW_EVERY},     {"mock", L::KW_MOCK},
    {"expect", L::KW_EXPECT},       {"advance", L::KW_ADVANCE}, {"true", L::KW_TRUE},
    {"false", L::KW_FALSE},         {"null", L::KW_NULL},
};

// Keywords bucketed by first letter (a keyword is an ID spelled exactly like it).
struct KeywordTable {
  std::array<std::vector<Keyword>, 26> by_letter;
  KeywordTable() {
    for (const auto& k : kKeywords) by_letter[k.text[0] - 'a'].push_back(k);
  }
  int type_of(std::string_view word) const {
    if (word[0] < 'a' || word[0] > 'z') return L::ID;
    for (const auto& k : by_letter[word[0] - 'a'])
      if (k.text == word) return k.type;
    return L::ID;
  }
};

const KeywordTable& keywords() {
  static const KeywordTable t;
  return t;
}

constexpr bool is_digit(int c) { return c >= '0' && c <= '9'; }
constexpr bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
constexpr bool is_ident(int c) { return is_ident_start(c) || is_digit(c); }

class Scanner {
 public:
  Scanner(std::string_view text, uint32_t end) : s_(text.substr(0, end)), n_(end) {}

  // Byte at k, or -1 past the end of the lexed range.
  int at(uint32_t k) const { return k < n_ ? static_cast<unsigned char>(s_[k]) : -1; }

  uint32_t ident_end(uint32_t k) const {
    while (k < n_ && is_ident(static_cast<unsigned char>(s_[k]))) ++k;
    return k;
  }
  uint32_t digits_end(uint32_t k) const {
    while (k < n_ && is_digit(static_cast<unsigned char>(s_[k]))) ++k;
    return k;
  }
  // [eE] [+-]? DIGIT+ at k: its end, or 0.
  uint32_t exponent_end(uint32_t k) const {
    if (at(k) != 'e' && at(k) != 'E') return 0;
    ++k;
    if (at(k) == '+' || at(k) == '-') ++k;
    uint32_t d = digits_end(k);
    return d > k ? d : 0;
  }

  // DURATION | FLOAT | INT | BAD_NUMBER at a digit: the longest, the first rule on a tie.
  Tok number(uint32_t p) const {
    uint32_t d = digits_end(p);
    uint32_t duration = 0;
    for (uint32_t k = p;;) {
      uint32_t e = digits_end(k);
      if (e == k) break;
      if (at(e) == 'm' && at(e + 1) == 's') e += 2;
      else if (at(e) == 'm' || at(e) == 's' || at(e) == 'h' || at(e) == 'd') e += 1;
      else break;
      duration = k = e;
    }
    uint32_t flt = 0, bad = 0;
    if (at(d) == '.' && is_digit(at(d + 1))) {
      uint32_t f = digits_end(d + 1);
      uint32_t x = exponent_end(f);
      flt = x ? x : f;
      if (is_ident_start(at(f))) bad = ident_end(f + 1);
    } else {
      flt = exponent_end(d);
      if (is_ident_start(at(d))) bad = ident_end(d + 1);
    }
    Tok t{L::DURATION, p, duration};
    if (flt > t.end) t = {L::FLOAT, p, flt};
    if (d > t.end) t = {L::INT, p, d};
    if (bad > t.end) t = {L::BAD_NUMBER, p, bad};
    return t;
  }

  // A string rule at a `"`.
  Tok string(uint32_t p) {
    if (at(p + 1) == '"') {
      if (at(p + 2) != '"') return {L::STRING, p, p + 2};
      return triple(p);
    }
    for (uint32_t i = p + 1;;) {
      int c = at(i);
      if (c == '"') return {L::STRING, p, i + 1};
      if (c == -1 || c == '\n' || c == '\r') return {L::UNTERMINATED_STRING, p, i};
      if (c == '\\') {
        int e = at(i + 1);
        if (e == -1 || e == '\n' || e == '\r') return {L::UNTERMINATED_STRING, p, i + 1};
        i += 2;
      } else if (c == '$' && at(i + 1) == '{') {
        // `${...}` with no quote, brace, `$`, backslash or line break inside: read as an
        // interpolation or as plain characters, it ends at the same `}`.
        uint32_t j = i + 2;
        for (int x = at(j); x != -1 && x != '"' && x != '{' && x != '}' && x != '$' && x != '\\' && x != '\r' && x != '\n';
             x = at(++j)) {
        }
        if (at(j) != '}') return general_string(p);
        i = j + 1;
      } else {
        ++i;
      }
    }
  }

 private:
  // At `"""`: TRIPLE_STRING or UNTERMINATED_TRIPLE.
  Tok triple(uint32_t p) {
    uint32_t close = p + 3;  // first `"""` after the opening one
    bool plain = true;       // no `\` or `$` before it
    for (; close < n_; ++close) {
      char c = s_[close];
      if (c == '"' && at(close + 1) == '"' && at(close + 2) == '"') break;
      if (c == '\\' || c == '$') plain = false;
    }
    uint32_t unterminated = close < n_ ? close + 2 : n_;
    if (plain) {
      if (close < n_) return {L::TRIPLE_STRING, p, close + 3};
      return {L::UNTERMINATED_TRIPLE, p, unterminated};
    }
    auto m = vm_.run(s_, p);
    // STRING (`""`) and UNTERMINATED_STRING (`"`) are shorter than UNTERMINATED_TRIPLE.
    if (m[0] >= unterminated && m[0] > 0) return {L::TRIPLE_STRING, p, m[0]};
    return {L::UNTERMINATED_TRIPLE, p, unterminated};
  }

  // At `"` not followed by `"`: TRIPLE_STRING and UNTERMINATED_TRIPLE cannot match.
  Tok general_string(uint32_t p) {
    auto m = vm_.run(s_, p);
    if (m[1] >= m[2] && m[1] > 0) return {L::STRING, p, m[1]};
    return {L::UNTERMINATED_STRING, p, m[2]};
  }

  std::string_view s_;
  uint32_t n_;
  StringVm vm_;
};

}  // namespace

std::vector<Tok> lex(Context& cx, uint32_t begin, uint32_t end) {
  Scanner sc(cx.text, end);
  std::string_view s = cx.text.substr(0, end);
  std::vector<Tok> out;
  out.reserve((end - begin) / 4 + 16);
  uint32_t last_bad_char_line = 0;
  auto emit = [&](int type, uint32_t b, uint32_t e, bool hidden = false) {
    Tok k{type, b, e, hidden};
    if (type == L::DOC_COMMENT || type == L::LINE_COMMENT || type == L::BLOCK_COMMENT ||
        type == L::UNTERMINATED_COMMENT || type == L::UNTERMINATED_STRING || type == L::UNTERMINATED_TRIPLE ||
        type == L::BAD_NUMBER || type == L::ERROR_CHAR)
      add_lexed_token(cx, k, out, last_bad_char_line);
    else
      out.push_back(k);
  };
  uint32_t i = begin;
  while (i < end) {
    int c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case ' ': case '\t': case '\f': case '\v':
        ++i;
        continue;
      case '\n':
        emit(L::NL, i, i + 1);
        ++i;
        continue;
      case '\r': {
        uint32_t e = sc.at(i + 1) == '\n' ? i + 2 : i + 1;
        emit(L::NL, i, e);
        i = e;
        continue;
      }
      case '"': {
        Tok t = sc.string(i);
        emit(t.type, t.begin, t.end);
        i = t.end;
        continue;
      }
      case '/': {
        int n = sc.at(i + 1);
        if (n == '/') {
          bool doc = sc.at(i + 2) == '/';
          uint32_t e = i + 2;
          while (e < end && s[e] != '\n' && s[e] != '\r') ++e;
          emit(doc ? L::DOC_COMMENT : L::LINE_COMMENT, i, e, true);
          i = e;
        } else if (n == '*') {
          size_t close = i + 2 <= end ? s.find("*/", i + 2) : std::string_view::npos;
          if (close == std::string_view::npos) {
            emit(L::UNTERMINATED_COMMENT, i, end, true);
            i = end;
          } else {
            emit(L::BLOCK_COMMENT, i, static_cast<uint32_t>(close + 2), true);
            i = static_cast<uint32_t>(close + 2);
          }
        } else {
          emit(L::SLASH, i, i + 1);
          ++i;
        }
        continue;
      }
      default:
        break;
    }
    if (is_ident_start(c)) {
      uint32_t e = sc.ident_end(i + 1);
      emit(keywords().type_of(s.substr(i, e - i)), i, e);
      i = e;
      continue;
    }
    if (is_digit(c)) {
      Tok t = sc.number(i);
      emit(t.type, t.begin, t.end);
      i = t.end;
      continue;
    }
    int n = sc.at(i + 1);
    int type = 0;
    uint32_t len = 1;
    switch (c) {
      case '(': type = L::LPAREN; break;
      case ')': type = L::RPAREN; break;
      case '[': type = L::LBRACK; break;
      case ']': type = L::RBRACK; break;
      case '{': type = L::LBRACE; break;
      case '}': type = L::RBRACE; break;
      case ',': type = L::COMMA; break;
      case ';': type = L::SEMI; break;
      case ':': type = L::COLON; break;
      case '.':
        if (n == '.' && sc.at(i + 2) == '.') type = L::ELLIPSIS, len = 3;
        else type = L::DOT;
        break;
      case '?':
        if (n == '.') type = L::QDOT, len = 2;
        else if (n == '?') type = L::QQ, len = 2;
        else type = L::QUESTION;
        break;
      case '-':
        if (n == '>') type = L::ARROW, len = 2;
        else type = L::MINUS;
        break;
      case '=':
        if (n == '>') type = L::FATARROW, len = 2;
        else if (n == '=') type = L::EQ, len = 2;
        else type = L::ASSIGN;
        break;
      case '!':
        if (n == '=') type = L::NEQ, len = 2;
        else type = L::BANG;
        break;
      case '<':
        if (n == '=') type = L::LE, len = 2;
        else type = L::LT;
        break;
      case '>':
        if (n == '=') type = L::GE, len = 2;
        else type = L::GT;
        break;
      case '+': type = L::PLUS; break;
      case '*': type = L::STAR; break;
      case '%': type = L::PERCENT; break;
      case '&':
        if (n == '&') type = L::ANDAND, len = 2;
        break;
      case '|':
        if (n == '|') type = L::OROR, len = 2;
        else type = L::PIPE;
        break;
      case 0xEF:  // U+FEFF (byte order mark) is white space
        if (n == 0xBB && sc.at(i + 2) == 0xBF) {
          i += 3;
          continue;
        }
        break;
      default:
        break;
    }
    if (type == 0) {
      // ERROR_CHAR: one code point, or one byte that starts no valid UTF-8 sequence.
      size_t seq = utf8_sequence(s, i);
      emit(L::ERROR_CHAR, i, i + static_cast<uint32_t>(seq ? seq : 1));
      i += static_cast<uint32_t>(seq ? seq : 1);
      continue;
    }
    emit(type, i, i + len);
    i += len;
  }
  return out;
}

}  // namespace weft::syntax::detail
