#pragma once
// The PostgreSQL execution store: the ExecutionStore contract over libpq (no ORM), for several
// `weft serve` nodes sharing one database. Keyspaces are tables (docs/operations.md "PostgreSQL");
// the schema is versioned (table schema_version) and migrated when the store opens. Group commit:
// one writer connection runs the pending operations of many callers in one transaction (each
// inside a savepoint, so a conflicting one is undone alone) and one commit. Conditions are checked
// under row locks (SELECT ... FOR UPDATE) in that transaction, so they hold across nodes. Reads
// use a small pool of connections (READ COMMITTED). libpq stays inside engine/store.
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
};

/// The schema version the PostgreSQL migrations of this build reach.
inline constexpr int pg_schema_version = 1;

/// True when `location` names a PostgreSQL database (postgres:// or postgresql://).
bool is_postgres_url(std::string_view location);

/// Connects, applies the schema migrations the database lacks (under an advisory lock, so nodes
/// starting together migrate once), and opens the store; an error naming the server's message
/// when it cannot connect or the database has a newer schema than this build.
Result<std::unique_ptr<ExecutionStore>> open_pg_execution_store(const PgStoreOptions& opts,
                                                                ExecutionStoreOptions eopts = {});

}  // namespace weft::store
