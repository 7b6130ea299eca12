#include "compiler/lower/lower.h"

#include <boost/json.hpp>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "compiler/ir/dump.h"
#include "stdlib/settings/settings.h"

namespace weft::lower {

using namespace weft::ir;

namespace json = boost::json;

namespace {

using EK = ast::Expr::Kind;
using SK = ast::Stmt::Kind;
using SymK = sema::SymbolKind;
using TK = sema::Type::Kind;

/// Which constructor table applies to calls at this position.
enum class Ctor { None, Auth, Verify, Backoff, Retry };

/// The constructors of a setting position; names and parameters from the settings table.
std::vector<const settings::Constructor*> ctor_table(Ctor c) {
  switch (c) {
    case Ctor::Auth: return settings::constructors_in(settings::Group::Auth);
    case Ctor::Verify: return settings::constructors_in(settings::Group::Verify);
    case Ctor::Backoff: return settings::constructors_in(settings::Group::Backoff);
    default: return {};
  }
}

/// One file of the program with its IR name prefix ("" for the root, "alias." for imports).
struct Unit {
  const sema::ModuleUnit* mu = nullptr;
  std::string prefix;
  std::unordered_map<uint32_t, const sema::Symbol*> locals;  ///< declared-name offset → local symbol
  std::unordered_map<const ast::Expr*, sema::TypeRef> checks;
  const sema::CheckedModule& cm() const { return mu->checked; }
};

/// The slots of the flow or fn being lowered.
struct Scope {
  std::vector<Slot>* slots;
  const Unit* unit;
  std::unordered_map<const sema::Symbol*, int> map;
};

bool is_local(SymK k) {
  switch (k) {
    case SymK::Param: case SymK::Let: case SymK::Step: case SymK::ForItem: case SymK::ForIndex:
    case SymK::ForInto: case SymK::CatchVar: case SymK::LambdaParam:
      return true;
    default:
      return false;
  }
}

Slot::Kind slot_kind(SymK k) {
  switch (k) {
    case SymK::Param: return Slot::Kind::Param;
    case SymK::Step: return Slot::Kind::Step;
    case SymK::ForItem: return Slot::Kind::Item;
    case SymK::ForIndex: return Slot::Kind::Index;
    case SymK::ForInto: return Slot::Kind::Into;
    case SymK::CatchVar: return Slot::Kind::Catch;
    case SymK::LambdaParam: return Slot::Kind::Lambda;
    default: return Slot::Kind::Let;
  }
}

/// The path a runtime check names in its error: `body`, `current.body.items`; "value" otherwise.
std::string path_root(const ExprPtr& e, const std::vector<Slot>& slots) {
  using O = Expr::Op;
  if (!e) return "value";
  switch (e->op) {
    case O::Slot: return e->slot >= 0 && e->slot < static_cast<int>(slots.size()) ? slots[e->slot].name : "value";
    case O::Ctx: return e->name;
    case O::Member:
    case O::OptMember: {
      std::string r = path_root(e->args[0], slots);
      return r == "value" ? r : r + "." + e->name;
    }
    case O::Index: {
      std::string r = path_root(e->args[0], slots);
      if (r == "value" || e->args[1]->op != O::Const) return "value";
      const auto& k = e->args[1]->value;
      if (k.is_int64()) return r + "[" + std::to_string(k.get_int64()) + "]";
      if (k.is_string()) return r + "[" + json::serialize(k) + "]";
      return "value";
    }
    default: return "value";
  }
}

class Lowerer {
 public:
  explicit Lowerer(const sema::CheckedProgram& p) : prog_(p) {}

  LowerResult run() {
    LowerResult r;
    const sema::ModuleUnit* root = prog_.root();
    if (!root) {
      r.errors.push_back("empty program");
      return r;
    }
    index_units();
    const Unit& u = units_.front();
    const auto& decls = u.mu->ast.decls;
    // Named record types first (so Ref resolves), then everything else in source order.
    for (const auto& d : decls)
      if (d.kind == ast::Decl::Kind::Type)
        if (const sema::Symbol* s = u.cm().lookup(d.name.name)) type_def(s);
    for (const auto& d : decls) {
      const sema::Symbol* s = u.cm().lookup(d.name.name);
      if (!s || s->decl != &d) continue;
      switch (d.kind) {
        case ast::Decl::Kind::Const:
          if (ExprPtr v = const_value(s); v && v->op == Expr::Op::Const) out_.consts.emplace_back(s->name, v->value);
          break;
        case ast::Decl::Kind::Fn: ensure_fn(s); break;
        case ast::Decl::Kind::Connection: ensure_connection(s); break;
        case ast::Decl::Kind::Flow: ensure_flow(s); break;
        default: break;
      }
    }
    for (const auto& d : decls)
      if (d.kind == ast::Decl::Kind::Test) lower_test(d);
    while (!pending_flows_.empty()) {
      const sema::Symbol* s = pending_flows_.front();
      pending_flows_.pop_front();
      lower_flow(s);
    }
    r.module = std::move(out_);
    r.tests = std::move(tests_);
    r.errors = std::move(errors_);
    return r;
  }

 private:
  // ------------------------------------------------------------ units and names

  void index_units() {
    std::unordered_map<const sema::CheckedModule*, size_t> by_module;
    for (const auto& m : prog_.modules) {
      Unit u;
      u.mu = m.get();
      for (const auto& s : m->checked.symbols)
        if (is_local(s.kind) && s.range.valid()) u.locals.emplace(s.range.begin, &s);
      for (const auto& c : m->checked.runtime_checks) u.checks.emplace(c.expr, c.target);
      by_module[&m->checked] = units_.size();
      units_.push_back(std::move(u));
    }
    // Prefixes: breadth-first over imports from the root.
    std::vector<bool> named(units_.size(), false);
    named[0] = true;
    std::deque<size_t> queue = {0};
    while (!queue.empty()) {
      size_t i = queue.front();
      queue.pop_front();
      for (const auto& s : units_[i].cm().symbols) {
        if (s.kind != SymK::Import || !s.module) continue;
        auto it = by_module.find(s.module);
        if (it == by_module.end() || named[it->second]) continue;
        named[it->second] = true;
        units_[it->second].prefix = units_[i].prefix + s.name + ".";
        queue.push_back(it->second);
      }
    }
    for (size_t i = 0; i < units_.size(); ++i)
      if (!named[i]) units_[i].prefix = "module" + std::to_string(i) + ".";
    for (const auto& u : units_)
      for (const auto& s : u.cm().symbols)
        if (s.kind == SymK::Type && s.type && s.type->kind == TK::Record && s.type->name == s.name &&
            !record_names_.count(s.type))
          record_names_[s.type] = u.prefix + s.name;
  }

  const Unit& unit_of(const sema::Symbol* s) const {
    if (s && s->range.file)
      for (const auto& u : units_)
        if (u.mu->source.get() == s->range.file) return u;
    return units_.front();
  }

