// The one table of standard-library signatures, shared by the type checker and the runtime
// so that the two cannot drift. No project dependencies.
//
// Signature syntax (parsed by compiler/sema):
//   name(param: Type, opt?: Type, rest...: Type) -> Type
// Types: string int float bool duration time null json secret, [T], map<T>, T?, A | B,
// { field: T }, (A, B) -> R (function types for lambdas), and the type variables T U K V.
// A name may appear several times (overloads): the checker takes the first that fits.
#pragma once
#include <span>
#include <string_view>

namespace weft::functions {

struct Signature {
  std::string_view name;       ///< "lower"
  std::string_view signature;  ///< "lower(s: string) -> string"
  std::string_view doc;        ///< one line: what it does
  std::string_view example;    ///< an expression and its result: `lower("AbC") == "abc"`
  bool nondeterministic = false;  ///< now, uuid, random: recorded in history for replay
};

/// Every standard-library function, in documentation order.
std::span<const Signature> signatures();

}  // namespace weft::functions
