// Small AST queries the editor features need: every expression, and the expressions around an offset.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/ast/ast.h"

namespace weft::lsp {

/// Calls `f` for every expression of the module, parents before children.
void for_each_expr(const ast::Module& m, const std::function<void(const ast::Expr&)>& f);
/// The expressions whose range contains `offset`, outermost first.
std::vector<const ast::Expr*> exprs_at(const ast::Module& m, uint32_t offset);
/// The statements whose range contains `offset`, outermost first.
std::vector<const ast::Stmt*> stmts_at(const ast::Module& m, uint32_t offset);
/// The top-level declaration containing `offset`, or null.
const ast::Decl* decl_at(const ast::Module& m, uint32_t offset);

}  // namespace weft::lsp