  std::string qname(const sema::Symbol* s) const { return unit_of(s).prefix + s->name; }

  void error(const diagnostics::Range& r, const std::string& msg) {
    std::string where = "<unknown>";
    if (r.file) {
      auto lc = r.file->line_col(r.begin);
      where = r.file->path() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.column);
    }
    errors_.push_back(where + ": " + msg);
  }

  const sema::Symbol* local(const Unit& u, const ast::Ident& id) const {
    auto it = u.locals.find(id.range.begin);
    return it == u.locals.end() ? nullptr : it->second;
  }

  int slot_for(Scope& sc, const sema::Symbol* s, Slot::Kind kind, const std::string& name) {
    if (s) {
      auto it = sc.map.find(s);
      if (it != sc.map.end()) return it->second;
    }
    sc.slots->push_back({name, kind});
    int idx = static_cast<int>(sc.slots->size()) - 1;
    if (s) sc.map[s] = idx;
    return idx;
  }
  int slot_for(Scope& sc, const ast::Ident& id, Slot::Kind kind) {
    return slot_for(sc, local(*sc.unit, id), kind, id.name);
  }

  // ------------------------------------------------------------ types

  Type type(sema::TypeRef t) {
    if (!t) return scalar(Type::Kind::Json);
    switch (t->kind) {
      case TK::String: return scalar(Type::Kind::String);
      case TK::Int: return scalar(Type::Kind::Int);
      case TK::Float: return scalar(Type::Kind::Float);
      case TK::Bool: return scalar(Type::Kind::Bool);
      case TK::Duration: return scalar(Type::Kind::Duration);
      case TK::Time: return scalar(Type::Kind::Time);
      case TK::Null: return scalar(Type::Kind::Null);
      case TK::Secret: return scalar(Type::Kind::Secret);
      case TK::Literal: return Type{Type::Kind::Literal, t->name, {}, {}};
      case TK::List: return list_of(type(t->arg()));
      case TK::Map: return map_of(type(t->arg()));
      case TK::Optional: return optional_of(type(t->arg()));
      case TK::Union: {
        Type u{Type::Kind::Union, {}, {}, {}};
        for (auto a : t->args) u.args.push_back(type(a));
        return u;
      }
      case TK::Record: {
        auto it = record_names_.find(t);
        if (it != record_names_.end()) {
          record_def(t, it->second);
          return ref(it->second);
        }
        return record(t->fields);
      }
      case TK::Response: {
        Type r{Type::Kind::Record, {}, {}, {}};
        r.fields.push_back({"status", false, scalar(Type::Kind::Int)});
        r.fields.push_back({"headers", false, map_of(scalar(Type::Kind::String))});
        r.fields.push_back({"body", false, type(t->arg())});
        return r;
      }
      default: return scalar(Type::Kind::Json);  // json, unknown, never, functions, type variables, handles
    }
  }

  Type record(const std::vector<sema::Field>& fields) {
    Type r{Type::Kind::Record, {}, {}, {}};
    for (const auto& f : fields) r.fields.push_back({f.name, f.optional, type(f.type)});
    return r;
  }

  void record_def(sema::TypeRef t, const std::string& name) {
    if (emitted_types_.count(name)) return;
    emitted_types_.insert(name);
    size_t at = out_.types.size();
    out_.types.push_back({name, scalar(Type::Kind::Json)});
    Type r = record(t->fields);
    out_.types[at].type = std::move(r);
  }

  void type_def(const sema::Symbol* s) {
    if (!s->type) return;
    std::string name = qname(s);
    if (s->type->kind == TK::Record && record_names_.count(s->type) && record_names_[s->type] == name) {
      record_def(s->type, name);
    } else if (!emitted_types_.count(name)) {
      emitted_types_.insert(name);
      out_.types.push_back({name, type(s->type)});
    }
  }

  // ------------------------------------------------------------ module-level declarations

  ExprPtr const_value(const sema::Symbol* s) {
    auto it = consts_.find(s);
    if (it != consts_.end()) return it->second;
    if (!s->decl || !s->decl->value || in_progress_.count(s)) {
      error(s->range, "constant `" + s->name + "` has no value");
      return constant(nullptr);
    }
    in_progress_.insert(s);
    std::vector<Slot> none;
    Scope sc{&none, &unit_of(s), {}};
    ExprPtr v = expr(*s->decl->value, sc);
    in_progress_.erase(s);
    if (!none.empty()) error(s->range, "constant `" + s->name + "` declares local names");
    consts_[s] = v;
    return v;
  }

  /// The parameters of a fn or flow declaration, each bound to a slot of `sc`.
  std::vector<Param> params(const ast::Decl& d, const Unit& u, Scope& sc) {
    std::vector<Param> out;
    for (const auto& p : d.params) {
      Param prm;
      prm.name = p.name.name;
      prm.slot = slot_for(sc, p.name, Slot::Kind::Param);
      prm.type = type(p.type ? u.cm().type_of(p.type.get()) : nullptr);
      if (p.default_value) prm.default_value = expr(*p.default_value, sc);
      out.push_back(std::move(prm));
    }
    return out;
  }

  std::string ensure_fn(const sema::Symbol* s) {
    std::string name = qname(s);
    if (fns_done_.insert(s).second) {
      const Unit& u = unit_of(s);
      const ast::Decl* d = s->decl;
      Fn fn;
      fn.name = name;
      Scope sc{&fn.slots, &u, {}};
      if (d) {
        fn.params = params(*d, u, sc);
        fn.result = type(s->type && s->type->kind == TK::Function ? s->type->arg() : nullptr);
        if (d->value) {
          fn.body = expr(*d->value, sc);
        } else if (d->body) {
          std::vector<const ast::Stmt*> stmts;
          for (const auto& st : d->body->stmts) stmts.push_back(st.get());
          fn.body = fn_seq(stmts, 0, sc);
        }
      }
      if (!fn.body) fn.body = constant(nullptr);
      out_.fns.push_back(std::move(fn));
    }
    return name;
  }

  /// A fn block body from statement i on: lets nest, `if` branches continue with the rest.
  ExprPtr fn_seq(const std::vector<const ast::Stmt*>& stmts, size_t i, Scope& sc) {
    if (i >= stmts.size()) return constant(nullptr);
    const ast::Stmt& s = *stmts[i];
    switch (s.kind) {
      case SK::Let: {
        int slot = slot_for(sc, s.name, Slot::Kind::Let);
        ExprPtr v = s.value ? expr(*s.value, sc) : constant(nullptr);
        return let_in(slot, v, fn_seq(stmts, i + 1, sc));
      }
      case SK::Return: return s.value ? expr(*s.value, sc) : constant(nullptr);
      case SK::If: {
        auto branch = [&](const ast::Block* b) {
          std::vector<const ast::Stmt*> rest;
          if (b)
            for (const auto& st : b->stmts) rest.push_back(st.get());
          for (size_t j = i + 1; j < stmts.size(); ++j) rest.push_back(stmts[j]);
          return fn_seq(rest, 0, sc);
        };
        ExprPtr c = s.value ? expr(*s.value, sc) : constant(false);
        ExprPtr a = branch(&s.then);
        ExprPtr b = branch(s.else_block ? &*s.else_block : nullptr);
        return fold(cond(c, a, b));
      }
      default:
        error(s.range, "this statement is not allowed in a fn body");
        return fn_seq(stmts, i + 1, sc);
    }
  }

