#include "lsp/handlers.h"

#include <fstream>
#include <sstream>

#include "lsp/features.h"
#include "lsp/protocol.h"
#include "lsp/server.h"
#include "lsp/text.h"

namespace weft::lsp {

namespace {

void check_cancel(const std::atomic<bool>& cancelled) {
  if (cancelled.load()) throw Cancelled{};
}

/// The protocol range of a byte range in a text.
Range to_range(const LineIndex& index, uint32_t begin, uint32_t end) {
  return {index.position(begin), index.position(end)};
}

DiagnosticSeverity severity_of(diagnostics::Severity s) {
  switch (s) {
    case diagnostics::Severity::Error: return DiagnosticSeverity::Error;
    case diagnostics::Severity::Warning: return DiagnosticSeverity::Warning;
    case diagnostics::Severity::Note: return DiagnosticSeverity::Information;
  }
  return DiagnosticSeverity::Error;
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(json::string(s));
  return a;
}

CompletionKind completion_kind(EntryKind k) {
  switch (k) {
    case EntryKind::Keyword: return CompletionKind::Keyword;
    case EntryKind::Snippet: return CompletionKind::Snippet;
    case EntryKind::Function: return CompletionKind::Function;
    case EntryKind::Method: return CompletionKind::Method;
    case EntryKind::Field: return CompletionKind::Field;
    case EntryKind::Variable: return CompletionKind::Variable;
    case EntryKind::Parameter: return CompletionKind::Variable;
    case EntryKind::Type: return CompletionKind::Struct;
    case EntryKind::Constant: return CompletionKind::Constant;
    case EntryKind::Module: return CompletionKind::Module;
    case EntryKind::Connection: return CompletionKind::Module;
    case EntryKind::Flow: return CompletionKind::Function;
    case EntryKind::Value: return CompletionKind::Value;
    case EntryKind::Event: return CompletionKind::Event;
  }
  return CompletionKind::Text;
}

}  // namespace

Handlers::Handlers(Notify notify, Changed changed)
    : notify_(std::move(notify)), changed_(std::move(changed)), workspace_(docs_) {
  requests_ = {
      {"initialize", &Handlers::initialize},
      {"textDocument/foldingRange", &Handlers::folding_range},
      {"textDocument/completion", &Handlers::completion},
      {"textDocument/signatureHelp", &Handlers::signature_help},
      {"textDocument/semanticTokens/full", &Handlers::semantic_tokens_full},
  };
}

bool Handlers::has_request(std::string_view method) const { return requests_.count(method) > 0; }

json::value Handlers::request(std::string_view method, const json::value& params, const std::atomic<bool>& cancelled) {
  auto it = requests_.find(method);
  if (it == requests_.end()) throw ParamError("unknown method");
  return (this->*(it->second))(params, cancelled);
}

json::value Handlers::capabilities() {
  return json::object{
      {"positionEncoding", "utf-16"},
      {"textDocumentSync", json::object{{"openClose", true}, {"change", 2}}},
      {"foldingRangeProvider", true},
      {"completionProvider", json::object{{"triggerCharacters", json::array{".", ":", "<"}}, {"resolveProvider", false}}},
      {"signatureHelpProvider", json::object{{"triggerCharacters", json::array{"(", ","}}, {"retriggerCharacters", json::array{":"}}}},
      {"semanticTokensProvider",
       json::object{{"legend", json::object{{"tokenTypes", string_array(semantic_token_types())},
                                            {"tokenModifiers", string_array(semantic_token_modifiers())}}},
                    {"full", true}}},
  };
}

json::value Handlers::initialize(const json::value& params, const std::atomic<bool>&) {
  object_at(params, "params");
  return json::object{{"capabilities", capabilities()},
                      {"serverInfo", json::object{{"name", "weft"}, {"version", "0.1.0"}}}};
}

void Handlers::notify(std::string_view method, const json::value& params) {
  if (method == "textDocument/didOpen") {
    auto p = did_open_from_json(params);
    docs_.open(p.uri, p.language_id, p.version, std::move(p.text));
    changed_(p.uri);
  } else if (method == "textDocument/didChange") {
    auto p = did_change_from_json(params);
    if (auto err = docs_.change(p.uri, p.version, p.changes)) throw ParamError(*err);
    changed_(p.uri);
  } else if (method == "textDocument/didClose") {
    std::string uri = document_uri_from_json(params);
    docs_.close(uri);
    workspace_.forget(uri);
    {
      std::lock_guard lock(published_mu_);
      published_.erase(uri);
    }
    notify_(notification("textDocument/publishDiagnostics",
                         json::object{{"uri", uri}, {"diagnostics", json::array{}}}));
  }
}

std::optional<json::value> Handlers::diagnostics(const std::string& uri) {
  DocumentPtr doc = docs_.get(uri);
  if (!doc) return std::nullopt;
  AnalysisPtr a = workspace_.analyse(doc);
  {
    std::lock_guard lock(published_mu_);
    auto [it, fresh] = published_.try_emplace(uri, doc->version);
    if (!fresh && it->second == doc->version) return std::nullopt;
    it->second = doc->version;
  }
  LineIndex index(a->source->text());
  std::vector<Diagnostic> out;
  for (const auto& d : a->diagnostics) {
    Diagnostic pd;
    pd.range = to_range(index, d.range.begin, d.range.end);
    pd.severity = severity_of(d.severity);
    pd.code = std::string(diagnostics::info(d.code).id);
    pd.message = d.message;
    for (const auto& n : d.notes) {
      if (!n.range || !n.range->file) continue;
      LineIndex ni(n.range->file->text());
      pd.related.push_back({{path_to_uri(n.range->file->path()), to_range(ni, n.range->begin, n.range->end)}, n.message});
    }
    out.push_back(std::move(pd));
  }
  return json::object{{"uri", uri}, {"version", doc->version}, {"diagnostics", to_json(out)}};
}

AnalysisPtr Handlers::analysis_of(const std::string& uri) {
  if (DocumentPtr doc = docs_.get(uri)) return workspace_.analyse(doc);
  auto path = uri_to_path(uri);
  if (!path) throw ParamError("unknown document: " + uri);
  std::ifstream in(*path, std::ios::binary);
  if (!in) throw ParamError("document is neither open nor readable: " + uri);
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = std::make_shared<Document>(Document{uri, "weft", 0, text.str()});
  return workspace_.analyse(doc);
}

json::value Handlers::folding_range(const json::value& params, const std::atomic<bool>& cancelled) {
  AnalysisPtr a = analysis_of(document_uri_from_json(params));
  check_cancel(cancelled);
  LineIndex index(a->source->text());
  std::vector<FoldingRange> out;
  for (const auto& f : folding_ranges(*a)) {
    uint32_t start = index.position(f.begin).line;
    uint32_t end = index.position(f.end).line;
    if (f.kind == "region" && end > start) {
      std::string_view closer = std::string_view(a->source->text()).substr(f.end - 1, 1);
      if (closer == "}" || closer == "]" || closer == ")") --end;  // keep the closing line visible
    }
    if (end <= start) continue;
    out.push_back({start, end, f.kind == "region" ? std::string() : f.kind});
  }
  return to_json(out);
}

json::value Handlers::completion(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = position_params_from_json(params);
  AnalysisPtr a = analysis_of(p.uri);
  check_cancel(cancelled);
  LineIndex index(a->source->text());
  std::vector<CompletionItem> items;
  for (auto& e : complete(*a, index.offset(p.position))) {
    CompletionItem c;
    c.label = std::move(e.label);
    c.kind = completion_kind(e.kind);
    c.detail = std::move(e.detail);
    c.documentation = std::move(e.documentation);
    c.insert_text = std::move(e.insert);
    c.snippet = e.snippet;
    c.sort_text = std::move(e.sort);
    items.push_back(std::move(c));
  }
  return json::object{{"isIncomplete", false}, {"items", to_json(items)}};
}

json::value Handlers::signature_help(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = position_params_from_json(params);
  AnalysisPtr a = analysis_of(p.uri);
  check_cancel(cancelled);
  LineIndex index(a->source->text());
  auto r = lsp::signature_help(*a, index.offset(p.position));
  if (!r) return nullptr;
  SignatureHelp help;
  help.active_signature = r->active_signature;
  help.active_parameter = r->active_parameter;
  for (auto& s : r->signatures) {
    SignatureInformation info{s.label, s.documentation, {}};
    for (auto& prm : s.params) info.parameters.push_back({prm, {}});
    help.signatures.push_back(std::move(info));
  }
  return to_json(help);
}

json::value Handlers::semantic_tokens_full(const json::value& params, const std::atomic<bool>& cancelled) {
  AnalysisPtr a = analysis_of(document_uri_from_json(params));
  check_cancel(cancelled);
  const std::string& text = a->source->text();
  LineIndex index(text);
  json::array data;
  Position last{0, 0};
  auto emit = [&](uint32_t begin, uint32_t end, const SemanticToken& t) {
    if (end <= begin) return;
    Position s = index.position(begin);
    uint32_t length = utf16_length(std::string_view(text).substr(begin, end - begin));
    uint32_t dl = s.line - last.line;
    uint32_t dc = dl == 0 ? s.character - last.character : s.character;
    data.insert(data.end(), {dl, dc, length, t.type, t.modifiers});
    last = s;
  };
  for (const auto& t : semantic_tokens(*a)) {
    // Tokens spanning lines (block comments, multi-line strings) are split per line.
    Position s = index.position(t.begin), e = index.position(t.end);
    if (s.line == e.line) {
      emit(t.begin, t.end, t);
      continue;
    }
    for (uint32_t line = s.line; line <= e.line; ++line) {
      uint32_t b = line == s.line ? t.begin : index.line_start(line);
      uint32_t en = line == e.line ? t.end : index.line_end(line);
      emit(b, en, t);
    }
  }
  return json::object{{"data", std::move(data)}};
}

}  // namespace weft::lsp
