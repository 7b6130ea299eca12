// `weft api diff OLD NEW [--flows DIR]`: the breaking and safe changes between two versions of an
// OpenAPI document (compiler/apidiff), one line each; with `--flows DIR`, every flow in DIR that uses
// a connection whose `spec` is OLD is checked against NEW and each flow, step and line a change
// breaks is printed as a diagnostic (`file:line:col: error[Exxxx]: ...`).
// Exit status: 0 no flow is hit (or no --flows), 1 some flow is hit, 2 usage error or a bad document.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cli/commands.h"
#include "compiler/apidiff/documents.h"
#include "compiler/driver/driver.h"
#include "lsp/ast_walk.h"

namespace weft::cli {

namespace {

namespace fs = std::filesystem;

void api_usage(std::ostream& out) {
  out << "usage: weft api diff OLD NEW [--flows DIR]\n\n"
         "Lists the changes between two versions of an OpenAPI document, breaking ones first:\n"
         "removed operations, parameters that become required, new required parameters, request or\n"
         "response fields removed or retyped, enum values removed; then the safe ones (added\n"
         "operations, optional parameters and fields added).\n"
         "--flows DIR: checks every .flow file under DIR that uses a connection whose spec is OLD\n"
         "against NEW and prints each line a change breaks, naming the flow and step.\n"
         "Exit status: 0 no flow is hit (always 0 without --flows), 1 a flow is hit, 2 usage error or\n"
         "an unreadable or invalid document.\n";
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  return ec ? fs::path(path).lexically_normal().string() : p.string();
}

/// Serves NEW's text whenever OLD is asked for, every other file from disk.
class RedirectLoader : public sema::Loader {
 public:
  RedirectLoader(std::string from, std::string to) : from_(canonical(from)), to_(std::move(to)) {}
  bool read(const std::string& path, std::string& text, std::string& error) override {
    return disk_.read(canonical(path) == from_ ? to_ : path, text, error);
  }

 private:
  std::string from_, to_;
  sema::FileLoader disk_;
};

/// Whether some module of the program has an openapi connection whose spec is `spec` (canonical).
bool uses_spec(const sema::CheckedProgram& program, const std::string& spec) {
  for (const auto& m : program.modules)
    for (const auto& [decl, doc] : m->specs)
      if (canonical(doc.path) == spec) return true;
  return false;
}

/// "flow `sync`, step `fetch`": where in the module a diagnostic's offset is.
std::string place_of(const sema::ModuleUnit& unit, uint32_t offset) {
  const ast::Decl* d = lsp::decl_at(unit.ast, offset);
  if (!d) return {};
  std::string out = d->kind == ast::Decl::Kind::Flow   ? "flow `" + d->name.name + "`"
                    : d->kind == ast::Decl::Kind::Test ? "test \"" + d->name.name + "\""
                    : d->kind == ast::Decl::Kind::Fn   ? "fn `" + d->name.name + "`"
                                                       : std::string();
  if (out.empty()) return out;
  // The step whose statement holds the offset, else the step whose result the expression reads.
  std::string step;
  for (const ast::Stmt* s : lsp::stmts_at(unit.ast, offset))
    if (s->kind == ast::Stmt::Kind::Step) step = s->name.name;
  if (step.empty()) {
    // Innermost first: the root name of each access chain (`issue.body.title` → `issue`).
    auto chain = lsp::exprs_at(unit.ast, offset);
    for (auto it = chain.rbegin(); it != chain.rend() && step.empty(); ++it) {
      const ast::Expr* e = *it;
      while ((e->kind == ast::Expr::Kind::Member || e->kind == ast::Expr::Kind::OptMember ||
              e->kind == ast::Expr::Kind::Index || e->kind == ast::Expr::Kind::Call) && !e->operands.empty())
        e = e->operands[0].get();
      const sema::Symbol* sym = e->kind == ast::Expr::Kind::Name ? unit.checked.symbol_of(e) : nullptr;
      if (sym && sym->kind == sema::SymbolKind::Step) step = sym->name;
    }
  }
  if (!step.empty()) out += ", step `" + step + "`";
  return out;
}

using Key = std::tuple<std::string, uint32_t, uint32_t, std::string>;

Key key_of(const diagnostics::Diagnostic& d) {
  return {d.range.file ? d.range.file->path() : std::string(), d.range.begin, d.range.end,
          std::string(diagnostics::info(d.code).id) + d.message};
}

/// Checks the flows under `dir` that use OLD against NEW; prints one line per error NEW causes.
/// Returns the number of lines printed, or -1 when `dir` cannot be listed; `checked` = the files
/// that use OLD.
int check_flows(const std::string& dir, const std::string& old_path, const std::string& new_path, int& checked) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    std::cerr << "weft api diff: `" << dir << "` is not a directory\n";
    return -1;
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && !name.empty() && name[0] == '.') {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".flow" && name[0] != '.') files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  std::string spec = canonical(old_path);
  int hits = 0;
  std::set<Key> printed;  // a file imported by several flows (or also in DIR itself) is reported once
  for (const auto& f : files) {
    driver::FileResolver disk;
    auto before = driver::compile_file(f, disk, {.lower = false});
    if (!uses_spec(before.program, spec)) continue;
    ++checked;
    std::set<Key> known;
    for (const auto& d : before.diagnostics().all()) known.insert(key_of(d));
    RedirectLoader redirect(old_path, new_path);
    auto after = driver::compile_file(f, redirect, {.lower = false});
    for (const auto& d : after.diagnostics().all()) {
      if (d.severity != diagnostics::Severity::Error || known.count(key_of(d)) || !d.range.file) continue;
      Key k = key_of(d);
      std::get<0>(k) = canonical(std::get<0>(k));
      if (!printed.insert(k).second) continue;
      const sema::ModuleUnit* unit = nullptr;
      for (const auto& m : after.program.modules)
        if (m->source.get() == d.range.file) unit = m.get();
      auto lc = d.range.file->line_col(d.range.begin);
      std::string where = unit ? place_of(*unit, d.range.begin) : std::string();
      std::cout << d.range.file->path() << ":" << lc.line << ":" << lc.column << ": error["
                << diagnostics::info(d.code).id << "]: " << (where.empty() ? "" : where + ": ") << d.message << "\n";
      ++hits;
    }
  }
  return hits;
}

