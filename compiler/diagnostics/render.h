// Renderers for diagnostics: the text form of docs/design-language.md §11 and JSON lines.
#pragma once
#include <string>

#include <boost/json/value.hpp>

#include "compiler/diagnostics/diagnostic.h"

namespace weft::diagnostics {

/// The human form: `error[E0310]: msg`, `  --> file:line:col`, source line, caret underline, notes.
std::string render_text(const Diagnostic& d, bool color = false);
/// One JSON object: {code, severity, file, range:{start:{line,column},end:{...}}, message, label, notes, fix}.
boost::json::value to_json(const Diagnostic& d);
/// to_json serialised on one line (no trailing newline).
std::string render_json_line(const Diagnostic& d);

}  // namespace weft::diagnostics
