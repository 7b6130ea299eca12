// The parser: source text → AST + syntax diagnostics. The only public face of ANTLR's output.
#pragma once
#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"

namespace weft::syntax {

struct ParseResult {
  ast::Module module;       ///< as much of the module as could be recovered
  diagnostics::Bag diags;   ///< syntax errors (E00xx)
};

/// Parses one file. Never throws; never prints. Nesting deeper than max_depth is an E0006 error.
ParseResult parse(diagnostics::SourcePtr source, unsigned max_depth = 256);

}  // namespace weft::syntax
