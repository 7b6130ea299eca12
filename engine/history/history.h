// Execution history events: the kinds (one registry, engine/history/events.def), a typed payload
// per kind with its JSON form, and the two renderings every reader uses — render_text for people
// (`weft history`, logs, a console) and render_json for machines (the HTTP API). Nobody else
// formats events.
//
// Stored form: store::HistoryEvent{seq, at_ms, type = the kind's name, data = to_json(payload)}.
// Payload JSON field names are those the runtime has always written, so old data directories stay
// readable; one exception: SignalReceived writes the signal's delivery number as `signal_seq`
// (`seq` is the event's own number in render_json) and still reads `seq` from old events.
// Fields of type std::optional are left out of the JSON when empty; all others are required.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include <boost/describe/class.hpp>
#include <boost/json/value.hpp>

#include "engine/store/execution_store.h"
#include "stdlib/errors/error.h"

namespace weft::history {

/// Every event kind, from events.def.
enum class Kind {
#define WEFT_EVENT(name, summary) name,
#include "engine/history/events.def"
#undef WEFT_EVENT
};

/// The kind's name, as stored in HistoryEvent::type ("StepCompleted").
std::string_view to_string(Kind kind);
/// The kind named `type`; nullopt for a name not in the registry.
std::optional<Kind> parse_kind(std::string_view type);
/// What an event of the kind means (the registry's one-line summary).
std::string_view summary(Kind kind);
/// Every kind, in registry order.
std::span<const Kind> all_kinds();

using Json = boost::json::value;  ///< any JSON value (inputs, results, payloads)

/// The execution was created. Written by the store when the runtime gives no first event.
struct ExecutionStarted {
  std::string flow;     ///< the flow name
  std::string version;  ///< the flow version hash
  Json input;           ///< the input
};
/// The execution waits for a slot of `options { concurrency }`.
struct ExecutionQueued {
  Json key;           ///< the evaluated concurrency key ("" without one)
  int64_t limit = 1;  ///< the slot's limit
};
/// The execution took a concurrency slot.
struct ExecutionAdmitted {
  Json key;           ///< the evaluated concurrency key
  int64_t limit = 1;  ///< the slot's limit
};
/// An attempt of a step (or of a compensation) is about to be sent.
struct StepScheduled {
  std::string step;                ///< node key (`name[i]` in loops, `compensate:name` for undos)
  int64_t attempt = 1;             ///< 1 = the first
  std::string idempotency_key;     ///< sent with every attempt of the step
  std::string method;              ///< HTTP method
  std::string path;                ///< the path or URL called
  std::optional<Json> query;       ///< first attempt only: the query object
  std::optional<Json> body;        ///< first attempt only: the request body
};
/// An attempt failed with a retryable error; the next one is due at `next_at`.
struct StepRetrying {
  std::string step;          ///< node key
  int64_t next_attempt = 2;  ///< the attempt that comes next
  int64_t next_at = 0;       ///< when (ms since the epoch)
  errors::Error error;       ///< why the attempt failed
};
/// A step or a child flow completed.
struct StepCompleted {
  std::string step;  ///< node key
  Json result;       ///< its result (Response value, or the child's output)
};
/// A step or a child flow failed for good.
struct StepFailed {
  std::string step;      ///< node key
  errors::Error error;   ///< the error
};
/// A durable timer was set.
struct TimerStarted {
  std::string timer;                  ///< node key of the wait
  int64_t due = 0;                    ///< when it fires (ms since the epoch)
  std::optional<std::string> signal;  ///< the signal it bounds, for `wait signal ... timeout`
};
/// A durable timer fired.
struct TimerFired {
  std::string timer;                  ///< node key of the wait
  std::optional<std::string> signal;  ///< the signal that did not arrive in time
};
/// A wait consumed a delivered signal.
struct SignalReceived {
  std::string signal;       ///< its name
  uint64_t signal_seq = 0;  ///< its delivery number (stored as `seq` before format 2)
  Json payload;             ///< its payload
  std::string node;         ///< node key of the wait
};
/// A non-deterministic value was recorded (now(), uuid(), random()).
struct SideEffectRecorded {
  std::string key;  ///< `<node key>#<n>`
  Json value;       ///< the value
};
/// The flow published an event (`emit`).
struct EventEmitted {
  std::string event;  ///< the event type
  Json data;          ///< its data
  std::string node;   ///< node key of the emit
};
/// A child flow execution was started.
struct ChildStarted {
  std::string step;   ///< node key of the step
  std::string child;  ///< the child's execution id
  std::string flow;   ///< the child's flow
};
/// The compensation of a completed step starts.
struct CompensationStarted {
  std::string step;  ///< node key of the step being undone
};
/// A compensation completed.
struct CompensationCompleted {
  std::string step;  ///< node key of the step undone
  Json result;       ///< the compensation call's result
};
/// A compensation failed (the saga goes on with the others).
struct CompensationFailed {
  std::string step;     ///< node key of the step
  errors::Error error;  ///< the error
};
/// The execution completed.
struct ExecutionCompleted {
  Json output;  ///< its output
};
/// The execution failed.
struct ExecutionFailed {
  errors::Error error;  ///< its error
};
/// The execution was cancelled (after its compensations).
struct ExecutionCancelled {
  errors::Error error;  ///< the cancellation as an error value
};
/// Someone asked to replay the execution.
struct ReplayRequested {
  std::string by;                        ///< who (a token name, "cli")
  std::optional<std::string> reason;     ///< why, when given
  std::optional<std::string> from_step;  ///< `--from STEP`: rewind to before that step
  std::optional<Json> input;             ///< a new input, when given
  std::string version;                   ///< the flow version the replay runs on
  std::optional<Json> set;               ///< `--set STEP=JSON` patches: {step: result}
};
/// A rewind made events `from_seq`..`to_seq` (inclusive) obsolete; they stay in the history.
struct EventsSuperseded {
  uint64_t from_seq = 0;  ///< first obsolete event
  uint64_t to_seq = 0;    ///< last obsolete event
};
/// The execution moved to another flow version (a replay `--with` a fixed flow).
struct VersionChanged {
  std::string from;  ///< the previous version hash
  std::string to;    ///< the new version hash
};

/// A step exhausted its retries and `options { on_exhausted: "pause" }` keeps the execution paused.
struct ExecutionPaused {
  std::string step;     ///< node key of the step
  errors::Error error;  ///< its error
};

/// One event's typed payload; alternative i is the payload of Kind(i).
using Payload = std::variant<ExecutionStarted, ExecutionQueued, ExecutionAdmitted, StepScheduled, StepRetrying,
                             StepCompleted, StepFailed, TimerStarted, TimerFired, SignalReceived,
                             SideEffectRecorded, EventEmitted, ChildStarted, CompensationStarted,
                             CompensationCompleted, CompensationFailed, ExecutionCompleted, ExecutionFailed,
                             ExecutionCancelled, ReplayRequested, EventsSuperseded, VersionChanged,
                             ExecutionPaused>;

/// The kind of a payload.
Kind kind_of(const Payload& p);
/// The payload's JSON object (HistoryEvent::data).
boost::json::object to_json(const Payload& p);
/// Reads the payload of an event of `kind`; nullopt, with `problem` set, when a required field is
/// missing or a field has the wrong type.
std::optional<Payload> from_json(Kind kind, const boost::json::value& data, std::string* problem = nullptr);
/// The event to append for `p` (type = its kind's name, data = to_json(p)).
store::NewEvent to_event(const Payload& p);
/// The typed payload of a stored event; nullopt (problem set) for an unknown type or a bad payload.
std::optional<Payload> decode(const store::HistoryEvent& e, std::string* problem = nullptr);

/// One line for people: `  12  2024-03-08T10:00:00.000Z  StepFailed  fetch  attempt 3  http_error 503: ...`.
/// Events of unknown kinds (or with unreadable payloads) show their type and raw JSON.
std::string render_text(const store::HistoryEvent& e);
/// The machine form: `{seq, at (RFC 3339), type, ...payload fields}`; an event of an unknown kind
/// keeps its raw payload under `data`.
boost::json::object render_json(const store::HistoryEvent& e);
/// The stored event behind a render_json object (the API's form back into an event, so a client
/// renders what a server sent with the same functions); nullopt when seq, at or type is missing.
std::optional<store::HistoryEvent> from_rendered(const boost::json::object& o);
/// A whole history for people (`weft history`): render_text per line, prefixed with the time since
/// the first event, and each step's outcome followed by how long it took since its last attempt
/// was scheduled (`(0.212s)`). Superseded events (EventsSuperseded ranges) are marked `~`.
std::string render_timeline(const std::vector<store::HistoryEvent>& events);

}  // namespace weft::history

