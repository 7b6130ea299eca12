#include "compiler/ir/ir.h"

#include <algorithm>
#include <functional>
#include <set>

namespace weft::ir {

bool operator==(const Type& a, const Type& b) {
  return a.kind == b.kind && a.name == b.name && a.args == b.args && a.fields == b.fields;
}
bool operator==(const Field& a, const Field& b) {
  return a.name == b.name && a.optional == b.optional && a.type == b.type;
}

Type scalar(Type::Kind kind) { return Type{kind, {}, {}, {}}; }
Type list_of(Type t) { return Type{Type::Kind::List, {}, {std::move(t)}, {}}; }
Type map_of(Type t) { return Type{Type::Kind::Map, {}, {std::move(t)}, {}}; }
Type optional_of(Type t) { return Type{Type::Kind::Optional, {}, {std::move(t)}, {}}; }
Type ref(std::string name) { return Type{Type::Kind::Ref, std::move(name), {}, {}}; }

namespace {
std::shared_ptr<Expr> make(Expr::Op op) {
  auto e = std::make_shared<Expr>();
  e->op = op;
  return e;
}
}  // namespace

ExprPtr constant(boost::json::value v) {
  auto e = make(Expr::Op::Const);
  e->value = std::move(v);
  return e;
}
ExprPtr slot_ref(int slot) {
  auto e = make(Expr::Op::Slot);
  e->slot = slot;
  return e;
}
ExprPtr ctx(std::string name) {
  auto e = make(Expr::Op::Ctx);
  e->name = std::move(name);
  return e;
}
ExprPtr member(ExprPtr obj, std::string field, bool optional) {
  auto e = make(optional ? Expr::Op::OptMember : Expr::Op::Member);
  e->name = std::move(field);
  e->args = {std::move(obj)};
  return e;
}
ExprPtr index(ExprPtr obj, ExprPtr key) {
  auto e = make(Expr::Op::Index);
  e->args = {std::move(obj), std::move(key)};
  return e;
}
ExprPtr unary(std::string op, ExprPtr x) {
  auto e = make(Expr::Op::Unary);
  e->name = std::move(op);
  e->args = {std::move(x)};
  return e;
}
ExprPtr binary(std::string op, ExprPtr a, ExprPtr b) {
  auto e = make(Expr::Op::Binary);
  e->name = std::move(op);
  e->args = {std::move(a), std::move(b)};
  return e;
}
ExprPtr cond(ExprPtr c, ExprPtr a, ExprPtr b) {
  auto e = make(Expr::Op::Cond);
  e->args = {std::move(c), std::move(a), std::move(b)};
  return e;
}
ExprPtr list(std::vector<ExprPtr> items) {
  auto e = make(Expr::Op::List);
  e->args = std::move(items);
  return e;
}
ExprPtr object(std::vector<Expr::Entry> entries) {
  auto e = make(Expr::Op::Object);
  e->entries = std::move(entries);
  return e;
}
ExprPtr interp(std::vector<ExprPtr> parts) {
  auto e = make(Expr::Op::Interp);
  e->args = std::move(parts);
  return e;
}
ExprPtr call(std::string fn, std::vector<ExprPtr> args, std::vector<Expr::Named> named) {
  auto e = make(Expr::Op::Call);
  e->name = std::move(fn);
  e->args = std::move(args);
  e->named = std::move(named);
  return e;
}
ExprPtr call_fn(std::string fn, std::vector<ExprPtr> args) {
  auto e = make(Expr::Op::CallFn);
  e->name = std::move(fn);
  e->args = std::move(args);
  return e;
}
ExprPtr lambda(std::vector<int> params, ExprPtr body) {
  auto e = make(Expr::Op::Lambda);
  e->params = std::move(params);
  e->args = {std::move(body)};
  return e;
}
ExprPtr check(Type type, ExprPtr x, std::string path_root) {
  auto e = make(Expr::Op::Check);
  e->type = std::move(type);
  e->name = std::move(path_root);
  e->args = {std::move(x)};
  return e;
}
ExprPtr let_in(int slot, ExprPtr value, ExprPtr body) {
  auto e = make(Expr::Op::Let);
  e->slot = slot;
  e->args = {std::move(value), std::move(body)};
  return e;
}

bool same(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  if (a == b) return true;
  if (a->op != b->op || a->slot != b->slot || a->name != b->name || a->value != b->value ||
      a->params != b->params || a->type != b->type || a->args.size() != b->args.size() ||
      a->named.size() != b->named.size() || a->entries.size() != b->entries.size())
    return false;
  for (size_t i = 0; i < a->args.size(); ++i)
    if (!same(a->args[i], b->args[i])) return false;
  for (size_t i = 0; i < a->named.size(); ++i)
    if (a->named[i].name != b->named[i].name || !same(a->named[i].value, b->named[i].value)) return false;
  for (size_t i = 0; i < a->entries.size(); ++i)
    if (a->entries[i].key != b->entries[i].key || a->entries[i].spread != b->entries[i].spread ||
        !same(a->entries[i].value, b->entries[i].value))
      return false;
  return true;
}

namespace {
constexpr std::string_view kKindNames[] = {"call",  "child_flow", "assign", "choice",      "fork",
                                           "join",  "map",        "yield",  "timer",       "wait_signal",
                                           "emit",  "try",        "succeed", "fail"};
}

std::string_view kind_name(NodeKind k) { return kKindNames[static_cast<int>(k)]; }

std::optional<NodeKind> kind_from_name(std::string_view s) {
  for (size_t i = 0; i < std::size(kKindNames); ++i)
    if (kKindNames[i] == s) return static_cast<NodeKind>(i);
  return std::nullopt;
}

const Node* Flow::find(std::string_view id) const {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

const Flow* Module::find_flow(std::string_view name) const {
  for (const auto& f : flows)
    if (f.name == name) return &f;
  return nullptr;
}
const Fn* Module::find_fn(std::string_view name) const {
  for (const auto& f : fns)
    if (f.name == name) return &f;
  return nullptr;
}
const TypeDef* Module::find_type(std::string_view name) const {
  for (const auto& t : types)
    if (t.name == name) return &t;
  return nullptr;
}
const Connection* Module::find_connection(std::string_view name) const {
  for (const auto& c : connections)
    if (c.name == name) return &c;
  return nullptr;
}

// ---------------------------------------------------------------- regions

namespace {

/// The regions a structured node owns, as (region label, entry id).
std::vector<std::pair<std::string, std::string>> regions_of(const Node& n) {
  std::vector<std::pair<std::string, std::string>> out;
  switch (n.kind) {
    case NodeKind::Choice: {
      bool is_switch = n.subject != nullptr;
      for (size_t i = 0; i < n.edges.size(); ++i)
        out.emplace_back(is_switch ? "case" + std::to_string(i + 1) : (i == 0 ? "then" : "elif" + std::to_string(i)),
                         n.edges[i].target);
      if (n.otherwise) out.emplace_back(is_switch ? "default" : "else", *n.otherwise);
      break;
    }
    case NodeKind::Fork:
      for (const auto& b : n.branches) out.emplace_back(b.name, b.entry);
      break;
    case NodeKind::Map:
      out.emplace_back("body", n.body);
      break;
    case NodeKind::Try:
      out.emplace_back("body", n.body);
      for (size_t i = 0; i < n.catches.size(); ++i) out.emplace_back("catch" + std::to_string(i + 1), n.catches[i].entry);
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> node_regions(const Node& n) { return regions_of(n); }

FlowIndex::FlowIndex(const Flow& flow) : flow_(&flow) {
  for (size_t i = 0; i < flow.nodes.size(); ++i) pos_.emplace(flow.nodes[i].id, static_cast<int>(i));
  std::set<std::string> seen;
  std::function<void(const std::string&, const std::vector<RegionStep>&)> walk =
      [&](const std::string& entry, const std::vector<RegionStep>& ctx) {
        std::string id = entry;
        while (!id.empty() && !seen.count(id)) {
          const Node* n = node(id);
          if (!n) return;
          seen.insert(id);
          ctx_[id] = ctx;
          for (auto& [label, region_entry] : regions_of(*n)) {
            auto inner = ctx;
            inner.push_back(RegionStep{n->id, n->kind, label});
            walk(region_entry, inner);
          }
          id = n->next;
        }
      };
  walk(flow.entry, {});
}

int FlowIndex::position(std::string_view id) const {
  auto it = pos_.find(id);
  return it == pos_.end() ? -1 : it->second;
}

const Node* FlowIndex::node(std::string_view id) const {
  int p = position(id);
  return p < 0 ? nullptr : &flow_->nodes[p];
}

const std::vector<RegionStep>& FlowIndex::context(std::string_view id) const {
  static const std::vector<RegionStep> kEmpty;
  auto it = ctx_.find(id);
  return it == ctx_.end() ? kEmpty : it->second;
}

int FlowIndex::loop_depth(std::string_view id) const {
  int d = 0;
  for (const auto& r : context(id))
    if (r.owner_kind == NodeKind::Map) ++d;
  return d;
}

// ---------------------------------------------------------------- validation

namespace {

struct Validator {
  const Flow& flow;
  std::map<std::string, const Node*, std::less<>> by_id;
  std::set<std::string> reached;
  std::string error;

  bool fail(std::string msg) {
    if (error.empty()) error = std::move(msg);
    return false;
  }
  bool slot_ok(int s, bool optional, const std::string& where) {
    if (s == -1 && optional) return true;
    if (s < 0 || s >= static_cast<int>(flow.slots.size()))
      return fail(where + ": slot " + std::to_string(s) + " out of range");
    return true;
  }
  bool expr_ok(const ExprPtr& e, const std::string& where) {
    if (!e) return true;
    if ((e->op == Expr::Op::Slot || e->op == Expr::Op::Let) && !slot_ok(e->slot, false, where)) return false;
    for (int p : e->params)
      if (!slot_ok(p, false, where)) return false;
    for (const auto& a : e->args)
      if (!a) return fail(where + ": missing operand");
      else if (!expr_ok(a, where)) return false;
    for (const auto& n : e->named)
      if (!n.value || !expr_ok(n.value, where)) return fail(where + ": bad named argument");
    for (const auto& en : e->entries)
      if (!en.value || !expr_ok(en.value, where)) return fail(where + ": bad object entry");
    return true;
  }
  bool action_ok(const Action& a, const std::string& where) {
    if (a.kind == Action::Kind::Call) {
      if (a.connection.empty() || a.method.empty() || !a.path) return fail(where + ": call needs connection, method and path");
    } else if (a.flow.empty() || !a.input) {
      return fail(where + ": child flow needs a flow name and an input");
    }
    return expr_ok(a.path, where) && expr_ok(a.query, where) && expr_ok(a.headers, where) &&
           expr_ok(a.body, where) && expr_ok(a.accept_status, where) && expr_ok(a.input, where);
  }
  bool node_ok(const Node& n, int loop_depth) {
    const std::string w = "node `" + n.id + "`";
    switch (n.kind) {
      case NodeKind::Call:
      case NodeKind::ChildFlow:
        if ((n.kind == NodeKind::Call) != (n.action.kind == Action::Kind::Call))
          return fail(w + ": action kind does not match node kind");
        if (!slot_ok(n.slot, false, w) || !action_ok(n.action, w)) return false;
        if (n.compensate && !action_ok(*n.compensate, w + " compensation")) return false;
        break;
      case NodeKind::Assign:
        if (!n.value) return fail(w + ": assign needs a value");
        if (!slot_ok(n.slot, false, w)) return false;
        break;
      case NodeKind::Choice:
        if (n.subject && !slot_ok(n.slot, false, w)) return false;
        for (const auto& e : n.edges)
          if (!e.guard) return fail(w + ": edge without guard");
        break;
      case NodeKind::Fork: {
        auto it = by_id.find(n.next);
        if (it == by_id.end() || it->second->kind != NodeKind::Join) return fail(w + ": a fork must continue at a join");
        std::set<std::string> names;
        for (const auto& b : n.branches)
          if (b.name.empty() || !names.insert(b.name).second) return fail(w + ": branch names must be unique and non-empty");
        break;
      }
      case NodeKind::Map:
        if (!n.value) return fail(w + ": map needs a list");
        if (!slot_ok(n.item_slot, false, w) || !slot_ok(n.index_slot, true, w) || !slot_ok(n.into_slot, true, w)) return false;
        break;
      case NodeKind::Yield:
        if (loop_depth == 0) return fail(w + ": yield outside a map body");
        if (!n.value) return fail(w + ": yield needs a value");
        if (!n.next.empty()) return fail(w + ": yield ends its region");
        break;
      case NodeKind::Timer:
        if (!n.value) return fail(w + ": timer needs a duration or time");
        break;
      case NodeKind::WaitSignal:
        if (n.name.empty()) return fail(w + ": wait_signal needs a signal name");
        if (!slot_ok(n.slot, true, w)) return false;
        break;
      case NodeKind::Emit:
        if (n.name.empty()) return fail(w + ": emit needs an event type");
        break;
      case NodeKind::Try:
        for (const auto& c : n.catches)
          if (!slot_ok(c.slot, true, w) || !expr_ok(c.where, w)) return false;
        break;
      case NodeKind::Succeed:
      case NodeKind::Fail:
        if (n.kind == NodeKind::Fail && !n.value) return fail(w + ": fail needs a message");
        if (!n.next.empty()) return fail(w + ": " + std::string(kind_name(n.kind)) + " ends the flow");
        break;
      case NodeKind::Join:
        break;
    }
    return expr_ok(n.retry, w) && expr_ok(n.timeout, w) && expr_ok(n.value, w) && expr_ok(n.details, w) &&
           expr_ok(n.subject, w) && expr_ok(n.concurrency, w) &&
           std::all_of(n.edges.begin(), n.edges.end(), [&](const Edge& e) { return expr_ok(e.guard, w); });
  }
  bool walk(const std::string& entry, int loop_depth) {
    std::string id = entry;
    while (!id.empty()) {
      auto it = by_id.find(id);
      if (it == by_id.end()) return fail("edge to unknown node `" + id + "`");
      if (!reached.insert(id).second) return fail("node `" + id + "` is reached twice");
      const Node& n = *it->second;
      if (!node_ok(n, loop_depth)) return false;
      for (auto& [label, region_entry] : regions_of(n))
        if (!walk(region_entry, loop_depth + (n.kind == NodeKind::Map && label == "body" ? 1 : 0))) return false;
      id = n.next;
    }
    return true;
  }
};

}  // namespace

std::string validate(const Flow& flow) {
  Validator v{flow, {}, {}, {}};
  if (flow.name.empty()) return "flow without a name";
  for (const auto& n : flow.nodes) {
    if (n.id.empty()) return "flow `" + flow.name + "`: node without an id";
    if (!v.by_id.emplace(n.id, &n).second) return "flow `" + flow.name + "`: duplicate node id `" + n.id + "`";
  }
  for (const auto& p : flow.params)
    if (!v.slot_ok(p.slot, false, "parameter `" + p.name + "`")) return "flow `" + flow.name + "`: " + v.error;
  if (!v.walk(flow.entry, 0)) return "flow `" + flow.name + "`: " + v.error;
  for (const auto& n : flow.nodes)
    if (!v.reached.count(n.id)) return "flow `" + flow.name + "`: node `" + n.id + "` is unreachable";
  return {};
}

}  // namespace weft::ir
