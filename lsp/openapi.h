// OpenAPI connections in the editor: the document behind `connection gh = openapi { spec: ... }`,
// kept across edits (loaded through the compiler's content-hash cache, the file read again only when
// its size or modification time changes), and what completion, hover and go-to-definition show
// for its operations.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/openapi/document.h"
#include "compiler/sema/checked.h"
#include "lsp/features.h"

namespace weft::lsp {

/// The loaded document of an `openapi` connection symbol (null for other connections, a spec that
/// is not a plain string, or a document that does not load).
std::shared_ptr<const openapi::Document> connection_document(const sema::Symbol& connection);

/// The document at `path` (read, through DiskTexts, and looked up in the compiler's content-hash
/// cache only when its size or modification time changed since the last call), or null when it
/// cannot be read or loaded. Thread-safe.
std::shared_ptr<const openapi::Document> spec_document(const std::string& path);

/// How many times spec_document() loaded a document (for tests: edits must not load it again).
uint64_t spec_reads();

/// `GET /repos/{owner}/{repo}` and the parameters as `owner: string, per_page?: int`.
std::string operation_signature(const openapi::Operation& op);

/// Completion entries for the operations of a document (method name, `GET /path` detail, summary).
void add_operations(std::vector<CompletionEntry>& out, const openapi::Document& doc);

/// Completion entries for the named arguments of an operation not yet written (`owner: `), then
/// `body: ` when it takes one, `headers: ` and `accept_status: `.
void add_arguments(std::vector<CompletionEntry>& out, const openapi::Operation& op, const std::vector<std::string>& written);

/// Hover markdown for an operation: `gh.repos_get(owner: string, ...)`, the summary, HTTP method
/// and path, and each parameter with its description.
std::string operation_hover(const std::string& connection, const openapi::Operation& op);

/// A place in a file that is not a `.flow` source (the OpenAPI document): 0-based line and column.
struct FileLocation {
  std::string path;
  uint32_t line = 0;
  uint32_t column = 0;
};

/// Go-to-definition on an operation method of an `openapi` connection (`gh.repos_get` in a call or
/// a mock): the operation in the document; nullopt anywhere else.
std::optional<FileLocation> operation_definition(const Analysis& a, uint32_t offset);

/// The operation called at `offset` when it is on the method name of `conn.method(...)` (the
/// connection's name, the operation and the name's byte range), else nullopt.
struct OperationAt {
  std::string connection;
  std::shared_ptr<const openapi::Document> document;
  const openapi::Operation* operation = nullptr;
  uint32_t begin = 0, end = 0;
};
std::optional<OperationAt> operation_at(const Analysis& a, uint32_t offset);

}  // namespace weft::lsp
