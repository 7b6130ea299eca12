// Formatting files on disk: what `weft fmt [--check] FILE...` does once its arguments are parsed.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace weft::format {

/// Formats each file in place (rewriting only files that change, through a temporary file and a
/// rename that keeps permissions; symlinks are followed). With `check`, writes nothing and prints
/// on `out` the path of each file that would change. A file with syntax errors is left alone and
/// its diagnostics (text form) go to `err`, as do I/O errors.
/// Returns 0 when nothing changed or would change, 1 when a file would change (check) or has syntax
/// errors, 2 on an I/O error.
int format_files(const std::vector<std::string>& files, bool check, std::ostream& out, std::ostream& err,
                 bool color = false);

}  // namespace weft::format
