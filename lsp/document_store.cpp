#include "lsp/document_store.h"

namespace weft::lsp {

bool apply_change(std::string& text, const TextChange& change) {
  if (!change.range) {
    text = change.text;
    return true;
  }
  LineIndex index(text);
  uint32_t begin = index.offset(change.range->start);
  uint32_t end = index.offset(change.range->end);
  if (change.range->end < change.range->start) return false;
  text.replace(begin, end - begin, change.text);
  return true;
}

void DocumentStore::open(const std::string& uri, std::string language_id, int64_t version,
                         std::string text) {
  auto doc = std::make_shared<Document>(Document{uri, std::move(language_id), version, std::move(text)});
  std::lock_guard lock(mu_);
  docs_[uri] = std::move(doc);
}

std::optional<std::string> DocumentStore::change(const std::string& uri, int64_t version,
                                                 const std::vector<TextChange>& changes) {
  std::lock_guard lock(mu_);
  auto it = docs_.find(uri);
  if (it == docs_.end()) return "document is not open: " + uri;
  auto next = std::make_shared<Document>(*it->second);
  for (const auto& c : changes)
    if (!apply_change(next->text, c)) return "change range ends before it starts";
  next->version = version;
  it->second = std::move(next);
  return std::nullopt;
}

bool DocumentStore::close(const std::string& uri) {
  std::lock_guard lock(mu_);
  return docs_.erase(uri) > 0;
}

DocumentPtr DocumentStore::get(const std::string& uri) const {
  std::lock_guard lock(mu_);
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : it->second;
}

std::vector<DocumentPtr> DocumentStore::all() const {
  std::lock_guard lock(mu_);
  std::vector<DocumentPtr> out;
  for (const auto& [_, d] : docs_) out.push_back(d);
  return out;
}

}  // namespace weft::lsp
