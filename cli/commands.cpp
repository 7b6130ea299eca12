#include "cli/commands.h"

namespace weft::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"check", "parse and type-check files, print diagnostics", run_check},
      {"compile", "compile a module's flows to state-machine graphs (.wfc)", run_compile},
      {"graph", "draw a flow's state machine (dot, mermaid, svg)", run_graph},
      {"fmt", "rewrite files in the canonical formatting (--check: list files that would change)", run_fmt},
      {"test", "run the files' test blocks with mocks and a test clock (--filter, --format junit)", run_test},
      {"run", "run one execution in-process on the embedded store", run_run},
      {"secret", "store secrets encrypted (set NAME from stdin, ls, rm)", run_secret},
      {"backup", "copy a data directory consistently while it is in use (--to DIR)", run_backup},
      {"migrate", "copy an LMDB data directory into PostgreSQL (--from DIR --to postgres://...)", run_migrate},
      {"lsp", "the language server on stdio", run_lsp},
      {"serve", "the HTTP server: JSON API, webhooks, /metrics", run_serve},
      {"token", "API tokens (create prints one once, ls, revoke)", run_token},
      {"deploy", "deploy a .flow module to a server", run_deploy},
      {"start", "start an execution on a server", run_start},
      {"ls", "list executions (server, or --data DIR)", run_ls},
      {"status", "show an execution with its output or error", run_status},
      {"history", "an execution's history as a timeline (--json)", run_history},
      {"signal", "send a signal to an execution", run_signal},
      {"cancel", "cancel an execution", run_cancel},
      {"api", "compare two versions of an OpenAPI document (diff OLD NEW [--flows DIR])", run_api},
      {"replay", "resume a failed, cancelled or paused execution from its checkpoint", run_replay},
  };
  return all;
}

}  // namespace weft::cli
