#pragma once
// The execution-level store used by the runtime, the server and replay: flow versions,
// executions (record + append-only history + snapshot + status index), timers, signals, dedup
// keys, poll cursors, the events queue, secrets, API tokens, leases and the schema version.
// Every write is one atomic batch. ExecutionStore is the backend-neutral interface; the LMDB
// implementation (open_execution_store) turns each operation into one WriteBatch of store.h and
// commits it through group commit. Reads throw StoreError only when the environment fails.
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/store/store.h"

namespace weft::store {

/// Execution status, as in the HTTP API.
enum class ExecutionStatus : std::uint8_t { running, completed, failed, cancelled, paused };
/// "running", "completed", ...
std::string_view status_name(ExecutionStatus s);
/// Parses a status name; nullopt for anything else.
std::optional<ExecutionStatus> parse_status(std::string_view name);
/// True for completed, failed and cancelled.
bool is_terminal(ExecutionStatus s);

/// One compiled flow version to store (and optionally deploy as the flow's current version).
struct FlowDeployment {
  std::string flow;            ///< the flow name
  std::string hash;            ///< the version: SHA-256 of canonical_json (computed by the IR layer)
  std::string canonical_json;  ///< the serialised IR graph
  bool deploy = true;          ///< make it the version new executions of `flow` start on
};

/// A version of a flow as deployed.
struct FlowVersionInfo {
  std::string hash;              ///< the version hash
  std::int64_t deployed_at_ms;   ///< when it was deployed
};

/// A flow, its deployed version and its deployment log.
struct FlowInfo {
  std::string name;                       ///< the flow name
  std::string deployed_hash;              ///< the version new executions start on
  std::int64_t deployed_at_ms = 0;        ///< when that version was deployed
  std::vector<FlowVersionInfo> versions;  ///< every deployment, newest first (a hash once)
};

/// The record of one execution.
struct ExecutionRecord {
  std::string id;                           ///< time-ordered id (ids.h)
  std::string flow;                         ///< the flow name
  std::string version;                      ///< the flow version hash it is pinned to
  ExecutionStatus status = ExecutionStatus::running;  ///< current status
  boost::json::value input;                 ///< the input it started with
  boost::json::value output;                ///< the output once completed (else null)
  boost::json::value error;                 ///< the error once failed (else null)
  std::string current;                      ///< the current step (node id), "" when none
  std::string parent_id;                    ///< the parent execution of a child flow, else ""
  std::int64_t created_at_ms = 0;           ///< creation time (the id's time)
  std::int64_t updated_at_ms = 0;           ///< time of the last transition
  std::uint64_t history_length = 0;         ///< number of history events (seq of the last one)
};

/// A history event to append (the runtime names the types: ExecutionStarted, StepCompleted, ...).
struct NewEvent {
  std::string type;          ///< the event type
  boost::json::value data;   ///< its payload
};

/// A stored history event.
struct HistoryEvent {
  std::uint64_t seq = 0;       ///< 1-based position in the execution's history
  std::int64_t at_ms = 0;      ///< when it was written
  std::string type;            ///< the event type
  boost::json::value data;     ///< its payload
};

/// Identifies a timer: ordered by due time, then owner, then timer id.
struct TimerKey {
  std::int64_t due_ms = 0;   ///< when it fires
  std::string owner;         ///< the execution id (or a trigger name, for schedules)
  std::string timer_id;      ///< unique within the owner
  bool operator==(const TimerKey&) const = default;
};

/// A timer with its opaque payload.
struct Timer {
  TimerKey key;          ///< the timer
  std::string payload;   ///< opaque text owned by the runtime
};

/// A signal delivered to an execution and not consumed yet.
struct Signal {
  std::string execution_id;       ///< the execution
  std::uint64_t seq = 0;          ///< delivery order within the execution (from 1)
  std::string name;               ///< the signal name
  boost::json::value payload;     ///< its payload
  std::int64_t received_at_ms = 0;  ///< when it was stored
};

/// An execution's lease: who runs it, until when.
struct Lease {
  std::string owner;             ///< owner id (one per process)
  std::int64_t expires_at_ms = 0;  ///< it may be taken over after this time
};

/// Everything written when an execution starts (atomically).
struct NewExecution {
  std::string flow;                          ///< the flow name
  std::string version;                       ///< the version hash (must be stored already)
  boost::json::value input;                  ///< the input
  std::string id;                            ///< the id to use; "" = a new time-ordered id
  std::string parent_id;                     ///< the parent execution of a child flow
  std::optional<std::string> idempotency_key;  ///< a repeated live key answers the first id
  std::int64_t idempotency_ttl_ms = 24 * 3600 * 1000;  ///< how long the key is remembered
  std::optional<NewEvent> first_event;       ///< default: ExecutionStarted {flow, version, input}
  std::vector<NewEvent> more_events;         ///< history events after the first (seq 2, 3, ...)
  std::optional<std::string> snapshot;       ///< initial snapshot, if any
  std::vector<Timer> timers;                 ///< timers to add
  std::optional<std::string> lease_owner;    ///< take the lease for this owner
  std::int64_t lease_ttl_ms = 30000;         ///< lease duration
  bool alone = false;                        ///< the hint of Transition::alone
};

/// The answer to a create.
struct Created {
  std::string id;         ///< the execution id
  bool existing = false;  ///< true when the idempotency key named an earlier execution
};

/// One step of an execution, written atomically: history events (numbered after the last),
/// snapshot, status (the by_status index follows), record fields, timers, consumed signals,
/// published events, child executions and the lease. The record is read when the transition is
/// submitted and the write is conditional on it: submit an execution's next transition only after
/// the previous one's callback (one strand per execution), else it fails with conflict. A terminal
/// status also drops the execution's pending signals and (with lease_owner) its lease.
struct Transition {
  std::string execution_id;                      ///< the execution
  std::optional<std::uint64_t> expected_length;  ///< conflict unless the history has this length
  std::vector<NewEvent> events;                  ///< history events to append, in order
  std::optional<std::string> snapshot;           ///< the new snapshot (opaque, from the runtime)
  std::optional<ExecutionStatus> status;         ///< the new status
  std::optional<boost::json::value> output;      ///< the new output
  std::optional<boost::json::value> error;       ///< the new error
  std::optional<std::string> current;            ///< the new current step
  std::optional<std::string> version;   ///< re-pin to this stored version (replay --with)
  std::optional<boost::json::value> input;       ///< replace the input (replay with a new input)
  std::vector<Timer> add_timers;                 ///< timers to add
  std::vector<TimerKey> remove_timers;           ///< timers to remove (absent ones are ignored)
  std::vector<std::uint64_t> consume_signals;    ///< signal seqs consumed (conflict if gone)
  std::vector<NewEvent> publish;                 ///< events appended to the events queue
  std::vector<NewExecution> spawn;  ///< child executions started with this step (set their id to know it)
  std::optional<std::string> lease_owner;  ///< conflict if another owner holds a live lease; renews it
  std::int64_t lease_ttl_ms = 30000;             ///< renewal duration
  /// Hint: no other execution is live, so group commit has nothing to merge this with; the store
  /// may commit on the calling thread (LMDB does when its writer is idle: Store::Mode) and call
  /// the callback before transition() returns.
  bool alone = false;
};

/// Filters and paging of list_executions.
struct ExecutionQuery {
  std::optional<std::string> flow;             ///< only this flow
  std::optional<ExecutionStatus> status;       ///< only this status
  std::optional<std::int64_t> since_ms;        ///< created at or after
  std::optional<std::int64_t> until_ms;        ///< created before
  std::size_t limit = 50;                      ///< page size (0 = 50; capped at 1000)
  std::string cursor;                          ///< next_cursor of the previous page, or ""
};

/// How many executions have one status, read from the status index alone.
struct StatusCount {
  std::size_t count = 0;                  ///< executions counted (at most the limit asked)
  bool capped = false;                    ///< true when more exist than were counted
  std::optional<std::string> oldest_id;   ///< the earliest created one, when any
};

/// One page of executions, newest first.
struct ExecutionPage {
  std::vector<ExecutionRecord> items;        ///< the executions
  std::optional<std::string> next_cursor;    ///< set when more may follow
};

/// The answer to a dedup claim.
struct DedupClaim {
  bool claimed = false;   ///< true when this call stored the key
  std::string value;      ///< the value stored under the key (the winner's)
};

/// An entry of the events queue.
struct QueuedEvent {
  std::uint64_t offset = 0;    ///< position in the queue (from 1, increasing)
  std::int64_t at_ms = 0;      ///< when it was appended
  std::string type;            ///< the event type
  boost::json::value data;     ///< its data
};

/// The execution-level store. Thread-safe. Asynchronous operations call back on the store's writer
/// thread after the change is durable (keep callbacks short: post to a strand), or at once on the
/// calling thread when the operation is refused before anything is written (not_found, ...).
class ExecutionStore {
 public:
  /// Completion of an asynchronous write.
  using Callback = std::function<void(const Status&)>;
  /// Completion of an asynchronous create.
  using CreateCallback = std::function<void(const Result<Created>&)>;

