// The snapshot of one execution: everything its walk needs to resume (after a crash, a timer, a
// signal or a replay) without repeating a durable node. Written with every transition, read when
// the execution is loaded. See engine.h for the execution model.
//
// JSON form (to_json): an object with "format": kStateFormat and the fields below under the
// names they have always had (results, effects, timers, retry_at, attempts, comp, slot,
// slot_limit, queued, suspended, children, consumed, deadline, started_at; format 3 adds requests
// and replays). Snapshots written before the format field existed read as format 1 (same shape). A newer format, or a snapshot
// that does not have this shape, is refused (parse_snapshot), never misread.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "stdlib/errors/error.h"

namespace weft::runtime {

/// The snapshot format this code writes (1 = before the field existed; same shape; 3 = with the
/// request hashes and the replay count that idempotency keys of replayed steps need).
inline constexpr int64_t kStateFormat = 3;

/// The recorded outcome of a durable node (stored as {"v"}, {"e"}, {"fired"} or {"emitted"}).
struct Outcome {
  /// What the node ended with.
  enum class Type { value, error, fired, emitted };
  Type type = Type::value;  ///< which of the fields below holds it
  boost::json::value value;  ///< value: the step's result, the signal's payload, the child's output
  errors::Error error;       ///< error: the step's error
  int64_t fired_at = 0;      ///< fired: when the timer fired (ms since the epoch)

  /// A value outcome.
  static Outcome of_value(boost::json::value v);
  /// An error outcome.
  static Outcome of_error(errors::Error e);
  /// Equal when type and its field are equal.
  bool operator==(const Outcome&) const = default;
};

/// What a saga needs to undo a completed step: the step and the values it could see.
struct CompensationEntry {
  std::string node;                       ///< the step's node id
  std::string key;                        ///< its node key (`name[i]` in loops)
  std::vector<boost::json::value> slots;  ///< the slots of its thread when it completed
  int64_t slot = -1;                      ///< the slot of the step's own result (-1 = none)
  boost::json::value result;              ///< the step's result
  /// Equal when every field is equal.
  bool operator==(const CompensationEntry&) const = default;
};

/// A place in the queue of a concurrency slot.
struct QueuedSlot {
  std::string slot;   ///< flow name + "/" + key
  int64_t limit = 1;  ///< the slot's limit
  /// Equal when both fields are.
  bool operator==(const QueuedSlot&) const = default;
};

/// The request a step last sent: what decides whether a replayed step keeps its idempotency key.
struct SentRequest {
  std::string hash;  ///< SHA-256 of the canonical JSON of method, url, query and body
  std::string key;   ///< the idempotency key it was sent with
  /// Equal when both fields are.
  bool operator==(const SentRequest&) const = default;
};

/// The typed snapshot.
struct ExecutionState {
  std::map<std::string, Outcome> results;             ///< by node key: the outcome of durable nodes done
  std::map<std::string, boost::json::value> effects;  ///< by `<node key>#<n>`: recorded now()/uuid()/random()
  std::map<std::string, int64_t> timers;              ///< by node key: due time of a pending wait
  std::map<std::string, int64_t> retry_at;            ///< by node key: due time of a pending retry
  std::map<std::string, int64_t> attempts;            ///< by node key: the attempt in progress
  std::vector<CompensationEntry> comp;                ///< steps to undo, in completion order
  std::optional<std::string> slot;                    ///< the concurrency slot held
  int64_t slot_limit = 1;                             ///< that slot's limit
  std::optional<QueuedSlot> queued;                   ///< waiting for a concurrency slot
  bool suspended = false;                             ///< every live branch waits long (unloaded)
  std::map<std::string, std::string> children;        ///< by node key: child execution id
  std::set<uint64_t> consumed;                        ///< signal deliveries already taken
  std::optional<int64_t> deadline;                    ///< options.timeout as a due time
  std::optional<int64_t> started_at;                  ///< when the flow's clock started
  std::map<std::string, SentRequest> requests;        ///< by node key: the request a step last sent
  int64_t replays = 0;                                ///< how many replays the execution had

  /// Equal when every field is equal.
  bool operator==(const ExecutionState&) const = default;
};

/// The JSON form, with "format": kStateFormat.
boost::json::object to_json(const ExecutionState& s);
/// `json::serialize(to_json(s))`, written straight from the struct without building (and deep
/// copying every recorded result into) a JSON tree first: the snapshot text of every transition.
std::string to_text(const ExecutionState& s);
/// Reads the JSON form of format 1 to 3; nullopt, with `problem` set (naming the field), for a
/// newer format or a malformed snapshot.
std::optional<ExecutionState> from_json(const boost::json::value& v, std::string* problem = nullptr);
/// Reads a stored snapshot text ("" = a fresh state). On failure `error` names the execution and
/// the format: `execution 01J...: snapshot format 3 is newer than this weft reads (up to 2)`.
std::optional<ExecutionState> parse_snapshot(std::string_view text, std::string_view execution_id, std::string& error);

}  // namespace weft::runtime
