// Finds the `<` that open the type argument of a generic call (`crm.get<Contact>(...)`), so that
// the parser sees a TYPE_ARGS token there instead of the comparison `<` (see grammar/Weft.g4).
#include "WeftLexer.h"
#include "compiler/syntax/internal.h"

namespace weft::syntax::detail {

using L = weft_grammar::WeftLexer;

namespace {

// Tokens that may appear in a type: names, `.`, brackets, `,` `:` `?` `|`, string-literal types.
bool type_token(int t) {
  switch (t) {
    case L::ID: case L::DOT: case L::COMMA: case L::COLON: case L::QUESTION: case L::PIPE: case L::STRING:
    case L::KW_NULL: case L::LT: case L::GT: case L::LPAREN: case L::RPAREN: case L::LBRACK: case L::RBRACK:
    case L::LBRACE: case L::RBRACE:
      return true;
    default:
      return false;
  }
}

bool keyword(int t) { return t >= L::KW_IMPORT && t <= L::KW_NULL; }

int closer_of(int opener) {
  switch (opener) {
    case L::LT: return L::GT;
    case L::LPAREN: return L::RPAREN;
    case L::LBRACK: return L::RBRACK;
    default: return L::RBRACE;
  }
}

// Index of the `>` that closes the type arguments opened at toks[open] when that `>` is followed
// by `(`; 0 when the `<` is not such an opener (a comparison, or the scan gave up).
size_t type_args_end(const std::vector<Tok>& toks, size_t open) {
  std::vector<int> stack{L::LT};
  size_t braces = 0;  // inside a record type, fields may be keywords and be separated by newlines
  size_t limit = std::min(toks.size(), open + 1 + kMaxTypeArgTokens);
  for (size_t i = open + 1; i < limit; ++i) {
    int t = toks[i].type;
    if (!type_token(t) && !(braces > 0 && (t == L::NL || keyword(t)))) return 0;
    switch (t) {
      case L::LT: case L::LPAREN: case L::LBRACK: case L::LBRACE:
        stack.push_back(t);
        if (t == L::LBRACE) ++braces;
        break;
      case L::GT: case L::RPAREN: case L::RBRACK: case L::RBRACE:
        if (t != closer_of(stack.back())) return 0;
        if (t == L::RBRACE) --braces;
        stack.pop_back();
        if (stack.empty()) return i + 1 < toks.size() && toks[i + 1].type == L::LPAREN ? i : 0;
        break;
      default:
        break;
    }
  }
  return 0;
}

}  // namespace

std::vector<uint32_t> type_argument_openers(const std::vector<Tok>& toks) {
  std::vector<uint32_t> out;
  for (size_t i = 1; i < toks.size(); ++i) {
    const Tok& lt = toks[i];
    const Tok& name = toks[i - 1];
    if (lt.type != L::LT || name.type != L::ID || name.end != lt.begin || name.synthetic) continue;
    if (size_t close = type_args_end(toks, i)) {
      out.push_back(static_cast<uint32_t>(i));
      i = close;  // a `<` inside the type arguments belongs to the type (`map<T>`)
    }
  }
  return out;
}

}  // namespace weft::syntax::detail
