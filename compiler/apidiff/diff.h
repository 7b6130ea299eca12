// `weft api diff`: the changes between two versions of an OpenAPI document, judged by what they do
// to flows. Operations are compared through the Weft types their parameters, request body and 2xx
// response map to (docs/design-language.md §4), so "retyped" means "a flow would see another type".
#pragma once
#include <string>
#include <vector>

#include "compiler/sema/types.h"

namespace weft::apidiff {

/// A parameter of an operation as a flow passes it (a named argument).
struct ParamShape {
  std::string name;
  std::string in;  ///< "path" | "query" | "header" | "cookie"
  bool required = false;
  sema::TypeRef type = nullptr;
};

/// An operation as flows see it: a method with named arguments, a body and a typed result.
struct OperationShape {
  std::string name;         ///< the method identifier (`repos_get`)
  std::string http_method;  ///< upper case (`GET`)
  std::string path;         ///< `/repos/{owner}/{repo}`
  std::vector<ParamShape> params;
  sema::TypeRef request = nullptr;  ///< the JSON request body's type; null when the operation takes none
  bool request_required = false;    ///< the body must be given
  sema::TypeRef response = nullptr; ///< the 2xx JSON response's type; null when there is none
};

/// One difference between two versions.
struct Change {
  bool breaking = false;
  std::string operation;  ///< the method identifier it concerns
  std::string text;       ///< what changed, e.g. "response field `owner.login` removed"
};

/// The changes from `before` to `after`: breaking ones first, then by operation, then by text.
/// Breaking: a removed operation, a changed method or path, a removed parameter, a parameter that
/// became required or a new required one, a removed or newly required request field, a removed
/// response field, a field or parameter whose type no longer fits (request: the old type must fit
/// the new one; response: the new type must fit the old one, so `T` → `T?` is breaking), a removed
/// enum value. Safe: added operations, optional parameters and fields, response fields, enum values.
std::vector<Change> diff(const std::vector<OperationShape>& before, const std::vector<OperationShape>& after);

/// One line: `breaking: repos_get: response field `owner.login` removed`.
std::string render(const Change& c);

}  // namespace weft::apidiff
