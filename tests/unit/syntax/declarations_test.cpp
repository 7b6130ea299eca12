// Declarations, types, doc comments, comments, and the docs/design-language.md snippets.
#include "syntax_test_util.h"

using namespace weft::syntax::testing;
using weft::ast::Decl;
using weft::ast::TypeExpr;

TEST(Declarations, EveryDeclarationKind) {
  auto r = parse_text(
      "import \"./common.flow\" as common\n"
      "type T { a: string, b?: int }\n"
      "type A = [T]\n"
      "const N = 3\n"
      "fn f(p: int, q: int = 1) -> int = p + q\n"
      "fn g() -> int { let x = 1; return x }\n"
      "connection c = http { base_url: \"u\" }\n"
      "flow fl(x: json) -> json { return x }\n"
      "flow nores() { }\n"
      "test \"it works\" { expect true }\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  EXPECT_EQ(weft::ast::dump(r.module),
            "(import common \"./common.flow\")\n"
            "(type T (record (field a string) (field? b int)))\n"
            "(type A = (list T))\n"
            "(const N 3)\n"
            "(fn f\n  (param p int)\n  (param q int 1)\n  (result int)\n  (= (+ p q)))\n"
            "(fn g\n  (result int)\n  (body\n    (let x 1)\n    (return x)))\n"
            "(connection c http\n  (set base_url \"u\"))\n"
            "(flow fl\n  (param x json)\n  (result json)\n  (body\n    (return x)))\n"
            "(flow nores\n  (body))\n"
            "(test \"it works\"\n  (expect true))\n");
  EXPECT_EQ(r.module.decls[0].kind, Decl::Kind::Import);
  EXPECT_EQ(r.module.decls[0].import_path, "./common.flow");
  EXPECT_TRUE(r.module.decls[2].is_alias);
  EXPECT_FALSE(r.module.decls[1].is_alias);
  EXPECT_EQ(r.module.decls[8].result, nullptr);
  EXPECT_EQ(r.module.decls[9].name.name, "it works");
  EXPECT_EQ(lc(r.module.decls[9].name.range), "10:6");
}

TEST(Declarations, NameRangesForNavigation) {
  auto r = parse_text("flow sync(contact: Contact) -> Out { }\n");
  ASSERT_FALSE(r.diags.has_errors());
  const auto& d = r.module.decls[0];
  EXPECT_EQ(d.name.range.begin, 5u);
  EXPECT_EQ(d.name.range.end, 9u);
  EXPECT_EQ(d.params[0].name.range.begin, 10u);
  EXPECT_EQ(d.params[0].type->name_range.begin, 19u);
  EXPECT_EQ(d.params[0].type->name_range.end, 26u);
  EXPECT_EQ(d.result->name, "Out");
  EXPECT_EQ(d.range.begin, 0u);
  EXPECT_EQ(d.range.end, 38u);
}

TEST(Types, EveryTypeForm) {
  auto r = parse_text(
      "type T {\n"
      "  a: string\n  b: [int]\n  c: map<float>\n  d: bool?\n  e: \"x\" | \"y\"\n  f: (\"a\" | \"b\")?\n"
      "  g: { x: int, y?: duration }\n  h: Response<Contact>\n  i: common.Contact\n  j: string | null\n"
      "  k: [string?]?\n  l: int | float | string\n"
      "}\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  EXPECT_EQ(weft::ast::dump(*r.module.decls[0].type),
            "(record (field a string) (field b (list int)) (field c (map float)) (field d (opt bool)) "
            "(field e (union \"x\" \"y\")) (field f (opt (union \"a\" \"b\"))) "
            "(field g (record (field x int) (field? y duration))) (field h (generic Response Contact)) "
            "(field i common.Contact) (field j (union string null)) (field k (opt (list (opt string)))) "
            "(field l (union int float string)))");
  const auto& fields = r.module.decls[0].type->fields;
  EXPECT_EQ(fields[2].type->kind, TypeExpr::Kind::Map);
  EXPECT_EQ(fields[7].type->kind, TypeExpr::Kind::Generic);
  EXPECT_EQ(fields[7].type->name, "Response");
}

TEST(Types, KeywordsAsFieldNamesAndUnionsOnLeadingPipes) {
  auto r = parse_text("type T { type: string, timeout?: duration, retry: json }\ntype S =\n  | \"a\"\n  | \"b\"\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  EXPECT_EQ(weft::ast::dump(r.module),
            "(type T (record (field type string) (field? timeout duration) (field retry json)))\n"
            "(type S = (union \"a\" \"b\"))\n");
}

