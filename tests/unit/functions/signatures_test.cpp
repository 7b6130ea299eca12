#include "stdlib/functions/signatures.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

using weft::functions::signatures;

// Every name of LANGUAGE.md §10 has at least one signature.
TEST(Signatures, CoverLanguageSection10) {
  const char* names[] = {
      "len", "lower", "upper", "trim", "split", "join", "replace", "contains", "starts_with",
      "ends_with", "substring", "pad_left", "format_number", "map", "filter", "reduce", "find",
      "any", "all", "sum", "min", "max", "sort", "sort_by", "group_by", "unique", "flatten",
      "first", "last", "take", "skip", "zip", "index_of", "keys", "values", "entries",
      "from_entries", "merge", "pick", "omit", "has", "get", "abs", "round", "floor", "ceil",
      "to_int", "to_float", "parse_int", "parse_float", "now", "parse_time", "format_time",
      "add_duration", "diff", "to_unix", "from_unix", "start_of", "to_json", "parse_json",
      "base64_encode", "base64_decode", "url_encode", "hex_encode", "sha256", "hmac_sha256",
      "uuid", "random", "type_of", "coalesce"};
  std::set<std::string> have;
  for (const auto& s : signatures()) have.insert(std::string(s.name));
  for (const char* n : names) EXPECT_TRUE(have.count(n)) << n;
}

// Each entry's signature starts with its name and an opening parenthesis, has a result type,
// a one-line doc and an example.
TEST(Signatures, EntriesAreWellFormed) {
  for (const auto& s : signatures()) {
    std::string sig(s.signature);
    EXPECT_EQ(sig.rfind(std::string(s.name) + "(", 0), 0u) << sig;
    EXPECT_NE(sig.find(") -> "), std::string::npos) << sig;
    EXPECT_FALSE(s.doc.empty()) << sig;
    EXPECT_EQ(s.doc.find('\n'), std::string::npos) << sig;
    EXPECT_FALSE(s.example.empty()) << sig;
    EXPECT_EQ(s.nondeterministic, s.name == "now" || s.name == "uuid" || s.name == "random") << sig;
  }
}
