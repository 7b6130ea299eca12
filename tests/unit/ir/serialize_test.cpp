#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "compiler/ir/dump.h"
#include "compiler/ir/hash.h"
#include "compiler/ir/serialize.h"
#include "tests/unit/ir/sample.h"

namespace weft::ir {
namespace {

namespace json = boost::json;
using testing::sample_module;

TEST(IrSerialize, SampleIsValid) {
  Module m = sample_module();
  EXPECT_EQ(validate(m.flows[0]), "");
}

TEST(IrSerialize, RoundTripIsExact) {
  Module m = sample_module();
  std::string text = serialize(m);
  std::string error;
  auto back = parse_module(text, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(serialize(*back), text);
  EXPECT_EQ(dump(*back), dump(m));
  EXPECT_EQ(back->source_map, m.source_map);
  for (size_t i = 0; i < m.flows.size(); ++i) EXPECT_EQ(flow_version(*back, back->flows[i]), flow_version(m, m.flows[i]));
}

TEST(IrSerialize, CanonicalShape) {
  std::string text = serialize(sample_module());
  EXPECT_EQ(text.rfind("{\"format\":1,\"types\":[", 0), 0u) << text.substr(0, 40);
  EXPECT_EQ(text.find(' ' + std::string("\"")), std::string::npos);  // no whitespace between tokens
  EXPECT_EQ(text.find('\n'), std::string::npos);
  // Flow keys in the fixed order.
  auto flow = json::parse(text).at("flows").at(0).as_object();
  std::vector<std::string> keys;
  for (const auto& kv : flow) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "params", "result", "triggers", "options", "slots", "entry", "nodes"}));
}

TEST(IrSerialize, ExpressionForms) {
  std::vector<Slot> slots = {{"a", Slot::Kind::Let}};
  auto e = binary("+", member(slot_ref(0), "x"), call("lower", {constant("A")}, {{"n", constant(1)}}));
  EXPECT_EQ(json::serialize(to_json(e)),
            R"(["+",["get",["slot",0],"x"],["call","lower",[["const","A"]],[["n",["const",1]]]]])");
  EXPECT_EQ(json::serialize(to_json(unary("-", constant(2)))), R"(["neg",["const",2]])");
  EXPECT_EQ(json::serialize(to_json(check(list_of(ref("T")), ctx("body"), "body"))),
            R"(["check",["list",["ref","T"]],["ctx","body"],"body"])");
  std::string error;
  auto back = expr_from_json(to_json(e), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(same(*back, e));
  EXPECT_EQ(expr_text(e, slots), "$a.x + lower(\"A\", n: 1)");
}

TEST(IrSerialize, TypeForms) {
  Type t = optional_of(Type{Type::Kind::Union, {}, {Type{Type::Kind::Literal, "a", {}, {}}, scalar(Type::Kind::Int)}, {}});
  EXPECT_EQ(json::serialize(to_json(t)), R"(["opt",["union",["lit","a"],"int"]])");
  EXPECT_EQ(type_text(t), "(\"a\" | int)?");
  std::string error;
  auto back = type_from_json(to_json(t), &error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(*back == t);
  EXPECT_EQ(type_text(testing::order_type()), "{id: string, items: [json], note?: string?, status: \"new\" | \"paid\"}");
}

/// Parses `text` and expects a failure whose message contains `needle`.
void expect_rejected(const std::string& text, const std::string& needle) {
  std::string error;
  auto m = parse_module(text, &error);
  EXPECT_FALSE(m) << "accepted: " << text.substr(0, 200);
  EXPECT_NE(error.find(needle), std::string::npos) << "error was: " << error;
}

/// The sample module's JSON with `edit` applied, serialised.
template <typename F>
std::string edited(F&& edit) {
  json::value v = to_json(sample_module());
  edit(v);
  return json::serialize(v);
}

json::object& node_at(json::value& v, size_t i) { return v.at("flows").at(0).at("nodes").at(i).as_object(); }

TEST(IrSerialize, RejectsMalformedInput) {
  expect_rejected("", "invalid JSON");
  expect_rejected("{\"format\":1,", "invalid JSON");
  expect_rejected("[]", "expected an object");
  expect_rejected(edited([](json::value& v) { v.as_object()["format"] = 2; }), "unsupported format 2");
  expect_rejected(edited([](json::value& v) { v.as_object().erase("fns"); }), "missing key `fns`");
  expect_rejected(edited([](json::value& v) { v.as_object()["extra"] = 1; }), "unknown key `extra`");
  expect_rejected(edited([](json::value& v) { node_at(v, 0)["kind"] = "teleport"; }), "unknown node kind `teleport`");
  expect_rejected(edited([](json::value& v) { node_at(v, 0)["next"] = "nowhere"; }), "edge to unknown node `nowhere`");
  expect_rejected(edited([](json::value& v) { node_at(v, 1)["id"] = "fetch"; }), "duplicate node id `fetch`");
  expect_rejected(edited([](json::value& v) { node_at(v, 0)["slot"] = 999; }), "slot 999 out of range");
  expect_rejected(edited([](json::value& v) { node_at(v, 0)["slot"] = "x"; }), "$.flows[0].nodes[0].slot: expected an integer");
  expect_rejected(edited([](json::value& v) { node_at(v, 1)["value"] = json::array{"frobnicate", 1}; }),
                  "unknown expression operator `frobnicate`");
  expect_rejected(edited([](json::value& v) { node_at(v, 1)["value"] = json::array{"+", json::array{"const", 1}}; }),
                  "`+` takes 2 operand(s)");
  expect_rejected(edited([](json::value& v) { v.at("types").at(0).as_object()["type"] = "strin"; }), "unknown type `strin`");
  // A node that is not reachable from the entry.
  expect_rejected(edited([](json::value& v) {
                    v.at("flows").at(0).at("nodes").as_array().push_back(json::object{{"id", "orphan"}, {"kind", "join"}});
                  }),
                  "node `orphan` is unreachable");
  // A region edge pointing back into the main chain reaches a node twice.
  expect_rejected(edited([](json::value& v) { node_at(v, 2)["otherwise"] = "fetch"; }), "reached twice");
  // A fork must continue at a join.
  expect_rejected(edited([](json::value& v) { node_at(v, 5)["next"] = "fetch/for"; }), "must continue at a join");
}

TEST(IrSerialize, ValidateNamesTheBrokenInvariant) {
  Flow f;
  f.name = "f";
  f.slots = {{"x", Slot::Kind::Let}};
  f.entry = "y";
  Node y;
  y.id = "y";
  y.kind = NodeKind::Yield;
  y.value = constant(1);
  f.nodes = {y};
  EXPECT_EQ(validate(f), "flow `f`: node `y`: yield outside a map body");
  Node r;
  r.id = "r";
  r.kind = NodeKind::Succeed;
  r.next = "y";
  f.nodes = {r, y};
  f.entry = "r";
  EXPECT_EQ(validate(f), "flow `f`: node `r`: succeed ends the flow");
  Node a;
  a.id = "a";
  a.kind = NodeKind::Assign;
  a.slot = 0;
  a.value = slot_ref(3);
  f.nodes = {a};
  f.entry = "a";
  EXPECT_EQ(validate(f), "flow `f`: node `a`: slot 3 out of range");
}

TEST(IrSerialize, DeepNestingIsRejectedOrHandledWithoutCrash) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "[";
  std::string error;
  EXPECT_FALSE(parse_module(deep, &error));
  EXPECT_FALSE(error.empty());
}

TEST(IrSerialize, MutatedInputNeverCrashesAndStaysCanonical) {
  const std::string text = serialize(sample_module());
  std::mt19937 rng(42);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string t = text;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      size_t pos = rng() % t.size();
      switch (rng() % 3) {
        case 0: t[pos] = "{}[],:\"0a-"[rng() % 10]; break;
        case 1: t.erase(pos, 1 + rng() % 8); break;
        case 2: t.insert(pos, t.substr(rng() % t.size(), 1 + rng() % 12)); break;
      }
      if (t.empty()) t = "x";
    }
    std::string error;
    auto m = parse_module(t, &error);
    if (!m) {
      EXPECT_FALSE(error.empty());
      continue;
    }
    ++accepted;
    std::string canon = serialize(*m);
    auto again = parse_module(canon, &error);
    ASSERT_TRUE(again) << error;
    EXPECT_EQ(serialize(*again), canon);
  }
  EXPECT_LT(accepted, 3000);
}

