// `weft secret set NAME` (value on stdin) · `weft secret ls` · `weft secret rm NAME`: secrets
// stored encrypted (AES-256-GCM under the master key) in the embedded store.
#include <iostream>
#include <iterator>
#include <string>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "stdlib/connectors/secrets.h"

namespace weft::cli {

int run_secret(int argc, char** argv) {
  std::string data, action, name;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) data = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: weft secret set NAME [--data DIR]   (the value is read from stdin)\n"
                   "       weft secret ls [--data DIR]\n"
                   "       weft secret rm NAME [--data DIR]\n";
      return 0;
    } else if (action.empty()) action = a;
    else if (name.empty()) name = a;
    else {
      std::cerr << "weft secret: unexpected `" << a << "`\n";
      return 2;
    }
  }
  if (action != "set" && action != "ls" && action != "rm") {
    std::cerr << "usage: weft secret set|ls|rm [NAME] [--data DIR]\n";
    return 2;
  }
  if (action != "ls" && name.empty()) {
    std::cerr << "weft secret " << action << ": a secret name is needed\n";
    return 2;
  }
  std::string dir = data_dir(data), error;
  auto store = open_store(dir, error, store_location(""));
  if (!store) {
    std::cerr << "weft secret: " << error << "\n";
    return 2;
  }
  if (action == "ls") {
    for (const auto& n : store->list_secrets()) std::cout << n << "\n";
    return 0;
  }
  if (action == "rm") {
    auto st = store->delete_secret(name);
    if (!st.ok()) {
      std::cerr << "weft secret rm: no secret `" << name << "`\n";
      return 1;
    }
    return 0;
  }
  std::string value((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  connectors::MasterKey key;
  if (!connectors::load_master_key(dir, key, error)) {
    std::cerr << "weft secret: " << error << "\n";
    return 2;
  }
  connectors::SecretBox box(key);
  std::string blob = box.encrypt(value, name);
  if (blob.empty()) {
    std::cerr << "weft secret: encryption failed\n";
    return 2;
  }
  auto st = store->put_secret(name, blob);
  if (!st.ok()) {
    std::cerr << "weft secret: " << st.to_string() << "\n";
    return 2;
  }
  std::cerr << "secret `" << name << "` stored\n";
  return 0;
}

}  // namespace weft::cli
