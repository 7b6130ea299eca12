// Running the real `weft` binary from the end-to-end tests: synchronously with a timeout, or in
// the background (to be killed with SIGKILL at a chosen moment).
#pragma once
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weft::e2e {

/// What a finished process left.
struct ProcResult {
  int exit_code = -1;      ///< exit status; -1 when killed by a signal
  int signal = 0;          ///< the signal that ended it, else 0
  bool timed_out = false;  ///< true when it was killed for exceeding the timeout
  std::string out;         ///< its stdout
  std::string err;         ///< its stderr
};

/// A process running in the background; stdout and stderr go to files.
struct Proc {
  pid_t pid = -1;        ///< its id
  std::string out_path;  ///< where its stdout goes
  std::string err_path;  ///< where its stderr goes
};

/// The weft binary under test (WEFT_BINARY).
std::string weft_binary();

/// Starts `argv[0]` with `args`, extra environment `env`, `stdin_text` on its stdin; its output
/// goes to `out_prefix`.out / .err.
Proc spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
           const std::string& stdin_text, const std::string& out_prefix);

/// Waits for `p` at most `timeout_ms` (SIGKILL after that) and collects its result.
ProcResult wait(const Proc& p, int timeout_ms);

/// Sends SIGKILL to `p` and reaps it.
void kill_now(const Proc& p);

/// Whether `p` has exited (reaps it when it has; `code` gets its exit status or -signal).
bool exited(const Proc& p, int& code);

/// spawn + wait.
ProcResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& stdin_text, const std::string& out_prefix, int timeout_ms = 60000);

/// The whole content of a file ("" when unreadable).
std::string read_all(const std::string& path);

/// Writes `text` to `path`.
void write_all(const std::string& path, const std::string& text);

/// A fresh directory under the system temp dir.
std::string make_temp_dir(const std::string& tag);

}  // namespace weft::e2e
