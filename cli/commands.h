// The subcommand table. Each subcommand lives in its own file cli/<name>.cpp.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace weft::cli {

/// A subcommand: gets the arguments after its name; returns the exit status
/// (0 success, 1 the thing failed, 2 usage or I/O error).
struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

const std::vector<Command>& commands();

/// Reads the whole file `path` into `out`; false when it cannot be read (cli/run.cpp).
bool read_file(const std::string& path, std::string& out);

/// `weft check FILE... [--format text|json]`: parse + type-check (cli/check.cpp).
int run_check(int argc, char** argv);
/// `weft compile FILE [-o OUT.wfc] [--dump]` (cli/compile.cpp).
int run_compile(int argc, char** argv);
/// `weft graph FILE [--flow NAME] [--format dot|mermaid|svg] [-o OUT]` (cli/graph.cpp).
int run_graph(int argc, char** argv);
/// `weft run FILE --flow NAME --input JSON` / `weft run --resume` (cli/run.cpp).
int run_run(int argc, char** argv);
/// `weft test [FILE|DIR...] [--filter NAME] [--format text|junit] [--jobs N]` (cli/test.cpp).
int run_test(int argc, char** argv);
/// `weft secret set|ls|rm` (cli/secret.cpp).
int run_secret(int argc, char** argv);
/// `weft backup --to DIR [--data DIR]`: a consistent copy of a live data directory (cli/backup.cpp).
int run_backup(int argc, char** argv);
/// `weft migrate --from DIR --to postgres://...`: LMDB into PostgreSQL (cli/migrate.cpp).
int run_migrate(int argc, char** argv);
/// `weft lsp`: the language server on stdio (cli/lsp.cpp).
int run_lsp(int argc, char** argv);
/// `weft fmt [--check] FILE...`: canonical formatting in place (cli/fmt.cpp).
int run_fmt(int argc, char** argv);
/// `weft serve`: the HTTP server (cli/serve.cpp).
int run_serve(int argc, char** argv);
/// `weft token create|ls|revoke`: API tokens (cli/token.cpp).
int run_token(int argc, char** argv);
/// `weft deploy FILE` against a server (cli/client.cpp).
int run_deploy(int argc, char** argv);
/// `weft start FLOW --input JSON [--idempotency-key K]` (cli/client.cpp).
int run_start(int argc, char** argv);
/// `weft ls [--flow F] [--status S]` (server, or `--data DIR` read-only) (cli/client.cpp).
int run_ls(int argc, char** argv);
/// `weft status ID` (cli/client.cpp).
int run_status(int argc, char** argv);
/// `weft history ID [--json]` (cli/client.cpp).
int run_history(int argc, char** argv);
/// `weft signal ID NAME --data JSON` (cli/client.cpp).
int run_signal(int argc, char** argv);
/// `weft cancel ID` (cli/client.cpp).
int run_cancel(int argc, char** argv);
/// `weft replay ID [--from STEP] [--set STEP=JSON] [--input JSON] [--with FILE]` on a server or
/// in-process on `--data DIR` (cli/replay.cpp).
int run_replay(int argc, char** argv);
/// `weft api diff OLD NEW [--flows DIR]`: changes between two OpenAPI documents (cli/api.cpp).
int run_api(int argc, char** argv);


}  // namespace weft::cli
