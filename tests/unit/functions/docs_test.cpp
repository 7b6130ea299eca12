// docs/stdlib.md carries a function reference generated from the signature table, between two
// markers. This test fails when they differ; run it with WEFT_UPDATE_DOCS=1 to rewrite the section.
#include <gtest/gtest.h>

#include <set>

#include "helpers.h"
#include "tests/unit/generated_docs.h"
#include "stdlib/functions/signatures.h"

using namespace weft::functions;
using namespace weft::functions::testing;

namespace {

// The categories of docs/design-language.md §10, in order (a name listed twice there appears once, first).
struct Category {
  const char* title;
  std::vector<std::string_view> names;
};
const std::vector<Category> kCategories = {
    {"String", {"len", "lower", "upper", "trim", "split", "join", "replace", "contains", "starts_with",
                "ends_with", "substring", "pad_left", "format_number"}},
    {"List", {"map", "filter", "reduce", "find", "any", "all", "sum", "min", "max", "sort", "sort_by",
              "group_by", "unique", "flatten", "first", "last", "take", "skip", "zip", "index_of"}},
    {"Map / object", {"keys", "values", "entries", "from_entries", "merge", "pick", "omit", "has", "get"}},
    {"Number", {"abs", "round", "floor", "ceil", "to_int", "to_float", "parse_int", "parse_float"}},
    {"Time", {"now", "parse_time", "format_time", "add_duration", "diff", "to_unix", "from_unix", "start_of"}},
    {"JSON / encoding", {"to_json", "parse_json", "base64_encode", "base64_decode", "url_encode", "hex_encode"}},
    {"Crypto", {"sha256", "hmac_sha256", "uuid", "random"}},
    {"Misc", {"type_of", "coalesce"}},
};

constexpr std::string_view kBegin =
    "<!-- BEGIN GENERATED FUNCTION REFERENCE: edit stdlib/functions/signatures.cpp, then run "
    "WEFT_UPDATE_DOCS=1 build/tests/unit_functions --gtest_filter=Docs.* -->\n";
constexpr std::string_view kEnd = "<!-- END GENERATED FUNCTION REFERENCE -->\n";

std::string generate() {
  std::string out;
  for (const auto& cat : kCategories) {
    out += "\n### " + std::string(cat.title) + "\n";
    for (auto name : cat.names) {
      out += "\n#### `" + std::string(name) + "`\n\n";
      bool nondet = false;
      for (const auto& s : signatures()) {
        if (s.name != name) continue;
        out += "- `" + std::string(s.signature) + "` — " + std::string(s.doc) + "  \n  Example: `" +
               std::string(s.example) + "`\n";
        nondet = nondet || s.nondeterministic;
      }
      if (nondet) out += "\nNon-deterministic: each result is recorded in the history and replayed.\n";
    }
  }
  return out + "\n";
}

}  // namespace

TEST(Docs, CategoriesCoverTheTableExactly) {
  std::set<std::string_view> listed, table;
  for (const auto& c : kCategories)
    for (auto n : c.names) EXPECT_TRUE(listed.insert(n).second) << n;
  for (const auto& s : signatures()) table.insert(s.name);
  EXPECT_EQ(listed, table);
}

TEST(Docs, StdlibMarkdownMatchesTheTable) {
  weft::docs_testing::expect_generated_section("docs/stdlib.md", kBegin, kEnd, generate(),
                                          "WEFT_UPDATE_DOCS=1 build/tests/unit_functions --gtest_filter=Docs.*");
}
