#include "compiler/ir/serialize.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

namespace weft::ir {

namespace json = boost::json;

namespace {

constexpr std::string_view kScalarNames[] = {"json", "null", "bool", "int", "float",
                                             "string", "duration", "time", "secret"};
constexpr std::string_view kSlotKinds[] = {"param", "let",    "step",   "item",   "index",
                                           "into",  "catch",  "signal", "lambda", "temp"};
const std::set<std::string, std::less<>> kBinaryOps = {"||", "&&", "==", "!=", "<", "<=", ">",
                                                       ">=", "+",  "-",  "*",  "/", "%", "??"};

void put_expr(json::object& o, std::string_view key, const ExprPtr& e) {
  if (e) o[key] = to_json(e);
}

json::array settings_json(const std::vector<Setting>& ss) {
  json::array a;
  for (const auto& s : ss) a.push_back(json::array{json::string(s.name), to_json(s.value)});
  return a;
}

json::array params_json(const std::vector<Param>& ps) {
  json::array a;
  for (const auto& p : ps) {
    json::object o;
    o["name"] = p.name;
    o["slot"] = p.slot;
    o["type"] = to_json(p.type);
    put_expr(o, "default", p.default_value);
    a.push_back(std::move(o));
  }
  return a;
}

json::array slots_json(const std::vector<Slot>& ss) {
  json::array a;
  for (const auto& s : ss)
    a.push_back(json::array{json::string(s.name), json::string(kSlotKinds[static_cast<int>(s.kind)])});
  return a;
}

}  // namespace

// ---------------------------------------------------------------- writing

json::value to_json(const Type& t) {
  using K = Type::Kind;
  if (t.kind <= K::Secret) return json::string(kScalarNames[static_cast<int>(t.kind)]);
  json::array a;
  auto wrap = [&](std::string_view head) {
    a.push_back(json::string(head));
    for (const auto& x : t.args) a.push_back(to_json(x));
  };
  switch (t.kind) {
    case K::List: wrap("list"); break;
    case K::Map: wrap("map"); break;
    case K::Optional: wrap("opt"); break;
    case K::Union: wrap("union"); break;
    case K::Literal: a = {json::string("lit"), json::string(t.name)}; break;
    case K::Ref: a = {json::string("ref"), json::string(t.name)}; break;
    case K::Record: {
      json::array fs;
      for (const auto& f : t.fields) {
        json::object o;
        o["name"] = f.name;
        if (f.optional) o["optional"] = true;
        o["type"] = to_json(f.type);
        fs.push_back(std::move(o));
      }
      a = {json::string("rec"), std::move(fs)};
      break;
    }
    default: break;
  }
  return a;
}

json::value to_json(const ExprPtr& e) {
  if (!e) return nullptr;
  using O = Expr::Op;
  json::array a;
  auto head = [&](std::string_view h) { a.push_back(json::string(h)); };
  auto rest = [&] {
    for (const auto& x : e->args) a.push_back(to_json(x));
  };
  switch (e->op) {
    case O::Const: head("const"); a.push_back(e->value); break;
    case O::Slot: head("slot"); a.push_back(e->slot); break;
    case O::Ctx: head("ctx"); a.push_back(json::string(e->name)); break;
    case O::Member:
    case O::OptMember:
      head(e->op == O::Member ? "get" : "oget");
      rest();
      a.push_back(json::string(e->name));
      break;
    case O::Index: head("index"); rest(); break;
    case O::Unary: head(e->name == "-" ? "neg" : e->name); rest(); break;
    case O::Binary: head(e->name); rest(); break;
    case O::Cond: head("?:"); rest(); break;
    case O::List: head("list"); rest(); break;
    case O::Object:
      head("object");
      for (const auto& en : e->entries)
        if (en.spread) a.push_back(json::array{to_json(en.value)});
        else a.push_back(json::array{json::string(en.key), to_json(en.value)});
      break;
    case O::Interp: head("interp"); rest(); break;
    case O::Call: {
      head("call");
      a.push_back(json::string(e->name));
      json::array args;
      for (const auto& x : e->args) args.push_back(to_json(x));
      a.push_back(std::move(args));
      if (!e->named.empty()) {
        json::array named;
        for (const auto& n : e->named) named.push_back(json::array{json::string(n.name), to_json(n.value)});
        a.push_back(std::move(named));
      }
      break;
    }
    case O::CallFn: head("fn"); a.push_back(json::string(e->name)); rest(); break;
    case O::Lambda: {
      head("lambda");
      json::array ps;
      for (int p : e->params) ps.push_back(p);
      a.push_back(std::move(ps));
      rest();
      break;
    }
    case O::Check:
      head("check");
      a.push_back(e->type ? to_json(*e->type) : json::value("json"));
      rest();
      a.push_back(json::string(e->name));
      break;
    case O::Let: head("let"); a.push_back(e->slot); rest(); break;
  }
  return a;
}

json::value to_json(const Action& a) {
  json::object o;
  if (a.kind == Action::Kind::Call) {
    o["kind"] = "call";
    o["connection"] = a.connection;
    o["method"] = a.method;
    put_expr(o, "path", a.path);
    put_expr(o, "query", a.query);
    put_expr(o, "headers", a.headers);
    put_expr(o, "body", a.body);
    put_expr(o, "accept_status", a.accept_status);
    if (a.response) o["response"] = to_json(*a.response);
  } else {
    o["kind"] = "child_flow";
    o["flow"] = a.flow;
    put_expr(o, "input", a.input);
  }
  return o;
}

json::value to_json(const Node& n) {
  json::object o;
  o["id"] = n.id;
  o["kind"] = kind_name(n.kind);
  switch (n.kind) {
    case NodeKind::Call:
    case NodeKind::ChildFlow:
      o["slot"] = n.slot;
      o["action"] = to_json(n.action);
      put_expr(o, "retry", n.retry);
      put_expr(o, "timeout", n.timeout);
      if (n.compensate) o["compensate"] = to_json(*n.compensate);
      break;
    case NodeKind::Assign:
      o["slot"] = n.slot;
      put_expr(o, "value", n.value);
      break;
    case NodeKind::Choice: {
      if (n.subject) {
        o["subject"] = to_json(n.subject);
        o["slot"] = n.slot;
      }
      json::array edges;
      for (const auto& e : n.edges) {
        json::object eo;
        eo["label"] = e.label;
        eo["guard"] = to_json(e.guard);
        eo["target"] = e.target;
        edges.push_back(std::move(eo));
      }
      o["edges"] = std::move(edges);
      if (n.otherwise) o["otherwise"] = *n.otherwise;
      break;
    }
    case NodeKind::Fork: {
      json::array bs;
      for (const auto& b : n.branches) {
        json::object bo;
        bo["name"] = b.name;
        bo["entry"] = b.entry;
        bs.push_back(std::move(bo));
      }
      o["branches"] = std::move(bs);
      break;
    }
    case NodeKind::Join: break;
    case NodeKind::Map:
      put_expr(o, "list", n.value);
      o["item"] = n.item_slot;
      if (n.index_slot >= 0) o["index"] = n.index_slot;
      put_expr(o, "concurrency", n.concurrency);
      if (n.into_slot >= 0) o["into"] = n.into_slot;
      o["body"] = n.body;
      break;
    case NodeKind::Yield: put_expr(o, "value", n.value); break;
    case NodeKind::Timer: put_expr(o, n.until ? "until" : "duration", n.value); break;
    case NodeKind::WaitSignal:
      o["signal"] = n.name;
      if (n.slot >= 0) o["slot"] = n.slot;
      put_expr(o, "timeout", n.timeout);
      break;
    case NodeKind::Emit:
      o["event"] = n.name;
      put_expr(o, "data", n.value);
      break;
    case NodeKind::Try: {
      o["body"] = n.body;
      json::array cs;
      for (const auto& c : n.catches) {
        json::object co;
        if (!c.kind.empty()) co["kind"] = c.kind;
        if (c.slot >= 0) co["slot"] = c.slot;
        put_expr(co, "where", c.where);
        co["entry"] = c.entry;
        cs.push_back(std::move(co));
      }
      o["catches"] = std::move(cs);
      break;
    }
    case NodeKind::Succeed: put_expr(o, "value", n.value); break;
    case NodeKind::Fail:
      put_expr(o, "message", n.value);
      put_expr(o, "details", n.details);
      break;
  }
  if (!n.next.empty()) o["next"] = n.next;
  return o;
}

json::value to_json(const Flow& f) {
  json::object o;
  o["name"] = f.name;
  o["params"] = params_json(f.params);
  if (f.result) o["result"] = to_json(*f.result);
  json::array ts;
  for (const auto& t : f.triggers) {
    json::object to;
    to["kind"] = t.kind;
    put_expr(to, "subject", t.subject);
    if (t.poll) to["poll"] = to_json(*t.poll);
    put_expr(to, "every", t.every);
    to["settings"] = settings_json(t.settings);
    ts.push_back(std::move(to));
  }
  o["triggers"] = std::move(ts);
  json::object opts;
  put_expr(opts, "timeout", f.options.timeout);
  put_expr(opts, "retry", f.options.retry);
  put_expr(opts, "concurrency_limit", f.options.concurrency_limit);
  put_expr(opts, "concurrency_key", f.options.concurrency_key);
  put_expr(opts, "retention", f.options.retention);        // absent when unset: older hashes stay
  put_expr(opts, "on_exhausted", f.options.on_exhausted);
  o["options"] = std::move(opts);
  o["slots"] = slots_json(f.slots);
  o["entry"] = f.entry;
  json::array ns;
  for (const auto& n : f.nodes) ns.push_back(to_json(n));
  o["nodes"] = std::move(ns);
  return o;
}

json::value to_json(const Fn& f) {
  json::object o;
  o["name"] = f.name;
  o["params"] = params_json(f.params);
  o["result"] = to_json(f.result);
  o["slots"] = slots_json(f.slots);
  o["body"] = to_json(f.body);
  return o;
}

json::value to_json(const Connection& c) {
  json::object o;
  o["name"] = c.name;
  o["kind"] = c.kind;
  o["settings"] = settings_json(c.settings);
  return o;
}

json::value to_json(const Module& m) {
  json::object o;
  o["format"] = m.format_version;
  json::array types;
  for (const auto& t : m.types) {
    json::object to;
    to["name"] = t.name;
    to["type"] = to_json(t.type);
    types.push_back(std::move(to));
  }
  o["types"] = std::move(types);
  json::array consts;
  for (const auto& [name, v] : m.consts) {
    json::object co;
    co["name"] = name;
    co["value"] = v;
    consts.push_back(std::move(co));
  }
  o["consts"] = std::move(consts);
  json::array fns, conns, flows;
  for (const auto& f : m.fns) fns.push_back(to_json(f));
  for (const auto& c : m.connections) conns.push_back(to_json(c));
  for (const auto& f : m.flows) flows.push_back(to_json(f));
  o["fns"] = std::move(fns);
  o["connections"] = std::move(conns);
  o["flows"] = std::move(flows);
  json::object sm;
  for (const auto& [flow, ids] : m.source_map) {
    json::object fo;
    for (const auto& [id, pos] : ids) fo[id] = json::array{pos.line, pos.column};
    sm[flow] = std::move(fo);
  }
  o["source_map"] = std::move(sm);
  return o;
}

std::string serialize(const Module& m) { return json::serialize(to_json(m)); }
std::string serialize(const Flow& f) { return json::serialize(to_json(f)); }

// ---------------------------------------------------------------- reading

namespace {

struct ParseError {
  std::string message;
};

/// Reads JSON into IR, tracking the path for error messages; throws ParseError internally only.
class Reader {
 public:
  [[noreturn]] void fail(const std::string& msg) const { throw ParseError{path() + ": " + msg}; }

