// Lexical context at a cursor, computed from the tolerant lexer's tokens so that completion,
// signature help and hover-on-keywords work while the file is being typed and does not parse.
#pragma once
#include <optional>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lsp/knowledge.h"
#include "stdlib/settings/settings.h"
#include "lsp/lexer.h"

namespace weft::lsp {

/// What a bracket opened.
enum class BlockKind {
  Record,       ///< a record type body `type T { ... }`, `-> { ... }`
  Fn,           ///< a fn block body
  Flow,         ///< a flow body
  Test,         ///< a test body
  Statement,    ///< the block of if/else/for/parallel/branch/try/catch/switch/case (inherits the place)
  Connection,   ///< `connection c = http { ... }`
  Trigger,      ///< `on webhook "..." { ... }` (detail = webhook|schedule|poll|event)
  Options,      ///< `options { ... }`
  Retry,        ///< `retry { ... }` or `retry: { ... }`
  RateLimit,    ///< `rate_limit: { ... }`
  Concurrency,  ///< `concurrency: { ... }` in options
  Breaker,      ///< `breaker: { ... }` in a connection
  Object,       ///< an object literal
  Paren,        ///< `(` (detail = the callee name when it is a call, e.g. "get", "lower")
  Bracket,      ///< `[` (detail = the key before `:` when it is `on: [`)
  Interp,       ///< `${`
};

struct Frame {
  BlockKind kind;
  std::string detail;
  size_t open = 0;  ///< index of the opening token
};

/// A name declared in the text, found lexically.
struct LexicalDecl {
  enum class Kind { Type, Fn, Flow, Connection, Const, Import, Param, Let, Step, ForItem, CatchName, Test };
  Kind kind;
  std::string name;
  uint32_t begin = 0;  ///< byte range of the name
  uint32_t end = 0;
  std::string signature;  ///< for fn/flow: the text of the header up to `=`/`{`; for params: `name: T`
  std::string doc;        ///< `///` comment text before a top-level declaration
};

/// The lexical situation at a cursor.
struct CursorContext {
  std::vector<Frame> frames;  ///< enclosing brackets, outermost first
  Place place = Place::TopLevel;
  bool in_comment = false;
  bool in_string = false;
  std::string prefix;            ///< the identifier being typed (up to the cursor)
  uint32_t prefix_begin = 0;
  bool after_dot = false;        ///< cursor right after `.` or `?.` (plus a prefix)
  std::vector<std::string> receiver;  ///< for after_dot: the dotted names before the dot; empty when not a plain chain
  uint32_t receiver_begin = 0;        ///< byte offset of the receiver's first name
  bool key_position = false;     ///< at the start of an entry of a brace block (a field/setting name)
  bool statement_start = false;  ///< first token of a line inside a statement block or at top level
  bool type_position = false;    ///< after `:` in a record/params, after `->`, inside `<...>` of a call
  std::string key;               ///< the key whose value is being written (`auth: |` → "auth")
  std::string prev_word;         ///< the identifier or keyword just before the prefix, if any
  size_t token_index = 0;        ///< index of the first token at or after the cursor
  /// The innermost frame of one of these kinds, or nullptr.
  const Frame* innermost_block() const;
};

/// The settings-table block a brace frame holds the settings of (connection, trigger, options, retry,
/// rate_limit, concurrency, breaker); nullopt for any other frame.
std::optional<settings::Block> settings_block(const Frame& f);

/// Computes the context at a byte offset of `text` (tokens must be lex(text)).
CursorContext context_at(std::string_view text, const std::vector<Token>& tokens, uint32_t offset);

/// Declarations found lexically: top-level ones and, when `offset` is inside a flow/fn/test, the
/// locals visible at `offset` (params, lets and for items of open blocks, steps declared before).
std::vector<LexicalDecl> lexical_decls(std::string_view text, const std::vector<Token>& tokens, uint32_t offset);
/// Every top-level declaration, in order.
std::vector<LexicalDecl> top_level_decls(std::string_view text, const std::vector<Token>& tokens);

}  // namespace weft::lsp