  std::string ensure_connection(const sema::Symbol* s) {
    std::string name = qname(s);
    if (conns_done_.insert(s).second) {
      Connection c;
      c.name = name;
      std::vector<Slot> none;
      Scope sc{&none, &unit_of(s), {}};
      if (s->decl) {
        c.kind = s->decl->connection_kind.empty() ? "http" : s->decl->connection_kind;
        const sema::ConnectionInfo* ci = unit_of(s).cm().connection(s->name);
        bool openapi = c.kind == "openapi";
        if (openapi) {
          // An `openapi` connection runs as the `http` connection it describes: `spec` is the
          // checker's, and `base_url` defaults to the document's first server.
          c.kind = "http";
          if (ci && !ci->base_url.empty()) c.settings.push_back({"base_url", constant(json::string(ci->base_url))});
        }
        for (const auto& st : s->decl->settings) {
          if (!st.value || (openapi && st.name.name == "spec")) continue;
          Ctor ctx = st.name.name == "auth" ? Ctor::Auth : st.name.name == "retry" ? Ctor::Retry : Ctor::None;
          c.settings.push_back({st.name.name, expr(*st.value, sc, ctx)});
        }
      }
      out_.connections.push_back(std::move(c));
    }
    return name;
  }

  std::string ensure_flow(const sema::Symbol* s) {
    if (flows_seen_.insert(s).second) pending_flows_.push_back(s);
    return qname(s);
  }

  // ------------------------------------------------------------ expressions

  ExprPtr expr(const ast::Expr& e, Scope& sc, Ctor ctx = Ctor::None) {
    ExprPtr out = expr_inner(e, sc, ctx);
    auto it = sc.unit->checks.find(&e);
    if (it != sc.unit->checks.end() && it->second) {
      Type t = type(it->second);
      if (t.kind != Type::Kind::Json) out = check(std::move(t), out, path_root(out, *sc.slots));
    }
    return out;
  }

  ExprPtr string_lit(const ast::Expr& e, Scope& sc) {
    if (e.parts.empty()) return constant("");
    if (e.parts.size() == 1 && !e.parts[0].expr) return constant(json::string(e.parts[0].text));
    std::vector<ExprPtr> parts;
    for (const auto& p : e.parts) parts.push_back(p.expr ? expr(*p.expr, sc) : constant(json::string(p.text)));
    return fold(interp(std::move(parts)));
  }

  ExprPtr name(const ast::Expr& e, Scope& sc) {
    const sema::Symbol* s = sc.unit->cm().symbol_of(&e);
    if (!s) {
      error(e.range, "unresolved name `" + e.name + "`");
      return constant(nullptr);
    }
    if (is_local(s->kind)) return slot_ref(slot_for(sc, s, slot_kind(s->kind), s->name));
    switch (s->kind) {
      case SymK::TriggerVar: return ctx(s->name);
      case SymK::Const: return const_value(s);
      default:
        error(e.range, "`" + e.name + "` is a " + std::string(sema::kind_name(s->kind)) + ", not a value");
        return constant(nullptr);
    }
  }

  /// Arguments of a call placed at their parameters: receiver first, then positional, then named.
  /// `rest` is the index of a variadic last parameter (-1 if none). Unfilled slots stay null.
  std::vector<ExprPtr> place_args(const ast::Expr& call, const ast::Expr* receiver, const std::vector<std::string>& names,
                                  int rest, Scope& sc, std::vector<ExprPtr>* extra = nullptr) {
    std::vector<ExprPtr> out(names.size());
    size_t pos = 0;
    auto put_positional = [&](ExprPtr v) {
      if (rest >= 0 && pos >= static_cast<size_t>(rest)) {
        if (out[rest] == nullptr && pos == static_cast<size_t>(rest)) out[rest] = v;
        else if (extra) extra->push_back(v);
        ++pos;
        return;
      }
      while (pos < out.size() && out[pos]) ++pos;
      if (pos < out.size()) out[pos++] = std::move(v);
      else error(call.range, "too many arguments");
    };
    if (receiver) put_positional(expr(*receiver, sc));
    for (const auto& a : call.args) {
      if (!a.value || a.name) continue;
      put_positional(expr(*a.value, sc));
    }
    for (const auto& a : call.args) {
      if (!a.value || !a.name) continue;
      bool found = false;
      for (size_t i = 0; i < names.size(); ++i)
        if (names[i] == a.name->name) {
          out[i] = expr(*a.value, sc);
          found = true;
        }
      if (!found) error(a.range, "unknown argument `" + a.name->name + "`");
    }
    return out;
  }

