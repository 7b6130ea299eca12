#include "compiler/ir/hash.h"

#include <boost/json.hpp>
#include <set>

#include "compiler/ir/serialize.h"
#include "stdlib/functions/encoding.h"

namespace weft::ir {

namespace json = boost::json;

std::string sha256_hex(std::string_view bytes) { return functions::hex_encode(functions::sha256_raw(bytes)); }

namespace {

/// Collects names reachable from a flow, following fns, types and connection settings.
struct Collector {
  const Module& m;
  std::set<std::string> types, fns, connections, child_flows;

  void type(const Type& t) {
    if (t.kind == Type::Kind::Ref && types.insert(t.name).second)
      if (auto* d = m.find_type(t.name)) type(d->type);
    for (const auto& a : t.args) type(a);
    for (const auto& f : t.fields) type(f.type);
  }
  void expr(const ExprPtr& e) {
    if (!e) return;
    if (e->op == Expr::Op::CallFn && fns.insert(e->name).second)
      if (auto* f = m.find_fn(e->name)) {
        for (const auto& p : f->params) {
          type(p.type);
          expr(p.default_value);
        }
        type(f->result);
        expr(f->body);
      }
    if (e->type) type(*e->type);
    for (const auto& a : e->args) expr(a);
    for (const auto& n : e->named) expr(n.value);
    for (const auto& en : e->entries) expr(en.value);
  }
  void action(const Action& a) {
    if (a.kind == Action::Kind::ChildFlow) {
      child_flows.insert(a.flow);
    } else if (connections.insert(a.connection).second) {
      if (auto* c = m.find_connection(a.connection))
        for (const auto& s : c->settings) expr(s.value);
    }
    for (const auto* e : {&a.path, &a.query, &a.headers, &a.body, &a.accept_status, &a.input}) expr(*e);
    if (a.response) type(*a.response);
  }
  void flow(const Flow& f) {
    for (const auto& p : f.params) {
      type(p.type);
      expr(p.default_value);
    }
    if (f.result) type(*f.result);
    for (const auto& t : f.triggers) {
      expr(t.subject);
      if (t.poll) action(*t.poll);
      expr(t.every);
      for (const auto& s : t.settings) expr(s.value);
    }
    for (const auto* e : {&f.options.timeout, &f.options.retry, &f.options.concurrency_limit,
                          &f.options.concurrency_key, &f.options.retention, &f.options.on_exhausted})
      expr(*e);
    for (const auto& n : f.nodes) {
      if (n.kind == NodeKind::Call || n.kind == NodeKind::ChildFlow) action(n.action);
      if (n.compensate) action(*n.compensate);
      for (const auto* e : {&n.retry, &n.timeout, &n.value, &n.details, &n.subject, &n.concurrency}) expr(*e);
      for (const auto& e : n.edges) expr(e.guard);
      for (const auto& c : n.catches) expr(c.where);
    }
  }
};

std::vector<std::string> sorted(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

}  // namespace

Dependencies dependencies(const Module& m, const Flow& f) {
  Collector c{m, {}, {}, {}, {}};
  c.flow(f);
  return {sorted(c.types), sorted(c.fns), sorted(c.connections), sorted(c.child_flows)};
}

std::string version_input(const Module& m, const Flow& f) {
  Dependencies d = dependencies(m, f);
  json::object o;
  o["format"] = m.format_version;
  o["flow"] = to_json(f);
  json::array types, fns, conns;
  for (const auto& name : d.types)
    if (auto* t = m.find_type(name)) {
      json::object to;
      to["name"] = t->name;
      to["type"] = to_json(t->type);
      types.push_back(std::move(to));
    }
  for (const auto& name : d.fns)
    if (auto* fn = m.find_fn(name)) fns.push_back(to_json(*fn));
  for (const auto& name : d.connections)
    if (auto* c = m.find_connection(name)) conns.push_back(to_json(*c));
  o["types"] = std::move(types);
  o["fns"] = std::move(fns);
  o["connections"] = std::move(conns);
  return json::serialize(o);
}

std::string flow_version(const Module& m, const Flow& f) { return sha256_hex(version_input(m, f)); }

}  // namespace weft::ir
