// A stable, readable text form of the IR for golden tests, `weft compile --dump` and debugging.
// Slots print as `$name` (`$name#2` for a second slot of the same name), module fns as
// `@name(...)`, trigger-scope names as `ctx.name`, runtime checks as `check<T>(x, "root")`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"

namespace weft::ir {

/// A type in source-like syntax: `{a: string, b?: [int]}`, `"x" | "y"`, `Contact?` (also in the
/// evaluator's type-check errors). A list, map or optional without its argument prints it as `json`.
std::string type_text(const Type& t);
/// An expression in source-like syntax with minimal parentheses, slots named from `slots`.
std::string expr_text(const ExprPtr& e, const std::vector<Slot>& slots);
/// expr_text for people: slots and trigger names bare (`order.id`, `body`), fns without `@`.
std::string expr_label(const ExprPtr& e, const std::vector<Slot>& slots);
/// A duration in milliseconds as the language writes it: 90000 → "1m30s", 250 → "250ms".
std::string duration_text(int64_t ms);
/// duration_text of a constant integer expression, else expr_text.
std::string duration_or_expr(const ExprPtr& e, const std::vector<Slot>& slots);
/// One flow: header, triggers, options, then its nodes region by region, indented.
std::string dump(const Flow& f);
/// The whole module: types, consts, fns, connections, flows (each flow as dump(flow)).
std::string dump(const Module& m);

}  // namespace weft::ir