  ExprPtr call_expr(const ast::Expr& e, Scope& sc, Ctor ctx) {
    if (e.operands.empty()) return constant(nullptr);
    const ast::Expr& callee = *e.operands[0];
    const sema::CheckedModule& cm = sc.unit->cm();
    // Constructors in settings.
    if (ctx == Ctor::Auth || ctx == Ctor::Verify || ctx == Ctor::Backoff) {
      if (callee.kind == EK::Name)
        for (const auto* c : ctor_table(ctx))
          if (callee.name == c->name) {
            std::vector<std::string> names;
            for (const auto& p : c->params) names.emplace_back(p.name);
            auto args = place_args(e, nullptr, names, -1, sc);
            std::vector<Expr::Entry> entries = {{"kind", false, constant(json::string(c->name))}};
            for (size_t i = 0; i < names.size(); ++i)
              if (args[i]) entries.push_back({names[i], false, args[i]});
            return fold(object(std::move(entries)));
          }
    }
    const ast::Expr* receiver = nullptr;
    if (callee.kind == EK::Member && !callee.operands.empty()) {
      const ast::Expr& recv = *callee.operands[0];
      const sema::Symbol* rs = recv.kind == EK::Name ? cm.symbol_of(&recv) : nullptr;
      if (!(rs && rs->kind == SymK::Import)) receiver = &recv;
    }
    const sema::Symbol* fs = cm.symbol_of(&callee);
    if (fs && fs->kind == SymK::Fn) {
      std::string fname = ensure_fn(fs);
      const Unit& fu = unit_of(fs);
      std::vector<std::string> names;
      if (fs->decl)
        for (const auto& p : fs->decl->params) names.push_back(p.name.name);
      auto args = place_args(e, receiver, names, -1, sc);
      for (size_t i = 0; i < args.size(); ++i)
        if (!args[i]) {
          const ast::Param& p = fs->decl->params[i];
          if (p.default_value) {
            std::vector<Slot> none;
            Scope dsc{&none, &fu, {}};
            args[i] = expr(*p.default_value, dsc);
            if (!none.empty()) error(p.range, "a default value cannot declare local names");
          } else {
            args[i] = constant(nullptr);
          }
        }
      return call_fn(fname, std::move(args));
    }
    if (const sema::StdFunction* sf = cm.std_function_of(&e)) {
      std::vector<std::string> names;
      int rest = -1;
      for (size_t i = 0; i < sf->params.size(); ++i) {
        names.push_back(sf->params[i].name);
        if (sf->params[i].variadic) rest = static_cast<int>(i);
      }
      std::vector<ExprPtr> extra;
      auto args = place_args(e, receiver, names, rest, sc, &extra);
      for (auto& x : extra) args.push_back(std::move(x));
      while (!args.empty() && !args.back()) args.pop_back();
      for (auto& a : args)
        if (!a) a = constant(nullptr);
      return fold(call(sf->name, std::move(args)));
    }
    if (callee.kind == EK::Name && !fs && e.args.size() == 1 && e.args[0].value) {
      // Test builtins: the runner keeps the recorded calls and events in ctx.
      const ast::Expr& a = *e.args[0].value;
      if (callee.name == "calls" && a.kind == EK::Member) {
        const sema::Symbol* cs = cm.symbol_of(&a);
        std::string conn = cs && cs->kind == SymK::Connection ? ensure_connection(cs) : "";
        std::string method = a.name;
        if (const sema::ConnectionInfo* ci = cs ? unit_of(cs).cm().connection(cs->name) : nullptr; ci && ci->document)
          if (const auto* op = ci->document->find_operation(a.name)) method = op->http_method;  // an operation: its HTTP method's calls
        return binary("??", index(ir::ctx("$calls"), constant(json::string(conn + "." + method))), list({}));
      }
      if (callee.name == "emitted") return binary("??", index(ir::ctx("$emitted"), expr(a, sc)), list({}));
    }
    error(e.range, "cannot lower this call");
    return constant(nullptr);
  }

  ExprPtr expr_inner(const ast::Expr& e, Scope& sc, Ctor ctx) {
    const sema::CheckedModule& cm = sc.unit->cm();
    auto op = [&](size_t i) -> ExprPtr {
      if (i < e.operands.size() && e.operands[i]) return expr(*e.operands[i], sc);
      error(e.range, "missing operand");
      return constant(nullptr);
    };
    switch (e.kind) {
      case EK::Int: return constant(e.int_value);
      case EK::Float: return constant(e.float_value);
      case EK::Bool: return constant(e.bool_value);
      case EK::Null: return constant(nullptr);
      case EK::Duration: return constant(e.duration_ms);
      case EK::String: return string_lit(e, sc);
      case EK::Name: return name(e, sc);
      case EK::Member:
      case EK::OptMember: {
        if (const sema::Symbol* s = cm.symbol_of(&e); s && s->kind == SymK::Const) return const_value(s);
        return fold(member(op(0), e.name, e.kind == EK::OptMember));
      }
      case EK::Index: return fold(index(op(0), op(1)));
      case EK::Call: return call_expr(e, sc, ctx);
      case EK::Unary: return fold(unary(e.name, op(0)));
      case EK::Binary: {
        // The checker types `int / int` as float; at run time two ints divide as integers (so that
        // durations, which are ints, stay ints): make the division a float one.
        if (e.name == "/") {
          auto l = cm.type_of(e.operands[0].get()), r = cm.type_of(e.operands[1].get());
          if (l && r && l->kind == sema::Type::Kind::Int && r->kind == sema::Type::Kind::Int)
            return fold(binary(e.name, call("to_float", {op(0)}), op(1)));
        }
        return fold(binary(e.name, op(0), op(1)));
      }
      case EK::Conditional: return fold(cond(op(0), op(1), op(2)));
      case EK::Lambda: {
        std::vector<int> params;
        for (const auto& p : e.params) params.push_back(slot_for(sc, p, Slot::Kind::Lambda));
        return lambda(std::move(params), op(0));
      }
      case EK::Object: {
        std::vector<Expr::Entry> entries;
        for (const auto& en : e.entries) {
          if (!en.value) continue;
          if (en.spread) {
            entries.push_back({"", true, expr(*en.value, sc)});
            continue;
          }
          ExprPtr v;
          if (ctx == Ctor::Retry && en.key.name == "backoff") {
            v = expr(*en.value, sc, Ctor::Backoff);
          } else if (ctx == Ctor::Retry && en.key.name == "on" && en.value->kind == EK::List) {
            std::vector<ExprPtr> kinds;
            for (const auto& item : en.value->operands)
              kinds.push_back(item->kind == EK::Name ? constant(json::string(item->name)) : expr(*item, sc));
            v = fold(list(std::move(kinds)));
          } else {
            v = expr(*en.value, sc);
          }
          entries.push_back({en.key.name, false, std::move(v)});
        }
        return fold(object(std::move(entries)));
      }
      case EK::List: {
        std::vector<ExprPtr> items;
        for (const auto& x : e.operands)
          if (x) items.push_back(expr(*x, sc));
        return fold(list(std::move(items)));
      }
      case EK::Run:
      case EK::Start:
      case EK::Await:
        if (hoist_) return durable_in_test(e, sc);
        error(e.range, "this expression is only allowed as a statement's action");
        return constant(nullptr);
      default:
        error(e.range, "this expression is only allowed as a statement's action");
        return constant(nullptr);
    }
  }

  // ------------------------------------------------------------ actions

  /// `run f(args)` / `start f(args)`: the flow's name and its input object into `a`.
  bool flow_run(const ast::Expr& e, Scope& sc, Action& a) {
    const sema::CheckedModule& cm = sc.unit->cm();
    const ast::Expr* c = !e.operands.empty() && e.operands[0] && e.operands[0]->kind == EK::Call ? e.operands[0].get() : nullptr;
    const sema::Symbol* fs = !c || c->operands.empty() ? nullptr : cm.symbol_of(c->operands[0].get());
    if (!fs || fs->kind != SymK::Flow) {
      error(e.range, "`run` of something that is not a flow");
      return false;
    }
    a.kind = Action::Kind::ChildFlow;
    a.flow = ensure_flow(fs);
    std::vector<std::string> names;
    if (fs->decl)
      for (const auto& p : fs->decl->params) names.push_back(p.name.name);
    auto args = place_args(*c, nullptr, names, -1, sc);
    std::vector<Expr::Entry> entries;
    for (size_t i = 0; i < names.size(); ++i)
      if (args[i]) entries.push_back({names[i], false, args[i]});
    a.input = fold(object(std::move(entries)));
    return true;
  }

