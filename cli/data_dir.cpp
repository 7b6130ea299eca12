#include "cli/data_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "engine/store/pg_store.h"
#include "stdlib/connectors/secrets.h"

namespace weft::cli {

std::string data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("WEFT_DATA"); e && *e) return e;
  return "./.weft";
}

std::string check_data_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) return "cannot create `" + dir + "`: " + ec.message();
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return "cannot read `" + dir + "`: " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return "`" + dir + "` is not a directory";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return "the data directory `" + dir + "` is writable by " + ((st.st_mode & S_IWOTH) ? "others" : "its group") +
           " (mode " + mode + "): anyone who can write there can change executions and secrets; run `chmod 700 " +
           dir + "` or choose another --data";
  }
  return "";
}

std::string store_location(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("WEFT_STORE"); e && *e) return e;
  return "";
}

std::unique_ptr<store::ExecutionStore> open_store(const std::string& dir, std::string& error,
                                                  const std::string& location) {
  if (!location.empty()) {
    if (!store::is_postgres_url(location)) {
      error = "--store needs a postgres:// or postgresql:// URL (got `" + location + "`)";
      return nullptr;
    }
    store::PgStoreOptions po;
    po.conninfo = location;
    auto r = store::open_pg_execution_store(po);
    if (!r.ok()) {
      error = "cannot open the PostgreSQL store: " + r.status().to_string();
      return nullptr;
    }
    return std::move(r.value());
  }
  error = check_data_dir(dir);
  if (!error.empty()) return nullptr;
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
