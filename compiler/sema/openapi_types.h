// OpenAPI schemas → Weft types, exactly as docs/design-language.md §4 lists: `object` → record
// (fields in `required` required, the others optional), string `enum` → string-literal union,
// `nullable: true` or a `"null"` type → `T?`, `array` → list, `additionalProperties: S` → `map<S>`,
// `allOf` → the merged record, `integer` → int, `number` → float, `string` → string, `boolean` →
// bool, `oneOf`/`anyOf` and anything else → `json`. A schema reached again while it is being mapped
// (a recursive schema) becomes `json` at that point. Mapping is lazy: only the schemas a flow
// reaches are mapped, each once per TypeStore.
#pragma once
#include <unordered_map>
#include <unordered_set>

#include "compiler/openapi/document.h"
#include "compiler/sema/types.h"

namespace weft::sema {

/// Maps schemas to types allocated in one TypeStore, memoised by schema.
class SchemaTypes {
 public:
  /// Types go into `store`, which must outlive this mapper.
  explicit SchemaTypes(TypeStore& store) : store_(store) {}
  /// The Weft type of a schema (`json` for null).
  TypeRef type_of(const openapi::Schema* schema);
  /// The record of an operation's named arguments: path and query parameters (required ones
  /// required) with their types.
  TypeRef parameters_of(const openapi::Operation& op);

 private:
  TypeRef map(const openapi::Schema* s);
  TypeRef merged(const openapi::Schema* s);
  TypeStore& store_;
  std::unordered_map<const openapi::Schema*, TypeRef> done_;
  std::unordered_set<const openapi::Schema*> active_;
};

}  // namespace weft::sema
