// The static types of the .flow language (docs/design-language.md §3): representation, printing in the
// language's own syntax, assignability, joins and type-variable substitution.
// Types are immutable and owned by a TypeStore; they are passed around as `TypeRef` pointers.
#pragma once
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics/source.h"

namespace weft::sema {

struct Type;
struct Symbol;
/// A type is referenced by pointer; the pointee lives in a TypeStore (or is a shared scalar).
using TypeRef = const Type*;

/// A record field: `name: T` or `name?: T`, with its `///` doc and declaration.
struct Field {
  std::string name;
  TypeRef type = nullptr;
  bool optional = false;
  std::string doc;
  diagnostics::Range range;       ///< declaration range of the field name (invalid for built-ins)
  const Symbol* symbol = nullptr;  ///< the field's symbol when declared in a `type` (for navigation)
};

/// A field with no doc or declaration (built-in record types).
inline Field make_field(std::string name, TypeRef type, bool optional = false) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  f.optional = optional;
  return f;
}

/// A parameter of a function type: `name: T`, `name?: T` (may be omitted), `name...: T` (rest).
struct FnParam {
  std::string name;
  TypeRef type = nullptr;
  bool optional = false;
  bool variadic = false;
};

struct Type {
  enum class Kind {
    Unknown,   ///< the type of an erroneous expression: fits everything, silences follow-up errors
    Never,     ///< the element type of `[]`: fits everything
    String, Int, Float, Bool, Duration, Time, Null, Json, Secret,
    Literal,   ///< one string literal, `"crm"` (name = the value)
    List,      ///< `[T]`       args[0]
    Map,       ///< `map<T>`    args[0]
    Optional,  ///< `T?`        args[0]
    Union,     ///< `A | B`     args = members (never nested unions)
    Record,    ///< `{ f: T }` or a named `type` (name set)
    Function,  ///< `(A, B) -> R` params, args[0] = result
    Response,  ///< `Response<T>` args[0] = body type
    Var,       ///< a type variable of a generic stdlib signature (name = "T")
    Handle,    ///< what `start flow(...)` gives in a test; args[0] = the flow's result type
  };
  Kind kind = Kind::Unknown;
  std::string name;
  std::vector<TypeRef> args;
  std::vector<Field> fields;
  std::vector<FnParam> params;

  /// The field called `n`, or null.
  const Field* field(std::string_view n) const;
  /// Element / value / inner / body / result type (args[0]).
  TypeRef arg() const { return args.empty() ? nullptr : args[0]; }
};

/// Owns types. Scalars are process-wide singletons; everything else is allocated here.
/// Thread-compatible: one store per checked program (the stdlib table has its own, built once).
class TypeStore {
 public:
  static TypeRef unknown();
  static TypeRef never();
  static TypeRef string();
  static TypeRef int_();
  static TypeRef float_();
  static TypeRef bool_();
  static TypeRef duration();
  static TypeRef time();
  static TypeRef null();
  static TypeRef json();
  static TypeRef secret();
  /// A scalar by its language name (`string`, `int`, ..., `json`, `secret`), or null.
  static TypeRef scalar(std::string_view name);

  TypeRef literal(std::string value);
  TypeRef list(TypeRef elem);
  TypeRef map(TypeRef value);
  /// `T?`, normalised: `T??` = `T?`, `null?` = `null`, `json?` = `json`.
  TypeRef optional(TypeRef inner);
  /// A union of the members, flattened and deduplicated; one member gives that member.
  TypeRef union_of(const std::vector<TypeRef>& members);
  TypeRef record(std::vector<Field> fields, std::string name = {});
  /// A mutable named record, for declarations whose fields are filled in after creation.
  Type* new_named_record(std::string name);
  TypeRef function(std::vector<FnParam> params, TypeRef result);
  TypeRef response(TypeRef body);
  TypeRef var(std::string name);
  TypeRef handle(TypeRef result);
  /// Adopts a fully built type.
  TypeRef add(Type t);

 private:
  std::deque<Type> types_;
};

/// Prints a type in the language's syntax: `[string]`, `map<int>`, `("a" | "b")?`, `{ id: string }`.
std::string to_string(TypeRef t);

/// Facts gathered while testing assignability.
struct Assign {
  bool dynamic = false;  ///< a `json` value was accepted for a more precise type: needs a runtime check
};

/// Whether a value of type `from` may be used where `to` is expected (docs/design-language.md §3):
/// structural records, int → float, T → T?, null → T?, string literal → string or a union that
/// contains it, secret → string (taint is tracked separately), json ↔ anything (dynamic check).
bool assignable(TypeRef from, TypeRef to, Assign* facts = nullptr);

/// The narrowest type both fit (for list elements, branches of `?:`, `??`): `json` when unrelated.
TypeRef join(TypeStore& store, TypeRef a, TypeRef b);

/// String literals and literal unions widened to `string` (for inferred type variables).
TypeRef widen(TypeRef t);

/// True for `Unknown` (an error was already reported about this value).
inline bool is_unknown(TypeRef t) { return !t || t->kind == Type::Kind::Unknown; }
/// True for string, secret, literals and literal unions.
bool is_stringish(TypeRef t);
/// True for int and float.
bool is_numeric(TypeRef t);
/// True for `T?`, `null` and `json` (values that may be null).
bool is_nullable(TypeRef t);
/// `T` for `T?`, otherwise `t`.
TypeRef strip_optional(TypeRef t);
/// Whether the type mentions a type variable.
bool has_vars(TypeRef t);

/// Type-variable bindings of one generic call.
using Bindings = std::map<std::string, TypeRef>;
/// Replaces bound variables; unbound ones become `json` when `unbound_to_json`, else stay.
TypeRef substitute(TypeStore& store, TypeRef t, const Bindings& b, bool unbound_to_json);
/// Matches an argument type against a (generic) parameter type, extending `b`.
/// Returns false when they cannot fit.
bool unify(TypeStore& store, TypeRef param, TypeRef arg, Bindings& b, Assign* facts = nullptr);

/// Parses a type in the stdlib signature syntax (see stdlib/functions/signatures.h).
/// Single upper-case letters are type variables. Returns null with `error` set on bad input.
TypeRef parse_type(TypeStore& store, std::string_view text, std::string* error = nullptr);

/// A parsed stdlib signature `name(p: T, q?: U, rest...: V) -> R`.
struct ParsedSignature {
  std::string name;
  std::vector<FnParam> params;
  TypeRef result = nullptr;
};
/// Parses a whole signature line; nullopt with `error` set on bad input.
std::optional<ParsedSignature> parse_signature(TypeStore& store, std::string_view text, std::string* error = nullptr);

}  // namespace weft::sema
