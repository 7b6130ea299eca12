// A small JSON Schema (2020-12 subset) validator for the API's own schemas: request bodies are
// checked against the route table's schemas, and tests check real responses against them.
// Keywords: type (a name or a list), properties, required, additionalProperties (bool or schema),
// items, enum, minLength, minimum, maximum, $ref to "#/components/schemas/<name>" (resolved in `root`).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace weft::server {

/// nullopt when `value` fits `schema`, else a message naming the path (`input.n: expected integer`).
std::optional<std::string> validate_schema(const boost::json::value& schema, const boost::json::value& value,
                                           std::string_view path, const boost::json::value* root = nullptr);

}  // namespace weft::server
