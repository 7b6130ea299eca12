// One test per construct: the canonical output, and the properties (same AST, same comments,
// idempotent) on each input.
#include "format_test_util.h"

using namespace weft::format::testing;

namespace {

/// Formats `in`, checks the properties, and compares with `want`.
void expect_format(const std::string& in, const std::string& want) {
  std::string got = check_properties(in);
  EXPECT_EQ(got, want) << "input:\n" << in;
  EXPECT_EQ(fmt(want), want) << "the expected text is not a fixed point";
}

}  // namespace

TEST(Declarations, ImportConstAndBlankLinesBetweenDeclarations) {
  expect_format("import   \"./common.flow\"   as common\nconst  N=3\n\n\n\nconst M = N*2\n",
                "import \"./common.flow\" as common\n\nconst N = 3\n\nconst M = N * 2\n");
}

TEST(Declarations, RecordTypeFieldsOnePerLine) {
  expect_format("type Contact { id: string, phone?: string, tags: [string], m: map<int?> }\n",
                "type Contact {\n  id: string\n  phone?: string\n  tags: [string]\n  m: map<int?>\n}\n");
}

TEST(Declarations, TypeAliasesAndTypeForms) {
  expect_format("type S = \"crm\"|\"shop\"\ntype O = (\"a\"|\"b\")?\ntype R = Response<{a:int,b?:string}>\n"
                "type E {}\ntype N = [ string ? ] ?\n",
                "type S = \"crm\" | \"shop\"\n\ntype O = (\"a\" | \"b\")?\n\n"
                "type R = Response<{ a: int, b?: string }>\n\ntype E {}\n\ntype N = [string?]?\n");
}

TEST(Declarations, NestedUnionKeepsItsParentheses) {
  expect_format("type U = \"a\" | (\"b\" | \"c\")\n", "type U = \"a\" | (\"b\" | \"c\")\n");
}

TEST(Declarations, FnWithExpressionAndBlockBodies) {
  expect_format("fn f(p:int,q:int=1)->int=p+q\nfn g() -> int { let x = 1; return x }\n",
                "fn f(p: int, q: int = 1) -> int = p + q\n\nfn g() -> int {\n  let x = 1\n  return x\n}\n");
}

TEST(Declarations, LongParameterListsBreakOnePerLine) {
  std::string in =
      "fn long_function_name(first_parameter: string, second_parameter: string, third_parameter: int = 3) -> "
      "string = first_parameter\n";
  expect_format(in,
                "fn long_function_name(\n  first_parameter: string,\n  second_parameter: string,\n"
                "  third_parameter: int = 3,\n) -> string = first_parameter\n");
}

TEST(Declarations, ConnectionSettingsOnePerLine) {
  expect_format(
      "connection crm = http { base_url: env(\"CRM_URL\") ?? \"http://127.0.0.1:9001\", timeout: 10s,"
      " retry: { attempts: 5, backoff: exponential(initial: 200ms, factor: 2.0, max: 30s) } }\n",
      "connection crm = http {\n  base_url: env(\"CRM_URL\") ?? \"http://127.0.0.1:9001\"\n  timeout: 10s\n"
      "  retry: { attempts: 5, backoff: exponential(initial: 200ms, factor: 2.0, max: 30s) }\n}\n");
}

TEST(Declarations, TestDeclarationKeepsItsTitle) {
  expect_format("test \"it \\\"works\\\"\" { expect 1+1==2 }\n", "test \"it \\\"works\\\"\" {\n  expect 1 + 1 == 2\n}\n");
}

TEST(Flows, TriggersOptionsAndStatements) {
  expect_format(
      "flow f(contact: json) -> json {\n"
      "  on webhook \"/crm\" { method: \"POST\", input: { contact: body } }\n"
      "  on schedule \"*/15 * * * *\"\n"
      "  on poll crm.get(\"/contacts\", query: { since: cursor }) every 5m { items: response.body.items }\n"
      "  options { timeout: 1h }\n"
      "  return contact\n"
      "}\n",
      "flow f(contact: json) -> json {\n"
      "  on webhook \"/crm\" {\n    method: \"POST\"\n    input: { contact: body }\n  }\n"
      "  on schedule \"*/15 * * * *\"\n"
      "  on poll crm.get(\"/contacts\", query: { since: cursor }) every 5m {\n    items: response.body.items\n  }\n"
      "  options {\n    timeout: 1h\n  }\n"
      "  return contact\n"
      "}\n");
}

TEST(Flows, EmptyFlowAndNoResult) {
  expect_format("flow nores( ) { }\n", "flow nores() {}\n");
}

