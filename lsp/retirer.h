// Destroys released objects on a background thread. Freeing the previous analysis of a large
// document (its AST, checked program and tokens: ~10 % of an analysis) would otherwise delay the
// analysis that replaces it and the publishing of its diagnostics.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace weft::lsp {

class Retirer {
 public:
  /// Starts the background thread.
  Retirer();
  /// Destroys what is still queued, then stops the thread.
  ~Retirer();
  Retirer(const Retirer&) = delete;
  Retirer& operator=(const Retirer&) = delete;

  /// Drops this reference on the background thread (other owners keep the object alive); null is ignored.
  void retire(std::shared_ptr<const void> object);
  /// Blocks until everything retired so far has been released (for tests).
  void drain();

 private:
  void loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable drained_cv_;
  std::vector<std::shared_ptr<const void>> queue_;
  bool releasing_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace weft::lsp
