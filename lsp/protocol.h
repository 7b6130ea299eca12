// LSP protocol structures with to_json / from_json (Boost.JSON), for the messages Weft uses.
// from_json throws ParamError on a shape mismatch; the binder turns it into -32602.
#pragma once
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "lsp/document_store.h"
#include "lsp/text.h"

namespace weft::lsp {

namespace json = boost::json;

/// Raised by from_json on malformed parameters.
struct ParamError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A range in a document.
struct Location {
  std::string uri;
  Range range;
};

struct TextEdit {
  Range range;
  std::string new_text;
};

/// LSP DiagnosticSeverity.
enum class DiagnosticSeverity { Error = 1, Warning = 2, Information = 3, Hint = 4 };

struct DiagnosticRelatedInformation {
  Location location;
  std::string message;
};

struct Diagnostic {
  Range range;
  DiagnosticSeverity severity = DiagnosticSeverity::Error;
  std::string code;  ///< "E0310"
  std::string message;
  std::string source = "weft";  ///< who reports it ("weft": the checker; "weft test": a test run)
  std::vector<DiagnosticRelatedInformation> related;
};

/// A command the client shows and sends back through workspace/executeCommand.
struct Command {
  std::string title;
  std::string command;
  json::array arguments;
};

/// A code lens: a command shown above a range.
struct CodeLens {
  Range range;
  Command command;
};

/// A markdown hover.
struct Hover {
  std::string markdown;
  std::optional<Range> range;
};

/// LSP CompletionItemKind values Weft uses.
enum class CompletionKind {
  Text = 1, Method = 2, Function = 3, Field = 5, Variable = 6, Class = 7, Module = 9,
  Property = 10, Value = 12, Keyword = 14, Snippet = 15, Constant = 21, Struct = 22, Event = 23,
  TypeParameter = 25,
};

struct CompletionItem {
  std::string label;
  CompletionKind kind = CompletionKind::Text;
  std::string detail;
  std::string documentation;  ///< markdown
  std::string insert_text;    ///< empty: the label
  bool snippet = false;       ///< insert_text uses snippet syntax ($1, ${1:name})
  std::string sort_text;
};

struct ParameterInformation {
  std::string label;
  std::string documentation;
};

struct SignatureInformation {
  std::string label;
  std::string documentation;
  std::vector<ParameterInformation> parameters;
};

struct SignatureHelp {
  std::vector<SignatureInformation> signatures;
  uint32_t active_signature = 0;
  uint32_t active_parameter = 0;
};

/// LSP SymbolKind values Weft uses.
enum class SymbolKind {
  File = 1, Module = 2, Namespace = 3, Class = 5, Method = 6, Property = 7, Field = 8,
  Function = 12, Variable = 13, Constant = 14, String = 15, Object = 19, Event = 24, Struct = 23,
  Interface = 11, TypeParameter = 26,
};

struct DocumentSymbol {
  std::string name;
  std::string detail;
  SymbolKind kind = SymbolKind::Variable;
  Range range;
  Range selection_range;
  std::vector<DocumentSymbol> children;
};

struct SymbolInformation {
  std::string name;
  SymbolKind kind = SymbolKind::Variable;
  Location location;
  std::string container_name;
};

struct FoldingRange {
  uint32_t start_line = 0;
  uint32_t end_line = 0;
  std::string kind;  ///< "comment", "imports", "region" or empty
};

struct WorkspaceEdit {
  std::map<std::string, std::vector<TextEdit>> changes;
};

struct CodeAction {
  std::string title;
  std::string kind = "quickfix";
  std::vector<Diagnostic> diagnostics;
  WorkspaceEdit edit;
  bool preferred = false;
};

// ---- params

struct TextDocumentPositionParams {
  std::string uri;
  Position position;
};

struct DidOpenParams {
  std::string uri;
  std::string language_id;
  int64_t version = 0;
  std::string text;
};

struct DidChangeParams {
  std::string uri;
  int64_t version = 0;
  std::vector<TextChange> changes;
};

struct ReferenceParams {
  TextDocumentPositionParams at;
  bool include_declaration = true;
};

struct RenameParams {
  TextDocumentPositionParams at;
  std::string new_name;
};

struct CodeActionParams {
  std::string uri;
  Range range;
  std::vector<Diagnostic> diagnostics;
};

// ---- to_json

json::value to_json(const Position& p);
json::value to_json(const Range& r);
json::value to_json(const Location& l);
json::value to_json(const TextEdit& e);
json::value to_json(const Diagnostic& d);
json::value to_json(const CodeLens& l);
json::value to_json(const Hover& h);
json::value to_json(const CompletionItem& c);
json::value to_json(const SignatureHelp& s);
json::value to_json(const DocumentSymbol& s);
json::value to_json(const SymbolInformation& s);
json::value to_json(const FoldingRange& f);
json::value to_json(const WorkspaceEdit& e);
json::value to_json(const CodeAction& a);
/// A JSON array of to_json of each element.
template <class T>
json::value to_json(const std::vector<T>& items) {
  json::array a;
  a.reserve(items.size());
  for (const auto& i : items) a.push_back(to_json(i));
  return a;
}

// ---- from_json (throw ParamError)

Position position_from_json(const json::value& v);
Range range_from_json(const json::value& v);
Diagnostic diagnostic_from_json(const json::value& v);
/// The `textDocument.uri` of params.
std::string document_uri_from_json(const json::value& params);
TextDocumentPositionParams position_params_from_json(const json::value& params);
DidOpenParams did_open_from_json(const json::value& params);
DidChangeParams did_change_from_json(const json::value& params);
ReferenceParams reference_params_from_json(const json::value& params);
RenameParams rename_params_from_json(const json::value& params);
CodeActionParams code_action_params_from_json(const json::value& params);

// ---- small accessors used by the binder (throw ParamError)

/// params[key] as an object.
const json::object& object_at(const json::value& v, std::string_view what);
/// obj[key] as a string.
std::string string_field(const json::object& obj, std::string_view key);
/// obj[key] as an integer.
int64_t int_field(const json::object& obj, std::string_view key);

}  // namespace weft::lsp
