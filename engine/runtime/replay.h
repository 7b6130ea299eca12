// Replay of a failed, cancelled, timed-out or paused execution (docs/operations.md "Replay").
//
// A replay is one transition on the stopped execution followed by an ordinary resume: the
// snapshot loses the failed outcomes (reset_failures), optionally is rewound to before a step
// (rewind) and patched (--set), the history gets ReplayRequested (with EventsSuperseded for a
// rewind and VersionChanged for `--with`), the status goes back to running and the engine loads
// the execution. The walk then starts at the entry again and takes every recorded outcome:
// completed steps are not called again, fired timers and received signals stay.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"
#include "engine/runtime/state.h"
#include "engine/store/execution_store.h"

namespace weft::runtime {

/// What to replay and how (`weft replay` options, the body of `POST /v1/executions/{id}/replay`).
struct ReplayRequest {
  std::string by = "cli";                          ///< who asks (a token name, "cli")
  std::optional<std::string> reason;               ///< why, when given
  std::optional<std::string> from;                 ///< `--from STEP`: rewind to just before that step
  std::optional<boost::json::value> input;         ///< `--input`: replace the flow's input
  std::map<std::string, boost::json::value> set;   ///< `--set STEP=JSON`: patch recorded results
  std::shared_ptr<const ir::Module> with;          ///< `--with FILE`: continue on its same-named flow
};

/// Why a replay was refused (nothing was changed), for the API's status codes.
enum class ReplayProblem { none, not_found, conflict, invalid, incompatible, store };

/// The answer to Engine::replay.
struct ReplayOutcome {
  ReplayProblem problem = ReplayProblem::none;  ///< none = the replay is durable and running
  std::string message;                          ///< what was refused and why
  std::string version;                          ///< the version the execution now runs on
};

/// What reset_failures removed.
struct ResetReport {
  std::vector<std::string> failed;          ///< node keys of the failed steps and child flows
  std::vector<std::string> compensated;     ///< node keys of steps whose compensation ran
  std::map<std::string, std::string> children;  ///< failed child-flow steps: node key → child id
};

/// The node id of a node key (`fetch[2][0]` → `fetch`; `compensate:x[1]` → `x`).
std::string node_of_key(std::string_view key);

/// Makes `s` ready to run again: removes the error outcomes of steps and child flows (signal
/// timeouts stay: fired timers stay fired), the attempts and pending retries, the consumed
/// signal numbers (received signals keep their recorded payloads), the concurrency slot
/// unless `keep_slot` (a paused execution holds its slot), the flow's clock (options.timeout
/// starts again), and compensation bookkeeping — a step whose compensation ran is undone, so it
/// runs again (its CompensationEntry, its outcome and the compensation's outcome go, and its
/// request hash is cleared so that it gets a new idempotency key). A failed child-flow step keeps
/// its child id: the child is replayed in place (report.children).
ResetReport reset_failures(ExecutionState& s, const ir::FlowIndex& index, bool keep_slot);

/// `--from STEP`: drops from `s` everything the events with seq ≥ from_seq recorded (outcomes,
/// side effects, timers, children, compensation entries); consumed signals stay consumed.
void rewind(ExecutionState& s, const std::vector<store::HistoryEvent>& events, uint64_t from_seq);

/// The seq of the first event that recorded work of step `step` (or of its loop iterations
/// `step[i]`) and is not already superseded; nullopt when the step never ran.
std::optional<uint64_t> first_event_of(const std::vector<store::HistoryEvent>& events, const std::string& step);

/// Node keys whose outcome `s` keeps, in the order the history recorded them (what the
/// compatibility check of `--with` looks at).
std::vector<std::string> completed_keys(const ExecutionState& s, const std::vector<store::HistoryEvent>& events);

/// The executions a bulk replay (`weft replay --flow NAME --status failed [--since TIME]`) takes:
/// those of `flow` with `status` (failed, cancelled or paused; anything else is an error in
/// `error`) created at or after `since_ms`, oldest first (the newest `limit` when there are more).
std::vector<store::ExecutionRecord> replay_candidates(store::ExecutionStore& store, const std::string& flow,
                                                      store::ExecutionStatus status, std::optional<int64_t> since_ms,
                                                      size_t limit, std::string& error);

/// SHA-256 of the canonical JSON of a request (method, url, query, body): equal requests, equal hash.
std::string request_hash(const std::string& method, const std::string& url, const boost::json::value& query,
                         const boost::json::value& body);

/// The idempotency key a step sends (docs/operations.md "Idempotency keys"): `<execution>/<key>`
/// the first time; a step sent before with the same request (hash) keeps the key it was sent
/// with; a changed request gets `<execution>/<key>#r<replays>`. Records the choice in `s`.
std::string idempotency_key(ExecutionState& s, const std::string& execution_id, const std::string& key,
                            const std::string& hash);

}  // namespace weft::runtime