  std::string path() const {
    std::string p = "$";
    for (const auto& s : path_) p += s;
    return p;
  }

  struct Scope {
    Reader& r;
    Scope(Reader& r, std::string seg) : r(r) { r.path_.push_back(std::move(seg)); }
    ~Scope() { r.path_.pop_back(); }
  };
  Scope at(std::string_view key) { return Scope(*this, "." + std::string(key)); }
  Scope at(size_t i) { return Scope(*this, "[" + std::to_string(i) + "]"); }

  const json::object& obj(const json::value& v, std::initializer_list<std::string_view> allowed) {
    if (!v.is_object()) fail("expected an object");
    for (const auto& kv : v.get_object()) {
      bool ok = false;
      for (auto a : allowed) ok = ok || kv.key() == a;
      if (!ok) fail("unknown key `" + std::string(kv.key()) + "`");
    }
    return v.get_object();
  }
  const json::array& arr(const json::value& v) {
    if (!v.is_array()) fail("expected an array");
    return v.get_array();
  }
  std::string str(const json::value& v) {
    if (!v.is_string()) fail("expected a string");
    return std::string(v.get_string());
  }
  int64_t integer(const json::value& v) {
    if (!v.is_int64()) fail("expected an integer");
    return v.get_int64();
  }
  int slot(const json::value& v) {
    int64_t s = integer(v);
    if (s < 0 || s > 1'000'000) fail("slot out of range");
    return static_cast<int>(s);
  }
  const json::value& req(const json::object& o, std::string_view key) {
    auto* p = o.if_contains(key);
    if (!p) fail("missing key `" + std::string(key) + "`");
    return *p;
  }
  std::string str_at(const json::object& o, std::string_view key) {
    auto s = at(key);
    return str(req(o, key));
  }
  int slot_at(const json::object& o, std::string_view key, bool optional) {
    auto* p = o.if_contains(key);
    if (!p) {
      if (optional) return -1;
      fail("missing key `" + std::string(key) + "`");
    }
    auto s = at(key);
    return slot(*p);
  }
  ExprPtr expr_at(const json::object& o, std::string_view key, bool optional = true) {
    auto* p = o.if_contains(key);
    if (!p) {
      if (!optional) fail("missing key `" + std::string(key) + "`");
      return nullptr;
    }
    auto s = at(key);
    return expr(*p);
  }

