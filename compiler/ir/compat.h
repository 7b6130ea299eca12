// Replay compatibility: can an execution that completed some steps on one flow version continue
// on another? Checked step by step in history order; the first incompatible step is named.
//
// Rules, for each completed id (`name`, `name[i]`, `name[i][j]`, or a non-step node id):
//  - it must still exist, with the same node kind (call, child_flow, wait_signal, ...);
//  - a call keeps its connection and method; a child flow runs the same flow; a signal wait
//    waits for the same signal; an emit publishes the same event; a timer keeps its form
//    (duration vs until);
//  - it sits in as many loops as its recorded indices say, and in the same loops as before;
//  - it sits in the same branches (if/switch arms, parallel branches, catch handlers) as before;
//    wrapping it in a `try` body is allowed (a try body is always entered).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir/ir.h"

namespace weft::ir {

enum class Incompatibility {
  None,
  Malformed,          ///< the recorded id is not `id` or `id[i]...`
  Unknown,            ///< the id is not a node of the old version (history from another flow?)
  Removed,            ///< the node no longer exists
  KindChanged,        ///< e.g. call → child_flow
  ConnectionChanged,  ///< call on another connection
  MethodChanged,      ///< call with another HTTP method
  ChildFlowChanged,   ///< child flow runs another flow
  SignalChanged,      ///< wait_signal waits for another signal
  EventChanged,       ///< emit publishes another event type
  TimerChanged,       ///< `wait d` ↔ `wait until t`
  LoopChanged,        ///< moved into or out of a loop (or into another loop)
  BranchChanged,      ///< moved into, out of or between branches
  BranchRenamed,      ///< its parallel branch was renamed
};

/// Stable lower_snake name of an incompatibility ("kind_changed").
std::string_view incompatibility_name(Incompatibility k);

/// The verdict: ok, or the first incompatible step and why.
struct CompatResult {
  bool ok = true;
  std::string step;  ///< the recorded id as given
  Incompatibility kind = Incompatibility::None;
  std::string message;  ///< "step `fetch` was a call, is now a child_flow"
};

/// A recorded id split into the node id and its loop indices.
struct RecordedId {
  std::string id;
  std::vector<uint64_t> indices;
};
/// Parses `name`, `name[3]`, `name[3][0]`; nullopt when malformed.
std::optional<RecordedId> parse_recorded_id(std::string_view s);

/// Checks `completed` (history order) against the new version.
CompatResult check_compatible(const Flow& old_flow, const Flow& new_flow, const std::vector<std::string>& completed);

}  // namespace weft::ir
