// OpenAPI documents → the shapes compiler/apidiff/diff.h compares, and the whole `weft api diff`
// comparison of two files.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "compiler/apidiff/diff.h"
#include "compiler/openapi/document.h"
#include "compiler/sema/check.h"
#include "compiler/sema/openapi_types.h"

namespace weft::apidiff {

/// The operations of a document that flows can call (those with an operationId), with the types
/// their path and query parameters, JSON request body and 2xx JSON response map to in `types`.
std::vector<OperationShape> shapes_of(const openapi::Document& doc, sema::SchemaTypes& types);

/// Reads and loads both documents through `loader` (refs to other files too) and diffs them.
/// nullopt when either cannot be read or is not a valid document; `error` then has one line per
/// problem, `file:line:column: message`.
std::optional<std::vector<Change>> diff_files(const std::string& before, const std::string& after, sema::Loader& loader,
                                              std::string& error);

}  // namespace weft::apidiff
