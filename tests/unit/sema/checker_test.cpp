// The checker's API as its clients use it: types of expressions, symbols and references
// (language server), flow/step/connection facts and runtime checks (IR lowering), secret
// taint, imports through a Loader, and the lead's "dozen broken variants".
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "compiler/diagnostics/render.h"
#include "compiler/sema/check.h"

using namespace weft;
using namespace weft::sema;

namespace {

/// Serves files from memory, like the language server's unsaved buffers.
class MemoryLoader : public Loader {
 public:
  std::map<std::string, std::string> files;
  bool read(const std::string& path, std::string& text, std::string& error) override {
    auto it = files.find(path);
    if (it == files.end()) {
      error = "No such file or directory";
      return false;
    }
    text = it->second;
    return true;
  }
};

CheckedProgram check(const std::string& text, MemoryLoader* loader = nullptr) {
  MemoryLoader local;
  MemoryLoader& l = loader ? *loader : local;
  l.files["main.flow"] = text;
  return check_file("main.flow", l);
}

std::string codes(const CheckedProgram& p) {
  std::string out;
  for (const auto& d : p.diagnostics.all()) out += (out.empty() ? "" : " ") + std::string(diagnostics::info(d.code).id);
  return out;
}

std::string dump(const CheckedProgram& p) {
  std::string out;
  for (const auto& d : p.diagnostics.all()) out += diagnostics::render_text(d);
  return out;
}

/// Finds the first expression satisfying `pred` (pre-order) in the root module.
const ast::Expr* find_expr(const ast::Module& m, const std::function<bool(const ast::Expr&)>& pred) {
  const ast::Expr* found = nullptr;
  std::function<void(const ast::Expr*)> walk_e;
  std::function<void(const ast::Block&)> walk_b;
  walk_e = [&](const ast::Expr* e) {
    if (!e || found) return;
    if (pred(*e)) { found = e; return; }
    for (const auto& o : e->operands) walk_e(o.get());
    for (const auto& a : e->args) walk_e(a.value.get());
    for (const auto& en : e->entries) walk_e(en.value.get());
    for (const auto& p : e->parts) walk_e(p.expr.get());
  };
  walk_b = [&](const ast::Block& b) {
    for (const auto& s : b.stmts) {
      if (!s) continue;
      for (const auto* x : {s->value.get(), s->target.get(), s->retry.get(), s->compensate.get(), s->with.get()}) walk_e(x);
      walk_b(s->then);
      if (s->else_block) walk_b(*s->else_block);
      for (const auto& c : s->cases) walk_b(c.body);
      for (const auto& c : s->catches) walk_b(c.body);
      for (const auto& br : s->branches) walk_b(br.body);
    }
  };
  for (const auto& d : m.decls) {
    walk_e(d.value.get());
    for (const auto& st : d.settings) walk_e(st.value.get());
    for (const auto& t : d.triggers) {
      walk_e(t.subject.get());
      for (const auto& st : t.settings) walk_e(st.value.get());
    }
    if (d.body) walk_b(*d.body);
  }
  return found;
}

const ast::Expr* member_named(const ast::Module& m, const std::string& name) {
  return find_expr(m, [&](const ast::Expr& e) { return e.kind == ast::Expr::Kind::Member && e.name == name; });
}

const char* kSpec = R"(type Contact {
  id: string
  /// Where to write.
  email: string
  phone?: string
}

fn label(c: Contact) -> string = c.email

connection crm = http {
  base_url: "http://127.0.0.1:9001"
  auth: bearer(secret("crm_token"))
}

flow sync(contact: Contact) -> { id: string } {
  on webhook "/hook" { input: { contact: body } }
  step current = crm.get<Contact>("/contacts/${contact.id}", accept_status: [404])
  step child = run other(current.body.email)
  for id in [contact.id] into ids {
    step each = crm.post("/each/${id}", body: { id: id })
    yield each.status
  }
  return { id: current.body.email + label(contact) + "${len(ids)}${child}" }
}

flow other(email: string) -> int {
  return 1
}
)";

}  // namespace

TEST(SemaChecker, SpecExampleIsClean) {
  auto p = check(kSpec);
  EXPECT_EQ(codes(p), "") << dump(p);
}

