#include "engine/store/overlay.h"

#include <algorithm>

namespace weft::store::detail {

void Overlay::publish(std::uint64_t seq, std::vector<LogOp>& ops) {
  // The values are copied into shared strings before the lock is taken.
  std::vector<Value> values;
  values.reserve(ops.size());
  for (auto& op : ops) values.push_back(op.del ? nullptr : std::make_shared<const std::string>(std::move(op.value)));
  std::unique_lock lock(mu_);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    auto& op = ops[i];
    auto& map = keys_[static_cast<std::size_t>(op.ks)];
    auto it = map.find(op.key);
    if (it == map.end()) {
      it = map.emplace(std::move(op.key), Chain{}).first;
      ++count_;
    }
    Value& v = values[i];
    // A group may write one key twice: its last write is the one the record stands for.
    if (!it->second.empty() && it->second.back().seq == seq) it->second.back().value = std::move(v);
    else it->second.push_back(Version{seq, std::move(v)});
  }
  published_ = seq;
}

void Overlay::checkpointed(std::uint64_t seq) {
  std::unique_lock lock(mu_);
  checkpoint_ = std::max(checkpoint_, seq);
  trim_locked();
}

void Overlay::trim_locked() {
  std::uint64_t below = checkpoint_;
  if (!floors_.empty()) below = std::min(below, *floors_.begin());
  if (count_ == 0) return;
  for (auto& map : keys_) {
    for (auto it = map.begin(); it != map.end();) {
      auto& chain = it->second;
      auto keep = std::find_if(chain.begin(), chain.end(), [&](const Version& v) { return v.seq > below; });
      chain.erase(chain.begin(), keep);
      if (chain.empty()) {
        it = map.erase(it);
        --count_;
      } else {
        ++it;
      }
    }
  }
}

Overlay::Window Overlay::enter() {
  std::unique_lock lock(mu_);
  Window w;
  w.floor = w.base = checkpoint_;
  w.top = published_;
  w.registered = true;
  floors_.insert(w.floor);
  return w;
}

void Overlay::leave(const Window& w) {
  if (!w.registered) return;
  std::unique_lock lock(mu_);
  auto it = floors_.find(w.floor);
  if (it != floors_.end()) floors_.erase(it);
  // A reader older than the last checkpoint may have held versions back: drop them once it goes.
  if (count_ != 0 && w.floor < checkpoint_ && (floors_.empty() || *floors_.begin() > w.floor)) trim_locked();
}

const Overlay::Version* Overlay::visible(const Chain& chain, const Window& w) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it->seq > w.top) continue;
    return it->seq > w.base ? &*it : nullptr;
  }
  return nullptr;
}

std::optional<Overlay::Hit> Overlay::find(Keyspace ks, std::string_view key, const Window& w) const {
  if (w.empty()) return std::nullopt;
  std::shared_lock lock(mu_);
  const auto& map = keys_[static_cast<std::size_t>(ks)];
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  if (const Version* v = visible(it->second, w)) return Hit{v->value};
  return std::nullopt;
}

std::vector<std::pair<std::string, Overlay::Hit>> Overlay::range(Keyspace ks, std::string_view lower,
                                                                 const std::optional<std::string>& upper,
                                                                 const Window& w) const {
  std::vector<std::pair<std::string, Hit>> out;
  if (w.empty()) return out;
  std::shared_lock lock(mu_);
  const auto& map = keys_[static_cast<std::size_t>(ks)];
  for (auto it = map.lower_bound(lower); it != map.end(); ++it) {
    if (upper && it->first >= *upper) break;
    if (const Version* v = visible(it->second, w)) out.emplace_back(it->first, Hit{v->value});
  }
  return out;
}

std::size_t Overlay::size() const {
  std::shared_lock lock(mu_);
  return count_;
}

}  // namespace weft::store::detail