  virtual ~ExecutionStore() = default;

  /// The schema version of the data directory.
  virtual int schema_version() = 0;
  /// Write counters of the underlying store (for /metrics).
  virtual StoreStats stats() = 0;
  /// A consistent copy of the whole store into the empty directory `dir`, taken while it runs
  /// (see Store::backup).
  virtual Status backup(const std::string& dir) = 0;

  // -- flows and versions --
  /// Stores versions and deploys them, all or nothing; invalid_argument when a hash already
  /// holds different text or a field is empty.
  virtual Status deploy(const std::vector<FlowDeployment>& flows) = 0;
  /// The canonical JSON of a version, or nullopt.
  virtual std::optional<std::string> get_version(std::string_view hash) = 0;
  /// Every flow with a deployed version, by name.
  virtual std::vector<FlowInfo> list_flows() = 0;
  /// One flow, or nullopt.
  virtual std::optional<FlowInfo> get_flow(std::string_view name) = 0;

  // -- executions --
  /// Starts an execution: record (status running, history_length 1 + more_events), the first
  /// history event then more_events (seq 2, 3, ...), indexes, and the optional idempotency key,
  /// snapshot, timers and lease, all in one atomic write; a live idempotency key writes nothing.
  virtual void create(NewExecution e, CreateCallback done) = 0;
  /// create, waiting for durability.
  virtual Result<Created> create_sync(NewExecution e) = 0;
  /// Applies one transition atomically; not_found for an unknown execution or version, conflict
  /// when expected_length, a consumed signal or the lease does not match.
  virtual void transition(Transition t, Callback done) = 0;
  /// transition, waiting for durability.
  virtual Status transition_sync(Transition t) = 0;
  /// The record, or nullopt (also for malformed ids).
  virtual std::optional<ExecutionRecord> get_execution(std::string_view id) = 0;
  /// The latest snapshot, or nullopt.
  virtual std::optional<std::string> get_snapshot(std::string_view id) = 0;
  /// History events with seq ≥ from_seq, in order (limit 0 = all).
  virtual std::vector<HistoryEvent> history(std::string_view id, std::uint64_t from_seq = 1,
                                            std::size_t limit = 0) = 0;
  /// Executions newest first, filtered; invalid_argument for a malformed cursor.
  virtual Result<ExecutionPage> list_executions(const ExecutionQuery& q) = 0;
  /// Counts executions with `status` (up to `limit`; 0 = all) from the by_status index, with the
  /// oldest one's id: cheap enough for a metrics scrape.
  virtual StatusCount count_status(ExecutionStatus status, std::size_t limit) = 0;
  /// Deletes a finished execution with its history, snapshot, indexes, signals, lease and timers
  /// (the retention sweep); not_found when absent, conflict while it is running or paused.
  virtual Status delete_execution(std::string_view id) = 0;