TEST(IrSerialize, DumpShowsStructure) {
  std::string d = dump(sample_module().flows[0]);
  EXPECT_NE(d.find("flow process($order: Order) -> {ok: bool}\n"), std::string::npos) << d;
  EXPECT_NE(d.find("  [fetch] call $fetch = shop.get<Order>(\"/orders/${$order.id}\", accept_status: [404]) retry {attempts: 3} timeout 15s\n"
                   "    compensate shop.delete(\"/orders/${$order.id}/lock\")\n"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("    branch money:\n      [money/try] try:\n        [bill] child_flow $bill = run billing({amount: $amount})\n"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("      catch http_error as $e where $e.status == 409:\n"), std::string::npos) << d;
  EXPECT_NE(d.find("[fetch/for] map $item, $i in $order.items concurrency 4 into $shipped:\n"), std::string::npos) << d;
  EXPECT_NE(d.find("[fetch/switch.case1/let:note] assign $note#2 = \"x\""), std::string::npos) << d;
  EXPECT_NE(d.find("    elif1 when $amount > 10:\n      (empty)\n"), std::string::npos) << d;
}

}  // namespace
}  // namespace weft::ir

namespace weft::ir {
namespace {

// The engine keeps one flow version as version_input(); module_from_stored rebuilds a module
// that gives the very same version again.
TEST(IrStored, ModuleFromStoredRebuildsEveryFlowVersion) {
  Module m = sample_module();
  ASSERT_FALSE(m.flows.empty());
  for (const auto& f : m.flows) {
    std::string stored = version_input(m, f), error;
    auto back = module_from_stored(stored, &error);
    ASSERT_TRUE(back) << error;
    ASSERT_EQ(back->flows.size(), 1u);
    EXPECT_EQ(back->flows[0].name, f.name);
    EXPECT_EQ(version_input(*back, back->flows[0]), stored);
    EXPECT_EQ(flow_version(*back, back->flows[0]), flow_version(m, f));
    EXPECT_TRUE(back->consts.empty());
  }
}

TEST(IrStored, ModuleFromStoredRejectsMalformedText) {
  Module m = sample_module();
  json::object good = json::parse(version_input(m, m.flows[0])).as_object();
  auto error_of = [](const std::string& text) {
    std::string error;
    EXPECT_FALSE(module_from_stored(text, &error)) << text;
    return error;
  };
  EXPECT_EQ(error_of("{").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(error_of("[]"), "a stored flow version must be a JSON object");
  json::object no_flow = good;
  no_flow.erase("flow");
  EXPECT_EQ(error_of(json::serialize(no_flow)), "$.flow: missing from a stored flow version");
  json::object extra = good;
  extra["consts"] = json::array{};
  EXPECT_EQ(error_of(json::serialize(extra)), "$.consts: unknown key in a stored flow version");
  json::object bad_flow = good;
  bad_flow["flow"] = 42;
  EXPECT_NE(error_of(json::serialize(bad_flow)), "");
}

}  // namespace
}  // namespace weft::ir
