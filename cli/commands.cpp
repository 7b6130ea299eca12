#include "cli/commands.h"

namespace weft::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"lsp", "the language server on stdio", run_lsp},
  };
  return all;
}

}  // namespace weft::cli