  std::optional<Action> action(const ast::Expr& e, Scope& sc) {
    const sema::CheckedModule& cm = sc.unit->cm();
    Action a;
    if (e.kind == EK::Run) {
      if (!flow_run(e, sc, a)) return std::nullopt;
      return a;
    }
    if (e.kind == EK::Call && !e.operands.empty() && e.operands[0] && e.operands[0]->kind == EK::Member) {
      const ast::Expr& callee = *e.operands[0];
      const sema::Symbol* cs = cm.symbol_of(&callee);
      if (!cs || cs->kind != SymK::Connection) {
        error(e.range, "a step action must call a connection or run a flow");
        return std::nullopt;
      }
      a.kind = Action::Kind::Call;
      a.connection = ensure_connection(cs);
      a.method = callee.name;
      if (auto oc = cm.operation_calls.find(&e); oc != cm.operation_calls.end()) {
        operation_action(e, *oc->second.operation, oc->second.by_method, sc, a);
        return a;
      }
      for (const auto& arg : e.args) {
        if (!arg.value) continue;
        ExprPtr v = expr(*arg.value, sc);
        if (!arg.name) {
          if (!a.path) a.path = v;
          continue;
        }
        const std::string& n = arg.name->name;
        if (n == "body") a.body = v;
        else if (n == "query") a.query = v;
        else if (n == "headers") a.headers = v;
        else if (n == "accept_status") a.accept_status = v;
        else error(arg.range, "unknown argument `" + n + "`");
      }
      if (!a.path) {
        error(e.range, "a connection call needs a path");
        a.path = constant("");
      }
      if (!e.type_args.empty() && e.type_args[0]) {
        Type t = type(cm.type_of(e.type_args[0].get()));
        if (t.kind != Type::Kind::Json) a.response = std::move(t);
      }
      return a;
    }
    error(e.range, "a step action must call a connection or run a flow");
    return std::nullopt;
  }

  // ------------------------------------------------------------ openapi operations

  /// A path template with each `{param}` replaced by `value_of(param)`, URL-encoded (null: `*`, the
  /// one-segment wildcard of mocks).
  ExprPtr template_path(const std::string& tmpl, const std::function<ExprPtr(const std::string&)>& value_of) {
    std::vector<ExprPtr> parts;
    std::string lit;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      size_t close = tmpl[i] == '{' ? tmpl.find('}', i) : std::string::npos;
      if (close == std::string::npos) {
        lit += tmpl[i];
        continue;
      }
      ExprPtr v = value_of(tmpl.substr(i + 1, close - i - 1));
      if (!v) {
        lit += '*';
      } else {
        if (!lit.empty()) parts.push_back(constant(json::string(lit)));
        lit.clear();
        parts.push_back(call("url_encode", {interp({std::move(v)})}));
      }
      i = close;
    }
    if (!lit.empty() || parts.empty()) parts.push_back(constant(json::string(lit)));
    return fold(interp(std::move(parts)));
  }

  /// An operation call (`gh.repos_get(owner: o, repo: r)`, or `crm.get("/contacts/{id}", path: {...})`
  /// that the document has) → exactly the HTTP call it stands for: method, path with its
  /// parameters, query, body, headers.
  void operation_action(const ast::Expr& e, const openapi::Operation& op, bool by_method, Scope& sc, Action& a) {
    const sema::CheckedModule& cm = sc.unit->cm();
    a.method = op.http_method;
    std::map<std::string, ExprPtr> named;
    ExprPtr positional;
    for (const auto& arg : e.args) {
      if (!arg.value) continue;
      if (!arg.name) {
        if (!positional) positional = expr(*arg.value, sc);
        continue;
      }
      named[arg.name->name] = expr(*arg.value, sc);
    }
    auto take = [&](const char* n) {
      auto it = named.find(n);
      return it == named.end() ? nullptr : it->second;
    };
    a.body = take("body");
    a.headers = take("headers");
    a.accept_status = take("accept_status");
    if (by_method) {
      a.path = template_path(op.path, [&](const std::string& n) -> ExprPtr {
        const openapi::Parameter* p = op.parameter(n, "path");
        return p && named.count(n) ? named[n] : constant(json::string(""));
      });
      std::vector<Expr::Entry> query;
      for (const auto& p : op.parameters)
        if (p.in == "query" && named.count(p.name)) query.push_back({p.name, false, named[p.name]});
      if (!query.empty()) a.query = fold(object(std::move(query)));
    } else {
      ExprPtr path_obj = take("path");
      const ast::Expr* lit = nullptr;
      for (const auto& arg : e.args)
        if (arg.value && !arg.name) {
          lit = arg.value.get();
          break;
        }
      std::string tmpl;
      bool literal = lit && lit->kind == EK::String;
      if (literal)
        for (const auto& p : lit->parts) {
          if (p.expr) literal = false;
          tmpl += p.text;
        }
      // `path: { id: x }` written out: each value directly, as a hand-built path would have it.
      std::map<std::string, ExprPtr> entries;
      for (const auto& arg : e.args)
        if (arg.value && arg.name && arg.name->name == "path" && arg.value->kind == EK::Object)
          for (const auto& en : arg.value->entries)
            if (!en.spread && en.value) entries[en.key.name] = expr(*en.value, sc);
      if (path_obj && literal)
        a.path = template_path(tmpl, [&](const std::string& n) {
          return entries.count(n) ? entries[n] : member(path_obj, n);
        });
      else
        a.path = positional ? positional : constant(json::string(op.path));
      a.query = take("query");
    }
    sema::TypeRef rt = cm.type_of(&e);
    if (rt && rt->kind == sema::Type::Kind::Response && rt->arg()) {
      Type t = type(rt->arg());
      if (t.kind != Type::Kind::Json) a.response = std::move(t);
    }
  }

  /// `mock gh.repos_get(owner: "a")`: the operation's method, its path with the given path
  /// parameters (`*` for the others) and a `where` that the given query parameters hold.
  void operation_mock(const ast::Expr& call, const openapi::Operation& op, Scope& sc, TestStmt& t) {
    t.method = op.http_method;
    std::map<std::string, ExprPtr> named;
    for (const auto& arg : call.args)
      if (arg.value && arg.name) named[arg.name->name] = expr(*arg.value, sc);
    t.path = template_path(op.path, [&](const std::string& n) -> ExprPtr {
      return op.parameter(n, "path") && named.count(n) ? named[n] : nullptr;
    });
    ExprPtr cond;
    for (const auto& p : op.parameters) {
      if (p.in != "query" || !named.count(p.name)) continue;
      ExprPtr eq = binary("==", interp({index(ir::ctx("query"), constant(json::string(p.name)))}), interp({named[p.name]}));
      cond = cond ? binary("&&", cond, eq) : eq;
    }
    if (cond) t.where = t.where ? binary("&&", cond, t.where) : cond;
  }

  // ------------------------------------------------------------ tests

  static std::string source_text(const ast::Expr& e) {
    if (!e.range.file || e.range.end < e.range.begin) return "";
    return std::string(std::string_view(e.range.file->text()).substr(e.range.begin, e.range.end - e.range.begin));
  }

