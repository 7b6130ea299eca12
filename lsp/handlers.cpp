#include "lsp/handlers.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/format/format.h"
#include "lsp/features.h"
#include "lsp/openapi.h"
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

/// The URI and LSP range of a compiler range (which may be in another file).
Location location_of(const diagnostics::Range& r) {
  LineIndex index(r.file->text());
  return {path_to_uri(r.file->path()), to_range(index, r.begin, r.end)};
}

SymbolKind lsp_symbol_kind(OutlineKind k) {
  switch (k) {
    case OutlineKind::Import: return SymbolKind::Module;
    case OutlineKind::Type: return SymbolKind::Struct;
    case OutlineKind::Field: return SymbolKind::Field;
    case OutlineKind::Const: return SymbolKind::Constant;
    case OutlineKind::Fn: return SymbolKind::Function;
    case OutlineKind::Connection: return SymbolKind::Object;
    case OutlineKind::Flow: return SymbolKind::Class;
    case OutlineKind::Test: return SymbolKind::Method;
    case OutlineKind::Trigger: return SymbolKind::Event;
    case OutlineKind::Step: return SymbolKind::Property;
    case OutlineKind::Let: return SymbolKind::Variable;
    case OutlineKind::Param: return SymbolKind::Variable;
  }
  return SymbolKind::Variable;
}

DocumentSymbol document_symbol_of(const OutlineItem& o, const LineIndex& index) {
  DocumentSymbol d{o.name, o.detail, lsp_symbol_kind(o.kind), to_range(index, o.begin, o.end),
                   to_range(index, o.sel_begin, o.sel_end), {}};
  for (const auto& c : o.children) d.children.push_back(document_symbol_of(c, index));
  return d;
}

/// Case-insensitive subsequence match (what editors expect of workspace symbol queries).
bool fuzzy_match(std::string_view query, std::string_view name) {
  size_t j = 0;
  for (char c : name) {
    if (j < query.size() && std::tolower(static_cast<unsigned char>(c)) == std::tolower(static_cast<unsigned char>(query[j]))) ++j;
  }
  return j == query.size();
}

bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The edits of a formatting request: none when the text has syntax errors or is already
/// formatted, else one edit that replaces only what differs between the formatter's replacement
/// and the bytes it replaces (their common start and end are left alone, cut at UTF-8 boundaries).
json::value text_edits(const LineIndex& index, const format::FormatResult& r) {
  if (!r.ok) return json::array{};
  std::string_view old_text = index.text().substr(r.begin, r.end - r.begin), new_text = r.text;
  size_t head = 0;
  while (head < old_text.size() && head < new_text.size() && old_text[head] == new_text[head]) ++head;
  auto inside = [](std::string_view t, size_t i) { return i < t.size() && utf8_continuation(t[i]); };
  while (head > 0 && (inside(old_text, head) || inside(new_text, head))) --head;
  size_t tail = 0;
  while (tail < old_text.size() - head && tail < new_text.size() - head &&
         old_text[old_text.size() - 1 - tail] == new_text[new_text.size() - 1 - tail])
    ++tail;
  while (tail > 0 && utf8_continuation(old_text[old_text.size() - tail])) --tail;
  if (head == old_text.size() && head == new_text.size()) return json::array{};
  auto from = static_cast<uint32_t>(r.begin + head), to = static_cast<uint32_t>(r.end - tail);
  TextEdit edit{to_range(index, from, to), std::string(new_text.substr(head, new_text.size() - head - tail))};
  return json::array{to_json(edit)};
}

/// The path of the running program (the `weft` binary when it runs `weft lsp`).
std::string self_executable() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("/proc/self/exe") : p.string();
}

