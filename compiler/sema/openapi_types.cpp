// OpenAPI schemas → Weft types (see openapi_types.h for the rules).
#include "compiler/sema/openapi_types.h"

#include <algorithm>

namespace weft::sema {

using openapi::Schema;

TypeRef SchemaTypes::type_of(const Schema* s) {
  if (!s) return TypeStore::json();
  if (auto it = done_.find(s); it != done_.end()) return it->second;
  if (active_.count(s)) return TypeStore::json();  // a recursive schema: `json` where it recurs
  active_.insert(s);
  TypeRef t = map(s);
  active_.erase(s);
  if (s->nullable) t = store_.optional(t);
  done_[s] = t;
  return t;
}

TypeRef SchemaTypes::merged(const Schema* s) {
  std::vector<Field> fields;
  auto add = [&](const Field& f) {
    auto same = std::find_if(fields.begin(), fields.end(), [&](const Field& g) { return g.name == f.name; });
    if (same == fields.end()) {
      fields.push_back(f);
    } else {
      bool optional = same->optional && f.optional;  // required in any member: required
      *same = f;
      same->optional = optional;
    }
  };
  for (const Schema* m : s->all_of) {
    TypeRef t = strip_optional(type_of(m));
    if (!t || t->kind != Type::Kind::Record) return TypeStore::json();  // not all records: checked at run time
    for (const auto& f : t->fields) add(f);
  }
  for (const auto& p : s->properties) {
    Field f = make_field(p.name, type_of(p.schema), !p.required);
    f.doc = p.schema->description;
    add(f);
  }
  // `required` of the whole or of any member covers the merged fields.
  auto required = [&](const std::string& n) {
    if (std::find(s->required.begin(), s->required.end(), n) != s->required.end()) return true;
    for (const Schema* m : s->all_of)
      if (std::find(m->required.begin(), m->required.end(), n) != m->required.end()) return true;
    return false;
  };
  for (auto& f : fields)
    if (required(f.name)) f.optional = false;
  return store_.record(std::move(fields), s->name);
}

TypeRef SchemaTypes::map(const Schema* s) {
  if (!s->all_of.empty()) return merged(s);
  if (!s->one_of.empty() || !s->any_of.empty()) return TypeStore::json();
  if (!s->enum_values.empty() && (s->type == Schema::Type::String || s->type == Schema::Type::Any)) {
    std::vector<TypeRef> members;
    for (const auto& v : s->enum_values) members.push_back(store_.literal(v));
    return store_.union_of(members);
  }
  switch (s->type) {
    case Schema::Type::String: return TypeStore::string();
    case Schema::Type::Integer: return TypeStore::int_();
    case Schema::Type::Number: return TypeStore::float_();
    case Schema::Type::Boolean: return TypeStore::bool_();
    case Schema::Type::Null: return TypeStore::null();
    case Schema::Type::Array: return store_.list(type_of(s->items));
    case Schema::Type::Object: {
      if (s->properties.empty())
        return s->additional ? store_.map(type_of(s->additional)) : TypeStore::json();
      std::vector<Field> fields;
      for (const auto& p : s->properties) {
        Field f = make_field(p.name, type_of(p.schema), !p.required);
        f.doc = p.schema->description;
        fields.push_back(std::move(f));
      }
      return store_.record(std::move(fields), s->name);
    }
    case Schema::Type::Any: return TypeStore::json();
  }
  return TypeStore::json();
}

TypeRef SchemaTypes::parameters_of(const openapi::Operation& op) {
  std::vector<Field> fields;
  for (const auto& p : op.parameters) {
    if (p.in != "path" && p.in != "query") continue;
    Field f = make_field(p.name, type_of(p.schema), !p.required);
    f.doc = p.description;
    fields.push_back(std::move(f));
  }
  return store_.record(std::move(fields));
}

}  // namespace weft::sema
