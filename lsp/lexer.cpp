#include "lsp/lexer.h"

#include <algorithm>

namespace weft::lsp {

const std::vector<std::string_view>& keywords() {
  static const std::vector<std::string_view> all = {
      "import", "as", "type", "const", "fn", "connection", "flow", "test", "on", "options", "step",
      "let", "if", "else", "switch", "case", "default", "for", "in", "into", "concurrency", "yield",
      "parallel", "branch", "wait", "until", "signal", "timeout", "retry", "compensate", "try",
      "catch", "where", "fail", "with", "return", "emit", "run", "start", "await", "every", "mock",
      "expect", "advance", "true", "false", "null"};
  return all;
}

bool is_keyword(std::string_view word) {
  const auto& k = keywords();
  return std::find(k.begin(), k.end(), word) != k.end();
}

namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  std::vector<Token> run() {
    while (pos_ < s_.size()) {
      if (!modes_.empty() && modes_.back().in_string) {
        string_body();
        continue;
      }
      char c = s_[pos_];
      if (c == '\n') {
        line_start_ = true;
        ++pos_;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
        continue;
      }
      uint32_t b = pos_;
      if (c == '/' && peek(1) == '/') {
        bool doc = peek(2) == '/' && peek(3) != '/';
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
        if (pos_ > b && s_[pos_ - 1] == '\r') --pos_;
        emit(doc ? Token::Kind::DocComment : Token::Kind::Comment, b);
        continue;
      }
      if (c == '/' && peek(1) == '*') {
        size_t close = s_.find("*/", pos_ + 2);
        pos_ = close == std::string_view::npos ? static_cast<uint32_t>(s_.size()) : static_cast<uint32_t>(close + 2);
        emit(Token::Kind::Comment, b);
        continue;
      }
      if (ident_start(c)) {
        while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;
        emit(is_keyword(s_.substr(b, pos_ - b)) ? Token::Kind::Keyword : Token::Kind::Ident, b);
        continue;
      }
      if (digit(c)) {
        number(b);
        continue;
      }
      if (c == '"') {
        bool triple = peek(1) == '"' && peek(2) == '"';
        pos_ += triple ? 3 : 1;
        modes_.push_back({true, triple, 0});
        piece_begin_ = b;
        continue;
      }
      if (!modes_.empty() && !modes_.back().in_string) {
        if (c == '{') {
          ++modes_.back().depth;
        } else if (c == '}') {
          if (modes_.back().depth == 0) {
            ++pos_;
            emit(Token::Kind::InterpEnd, b);
            modes_.back().in_string = true;
            piece_begin_ = pos_;
            continue;
          }
          --modes_.back().depth;
        }
      }
      punct(b);
    }
    if (!modes_.empty() && modes_.back().in_string && piece_begin_ < s_.size()) {
      pos_ = static_cast<uint32_t>(s_.size());
      emit(Token::Kind::String, piece_begin_);
    }
    return std::move(out_);
  }

 private:
  struct Mode {
    bool in_string;  // true: inside string text; false: inside an interpolation
    bool triple;
    int depth;       // braces open inside the interpolation
  };

  char peek(size_t k) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }

  void emit(Token::Kind kind, uint32_t begin) {
    out_.push_back(Token{kind, begin, pos_, line_start_});
    line_start_ = false;
  }

  // Inside a string: scan to its end or to the next `${`.
  void string_body() {
    Mode& m = modes_.back();
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\') {
        pos_ = std::min<uint32_t>(pos_ + 2, static_cast<uint32_t>(s_.size()));
        continue;
      }
      if (c == '\n' && !m.triple) {  // unterminated single-line string ends at the line
        if (pos_ > piece_begin_) emit(Token::Kind::String, piece_begin_);
        modes_.pop_back();
        return;
      }
      if (c == '"' && (!m.triple || (peek(1) == '"' && peek(2) == '"'))) {
        pos_ += m.triple ? 3 : 1;
        emit(Token::Kind::String, piece_begin_);
        modes_.pop_back();
        return;
      }
      if (c == '$' && peek(1) == '{') {
        if (pos_ > piece_begin_) emit(Token::Kind::String, piece_begin_);
        uint32_t b = pos_;
        pos_ += 2;
        emit(Token::Kind::InterpStart, b);
        m.in_string = false;
        m.depth = 0;
        return;
      }
      ++pos_;
    }
    if (pos_ > piece_begin_) emit(Token::Kind::String, piece_begin_);
    modes_.clear();
  }

  void number(uint32_t b) {
    while (pos_ < s_.size() && (digit(s_[pos_]) || s_[pos_] == '_')) ++pos_;
    // Duration: digits followed by units, possibly repeated (1h30m).
    if (pos_ < s_.size() && (s_[pos_] == 'm' || s_[pos_] == 's' || s_[pos_] == 'h' || s_[pos_] == 'd')) {
      for (;;) {
        uint32_t save = pos_;
        if (peek(0) == 'm' && peek(1) == 's') pos_ += 2;
        else if (peek(0) == 'm' || peek(0) == 's' || peek(0) == 'h' || peek(0) == 'd') pos_ += 1;
        else break;
        if (pos_ < s_.size() && ident_char(s_[pos_]) && !digit(s_[pos_])) {
          pos_ = save;
          break;
        }
        uint32_t digits = pos_;
        while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
        if (pos_ == digits) break;
      }
      while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;
      emit(Token::Kind::Duration, b);
      return;
    }
    bool is_float = false;
    if (peek(0) == '.' && digit(peek(1))) {
      is_float = true;
      ++pos_;
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    if ((peek(0) == 'e' || peek(0) == 'E') &&
        (digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && digit(peek(2))))) {
      is_float = true;
      pos_ += 2;
      while (pos_ < s_.size() && digit(s_[pos_])) ++pos_;
    }
    while (pos_ < s_.size() && ident_char(s_[pos_])) ++pos_;  // 12abc: one (invalid) number token
    emit(is_float ? Token::Kind::Float : Token::Kind::Int, b);
  }

  void punct(uint32_t b) {
    static constexpr std::string_view three[] = {"..."};
    static constexpr std::string_view two[] = {"=>", "->", "?.", "??", "==", "!=", "<=", ">=", "&&", "||"};
    static constexpr std::string_view one = "{}[]()<>,:;.=+-*/%!?|@";
    std::string_view rest = s_.substr(pos_);
    for (auto t : three)
      if (rest.substr(0, 3) == t) {
        pos_ += 3;
        emit(Token::Kind::Punct, b);
        return;
      }
    for (auto t : two)
      if (rest.substr(0, 2) == t) {
        pos_ += 2;
        emit(Token::Kind::Punct, b);
        return;
      }
    if (one.find(s_[pos_]) != std::string_view::npos) {
      ++pos_;
      emit(Token::Kind::Punct, b);
      return;
    }
    // One UTF-8 sequence (or one invalid byte) as an error token.
    auto c = static_cast<unsigned char>(s_[pos_]);
    uint32_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    pos_ = std::min<uint32_t>(pos_ + n, static_cast<uint32_t>(s_.size()));
    emit(Token::Kind::Error, b);
  }

  std::string_view s_;
  uint32_t pos_ = 0;
  uint32_t piece_begin_ = 0;
  bool line_start_ = true;
  std::vector<Mode> modes_;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> lex(std::string_view text) { return Lexer(text).run(); }

}  // namespace weft::lsp
