#pragma once
// A throwaway PostgreSQL server for tests: `initdb` into a fresh temporary folder, then
// `postgres -k <folder> -c listen_addresses=127.0.0.1 -p <free port>` (fsync on), stopped and
// removed by stop() or the destructor. The server gets SIGKILL when the test process dies
// (PR_SET_PDEATHSIG), so a crashed test leaves no server behind. As root, the server runs as the
// `postgres` user (or `nobody`), since PostgreSQL refuses to run as root.
#include <sys/types.h>

#include <string>
#include <vector>

namespace weft::testsupport {

/// One PostgreSQL server started by a test.
class PgServer {
 public:
  PgServer() = default;
  /// Stops the server and removes its folder.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  /// Initialises and starts the server; "" or what failed (with the server's log tail).
  std::string start();
  /// Fast shutdown (SIGINT, then SIGKILL after 10 s) and removal of the folder. Idempotent.
  void stop();
  /// True when the binaries are installed (/usr/lib/postgresql/15/bin or $WEFT_PG_BIN).
  static bool available();

  /// Creates database `name`; "" or the error.
  std::string create_database(const std::string& name);
  /// Runs `sql` in database `db` through psql; "" or the error.
  std::string psql(const std::string& db, const std::string& sql);
  /// The postgres:// URL of database `db` (user weft, trust authentication).
  std::string url(const std::string& db) const;
  /// The TCP port.
  int port() const { return port_; }
  /// The postmaster's pid (0 when stopped).
  pid_t pid() const { return pid_; }

 private:
  std::string run(const std::vector<std::string>& argv);
  std::string log_tail() const;
  std::string dir_, bin_;
  int port_ = 0;
  pid_t pid_ = 0;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

/// One server for the whole test process, started on first use (a failure to start ends the
/// process with the reason) and stopped at exit.
PgServer& shared_pg_server();

}  // namespace weft::testsupport
