#include "lsp/workspace.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "compiler/driver/driver.h"
#include "lsp/text.h"

namespace weft::lsp {

namespace fs = std::filesystem;

std::string normalised_path(const std::string& uri) {
  auto p = uri_to_path(uri);
  if (!p) return {};
  std::string n = fs::path(*p).lexically_normal().generic_string();
  return n.empty() ? *p : n;
}

bool BufferLoader::read(const std::string& path, std::string& text, std::string& error) {
  std::string want = fs::path(path).lexically_normal().generic_string();
  for (const auto& d : docs_.all())
    if (normalised_path(d->uri) == want) {
      text = d->text;
      return true;
    }
  return DiskTexts::shared().read(path, text, error);
}

DiskTexts& DiskTexts::shared() {
  static DiskTexts texts;
  return texts;
}

bool DiskTexts::read(const std::string& path, std::string& text, std::string& error) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  auto mtime = ec ? fs::file_time_type{} : fs::last_write_time(path, ec);
  if (ec || size < kLarge) return disk_.read(path, text, error);
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(path); it != entries_.end() && it->second.size == size && it->second.mtime == mtime) {
      text = *it->second.text;
      return true;
    }
  }
  ++large_reads_;
  if (!disk_.read(path, text, error)) return false;
  std::lock_guard lock(mu_);
  entries_[path] = Entry{mtime, size, std::make_shared<const std::string>(text)};
  return true;
}

const std::vector<Token>& Analysis::tokens() const {
  std::call_once(tokens_once_, [&] { tokens_ = lex(source->text()); });
  return tokens_;
}

AnalysisPtr Workspace::build(const DocumentPtr& doc, uint64_t generation) {
  auto a = std::make_shared<Analysis>();
  a->generation = generation;
  a->uri = doc->uri;
  a->version = doc->version;
  static std::atomic<uint64_t> serials{0};
  a->serial = ++serials;
  std::string path = normalised_path(doc->uri);
  a->source = std::make_shared<diagnostics::SourceFile>(path.empty() ? doc->uri : path, doc->text);
  BufferLoader loader(docs_);
  auto program = std::make_shared<sema::CheckedProgram>(
      driver::compile_source(a->source, loader, {.lower = false, .cache = &modules_}).program);
  for (const auto& m : program->modules)
    if (m->source == a->source) a->unit = m.get();
  if (!a->unit && program->root()) a->unit = program->root();
  for (const auto& d : program->diagnostics.all()) {
    if (d.range.file == a->source.get()) {
      a->diagnostics.push_back(d);
      if (d.code <= diagnostics::Code::E0010 && d.code != diagnostics::Code::E0009) a->syntax_ok = false;
    }
  }
  a->program = std::move(program);
  return a;
}

AnalysisPtr Workspace::analyse(const DocumentPtr& doc) {
  std::shared_ptr<InFlight> job;
  {
    std::unique_lock lock(mu_);
    if (auto it = cache_.find(doc->uri); it != cache_.end() && it->second->version == doc->version &&
                                         it->second->source->text() == doc->text)
      return it->second;
    uint64_t generation = generation_[doc->uri];
    if (auto it = inflight_.find(doc->uri); it != inflight_.end() && it->second->generation == generation &&
                                            it->second->doc->version == doc->version &&
                                            (it->second->doc == doc || it->second->doc->text == doc->text)) {
      // Another thread is analysing this very text: wait for its result instead of parsing again.
      std::shared_future<AnalysisPtr> result = it->second->result;
      lock.unlock();
      ++joined_;
      return result.get();
    }
    job = std::make_shared<InFlight>();
    job->doc = doc;
    job->generation = generation;
    job->result = job->promise.get_future().share();
    inflight_[doc->uri] = job;  // a newer version replaces an older one; the older one's waiters keep their job
  }
  AnalysisPtr a;
  try {
    a = build(doc, job->generation);
    ++builds_;
    if (after_build) after_build(*a);
  } catch (...) {
    {
      std::lock_guard lock(mu_);
      if (auto it = inflight_.find(doc->uri); it != inflight_.end() && it->second == job) inflight_.erase(it);
    }
    job->promise.set_exception(std::current_exception());
    throw;
  }
  AnalysisPtr old_cache, old_good;
  {
    std::lock_guard lock(mu_);
    if (auto it = inflight_.find(doc->uri); it != inflight_.end() && it->second == job) inflight_.erase(it);
    // Cache only what is still current: the open document's text (not an older version that a
    // slower thread finished late) or a file that is not open, and nothing that started before
    // a forget() (an import changed while it ran).
    DocumentPtr now = docs_.get(doc->uri);
    bool current = now ? now->version == doc->version && (now == doc || now->text == doc->text) : doc->version < 0;
    if (current && generation_[doc->uri] == job->generation) {
      old_cache = std::exchange(cache_[doc->uri], a);
      if (a->syntax_ok) old_good = std::exchange(good_[doc->uri], a);
    }
  }
  job->promise.set_value(a);
  retirer_.retire(std::move(old_cache));
  retirer_.retire(std::move(old_good));
  return a;
}

