// The driver: loads a file and its relative imports, parses, checks in dependency order.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = std::strerror(errno ? errno : EIO);
    return false;
  }
  text = ss.str();
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

namespace {

std::string normalise(const std::string& p) {
  std::string n = fs::path(p).lexically_normal().generic_string();
  return n.empty() ? p : n;
}

class Builder {
 public:
  Builder(Loader& loader, CheckedProgram& prog) : loader_(loader), prog_(prog) {}

  ModuleUnit* load(const std::string& path, diagnostics::SourcePtr source) {
    auto unit = std::make_unique<ModuleUnit>();
    ModuleUnit* u = unit.get();
    u->path = path;
    u->source = source;
    auto parsed = syntax::parse(source);
    u->ast = std::move(parsed.module);
    if (!u->ast.source) u->ast.source = source;
    bool syntax_errors = parsed.diags.has_errors();
    prog_.diagnostics.append(parsed.diags);
    prog_.modules.push_back(std::move(unit));
    done_[path] = u;
    stack_.push_back(path);

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
        continue;
      }
      if (auto it = done_.find(target); it != done_.end()) {
        imports[&d] = &it->second->checked;
        continue;
      }
      std::string text, error;
      if (!loader_.read(target, text, error)) {
        import_diags.add(diagnostics::Code::E0106, d.range,
                         "cannot read `" + d.import_path + "` (`" + target + "`): " + error, "imported here");
        continue;
      }
      ModuleUnit* child = load(target, std::make_shared<diagnostics::SourceFile>(target, std::move(text)));
      imports[&d] = &child->checked;
    }
    check_module(u->checked, u->ast, imports, *prog_.types);
    u->checked.diags.append(import_diags);
    u->checked.diags.sort();
    // A file with syntax errors reports only those: its partial AST would give misleading follow-ups.
    if (!syntax_errors) prog_.diagnostics.append(u->checked.diags);
    else prog_.diagnostics.append(import_diags);
    stack_.pop_back();
    return u;
  }

 private:
  Loader& loader_;
  CheckedProgram& prog_;
  std::vector<std::string> stack_;
  std::unordered_map<std::string, ModuleUnit*> done_;
};

}  // namespace

CheckedProgram check_source(diagnostics::SourcePtr source, Loader& loader) {
  CheckedProgram prog;
  prog.types = std::make_shared<TypeStore>();
  Builder b(loader, prog);
  b.load(normalise(source->path()), source);
  prog.diagnostics.sort();
  return prog;
}

CheckedProgram check_file(const std::string& path, Loader& loader) {
  std::string text, error;
  if (!loader.read(path, text, error)) {
    CheckedProgram prog;
    prog.types = std::make_shared<TypeStore>();
    prog.diagnostics.add(diagnostics::Code::E0009, diagnostics::Range{}, "cannot read `" + path + "`: " + error);
    return prog;
  }
  return check_source(std::make_shared<diagnostics::SourceFile>(path, std::move(text)), loader);
}

CheckedProgram check_file(const std::string& path) {
  FileLoader loader;
  return check_file(path, loader);
}

}  // namespace weft::sema