/// Where a test failure is shown: the statement at 1-based `line`/`column` (byte column; 0: its
/// first non-blank character) up to the end of its line, trailing blanks left out.
Range failure_range(const LineIndex& index, int line, int column) {
  if (line <= 0) return {};
  auto l = static_cast<uint32_t>(line - 1);
  if (l >= index.line_count()) l = index.line_count() - 1;
  uint32_t begin = index.line_start(l), end = index.line_end(l);
  std::string_view text = index.text();
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  uint32_t start = begin;
  if (column > 0)
    start = std::min(begin + static_cast<uint32_t>(column - 1), end);
  else
    while (start < end && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  if (end <= start) end = index.line_end(l);
  return to_range(index, start, end);
}

/// A file's text, or nullopt when it cannot be read.
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Writes `text` to a new private file (mode 0600) beside `path`, named `.<name>.weft-test-XXXXXX.flow`
/// so that its imports resolve as the file's do; returns its path. Throws ParamError when it cannot.
std::string write_beside(const std::string& path, const std::string& text) {
  std::filesystem::path p(path);
  std::string tmpl = (p.parent_path() / ("." + p.filename().string() + ".weft-test-XXXXXX.flow")).string();
  int fd = ::mkstemps(tmpl.data(), 5);
  if (fd < 0) throw ParamError("cannot write the unsaved buffer beside " + path + " (save it and run again)");
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      std::filesystem::remove(tmpl);
      throw ParamError("cannot write the unsaved buffer beside " + path + " (save it and run again)");
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return tmpl;
}

}  // namespace

Handlers::Handlers(Notify notify, Changed changed, std::string weft_executable, std::chrono::milliseconds test_timeout)
    : notify_(std::move(notify)),
      changed_(std::move(changed)),
      workspace_(docs_),
      test_runs_(weft_executable.empty() ? self_executable() : std::move(weft_executable), test_timeout,
                 [this](const TestRunJob& job, const TestRunResult& r) { test_finished(job, r); }) {
  requests_ = {
      {"initialize", &Handlers::initialize},
      {"textDocument/foldingRange", &Handlers::folding_range},
      {"textDocument/completion", &Handlers::completion},
      {"textDocument/signatureHelp", &Handlers::signature_help},
      {"textDocument/semanticTokens/full", &Handlers::semantic_tokens_full},
      {"textDocument/hover", &Handlers::hover},
      {"textDocument/definition", &Handlers::definition},
      {"textDocument/references", &Handlers::references},
      {"textDocument/prepareRename", &Handlers::prepare_rename},
      {"textDocument/rename", &Handlers::rename},
      {"textDocument/documentSymbol", &Handlers::document_symbol},
      {"workspace/symbol", &Handlers::workspace_symbol},
      {"textDocument/codeAction", &Handlers::code_action},
      {"textDocument/formatting", &Handlers::formatting},
      {"textDocument/rangeFormatting", &Handlers::range_formatting},
      {"textDocument/codeLens", &Handlers::code_lens},
      {"workspace/executeCommand", &Handlers::execute_command},
  };
}

void Handlers::stop_test_runs() { test_runs_.stop(); }

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
      {"hoverProvider", true},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", json::object{{"prepareProvider", true}}},
      {"documentSymbolProvider", true},
      {"workspaceSymbolProvider", true},
      {"documentFormattingProvider", true},
      {"documentRangeFormattingProvider", true},
      {"codeActionProvider", json::object{{"codeActionKinds", json::array{"quickfix"}}}},
      {"codeLensProvider", json::object{{"resolveProvider", false}}},
      {"executeCommandProvider", json::object{{"commands", json::array{"weft.runTest"}}}},
      {"completionProvider", json::object{{"triggerCharacters", json::array{".", ":", "<"}}, {"resolveProvider", false}}},
      {"signatureHelpProvider", json::object{{"triggerCharacters", json::array{"(", ","}}, {"retriggerCharacters", json::array{":"}}}},
      {"semanticTokensProvider",
       json::object{{"legend", json::object{{"tokenTypes", string_array(semantic_token_types())},
                                            {"tokenModifiers", string_array(semantic_token_modifiers())}}},
                    {"full", true}}},
  };
}

