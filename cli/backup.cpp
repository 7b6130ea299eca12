// `weft backup --to DIR [--data DIR]`: a consistent copy of a data directory taken while a server
// or `weft run` keeps writing to it (LMDB copies inside one read transaction), plus its master.key.
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/data_dir.h"

namespace weft::cli {

int run_backup(int argc, char** argv) {
  std::string data, to;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--data" || a == "--to") && i + 1 < argc) (a == "--data" ? data : to) = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: weft backup --to DIR [--data DIR]\n\n"
                   "Writes a consistent, compacted copy of the data directory into DIR (new or empty)\n"
                   "while servers keep running on it. The copy includes master.key when the data\n"
                   "directory has one: keep backups as private as the data directory itself. Restore by\n"
                   "stopping the server and starting it with --data on the copy (or moving it in place).\n";
      return 0;
    } else {
      std::cerr << "weft backup: unexpected `" << a << "` (see weft backup --help)\n";
      return 2;
    }
  }
  if (to.empty()) {
    std::cerr << "weft backup: --to DIR is needed\n";
    return 2;
  }
  std::string dir = data_dir(data), error;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "data.mdb")) {
    std::cerr << "weft backup: no data directory at " << dir << "\n";
    return 2;
  }
  auto store = open_store(dir, error);
  if (!store) {
    std::cerr << "weft backup: " << error << "\n";
    return 2;
  }
  auto st = store->backup(to);
  if (!st.ok()) {
    std::cerr << "weft backup: " << st.to_string() << "\n";
    return 2;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path key = fs::path(dir) / "master.key";
  if (fs::exists(key)) {
    fs::copy_file(key, fs::path(to) / "master.key", ec);
    if (!ec)
      fs::permissions(fs::path(to) / "master.key", fs::perms::owner_read | fs::perms::owner_write,
                      fs::perm_options::replace, ec);
    if (ec) {
      std::cerr << "weft backup: copying master.key: " << ec.message() << "\n";
      return 2;
    }
  }
  std::cerr << "backup of " << dir << " written to " << to << "\n";
  return 0;
}

}  // namespace weft::cli