  static TestStmt test_node(TestStmt::Kind k, const diagnostics::Range& r) {
    TestStmt t;
    t.kind = k;
    if (r.file) {
      auto lc = r.file->line_col(r.begin);
      t.line = static_cast<int>(lc.line);
      t.column = static_cast<int>(lc.column);
    }
    return t;
  }

  void lower_test(const ast::Decl& d) {
    TestCase tc;
    tc.name = d.name.name;
    if (d.range.file) {
      tc.file = d.range.file->path();
      tc.line = static_cast<int>(d.range.file->line_col(d.range.begin).line);
    }
    Scope sc{&tc.slots, &units_.front(), {}};
    if (d.body) test_block(*d.body, sc, tc.body);
    tests_.push_back(std::move(tc));
  }

  void test_block(const ast::Block& b, Scope& sc, std::vector<TestStmt>& out) {
    for (const auto& s : b.stmts)
      if (s) test_stmt(*s, sc, out);
  }

  /// Lowers `e`; the `run`/`start`/`await` inside it become statements appended to `out` first.
  ExprPtr test_expr(const ast::Expr& e, Scope& sc, std::vector<TestStmt>& out) {
    auto* saved = hoist_;
    hoist_ = &out;
    ExprPtr r = expr(e, sc);
    hoist_ = saved;
    return r;
  }

  ExprPtr durable_in_test(const ast::Expr& e, Scope& sc) {
    std::vector<TestStmt>* out = hoist_;
    TestStmt t = test_node(e.kind == EK::Run ? TestStmt::Kind::Run : e.kind == EK::Start ? TestStmt::Kind::Start
                                                                                     : TestStmt::Kind::Await,
                           e.range);
    if (e.kind == EK::Await) {
      t.value = !e.operands.empty() && e.operands[0] ? expr(*e.operands[0], sc) : constant(nullptr);
    } else {
      Action a;
      if (flow_run(e, sc, a)) {
        t.flow = a.flow;
        t.value = a.input;
      }
    }
    t.slot = slot_for(sc, nullptr, Slot::Kind::Temp, "$" + std::to_string(sc.slots->size()));
    int slot = t.slot;
    out->push_back(std::move(t));
    return slot_ref(slot);
  }

  /// The operands an `expect` shows when it fails: both sides of comparisons (through `&&`/`||`),
  /// the operand of `!`, a call's arguments, or the whole condition; literals are left out.
  void expect_operands(const ast::Expr& e, Scope& sc, TestStmt& t) {
    auto add = [&](const ast::Expr& x) {
      switch (x.kind) {
        case EK::Int: case EK::Float: case EK::Bool: case EK::Null: case EK::Duration: return;
        case EK::String:
          if (x.parts.size() <= 1 && (x.parts.empty() || !x.parts[0].expr)) return;
          break;
        default: break;
      }
      std::vector<TestStmt> again;  // a `run` inside an operand is not run a second time
      ExprPtr v = test_expr(x, sc, again);
      if (again.empty()) t.operands.emplace_back(source_text(x), std::move(v));
    };
    if (e.kind == EK::Binary && (e.name == "&&" || e.name == "||")) {
      for (const auto& o : e.operands)
        if (o) expect_operands(*o, sc, t);
    } else if (e.kind == EK::Binary || e.kind == EK::Unary) {
      for (const auto& o : e.operands)
        if (o) add(*o);
    } else if (e.kind == EK::Call) {
      if (!e.operands.empty() && e.operands[0] && e.operands[0]->kind == EK::Member && !e.operands[0]->operands.empty())
        add(*e.operands[0]->operands[0]);
      for (const auto& a : e.args)
        if (a.value) add(*a.value);
    } else {
      add(e);
    }
  }

  void test_stmt(const ast::Stmt& s, Scope& sc, std::vector<TestStmt>& out) {
    using TS = TestStmt::Kind;
    switch (s.kind) {
      case SK::Let: {
        ExprPtr v = s.value ? test_expr(*s.value, sc, out) : constant(nullptr);
        TestStmt t = test_node(TS::Let, s.range);
        t.slot = slot_for(sc, s.name, Slot::Kind::Let);
        t.value = std::move(v);
        out.push_back(std::move(t));
        return;
      }
      case SK::ExprStmt: {
        if (!s.value) return;
        ExprPtr v = test_expr(*s.value, sc, out);
        if (v->op == Expr::Op::Slot) return;  // a bare `run f(x)`: already a statement
        TestStmt t = test_node(TS::Let, s.range);
        t.value = std::move(v);
        out.push_back(std::move(t));
        return;
      }
      case SK::Mock: {
        TestStmt t = test_node(TS::Mock, s.range);
        const ast::Expr* call = s.target && s.target->kind == EK::Call ? s.target.get() : nullptr;
        const ast::Expr* callee = call && !call->operands.empty() ? call->operands[0].get() : nullptr;
        const sema::Symbol* cs = callee ? sc.unit->cm().symbol_of(callee) : nullptr;
        if (!cs || cs->kind != SymK::Connection) {
          error(s.range, "`mock` of something that is not a connection call");
          return;
        }
        t.name = ensure_connection(cs);
        t.method = callee->name;
        if (s.where) t.where = expr(*s.where, sc);
        if (auto oc = sc.unit->cm().operation_calls.find(call); oc != sc.unit->cm().operation_calls.end()) {
          operation_mock(*call, *oc->second.operation, sc, t);
        } else {
          for (const auto& a : call->args)
            if (a.value && !a.name && !t.path) t.path = expr(*a.value, sc);
        }
        if (!t.path) t.path = constant("*");
        if (s.value && s.value->kind == EK::Name && (s.value->name == "timeout" || s.value->name == "connection_error"))
          t.fails_with = s.value->name;
        else if (s.value)
          t.response = expr(*s.value, sc);
        out.push_back(std::move(t));
        return;
      }
      case SK::Expect: {
        if (!s.value) return;
        ExprPtr v = test_expr(*s.value, sc, out);
        TestStmt t = test_node(TS::Expect, s.range);
        t.value = std::move(v);
        t.text = source_text(*s.value);
        expect_operands(*s.value, sc, t);
        out.push_back(std::move(t));
        return;
      }
      case SK::Signal: {
        ExprPtr h = s.target ? test_expr(*s.target, sc, out) : constant(nullptr);
        ExprPtr p = s.value ? test_expr(*s.value, sc, out) : constant(nullptr);
        TestStmt t = test_node(TS::Signal, s.range);
        t.value = std::move(h);
        t.payload = std::move(p);
        t.name = s.event_name;
        out.push_back(std::move(t));
        return;
      }
      case SK::Advance:
      case SK::Fail: {
        ExprPtr v = s.value ? test_expr(*s.value, sc, out) : constant(nullptr);
        TestStmt t = test_node(s.kind == SK::Advance ? TS::Advance : TS::Fail, s.range);
        t.value = std::move(v);
        out.push_back(std::move(t));
        return;
      }
      case SK::Try: {
        TestStmt t = test_node(TS::Try, s.range);
        test_block(s.then, sc, t.body);
        for (const auto& c : s.catches) {
          TestCatch tc;
          if (c.kind) tc.kind = c.kind->name;
          if (c.as) tc.slot = slot_for(sc, *c.as, Slot::Kind::Catch);
          if (c.where) tc.where = expr(*c.where, sc);
          test_block(c.body, sc, tc.body);
          t.catches.push_back(std::move(tc));
        }
        out.push_back(std::move(t));
        return;
      }
      case SK::If: {
        ExprPtr c = s.value ? test_expr(*s.value, sc, out) : constant(false);
        TestStmt t = test_node(TS::If, s.range);
        t.value = std::move(c);
        test_block(s.then, sc, t.body);
        if (s.else_block) test_block(*s.else_block, sc, t.else_body);
        out.push_back(std::move(t));
        return;
      }
      default:
        error(s.range, "this statement is not supported in a test");
        return;
    }
  }

