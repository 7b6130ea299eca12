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

struct TestStmt;

/// `catch [kind] [as e] [where cond] { ... }` in a test.
struct TestCatch {
  std::string kind;             ///< "" catches every kind
  int slot = -1;                ///< the `as` name's slot, or -1
  ir::ExprPtr where;            ///< the condition, or null
  std::vector<TestStmt> body;   ///< the handler
};

/// One statement of a test block, its expressions lowered to IR (evaluated by engine/eval in the
/// test's slots). `run`/`start`/`await` anywhere in an expression become statements of their own
/// that fill a temporary slot, placed before the statement that uses them.
struct TestStmt {
  enum class Kind {
    Let,      ///< slot = value
    Run,      ///< slot = output of flow `flow` run to its end with input `value`
    Start,    ///< slot = handle of flow `flow` started with input `value`
    Await,    ///< slot = output of the execution whose handle is `value`
    Signal,   ///< signal `name` with `payload` (may be null) to the handle `value`
    Advance,  ///< move the test clock by `value` (a duration)
    Mock,     ///< `mock connection.method(path) [where where] => response | fails_with`
    Expect,   ///< `expect value`; text and operands describe it when it is false
    Fail,     ///< `fail value` (fails the test at once)
    Try,      ///< body, catches
    If,       ///< value ? body : else_body
  };
  Kind kind = Kind::Let;
  int line = 0;                 ///< 1-based line of the statement in the test's file
  int column = 0;               ///< 1-based column
  int slot = -1;                ///< Let/Run/Start/Await: the slot receiving the value (-1: none)
  ir::ExprPtr value;            ///< see the kinds
  ir::ExprPtr payload;          ///< Signal
  std::string flow;             ///< Run/Start: the flow's (qualified) name
  std::string name;             ///< Signal: the signal; Mock: the connection's (qualified) name
  std::string method;           ///< Mock: get, post, put, patch or delete
  ir::ExprPtr path;             ///< Mock: the path pattern (`*` matches one segment)
  ir::ExprPtr where;            ///< Mock: the request condition over ctx `body`, `query`, `headers`
  ir::ExprPtr response;         ///< Mock: a response object or a list of them
  std::string fails_with;       ///< Mock: "timeout" or "connection_error" instead of a response
  std::string text;             ///< Expect: the condition as written
  /// Expect: the operands worth showing when it fails (text as written, expression).
  std::vector<std::pair<std::string, ir::ExprPtr>> operands;
  std::vector<TestStmt> body;       ///< Try: the body; If: the then-branch
  std::vector<TestStmt> else_body;  ///< If: the else-branch
  std::vector<TestCatch> catches;   ///< Try
};

/// A `test "name" { ... }` block of the root file, lowered. In its expressions, `calls(c.m)` reads
/// ctx `$calls` (an object: "connection.method" → list of calls) and `emitted(n)` reads ctx
/// `$emitted` (event name → list of payloads); the runner fills both.
struct TestCase {
  std::string name;              ///< the title
  std::string file;              ///< the file's path
  int line = 0;                  ///< 1-based line of `test`
  std::vector<ir::Slot> slots;   ///< the test's local names and temporaries
  std::vector<TestStmt> body;    ///< its statements
};

/// What lowering gives: the module and any constructs it could not lower.
struct LowerResult {
  ir::Module module;
  /// The root file's test blocks (their flows, fns and connections are in `module`).
  std::vector<TestCase> tests;
  /// "file:line:col: message" for constructs the checker should have rejected (normally empty).
  std::vector<std::string> errors;
};

/// Lowers a checked program. Call it only when the program has no errors; never throws.
LowerResult lower(const sema::CheckedProgram& program);

/// Folds constant sub-expressions of `e` (literals, arithmetic on constants, deterministic stdlib
/// calls on constants); returns `e` itself when nothing folds.
ir::ExprPtr fold(const ir::ExprPtr& e);

}  // namespace weft::lower
