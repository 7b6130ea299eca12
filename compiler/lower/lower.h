// Lowering: a checked program → an IR module. The root file's types, consts, fns, connections
// and flows are lowered, plus every imported declaration they use (named `alias.name`).
//
// What lowering decides:
//  - names become slots (flow/fn locals), ctx names (trigger scope) or folded constants;
//  - stdlib calls get positional arguments (named ones placed at their parameter; gaps are null);
//    module fn calls get every argument (defaults filled in); `a.f(x)` becomes `f(a, x)`;
//  - constructor calls in settings become tagged objects: auth (`{kind: "bearer", token}`),
//    webhook verify rules (`{kind: "hmac_sha256", header, secret, ...}`) and retry backoff
//    (`{kind: "exponential", initial, factor, max}`, `{kind: "fixed", delay}`); retry `on: [timeout]`
//    becomes a list of strings;
//  - the checker's json→T points become Check nodes; constant sub-expressions are folded;
//  - `if / else if` chains become one choice; a switch subject is stored in a temp slot.
#pragma once
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/sema/check.h"

namespace weft::lower {

/// What lowering gives: the module and any constructs it could not lower.
struct LowerResult {
  ir::Module module;
  /// "file:line:col: message" for constructs the checker should have rejected (normally empty).
  std::vector<std::string> errors;
};

/// Lowers a checked program. Call it only when the program has no errors; never throws.
LowerResult lower(const sema::CheckedProgram& program);

/// Folds constant sub-expressions of `e` (literals, arithmetic on constants, deterministic stdlib
/// calls on constants); returns `e` itself when nothing folds.
ir::ExprPtr fold(const ir::ExprPtr& e);

}  // namespace weft::lower