json::value Handlers::initialize(const json::value& params, const std::atomic<bool>&) {
  const auto& p = object_at(params, "params");
  if (const json::value* folders = p.if_contains("workspaceFolders"); folders && folders->is_array()) {
    for (const auto& f : folders->get_array())
      if (f.is_object())
        if (const json::value* uri = f.get_object().if_contains("uri"); uri && uri->is_string())
          if (auto path = uri_to_path(uri->get_string())) workspace_.add_root(*path);
  } else if (const json::value* root = p.if_contains("rootUri"); root && root->is_string()) {
    if (auto path = uri_to_path(root->get_string())) workspace_.add_root(*path);
  }
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
    {
      std::lock_guard lock(published_mu_);
      test_diagnostics_.erase(p.uri);  // test results are for the text that ran
    }
    changed_(p.uri);
    for (const auto& dep : workspace_.dependents(p.uri)) {  // files importing this one
      workspace_.forget(dep);
      {
        std::lock_guard lock(published_mu_);
        published_.erase(dep);
        test_diagnostics_.erase(dep);  // what they test changed
      }
      changed_(dep);
    }
  } else if (method == "textDocument/didClose") {
    std::string uri = document_uri_from_json(params);
    std::lock_guard lock(published_mu_);
    docs_.close(uri);
    workspace_.forget(uri);
    published_.erase(uri);
    test_diagnostics_.erase(uri);
    notify_(notification("textDocument/publishDiagnostics",
                         json::object{{"uri", uri}, {"diagnostics", json::array{}}}));
  }
}

std::optional<Handlers::Publication> Handlers::diagnostics(const std::string& uri) {
  DocumentPtr doc = docs_.get(uri);
  if (!doc) return std::nullopt;
  AnalysisPtr a = workspace_.analyse(doc);
  std::vector<Diagnostic> tests;  // of the failed test runs of this very version
  uint64_t tests_revision = 0;
  {
    std::lock_guard lock(published_mu_);
    if (auto it = test_diagnostics_.find(uri); it != test_diagnostics_.end() && it->second.version == doc->version) {
      tests_revision = it->second.revision;
      for (const auto& [_, ds] : it->second.by_test) tests.insert(tests.end(), ds.begin(), ds.end());
    }
    if (auto it = published_.find(uri);
        it != published_.end() && it->second == std::pair(a->serial, tests_revision))
      return std::nullopt;
  }
  LineIndex index(a->source->text());
  std::map<const diagnostics::SourceFile*, LineIndex> note_indexes;  // one per file that notes point into
  auto index_of = [&](const diagnostics::SourceFile* f) -> const LineIndex& {
    if (f == a->source.get()) return index;
    return note_indexes.try_emplace(f, f->text()).first->second;
  };
  std::vector<Diagnostic> out;
  out.reserve(a->diagnostics.size());
  for (const auto& d : a->diagnostics) {
    Diagnostic pd;
    pd.range = to_range(index, d.range.begin, d.range.end);
    pd.severity = severity_of(d.severity);
    pd.code = std::string(diagnostics::info(d.code).id);
    pd.message = d.message;
    // The caret label (`did you mean ...?`) and ranged notes become related information; notes
    // without a range are appended to the message as `weft check` prints them under it.
    if (!d.label.empty() && d.range.valid())
      pd.related.push_back({{uri, pd.range}, d.label});
    for (const auto& n : d.notes) {
      if (!n.range || !n.range->file) {
        pd.message += "\nnote: " + n.message;
        continue;
      }
      const LineIndex& ni = index_of(n.range->file);
      pd.related.push_back({{path_to_uri(n.range->file->path()), to_range(ni, n.range->begin, n.range->end)}, n.message});
    }
    out.push_back(std::move(pd));
  }
  out.insert(out.end(), std::make_move_iterator(tests.begin()), std::make_move_iterator(tests.end()));
  return Publication{json::object{{"uri", uri}, {"version", doc->version}, {"diagnostics", to_json(out)}}, a,
                     tests_revision};
}

bool Handlers::publish(const std::string& uri, Publication publication) {
  // Under published_mu_ so that it cannot overtake didClose's empty publication.
  std::lock_guard lock(published_mu_);
  if (!workspace_.current(*publication.analysis)) return false;
  notify_(notification("textDocument/publishDiagnostics", std::move(publication.params)));
  published_[uri] = {publication.analysis->serial, publication.tests};
  return true;
}