  // -- timers --
  /// Adds and removes timers outside a transition (schedules of triggers).
  virtual Status update_timers(const std::vector<Timer>& add,
                               const std::vector<TimerKey>& remove) = 0;
  /// Timers due at or before now_ms, earliest first (limit 0 = all).
  virtual std::vector<Timer> due_timers(std::int64_t now_ms, std::size_t limit) = 0;
  /// The earliest due time of a timer whose owner does not start with `skip_owner_prefix`
  /// ("" skips none), or nullopt when there is none. Cost grows with the skipped timers due
  /// earlier (one per schedule trigger for "$").
  virtual std::optional<std::int64_t> next_timer_due(std::string_view skip_owner_prefix = {}) = 0;

  // -- signals --
  /// Stores a signal for an execution; not_found for an unknown one, conflict once it ended.
  virtual void enqueue_signal(std::string_view execution_id, std::string_view name,
                              boost::json::value payload, Callback done) = 0;
  /// enqueue_signal, waiting for durability.
  virtual Status enqueue_signal_sync(std::string_view execution_id, std::string_view name,
                                     boost::json::value payload) = 0;
  /// The execution's pending signals in delivery order (limit 0 = all); consume them through
  /// Transition::consume_signals.
  virtual std::vector<Signal> pending_signals(std::string_view execution_id,
                                              std::size_t limit = 0) = 0;

  // -- dedup keys --
  /// Stores `value` under `key` unless a live (unexpired) entry exists; says who won.
  virtual Result<DedupClaim> claim_dedup(std::string_view key, std::string_view value,
                                         std::int64_t ttl_ms) = 0;
  /// The live value under `key`, or nullopt.
  virtual std::optional<std::string> get_dedup(std::string_view key) = 0;
  /// Deletes up to `limit` entries expired at or before now_ms (0 = all); returns how many.
  virtual Result<std::size_t> sweep_dedup(std::int64_t now_ms, std::size_t limit) = 0;

