#pragma once
// INTERNAL to engine/store: the writes of this process that are durable in the write-ahead log but
// not yet committed to LMDB, for this process's readers. Every write keeps the sequence number of
// its log record; a reader sees LMDB's snapshot (which holds every record up to its checkpoint)
// plus the versions in (checkpoint, top], `top` being the last record published when it began, so
// it sees one consistent state. Versions at or below every reader's checkpoint are dropped.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/store/store.h"
#include "engine/store/wal.h"

namespace weft::store::detail {

/// The durable writes LMDB does not hold yet. Thread-safe.
class Overlay {
 public:
  /// A value as the overlay holds it (null: deleted).
  using Value = std::shared_ptr<const std::string>;

  /// What one reader may see: versions with base < seq <= top.
  struct Window {
    std::uint64_t floor = 0;  ///< registered lower bound (see enter())
    std::uint64_t base = 0;   ///< the checkpoint its LMDB snapshot holds (set by the reader)
    std::uint64_t top = 0;    ///< the last record published when it began
    bool registered = false;  ///< made by enter() (leave() it); a default Window sees nothing
    /// True when the overlay can change nothing for this reader.
    bool empty() const { return top <= base; }
  };

  /// A key's visible version in a window.
  struct Hit {
    Value value;  ///< null when the key was deleted
  };

  /// Adds record `seq`'s writes (seq above every earlier one; their values are moved out) and
  /// publishes it to new readers.
  void publish(std::uint64_t seq, std::vector<LogOp>& ops);
  /// LMDB now holds every record up to `seq`: drops the versions no reader needs any longer.
  void checkpointed(std::uint64_t seq);
  /// Registers a reader that is about to open its LMDB snapshot: floor = the last checkpoint,
  /// top = the last published record. Pair with leave().
  Window enter();
  /// Unregisters a reader.
  void leave(const Window& w);
  /// The version of `key` visible in `w`, or nullopt when LMDB's snapshot answers.
  std::optional<Hit> find(Keyspace ks, std::string_view key, const Window& w) const;
  /// The visible versions of keys in [lower, upper) (no upper bound when absent), in key order.
  std::vector<std::pair<std::string, Hit>> range(Keyspace ks, std::string_view lower,
                                                 const std::optional<std::string>& upper,
                                                 const Window& w) const;
  /// Number of keys with versions held (for tests and statistics).
  std::size_t size() const;

 private:
  struct Version {
    std::uint64_t seq;
    Value value;
  };
  using Chain = std::vector<Version>;  // ascending seq
  static const Version* visible(const Chain& chain, const Window& w);
  void trim_locked();

  mutable std::shared_mutex mu_;
  std::map<std::string, Chain, std::less<>> keys_[keyspace_count];
  std::size_t count_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t checkpoint_ = 0;
  std::multiset<std::uint64_t> floors_;
};

}  // namespace weft::store::detail