  Type type(const json::value& v) {
    using K = Type::Kind;
    if (v.is_string()) {
      for (size_t i = 0; i < std::size(kScalarNames); ++i)
        if (v.get_string() == kScalarNames[i]) return scalar(static_cast<K>(i));
      fail("unknown type `" + std::string(v.get_string()) + "`");
    }
    const auto& a = arr(v);
    if (a.empty()) fail("empty type");
    std::string head;
    {
      auto s = at(size_t{0});
      head = str(a[0]);
    }
    Type t;
    auto args = [&](size_t min, size_t max) {
      if (a.size() - 1 < min || a.size() - 1 > max) fail("`" + head + "` takes " + std::to_string(min) + " argument(s)");
      for (size_t i = 1; i < a.size(); ++i) {
        auto s = at(i);
        t.args.push_back(type(a[i]));
      }
    };
    if (head == "list") t.kind = K::List, args(1, 1);
    else if (head == "map") t.kind = K::Map, args(1, 1);
    else if (head == "opt") t.kind = K::Optional, args(1, 1);
    else if (head == "union") t.kind = K::Union, args(1, SIZE_MAX);
    else if (head == "lit" || head == "ref") {
      t.kind = head == "lit" ? K::Literal : K::Ref;
      if (a.size() != 2) fail("`" + head + "` takes one string");
      auto s = at(1);
      t.name = str(a[1]);
    } else if (head == "rec") {
      t.kind = K::Record;
      if (a.size() != 2) fail("`rec` takes one field list");
      auto s = at(1);
      const auto& fs = arr(a[1]);
      for (size_t i = 0; i < fs.size(); ++i) {
        auto s2 = at(i);
        const auto& fo = obj(fs[i], {"name", "optional", "type"});
        Field f;
        f.name = str_at(fo, "name");
        if (auto* o = fo.if_contains("optional")) {
          if (!o->is_bool() || !o->get_bool()) fail("`optional` is written only as true");
          f.optional = true;
        }
        auto s3 = at("type");
        f.type = type(req(fo, "type"));
        t.fields.push_back(std::move(f));
      }
    } else {
      fail("unknown type constructor `" + head + "`");
    }
    return t;
  }

