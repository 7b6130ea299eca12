// OpenAPI 3.0 / 3.1 documents as the compiler sees them (docs/openapi.md): the operations, schemas,
// security schemes and servers of one document, read from JSON (Boost.JSON) or YAML (yaml-cpp),
// with local `$ref`s (`#/components/...`) and refs to other local files resolved. The checker maps
// schemas to Weft types (compiler/sema/openapi_types.h); the language server and `weft api diff` read
// this model directly. No I/O here: other files are read through a Reader (the driver's resolver).
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace weft::openapi {

/// A place in a document: 1-based line and column (0 = unknown), and the file it is in.
struct Position {
  std::string file;     ///< the document's path (or the other file a `$ref` led to)
  uint32_t line = 0;    ///< 1-based; 0 when unknown
  uint32_t column = 0;  ///< 1-based, in bytes
  /// True when the line is known.
  bool valid() const { return line > 0; }
};

/// One schema object, with its `$ref`s resolved (the graph may be cyclic: a recursive schema
/// refers to itself through `properties`, `items`, ...).
struct Schema {
  /// The `type` keyword (3.1 type arrays: the one non-null member; several → Any).
  enum class Type { Any, Object, Array, String, Integer, Number, Boolean, Null };
  /// An object property.
  struct Property {
    std::string name;               ///< property name
    const Schema* schema = nullptr; ///< its schema (never null)
    bool required = false;          ///< listed in `required`
  };
  Type type = Type::Any;                   ///< the declared type (Any when absent and not implied)
  bool nullable = false;                   ///< `nullable: true` (3.0) or `"null"` in a type array (3.1)
  std::vector<std::string> enum_values;    ///< string `enum` values (empty when none or not all strings)
  std::vector<Property> properties;        ///< `properties`, in document order
  std::vector<std::string> required;       ///< `required` as written (may name properties of `allOf` members)
  const Schema* items = nullptr;           ///< `items` of an array
  const Schema* additional = nullptr;      ///< `additionalProperties` when it is a schema (or `true`: an Any schema)
  std::vector<const Schema*> all_of;       ///< `allOf` members
  std::vector<const Schema*> one_of;       ///< `oneOf` members
  std::vector<const Schema*> any_of;       ///< `anyOf` members
  std::string name;                        ///< the component name for `#/components/schemas/<name>`, else ""
  std::string description;                 ///< `description` (or `title` when there is none)
  std::string format;                      ///< `format` (does not change the Weft type)
  Position pos;                            ///< unused for now (line 0): only operations and errors carry places

  /// The property called `n`, or null.
  const Property* property(std::string_view n) const;
};

/// A parameter of an operation (path-level parameters merged in; `in: header` and `cookie` kept too).
struct Parameter {
  std::string name;                ///< as in the document
  std::string in;                  ///< "path", "query", "header" or "cookie"
  bool required = false;           ///< path parameters are always required
  const Schema* schema = nullptr;  ///< its schema (an Any schema when the document has none)
  std::string description;         ///< `description`
};

/// One operation (`paths./x.get`).
struct Operation {
  std::string operation_id;               ///< `operationId` ("" when absent: such operations get no method)
  std::string method_name;                ///< the Weft method: operation_id with non-identifier characters → `_`
  std::string http_method;                ///< lower case: get, put, post, delete, options, head, patch, trace
  std::string path;                       ///< the path template, `/repos/{owner}/{repo}`
  std::string summary;                    ///< `summary`
  std::string description;                ///< `description`
  bool deprecated = false;                ///< `deprecated: true`
  std::vector<Parameter> parameters;      ///< path, query, header and cookie parameters
  const Schema* request_body = nullptr;   ///< the JSON request body schema (null when none)
  bool body_required = false;             ///< `requestBody.required`
  std::string request_content_type;       ///< the media type `request_body` came from
  const Schema* response = nullptr;       ///< the first 2xx response's JSON schema (null: no JSON body)
  int response_status = 0;                ///< that response's status (200, 201, ...; 0 when none)
  /// Security requirements: alternatives, each a list of scheme names that must all hold; an empty
  /// alternative means "no auth needed". Inherited from the document when the operation sets none.
  std::vector<std::vector<std::string>> security;
  Position pos;                           ///< where the operation is written (its `operationId`, else the method key)

  /// The parameter with this name and location (`in` empty: any location), or null.
  const Parameter* parameter(std::string_view name, std::string_view in = {}) const;
};

/// A `components.securitySchemes` entry.
struct SecurityScheme {
  std::string name;        ///< its key
  std::string type;        ///< "http", "apiKey", "oauth2", "openIdConnect", "mutualTLS"
  std::string scheme;      ///< http: "basic", "bearer", ... (lower case)
  std::string in;          ///< apiKey: "header", "query", "cookie"
  std::string param_name;  ///< apiKey: the header or query parameter name
  /// The Weft auth constructors that satisfy it: `bearer`, `basic`, `api_key`, `oauth2_client_credentials`.
  std::vector<std::string> auth_kinds;
};

/// A parsed and resolved document. Immutable once loaded; shared between checks.
struct Document {
  std::string path;                                   ///< as given to load_document
  std::string openapi;                                ///< the `openapi` version string ("3.0.3", "3.1.0")
  std::string title;                                  ///< `info.title`
  std::string version;                                ///< `info.version`
  std::vector<std::string> servers;                   ///< `servers[].url`, in order (variables substituted by their defaults)
  std::vector<Operation> operations;                  ///< in document order
  std::map<std::string, const Schema*> schemas;       ///< `components.schemas` by name
  std::map<std::string, SecurityScheme> security_schemes;  ///< `components.securitySchemes` by name
  std::vector<std::vector<std::string>> security;     ///< the document-level `security`
  std::deque<Schema> schema_store;                    ///< owns every schema

  /// The operation whose Weft method name is `method_name`, or null.
  const Operation* find_operation(std::string_view method_name) const;
  /// The operation for an HTTP method and a path: a template as written (`/contacts/{id}`) or a
  /// concrete path (`/contacts/42`, each `{param}` segment matching one segment); null when none.
  const Operation* find_path(std::string_view http_method, std::string_view path) const;
  /// True when some operation has this path template (or matches this concrete path) with any method.
  bool has_path(std::string_view path) const;
  /// Every Weft method name, in document order.
  std::vector<std::string> method_names() const;
  /// Every path template, each once, in document order.
  std::vector<std::string> paths() const;

 private:
  friend class Builder;
  std::unordered_map<std::string, size_t> by_method_;  // method_name → index in operations
};

/// Why a document could not be used, with the place in it when there is one.
struct DocumentError {
  Position pos;         ///< the document (or referenced file) and line:column, when known
  std::string message;  ///< e.g. "expected `,` or `}`", "unresolved $ref `#/components/schemas/X`"
  /// "file:line:column: message" (or "file: message" without a line).
  std::string to_string() const;
};

/// What loading a document gives: a document, or the errors that kept it from loading.
struct LoadResult {
  std::shared_ptr<const Document> document;  ///< null when errors made it unusable
  std::vector<DocumentError> errors;         ///< why (empty when `document` is set)
  /// Other files the document's `$ref`s read, with their texts (the cache checks them again).
  std::vector<std::pair<std::string, std::string>> dependencies;
  /// True when the document loaded.
  bool ok() const { return document != nullptr; }
};

/// Reads another file a `$ref` names (path already resolved against the referring file); false
/// with `error` set when it cannot.
using Reader = std::function<bool(const std::string& path, std::string& text, std::string& error)>;

/// Parses and resolves a document held in memory: JSON when its first non-blank character is `{`,
/// else YAML. `path` names it in errors and anchors refs to other files, read through `reader` (no
/// reader: such refs are errors). Never throws on bad input.
LoadResult load_document(const std::string& path, std::string_view text, const Reader& reader = {});

/// The Weft method name for an operationId: every character that cannot stand in an identifier
/// becomes `_` (`repos/get` → `repos_get`; a leading digit gets a `_` prefix).
std::string method_name(std::string_view operation_id);

/// Loaded documents by content hash (SHA-256 of the text, plus the path), so checking many flows
/// against one document parses it once. An entry whose `$ref`'d files changed is loaded again.
/// Thread-safe.
class DocumentCache {
 public:
  /// How often the cache answered from memory or loaded.
  struct Stats {
    uint64_t reused = 0;  ///< answered from memory
    uint64_t loaded = 0;  ///< parsed and resolved
  };
  /// The loaded document for this path and text (loads it on a miss).
  std::shared_ptr<const LoadResult> get(const std::string& path, std::string_view text, const Reader& reader = {});
  /// The counters so far.
  Stats stats() const;
  /// Drops every entry.
  void clear();
  /// The process-wide cache the checker uses.
  static DocumentCache& shared();

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const LoadResult>> entries_;
  Stats stats_;
};

}  // namespace weft::openapi
