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
/// `last_good` (the newest analysis that parsed) resolves receivers while the current text is broken.
std::vector<CompletionEntry> complete(const Analysis& a, uint32_t offset, const Analysis* last_good = nullptr);

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

#include "compiler/sema/checked.h"

namespace weft::lsp {

/// Hover text (markdown) and the byte range it describes.
struct HoverResult {
  std::string markdown;
  uint32_t begin = 0;
  uint32_t end = 0;
};

/// Hover at an offset: symbols (kind, type, doc), expression types, stdlib functions, keywords.
std::optional<HoverResult> hover(const Analysis& a, uint32_t offset);

/// The symbol declared or used at an offset (in this document), or null.
const sema::Symbol* symbol_at(const Analysis& a, uint32_t offset);

/// Where the thing at `offset` is declared (possibly in an imported file).
std::optional<diagnostics::Range> definition(const Analysis& a, uint32_t offset);

/// Identifies a symbol across separately checked programs: the declaring file and name offset.
struct SymbolKey {
  std::string path;
  uint32_t begin = 0;
  std::string name;
  sema::SymbolKind kind = sema::SymbolKind::Let;
};

/// The key of a symbol (nullopt for built-in trigger variables).
std::optional<SymbolKey> key_of(const sema::Symbol& s);

/// Every range naming the symbol `key` in the analysis's program (uses; plus the declaration
/// when `include_declaration`). Ranges point into the program's source files.
std::vector<diagnostics::Range> references_in(const Analysis& a, const SymbolKey& key, bool include_declaration);

/// LSP-free symbol kinds for the outline.
enum class OutlineKind { Import, Type, Field, Const, Fn, Connection, Flow, Test, Trigger, Step, Let, Param };

struct OutlineItem {
  std::string name;
  std::string detail;
  OutlineKind kind = OutlineKind::Let;
  uint32_t begin = 0, end = 0;          ///< the whole declaration
  uint32_t sel_begin = 0, sel_end = 0;  ///< its name
  std::vector<OutlineItem> children;
};

/// The document's declarations with their members (fields, triggers, steps, lets, params).
std::vector<OutlineItem> outline(const Analysis& a);

/// Whether `name` may be used as an identifier (not a keyword, right characters).
bool valid_identifier(std::string_view name);

}  // namespace weft::lsp
