// weft — the command-line entry point: dispatches to one function per subcommand.
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/commands.h"

namespace {

void usage(std::ostream& out) {
  out << "usage: weft <command> [args]\n\ncommands:\n";
  for (const auto& c : weft::cli::commands()) out << "  " << c.name << "\t" << c.summary << "\n";
  out << "\nrun `weft <command> --help` for a command's options\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::cout << "weft " << WEFT_VERSION << "\n";
    return 0;
  }
  for (const auto& c : weft::cli::commands())
    if (c.name == cmd) {
      try {
        return c.run(argc - 2, argv + 2);
      } catch (const std::exception& e) {
        std::cerr << "weft " << cmd << ": " << e.what() << "\n";
        return 2;
      }
    }
  std::cerr << "weft: unknown command `" << cmd << "`\n";
  usage(std::cerr);
  return 2;
}
