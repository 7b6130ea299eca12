#include "lsp/workspace.h"

#include "lsp/text.h"

namespace weft::lsp {

AnalysisPtr Workspace::analyse(const DocumentPtr& doc) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(doc->uri); it != cache_.end() && it->second->version == doc->version &&
                                         it->second->source->text() == doc->text)
      return it->second;
  }
  auto a = std::make_shared<Analysis>();
  a->uri = doc->uri;
  a->version = doc->version;
  a->source = std::make_shared<diagnostics::SourceFile>(uri_to_path(doc->uri).value_or(doc->uri), doc->text);
  a->tokens = lex(a->source->text());
  std::lock_guard lock(mu_);
  cache_[doc->uri] = a;
  return a;
}

void Workspace::forget(const std::string& uri) {
  std::lock_guard lock(mu_);
  cache_.erase(uri);
}

}  // namespace weft::lsp
