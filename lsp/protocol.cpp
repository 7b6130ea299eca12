#include "lsp/protocol.h"

#include <cmath>
#include <limits>

namespace weft::lsp {

namespace {

const json::value& field(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) throw ParamError("missing field `" + std::string(key) + "`");
  return it->value();
}

int64_t as_int(const json::value& v, std::string_view what) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    uint64_t u = v.get_uint64();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                           : static_cast<int64_t>(u);
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  throw ParamError("`" + std::string(what) + "` must be an integer");
}

uint32_t as_uint32(const json::value& v, std::string_view what) {
  int64_t n = as_int(v, what);
  if (n < 0) throw ParamError("`" + std::string(what) + "` must not be negative");
  return n > std::numeric_limits<uint32_t>::max() ? std::numeric_limits<uint32_t>::max() : static_cast<uint32_t>(n);
}

}  // namespace

const json::object& object_at(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw ParamError("`" + std::string(what) + "` must be an object");
  return v.get_object();
}

std::string string_field(const json::object& obj, std::string_view key) {
  const auto& v = field(obj, key);
  if (!v.is_string()) throw ParamError("`" + std::string(key) + "` must be a string");
  return std::string(v.get_string());
}

int64_t int_field(const json::object& obj, std::string_view key) { return as_int(field(obj, key), key); }

// ---- to_json

json::value to_json(const Position& p) { return json::object{{"line", p.line}, {"character", p.character}}; }

json::value to_json(const Range& r) { return json::object{{"start", to_json(r.start)}, {"end", to_json(r.end)}}; }

json::value to_json(const Location& l) { return json::object{{"uri", l.uri}, {"range", to_json(l.range)}}; }

json::value to_json(const TextEdit& e) { return json::object{{"range", to_json(e.range)}, {"newText", e.new_text}}; }

json::value to_json(const Diagnostic& d) {
  json::object o{{"range", to_json(d.range)},
                 {"severity", static_cast<int>(d.severity)},
                 {"source", d.source},
                 {"message", d.message}};
  if (!d.code.empty()) o["code"] = d.code;
  if (!d.related.empty()) {
    json::array rel;
    for (const auto& r : d.related)
      rel.push_back(json::object{{"location", to_json(r.location)}, {"message", r.message}});
    o["relatedInformation"] = std::move(rel);
  }
  return o;
}

json::value to_json(const CodeLens& l) {
  return json::object{{"range", to_json(l.range)},
                      {"command", json::object{{"title", l.command.title},
                                               {"command", l.command.command},
                                               {"arguments", l.command.arguments}}}};
}

json::value to_json(const Hover& h) {
  json::object o{{"contents", json::object{{"kind", "markdown"}, {"value", h.markdown}}}};
  if (h.range) o["range"] = to_json(*h.range);
  return o;
}

json::value to_json(const CompletionItem& c) {
  json::object o{{"label", c.label}, {"kind", static_cast<int>(c.kind)}};
  if (!c.detail.empty()) o["detail"] = c.detail;
  if (!c.documentation.empty())
    o["documentation"] = json::object{{"kind", "markdown"}, {"value", c.documentation}};
  if (!c.insert_text.empty()) o["insertText"] = c.insert_text;
  o["insertTextFormat"] = c.snippet ? 2 : 1;
  if (!c.sort_text.empty()) o["sortText"] = c.sort_text;
  return o;
}

json::value to_json(const SignatureHelp& s) {
  json::array sigs;
  for (const auto& sig : s.signatures) {
    json::array params;
    for (const auto& p : sig.parameters) {
      json::object po{{"label", p.label}};
      if (!p.documentation.empty()) po["documentation"] = p.documentation;
      params.push_back(std::move(po));
    }
    json::object so{{"label", sig.label}, {"parameters", std::move(params)}};
    if (!sig.documentation.empty())
      so["documentation"] = json::object{{"kind", "markdown"}, {"value", sig.documentation}};
    sigs.push_back(std::move(so));
  }
  return json::object{{"signatures", std::move(sigs)},
                      {"activeSignature", s.active_signature},
                      {"activeParameter", s.active_parameter}};
}

json::value to_json(const DocumentSymbol& s) {
  json::object o{{"name", s.name.empty() ? std::string("?") : s.name},
                 {"kind", static_cast<int>(s.kind)},
                 {"range", to_json(s.range)},
                 {"selectionRange", to_json(s.selection_range)}};
  if (!s.detail.empty()) o["detail"] = s.detail;
  if (!s.children.empty()) o["children"] = to_json(s.children);
  return o;
}

json::value to_json(const SymbolInformation& s) {
  json::object o{{"name", s.name}, {"kind", static_cast<int>(s.kind)}, {"location", to_json(s.location)}};
  if (!s.container_name.empty()) o["containerName"] = s.container_name;
  return o;
}