  ExprPtr expr(const json::value& v) {
    const auto& a = arr(v);
    if (a.empty()) fail("empty expression");
    std::string head;
    {
      auto s = at(size_t{0});
      head = str(a[0]);
    }
    auto arity = [&](size_t n) {
      if (a.size() != n + 1) fail("`" + head + "` takes " + std::to_string(n) + " operand(s)");
    };
    auto sub = [&](size_t i) {
      auto s = at(i);
      return expr(a[i]);
    };
    auto subs = [&](size_t from) {
      std::vector<ExprPtr> out;
      for (size_t i = from; i < a.size(); ++i) out.push_back(sub(i));
      return out;
    };
    auto text = [&](size_t i) {
      auto s = at(i);
      return str(a[i]);
    };
    if (head == "const") return arity(1), constant(a[1]);
    if (head == "slot") {
      arity(1);
      auto s = at(1);
      return slot_ref(slot(a[1]));
    }
    if (head == "ctx") return arity(1), ctx(text(1));
    if (head == "get" || head == "oget") return arity(2), member(sub(1), text(2), head == "oget");
    if (head == "index") return arity(2), index(sub(1), sub(2));
    if (head == "!" || head == "neg") return arity(1), unary(head == "neg" ? "-" : "!", sub(1));
    if (kBinaryOps.count(head)) return arity(2), binary(head, sub(1), sub(2));
    if (head == "?:") return arity(3), cond(sub(1), sub(2), sub(3));
    if (head == "list") return list(subs(1));
    if (head == "interp") return interp(subs(1));
    if (head == "object") {
      std::vector<Expr::Entry> entries;
      for (size_t i = 1; i < a.size(); ++i) {
        auto s = at(i);
        const auto& en = arr(a[i]);
        if (en.size() == 1) {
          auto s2 = at(size_t{0});
          entries.push_back({"", true, expr(en[0])});
        } else if (en.size() == 2) {
          std::string key;
          {
            auto s2 = at(size_t{0});
            key = str(en[0]);
          }
          auto s2 = at(1);
          entries.push_back({std::move(key), false, expr(en[1])});
        } else {
          fail("an object entry is [key, expr] or [expr]");
        }
      }
      return object(std::move(entries));
    }
    if (head == "call") {
      if (a.size() != 3 && a.size() != 4) fail("`call` is [\"call\", name, [args], [[name, arg]...]?]");
      std::string name = text(1);
      std::vector<ExprPtr> args;
      {
        auto s = at(2);
        const auto& as = arr(a[2]);
        for (size_t i = 0; i < as.size(); ++i) {
          auto s2 = at(i);
          args.push_back(expr(as[i]));
        }
      }
      std::vector<Expr::Named> named;
      if (a.size() == 4) {
        auto s = at(3);
        const auto& ns = arr(a[3]);
        if (ns.empty()) fail("an empty named-argument list is omitted");
        for (size_t i = 0; i < ns.size(); ++i) {
          auto s2 = at(i);
          const auto& pair = arr(ns[i]);
          if (pair.size() != 2) fail("a named argument is [name, expr]");
          std::string n;
          {
            auto s3 = at(size_t{0});
            n = str(pair[0]);
          }
          auto s3 = at(1);
          named.push_back({std::move(n), expr(pair[1])});
        }
      }
      return call(std::move(name), std::move(args), std::move(named));
    }
    if (head == "fn") {
      if (a.size() < 2) fail("`fn` needs a name");
      return call_fn(text(1), subs(2));
    }
    if (head == "lambda") {
      arity(2);
      std::vector<int> ps;
      {
        auto s = at(1);
        const auto& pa = arr(a[1]);
        for (size_t i = 0; i < pa.size(); ++i) {
          auto s2 = at(i);
          ps.push_back(slot(pa[i]));
        }
      }
      return lambda(std::move(ps), sub(2));
    }
    if (head == "check") {
      arity(3);
      Type t;
      {
        auto s = at(1);
        t = type(a[1]);
      }
      auto x = sub(2);
      return check(std::move(t), std::move(x), text(3));
    }
    if (head == "let") {
      arity(3);
      int s;
      {
        auto sc = at(1);
        s = slot(a[1]);
      }
      auto value = sub(2);
      return let_in(s, std::move(value), sub(3));
    }
    fail("unknown expression operator `" + head + "`");
  }

