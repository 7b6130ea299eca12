// The driver: loads a file and its relative imports, parses, checks in dependency order.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "compiler/sema/check.h"
#include "compiler/syntax/parse.h"

namespace weft::sema {

namespace fs = std::filesystem;

bool FileLoader::read(const std::string& path, std::string& text, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    error = std::strerror(EISDIR);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno ? errno : ENOENT);
    return false;
  }
  // One read into a buffer of the file's size (OpenAPI documents run to megabytes).
  auto size = fs::file_size(path, ec);
  if (!ec && size > 0) {
    text.resize(size);
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<size_t>(in.gcount()));
    if (in.bad()) {
      error = std::strerror(errno ? errno : EIO);
      return false;
    }
    if (in.peek() == std::char_traits<char>::eof()) return true;  // else it grew: read the rest below
  } else {
    text.clear();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = std::strerror(errno ? errno : EIO);
    return false;
  }
  text += ss.str();
  return true;
}

const ModuleUnit* CheckedProgram::find(const std::string& path) const {
  for (const auto& m : modules)
    if (m->path == path) return m.get();
  return nullptr;
}

std::vector<diagnostics::Range> CheckedProgram::references_to(const Symbol* s) const {
  std::vector<diagnostics::Range> out;
  for (const auto& m : modules)
    for (const auto& r : m->checked.references)
      if (r.symbol == s) out.push_back(r.range);
  return out;
}

std::shared_ptr<const CachedModule> ModuleCache::find(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : it->second;
}

void ModuleCache::store(const std::string& path, std::shared_ptr<const CachedModule> module) {
  std::shared_ptr<const CachedModule> old;  // released outside the lock
  std::lock_guard lock(mu_);
  old = std::exchange(entries_[path], std::move(module));
}

void ModuleCache::count(bool reused) {
  std::lock_guard lock(mu_);
  ++(reused ? stats_.reused : stats_.loaded);
}

ModuleCache::Stats ModuleCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void ModuleCache::clear() {
  std::unordered_map<std::string, std::shared_ptr<const CachedModule>> old;
  std::lock_guard lock(mu_);
  old.swap(entries_);
}

namespace {

std::string normalise(const std::string& p) {
  std::string n = fs::path(p).lexically_normal().generic_string();
  return n.empty() ? p : n;
}

class Builder {
 public:
  Builder(Loader& loader, CheckedProgram& prog, ModuleCache* cache) : loader_(loader), prog_(prog), cache_(cache) {}

  /// Parses and checks one file and (recursively) what it imports; `root` files are never cached.
  ModuleUnit* load(const std::string& path, diagnostics::SourcePtr source, bool root) {
    auto unit = std::make_shared<ModuleUnit>();
    ModuleUnit* u = unit.get();
    u->path = path;
    u->source = source;
    u->types = prog_.types;
    auto parsed = syntax::parse(source);
    u->ast = std::move(parsed.module);
    if (!u->ast.source) u->ast.source = source;
    bool syntax_errors = parsed.diags.has_errors();
    diagnostics::Bag contributed;  // what this file adds to the program's diagnostics
    contributed.append(parsed.diags);
    prog_.diagnostics.append(parsed.diags);
    prog_.modules.push_back(unit);
    done_[path] = u;
    stack_.push_back(path);

    // Reusable later only when its result depends on nothing but the texts of it and its imports.
    bool cacheable = cache_ && !root;
    std::vector<std::shared_ptr<const CachedModule>> deps;
    ImportMap imports;
    diagnostics::Bag import_diags;
    for (const auto& d : u->ast.decls) {
      if (d.kind != ast::Decl::Kind::Import) continue;
      imports[&d] = nullptr;
      if (d.import_path.empty()) continue;
      fs::path base = fs::path(path).parent_path();
      std::string target = normalise((base / d.import_path).generic_string());
      auto on_stack = std::find(stack_.begin(), stack_.end(), target);
      if (on_stack != stack_.end()) {
        std::string chain;
        for (auto it = on_stack; it != stack_.end(); ++it) chain += "`" + *it + "` → ";
        chain += "`" + target + "`";
        import_diags.add(diagnostics::Code::E0105, d.range, "import cycle: " + chain, "this import closes the cycle");
        cacheable = false;
        continue;
      }
      if (auto it = done_.find(target); it != done_.end()) {
        imports[&d] = &it->second->checked;
        if (auto e = entries_.find(target); e != entries_.end() && e->second) deps.push_back(e->second);
        else cacheable = false;
        continue;
      }
      std::string text, error;
      if (!loader_.read(target, text, error)) {
        import_diags.add(diagnostics::Code::E0106, d.range,
                         "cannot read `" + d.import_path + "` (`" + target + "`): " + error, "imported here");
        cacheable = false;
        continue;
      }
      ModuleUnit* child = load_import(target, std::move(text));
      imports[&d] = &child->checked;
      if (auto e = entries_.find(target); e != entries_.end() && e->second) deps.push_back(e->second);
      else cacheable = false;
    }
    // The OpenAPI documents of `openapi` connections, read through the loader (cached by content).
    for (const auto& d : u->ast.decls) {
      if (d.kind != ast::Decl::Kind::Connection || d.connection_kind != "openapi") continue;
      cacheable = false;  // its check depends on the document's text too
      for (const auto& st : d.settings) {
        if (st.name.name != "spec" || !st.value || st.value->kind != ast::Expr::Kind::String) continue;
        std::string rel;
        bool literal = true;
        for (const auto& part : st.value->parts) {
          if (part.expr) literal = false;
          rel += part.text;
        }
        if (!literal) break;
        SpecDocument& spec = u->specs[&d];
        spec.path = normalise((fs::path(path).parent_path() / rel).generic_string());
        std::string text;
        if (loader_.read(spec.path, text, spec.error)) {
          openapi::Reader reader = [this](const std::string& p, std::string& t, std::string& e) {
            return loader_.read(p, t, e);
          };
          spec.loaded = openapi::DocumentCache::shared().get(spec.path, text, reader);
        }
        break;
      }
    }
    check_module(u->checked, u->ast, imports, *prog_.types, nullptr, &u->specs);
    u->checked.diags.append(import_diags);
    u->checked.diags.sort();
    // A file with syntax errors reports only those: its partial AST would give misleading follow-ups.
    const diagnostics::Bag& semantic = syntax_errors ? import_diags : u->checked.diags;
    contributed.append(semantic);
    prog_.diagnostics.append(semantic);
    stack_.pop_back();
    if (cacheable) {
      auto entry = std::make_shared<CachedModule>();
      entry->unit = std::move(unit);
      entry->diagnostics = std::move(contributed);
      entry->imports = std::move(deps);
      entries_[path] = entry;
      cache_->store(path, std::move(entry));
    } else {
      entries_[path] = nullptr;
    }
    return u;
  }

