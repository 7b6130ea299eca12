// `weft replay --check`: re-runs a recorded history against another flow version with no side
// effects (docs/operations.md "Replay") and reports the first divergence.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"
#include "engine/store/execution_store.h"

namespace weft::runtime {

/// One request of a step, as recorded (StepScheduled) or as the new version sends it.
struct CheckedCall {
  std::string step;          ///< node key
  std::string method;        ///< HTTP method
  std::string path;          ///< path or URL
  boost::json::value body;   ///< request body (null when none)
};

/// The first place where the new version does not do what the history recorded.
struct Divergence {
  std::string step;                     ///< the recorded step (or the new one when the history has none)
  std::optional<CheckedCall> expected;  ///< what the history sent (nullopt: nothing more)
  std::optional<CheckedCall> got;       ///< what the new version sends (nullopt: nothing more)
};

/// Re-runs `events` (the history of one execution) on flow `flow` of `module` in a throwaway
/// in-process engine whose connections answer from the recorded results, timers fire as
/// recorded and signals arrive as recorded. Steps are matched by node key in the order the
/// history sent them; a completed step must send the same request (method, path, body). A step
/// without a completed result (failed, in flight or new) is where the history ends: the check
/// stops there. Returns the first divergence, nullopt when none; `error` is set when the check
/// could not run.
std::optional<Divergence> check_replay(const std::vector<store::HistoryEvent>& events,
                                       std::shared_ptr<const ir::Module> module, const std::string& flow,
                                       std::string& error);

/// The divergence as text: `step X: expected METHOD PATH BODY, got ...`.
std::string describe(const Divergence& d);

}  // namespace weft::runtime
