// The standard library as the type checker sees it: the shared signature table of
// stdlib/functions parsed into types, plus the checker's own built-ins (`env`, `secret`).
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/sema/types.h"
#include "stdlib/functions/signatures.h"

namespace weft::sema {

/// One overload of a standard-library function.
struct StdFunction {
  std::string name;
  std::vector<FnParam> params;
  TypeRef result = nullptr;
  std::string signature;          ///< as written in the table
  std::string doc;
  bool nondeterministic = false;  ///< now, uuid, random: not allowed in a pure `fn`
  bool sanitizes_secrets = false; ///< crypto functions: a secret argument gives an ordinary result
};

/// A parsed signature table. Owns its types.
class Stdlib {
 public:
  /// Parses `table` plus the built-ins; bad entries are skipped and listed in errors().
  explicit Stdlib(std::span<const functions::Signature> table);
  /// The process-wide instance built from functions::signatures().
  static const Stdlib& get();

  /// The overloads of `name` in table order, or null when it is not a stdlib function.
  const std::vector<StdFunction>* overloads(std::string_view name) const;
  /// Every function name (for "did you mean" and completion).
  const std::vector<std::string>& names() const { return names_; }
  /// Signature lines that failed to parse ("name: message").
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void add(std::string_view signature, std::string_view doc, bool nondeterministic);

  TypeStore store_;
  std::unordered_map<std::string, std::vector<StdFunction>> by_name_;
  std::vector<std::string> names_;
  std::vector<std::string> errors_;
};

}  // namespace weft::sema
