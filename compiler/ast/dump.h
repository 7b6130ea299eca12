// A deterministic S-expression dump of the AST, for tests and debugging.
//
// Expressions print on one line: literals as written in canonical form (`42`, `3.25`, `true`,
// `null`, `"text"`, `5400000ms`), names bare, and every other node as `(head operands...)`:
// `(. x f)`, `(?. x f)`, `(index a i)`, `(call f args...)` / `(call<T> f ...)` with named arguments
// as `name=value`, `(! x)`, `(- x)`, `(+ a b)` (any binary operator), `(? c a b)`,
// `(=> (params...) body)`, `(object (key value) ("quoted" value) (... spread))`, `(list ...)`,
// `(str "text" {expr} ...)` for interpolated strings, `(run call)`, `(start call)`, `(await h)`,
// `(wait-signal "name" [timeout])`.
// Types: `string`, `common.T`, `(list T)`, `(map T)`, `(opt T)`, `(union A B)`, `"lit"`,
// `(record (field name T) (field? name T))`, `(generic Response T)`.
// Statements and declarations print one per line, indented by two spaces per level; a
// declaration's `///` doc comes last as `(doc "...")`, record field docs as `(field-doc name "...")`.
// With ranges on, every node's head is followed by `@line:col-line:col` (identifiers with a
// range of their own print it the same way).
#pragma once
#include <string>

#include "compiler/ast/ast.h"

namespace weft::ast {

/// What to print.
struct DumpOptions {
  bool ranges = false;  ///< append `@l:c-l:c` to every node
};

/// The whole module: one declaration after another, comments excluded.
std::string dump(const Module& m, DumpOptions opt = {});
/// One declaration (multi-line).
std::string dump(const Decl& d, DumpOptions opt = {});
/// One statement (multi-line when it holds blocks).
std::string dump(const Stmt& s, DumpOptions opt = {});
/// One expression, on one line.
std::string dump(const Expr& e, DumpOptions opt = {});
/// One type, on one line.
std::string dump(const TypeExpr& t, DumpOptions opt = {});
/// `@l:c-l:c` for a range ("@?" when it has no file).
std::string dump_range(const Range& r);

}  // namespace weft::ast