  std::vector<Setting> settings(const json::object& o, std::string_view key) {
    auto s = at(key);
    const auto& a = arr(req(o, key));
    std::vector<Setting> out;
    for (size_t i = 0; i < a.size(); ++i) {
      auto s2 = at(i);
      const auto& pair = arr(a[i]);
      if (pair.size() != 2) fail("a setting is [name, expr]");
      std::string name;
      {
        auto s3 = at(size_t{0});
        name = str(pair[0]);
      }
      auto s3 = at(1);
      out.push_back({std::move(name), expr(pair[1])});
    }
    return out;
  }

  std::vector<Param> params(const json::object& o) {
    auto s = at("params");
    const auto& a = arr(req(o, "params"));
    std::vector<Param> out;
    for (size_t i = 0; i < a.size(); ++i) {
      auto s2 = at(i);
      const auto& po = obj(a[i], {"name", "slot", "type", "default"});
      Param p;
      p.name = str_at(po, "name");
      p.slot = slot_at(po, "slot", false);
      {
        auto s3 = at("type");
        p.type = type(req(po, "type"));
      }
      p.default_value = expr_at(po, "default");
      out.push_back(std::move(p));
    }
    return out;
  }

  std::vector<Slot> slots(const json::object& o) {
    auto s = at("slots");
    const auto& a = arr(req(o, "slots"));
    std::vector<Slot> out;
    for (size_t i = 0; i < a.size(); ++i) {
      auto s2 = at(i);
      const auto& pair = arr(a[i]);
      if (pair.size() != 2) fail("a slot is [name, kind]");
      Slot sl;
      sl.name = str(pair[0]);
      std::string k = str(pair[1]);
      bool found = false;
      for (size_t j = 0; j < std::size(kSlotKinds); ++j)
        if (kSlotKinds[j] == k) sl.kind = static_cast<Slot::Kind>(j), found = true;
      if (!found) fail("unknown slot kind `" + k + "`");
      out.push_back(std::move(sl));
    }
    return out;
  }

