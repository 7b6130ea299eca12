// Internal to compiler/openapi: one document file (JSON or YAML) as a Boost.JSON value, with the
// line:column of the places errors and the language server point at.
#pragma once
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "compiler/openapi/document.h"

namespace weft::openapi::detail {

/// One parsed file: its value and a way to find places in its text.
struct ParsedFile {
  std::string path;            ///< as read
  std::string owned;           ///< the text when this file owns it (files a `$ref` read)
  std::string_view text;       ///< the text (positions are found in it on demand); outlives loading
  bool yaml = false;           ///< parsed as YAML
  /// Owns the memory of `root` (one arena: fast to fill, freed at once).
  std::unique_ptr<boost::json::monotonic_resource> arena = std::make_unique<boost::json::monotonic_resource>();
  boost::json::value root;     ///< the content
  std::vector<uint32_t> line_starts;  ///< byte offset of each line (built on first use)
  /// "key\x1fvalue" of `operationId`s and `$ref`s, "\x1f/path" of path keys → its place (YAML: all
  /// filled while parsing; JSON: filled per key on first use by index()).
  std::unordered_map<std::string, Position> marks;
  std::unordered_set<std::string> indexed;  ///< JSON: the keys index() has scanned for

  /// JSON: records the place of every `"key": "value"` (empty key: every `"/...":` object key).
  void index(std::string_view key);

  /// The line:column of a byte offset.
  Position at(size_t offset);
  /// Where `"key": "value"` (JSON) or `key: value` (YAML) is written (the value's place); an
  /// invalid position when it cannot be found.
  Position find(std::string_view key, std::string_view value);
  /// Where the object key `key` is written (the first time), or an invalid position.
  Position find_key(std::string_view key);
};

/// Parses a file; false with `error` (and its place) on a syntax error.
bool parse_file(ParsedFile& f, DocumentError& error);

}  // namespace weft::openapi::detail