int run_diff(int argc, char** argv) {
  std::vector<std::string> paths;
  std::string flows;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      api_usage(std::cout);
      return 0;
    }
    if (a == "--flows") {
      if (i + 1 >= argc) {
        std::cerr << "weft api diff: `--flows` needs a directory\n";
        return 2;
      }
      flows = argv[++i];
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "weft api diff: unknown option `" << a << "`\n";
      api_usage(std::cerr);
      return 2;
    }
    paths.push_back(a);
  }
  if (paths.size() != 2) {
    std::cerr << "weft api diff: expected OLD and NEW documents\n";
    api_usage(std::cerr);
    return 2;
  }
  sema::FileLoader disk;
  std::string error;
  auto changes = apidiff::diff_files(paths[0], paths[1], disk, error);
  if (!changes) {
    std::cerr << error;
    return 2;
  }
  size_t breaking = 0;
  for (const auto& c : *changes) {
    std::cout << apidiff::render(c) << "\n";
    breaking += c.breaking;
  }
  std::cout.flush();
  std::cerr << breaking << " breaking, " << changes->size() - breaking << " safe\n";
  if (flows.empty()) return 0;
  int checked = 0;
  int hits = check_flows(flows, paths[0], paths[1], checked);
  if (hits < 0) return 2;
  std::cerr << checked << (checked == 1 ? " file uses " : " files use ") << paths[0] << "; " << hits
            << (hits == 1 ? " flow line" : " flow lines") << " hit\n";
  return hits > 0 ? 1 : 0;
}

}  // namespace

int run_api(int argc, char** argv) {
  if (argc >= 1 && std::string(argv[0]) == "diff") return run_diff(argc - 1, argv + 1);
  if (argc >= 1 && (std::string(argv[0]) == "--help" || std::string(argv[0]) == "-h")) {
    api_usage(std::cout);
    return 0;
  }
  std::cerr << "weft api: expected a subcommand (diff)\n";
  api_usage(std::cerr);
  return 2;
}

}  // namespace weft::cli
