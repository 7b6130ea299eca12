// Diagnostics are data: a stable code, a severity, a primary range, a message, notes and a fix.
// No compiler stage prints; stages return diagnostics and the callers render them.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics/source.h"

namespace weft::diagnostics {

enum class Severity { Error, Warning, Note };

/// Every registered code, from codes.def.
enum class Code {
#define WEFT_DIAG(code, sev, title) code,
#include "compiler/diagnostics/codes.def"
#undef WEFT_DIAG
};

/// Static facts about a code.
struct CodeInfo {
  Code code;
  std::string_view id;     ///< "E0310"
  Severity severity;
  std::string_view title;  ///< short stable summary
};

/// The whole registry, in codes.def order.
const std::vector<CodeInfo>& registry();
/// Facts about one code.
const CodeInfo& info(Code code);
/// Looks a code up by its id ("E0310"); nullopt when unknown.
std::optional<Code> code_from_id(std::string_view id);
std::string_view severity_name(Severity s);

/// A secondary message, optionally pointing at another range.
struct Note {
  std::optional<Range> range;
  std::string message;
};

/// A suggested edit: replace `range` with `replacement`.
struct Fix {
  Range range;
  std::string replacement;
  std::string message;  ///< e.g. "replace with `full_name`"
};

struct Diagnostic {
  Code code;
  Severity severity;
  Range range;
  std::string message;
  std::string label;  ///< text printed after the caret underline (may be empty)
  std::vector<Note> notes;
  std::optional<Fix> fix;
};

/// Collects diagnostics in a stage; never prints.
class Bag {
 public:
  /// Adds a diagnostic with the code's registered severity and returns it for notes/fix.
  Diagnostic& add(Code code, Range range, std::string message, std::string label = {});
  void append(const Bag& other);
  const std::vector<Diagnostic>& all() const { return diags_; }
  std::vector<Diagnostic>& all() { return diags_; }
  bool has_errors() const;
  size_t error_count() const;
  size_t warning_count() const;
  /// Sorts by file, then position, keeping insertion order for ties.
  void sort();

 private:
  std::vector<Diagnostic> diags_;
};

/// "Did you mean" helper: the candidate closest to `name` by edit distance, if close enough.
std::optional<std::string> closest_match(std::string_view name, const std::vector<std::string>& candidates);
/// "Did you mean" by parts: the candidates that `name` contains or that contain `name` (the shorter
/// side at least 3 characters, ignoring case), e.g. `uppercase` and `to_upper` → `upper`,
/// `lenght` → `len`; closest in length first, then alphabetical.
std::vector<std::string> part_matches(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace weft::diagnostics