  // -- poll cursors --
  /// A poll trigger's cursor, or nullopt.
  virtual std::optional<std::string> get_cursor(std::string_view name) = 0;
  /// Stores a poll trigger's cursor.
  virtual Status put_cursor(std::string_view name, std::string_view value) = 0;

  // -- events queue --
  /// Appends an event (for `on event` triggers).
  virtual Status append_event(std::string_view type, boost::json::value data) = 0;
  /// Events with offset > after, in order (limit 0 = all).
  virtual std::vector<QueuedEvent> read_events(std::uint64_t after, std::size_t limit) = 0;
  /// Deletes events with offset ≤ upto; the numbering goes on from the last event.
  virtual Status trim_events(std::uint64_t upto) = 0;

  // -- secrets and tokens --
  /// Stores a secret's (already encrypted) bytes.
  virtual Status put_secret(std::string_view name, std::string_view sealed) = 0;
  /// A secret's bytes, or nullopt.
  virtual std::optional<std::string> get_secret(std::string_view name) = 0;
  /// Deletes a secret; not_found when absent.
  virtual Status delete_secret(std::string_view name) = 0;
  /// Every secret name, sorted.
  virtual std::vector<std::string> list_secrets() = 0;
  /// Stores a token's record (opaque text) under the token's hash.
  virtual Status put_token(std::string_view hash, std::string_view record) = 0;
  /// A token's record by hash, or nullopt.
  virtual std::optional<std::string> get_token(std::string_view hash) = 0;
  /// Deletes a token; not_found when absent.
  virtual Status delete_token(std::string_view hash) = 0;
  /// Every (hash, record), sorted by hash.
  virtual std::vector<Entry> list_tokens() = 0;

  // -- leases --
  /// Takes the lease when free, expired or already ours; conflict when another owner holds it.
  virtual Status acquire_lease(std::string_view execution_id, std::string_view owner,
                               std::int64_t ttl_ms) = 0;
  /// Extends our lease (also after expiry if nobody took it); conflict when someone else holds it.
  virtual Status renew_lease(std::string_view execution_id, std::string_view owner,
                             std::int64_t ttl_ms) = 0;
  /// Drops our lease; conflict when someone else holds it, ok when there is none.
  virtual Status release_lease(std::string_view execution_id, std::string_view owner) = 0;
  /// The lease, or nullopt.
  virtual std::optional<Lease> get_lease(std::string_view execution_id) = 0;
  /// The heartbeat of a node: extends `owner`'s leases on `ids` in one write; answers the ids
  /// whose lease is no longer `owner`'s (taken over, or gone), which the node must stop running.
  virtual Result<std::vector<std::string>> renew_leases(std::string_view owner, const std::vector<std::string>& ids,
                                                        std::int64_t ttl_ms) = 0;
  /// Flow concurrency across nodes: takes one of the `limit` slots named `slot` for execution
  /// `id` (counted in the store under a lock); true when taken or already held, false when all are
  /// held by others.
  virtual Result<bool> acquire_slot(std::string_view slot, std::int64_t limit, std::string_view id) = 0;
  /// Gives `id`'s slot back (ok when it holds none).
  virtual Status release_slot(std::string_view slot, std::string_view id) = 0;
  /// Running or paused executions (oldest first) whose lease is absent, expired or `owner`'s:
  /// what a process may resume on start or take over.
  virtual std::vector<std::string> claimable_executions(std::string_view owner,
                                                        std::size_t limit) = 0;
};

/// Options of the LMDB execution store.
struct ExecutionStoreOptions {
  std::function<std::int64_t()> clock;  ///< ms since epoch; default: the system clock
};

/// The schema version this code writes. Opening a data directory of version 1 migrates it to 2
/// (each execution's snapshot and history moved next to its record); other versions are refused.
inline constexpr int execution_schema_version = 2;

/// An execution store over `store` (which must outlive it and its pending callbacks); checks or
/// initialises the schema version (an error for a data directory written by another schema).
/// Callbacks of asynchronous operations use only the Store, so the execution store itself may be
/// destroyed while some are pending.
Result<std::unique_ptr<ExecutionStore>> make_execution_store(Store& store,
                                                             ExecutionStoreOptions opts = {});
/// Opens a Store in `opts.path` and an execution store that owns it (its destruction drains
/// pending writes and runs their callbacks first).
Result<std::unique_ptr<ExecutionStore>> open_execution_store(const StoreOptions& opts,
                                                             ExecutionStoreOptions eopts = {});

}  // namespace weft::store