// Field lists, for the generic JSON conversion in history.cpp.
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionStarted, (), (flow, version, input))
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionQueued, (), (key, limit))
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionAdmitted, (), (key, limit))
BOOST_DESCRIBE_STRUCT(weft::history::StepScheduled, (), (step, attempt, idempotency_key, method, path, query, body))
BOOST_DESCRIBE_STRUCT(weft::history::StepRetrying, (), (step, next_attempt, next_at, error))
BOOST_DESCRIBE_STRUCT(weft::history::StepCompleted, (), (step, result))
BOOST_DESCRIBE_STRUCT(weft::history::StepFailed, (), (step, error))
BOOST_DESCRIBE_STRUCT(weft::history::TimerStarted, (), (timer, due, signal))
BOOST_DESCRIBE_STRUCT(weft::history::TimerFired, (), (timer, signal))
BOOST_DESCRIBE_STRUCT(weft::history::SignalReceived, (), (signal, signal_seq, payload, node))
BOOST_DESCRIBE_STRUCT(weft::history::SideEffectRecorded, (), (key, value))
BOOST_DESCRIBE_STRUCT(weft::history::EventEmitted, (), (event, data, node))
BOOST_DESCRIBE_STRUCT(weft::history::ChildStarted, (), (step, child, flow))
BOOST_DESCRIBE_STRUCT(weft::history::CompensationStarted, (), (step))
BOOST_DESCRIBE_STRUCT(weft::history::CompensationCompleted, (), (step, result))
BOOST_DESCRIBE_STRUCT(weft::history::CompensationFailed, (), (step, error))
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionCompleted, (), (output))
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionFailed, (), (error))
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionCancelled, (), (error))
BOOST_DESCRIBE_STRUCT(weft::history::ReplayRequested, (), (by, reason, from_step, input, version, set))
BOOST_DESCRIBE_STRUCT(weft::history::EventsSuperseded, (), (from_seq, to_seq))
BOOST_DESCRIBE_STRUCT(weft::history::VersionChanged, (), (from, to))
BOOST_DESCRIBE_STRUCT(weft::history::ExecutionPaused, (), (step, error))
