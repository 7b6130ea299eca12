// `weft compile FILE [-o OUT.wfc] [--dump]`: check a module, lower every flow to the IR, write the
// canonical JSON (default: FILE with the extension .wfc) and print each flow's name and version.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "compiler/diagnostics/render.h"
#include "compiler/ir/dump.h"
#include "compiler/ir/hash.h"
#include "compiler/driver/driver.h"
#include "compiler/ir/serialize.h"

namespace weft::cli {

namespace {

void compile_usage(std::ostream& out) {
  out << "usage: weft compile FILE [-o OUT.wfc] [--dump]\n\n"
         "Checks FILE and its imports, compiles every flow to its state-machine graph and writes\n"
         "the canonical JSON form (default: FILE with the extension .wfc). Prints each flow's\n"
         "name and version (the SHA-256 of its compiled form). --dump also prints the graph as text.\n"
         "Exit status: 0 compiled, 1 errors in the file, 2 usage or I/O error.\n";
}

}  // namespace

/// Prints the diagnostics of a compilation on stderr; returns the exit status when it failed
/// (1 for errors in the source, 2 when a file could not be read), 0 when it can go on.
int report_compilation(const char* cmd, const driver::Compilation& c) {
  bool io = false;
  for (const auto& d : c.program.diagnostics.all()) {
    std::cerr << diagnostics::render_text(d);
    io = io || d.code == diagnostics::Code::E0009;
  }
  if (c.program.has_errors()) {
    size_t n = c.program.diagnostics.error_count();
    std::cerr << "weft " << cmd << ": " << n << " error" << (n == 1 ? "" : "s") << "\n";
    return io ? 2 : 1;
  }
  if (c.lowered && !c.lowered->errors.empty()) {
    for (const auto& e : c.lowered->errors) std::cerr << "weft " << cmd << ": internal error: " << e << "\n";
    return 1;
  }
  return 0;
}

int run_compile(int argc, char** argv) {
  std::string file, out;
  bool dump = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      compile_usage(std::cout);
      return 0;
    }
    if (a == "-o" || a == "--output") {
      if (i + 1 >= argc) {
        std::cerr << "weft compile: `" << a << "` needs a file name\n";
        return 2;
      }
      out = argv[++i];
    } else if (a == "--dump") {
      dump = true;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "weft compile: unknown option `" << a << "`\n";
      compile_usage(std::cerr);
      return 2;
    } else if (file.empty()) {
      file = a;
    } else {
      std::cerr << "weft compile: one input file only (got `" << file << "` and `" << a << "`)\n";
      return 2;
    }
  }
  if (file.empty()) {
    std::cerr << "weft compile: no input file\n";
    compile_usage(std::cerr);
    return 2;
  }
  driver::Compilation c = driver::compile_file(file);
  if (int rc = report_compilation("compile", c)) return rc;
  const ir::Module& m = c.lowered->module;
  if (out.empty()) out = std::filesystem::path(file).replace_extension(".wfc").string();
  {
    std::ofstream os(out, std::ios::binary | std::ios::trunc);
    os << ir::serialize(m);
    if (!os.flush()) {
      std::cerr << "weft compile: cannot write `" << out << "`\n";
      return 2;
    }
  }
  for (const auto& f : m.flows) std::cout << f.name << " " << ir::flow_version(m, f) << "\n";
  if (dump) std::cout << ir::dump(m);
  std::cerr << "wrote " << out << "\n";
  return 0;
}

}  // namespace weft::cli
