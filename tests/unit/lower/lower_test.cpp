#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"
#include "compiler/ir/compat.h"
#include "compiler/ir/draw.h"
#include "compiler/ir/dump.h"
#include "compiler/ir/hash.h"
#include "compiler/ir/serialize.h"

namespace weft::ir {
namespace {

using lower::fold;

/// Checks and lowers an in-memory module; fails the test on any error.
Module compile(const std::string& src, std::map<std::string, std::string> others = {}) {
  driver::MemoryResolver loader(others);
  driver::Compilation c = driver::compile_source("/mem/main.flow", src, loader);
  std::string diags;
  for (const auto& d : c.diagnostics().all())
    if (d.severity == diagnostics::Severity::Error) diags += diagnostics::render_text(d);
  EXPECT_FALSE(c.has_errors()) << diags;
  if (!c.lowered) return {};
  for (const auto& e : c.lowered->errors) ADD_FAILURE() << e;
  return std::move(c.lowered->module);
}

const char* kOrder = R"(
connection shop = http { base_url: "http://127.0.0.1:9002" }

flow order(id: string) -> string {
  step a = shop.get("/orders/${id}")
  if a.status == 404 {
    return "missing"
  }
  step b = shop.post("/orders/${id}/ack", body: { seen: true })
  wait 1s
  return "ok"
}

flow other(x: int) -> int {
  return x + 1
}
)";

const char* kOrderReformatted = R"(
// The shop API.
connection shop = http {
  base_url: "http://127.0.0.1:9002",   // local mock
}

/* Orders:
   acknowledge them. */
flow order(id: string) -> string {
  step a = shop.get( "/orders/${id}" )   // fetch
  if a.status == 404 { return "missing" }

  step b = shop.post("/orders/${id}/ack",
                     body: { seen: true, })
  wait 1s
  return "ok"
}


flow other(x: int) -> int { return x + 1 }
)";

TEST(IrLower, CommentsAndFormattingKeepVersions) {
  Module a = compile(kOrder), b = compile(kOrderReformatted);
  ASSERT_EQ(a.flows.size(), 2u);
  ASSERT_EQ(b.flows.size(), 2u);
  for (size_t i = 0; i < a.flows.size(); ++i) {
    EXPECT_EQ(flow_version(a, a.flows[i]), flow_version(b, b.flows[i])) << a.flows[i].name;
    EXPECT_EQ(serialize(a.flows[i]), serialize(b.flows[i]));
  }
  EXPECT_NE(a.source_map, b.source_map);  // positions moved, and they are kept for diagnostics
  EXPECT_EQ(a.source_map["order"]["a"].line, 5u);
  EXPECT_EQ(b.source_map["order"]["a"].line, 10u);
}

TEST(IrLower, SameSourceSameVersion) {
  Module a = compile(kOrder), b = compile(kOrder);
  EXPECT_EQ(serialize(a), serialize(b));
}

TEST(IrLower, ChangesAffectOnlyTheirFlow) {
  std::string changed = kOrder;
  changed.replace(changed.find("seen: true"), 10, "seen: false");
  Module a = compile(kOrder), b = compile(changed);
  EXPECT_NE(flow_version(a, a.flows[0]), flow_version(b, b.flows[0]));
  EXPECT_EQ(flow_version(a, a.flows[1]), flow_version(b, b.flows[1]));
}

TEST(IrLower, ConnectionChangesAffectFlowsThatUseIt) {
  std::string changed = kOrder;
  changed.replace(changed.find("9002"), 4, "9003");
  Module a = compile(kOrder), b = compile(changed);
  EXPECT_NE(flow_version(a, a.flows[0]), flow_version(b, b.flows[0]));
  EXPECT_EQ(flow_version(a, a.flows[1]), flow_version(b, b.flows[1]));
}

std::vector<std::string> ids(const Flow& f) {
  std::vector<std::string> out;
  for (const auto& n : f.nodes) out.push_back(n.id);
  return out;
}

TEST(IrLower, NodeIdsAreStableUnderUnrelatedEdits) {
  Module a = compile(kOrder);
  EXPECT_EQ(ids(a.flows[0]), (std::vector<std::string>{"a", "a/if", "a/if.then/return", "b", "b/wait", "b/return"}));
  // Adding statements before the first step and another `if` before `b` leaves b's nodes alone.
  std::string edited = kOrder;
  edited.replace(edited.find("  step a"), 0, "  let started = now()\n  wait 2s\n");
  edited.replace(edited.find("  step b"), 0, "  if id == \"x\" {\n    wait 3s\n  }\n");
  Module b = compile(edited);
  EXPECT_EQ(ids(b.flows[0]), (std::vector<std::string>{"let:started", "wait", "a", "a/if", "a/if.then/return", "a/if.2",
                                                       "a/if.2.then/wait", "b", "b/wait", "b/return"}));
}

