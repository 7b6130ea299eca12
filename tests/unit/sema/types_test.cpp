// The type system: printing, assignability, joins, generics and the signature parser.
#include <gtest/gtest.h>

#include "compiler/sema/stdlib.h"
#include "compiler/sema/types.h"

using namespace weft::sema;

namespace {

TypeRef T(TypeStore& s, std::string_view text) {
  std::string err;
  TypeRef t = parse_type(s, text, &err);
  EXPECT_NE(t, nullptr) << text << ": " << err;
  return t ? t : TypeStore::unknown();
}

}  // namespace

TEST(SemaTypes, PrintsInTheLanguageSyntax) {
  TypeStore s;
  EXPECT_EQ(to_string(T(s, "[string]")), "[string]");
  EXPECT_EQ(to_string(T(s, "map<int>")), "map<int>");
  EXPECT_EQ(to_string(T(s, "(\"a\" | \"b\")?")), "(\"a\" | \"b\")?");
  EXPECT_EQ(to_string(T(s, "\"a\" | \"b\"?")), "(\"a\" | \"b\")?");  // `?` binds tighter; nullability floats up
  EXPECT_EQ(to_string(T(s, "{ id: string, tags?: [string] }")), "{ id: string, tags?: [string] }");
  EXPECT_EQ(to_string(T(s, "(T, U) -> [U]")), "(T, U) -> [U]");
  EXPECT_EQ(to_string(T(s, "Response<{ id: string }>")), "Response<{ id: string }>");
  EXPECT_EQ(to_string(s.optional(s.optional(TypeStore::int_()))), "int?");
  EXPECT_EQ(to_string(s.optional(TypeStore::json())), "json");
  Type* named = s.new_named_record("Contact");
  EXPECT_EQ(to_string(named), "Contact");
}

TEST(SemaTypes, ScalarAssignability) {
  TypeStore s;
  EXPECT_TRUE(assignable(TypeStore::int_(), TypeStore::float_()));
  EXPECT_FALSE(assignable(TypeStore::float_(), TypeStore::int_()));
  EXPECT_FALSE(assignable(TypeStore::string(), TypeStore::int_()));
  EXPECT_TRUE(assignable(TypeStore::int_(), s.optional(TypeStore::int_())));
  EXPECT_TRUE(assignable(TypeStore::null(), s.optional(TypeStore::string())));
  EXPECT_FALSE(assignable(TypeStore::null(), TypeStore::string()));
  EXPECT_FALSE(assignable(s.optional(TypeStore::string()), TypeStore::string()));
  EXPECT_TRUE(assignable(TypeStore::secret(), TypeStore::string()));  // taint is tracked separately
  EXPECT_FALSE(assignable(TypeStore::string(), TypeStore::secret()));
  EXPECT_FALSE(assignable(TypeStore::duration(), TypeStore::int_()));
}

TEST(SemaTypes, LiteralsAndUnions) {
  TypeStore s;
  TypeRef src = T(s, "\"crm\" | \"shop\"");
  EXPECT_TRUE(assignable(s.literal("crm"), TypeStore::string()));
  EXPECT_TRUE(assignable(s.literal("crm"), src));
  EXPECT_FALSE(assignable(s.literal("web"), src));
  EXPECT_FALSE(assignable(TypeStore::string(), src));  // only a literal fits a literal union
  EXPECT_TRUE(assignable(src, TypeStore::string()));
  EXPECT_TRUE(assignable(T(s, "\"crm\""), src));
  EXPECT_FALSE(assignable(src, s.literal("crm")));
  EXPECT_TRUE(assignable(TypeStore::secret(), T(s, "string | secret")));
}

TEST(SemaTypes, JsonIsDynamicAndRecordsARuntimeCheck) {
  TypeStore s;
  Assign a;
  EXPECT_TRUE(assignable(TypeStore::json(), TypeStore::string(), &a));
  EXPECT_TRUE(a.dynamic);
  Assign b;
  EXPECT_TRUE(assignable(T(s, "[json]"), T(s, "[{ id: string }]"), &b));
  EXPECT_TRUE(b.dynamic);
  Assign c;
  EXPECT_TRUE(assignable(TypeStore::string(), TypeStore::json(), &c));
  EXPECT_FALSE(c.dynamic);
}

TEST(SemaTypes, RecordsAreStructural) {
  TypeStore s;
  TypeRef contact = T(s, "{ id: string, email: string, phone?: string }");
  EXPECT_TRUE(assignable(T(s, "{ id: string, email: string, extra: int }"), contact));
  EXPECT_TRUE(assignable(T(s, "{ id: string, email: string, phone: string }"), contact));
  EXPECT_FALSE(assignable(T(s, "{ id: string }"), contact));                         // email missing
  EXPECT_FALSE(assignable(T(s, "{ id: int, email: string }"), contact));             // id mismatched
  EXPECT_FALSE(assignable(T(s, "{ id: string, email: string, phone?: int }"), contact));
  EXPECT_FALSE(assignable(T(s, "{ id: string?, email: string }"), contact));
  EXPECT_TRUE(assignable(T(s, "{ a: int, b: int }"), T(s, "map<int>")));
  EXPECT_FALSE(assignable(T(s, "{ a: int, b: string }"), T(s, "map<int>")));
  EXPECT_TRUE(assignable(T(s, "Response<{ id: string }>"), T(s, "{ status: int, body: { id: string } }")));
}