  // ------------------------------------------------------------ flows

  class FlowBuilder;

  void lower_flow(const sema::Symbol* s);

  const sema::CheckedProgram& prog_;
  std::vector<Unit> units_;
  Module out_;
  std::vector<std::string> errors_;
  std::unordered_map<sema::TypeRef, std::string> record_names_;
  std::set<std::string> emitted_types_;
  std::unordered_map<const sema::Symbol*, ExprPtr> consts_;
  std::set<const sema::Symbol*> in_progress_, fns_done_, conns_done_, flows_seen_;
  std::deque<const sema::Symbol*> pending_flows_;
  std::vector<TestCase> tests_;
  std::vector<TestStmt>* hoist_ = nullptr;  ///< where `run`/`start`/`await` go while lowering a test
};

/// Lowers one flow's statements into nodes with stable ids (see ir.h for the id scheme).
class Lowerer::FlowBuilder {
 public:
  FlowBuilder(Lowerer& L, Flow& f, Scope& sc, std::map<std::string, SourcePos>& smap)
      : L_(L), f_(f), sc_(sc), smap_(smap) {}

  /// Lowers a block into a region; returns its entry id ("" when empty).
  std::string block(const ast::Block& b, const std::string& region_anchor) {
    Chain ch{region_anchor, {}, "", -1};
    for (const auto& st : b.stmts) {
      if (!st) continue;
      if (!stmt(*st, ch)) break;  // a terminal statement: the rest is unreachable
    }
    return ch.entry;
  }

 private:
  struct Chain {
    std::string anchor;
    std::map<std::string, int> counts;
    std::string entry;
    int prev = -1;
  };

  std::string new_id(Chain& ch, const std::string& token) {
    int n = ++ch.counts[token];
    return (ch.anchor.empty() ? "" : ch.anchor + "/") + token + (n > 1 ? "." + std::to_string(n) : "");
  }

  int add(Chain& ch, Node n, const ast::Stmt& s) {
    int idx = static_cast<int>(f_.nodes.size());
    if (s.range.file) {
      auto lc = s.range.file->line_col(s.range.begin);
      smap_[n.id] = SourcePos{lc.line, lc.column};
    }
    if (ch.prev < 0) ch.entry = n.id;
    else f_.nodes[ch.prev].next = n.id;
    ch.prev = idx;
    f_.nodes.push_back(std::move(n));
    return idx;
  }

  Node node(std::string id, NodeKind kind) {
    Node n;
    n.id = std::move(id);
    n.kind = kind;
    return n;
  }

  ExprPtr ex(const ast::ExprPtr& e, Ctor ctx = Ctor::None) { return e ? L_.expr(*e, sc_, ctx) : nullptr; }

