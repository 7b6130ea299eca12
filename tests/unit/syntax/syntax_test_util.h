// Helpers shared by the syntax unit tests.
#pragma once
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "compiler/ast/dump.h"
#include "compiler/diagnostics/render.h"
#include "compiler/syntax/parse.h"

namespace weft::syntax::testing {

/// Parses `text` as the file `test.flow`; the source stays alive with the result.
inline ParseResult parse_text(const std::string& text, unsigned max_depth = 256) {
  auto src = std::make_shared<diagnostics::SourceFile>("test.flow", text);
  return parse(src, max_depth);
}

/// Every diagnostic rendered as text, one after the other.
inline std::string rendered(const ParseResult& r) {
  std::string out;
  for (const auto& d : r.diags.all()) out += diagnostics::render_text(d);
  return out;
}

/// Parses `const X = <expr>` and dumps the expression (empty string on errors).
inline std::string expr_dump(const std::string& expr, bool ranges = false) {
  auto r = parse_text("const X = " + expr + "\n");
  if (r.diags.has_errors() || r.module.decls.size() != 1 || !r.module.decls[0].value) return "ERROR: " + rendered(r);
  return ast::dump(*r.module.decls[0].value, {ranges});
}

/// Parses statements inside a flow and dumps its body (one statement per line, unindented).
inline std::string body_dump(const std::string& stmts) {
  auto r = parse_text("flow f() {\n" + stmts + "\n}\n");
  if (r.diags.has_errors() || r.module.decls.size() != 1 || !r.module.decls[0].body) return "ERROR: " + rendered(r);
  std::string out;
  for (const auto& s : r.module.decls[0].body->stmts) out += ast::dump(*s) + "\n";
  return out;
}

/// A file of the test data folder.
inline std::string read_data(const std::string& name) {
  std::ifstream f(std::string(WEFT_SOURCE_DIR) + "/tests/unit/syntax/data/" + name, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// "line:col" of a byte offset in the result's file.
inline std::string lc(const diagnostics::Range& r) {
  auto p = r.file->line_col(r.begin);
  return std::to_string(p.line) + ":" + std::to_string(p.column);
}

}  // namespace weft::syntax::testing
