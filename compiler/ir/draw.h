// Drawing a flow's state machine: Graphviz DOT and Mermaid flowcharts.
// Steps are labelled by name (and their connection call or child flow); choice edges carry the
// branch condition or case values; catch edges are dashed; compensation edges are dotted and red;
// loop bodies, parallel branches, try bodies and catch handlers are clusters (subgraphs).
#pragma once
#include <string>

#include "compiler/ir/ir.h"

namespace weft::ir {

/// A Graphviz `digraph` (render with `dot -Tsvg`).
std::string to_dot(const Flow& f);
/// A Mermaid `flowchart TD`.
std::string to_mermaid(const Flow& f);

}  // namespace weft::ir
