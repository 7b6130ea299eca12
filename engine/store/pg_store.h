#pragma once
// The PostgreSQL execution store: the ExecutionStore contract over libpq (no ORM), for several
// `weft serve` nodes sharing one database. Keyspaces are tables (docs/operations.md "PostgreSQL");
// the schema is versioned (table schema_version) and migrated when the store opens. Group commit:
// one writer connection runs the pending operations of many callers in one transaction and one
// commit, sent in one round trip (libpq pipeline mode, prepared statements) with each write's
// conditions checked server-side under row locks; when one fails, the group runs again with each
// operation inside a savepoint, so a conflicting one is undone alone. Conditions hold across
// nodes. Reads use a small pool of connections (READ COMMITTED); get_flow answers from a cache
// that deployments drop (LISTEN/NOTIFY). libpq stays inside engine/store.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/store/execution_store.h"

namespace weft::store {

/// How to open a PostgreSQL execution store.
struct PgStoreOptions {
  std::string conninfo;            ///< a libpq connection string or postgres:// URI
  std::size_t max_batch = 64;      ///< operations merged into one transaction (1 = no group commit)
  std::size_t read_connections = 8;  ///< most connections for reads (opened on demand)
  /// When fewer writes wait than the last group held, the writer waits up to this long (µs) for as
  /// many, so that they share one commit (a lone writer never waits; 0 = never wait).
  std::int64_t group_linger_us = 1000;
};

/// The schema version the PostgreSQL migrations of this build reach.
inline constexpr int pg_schema_version = 3;

/// True when `location` names a PostgreSQL database (postgres:// or postgresql://).
bool is_postgres_url(std::string_view location);

/// Connects, applies the schema migrations the database lacks (under an advisory lock, so nodes
/// starting together migrate once), and opens the store; an error naming the server's message
/// when it cannot connect or the database has a newer schema than this build.
Result<std::unique_ptr<ExecutionStore>> open_pg_execution_store(const PgStoreOptions& opts,
                                                                ExecutionStoreOptions eopts = {});

/// What copy_into_postgres copied (each figure checked against the source after the copy).
struct MigrationReport {
  std::size_t flows = 0;        ///< flows with a deployed version
  std::size_t versions = 0;     ///< flow versions (their graphs)
  std::size_t executions = 0;   ///< executions, every status
  std::size_t events = 0;       ///< history events of those executions
  std::size_t snapshots = 0;    ///< execution snapshots
  std::size_t timers = 0;       ///< timers (executions' and schedules')
  std::size_t signals = 0;      ///< signals not consumed yet
  std::size_t secrets = 0;      ///< secrets (still encrypted: the master key moves with the nodes)
  std::size_t tokens = 0;       ///< API tokens (their hashes and records)
};

/// Copies flows, versions, executions with their histories, snapshots, pending signals and timers,
/// secrets (as stored: encrypted) and tokens from `from` into the PostgreSQL database `to`
/// (migrating its schema first). Rows already there are kept, so running it again changes nothing;
/// afterwards every copied thing is counted in the database and compared with the source: an error
/// names the first figure that differs. Leases, dedup keys and the events queue are not copied.
Result<MigrationReport> copy_into_postgres(ExecutionStore& from, const PgStoreOptions& to);

}  // namespace weft::store