TEST(SemaChecker, TypesOfExpressions) {
  auto p = check(kSpec);
  const auto& m = p.root()->checked;
  const auto& ast = p.root()->ast;
  const ast::Expr* body = member_named(ast, "body");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(to_string(m.type_of(body)), "Contact");
  EXPECT_EQ(to_string(m.type_of(body->operands[0].get())), "Response<Contact>");
  const ast::Expr* phoneless = member_named(ast, "email");
  ASSERT_NE(phoneless, nullptr);
  EXPECT_EQ(to_string(m.type_of(phoneless)), "string");
}

TEST(SemaChecker, SymbolsAndReferences) {
  auto p = check(kSpec);
  const auto& m = p.root()->checked;
  const Symbol* contact = m.lookup("Contact");
  ASSERT_NE(contact, nullptr);
  EXPECT_EQ(contact->kind, SymbolKind::Type);
  // `Contact` is used in fn label, flow sync's parameter and `crm.get<Contact>`.
  EXPECT_EQ(m.references_to(contact).size(), 3u);
  // member access to a declared field resolves to the field symbol, with its doc.
  const ast::Expr* email = member_named(p.root()->ast, "email");
  const Symbol* field = m.symbol_of(email);
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->kind, SymbolKind::Field);
  EXPECT_EQ(field->doc, "Where to write.");
  EXPECT_EQ(field->owner, contact);
  // go-to-definition from an offset
  uint32_t at = p.root()->source->text().find("label(contact)");
  const Symbol* fn = m.symbol_at(at + 1);
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn->kind, SymbolKind::Fn);
  EXPECT_EQ(to_string(fn->type), "(Contact) -> string");
  // locals visible inside the for body
  uint32_t in_loop = p.root()->source->text().find("yield each");
  bool sees_id = false, sees_each = false;
  for (const Symbol* s : m.locals_at(in_loop)) {
    sees_id |= s->name == "id" && s->kind == SymbolKind::ForItem;
    sees_each |= s->name == "each" && s->kind == SymbolKind::Step;
  }
  EXPECT_TRUE(sees_id);
  EXPECT_TRUE(sees_each);
}

TEST(SemaChecker, FlowFactsForLowering) {
  auto p = check(kSpec);
  const auto& m = p.root()->checked;
  const FlowInfo* f = m.flow("sync");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->params.size(), 1u);
  EXPECT_EQ(to_string(f->params[0]->type), "Contact");
  EXPECT_EQ(to_string(f->result), "{ id: string }");
  ASSERT_EQ(f->steps.size(), 3u);
  EXPECT_EQ(f->steps[0].name, "current");
  EXPECT_EQ(f->steps[0].action, StepInfo::Action::Call);
  EXPECT_EQ(f->steps[0].connection, "crm");
  EXPECT_EQ(f->steps[0].method, "get");
  EXPECT_EQ(to_string(f->steps[0].response_type), "Contact");
  EXPECT_EQ(f->steps[1].action, StepInfo::Action::RunFlow);
  ASSERT_NE(f->steps[1].flow_symbol, nullptr);
  EXPECT_EQ(f->steps[1].flow_symbol->name, "other");
  EXPECT_EQ(to_string(f->steps[1].result_type), "int");
  EXPECT_TRUE(f->steps[2].in_loop);
  ASSERT_EQ(f->triggers.size(), 1u);
  EXPECT_EQ(f->triggers[0].subject, "/hook");
  EXPECT_TRUE(f->triggers[0].settings.count("input"));
  const ConnectionInfo* c = m.connection("crm");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->auth, "bearer");
  EXPECT_EQ(c->idempotency_header, "Idempotency-Key");
  // json boundaries: the webhook body used as a Contact, and the typed response body.
  bool body_check = false, response_check = false;
  for (const auto& rc : m.runtime_checks) {
    if (rc.expr->kind == ast::Expr::Kind::Name && rc.expr->name == "body") body_check = to_string(rc.target) == "Contact";
    if (rc.expr->kind == ast::Expr::Kind::Call) response_check |= to_string(rc.target) == "Contact";
  }
  EXPECT_TRUE(body_check);
  EXPECT_TRUE(response_check);
}

