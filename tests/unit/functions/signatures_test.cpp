#include "stdlib/functions/functions.h"
#include "stdlib/functions/signatures.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

using weft::functions::signatures;

// Every name of docs/design-language.md §10 has at least one signature.
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

namespace {

// A strict recursive-descent reader of the signature syntax documented in signatures.h, so that a
// typo in the table fails here rather than in the type checker.
class SigReader {
 public:
  explicit SigReader(std::string_view s) : s_(s) {}
  bool signature() {
    if (!ident()) return false;
    if (!eat("(")) return false;
    if (!peek(")")) {
      do {
        if (!param()) return false;
      } while (eat(","));
    }
    return eat(")") && eat("->") && type() && (skip(), pos_ == s_.size());
  }

 private:
  void skip() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool peek(std::string_view t) {
    skip();
    return s_.substr(pos_, t.size()) == t;
  }
  bool eat(std::string_view t) {
    if (!peek(t)) return false;
    pos_ += t.size();
    return true;
  }
  bool ident(std::string* out = nullptr) {
    skip();
    size_t b = pos_;
    while (pos_ < s_.size() && (isalnum((unsigned char)s_[pos_]) || s_[pos_] == '_')) ++pos_;
    if (b == pos_ || isdigit((unsigned char)s_[b])) return false;
    if (out) *out = std::string(s_.substr(b, pos_ - b));
    return true;
  }
  bool param() {
    if (!ident()) return false;
    if (!eat("...")) eat("?");
    return eat(":") && type();
  }
  bool type() {
    do {
      if (!postfix()) return false;
    } while (eat("|"));
    return true;
  }
  bool postfix() {
    if (!primary()) return false;
    while (eat("?")) {
    }
    return true;
  }
  bool primary() {
    static const std::set<std::string> names = {"string", "int",  "float", "bool", "duration",
                                                "time",   "null", "json",  "secret", "T",
                                                "U",      "K",    "V"};
    if (eat("[")) return type() && eat("]");
    if (eat("{")) {
      do {
        std::string f;
        if (!ident(&f)) return false;
        eat("?");
        if (!eat(":") || !type()) return false;
      } while (eat(","));
      return eat("}");
    }
    if (eat("\"")) {
      while (pos_ < s_.size() && s_[pos_] != '"') ++pos_;
      return eat("\"");
    }
    if (eat("(")) {
      if (!peek(")")) {
        do {
          if (!type()) return false;
        } while (eat(","));
      }
      if (!eat(")")) return false;
      if (eat("->")) return type();
      return true;  // grouping
    }
    std::string n;
    if (!ident(&n)) return false;
    if (n == "map") return eat("<") && type() && eat(">");
    return names.count(n) > 0;
  }
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

TEST(Signatures, FollowTheDocumentedSyntax) {
  for (const auto& s : signatures()) EXPECT_TRUE(SigReader(s.signature).signature()) << s.signature;
  EXPECT_FALSE(SigReader("f(x: strin) -> int").signature());
  EXPECT_FALSE(SigReader("f(x: [int) -> int").signature());
  EXPECT_FALSE(SigReader("f(x: int) int").signature());
}

TEST(Signatures, ParametersOf) {
  using weft::functions::parameters_of;
  auto p = parameters_of(R"(start_of(t: time, unit: "minute" | "hour", tz?: string) -> time)");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].name, "unit");
  EXPECT_EQ(p[1].type, R"("minute" | "hour")");
  EXPECT_EQ(p[2].name, "tz");
  EXPECT_TRUE(p[2].optional);
  p = parameters_of("reduce(xs: [T], f: (U, T) -> U, init: U) -> U");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].type, "(U, T) -> U");
  EXPECT_EQ(p[2].name, "init");
  p = parameters_of("zip(a: [T], b: map<{ left: T, right: U }>) -> int");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].type, "map<{ left: T, right: U }>");
  p = parameters_of("coalesce(values...: T?) -> T");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(p[0].variadic);
  EXPECT_EQ(p[0].name, "values");
  EXPECT_TRUE(parameters_of("now() -> time").empty());
  // Every table entry yields named, typed parameters.
  for (const auto& s : signatures())
    for (const auto& param : parameters_of(s.signature)) {
      EXPECT_FALSE(param.name.empty()) << s.signature;
      EXPECT_FALSE(param.type.empty()) << s.signature;
    }
}
