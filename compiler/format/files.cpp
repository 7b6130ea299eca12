#include "compiler/format/files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/diagnostics/render.h"
#include "compiler/format/format.h"

namespace weft::format {

namespace {

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

int format_files(const std::vector<std::string>& files, bool check, std::ostream& out, std::ostream& err,
                 bool color) {
  bool io_error = false, failed = false;
  for (const auto& f : files) {
    std::string text;
    if (!read_file(f, text)) {
      err << "weft fmt: cannot read `" << f << "`\n";
      io_error = true;
      continue;
    }
    auto r = format_source(std::make_shared<diagnostics::SourceFile>(f, text));
    if (!r.ok) {
      for (const auto& d : r.diags.all()) err << diagnostics::render_text(d, color) << "\n";
      err << "weft fmt: `" << f << "` has syntax errors; not formatted\n";
      failed = true;
      continue;
    }
    if (r.text == text) continue;
    if (check) {
      out << f << "\n";
      failed = true;
      continue;
    }
    if (!write_file(f, r.text)) {
      err << "weft fmt: cannot write `" << f << "`\n";
      io_error = true;
    }
  }
  if (io_error) return 2;
  return failed ? 1 : 0;
}

}  // namespace weft::format
