// LSP-free editor features over an Analysis. Results are byte offsets into the analysed text
// (or diagnostics::Range for locations that may be in other files).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lsp/workspace.h"

namespace weft::lsp {

/// A foldable region: [begin, end) in bytes; kind is "comment", "imports" or "region".
struct Fold {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string kind;
};

/// Bracket pairs, comment runs, multi-line strings and import groups that span several lines.
std::vector<Fold> folding_ranges(const Analysis& a);

}  // namespace weft::lsp
