// `weft token create [--name N] [--data DIR]` prints a new API token once, as its last line (only
// its SHA-256 is stored); `weft token ls` lists names and hash prefixes; `weft token revoke NAME|HASH`.
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "server/auth.h"
#include "stdlib/functions/civil.h"

namespace weft::cli {

int run_token(int argc, char** argv) {
  std::string data, action, name, key;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--name" && i + 1 < argc) {
      name = argv[++i];
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: weft token create [--name NAME] [--data DIR]   (prints the token once)\n"
                   "       weft token ls [--data DIR]\n"
                   "       weft token revoke NAME|HASH-PREFIX [--data DIR]\n";
      return 0;
    } else if (action.empty()) {
      action = a;
    } else if (key.empty() && action == "revoke") {
      key = a;
    } else {
      std::cerr << "weft token: unexpected `" << a << "`\n";
      return 2;
    }
  }
  if (action != "create" && action != "ls" && action != "revoke") {
    std::cerr << "usage: weft token create|ls|revoke [--name NAME] [--data DIR]\n";
    return 2;
  }
  if (action == "revoke" && key.empty()) {
    std::cerr << "weft token revoke: a token name or hash prefix is needed\n";
    return 2;
  }
  std::string dir = data_dir(data), error;
  auto store = open_store(dir, error, store_location(""));
  if (!store) {
    std::cerr << "weft token: " << error << "\n";
    return 2;
  }
  if (action == "ls") {
    for (const auto& t : server::list_tokens(*store))
      std::cout << t.hash.substr(0, 12) << "  " << (t.name.empty() ? "-" : t.name) << "  "
                << functions::format_rfc3339(t.created_at_ms) << "\n";
    return 0;
  }
  if (action == "revoke") {
    auto n = server::revoke_tokens(*store, key);
    if (!n) {
      std::cerr << "weft token revoke: no token named `" << key << "` or with that hash prefix\n";
      return 1;
    }
    std::cerr << n << " token" << (n == 1 ? "" : "s") << " revoked\n";
    return 0;
  }
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto token = server::create_token(*store, name, now, error);
  if (!token) {
    std::cerr << "weft token: " << error << "\n";
    return 2;
  }
  std::cerr << "token" << (name.empty() ? "" : " `" + name + "`")
            << " created; it is shown once and only its hash is stored:\n";
  std::cout << *token << "\n";
  return 0;
}

}  // namespace weft::cli