bool Workspace::current(const Analysis& a) const {
  DocumentPtr now = docs_.get(a.uri);
  if (!now || now->version != a.version || now->text != a.source->text()) return false;
  std::lock_guard lock(mu_);
  auto it = generation_.find(a.uri);
  return (it == generation_.end() ? 0 : it->second) == a.generation;
}

AnalysisPtr Workspace::analyse_uri(const std::string& uri) {
  if (DocumentPtr doc = docs_.get(uri)) return analyse(doc);
  auto path = uri_to_path(uri);
  if (!path) return nullptr;
  std::ifstream in(*path, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream text;
  text << in.rdbuf();
  return analyse(std::make_shared<Document>(Document{uri, "weft", -1, text.str()}));
}

AnalysisPtr Workspace::last_good(const std::string& uri) {
  std::lock_guard lock(mu_);
  auto it = good_.find(uri);
  return it == good_.end() ? nullptr : it->second;
}

void Workspace::forget(const std::string& uri) {
  AnalysisPtr old_cache, old_good;
  {
    std::lock_guard lock(mu_);
    ++generation_[uri];
    if (auto it = cache_.find(uri); it != cache_.end()) {
      old_cache = std::move(it->second);
      cache_.erase(it);
    }
    if (auto it = good_.find(uri); it != good_.end()) {
      old_good = std::move(it->second);
      good_.erase(it);
    }
  }
  retirer_.retire(std::move(old_cache));
  retirer_.retire(std::move(old_good));
}

std::vector<std::string> Workspace::dependents(const std::string& uri) {
  std::string path = normalised_path(uri);
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::lock_guard lock(mu_);
  for (const auto& [other, a] : cache_) {
    if (other == uri || !docs_.get(other)) continue;
    for (const auto& m : a->program->modules)
      if (m.get() != a->unit && m->path == path) {
        out.push_back(other);
        break;
      }
  }
  // An analysis still running may have read this file already (its imports are not known yet).
  for (const auto& [other, job] : inflight_)
    if (other != uri && docs_.get(other) && std::find(out.begin(), out.end(), other) == out.end())
      out.push_back(other);
  return out;
}

void Workspace::add_root(const std::string& path) {
  std::lock_guard lock(mu_);
  if (std::find(roots_.begin(), roots_.end(), path) == roots_.end()) roots_.push_back(path);
}

std::vector<std::string> Workspace::workspace_uris() const {
  std::set<std::string> out;
  for (const auto& d : docs_.all()) out.insert(d->uri);
  std::vector<std::string> roots;
  {
    std::lock_guard lock(mu_);
    roots = roots_;
  }
  for (const auto& root : roots) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    size_t seen = 0;
    for (; !ec && it != end && seen < 5000; it.increment(ec), ++seen) {
      const auto& p = it->path();
      std::string name = p.filename().string();
      if (it->is_directory(ec) && (name == "node_modules" || name == "build" || (!name.empty() && name[0] == '.'))) {
        it.disable_recursion_pending();
        continue;
      }
      if (p.extension() == ".flow" && it->is_regular_file(ec)) out.insert(path_to_uri(fs::absolute(p).lexically_normal().string()));
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace weft::lsp
