// `weft fmt [--check] FILE...`: rewrites each file in its canonical formatting (only when that
// changes it). With --check nothing is written: the files that would change are listed.
// A file with syntax errors is reported with its diagnostics and left alone.
// Exit 0 all formatted, 1 some file would change (--check) or has syntax errors, 2 usage or I/O error.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "compiler/diagnostics/render.h"
#include "compiler/format/format.h"

namespace weft::cli {

namespace {

void fmt_usage(std::ostream& out) {
  out << "usage: weft fmt [--check] FILE...\n\n"
         "Rewrites each file in the canonical formatting (files already formatted are not touched).\n"
         "  --check   write nothing; list the files that would change\n"
         "Exit status: 0 nothing to change, 1 a file would change (--check) or has syntax errors,\n"
         "2 usage or I/O error.\n";
}

bool read_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  text = ss.str();
  return true;
}

/// Writes through a temporary file next to the target (a symlink's target), then renames it over
/// the target, keeping the file's permissions.
bool write_file(const std::string& given, const std::string& text) {
  std::error_code ec;
  std::string path = std::filesystem::canonical(given, ec).string();
  if (ec) return false;
  auto perms = std::filesystem::status(path, ec).permissions();
  if (ec) return false;
  std::string tmp = path + ".weft-fmt.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  std::filesystem::permissions(tmp, perms, ec);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
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
  bool io_error = false, failed = false;
  for (const auto& f : files) {
    std::string text;
    if (!read_file(f, text)) {
      std::cerr << "weft fmt: cannot read `" << f << "`\n";
      io_error = true;
      continue;
    }
    auto source = std::make_shared<diagnostics::SourceFile>(f, text);
    auto r = format::format_source(source);
    if (!r.ok) {
      for (const auto& d : r.diags.all()) std::cerr << diagnostics::render_text(d, color) << "\n";
      std::cerr << "weft fmt: `" << f << "` has syntax errors; not formatted\n";
      failed = true;
      continue;
    }
    if (r.text == text) continue;
    if (check) {
      std::cout << f << "\n";
      failed = true;
      continue;
    }
    if (!write_file(f, r.text)) {
      std::cerr << "weft fmt: cannot write `" << f << "`\n";
      io_error = true;
    }
  }
  if (io_error) return 2;
  return failed ? 1 : 0;
}

}  // namespace weft::cli
