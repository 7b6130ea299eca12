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

}  // namespace

Handlers::Handlers(Notify notify, Changed changed)
    : notify_(std::move(notify)), changed_(std::move(changed)), workspace_(docs_) {
  requests_ = {
      {"initialize", &Handlers::initialize},
      {"textDocument/foldingRange", &Handlers::folding_range},
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

}  // namespace weft::lsp
