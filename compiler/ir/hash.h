// Flow versions: the SHA-256 (hex) of the canonical form of a flow together with everything it
// depends on (the named types, fns and connections it uses, transitively). Source positions are
// not part of it, so comments and formatting never change a version.
#pragma once
#include <string>
#include <string_view>

#include "compiler/ir/ir.h"

namespace weft::ir {

/// Lower-case hex SHA-256 of bytes (stdlib/functions computes it: one SHA-256 in the project).
std::string sha256_hex(std::string_view bytes);

/// The canonical text that a flow's version hashes:
/// {"format":1,"flow":…,"types":[…],"fns":[…],"connections":[…]} with dependencies sorted by name.
std::string version_input(const Module& m, const Flow& f);

/// The version of a flow of the module.
std::string flow_version(const Module& m, const Flow& f);

/// Names a flow depends on, each list sorted: types, fns, connections, and child flows it runs.
struct Dependencies {
  std::vector<std::string> types, fns, connections, child_flows;
};
Dependencies dependencies(const Module& m, const Flow& f);

}  // namespace weft::ir
