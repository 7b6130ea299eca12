// Replaces secret values with "***" in text and JSON. Used by the connectors' logging and
// exported for the runtime's history writer. Thread-safe.
#pragma once
#include <boost/json/value.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace weft::connectors {

/// A set of secret strings and the function that hides them.
class Redactor {
 public:
  /// The replacement text.
  static constexpr std::string_view mask = "***";

  /// Adds a secret; values shorter than 4 characters are ignored (they would mask ordinary text).
  void add(std::string_view secret);
  /// Adds every secret of `other`.
  void add_all(const Redactor& other);
  /// `text` with every occurrence of every secret replaced by "***" (longest secrets first).
  std::string redact(std::string_view text) const;
  /// `value` with every string (object keys excluded) redacted, recursively.
  boost::json::value redact_json(const boost::json::value& value) const;
  /// How many secrets are known.
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> secrets_;  // sorted longest first
};

}  // namespace weft::connectors