TEST(SemaTypes, RecursiveNamedRecords) {
  TypeStore s;
  Type* tree = s.new_named_record("Tree");
  tree->fields.push_back(make_field("name", TypeStore::string()));
  tree->fields.push_back(make_field("children", s.list(tree)));
  Type* other = s.new_named_record("Node");
  other->fields.push_back(make_field("name", TypeStore::string()));
  other->fields.push_back(make_field("children", s.list(other)));
  EXPECT_TRUE(assignable(tree, other));
  EXPECT_EQ(to_string(s.list(tree)), "[Tree]");
}

TEST(SemaTypes, Joins) {
  TypeStore s;
  EXPECT_EQ(to_string(join(s, TypeStore::int_(), TypeStore::float_())), "float");
  EXPECT_EQ(to_string(join(s, TypeStore::null(), TypeStore::string())), "string?");
  EXPECT_EQ(to_string(join(s, s.literal("a"), s.literal("b"))), "\"a\" | \"b\"");
  EXPECT_EQ(to_string(join(s, s.literal("a"), TypeStore::string())), "string");
  EXPECT_EQ(to_string(join(s, TypeStore::never(), TypeStore::bool_())), "bool");
  EXPECT_EQ(to_string(join(s, TypeStore::string(), TypeStore::int_())), "json");
  EXPECT_EQ(to_string(join(s, T(s, "{ a: int, b: string }"), T(s, "{ a: float }"))), "{ a: float, b?: string }");
}

TEST(SemaTypes, UnifyInfersTypeVariables) {
  TypeStore s;
  Bindings b;
  EXPECT_TRUE(unify(s, T(s, "[T]"), T(s, "[{ id: string }]"), b));
  EXPECT_EQ(to_string(b["T"]), "{ id: string }");
  EXPECT_TRUE(unify(s, T(s, "(T) -> U"), T(s, "({ id: string }) -> int"), b));
  EXPECT_EQ(to_string(substitute(s, T(s, "[U]"), b, true)), "[int]");
  // literals are widened when bound
  Bindings c;
  EXPECT_TRUE(unify(s, T(s, "U"), s.literal(""), c));
  EXPECT_EQ(to_string(c["U"]), "string");
  // int then float widens the variable
  Bindings d;
  EXPECT_TRUE(unify(s, T(s, "T"), TypeStore::int_(), d));
  EXPECT_TRUE(unify(s, T(s, "T"), TypeStore::float_(), d));
  EXPECT_EQ(to_string(d["T"]), "float");
  // mismatches fail
  Bindings e;
  EXPECT_FALSE(unify(s, T(s, "[T]"), TypeStore::string(), e));
  EXPECT_TRUE(unify(s, T(s, "map<T>"), T(s, "{ a: int, b: int }"), e));
  EXPECT_EQ(to_string(e["T"]), "int");
  // unbound variables become json
  EXPECT_EQ(to_string(substitute(s, T(s, "K?"), {}, true)), "json");
}

TEST(SemaTypes, ParsesSignatures) {
  TypeStore s;
  std::string err;
  auto sig = parse_signature(s, "reduce(xs: [T], f: (U, T) -> U, init: U) -> U", &err);
  ASSERT_TRUE(sig) << err;
  EXPECT_EQ(sig->name, "reduce");
  ASSERT_EQ(sig->params.size(), 3u);
  EXPECT_EQ(to_string(sig->params[1].type), "(U, T) -> U");
  auto opt = parse_signature(s, "format_time(t: time, pattern: string, tz?: string) -> string", &err);
  ASSERT_TRUE(opt) << err;
  EXPECT_TRUE(opt->params[2].optional);
  auto var = parse_signature(s, "coalesce(values...: T?) -> T", &err);
  ASSERT_TRUE(var) << err;
  EXPECT_TRUE(var->params[0].variadic);
  EXPECT_FALSE(parse_signature(s, "broken(x: ) -> int", &err));
  EXPECT_NE(err.find("column"), std::string::npos);
  EXPECT_FALSE(parse_type(s, "Foo", &err));
  EXPECT_NE(err.find("Foo"), std::string::npos);
}

TEST(SemaStdlib, EveryTableSignatureParses) {
  const Stdlib& lib = Stdlib::get();
  for (const auto& e : lib.errors()) ADD_FAILURE() << e;
  for (const char* n : {"len", "lower", "map", "filter", "reduce", "group_by", "entries", "now", "sha256", "hmac_sha256",
                        "coalesce", "env", "secret"})
    EXPECT_NE(lib.overloads(n), nullptr) << n;
  ASSERT_NE(lib.overloads("now"), nullptr);
  EXPECT_TRUE(lib.overloads("now")->front().nondeterministic);
  EXPECT_TRUE(lib.overloads("sha256")->front().sanitizes_secrets);
  EXPECT_FALSE(lib.overloads("lower")->front().sanitizes_secrets);
  EXPECT_EQ(to_string(lib.overloads("env")->front().result), "string?");
  EXPECT_EQ(lib.overloads("len")->size(), 3u);
}

TEST(SemaStdlib, CustomTablesAndBadEntries) {
  static const weft::functions::Signature table[] = {
      {"twice", "twice(x: int) -> int", "doubles", "twice(2) == 4"},
      {"bad", "bad(x: Nope) -> int", "broken", ""},
  };
  Stdlib lib(table);
  ASSERT_NE(lib.overloads("twice"), nullptr);
  EXPECT_EQ(lib.overloads("bad"), nullptr);
  ASSERT_EQ(lib.errors().size(), 1u);
  EXPECT_NE(lib.errors()[0].find("Nope"), std::string::npos);
  EXPECT_NE(lib.overloads("secret"), nullptr);  // built-ins are always there
}