TEST(Declarations, FlowTriggersAndOptions) {
  auto r = parse_text(
      "flow f(x: json) {\n"
      "  on webhook \"/h\" { method: \"POST\", input: { x: body } }\n"
      "  on schedule \"0 * * * *\"\n"
      "  on poll crm.get(\"/c\") every 5m { items: response.body }\n"
      "  on event \"a.b\" { where: event.ok }\n"
      "  options { timeout: 1h }\n"
      "  return x\n"
      "}\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  const auto& d = r.module.decls[0];
  ASSERT_EQ(d.triggers.size(), 4u);
  EXPECT_EQ(d.triggers[0].kind, weft::ast::Trigger::Kind::Webhook);
  EXPECT_EQ(d.triggers[1].kind, weft::ast::Trigger::Kind::Schedule);
  EXPECT_TRUE(d.triggers[1].settings.empty());
  EXPECT_EQ(d.triggers[2].kind, weft::ast::Trigger::Kind::Poll);
  EXPECT_EQ(d.triggers[2].every->duration_ms, 300000);
  EXPECT_EQ(d.triggers[3].kind, weft::ast::Trigger::Kind::Event);
  EXPECT_EQ(lc(d.triggers[0].keyword_range), "2:3");
  EXPECT_EQ(d.triggers[0].keyword_range.end - d.triggers[0].keyword_range.begin, 10u);  // `on webhook`
  ASSERT_EQ(d.options.size(), 1u);
  EXPECT_EQ(lc(d.options_range), "6:3");
  ASSERT_EQ(d.body->stmts.size(), 1u);
}

TEST(Comments, KeptAndDocsAttached) {
  auto r = parse_text(
      "// file comment\n"
      "/// The contact.\n"
      "/// Second line.\n"
      "type C {\n"
      "  /// The id.\n"
      "  id: string // trailing\n"
      "  /* block */ name: string\n"
      "}\n"
      "/// not attached: followed by a blank comment line\n"
      "// plain\n"
      "fn f() -> int = 1\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  ASSERT_EQ(r.module.comments.size(), 8u);
  EXPECT_EQ(r.module.comments[0].text, "// file comment");
  EXPECT_FALSE(r.module.comments[0].doc);
  EXPECT_TRUE(r.module.comments[1].doc);
  EXPECT_EQ(r.module.comments[4].text, "// trailing");
  EXPECT_EQ(r.module.comments[5].text, "/* block */");
  EXPECT_EQ(r.module.decls[0].doc, "The contact.\nSecond line.");
  EXPECT_EQ(r.module.decls[0].type->fields[0].doc, "The id.");
  EXPECT_EQ(r.module.decls[0].type->fields[1].doc, "");
  EXPECT_EQ(r.module.decls[1].doc, "");
}

TEST(Snippets, LanguageDocSnippetsParseWithoutErrors) {
  for (const char* name : {"language_first_look.flow", "language_triggers.flow", "language_inline.flow"}) {
    std::string text = read_data(name);
    ASSERT_FALSE(text.empty()) << name;
    auto r = parse_text(text);
    EXPECT_FALSE(r.diags.has_errors()) << name << "\n" << rendered(r);
    EXPECT_GE(r.module.decls.size(), 2u) << name;
  }
}

TEST(Snippets, FirstLookParsesToTheExpectedShape) {
  auto r = parse_text(read_data("language_first_look.flow"));
  ASSERT_FALSE(r.diags.has_errors());
  ASSERT_EQ(r.module.decls.size(), 7u);
  const auto& flow = r.module.decls[5];
  EXPECT_EQ(flow.name.name, "sync_contact");
  ASSERT_EQ(flow.triggers.size(), 1u);
  ASSERT_EQ(flow.body->stmts.size(), 4u);
  const auto& upsert = *flow.body->stmts[2];
  EXPECT_EQ(upsert.kind, weft::ast::Stmt::Kind::Step);
  ASSERT_TRUE(upsert.retry && upsert.timeout);
  EXPECT_EQ(upsert.timeout->duration_ms, 15000);
  EXPECT_EQ(r.module.decls[0].doc, "A contact as the CRM sends it.");
  EXPECT_TRUE(r.module.decls[0].type->fields[4].optional);
}

TEST(Dump, RangesMode) {
  auto r = parse_text("const A = 1\n");
  EXPECT_EQ(weft::ast::dump(r.module, {true}), "(const@1:1-1:12 A@1:7-1:8 1@1:11-1:12)\n");
}