TEST(SemaChecker, StdlibGenericsAndLambdas) {
  auto p = check(R"(type Item { sku: string, qty: int }
fn a(xs: [Item]) -> [string] = xs.filter(i => i.qty > 0).map(i => i.sku)
fn b(xs: [Item]) -> int = xs.reduce((acc, i) => acc + i.qty, 0)
fn c(xs: [Item]) -> map<[Item]> = xs.group_by(i => i.sku)
fn d(xs: [Item]) -> string? = xs.first()?.sku
fn e(m: map<int>) -> [{ key: string, value: int }] = m.entries()
)");
  EXPECT_EQ(codes(p), "") << dump(p);
  const auto& m = p.root()->checked;
  const ast::Expr* call =
      find_expr(p.root()->ast, [](const ast::Expr& e) { return e.kind == ast::Expr::Kind::Call && !e.operands.empty() &&
                                                                e.operands[0]->kind == ast::Expr::Kind::Member &&
                                                                e.operands[0]->name == "map"; });
  ASSERT_NE(call, nullptr);
  EXPECT_EQ(to_string(m.type_of(call)), "[string]");
  ASSERT_NE(m.std_function_of(call), nullptr);
  EXPECT_EQ(m.std_function_of(call)->name, "map");
  const ast::Expr* lambda = find_expr(p.root()->ast, [](const ast::Expr& e) { return e.kind == ast::Expr::Kind::Lambda; });
  ASSERT_NE(lambda, nullptr);
  EXPECT_EQ(to_string(m.type_of(lambda)), "(Item) -> bool");
}

TEST(SemaChecker, SecretTaintFactsAndPaths) {
  auto p = check(R"(connection crm = http { base_url: "http://x" }
flow f() -> int {
  let t = secret("tok")
  let h = "Bearer ${t}"
  let sig = sha256(t)
  step ok = crm.post("/a", body: { sig: sig }, headers: { Authorization: h })
  step bad = crm.post("/b", body: { h: h })
  return ok.status + bad.status
}
)");
  EXPECT_EQ(codes(p), "E0601") << dump(p);
  const auto& d = p.diagnostics.all()[0];
  ASSERT_GE(d.notes.size(), 3u);
  EXPECT_EQ(d.notes[0].message, "the secret comes from here");
  EXPECT_EQ(d.notes[1].message, "it is stored in `t` here");
  EXPECT_EQ(d.notes[2].message, "it is stored in `h` here");
  const auto& m = p.root()->checked;
  EXPECT_FALSE(m.secret_flows.empty());
  const ast::Expr* interp = find_expr(p.root()->ast, [](const ast::Expr& e) {
    return e.kind == ast::Expr::Kind::String && e.parts.size() == 2;
  });
  ASSERT_NE(interp, nullptr);
  EXPECT_EQ(to_string(m.type_of(interp)), "secret");
}

TEST(SemaChecker, ImportsThroughTheLoader) {
  MemoryLoader l;
  l.files["lib/common.flow"] = R"(type Contact { id: string }
const HELLO = "hi"
flow lookup(id: string) -> Contact { return { id: id } }
)";
  auto p = check(R"(import "./lib/common.flow" as common
fn f(c: common.Contact) -> string = common.HELLO + c.id
flow g() -> string {
  step r = run common.lookup("1")
  return r.id
}
)",
                 &l);
  EXPECT_EQ(codes(p), "") << dump(p);
  ASSERT_EQ(p.modules.size(), 2u);
  EXPECT_EQ(p.modules[1]->path, "lib/common.flow");
  const Symbol* contact = p.modules[1]->checked.lookup("Contact");
  EXPECT_EQ(p.references_to(contact).size(), 2u);  // in common.flow's flow result and in main.flow
}

TEST(SemaChecker, ImportErrors) {
  MemoryLoader l;
  l.files["a.flow"] = "import \"./main.flow\" as m\nconst A = 1\n";
  auto cyc = check("import \"./a.flow\" as a\nconst B = a.A\n", &l);
  EXPECT_EQ(codes(cyc), "E0105") << dump(cyc);
  auto missing = check("import \"./nope.flow\" as n\nconst B = 1\n");
  EXPECT_EQ(codes(missing), "E0106");
  EXPECT_NE(missing.diagnostics.all()[0].message.find("No such file or directory"), std::string::npos);
  MemoryLoader empty;
  auto root = check_file("absent.flow", empty);
  EXPECT_EQ(codes(root), "E0009");
}

TEST(SemaChecker, SyntaxErrorsSuppressSemanticFollowUps) {
  auto p = check("fn f(x: int) -> int = (x + \n");
  for (const auto& d : p.diagnostics.all()) EXPECT_EQ(diagnostics::info(d.code).id.substr(0, 3), "E00");
  EXPECT_TRUE(p.has_errors());
}

// The lead's dozen broken variants of the docs/design-language.md example: each gives one error, on the right line.
namespace {
struct Variant {
  const char* name;
  const char* from;
  const char* to;
  const char* code;
  int line;
};
}  // namespace

