#include "compiler/sema/stdlib.h"

#include <algorithm>

namespace weft::sema {

namespace {
// The checker's own built-ins, in the table's syntax. `env` is read at deploy time (§8).
constexpr std::string_view kBuiltins[][2] = {
    {"env(name: string) -> string?", "the value of an environment variable when the flow is deployed"},
    {"secret(name: string) -> secret", "a secret from the store; may only reach auth, headers, verify and crypto"},
};
// Crypto functions: their result does not reveal the secret they were given (§8).
constexpr std::string_view kSanitizers[] = {"sha256", "hmac_sha256"};
}  // namespace

Stdlib::Stdlib(std::span<const functions::Signature> table) {
  for (const auto& s : table) add(s.signature, s.doc, s.nondeterministic);
  for (const auto& b : kBuiltins)
    if (!by_name_.count(std::string(b[0].substr(0, b[0].find('('))))) add(b[0], b[1], false);
}

const Stdlib& Stdlib::get() {
  static const Stdlib instance(functions::signatures());
  return instance;
}

void Stdlib::add(std::string_view signature, std::string_view doc, bool nondeterministic) {
  std::string err;
  auto parsed = parse_signature(store_, signature, &err);
  if (!parsed) {
    errors_.push_back(std::string(signature) + ": " + err);
    return;
  }
  StdFunction f;
  f.name = parsed->name;
  f.params = std::move(parsed->params);
  f.result = parsed->result;
  f.signature = std::string(signature);
  f.doc = std::string(doc);
  f.nondeterministic = nondeterministic;
  f.sanitizes_secrets = std::find(std::begin(kSanitizers), std::end(kSanitizers), f.name) != std::end(kSanitizers);
  auto& list = by_name_[f.name];
  if (list.empty()) names_.push_back(f.name);
  list.push_back(std::move(f));
}

const std::vector<StdFunction>* Stdlib::overloads(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &it->second;
}

}  // namespace weft::sema
