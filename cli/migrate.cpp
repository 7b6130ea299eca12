// `weft migrate --from DIR --to postgres://...`: copies an LMDB data directory's flows, versions,
// executions (histories, snapshots, pending signals, timers), secrets (still encrypted) and tokens
// into a PostgreSQL database, then checks the counts; running it again changes nothing.
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "engine/store/pg_store.h"

namespace weft::cli {

int run_migrate(int argc, char** argv) {
  std::string from, to;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--from" || a == "--to") && i + 1 < argc) (a == "--from" ? from : to) = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: weft migrate --from DIR --to postgres://USER@HOST:PORT/DB\n\n"
                   "Copies the LMDB data directory DIR into PostgreSQL: flows and their versions, executions\n"
                   "with their histories, snapshots, pending signals and timers, secrets (as stored, encrypted:\n"
                   "give the nodes DIR/master.key or $WEFT_MASTER_KEY) and API tokens. Then counts every\n"
                   "copied kind in the database and compares it with the source. What is already there is\n"
                   "kept, so running it again is safe. Stop the servers on DIR first.\n";
      return 0;
    } else {
      std::cerr << "weft migrate: unexpected `" << a << "` (see weft migrate --help)\n";
      return 2;
    }
  }
  if (from.empty() || to.empty()) {
    std::cerr << "weft migrate: --from DIR and --to postgres://... are needed\n";
    return 2;
  }
  if (!store::is_postgres_url(to)) {
    std::cerr << "weft migrate: --to needs a postgres:// or postgresql:// URL (got `" << to << "`)\n";
    return 2;
  }
  if (!std::filesystem::exists(std::filesystem::path(from) / "data.mdb")) {
    std::cerr << "weft migrate: no data directory at " << from << "\n";
    return 2;
  }
  std::string error;
  auto source = open_store(from, error);
  if (!source) {
    std::cerr << "weft migrate: " << error << "\n";
    return 2;
  }
  store::PgStoreOptions po;
  po.conninfo = to;
  auto r = store::copy_into_postgres(*source, po);
  if (!r.ok()) {
    std::cerr << "weft migrate: " << r.status().to_string() << "\n";
    return 1;
  }
  const auto& m = r.value();
  std::cout << "copied and checked: " << m.flows << " flows, " << m.versions << " versions, " << m.executions
            << " executions, " << m.events << " history events, " << m.snapshots << " snapshots, " << m.signals
            << " signals, " << m.timers << " timers, " << m.secrets << " secrets, " << m.tokens << " tokens\n";
  return 0;
}

}  // namespace weft::cli