TEST(IrLower, CompatibilityFromSource) {
  std::string moved = kOrder;
  moved.replace(moved.find("shop.post"), 9, "shop.put");
  Module a = compile(kOrder), b = compile(moved);
  CompatResult ok = check_compatible(a.flows[0], b.flows[0], {"a"});
  EXPECT_TRUE(ok.ok) << ok.message;
  CompatResult bad = check_compatible(a.flows[0], b.flows[0], {"a", "b"});
  EXPECT_EQ(bad.kind, Incompatibility::MethodChanged);
  EXPECT_EQ(bad.step, "b");
}

TEST(IrLower, ImportedDeclarationsAreQualified) {
  Module m = compile(R"(
import "./common.flow" as common

flow main(c: common.Contact) -> string {
  step saved = common.crm.post("/contacts", body: { name: common.display(c) })
  return common.PREFIX + saved.body.id
}
)",
                     {{"/mem/common.flow", R"(
type Contact { name: string }
const PREFIX = "id-"
fn display(c: Contact) -> string = upper(c.name)
connection crm = http { base_url: "http://127.0.0.1:9001" }
)"}});
  ASSERT_EQ(m.flows.size(), 1u);
  EXPECT_TRUE(m.find_type("common.Contact"));
  EXPECT_TRUE(m.find_fn("common.display"));
  EXPECT_TRUE(m.find_connection("common.crm"));
  const Node* saved = m.flows[0].find("saved");
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->action.connection, "common.crm");
  std::string d = dump(m.flows[0]);
  EXPECT_NE(d.find("succeed \"id-\" + $saved.body.id"), std::string::npos) << d;
  EXPECT_NE(d.find("@common.display($c)"), std::string::npos) << d;
  Dependencies deps = dependencies(m, m.flows[0]);
  EXPECT_EQ(deps.connections, (std::vector<std::string>{"common.crm"}));
  EXPECT_EQ(deps.fns, (std::vector<std::string>{"common.display"}));
  EXPECT_EQ(deps.types, (std::vector<std::string>{"common.Contact"}));
}

TEST(IrFold, FoldsWhatIsCertain) {
  namespace json = boost::json;
  EXPECT_EQ(fold(binary("+", constant(2), constant(3)))->value, json::value(5));
  EXPECT_EQ(fold(binary("+", constant("a"), constant("b")))->value, json::value("ab"));
  EXPECT_EQ(fold(binary("==", constant(1), constant(1.0)))->value, json::value(true));
  EXPECT_EQ(fold(cond(constant(false), constant(1), constant(2)))->value, json::value(2));
  EXPECT_EQ(fold(call("lower", {constant("ABC")}))->value, json::value("abc"));
  // Left for the evaluator: division, overflow, non-determinism, errors, non-constants.
  EXPECT_EQ(fold(binary("/", constant(1), constant(0)))->op, Expr::Op::Binary);
  EXPECT_EQ(fold(binary("+", constant(INT64_MAX), constant(1)))->op, Expr::Op::Binary);
  EXPECT_EQ(fold(call("now", {}))->op, Expr::Op::Call);
  EXPECT_EQ(fold(call("parse_json", {constant("{")}))->op, Expr::Op::Call);
  EXPECT_EQ(fold(binary("+", slot_ref(0), constant(1)))->op, Expr::Op::Binary);
  auto part = fold(interp({constant("n="), constant(3), slot_ref(0)}));
  ASSERT_EQ(part->op, Expr::Op::Interp);
  ASSERT_EQ(part->args.size(), 2u);
  EXPECT_EQ(part->args[0]->value, json::value("n=3"));
}

}  // namespace
}  // namespace weft::ir

namespace weft::ir {
namespace {

TEST(IrLower, YieldInsideABranchEndsTheIterationInTheGraph) {
  Module m = compile(R"(
flow pick(xs: [int]) -> [json] {
  for x in xs into out {
    if x > 1 {
      yield x
    }
    yield 0
  }
  return out
}
)");
  const Flow& f = m.flows[0];
  EXPECT_EQ(ids(f), (std::vector<std::string>{"for", "for.body/if", "for.body/if.then/yield", "for.body/yield", "return"}));
  std::string dot = to_dot(f);
  EXPECT_NE(dot.find("n2 -> n0 [label=\"next\", style=bold]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n3 -> n0 [label=\"next\", style=bold]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("n1 -> n2 [label=\"x > 1\"]"), std::string::npos) << dot;
}

}  // namespace
}  // namespace weft::ir
