#include "cli/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <map>

#include "stdlib/connectors/secrets.h"

namespace weft::cli {

std::string data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("WEFT_DATA"); e && *e) return e;
  return "./.weft";
}

std::unique_ptr<store::ExecutionStore> open_store(const std::string& dir, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create `" + dir + "`: " + ec.message();
    return nullptr;
  }
  store::StoreOptions opts;
  opts.path = dir;
  auto r = store::open_execution_store(opts);
  if (!r.ok()) {
    error = "cannot open the store in `" + dir + "`: " + r.status().to_string();
    return nullptr;
  }
  return std::move(r.value());
}

std::function<std::optional<std::string>(std::string_view)> secret_resolver(store::ExecutionStore& store,
                                                                            const std::string& dir) {
  auto cache = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  return [&store, dir, cache](std::string_view name) -> std::optional<std::string> {
    if (auto it = cache->find(name); it != cache->end()) return it->second;
    auto blob = store.get_secret(name);
    if (!blob) return std::nullopt;
    connectors::MasterKey key;
    std::string error;
    if (!connectors::load_master_key(dir, key, error)) return std::nullopt;
    connectors::SecretBox box(key);
    auto d = box.decrypt(*blob, name);
    if (!d.ok) return std::nullopt;
    (*cache)[std::string(name)] = d.plaintext;
    return d.plaintext;
  };
}

}  // namespace weft::cli