Handlers::Subject Handlers::subject(const std::string& uri, const std::atomic<bool>& cancelled) {
  AnalysisPtr a = workspace_.analyse_uri(uri);
  if (!a) throw ParamError("document is neither open nor readable: " + uri);
  check_cancel(cancelled);
  LineIndex index(a->source->text());
  return {std::move(a), std::move(index)};
}

json::value Handlers::folding_range(const json::value& params, const std::atomic<bool>& cancelled) {
  auto [a, index] = subject(document_uri_from_json(params), cancelled);
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
  auto [a, index] = subject(p.uri, cancelled);
  std::vector<CompletionItem> items;
  AnalysisPtr good = workspace_.last_good(p.uri);
  for (auto& e : complete(*a, index.offset(p.position), good.get())) {
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
  auto [a, index] = subject(p.uri, cancelled);
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
  auto [a, index] = subject(document_uri_from_json(params), cancelled);
  const std::string& text = a->source->text();
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

json::value Handlers::hover(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = position_params_from_json(params);
  auto [a, index] = subject(p.uri, cancelled);
  auto h = lsp::hover(*a, index.offset(p.position));
  if (!h) return nullptr;
  return to_json(Hover{h->markdown, to_range(index, h->begin, h->end)});
}

json::value Handlers::definition(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = position_params_from_json(params);
  auto [a, index] = subject(p.uri, cancelled);
  if (auto doc = operation_definition(*a, index.offset(p.position))) {
    Position at{doc->line, doc->column};
    return to_json(Location{path_to_uri(doc->path), Range{at, at}});
  }
  auto r = lsp::definition(*a, index.offset(p.position));
  if (!r) return nullptr;
  return to_json(location_of(*r));
}

std::map<std::string, std::vector<Range>> Handlers::symbol_ranges(const TextDocumentPositionParams& at,
                                                                  bool include_declaration,
                                                                  const std::atomic<bool>& cancelled, std::string* name) {
  std::map<std::string, std::vector<Range>> out;
  auto [a, index] = subject(at.uri, cancelled);
  const sema::Symbol* s = symbol_at(*a, index.offset(at.position));
  if (!s) return out;
  auto key = key_of(*s);
  if (!key) return out;
  if (name) *name = s->name;
  // This document's program, then every other workspace file (files that import this one see
  // the same declaration through their own checked program).
  std::set<std::pair<std::string, uint32_t>> seen;
  auto collect = [&](const Analysis& an) {
    for (const auto& r : references_in(an, *key, include_declaration)) {
      if (!seen.insert({normalised_path(path_to_uri(r.file->path())), r.begin}).second) continue;
      Location l = location_of(r);
      out[l.uri].push_back(l.range);
    }
  };
  collect(*a);
  for (const auto& uri : workspace_.workspace_uris()) {
    check_cancel(cancelled);
    if (uri == at.uri) continue;
    if (AnalysisPtr other = workspace_.analyse_uri(uri)) collect(*other);
  }
  for (auto& [_, ranges] : out)
    std::sort(ranges.begin(), ranges.end(), [](const Range& x, const Range& y) { return x.start < y.start; });
  return out;
}

json::value Handlers::references(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = reference_params_from_json(params);
  std::vector<Location> out;
  for (auto& [uri, ranges] : symbol_ranges(p.at, p.include_declaration, cancelled, nullptr))
    for (auto& r : ranges) out.push_back({uri, r});
  return to_json(out);
}

json::value Handlers::prepare_rename(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = position_params_from_json(params);
  auto [a, index] = subject(p.uri, cancelled);
  uint32_t offset = index.offset(p.position);
  const sema::Symbol* s = symbol_at(*a, offset);
  if (!s || !key_of(*s) || s->kind == sema::SymbolKind::Test) return nullptr;
  // The identifier under the cursor.
  for (const auto& t : a->tokens())
    if (t.kind == Token::Kind::Ident && t.begin <= offset && offset <= t.end)
      return json::object{{"range", to_json(to_range(index, t.begin, t.end))}, {"placeholder", s->name}};
  return nullptr;
}

json::value Handlers::rename(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = rename_params_from_json(params);
  if (!valid_identifier(p.new_name)) throw ParamError("`" + p.new_name + "` is not a valid name");
  std::string old_name;
  auto ranges = symbol_ranges(p.at, true, cancelled, &old_name);
  if (ranges.empty()) return nullptr;
  WorkspaceEdit edit;
  for (auto& [uri, rs] : ranges)
    for (auto& r : rs) edit.changes[uri].push_back({r, p.new_name});
  return to_json(edit);
}

json::value Handlers::document_symbol(const json::value& params, const std::atomic<bool>& cancelled) {
  auto [a, index] = subject(document_uri_from_json(params), cancelled);
  std::vector<DocumentSymbol> out;
  for (const auto& o : outline(*a)) out.push_back(document_symbol_of(o, index));
  return to_json(out);
}

json::value Handlers::workspace_symbol(const json::value& params, const std::atomic<bool>& cancelled) {
  const auto& p = object_at(params, "params");
  std::string query = string_field(p, "query");
  std::vector<SymbolInformation> out;
  for (const auto& uri : workspace_.workspace_uris()) {
    check_cancel(cancelled);
    AnalysisPtr a = workspace_.analyse_uri(uri);
    if (!a) continue;
    LineIndex index(a->source->text());
    for (const auto& o : outline(*a)) {
      if (o.kind == OutlineKind::Test) continue;
      if (fuzzy_match(query, o.name))
        out.push_back({o.name, lsp_symbol_kind(o.kind), {uri, to_range(index, o.sel_begin, o.sel_end)}, {}});
      for (const auto& c : o.children)
        if ((c.kind == OutlineKind::Step || c.kind == OutlineKind::Field) && fuzzy_match(query, c.name))
          out.push_back({c.name, lsp_symbol_kind(c.kind), {uri, to_range(index, c.sel_begin, c.sel_end)}, o.name});
      if (out.size() >= 500) break;
    }
  }
  return to_json(out);
}

json::value Handlers::formatting(const json::value& params, const std::atomic<bool>& cancelled) {
  auto [a, index] = subject(document_uri_from_json(params), cancelled);
  return text_edits(index, format::format_source(a->source));
}

json::value Handlers::range_formatting(const json::value& params, const std::atomic<bool>& cancelled) {
  auto [a, index] = subject(document_uri_from_json(params), cancelled);
  const json::value* range = object_at(params, "params").if_contains("range");
  if (!range) throw ParamError("`range` is missing");
  Range r = range_from_json(*range);
  return text_edits(index, format::format_range(a->source, index.offset(r.start), index.offset(r.end)));
}

json::value Handlers::code_action(const json::value& params, const std::atomic<bool>& cancelled) {
  auto p = code_action_params_from_json(params);
  auto [a, index] = subject(p.uri, cancelled);
  uint32_t begin = index.offset(p.range.start), end = index.offset(p.range.end);
  std::vector<CodeAction> out;
  for (const auto& d : a->diagnostics) {
    if (!d.fix || !d.fix->range.valid()) continue;
    if (d.range.end < begin || d.range.begin > end) continue;
    CodeAction action;
    action.title = d.fix->message.empty() ? "replace with `" + d.fix->replacement + "`" : d.fix->message;
    Diagnostic pd;
    pd.range = to_range(index, d.range.begin, d.range.end);
    pd.severity = severity_of(d.severity);
    pd.code = std::string(diagnostics::info(d.code).id);
    pd.message = d.message;
    action.diagnostics.push_back(std::move(pd));
    Location target = location_of(d.fix->range);
    action.edit.changes[target.uri].push_back({target.range, d.fix->replacement});
    action.preferred = true;
    out.push_back(std::move(action));
  }
  return to_json(out);
}

json::value Handlers::code_lens(const json::value& params, const std::atomic<bool>& cancelled) {
  std::string uri = document_uri_from_json(params);
  auto [a, index] = subject(uri, cancelled);
  const auto& tokens = a->tokens();
  std::string_view text = a->source->text();
  std::vector<CodeLens> out;
  for (const auto& o : outline(*a)) {
    if (o.kind != OutlineKind::Test) continue;
    // The `test` keyword (the declaration may start with its doc comment).
    uint32_t keyword = o.begin;
    auto t = std::lower_bound(tokens.begin(), tokens.end(), o.begin, [](const Token& k, uint32_t b) { return k.begin < b; });
    for (; t != tokens.end() && t->begin < o.sel_begin; ++t)
      if (text.substr(t->begin, t->end - t->begin) == "test") {
        keyword = t->begin;
        break;
      }
    Position at = index.position(keyword);
    out.push_back({{at, index.position(index.line_end(at.line))},
                   {"\u25b6 run test", "weft.runTest", json::array{json::string(uri), json::string(o.name)}}});
  }
  return to_json(out);
}

json::value Handlers::execute_command(const json::value& params, const std::atomic<bool>& cancelled) {
  const auto& p = object_at(params, "params");
  std::string command = string_field(p, "command");
  if (command != "weft.runTest") throw ParamError("unknown command `" + command + "`");
  const json::value* args = p.if_contains("arguments");
  if (!args || !args->is_array() || args->get_array().size() != 2 || !args->get_array()[0].is_string() ||
      !args->get_array()[1].is_string())
    throw ParamError("`weft.runTest` takes the arguments [uri, test name]");
  TestRunJob job;
  job.uri = args->get_array()[0].get_string();
  job.name = args->get_array()[1].get_string();
  auto path = uri_to_path(job.uri);
  if (!path) throw ParamError("`weft.runTest` runs tests of files only: " + job.uri);
  auto [a, index] = subject(job.uri, cancelled);
  auto tests = outline(*a);
  if (std::none_of(tests.begin(), tests.end(), [&](const OutlineItem& o) { return o.kind == OutlineKind::Test && o.name == job.name; }))
    throw ParamError("no test named \"" + job.name + "\" in " + job.uri);
  job.path = *path;
  std::optional<std::string> saved = read_file(*path);
  if (DocumentPtr doc = docs_.get(job.uri)) {
    job.version = doc->version;
    job.text = doc->text;
    if (!saved || *saved != doc->text) {  // a dirty buffer: run its text from a private copy
      job.path = write_beside(*path, doc->text);
      job.temporary = true;
    }
  } else if (!saved) {
    throw ParamError("cannot read " + *path);
  }
  test_runs_.submit(std::move(job));
  return nullptr;
}

void Handlers::test_finished(const TestRunJob& job, const TestRunResult& r) {
  auto show = [&](int type, const std::string& message) {
    notify_(notification("window/showMessage", json::object{{"type", type}, {"message", message}}));
  };
  if (!r.ran) {
    show(1, "test \"" + job.name + "\" did not run: " + r.error);
    return;
  }
  std::vector<Diagnostic> diags;
  if (!r.passed && job.version >= 0) {
    LineIndex index(job.text);
    for (const auto& f : r.failures) {
      Diagnostic d;
      d.range = f.line > 0 ? failure_range(index, f.line, f.column) : failure_range(index, r.line, 0);
      d.severity = DiagnosticSeverity::Error;
      d.source = "weft test";
      d.message = f.message;
      diags.push_back(std::move(d));
    }
  }
  bool republish = false;
  if (job.version >= 0) {
    static std::atomic<uint64_t> revisions{0};
    std::lock_guard lock(published_mu_);
    DocumentPtr doc = docs_.get(job.uri);
    if (doc && doc->version == job.version && doc->text == job.text) {  // else: stale, dropped
      auto& td = test_diagnostics_[job.uri];
      if (td.version != job.version) td = TestDiagnostics{job.version, 0, {}};
      bool had = td.by_test.erase(job.name) > 0;
      if (!diags.empty()) td.by_test[job.name] = std::move(diags);
      republish = had || td.by_test.count(job.name);
      if (republish) td.revision = ++revisions;
    }
  }
  if (republish) changed_(job.uri);
  auto ms = static_cast<long long>(std::llround(r.seconds * 1000));
  if (r.passed) {
    show(3, "test \"" + job.name + "\" passed (" + std::to_string(ms) + " ms)");
  } else {
    std::string first = r.failures.empty() ? std::string() : r.failures[0].message;
    first = first.substr(0, first.find('\n'));
    show(1, "test \"" + job.name + "\" failed: " + first);
  }
}

}  // namespace weft::lsp