 private:
  /// An imported file: the cached parse and check when it and everything it imports are unchanged.
  ModuleUnit* load_import(const std::string& path, std::string text) {
    if (cache_) {
      std::shared_ptr<const CachedModule> e = cache_->find(path);
      if (e && e->unit->source->text() == text && reusable(*e)) {
        adopt(e);
        cache_->count(true);
        return done_.at(path);
      }
      cache_->count(false);
    }
    return load(path, std::make_shared<diagnostics::SourceFile>(path, std::move(text)), false);
  }

  /// True when every file a cached module imports still has the text it was checked against,
  /// and an import already part of this program is the very unit it was checked against.
  bool reusable(const CachedModule& e) {
    for (const auto& dep : e.imports) {
      const std::string& p = dep->unit->path;
      if (std::find(stack_.begin(), stack_.end(), p) != stack_.end()) return false;  // would be a cycle now
      if (auto it = done_.find(p); it != done_.end()) {
        if (it->second != dep->unit.get()) return false;
        continue;
      }
      if (auto v = verified_.find(dep.get()); v != verified_.end()) {
        if (!v->second) return false;
        continue;
      }
      std::string text, error;
      bool ok = loader_.read(p, text, error) && text == dep->unit->source->text();
      verified_[dep.get()] = ok;  // before recursing: a diamond is read once
      if (!ok || !reusable(*dep)) {
        verified_[dep.get()] = false;
        return false;
      }
    }
    return true;
  }

  /// Adds a verified cached module and the modules it imports to the program.
  void adopt(const std::shared_ptr<const CachedModule>& e) {
    const std::string& p = e->unit->path;
    if (done_.count(p)) return;
    prog_.modules.push_back(e->unit);
    done_[p] = e->unit.get();
    entries_[p] = e;
    prog_.diagnostics.append(e->diagnostics);
    for (const auto& dep : e->imports) adopt(dep);
  }

  Loader& loader_;
  CheckedProgram& prog_;
  ModuleCache* cache_;
  std::vector<std::string> stack_;
  std::unordered_map<std::string, ModuleUnit*> done_;
  std::unordered_map<std::string, std::shared_ptr<const CachedModule>> entries_;  // path → its cache entry (null: not cacheable)
  std::unordered_map<const CachedModule*, bool> verified_;
};

}  // namespace

CheckedProgram check_source(diagnostics::SourcePtr source, Loader& loader, ModuleCache* cache) {
  CheckedProgram prog;
  prog.types = std::make_shared<TypeStore>();
  Builder b(loader, prog, cache);
  b.load(normalise(source->path()), source, true);
  prog.diagnostics.sort();
  return prog;
}

CheckedProgram check_file(const std::string& path, Loader& loader, ModuleCache* cache) {
  std::string text, error;
  if (!loader.read(path, text, error)) {
    CheckedProgram prog;
    prog.types = std::make_shared<TypeStore>();
    prog.diagnostics.add(diagnostics::Code::E0009, diagnostics::Range{}, "cannot read `" + path + "`: " + error);
    return prog;
  }
  return check_source(std::make_shared<diagnostics::SourceFile>(path, std::move(text)), loader, cache);
}

CheckedProgram check_file(const std::string& path) {
  FileLoader loader;
  return check_file(path, loader);
}

}  // namespace weft::sema
