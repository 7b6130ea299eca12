// `weft lsp`: the language server on stdio (JSON-RPC with Content-Length framing).
#include <cstring>
#include <iostream>

#include "lsp/server.h"

namespace weft::cli {

int run_lsp(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << "usage: weft lsp [--stdio]\n\n"
                   "Runs the Weft language server over stdin/stdout (LSP 3.17, UTF-16 positions).\n"
                   "Editors start it as a subprocess; see docs/editors.md.\n";
      return 0;
    }
    if (std::strcmp(argv[i], "--stdio") != 0) {
      std::cerr << "weft lsp: unknown option `" << argv[i] << "`\n";
      return 2;
    }
  }
  std::ios::sync_with_stdio(false);
  return lsp::serve(std::cin, std::cout);
}

}  // namespace weft::cli