  Action action(const json::value& v) {
    if (!v.is_object()) fail("expected an object");
    auto* k = v.get_object().if_contains("kind");
    if (!k || !k->is_string()) fail("missing key `kind`");
    Action a;
    if (k->get_string() == "call") {
      const auto& o = obj(v, {"kind", "connection", "method", "path", "query", "headers", "body",
                              "accept_status", "response"});
      a.kind = Action::Kind::Call;
      a.connection = str_at(o, "connection");
      a.method = str_at(o, "method");
      a.path = expr_at(o, "path", false);
      a.query = expr_at(o, "query");
      a.headers = expr_at(o, "headers");
      a.body = expr_at(o, "body");
      a.accept_status = expr_at(o, "accept_status");
      if (auto* r = o.if_contains("response")) {
        auto s = at("response");
        a.response = type(*r);
      }
    } else if (k->get_string() == "child_flow") {
      const auto& o = obj(v, {"kind", "flow", "input"});
      a.kind = Action::Kind::ChildFlow;
      a.flow = str_at(o, "flow");
      a.input = expr_at(o, "input", false);
    } else {
      auto s = at("kind");
      fail("unknown action kind `" + std::string(k->get_string()) + "`");
    }
    return a;
  }

  std::string region_at(const json::object& o, std::string_view key) { return str_at(o, key); }

  Node node(const json::value& v) {
    if (!v.is_object()) fail("expected an object");
    const auto& raw = v.get_object();
    Node n;
    n.id = str_at(raw, "id");
    std::string kind = str_at(raw, "kind");
    auto k = kind_from_name(kind);
    if (!k) {
      auto s = at("kind");
      fail("unknown node kind `" + kind + "`");
    }
    n.kind = *k;
    switch (n.kind) {
      case NodeKind::Call:
      case NodeKind::ChildFlow: {
        const auto& o = obj(v, {"id", "kind", "slot", "action", "retry", "timeout", "compensate", "next"});
        n.slot = slot_at(o, "slot", false);
        {
          auto s = at("action");
          n.action = action(req(o, "action"));
        }
        n.retry = expr_at(o, "retry");
        n.timeout = expr_at(o, "timeout");
        if (auto* c = o.if_contains("compensate")) {
          auto s = at("compensate");
          n.compensate = action(*c);
        }
        break;
      }
      case NodeKind::Assign: {
        const auto& o = obj(v, {"id", "kind", "slot", "value", "next"});
        n.slot = slot_at(o, "slot", false);
        n.value = expr_at(o, "value", false);
        break;
      }
      case NodeKind::Choice: {
        const auto& o = obj(v, {"id", "kind", "subject", "slot", "edges", "otherwise", "next"});
        n.subject = expr_at(o, "subject");
        n.slot = slot_at(o, "slot", !n.subject);
        auto s = at("edges");
        const auto& es = arr(req(o, "edges"));
        for (size_t i = 0; i < es.size(); ++i) {
          auto s2 = at(i);
          const auto& eo = obj(es[i], {"label", "guard", "target"});
          Edge e;
          e.label = str_at(eo, "label");
          e.guard = expr_at(eo, "guard", false);
          e.target = region_at(eo, "target");
          n.edges.push_back(std::move(e));
        }
        if (o.contains("otherwise")) n.otherwise = region_at(o, "otherwise");
        break;
      }
      case NodeKind::Fork: {
        const auto& o = obj(v, {"id", "kind", "branches", "next"});
        auto s = at("branches");
        const auto& bs = arr(req(o, "branches"));
        for (size_t i = 0; i < bs.size(); ++i) {
          auto s2 = at(i);
          const auto& bo = obj(bs[i], {"name", "entry"});
          n.branches.push_back({str_at(bo, "name"), region_at(bo, "entry")});
        }
        break;
      }
      case NodeKind::Join:
        obj(v, {"id", "kind", "next"});
        break;
      case NodeKind::Map: {
        const auto& o = obj(v, {"id", "kind", "list", "item", "index", "concurrency", "into", "body", "next"});
        n.value = expr_at(o, "list", false);
        n.item_slot = slot_at(o, "item", false);
        n.index_slot = slot_at(o, "index", true);
        n.concurrency = expr_at(o, "concurrency");
        n.into_slot = slot_at(o, "into", true);
        n.body = region_at(o, "body");
        break;
      }
      case NodeKind::Yield: {
        const auto& o = obj(v, {"id", "kind", "value", "next"});
        n.value = expr_at(o, "value", false);
        break;
      }
      case NodeKind::Timer: {
        const auto& o = obj(v, {"id", "kind", "duration", "until", "next"});
        n.until = o.contains("until");
        if (n.until && o.contains("duration")) fail("a timer has a duration or an until time, not both");
        n.value = expr_at(o, n.until ? "until" : "duration", false);
        break;
      }
      case NodeKind::WaitSignal: {
        const auto& o = obj(v, {"id", "kind", "signal", "slot", "timeout", "next"});
        n.name = str_at(o, "signal");
        n.slot = slot_at(o, "slot", true);
        n.timeout = expr_at(o, "timeout");
        break;
      }
      case NodeKind::Emit: {
        const auto& o = obj(v, {"id", "kind", "event", "data", "next"});
        n.name = str_at(o, "event");
        n.value = expr_at(o, "data");
        break;
      }
      case NodeKind::Try: {
        const auto& o = obj(v, {"id", "kind", "body", "catches", "next"});
        n.body = region_at(o, "body");
        auto s = at("catches");
        const auto& cs = arr(req(o, "catches"));
        for (size_t i = 0; i < cs.size(); ++i) {
          auto s2 = at(i);
          const auto& co = obj(cs[i], {"kind", "slot", "where", "entry"});
          Catch c;
          if (co.contains("kind")) {
            c.kind = str_at(co, "kind");
            if (c.kind.empty()) fail("an empty catch kind is omitted");
          }
          c.slot = slot_at(co, "slot", true);
          c.where = expr_at(co, "where");
          c.entry = region_at(co, "entry");
          n.catches.push_back(std::move(c));
        }
        break;
      }
      case NodeKind::Succeed: {
        const auto& o = obj(v, {"id", "kind", "value", "next"});
        n.value = expr_at(o, "value");
        break;
      }
      case NodeKind::Fail: {
        const auto& o = obj(v, {"id", "kind", "message", "details", "next"});
        n.value = expr_at(o, "message", false);
        n.details = expr_at(o, "details");
        break;
      }
    }
    if (raw.contains("next")) {
      n.next = str_at(raw, "next");
      if (n.next.empty()) fail("an empty `next` is omitted");
    }
    return n;
  }

