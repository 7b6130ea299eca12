#include "lsp/retirer.h"

namespace weft::lsp {

Retirer::Retirer() { thread_ = std::thread([this] { loop(); }); }

Retirer::~Retirer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Retirer::retire(std::shared_ptr<const void> object) {
  if (!object) return;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(object));
  }
  cv_.notify_all();
}

void Retirer::drain() {
  std::unique_lock lock(mu_);
  drained_cv_.wait(lock, [&] { return queue_.empty() && !releasing_; });
}

void Retirer::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    std::vector<std::shared_ptr<const void>> batch;
    batch.swap(queue_);
    releasing_ = true;
    lock.unlock();
    batch.clear();  // the destructors run here, outside the lock
    lock.lock();
    releasing_ = false;
    if (queue_.empty()) drained_cv_.notify_all();
  }
}

}  // namespace weft::lsp