  /// Lowers one statement; returns false when it ends its region.
  bool stmt(const ast::Stmt& s, Chain& ch) {
    switch (s.kind) {
      case SK::Let: {
        if (s.value && s.value->kind == EK::WaitSignal) {
          Node n = node(new_id(ch, "signal"), NodeKind::WaitSignal);
          n.name = s.value->signal_name;
          n.slot = L_.slot_for(sc_, s.name, Slot::Kind::Signal);
          if (!s.value->operands.empty() && s.value->operands[0]) n.timeout = L_.expr(*s.value->operands[0], sc_);
          add(ch, std::move(n), s);
          return true;
        }
        Node n = node(new_id(ch, "let:" + s.name.name), NodeKind::Assign);
        n.value = s.value ? L_.expr(*s.value, sc_) : constant(nullptr);
        n.slot = L_.slot_for(sc_, s.name, Slot::Kind::Let);
        add(ch, std::move(n), s);
        return true;
      }
      case SK::Step: {
        std::optional<Action> a = s.value ? L_.action(*s.value, sc_) : std::nullopt;
        if (!a) return true;
        Node n = node(s.name.name, a->kind == Action::Kind::Call ? NodeKind::Call : NodeKind::ChildFlow);
        n.action = std::move(*a);
        n.retry = ex(s.retry, Ctor::Retry);
        n.timeout = ex(s.timeout);
        n.slot = L_.slot_for(sc_, s.name, Slot::Kind::Step);
        if (s.compensate) n.compensate = L_.action(*s.compensate, sc_);
        add(ch, std::move(n), s);
        ch.anchor = s.name.name;
        ch.counts.clear();
        return true;
      }
      case SK::If: {
        std::string id = new_id(ch, "if");
        int idx = add(ch, node(id, NodeKind::Choice), s);
        const ast::Stmt* cur = &s;
        for (int k = 0;; ++k) {
          ExprPtr guard = cur->value ? L_.expr(*cur->value, sc_) : constant(false);
          std::string label = expr_label(guard, f_.slots);
          std::string target = block(cur->then, id + "." + (k == 0 ? std::string("then") : "elif" + std::to_string(k)));
          f_.nodes[idx].edges.push_back({label, guard, target});
          if (!cur->else_block) break;
          const ast::Block& eb = *cur->else_block;
          if (eb.stmts.size() == 1 && eb.stmts[0] && eb.stmts[0]->kind == SK::If) {
            cur = eb.stmts[0].get();
            continue;
          }
          std::string other = block(eb, id + ".else");
          f_.nodes[idx].otherwise = other;
          break;
        }
        return true;
      }
      case SK::Switch: {
        std::string id = new_id(ch, "switch");
        Node n = node(id, NodeKind::Choice);
        n.subject = ex(s.value);
        if (!n.subject) n.subject = constant(nullptr);
        n.slot = L_.slot_for(sc_, nullptr, Slot::Kind::Temp, "switch");
        int subject = n.slot;
        int idx = add(ch, std::move(n), s);
        for (size_t k = 0; k < s.cases.size(); ++k) {
          const auto& c = s.cases[k];
          ExprPtr guard;
          std::string label;
          for (const auto& v : c.values) {
            if (!v) continue;
            ExprPtr val = L_.expr(*v, sc_);
            ExprPtr eq = binary("==", slot_ref(subject), val);
            guard = guard ? binary("||", guard, eq) : eq;
            label += (label.empty() ? "" : ", ") + expr_label(val, f_.slots);
          }
          if (!guard) guard = constant(false);
          std::string target = block(c.body, id + ".case" + std::to_string(k + 1));
          f_.nodes[idx].edges.push_back({label, guard, target});
        }
        if (s.else_block) {
          std::string other = block(*s.else_block, id + ".default");
          f_.nodes[idx].otherwise = other;
        }
        return true;
      }
      case SK::For: {
        std::string id = new_id(ch, "for");
        Node n = node(id, NodeKind::Map);
        n.value = s.value ? L_.expr(*s.value, sc_) : constant(json::array());
        n.item_slot = L_.slot_for(sc_, s.name, Slot::Kind::Item);
        if (s.index) n.index_slot = L_.slot_for(sc_, *s.index, Slot::Kind::Index);
        n.concurrency = ex(s.concurrency);
        int idx = add(ch, std::move(n), s);
        std::string body = block(s.then, id + ".body");
        f_.nodes[idx].body = body;
        if (s.into) f_.nodes[idx].into_slot = L_.slot_for(sc_, *s.into, Slot::Kind::Into);
        return true;
      }
      case SK::Parallel: {
        std::string id = new_id(ch, "parallel");
        int idx = add(ch, node(id, NodeKind::Fork), s);
        for (const auto& br : s.branches) {
          std::string entry = block(br.body, id + "." + br.name.name);
          f_.nodes[idx].branches.push_back({br.name.name, entry});
        }
        add(ch, node(new_id(ch, "join"), NodeKind::Join), s);
        return true;
      }
      case SK::Wait:
      case SK::WaitUntil: {
        Node n = node(new_id(ch, s.kind == SK::Wait ? "wait" : "until"), NodeKind::Timer);
        n.until = s.kind == SK::WaitUntil;
        n.value = s.value ? L_.expr(*s.value, sc_) : constant(0);
        add(ch, std::move(n), s);
        return true;
      }
      case SK::Emit: {
        Node n = node(new_id(ch, "emit"), NodeKind::Emit);
        n.name = s.event_name;
        n.value = ex(s.value);
        add(ch, std::move(n), s);
        return true;
      }
      case SK::Try: {
        std::string id = new_id(ch, "try");
        int idx = add(ch, node(id, NodeKind::Try), s);
        std::string body = block(s.then, id + ".body");
        f_.nodes[idx].body = body;
        for (size_t k = 0; k < s.catches.size(); ++k) {
          const auto& c = s.catches[k];
          Catch cat;
          if (c.kind) cat.kind = c.kind->name;
          if (c.as) cat.slot = L_.slot_for(sc_, *c.as, Slot::Kind::Catch);
          cat.where = ex(c.where);
          cat.entry = block(c.body, id + ".catch" + std::to_string(k + 1));
          f_.nodes[idx].catches.push_back(std::move(cat));
        }
        return true;
      }
      case SK::Fail: {
        Node n = node(new_id(ch, "fail"), NodeKind::Fail);
        n.value = s.value ? L_.expr(*s.value, sc_) : constant("failed");
        n.details = ex(s.with);
        add(ch, std::move(n), s);
        return false;
      }
      case SK::Return: {
        Node n = node(new_id(ch, "return"), NodeKind::Succeed);
        n.value = ex(s.value);
        add(ch, std::move(n), s);
        return false;
      }
      case SK::Yield: {
        Node n = node(new_id(ch, "yield"), NodeKind::Yield);
        n.value = s.value ? L_.expr(*s.value, sc_) : constant(nullptr);
        add(ch, std::move(n), s);
        return false;
      }
      default:
        L_.error(s.range, "this statement is not allowed in a flow");
        return true;
    }
  }

  Lowerer& L_;
  Flow& f_;
  Scope& sc_;
  std::map<std::string, SourcePos>& smap_;
};

void Lowerer::lower_flow(const sema::Symbol* s) {
  const Unit& u = unit_of(s);
  const ast::Decl* d = s->decl;
  if (!d) return;
  Flow f;
  f.name = qname(s);
  Scope sc{&f.slots, &u, {}};
  f.params = params(*d, u, sc);
  if (d->result) f.result = type(u.cm().type_of(d->result.get()));
  for (const auto& t : d->triggers) {
    Trigger tr;
    switch (t.kind) {
      case ast::Trigger::Kind::Webhook: tr.kind = "webhook"; break;
      case ast::Trigger::Kind::Schedule: tr.kind = "schedule"; break;
      case ast::Trigger::Kind::Poll: tr.kind = "poll"; break;
      case ast::Trigger::Kind::Event: tr.kind = "event"; break;
    }
    if (t.subject) {
      if (t.kind == ast::Trigger::Kind::Poll) tr.poll = action(*t.subject, sc);
      else tr.subject = expr(*t.subject, sc);
    }
    if (t.kind == ast::Trigger::Kind::Poll && !tr.poll) continue;
    if (t.every) tr.every = expr(*t.every, sc);
    for (const auto& st : t.settings)
      if (st.value)
        tr.settings.push_back({st.name.name, expr(*st.value, sc, st.name.name == "verify" ? Ctor::Verify : Ctor::None)});
    f.triggers.push_back(std::move(tr));
  }
  for (const auto& st : d->options) {
    if (!st.value) continue;
    const std::string& n = st.name.name;
    if (n == "timeout") f.options.timeout = expr(*st.value, sc);
    else if (n == "retry") f.options.retry = expr(*st.value, sc, Ctor::Retry);
    else if (n == "concurrency") {
      if (st.value->kind == EK::Object) {
        for (const auto& en : st.value->entries) {
          if (!en.value || en.spread) continue;
          if (en.key.name == "limit") f.options.concurrency_limit = expr(*en.value, sc);
          else if (en.key.name == "key") f.options.concurrency_key = expr(*en.value, sc);
        }
      } else {
        f.options.concurrency_limit = expr(*st.value, sc);
      }
    } else if (n == "retention") {
      f.options.retention = expr(*st.value, sc);
    } else if (n == "on_exhausted") {
      f.options.on_exhausted = expr(*st.value, sc);
    } else {
      error(st.range, "unknown flow option `" + n + "`");
    }
  }
  auto& smap = out_.source_map[f.name];
  if (d->body) {
    FlowBuilder b(*this, f, sc, smap);
    f.entry = b.block(*d->body, "");
  }
  if (std::string err = validate(f); !err.empty()) error(d->range, "internal: lowered graph is invalid: " + err);
  out_.flows.push_back(std::move(f));
}

}  // namespace

LowerResult lower(const sema::CheckedProgram& program) {
  try {
    return Lowerer(program).run();
  } catch (const std::exception& e) {
    LowerResult r;
    r.errors.push_back(std::string("internal error while lowering: ") + e.what());
    return r;
  }
}

}  // namespace weft::lower
