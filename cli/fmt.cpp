// `weft fmt [--check] FILE...`: rewrites each file in its canonical formatting (only when that
// changes it). With --check nothing is written: the files that would change are listed.
// A file with syntax errors is reported with its diagnostics and left alone.
// Exit 0 all formatted, 1 some file would change (--check) or has syntax errors, 2 usage or I/O error.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "compiler/format/files.h"

namespace weft::cli {

namespace {

void fmt_usage(std::ostream& out) {
  out << "usage: weft fmt [--check] FILE...\n\n"
         "Rewrites each file in the canonical formatting (files already formatted are not touched).\n"
         "  --check   write nothing; list the files that would change\n"
         "Exit status: 0 nothing to change, 1 a file would change (--check) or has syntax errors,\n"
         "2 usage or I/O error.\n";
}

}  // namespace

int run_fmt(int argc, char** argv) {
  bool check = false;
  std::vector<std::string> files;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fmt_usage(std::cout);
      return 0;
    }
    if (a == "--check") {
      check = true;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "weft fmt: unknown option `" << a << "`\n";
      fmt_usage(std::cerr);
      return 2;
    }
    files.push_back(a);
  }
  if (files.empty()) {
    std::cerr << "weft fmt: no input files\n";
    fmt_usage(std::cerr);
    return 2;
  }
  const char* no_color = std::getenv("NO_COLOR");
  bool color = isatty(STDERR_FILENO) && !(no_color && *no_color);
  return format::format_files(files, check, std::cout, std::cerr, color);
}

}  // namespace weft::cli
