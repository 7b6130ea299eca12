// Drawing a flow's state machine: Graphviz DOT, Mermaid flowcharts and a JSON nodes/edges graph.
// Steps are labelled by name (and their connection call or child flow); choice edges carry the
// branch condition or case values; catch edges are dashed; compensation edges are dotted and red;
// loop bodies, parallel branches, try bodies and catch handlers are clusters (subgraphs).
#pragma once
#include <string>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"

namespace weft::ir {

/// A Graphviz `digraph` (render with `dot -Tsvg`).
std::string to_dot(const Flow& f);
/// A Mermaid `flowchart TD`.
std::string to_mermaid(const Flow& f);
/// The same graph as JSON for a renderer that lays it out itself (the web console):
/// `{nodes: [{id, step, label, shape, cluster}], edges: [{from, to, label, style}], clusters: [{label, parent}]}`;
/// `step` is the IR node id (what history events name) or null for start, end and undo vertices.
boost::json::value to_graph_json(const Flow& f);

}  // namespace weft::ir