TEST(Statements, StepModifiersOnTheirOwnIndentedLines) {
  expect_format(
      "flow f() {\n  step up = m.put(\"/s\", body: 1) timeout 15s retry { attempts: 8 } compensate m.delete(\"/s\")\n}\n",
      "flow f() {\n  step up = m.put(\"/s\", body: 1)\n    retry { attempts: 8 }\n    timeout 15s\n"
      "    compensate m.delete(\"/s\")\n}\n");
}

TEST(Statements, IfElseIfElse) {
  expect_format("flow f(x: int) {\n  if x == 1 { return 1 }\n  else if x == 2 { return 2 } else { return 3 }\n}\n",
                "flow f(x: int) {\n  if x == 1 {\n    return 1\n  } else if x == 2 {\n    return 2\n  } else {\n"
                "    return 3\n  }\n}\n");
}

TEST(Statements, ElseWithABlockHoldingAnIfStaysABlock) {
  expect_format("flow f(x: int) {\n  if x == 1 { return 1 } else { if x == 2 { return 2 } }\n}\n",
                "flow f(x: int) {\n  if x == 1 {\n    return 1\n  } else {\n    if x == 2 {\n      return 2\n"
                "    }\n  }\n}\n");
}

TEST(Statements, SwitchForParallel) {
  expect_format(
      "flow f(xs: [int], s: string) {\n"
      "  switch s { case \"a\", \"b\" => { wait 1m } default => { wait until now() } }\n"
      "  for x, i in xs concurrency 4 into out { yield x * i }\n"
      "  parallel { branch a { step a1 = c.get(\"/a\") } branch b { step b1 = c.get(\"/b\") } }\n"
      "}\n",
      "flow f(xs: [int], s: string) {\n"
      "  switch s {\n    case \"a\", \"b\" => {\n      wait 1m\n    }\n    default => {\n      wait until now()\n"
      "    }\n  }\n"
      "  for x, i in xs concurrency 4 into out {\n    yield x * i\n  }\n"
      "  parallel {\n    branch a {\n      step a1 = c.get(\"/a\")\n    }\n    branch b {\n"
      "      step b1 = c.get(\"/b\")\n    }\n  }\n"
      "}\n");
}

TEST(Statements, TryCatchFailEmitSignalWait) {
  expect_format(
      "flow f() {\n"
      "  try { step a = c.post(\"/x\") } catch http_error as e where e.status == 409 { fail \"dup\" with { code: \"c\" } }"
      " catch timeout { emit \"t\" { n: 1 } } catch as e { return }\n"
      "  let v = wait signal \"approve\" timeout 24h\n"
      "}\n",
      "flow f() {\n"
      "  try {\n    step a = c.post(\"/x\")\n  } catch http_error as e where e.status == 409 {\n"
      "    fail \"dup\" with { code: \"c\" }\n  } catch timeout {\n    emit \"t\" { n: 1 }\n  } catch as e {\n"
      "    return\n  }\n"
      "  let v = wait signal \"approve\" timeout 24h\n"
      "}\n");
}

TEST(Statements, TestStatements) {
  expect_format(
      "test \"t\" {\n  mock crm.get(\"/c/42\") => [{ status: 500 }, { status: 200 }]\n"
      "  let h = start f({ id: \"42\" })\n  signal h \"approve\" { ok: true }\n  advance 1h\n"
      "  let r = await h\n  run f({})\n  expect calls(crm.get)[0].path == \"/c/42\"\n}\n",
      "test \"t\" {\n  mock crm.get(\"/c/42\") => [{ status: 500 }, { status: 200 }]\n"
      "  let h = start f({ id: \"42\" })\n  signal h \"approve\" { ok: true }\n  advance 1h\n"
      "  let r = await h\n  run f({})\n  expect calls(crm.get)[0].path == \"/c/42\"\n}\n");
}

TEST(Statements, SemicolonsBecomeNewlinesAndBlankLinesCollapseToOne) {
  expect_format("fn g() -> int { let a = 1; let b = 2\n\n\n\n  return a + b }\n",
                "fn g() -> int {\n  let a = 1\n  let b = 2\n\n  return a + b\n}\n");
}

TEST(Expressions, SpacesAroundOperatorsAndMinimalParentheses) {
  expect_format("const A = (1+2)*3-(4-5)-6\nconst B = !(a&&b)||c\nconst C = (a ?? b) ?? c\nconst D = -(x.y)\n"
                "const E = (a ? b : c) ? d : (e ? f : g)\nconst F = (x => x + 1)(2)\nconst G = (a<b)==(c>d)\n",
                "const A = (1 + 2) * 3 - (4 - 5) - 6\n\nconst B = !(a && b) || c\n\nconst C = (a ?? b) ?? c\n\n"
                "const D = -x.y\n\nconst E = (a ? b : c) ? d : e ? f : g\n\nconst F = (x => x + 1)(2)\n\n"
                "const G = (a < b) == (c > d)\n");
}