json::value to_json(const FoldingRange& f) {
  json::object o{{"startLine", f.start_line}, {"endLine", f.end_line}};
  if (!f.kind.empty()) o["kind"] = f.kind;
  return o;
}

json::value to_json(const WorkspaceEdit& e) {
  json::object changes;
  for (const auto& [uri, edits] : e.changes) changes[uri] = to_json(edits);
  return json::object{{"changes", std::move(changes)}};
}

json::value to_json(const CodeAction& a) {
  json::object o{{"title", a.title}, {"kind", a.kind}, {"edit", to_json(a.edit)}};
  if (!a.diagnostics.empty()) o["diagnostics"] = to_json(a.diagnostics);
  if (a.preferred) o["isPreferred"] = true;
  return o;
}

// ---- from_json

Position position_from_json(const json::value& v) {
  const auto& o = object_at(v, "position");
  return {as_uint32(field(o, "line"), "line"), as_uint32(field(o, "character"), "character")};
}

Range range_from_json(const json::value& v) {
  const auto& o = object_at(v, "range");
  return {position_from_json(field(o, "start")), position_from_json(field(o, "end"))};
}

Diagnostic diagnostic_from_json(const json::value& v) {
  const auto& o = object_at(v, "diagnostic");
  Diagnostic d;
  d.range = range_from_json(field(o, "range"));
  d.message = string_field(o, "message");
  if (auto it = o.find("code"); it != o.end() && it->value().is_string()) d.code = it->value().get_string();
  if (auto it = o.find("source"); it != o.end() && it->value().is_string()) d.source = it->value().get_string();
  if (auto it = o.find("severity"); it != o.end()) {
    int64_t s = as_int(it->value(), "severity");
    if (s >= 1 && s <= 4) d.severity = static_cast<DiagnosticSeverity>(s);
  }
  return d;
}

std::string document_uri_from_json(const json::value& params) {
  const auto& p = object_at(params, "params");
  return string_field(object_at(field(p, "textDocument"), "textDocument"), "uri");
}

TextDocumentPositionParams position_params_from_json(const json::value& params) {
  const auto& p = object_at(params, "params");
  return {document_uri_from_json(params), position_from_json(field(p, "position"))};
}

DidOpenParams did_open_from_json(const json::value& params) {
  const auto& td = object_at(field(object_at(params, "params"), "textDocument"), "textDocument");
  DidOpenParams out;
  out.uri = string_field(td, "uri");
  out.language_id = string_field(td, "languageId");
  out.version = int_field(td, "version");
  out.text = string_field(td, "text");
  return out;
}

DidChangeParams did_change_from_json(const json::value& params) {
  const auto& p = object_at(params, "params");
  const auto& td = object_at(field(p, "textDocument"), "textDocument");
  DidChangeParams out;
  out.uri = string_field(td, "uri");
  out.version = int_field(td, "version");
  const auto& changes = field(p, "contentChanges");
  if (!changes.is_array()) throw ParamError("`contentChanges` must be an array");
  for (const auto& c : changes.get_array()) {
    const auto& co = object_at(c, "contentChange");
    TextChange tc;
    tc.text = string_field(co, "text");
    if (auto it = co.find("range"); it != co.end() && !it->value().is_null()) tc.range = range_from_json(it->value());
    out.changes.push_back(std::move(tc));
  }
  return out;
}

ReferenceParams reference_params_from_json(const json::value& params) {
  ReferenceParams out{position_params_from_json(params)};
  const auto& p = params.get_object();
  if (auto it = p.find("context"); it != p.end() && it->value().is_object()) {
    const auto& ctx = it->value().get_object();
    if (auto d = ctx.find("includeDeclaration"); d != ctx.end() && d->value().is_bool())
      out.include_declaration = d->value().get_bool();
  }
  return out;
}

RenameParams rename_params_from_json(const json::value& params) {
  RenameParams out{position_params_from_json(params), {}};
  out.new_name = string_field(params.get_object(), "newName");
  return out;
}

CodeActionParams code_action_params_from_json(const json::value& params) {
  const auto& p = object_at(params, "params");
  CodeActionParams out;
  out.uri = document_uri_from_json(params);
  out.range = range_from_json(field(p, "range"));
  if (auto it = p.find("context"); it != p.end() && it->value().is_object()) {
    const auto& ctx = it->value().get_object();
    if (auto d = ctx.find("diagnostics"); d != ctx.end() && d->value().is_array())
      for (const auto& dv : d->value().get_array()) out.diagnostics.push_back(diagnostic_from_json(dv));
  }
  return out;
}

}  // namespace weft::lsp