TEST(SemaChecker, DozenBrokenVariants) {
  const std::string base = R"(type Contact {
  id: string
  first_name: string
  email: string
}

type Subscriber {
  full_name: string
  email: string
}

fn to_subscriber(c: Contact) -> Subscriber = {
  full_name: c.first_name + " !",
  email: lower(c.email),
}

connection crm = http {
  base_url: "http://127.0.0.1:9001"
  timeout: 10s
}

flow sync_contact(contact: Contact) -> { subscriber_id: string } {
  step current = crm.get<Contact>("/contacts/${contact.id}", accept_status: [404])
  step upsert = crm.put("/subscribers/${current.body.email}", body: to_subscriber(current.body))
  return { subscriber_id: upsert.body.id }
}
)";
  ASSERT_EQ(codes(check(base)), "") << dump(check(base));
  const Variant variants[] = {
      {"misspelled field", "  full_name: c.first_name", "  ful_name: c.first_name", "E0310", 13},
      {"missing field", "  email: lower(c.email),\n", "", "E0301", 12},
      {"string + int", "c.first_name + \" !\"", "c.first_name + 1", "E0202", 13},
      {"undefined step", "subscriber_id: upsert.body.id", "subscriber_id: upsrt.body.id", "E0111", 25},
      {"duplicate step", "  step upsert = crm.put(", "  step current = crm.get(\"/again\")\n  step upsert = crm.put(",
       "E0107", 24},
      {"step inside fn", "fn to_subscriber(c: Contact) -> Subscriber = {",
       "fn helper(c: Contact) -> string {\n  step x = crm.get(\"/x\")\n  return c.id\n}\nfn to_subscriber(c: Contact) -> "
       "Subscriber = {",
       "E0402", 13},
      {"secret in a body", "body: to_subscriber(current.body))", "body: { key: secret(\"k\") })", "E0601", 24},
      {"unknown connection field", "  timeout: 10s", "  timeot: 10s", "E0501", 19},
      {"wrong return type", "return { subscriber_id: upsert.body.id }", "return 42", "E0209", 25},
      {"unclosed bracket", "accept_status: [404])", "accept_status: [404)", "E0002", 23},
  };
  for (const auto& v : variants) {
    std::string text = base;
    size_t at = text.find(v.from);
    ASSERT_NE(at, std::string::npos) << v.name;
    text.replace(at, std::string(v.from).size(), v.to);
    auto p = check(text);
    std::string why = std::string(v.name) + ":\n" + dump(p);
    size_t errors = 0;
    for (const auto& d : p.diagnostics.all()) errors += d.severity == diagnostics::Severity::Error;
    ASSERT_EQ(errors, 1u) << why;
    const auto& d = p.diagnostics.all()[0].severity == diagnostics::Severity::Error ? p.diagnostics.all()[0]
                                                                                     : p.diagnostics.all()[1];
    EXPECT_EQ(diagnostics::info(d.code).id, v.code) << why;
    EXPECT_EQ(d.range.file->line_col(d.range.begin).line, static_cast<uint32_t>(v.line)) << why;
  }
}

namespace weft::sema {
namespace {

// v1.1 tests: mocks with `where` (request names in scope) and failing responses, `emitted`,
// `try`/`fail` in a test.
TEST(SemaChecker, TestBlocksV11) {
  const std::string base = R"(connection crm = http { base_url: "http://x" }
flow f(x: int) -> int {
  step r = crm.post<json>("/a", body: { x: x })
  emit "done" { x: x }
  return x
}
)";
  auto ok = check(base + R"(test "t" {
  mock crm.post("/a/*") where body.x == 1 && query.y == null && headers["X-A"] == "b" => { status: 200 }
  mock crm.get("/b") => timeout
  mock crm.get("/c") => connection_error
  try {
    run f(1)
    fail "should fail"
  } catch failure as e {
    expect e.message != ""
  }
  expect len(emitted("done")) == 1
}
)");
  EXPECT_EQ(codes(ok), "") << dump(ok);
  // `where` names exist only in the condition; `emitted` only in tests and with a name.
  auto bad = check(base + R"(test "t" {
  mock crm.post("/a") where nope == 1 => { status: 200 }
  expect emitted() == []
}
flow g() -> int {
  return len(emitted("done"))
}
)");
  EXPECT_EQ(codes(bad), "E0101 E0203 E0408") << dump(bad);
}

}  // namespace
}  // namespace weft::sema
