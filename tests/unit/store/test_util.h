#pragma once
// Helpers shared by the store unit tests: a fresh temporary data directory per test.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

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

}  // namespace weft::store::testing