TEST(Expressions, RightAssociativeCoalesceHasNoParentheses) {
  expect_format("const C = a ?? (b ?? c)\n", "const C = a ?? b ?? c\n");
}

TEST(Expressions, LambdasCallsMembersAndGenerics) {
  expect_format("const X = order.items.filter(i=>i.qty>0).map( (acc , x) => acc + x )\n"
                "const Y = crm.get<Contact>(\"/c\", accept_status: [404])?.body[0]\n",
                "const X = order.items.filter(i => i.qty > 0).map((acc, x) => acc + x)\n\n"
                "const Y = crm.get<Contact>(\"/c\", accept_status: [404])?.body[0]\n");
}

TEST(Expressions, LiteralsKeepTheirSourceText) {
  expect_format("const A = [1e6, 3.250, 1h30m, 250ms, \"a\\u{1F600}\\$b\\n\", \"x ${ a+b } y\", true, null]\n",
                "const A = [1e6, 3.250, 1h30m, 250ms, \"a\\u{1F600}\\$b\\n\", \"x ${ a+b } y\", true, null]\n");
}

TEST(Expressions, MultiLineStringsAreKeptVerbatim) {
  std::string in = "fn t() -> string = \"\"\"\n    hello\n      ${name}\n    \"\"\"\n";
  expect_format(in, in);
}

TEST(Expressions, ObjectsShortOnOneLineLongOnePerEntryWithTrailingCommas) {
  expect_format("const S = {a:1,\"quoted key\":2,...rest}\n", "const S = { a: 1, \"quoted key\": 2, ...rest }\n");
  expect_format(
      "fn to_subscriber(c: Contact) -> Subscriber = { full_name: c.first_name + \" \" + c.last_name, "
      "email: lower(c.email), source: \"crm\" }\n",
      "fn to_subscriber(c: Contact) -> Subscriber = {\n  full_name: c.first_name + \" \" + c.last_name,\n"
      "  email: lower(c.email),\n  source: \"crm\",\n}\n");
}

TEST(Expressions, LongCallsBreakTheirArguments) {
  expect_format(
      "flow f() {\n  step upsert = marketing.put(\"/subscribers/${current.body.email}\", body: "
      "to_subscriber(current.body), headers: { x: \"1\" })\n}\n",
      "flow f() {\n  step upsert = marketing.put(\n    \"/subscribers/${current.body.email}\",\n"
      "    body: to_subscriber(current.body),\n    headers: { x: \"1\" },\n  )\n}\n");
}

TEST(Expressions, LongListsBreakOnePerLine) {
  expect_format(
      "const L = [\"aaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbbbbbb\", \"cccccccccccccccccccccc\", "
      "\"dddddddddddddddddddd\"]\n",
      "const L = [\n  \"aaaaaaaaaaaaaaaaaaaa\",\n  \"bbbbbbbbbbbbbbbbbbbbbbbb\",\n  \"cccccccccccccccccccccc\",\n"
      "  \"dddddddddddddddddddd\",\n]\n");
}

TEST(Comments, LeadingTrailingAndDocCommentsStayInPlace) {
  expect_format(
      "// header\n\n/// A contact.\ntype Contact {\n  /// the id\n  id: string   // trailing\n"
      "  phone?: string /* block */\n}\n// before fn\nfn f() -> int = 1 // after fn\n",
      "// header\n\n/// A contact.\ntype Contact {\n  /// the id\n  id: string // trailing\n"
      "  phone?: string /* block */\n}\n\n// before fn\nfn f() -> int = 1 // after fn\n");
}

TEST(Comments, CommentsInsideObjectsForceOneEntryPerLine) {
  expect_format("const O = { a: 1, // first\n  b: 2 }\n", "const O = {\n  a: 1, // first\n  b: 2,\n}\n");
}

TEST(Comments, CommentsInsideCallsAndBlocks) {
  expect_format(
      "flow f() { // opening\n  // leading\n  step a = c.get(\"/a\", // path\n    query: { q: 1 })\n"
      "  /* end */\n}\n// trailing file comment\n",
      "flow f() { // opening\n  // leading\n  step a = c.get(\n    \"/a\", // path\n    query: { q: 1 },\n  )\n"
      "  /* end */\n}\n\n// trailing file comment\n");
}

TEST(Comments, CommentsBetweenStepModifiers) {
  expect_format("flow f() {\n  step a = c.get(\"/a\") // the call\n    // why so many\n    retry { attempts: 9 }\n}\n",
                "flow f() {\n  step a = c.get(\"/a\") // the call\n    // why so many\n    retry { attempts: 9 }\n}\n");
}

