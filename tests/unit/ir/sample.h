// A hand-built module that uses every node kind, shared by the IR unit tests.
#pragma once
#include <boost/json.hpp>

#include "compiler/ir/ir.h"

namespace weft::ir::testing {

inline Type order_type() {
  Type rec{Type::Kind::Record, {}, {}, {}};
  rec.fields.push_back({"id", false, scalar(Type::Kind::String)});
  rec.fields.push_back({"items", false, list_of(scalar(Type::Kind::Json))});
  rec.fields.push_back({"note", true, optional_of(scalar(Type::Kind::String))});
  Type status{Type::Kind::Union, {}, {Type{Type::Kind::Literal, "new", {}, {}}, Type{Type::Kind::Literal, "paid", {}, {}}}, {}};
  rec.fields.push_back({"status", false, status});
  return rec;
}

inline int add_slot(Flow& f, std::string name, Slot::Kind kind) {
  f.slots.push_back({std::move(name), kind});
  return static_cast<int>(f.slots.size()) - 1;
}

inline Node make_node(std::string id, NodeKind kind, std::string next = {}) {
  Node n;
  n.id = std::move(id);
  n.kind = kind;
  n.next = std::move(next);
  return n;
}

inline Action http(std::string conn, std::string method, ExprPtr path) {
  Action a;
  a.connection = std::move(conn);
  a.method = std::move(method);
  a.path = std::move(path);
  return a;
}

/// Module with types, a const, two fns (one unused by the flow), two connections (one unused)
/// and one flow `process` exercising every node kind.
inline Module sample_module() {
  namespace json = boost::json;
  Module m;
  m.types.push_back({"Order", order_type()});
  m.types.push_back({"Unused", scalar(Type::Kind::Int)});
  m.consts.push_back({"LIMIT", json::value(10)});

  Fn total;
  total.name = "total";
  total.slots = {{"o", Slot::Kind::Param}, {"sum", Slot::Kind::Let}, {"x", Slot::Kind::Lambda}};
  total.params.push_back({"o", 0, ref("Order"), nullptr});
  total.result = scalar(Type::Kind::Float);
  total.body = let_in(1, call("sum", {call("map", {member(slot_ref(0), "items"), lambda({2}, member(slot_ref(2), "price"))})}),
                      binary("*", slot_ref(1), constant(1.5)));
  m.fns.push_back(total);
  Fn unused;
  unused.name = "unused";
  unused.result = scalar(Type::Kind::Int);
  unused.body = constant(1);
  m.fns.push_back(unused);

  m.connections.push_back({"shop", "http", {{"base_url", binary("??", call("env", {constant("SHOP_URL")}), constant("http://127.0.0.1:9001"))},
                                             {"auth", call("bearer", {call("secret", {constant("shop_token")})})},
                                             {"timeout", constant(10000)}}});
  m.connections.push_back({"other", "http", {{"base_url", constant("http://127.0.0.1:9002")}}});

  Flow f;
  f.name = "process";
  int order = add_slot(f, "order", Slot::Kind::Param);
  f.params.push_back({"order", order, ref("Order"), nullptr});
  Type result{Type::Kind::Record, {}, {}, {}};
  result.fields.push_back({"ok", false, scalar(Type::Kind::Bool)});
  f.result = result;
  Trigger hook;
  hook.kind = "webhook";
  hook.subject = constant("/shop/orders");
  hook.settings.push_back({"input", object({{"order", false, check(ref("Order"), ctx("body"), "body")}})});
  f.triggers.push_back(hook);
  Trigger poll;
  poll.kind = "poll";
  poll.poll = http("shop", "get", constant("/orders"));
  poll.poll->query = object({{"since", false, ctx("cursor")}});
  poll.every = constant(300000);
  poll.settings.push_back({"items", member(member(ctx("response"), "body"), "items")});
  poll.settings.push_back({"input", object({{"order", false, ctx("item")}})});
  f.triggers.push_back(poll);
  f.options.timeout = constant(3600000);
  f.options.concurrency_limit = constant(10);
  f.options.concurrency_key = member(slot_ref(order), "id");

  int fetch = add_slot(f, "fetch", Slot::Kind::Step);
  int amount = add_slot(f, "amount", Slot::Kind::Let);
  int notify = add_slot(f, "notify", Slot::Kind::Step);
  int bill = add_slot(f, "bill", Slot::Kind::Step);
  int err = add_slot(f, "e", Slot::Kind::Catch);
  int note = add_slot(f, "note", Slot::Kind::Let);
  int item = add_slot(f, "item", Slot::Kind::Item);
  int i = add_slot(f, "i", Slot::Kind::Index);
  int shipped = add_slot(f, "shipped", Slot::Kind::Into);
  int ship = add_slot(f, "ship", Slot::Kind::Step);
  int approval = add_slot(f, "approval", Slot::Kind::Signal);
  int subject = add_slot(f, "switch", Slot::Kind::Temp);
  int note2 = add_slot(f, "note", Slot::Kind::Let);

  f.entry = "fetch";
  Node n = make_node("fetch", NodeKind::Call, "fetch/let:amount");
  n.slot = fetch;
  n.action = http("shop", "get", interp({constant("/orders/"), member(slot_ref(order), "id")}));
  n.action.accept_status = list({constant(404)});
  n.action.response = ref("Order");
  n.retry = object({{"attempts", false, constant(3)}});
  n.timeout = constant(15000);
  n.compensate = http("shop", "delete", interp({constant("/orders/"), member(slot_ref(order), "id"), constant("/lock")}));
  f.nodes.push_back(n);

  n = make_node("fetch/let:amount", NodeKind::Assign, "fetch/if");
  n.slot = amount;
  n.value = call_fn("total", {member(slot_ref(fetch), "body")});
  f.nodes.push_back(n);

  n = make_node("fetch/if", NodeKind::Choice, "fetch/parallel");
  n.edges.push_back({"fetch.status == 404", binary("==", member(slot_ref(fetch), "status"), constant(404)), "fetch/if.then/fail"});
  n.edges.push_back({"amount > LIMIT", binary(">", slot_ref(amount), constant(10)), ""});
  n.otherwise = "fetch/if.else/wait";
  f.nodes.push_back(n);
  n = make_node("fetch/if.then/fail", NodeKind::Fail);
  n.value = constant("gone");
  n.details = object({{"code", false, constant("gone")}});
  f.nodes.push_back(n);
  n = make_node("fetch/if.else/wait", NodeKind::Timer);
  n.value = constant(600000);
  f.nodes.push_back(n);

  n = make_node("fetch/parallel", NodeKind::Fork, "fetch/join");
  n.branches = {{"mail", "notify"}, {"money", "money/try"}};
  f.nodes.push_back(n);
  n = make_node("notify", NodeKind::Call);
  n.slot = notify;
  n.action = http("shop", "post", constant("/mail"));
  n.action.body = object({{"to", false, member(slot_ref(order), "id")}, {"", true, slot_ref(order)}});
  f.nodes.push_back(n);
  n = make_node("money/try", NodeKind::Try);
  n.body = "bill";
  n.catches.push_back({"http_error", err, binary("==", member(slot_ref(err), "status"), constant(409)), "money/try.catch1/let:note"});
  n.catches.push_back({"", -1, nullptr, ""});
  f.nodes.push_back(n);
  n = make_node("bill", NodeKind::ChildFlow);
  n.slot = bill;
  n.action.kind = Action::Kind::ChildFlow;
  n.action.flow = "billing";
  n.action.input = object({{"amount", false, slot_ref(amount)}});
  n.compensate = Action{Action::Kind::ChildFlow, {}, {}, nullptr, nullptr, nullptr, nullptr, nullptr, std::nullopt,
                        "refund", object({{"id", false, member(member(slot_ref(bill), "body"), "id")}})};
  f.nodes.push_back(n);
  n = make_node("money/try.catch1/let:note", NodeKind::Assign);
  n.slot = note;
  n.value = cond(unary("!", member(slot_ref(err), "body", true)), constant("none"), call("to_json", {member(slot_ref(err), "body")}));
  f.nodes.push_back(n);
  f.nodes.push_back(make_node("fetch/join", NodeKind::Join, "fetch/for"));

  n = make_node("fetch/for", NodeKind::Map, "fetch/signal");
  n.value = member(slot_ref(order), "items");
  n.item_slot = item;
  n.index_slot = i;
  n.into_slot = shipped;
  n.concurrency = constant(4);
  n.body = "ship";
  f.nodes.push_back(n);
  n = make_node("ship", NodeKind::Call, "ship/yield");
  n.slot = ship;
  n.action = http("shop", "post", constant("/ship"));
  n.action.body = object({{"item", false, slot_ref(item)}, {"n", false, binary("+", slot_ref(i), constant(1))}});
  n.compensate = http("shop", "delete", interp({constant("/ship/"), member(member(slot_ref(ship), "body"), "id")}));
  f.nodes.push_back(n);
  n = make_node("ship/yield", NodeKind::Yield);
  n.value = member(slot_ref(ship), "body");
  f.nodes.push_back(n);

  n = make_node("fetch/signal", NodeKind::WaitSignal, "fetch/switch");
  n.name = "approve";
  n.slot = approval;
  n.timeout = constant(86400000);
  f.nodes.push_back(n);

  n = make_node("fetch/switch", NodeKind::Choice, "fetch/emit");
  n.subject = member(slot_ref(order), "status");
  n.slot = subject;
  n.edges.push_back({"\"new\", \"paid\"", binary("||", binary("==", slot_ref(subject), constant("new")),
                                                   binary("==", slot_ref(subject), constant("paid"))),
                     "fetch/switch.case1/let:note"});
  n.otherwise = "";
  f.nodes.push_back(n);
  n = make_node("fetch/switch.case1/let:note", NodeKind::Assign, "fetch/switch.case1/until");
  n.slot = note2;
  n.value = constant("x");
  f.nodes.push_back(n);
  n = make_node("fetch/switch.case1/until", NodeKind::Timer);
  n.until = true;
  n.value = call("add_duration", {call("now", {}), constant(60000)});
  f.nodes.push_back(n);

  n = make_node("fetch/emit", NodeKind::Emit, "fetch/return");
  n.name = "order.done";
  n.value = object({{"id", false, member(slot_ref(order), "id")}, {"shipped", false, slot_ref(shipped)}});
  f.nodes.push_back(n);
  n = make_node("fetch/return", NodeKind::Succeed);
  n.value = object({{"ok", false, constant(true)}});
  f.nodes.push_back(n);

  m.flows.push_back(f);
  m.source_map["process"]["fetch"] = {12, 3};
  m.source_map["process"]["fetch/return"] = {40, 3};
  return m;
}

}  // namespace weft::ir::testing
