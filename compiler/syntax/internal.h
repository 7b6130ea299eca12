// Private to compiler/syntax: the stages of parse() and what they share. No ANTLR type here;
// token kinds are the generated lexer's numbers (WeftLexer::*), used only by the .cpp files.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"

namespace weft::syntax::detail {

/// One token with its byte range in the source file.
struct Tok {
  int type = 0;             ///< WeftLexer token type; kEof for the end of a token list
  uint32_t begin = 0;       ///< byte offset of the first byte
  uint32_t end = 0;         ///< byte offset past the last byte (== begin for synthetic tokens)
  bool hidden = false;      ///< comment (hidden channel)
  bool synthetic = false;   ///< inserted by the layout pass to close an unclosed bracket
};

/// Marks the end of a token list (ANTLR's EOF is size_t(-1); -1 fits an int).
constexpr int kEof = -1;

/// What every stage of one parse() call shares.
struct Context {
  const diagnostics::SourceFile* file = nullptr;
  std::string_view text;                 ///< the whole source
  diagnostics::Bag* diags = nullptr;
  ast::Module* module = nullptr;         ///< comments are appended here while lexing
  unsigned max_depth = 256;
  /// Byte ranges already covered by an error: parser errors starting inside are not reported.
  std::vector<std::pair<uint32_t, uint32_t>> covered;
  /// Errors found before parsing that an earlier error in the same declaration may explain (a
  /// missing `{` makes a later `}` stray and the next line a top-level statement): reported after
  /// parsing, only when no earlier error in the declaration before them explains them.
  struct Deferred {
    uint32_t begin, end;
    std::string message, label;
  };
  std::vector<Deferred> deferred;
  /// Offsets of literal tokens already reported by the lexical pass (not decoded again).
  std::unordered_set<uint32_t> bad_literals;
  /// Doc comments (`///`) of the file by the offset where they end: filled once after the file is
  /// lexed, read by every declaration's builder.
  std::unordered_map<uint32_t, size_t> doc_by_end;

  diagnostics::Range range(uint32_t b, uint32_t e) const { return {file, b, e}; }
  bool is_covered(uint32_t offset) const;
  void cover(uint32_t b, uint32_t e) { covered.emplace_back(b, e); }
  /// "3:14": the 1-based line and column of an offset.
  std::string where(uint32_t offset) const;
  /// Source text of [b, e).
  std::string_view slice(uint32_t b, uint32_t e) const { return text.substr(b, e - b); }
};

/// Lexes text[begin, end): every token (comments included, whitespace skipped), no EOF token.
/// Comments are appended to cx.module->comments; invalid characters, unterminated strings and
/// comments and malformed numbers are reported, and their tokens dropped or turned into
/// well-formed ones so that parsing goes on.
/// Hand-written; produces exactly the token stream of the generated WeftLexer (grammar/Weft.g4).
std::vector<Tok> lex(Context& cx, uint32_t begin, uint32_t end);
/// The same pass run by the generated ANTLR lexer: the reference the differential test compares
/// lex() with. Not used by parse().
std::vector<Tok> lex_reference(Context& cx, uint32_t begin, uint32_t end);
/// Shared tail of both lexers: records one raw token (comment, error report, repair) and appends
/// it to `out` unless it is dropped. `last_bad_char_line` keeps invalid characters to one report
/// per line (start it at 0).
void add_lexed_token(Context& cx, Tok k, std::vector<Tok>& out, uint32_t& last_bad_char_line);

/// Refuses pathological string nesting (`"${"${...}"}"`) before the lexer recurses into it:
/// reports E0006 and returns false when strings and `${` nest deeper than cx.max_depth.
bool check_string_nesting(Context& cx);

/// One unit for the parser: the tokens of a top-level declaration (or of an interpolation).
struct Chunk {
  std::vector<Tok> toks;    ///< significant tokens, NL only where it separates, ends with kEof
  std::string eof_what;     ///< how to name the end: "end of file", "`flow`"...
};

/// The layout pass over significant tokens (no comments): reports and repairs unclosed and stray
/// brackets, drops the NL tokens that do not end a statement or entry, refuses nesting deeper
/// than `depth_budget` (E0006) and splits the module into one chunk per declaration (or, with
/// `interpolation`, keeps one chunk and drops every NL). `end` is the offset of the end of input.
std::vector<Chunk> layout(Context& cx, std::vector<Tok> toks, uint32_t end, bool interpolation,
                          unsigned depth_budget);

/// How many tokens past a `<` the search for the `>` that closes a type argument looks (keeps
/// the search linear on hostile input like `a<b<c<d...`).
constexpr size_t kMaxTypeArgTokens = 1024;

/// Indices (ascending) of the `<` tokens in `toks` that open the type argument of a generic call:
/// the `<` follows a name with no space between (`get<`), and its matching `>` (brackets balanced,
/// only tokens that can form a type in between) is followed by `(`. The parser sees these as
/// TYPE_ARGS; every other `<` is a comparison.
std::vector<uint32_t> type_argument_openers(const std::vector<Tok>& toks);

/// A piece of a decoded string literal: text (already unescaped), or an interpolation.
struct RawPart {
  bool interp = false;
  std::string text;          ///< text piece: the unescaped text
  uint32_t begin = 0, end = 0;            ///< the piece's range (for `${x}`: from `$` to `}`)
  uint32_t expr_begin = 0, expr_end = 0;  ///< interpolation: the expression's text
};

/// Decodes the string literal token [begin, end) (`"..."` or `"""..."""`): escapes, `${...}`
/// pieces, multi-line indentation stripping. Reports bad escapes (E0003), unclosed `${` (E0002)
/// and invalid UTF-8 (E0008).
std::vector<RawPart> decode_string(Context& cx, uint32_t begin, uint32_t end);

/// Value of an INT token; reports E0004 when it does not fit in 64 bits.
int64_t decode_int(Context& cx, uint32_t begin, uint32_t end);
/// Value of a FLOAT token; reports E0004 when it is out of range.
double decode_float(Context& cx, uint32_t begin, uint32_t end);
/// Milliseconds of a DURATION token; reports E0005 for units out of order, repeated or overflowing.
int64_t decode_duration(Context& cx, uint32_t begin, uint32_t end);

/// Parses one declaration chunk and appends the declaration (if one could be recovered).
void parse_decl_chunk(Context& cx, const Chunk& chunk);
/// Parses the expression of an interpolation `${...}` whose text is [begin, end); null when it has
/// errors (which are reported). `depth_left` is what remains of the nesting budget.
ast::ExprPtr parse_interpolation(Context& cx, uint32_t begin, uint32_t end, unsigned depth_left);

/// Valid UTF-8 sequence length at `i` (1..4), or 0 when the byte there starts no valid sequence.
size_t utf8_sequence(std::string_view s, size_t i);
/// A token's text for messages: `x` in backquotes, shortened; "end of line" for NL.
std::string describe_token(const Context& cx, const Tok& t);

}  // namespace weft::syntax::detail
