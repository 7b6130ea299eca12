// LSP-free editor features over an Analysis. Results are byte offsets into the analysed text
// (or diagnostics::Range for locations that may be in other files).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lsp/workspace.h"

namespace weft::lsp {

/// A foldable region: [begin, end) in bytes; kind is "comment", "imports" or "region".
struct Fold {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string kind;
};

/// Bracket pairs, comment runs, multi-line strings and import groups that span several lines.
std::vector<Fold> folding_ranges(const Analysis& a);

}  // namespace weft::lsp

namespace weft::lsp {

/// What a completion entry is (mapped to LSP CompletionItemKind by the handlers).
enum class EntryKind { Keyword, Snippet, Function, Method, Field, Variable, Parameter, Type, Constant, Module,
                       Connection, Flow, Value, Event };

struct CompletionEntry {
  std::string label;
  EntryKind kind = EntryKind::Variable;
  std::string detail;         ///< a signature or a type
  std::string documentation;  ///< markdown
  std::string insert;         ///< text to insert (empty: the label)
  bool snippet = false;
  std::string sort;           ///< sort key (empty: the label)
};

/// Completion at a byte offset: keywords and snippets for the place, names in scope, fields of
/// the enclosing block, members after `.`, stdlib functions, connection methods.
std::vector<CompletionEntry> complete(const Analysis& a, uint32_t offset);

/// A signature for signature help: label, docs and each parameter's label.
struct SignatureEntry {
  std::string label;
  std::string documentation;
  std::vector<std::string> params;
};

struct SignatureResult {
  std::vector<SignatureEntry> signatures;
  uint32_t active_signature = 0;
  uint32_t active_parameter = 0;
};

/// Signature help for the call around `offset` (stdlib, fns, flows, connection methods, constructors).
std::optional<SignatureResult> signature_help(const Analysis& a, uint32_t offset);

/// Splits a signature "f(a: T, b?: U) -> R" into its parameter labels.
std::vector<std::string> split_params(std::string_view signature);

/// Semantic token types and modifiers, in legend order.
const std::vector<std::string>& semantic_token_types();
const std::vector<std::string>& semantic_token_modifiers();

/// One classified token: a byte range, a type index and a modifier bit set.
struct SemanticToken {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t type = 0;
  uint32_t modifiers = 0;
};

/// Classifies every token of the text (lexically, refined by the declarations found).
std::vector<SemanticToken> semantic_tokens(const Analysis& a);

}  // namespace weft::lsp