  Flow flow(const json::value& v) {
    const auto& o = obj(v, {"name", "params", "result", "triggers", "options", "slots", "entry", "nodes"});
    Flow f;
    f.name = str_at(o, "name");
    f.params = params(o);
    if (auto* r = o.if_contains("result")) {
      auto s = at("result");
      f.result = type(*r);
    }
    {
      auto s = at("triggers");
      const auto& ts = arr(req(o, "triggers"));
      for (size_t i = 0; i < ts.size(); ++i) {
        auto s2 = at(i);
        const auto& to = obj(ts[i], {"kind", "subject", "poll", "every", "settings"});
        Trigger t;
        t.kind = str_at(to, "kind");
        if (t.kind != "webhook" && t.kind != "schedule" && t.kind != "poll" && t.kind != "event")
          fail("unknown trigger kind `" + t.kind + "`");
        t.subject = expr_at(to, "subject");
        if (auto* p = to.if_contains("poll")) {
          auto s3 = at("poll");
          t.poll = action(*p);
        }
        if ((t.kind == "poll") != t.poll.has_value()) fail("a poll trigger (and only one) has a `poll` call");
        t.every = expr_at(to, "every");
        t.settings = settings(to, "settings");
        f.triggers.push_back(std::move(t));
      }
    }
    {
      auto s = at("options");
      const auto& oo = obj(req(o, "options"), {"timeout", "retry", "concurrency_limit", "concurrency_key", "retention", "on_exhausted"});
      f.options.timeout = expr_at(oo, "timeout");
      f.options.retry = expr_at(oo, "retry");
      f.options.concurrency_limit = expr_at(oo, "concurrency_limit");
      f.options.concurrency_key = expr_at(oo, "concurrency_key");
      f.options.retention = expr_at(oo, "retention");
      f.options.on_exhausted = expr_at(oo, "on_exhausted");
    }
    f.slots = slots(o);
    f.entry = str_at(o, "entry");
    {
      auto s = at("nodes");
      const auto& ns = arr(req(o, "nodes"));
      for (size_t i = 0; i < ns.size(); ++i) {
        auto s2 = at(i);
        f.nodes.push_back(node(ns[i]));
      }
    }
    if (auto err = validate(f); !err.empty()) fail(err);
    return f;
  }

  Fn fn(const json::value& v) {
    const auto& o = obj(v, {"name", "params", "result", "slots", "body"});
    Fn f;
    f.name = str_at(o, "name");
    f.params = params(o);
    {
      auto s = at("result");
      f.result = type(req(o, "result"));
    }
    f.slots = slots(o);
    f.body = expr_at(o, "body", false);
    return f;
  }