TEST(Comments, CommentInsideAnExpressionThatCannotBreakIsKept) {
  std::string got = check_properties("flow f() {\n  let x = 1 + // one\n    2\n  return x\n}\n");
  EXPECT_NE(got.find("// one"), std::string::npos) << got;
}

TEST(Comments, FileWithOnlyComments) {
  expect_format("// just a note\n\n\n/* and another */\n", "// just a note\n\n/* and another */\n");
}

TEST(Source, SyntaxErrorsAreReportedNotFormatted) {
  auto r = weft::format::format_source(std::make_shared<weft::diagnostics::SourceFile>("bad.flow", "flow f( {\n"));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.diags.has_errors());
  EXPECT_TRUE(r.text.empty());
}

TEST(Source, EmptyFileStaysEmpty) { EXPECT_EQ(fmt(""), ""); }

TEST(Expressions, LongValuesMoveAfterTheEqualsSignAndChainsBreakPerCall) {
  expect_format(
      "const SHORT_ENOUGH = orders.filter(o => o.status == \"paid\").group_by(o => o.country).entries().keys()\n"
      "const TOO_LONG = orders.filter(o => o.status == \"paid\").group_by(o => o.country).entries()"
      ".map(e => { country: e.key, n: len(e.value) }).sort_by(l => l.n)\n"
      "fn f(a: int) -> bool = a_very_long_name_for_a_value_that_goes_on > another_rather_long_name_for_it_to_wrap\n",
      "const SHORT_ENOUGH =\n  orders.filter(o => o.status == \"paid\").group_by(o => o.country).entries().keys()\n\n"
      "const TOO_LONG =\n  orders\n    .filter(o => o.status == \"paid\")\n    .group_by(o => o.country)\n"
      "    .entries()\n    .map(e => { country: e.key, n: len(e.value) })\n    .sort_by(l => l.n)\n\n"
      "fn f(a: int) -> bool =\n  a_very_long_name_for_a_value_that_goes_on > another_rather_long_name_for_it_to_wrap\n");
}

TEST(Comments, CommentsInAMethodChainStayAtTheirCall) {
  expect_format(
      "flow g() {\n  let x = items.filter(i => i.qty > 0) // keep\n    .map(i => i.sku) // the skus\n"
      "    .take(100000000000000000)\n}\n",
      "flow g() {\n  let x = items\n    .filter(i => i.qty > 0) // keep\n    .map(i => i.sku) // the skus\n"
      "    .take(100000000000000000)\n}\n");
}

TEST(Expressions, LastObjectArgumentHugsTheCall) {
  expect_format(
      "test \"t\" {\n  let r = run sync_contact({ id: \"42\", firstName: \"Ada\", lastName: \"Lovelace\", "
      "email: \"ADA@EXAMPLE.COM\", tags: [] })\n}\n",
      "test \"t\" {\n  let r = run sync_contact({\n    id: \"42\",\n    firstName: \"Ada\",\n    lastName: \"Lovelace\",\n"
      "    email: \"ADA@EXAMPLE.COM\",\n    tags: [],\n  })\n}\n");
}

TEST(Expressions, TypeArgumentsWithParenthesesAndLongCalls) {
  check_properties(
      "const X = f<(\"a\" | \"b\")?>(\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", "
      "\"ccccccccccccccccccccccccc\")\n");
}

TEST(Comments, CommentAfterTheEqualsSignStaysThere) {
  expect_format("fn f(a: int = 1) -> int = // why\n  a + 1\nflow g() {\n  let x = /* c */ 1\n}\n",
                "fn f(a: int = 1) -> int = // why\n  a + 1\n\nflow g() {\n  let x = /* c */\n    1\n}\n");
}

TEST(Comments, BlockCommentsAfterEveryOpeningBracketAndComma) {
  check_properties(
      "connection c = http { /*o*/ base_url: env( /*p*/ \"U\") ?? \"u\", /*k*/ timeout: 1s }\n"
      "flow f( /*p*/ a: int, /*k*/ b: int) -> { /*o*/ x: int } {\n  return { /*o*/ x: a + b }\n}\n");
}

TEST(Statements, MockWhereAndFailingResponses) {
  expect_format("test \"t\" {\n  mock crm.post(\"/c\")   where body.x==1   =>  { status: 201 }\n  mock crm.get(\"/d\") =>timeout\n"
                "  mock crm.get(\"/e\") => connection_error\n}\n",
                "test \"t\" {\n  mock crm.post(\"/c\") where body.x == 1 => { status: 201 }\n  mock crm.get(\"/d\") => timeout\n"
                "  mock crm.get(\"/e\") => connection_error\n}\n");
}
