#pragma once
// Helpers shared by the store unit tests: a fresh temporary data directory per test, opening a
// store, reading one value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/store/store.h"

namespace weft::store::testing {

/// A unique empty directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("weft_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  /// The directory.
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// Opens a store with `o`; null (and the test fails) when it cannot.
inline std::unique_ptr<Store> open_or_fail(const StoreOptions& o) {
  auto r = Store::open(o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r.value()) : nullptr;
}

/// The value under `k`, copied out of a fresh snapshot.
inline std::optional<std::string> get(const Store& s, Keyspace ks, std::string_view k) {
  auto txn = s.read();
  auto v = txn.get(ks, k);
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

}  // namespace weft::store::testing
