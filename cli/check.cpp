// `weft check FILE... [--format text|json]`: parse and type-check files (and their imports),
// print every diagnostic (text form of docs/design-language.md §11 or JSON lines) on stdout and a summary
// line on stderr. Exit 0 without errors, 1 with errors, 2 on usage or I/O errors.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"

namespace weft::cli {

namespace {

void check_usage(std::ostream& out) {
  out << "usage: weft check FILE... [--format text|json]\n\n"
         "Parses and type-checks each file and the files it imports.\n"
         "Diagnostics go to stdout, a summary line to stderr.\n"
         "Exit status: 0 no errors, 1 errors found, 2 usage or I/O error.\n";
}

std::string plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

int run_check(int argc, char** argv) {
  std::vector<std::string> files;
  std::string format = "text";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      check_usage(std::cout);
      return 0;
    }
    if (a == "--format" || a.rfind("--format=", 0) == 0) {
      if (a == "--format") {
        if (i + 1 >= argc) {
          std::cerr << "weft check: `--format` needs a value (text or json)\n";
          return 2;
        }
        format = argv[++i];
      } else {
        format = a.substr(9);
      }
      if (format != "text" && format != "json") {
        std::cerr << "weft check: unknown format `" << format << "` (expected text or json)\n";
        return 2;
      }
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "weft check: unknown option `" << a << "`\n";
      check_usage(std::cerr);
      return 2;
    }
    files.push_back(a);
  }
  if (files.empty()) {
    std::cerr << "weft check: no input files\n";
    check_usage(std::cerr);
    return 2;
  }
  const char* no_color = std::getenv("NO_COLOR");
  bool color = format == "text" && isatty(STDOUT_FILENO) && !(no_color && *no_color);

  driver::FileResolver loader;
  size_t errors = 0, warnings = 0;
  bool io_error = false;
  std::set<std::string> printed;  // a file imported by several roots is reported once
  for (const auto& f : files) {
    std::string text, error;
    if (!loader.read(f, text, error)) {
      std::cerr << "weft check: cannot read `" << f << "`: " << error << "\n";
      io_error = true;
      continue;
    }
    auto compiled = driver::compile_source(f, std::move(text), loader, {.lower = false});
    const sema::CheckedProgram& program = compiled.program;
    std::set<std::string> files_here;
    for (const auto& d : program.diagnostics.all()) {
      std::string path = d.range.file ? d.range.file->path() : f;
      if (printed.count(path)) continue;
      files_here.insert(path);
      if (d.severity == diagnostics::Severity::Error) ++errors;
      else if (d.severity == diagnostics::Severity::Warning) ++warnings;
      if (format == "json") std::cout << diagnostics::render_json_line(d) << "\n";
      else std::cout << diagnostics::render_text(d, color) << "\n";
    }
    for (const auto& m : program.modules) printed.insert(m->source ? m->source->path() : m->path);
  }
  std::cout.flush();
  std::cerr << plural(errors, "error") << ", " << plural(warnings, "warning") << "\n";
  if (io_error) return 2;
  return errors > 0 ? 1 : 0;
}

}  // namespace weft::cli
