// A tolerant lexer for .flow text, used where the language server must work on every keystroke
// even when the file does not parse: semantic tokens, folding ranges, completion context.
// It never fails: unknown bytes become Error tokens, unterminated strings and comments end at EOF.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace weft::lsp {

struct Token {
  enum class Kind {
    Ident,
    Keyword,
    Int,
    Float,
    Duration,
    String,         ///< a literal piece of a string (quotes included on the outer pieces)
    InterpStart,    ///< `${` inside a string
    InterpEnd,      ///< the `}` closing an interpolation
    Comment,        ///< `// ...` or `/* ... */`
    DocComment,     ///< `/// ...`
    Punct,          ///< operators and delimiters
    Error,          ///< a byte sequence that is not part of the language
  };
  Kind kind;
  uint32_t begin;
  uint32_t end;
  /// True when this token is the first on its line.
  bool line_start = false;
};

/// Splits `text` into tokens (whitespace dropped).
std::vector<Token> lex(std::string_view text);

/// True for the language's reserved words (docs/design-language.md §2).
bool is_keyword(std::string_view word);
/// Every keyword, in the order docs/design-language.md lists them.
const std::vector<std::string_view>& keywords();

}  // namespace weft::lsp
