#include "lsp/openapi.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

#include "compiler/sema/openapi_types.h"
#include "lsp/ast_walk.h"

namespace weft::lsp {

namespace {

namespace fs = std::filesystem;

struct Loaded {
  fs::file_time_type mtime;
  uintmax_t size = 0;
  std::shared_ptr<const openapi::LoadResult> result;
};

std::mutex spec_mu;
std::map<std::string, Loaded> specs;
std::atomic<uint64_t> reads{0};

// The named arguments of an operation: path and query parameters (what the checker accepts).
bool is_argument(const openapi::Parameter& p) { return p.in == "path" || p.in == "query"; }

std::string type_text(sema::SchemaTypes& types, const openapi::Schema* s) {
  sema::TypeRef t = types.type_of(s);
  if (t && t->kind == sema::Type::Kind::Record && !t->name.empty()) return t->name;
  return sema::to_string(t);
}

std::string first_paragraph(const std::string& text) {
  std::string out = text.substr(0, text.find("\n\n"));
  return out.size() > 400 ? out.substr(0, 400) + "…" : out;
}

}  // namespace

std::shared_ptr<const openapi::Document> spec_document(const std::string& path) {
  std::error_code ec;
  auto mtime = fs::last_write_time(path, ec);
  if (ec) return nullptr;
  uintmax_t size = fs::file_size(path, ec);
  if (ec) return nullptr;
  {
    std::lock_guard lock(spec_mu);
    auto it = specs.find(path);
    if (it != specs.end() && it->second.mtime == mtime && it->second.size == size)
      return it->second.result ? it->second.result->document : nullptr;
  }
  std::string text, error;
  ++reads;
  if (!DiskTexts::shared().read(path, text, error)) return nullptr;
  openapi::Reader reader = [](const std::string& p, std::string& t, std::string& e) {
    return DiskTexts::shared().read(p, t, e);
  };
  auto result = openapi::DocumentCache::shared().get(path, text, reader);
  std::lock_guard lock(spec_mu);
  specs[path] = Loaded{mtime, size, result};
  return result->document;
}

uint64_t spec_reads() { return reads.load(); }

std::shared_ptr<const openapi::Document> connection_document(const sema::Symbol& connection) {
  const ast::Decl* d = connection.decl;
  if (connection.kind != sema::SymbolKind::Connection || !d || d->connection_kind != "openapi" || !connection.range.file)
    return nullptr;
  for (const auto& s : d->settings) {
    if (s.name.name != "spec" || !s.value || s.value->kind != ast::Expr::Kind::String) continue;
    if (s.value->parts.size() != 1 || s.value->parts[0].expr) return nullptr;
    fs::path dir = fs::path(connection.range.file->path()).parent_path();
    return spec_document((dir / s.value->parts[0].text).lexically_normal().string());
  }
  return nullptr;
}

std::string operation_signature(const openapi::Operation& op) {
  sema::TypeStore store;
  sema::SchemaTypes types(store);
  std::string out = op.method_name + "(";
  bool first = true;
  for (const auto& p : op.parameters) {
    if (!is_argument(p)) continue;
    out += (first ? "" : ", ") + p.name + (p.required ? ": " : "?: ") + type_text(types, p.schema);
    first = false;
  }
  if (op.request_body) out += std::string(first ? "" : ", ") + (op.body_required ? "body: " : "body?: ") + type_text(types, op.request_body);
  return out + ") -> Response<" + (op.response ? type_text(types, op.response) : std::string("json")) + ">";
}

void add_operations(std::vector<CompletionEntry>& out, const openapi::Document& doc) {
  for (const auto& op : doc.operations) {
    if (op.method_name.empty()) continue;
    std::string http = op.http_method;
    for (auto& c : http) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string docs = op.summary.empty() ? first_paragraph(op.description) : op.summary;
    docs += "\n\n`" + http + " " + op.path + "`";
    if (op.deprecated) docs += " (deprecated)";
    out.push_back({op.method_name, EntryKind::Method, http + " " + op.path + (op.summary.empty() ? "" : " — " + op.summary),
                   std::move(docs), {}, false, "0" + op.method_name});
  }
}

void add_arguments(std::vector<CompletionEntry>& out, const openapi::Operation& op, const std::vector<std::string>& written) {
  sema::TypeStore store;
  sema::SchemaTypes types(store);
  auto is_written = [&](const std::string& n) { return std::find(written.begin(), written.end(), n) != written.end(); };
  for (const auto& p : op.parameters) {
    if (!is_argument(p) || is_written(p.name)) continue;
    std::string docs = first_paragraph(p.description);
    docs += std::string(docs.empty() ? "" : "\n\n") + "(" + p.in + (p.required ? ", required)" : ")");
    out.push_back({p.name, EntryKind::Parameter, p.name + (p.required ? ": " : "?: ") + type_text(types, p.schema), docs,
                   p.name + ": ", false, std::string(p.required ? "0" : "1") + p.name});
  }
  if (op.request_body && !is_written("body"))
    out.push_back({"body", EntryKind::Parameter, std::string(op.body_required ? "body: " : "body?: ") + type_text(types, op.request_body),
                   "The JSON request body (" + op.request_content_type + ").", "body: ", false,
                   std::string(op.body_required ? "0" : "1") + "body"});
  if (!is_written("headers"))
    out.push_back({"headers", EntryKind::Parameter, "headers?: map<string>", "Extra request headers.", "headers: ", false, "2headers"});
  if (!is_written("accept_status"))
    out.push_back({"accept_status", EntryKind::Parameter, "accept_status?: [int]",
                   "Non-2xx statuses returned as a result instead of failing the call.", "accept_status: ", false,
                   "2accept_status"});
}

std::string operation_hover(const std::string& connection, const openapi::Operation& op) {
  std::string http = op.http_method;
  for (auto& c : http) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string md = "```flow\n" + connection + "." + operation_signature(op) + "\n```";
  if (!op.summary.empty()) md += "\n\n**" + op.summary + "**";
  md += "\n\n`" + http + " " + op.path + "`" + (op.deprecated ? " (deprecated)" : "");
  if (!op.description.empty() && op.description != op.summary) md += "\n\n" + first_paragraph(op.description);
  bool any = false;
  for (const auto& p : op.parameters) {
    if (!any) md += "\n\nParameters:";
    any = true;
    md += "\n- `" + p.name + "` (" + p.in + (p.required ? ", required" : "") + ")";
    if (!p.description.empty()) md += ": " + first_paragraph(p.description);
  }
  return md;
}

std::optional<OperationAt> operation_at(const Analysis& a, uint32_t offset) {
  if (!a.unit) return std::nullopt;
  auto chain = exprs_at(a.unit->ast, offset);
  for (size_t k = chain.size(); k-- > 0;) {
    const ast::Expr* e = chain[k];
    if (e->kind != ast::Expr::Kind::Member || e->operands.empty()) continue;
    if (!(e->name_range.begin <= offset && offset <= e->name_range.end)) continue;
    const sema::Symbol* recv = a.unit->checked.symbol_of(e->operands[0].get());
    if (!recv || recv->kind != sema::SymbolKind::Connection) return std::nullopt;
    auto doc = connection_document(*recv);
    const openapi::Operation* op = doc ? doc->find_operation(e->name) : nullptr;
    if (!op) return std::nullopt;
    return OperationAt{recv->name, doc, op, e->name_range.begin, e->name_range.end};
  }
  return std::nullopt;
}

std::optional<FileLocation> operation_definition(const Analysis& a, uint32_t offset) {
  auto at = operation_at(a, offset);
  if (!at) return std::nullopt;
  const openapi::Position& pos = at->operation->pos;
  FileLocation loc{pos.file.empty() ? at->document->path : pos.file, 0, 0};
  if (pos.valid()) {
    loc.line = pos.line - 1;
    loc.column = pos.column > 0 ? pos.column - 1 : 0;
  }
  return loc;
}

}  // namespace weft::lsp
