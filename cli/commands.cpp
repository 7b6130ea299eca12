#include "cli/commands.h"

namespace weft::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
  };
  return all;
}

}  // namespace weft::cli
