// The formatter: a parsed module → its canonical text (2-space indentation, one declaration per
// blank-line-separated block, settings and record fields one per line, short literals on one line,
// long ones one entry per line with trailing commas). Every comment is kept at its place; literals
// keep their source text; the result parses to the same AST and formatting it again changes nothing.
#pragma once
#include <cstdint>
#include <string>

#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"

namespace weft::format {

/// Maximum line width the formatter aims for (lines only go over it when nothing can break).
constexpr int kMaxWidth = 100;

/// The canonical text of a module parsed without syntax errors (m.source must be set: literals are
/// re-emitted from it). Never throws on such a module.
std::string format(const ast::Module& m);

/// What format_source produced: the formatted text, or the syntax diagnostics that stopped it.
struct FormatResult {
  bool ok = false;          ///< the source parsed; `text` holds the formatted text
  std::string text;         ///< formatted text (when ok)
  diagnostics::Bag diags;   ///< syntax diagnostics (errors when !ok; may hold warnings otherwise)
  diagnostics::SourcePtr source;  ///< the parsed source, kept alive for the diagnostics' ranges
  uint32_t begin = 0;       ///< (when ok) `text` replaces the source bytes [begin, end): all of
  uint32_t end = 0;         ///< them for format_source, the touched declarations for format_range
};

/// Parses `source` and formats it; a file with syntax errors is not formatted (ok = false).
FormatResult format_source(diagnostics::SourcePtr source);

/// Formats only the top-level declarations that the source bytes [begin, end] touch, each with its
/// comments and the blank space before it (the first one: from the start of the text; the last
/// one of the file: to its end), exactly as format_source formats them; the rest of the text is
/// left as it is. A range over blank space alone touches nothing (an empty replacement at
/// `begin`). A source with syntax errors is not formatted (ok = false).
FormatResult format_range(diagnostics::SourcePtr source, uint32_t begin, uint32_t end);

}  // namespace weft::format