  Module module(const json::value& v) {
    const auto& o = obj(v, {"format", "types", "consts", "fns", "connections", "flows", "source_map"});
    Module m;
    {
      auto s = at("format");
      m.format_version = integer(req(o, "format"));
      if (m.format_version != kFormatVersion)
        fail("unsupported format " + std::to_string(m.format_version) + " (this build reads format " +
             std::to_string(kFormatVersion) + ")");
    }
    auto list = [&](std::string_view key, auto&& each) {
      auto s = at(key);
      const auto& a = arr(req(o, key));
      for (size_t i = 0; i < a.size(); ++i) {
        auto s2 = at(i);
        each(a[i]);
      }
    };
    list("types", [&](const json::value& x) {
      const auto& to = obj(x, {"name", "type"});
      TypeDef t;
      t.name = str_at(to, "name");
      auto s = at("type");
      t.type = type(req(to, "type"));
      m.types.push_back(std::move(t));
    });
    list("consts", [&](const json::value& x) {
      const auto& co = obj(x, {"name", "value"});
      m.consts.emplace_back(str_at(co, "name"), req(co, "value"));
    });
    list("fns", [&](const json::value& x) { m.fns.push_back(fn(x)); });
    list("connections", [&](const json::value& x) {
      const auto& co = obj(x, {"name", "kind", "settings"});
      Connection c;
      c.name = str_at(co, "name");
      c.kind = str_at(co, "kind");
      c.settings = settings(co, "settings");
      m.connections.push_back(std::move(c));
    });
    list("flows", [&](const json::value& x) { m.flows.push_back(flow(x)); });
    {
      auto s = at("source_map");
      const auto& sm = req(o, "source_map");
      if (!sm.is_object()) fail("expected an object");
      for (const auto& fkv : sm.get_object()) {
        auto s2 = at(fkv.key());
        if (!fkv.value().is_object()) fail("expected an object");
        auto& ids = m.source_map[std::string(fkv.key())];
        for (const auto& ikv : fkv.value().get_object()) {
          auto s3 = at(ikv.key());
          const auto& pos = arr(ikv.value());
          if (pos.size() != 2 || !pos[0].is_int64() || !pos[1].is_int64() || pos[0].get_int64() < 0 ||
              pos[1].get_int64() < 0 || pos[0].get_int64() > UINT32_MAX || pos[1].get_int64() > UINT32_MAX)
            fail("a source position is [line, column]");
          ids[std::string(ikv.key())] =
              SourcePos{static_cast<uint32_t>(pos[0].get_int64()), static_cast<uint32_t>(pos[1].get_int64())};
        }
      }
    }
    std::set<std::string> names;
    for (const auto& f : m.flows)
      if (!names.insert(f.name).second) fail("duplicate flow `" + f.name + "`");
    return m;
  }

 private:
  std::vector<std::string> path_;
};

template <typename T, typename F>
std::optional<T> guarded(std::string* error, F&& f) {
  try {
    return f();
  } catch (const ParseError& e) {
    if (error) *error = e.message;
  } catch (const std::exception& e) {
    if (error) *error = std::string("malformed IR: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace

namespace {

/// Parses JSON text as deep as the IR may nest; nullopt with *error set when it is not JSON.
std::optional<json::value> parse_json(std::string_view text, std::string* error) {
  json::parse_options opts;
  opts.max_depth = 8192;
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {}, opts);
  if (ec) {
    if (error) *error = "invalid JSON: " + ec.message();
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<Module> parse_module(std::string_view text, std::string* error) {
  auto v = parse_json(text, error);
  if (!v) return std::nullopt;
  return guarded<Module>(error, [&] { return Reader().module(*v); });
}

std::optional<Module> module_from_stored(std::string_view text, std::string* error) {
  auto v = parse_json(text, error);
  if (!v) return std::nullopt;
  auto fail = [&](const std::string& why) -> std::optional<Module> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (!v->is_object()) return fail("a stored flow version must be a JSON object");
  const json::object& o = v->get_object();
  static constexpr std::string_view kKeys[] = {"format", "flow", "types", "fns", "connections"};
  for (const auto& [key, value] : o)
    if (std::find(std::begin(kKeys), std::end(kKeys), std::string_view(key)) == std::end(kKeys))
      return fail("$." + std::string(key) + ": unknown key in a stored flow version");
  for (std::string_view key : kKeys)
    if (!o.contains(key)) return fail("$." + std::string(key) + ": missing from a stored flow version");
  json::object m;
  m["format"] = o.at("format");
  m["types"] = o.at("types");
  m["consts"] = json::array{};
  m["fns"] = o.at("fns");
  m["connections"] = o.at("connections");
  m["flows"] = json::array{o.at("flow")};
  m["source_map"] = json::object{};
  return guarded<Module>(error, [&] { return Reader().module(json::value(std::move(m))); });
}

std::optional<Flow> flow_from_json(const json::value& v, std::string* error) {
  return guarded<Flow>(error, [&] { return Reader().flow(v); });
}

std::optional<Type> type_from_json(const json::value& v, std::string* error) {
  return guarded<Type>(error, [&] { return Reader().type(v); });
}

std::optional<ExprPtr> expr_from_json(const json::value& v, std::string* error) {
  return guarded<ExprPtr>(error, [&] { return Reader().expr(v); });
}

}  // namespace weft::ir
