#include "compiler/apidiff/documents.h"

#include <algorithm>
#include <cctype>

namespace weft::apidiff {

std::vector<OperationShape> shapes_of(const openapi::Document& doc, sema::SchemaTypes& types) {
  std::vector<OperationShape> out;
  for (const auto& op : doc.operations) {
    if (op.method_name.empty()) continue;
    OperationShape s;
    s.name = op.method_name;
    s.http_method = op.http_method;
    std::transform(s.http_method.begin(), s.http_method.end(), s.http_method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    s.path = op.path;
    for (const auto& p : op.parameters)
      if (p.in == "path" || p.in == "query") s.params.push_back({p.name, p.in, p.required, types.type_of(p.schema)});
    if (op.request_body) s.request = types.type_of(op.request_body);
    s.request_required = op.body_required;
    if (op.response) s.response = types.type_of(op.response);
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

std::shared_ptr<const openapi::LoadResult> load(const std::string& path, sema::Loader& loader, std::string& error) {
  std::string text, why;
  if (!loader.read(path, text, why)) {
    error += path + ": cannot read the document: " + why + "\n";
    return nullptr;
  }
  openapi::Reader reader = [&loader](const std::string& p, std::string& t, std::string& e) { return loader.read(p, t, e); };
  auto result = openapi::DocumentCache::shared().get(path, text, reader);
  if (!result->ok()) {
    for (const auto& e : result->errors) error += e.to_string() + "\n";
    return nullptr;
  }
  return result;
}

}  // namespace

std::optional<std::vector<Change>> diff_files(const std::string& before, const std::string& after, sema::Loader& loader,
                                              std::string& error) {
  auto a = load(before, loader, error);
  auto b = load(after, loader, error);
  if (!a || !b) return std::nullopt;
  sema::TypeStore store;
  sema::SchemaTypes types(store);
  return diff(shapes_of(*a->document, types), shapes_of(*b->document, types));
}

}  // namespace weft::apidiff
