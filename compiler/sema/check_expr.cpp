// Expressions: names, members, operators, literals, lambdas, calls (stdlib, fns, connections,
// `run`), and the secret-taint propagation that follows them.
#include <algorithm>

#include "compiler/sema/checker.h"

namespace weft::sema::detail {

using K = Type::Kind;
using EK = ast::Expr::Kind;
using SK = SymbolKind;

namespace {

bool is_comparison(const ast::Expr& e) {
  return e.kind == EK::Binary && (e.name == "<" || e.name == "<=" || e.name == ">" || e.name == ">=");
}
bool is_equality(const ast::Expr& e) { return e.kind == EK::Binary && (e.name == "==" || e.name == "!="); }

std::string text_of(const ast::Expr& e) {
  if (!e.range.file || e.range.end <= e.range.begin) return "value";
  std::string_view t = std::string_view(e.range.file->text()).substr(e.range.begin, e.range.end - e.range.begin);
  if (t.size() > 40 || t.find('\n') != std::string_view::npos) return "value";
  return std::string(t);
}

const char* const kMethods[] = {"get", "post", "put", "patch", "delete"};

// `f <T>(x)` or `conn.get < T > (x)`: a chained `<` then `>` whose left side is a name or a member
// and whose right side is parenthesised reads like a generic call written with a space before `<`.
bool looks_like_spaced_type_argument(const ast::Expr& outer, const ast::Expr& inner) {
  if (outer.name != ">" || inner.name != "<" || inner.operands.empty() || !inner.operands[0]) return false;
  const ast::Expr& callee = *inner.operands[0];
  if (callee.kind != EK::Name && callee.kind != EK::Member) return false;
  if (!outer.range.file || !outer.name_range.valid()) return false;
  std::string_view text = outer.range.file->text();
  size_t i = outer.name_range.end;
  while (i < outer.range.end && (text[i] == ' ' || text[i] == '\t')) ++i;
  return i < outer.range.end && text[i] == '(';
}

}  // namespace

// ---------------------------------------------------------------- secrets

const Taint* Checker::taint_of(const ast::Expr* e) const {
  auto it = taint_.find(e);
  return it == taint_.end() ? nullptr : &it->second;
}

void Checker::propagate_taint(const ast::Expr& e) {
  const Taint* found = nullptr;
  auto consider = [&](const ast::Expr* x) {
    if (!found && x) found = taint_of(x);
  };
  switch (e.kind) {
    case EK::Name: {
      auto it = m_.expr_symbols.find(&e);
      if (it != m_.expr_symbols.end()) {
        auto st = sym_taint_.find(it->second);
        if (st != sym_taint_.end()) found = &st->second;
      }
      break;
    }
    case EK::Lambda: case EK::Run: case EK::Start: case EK::Await: case EK::WaitSignal: return;
    case EK::Unary:
      if (e.name == "!") return;
      consider(e.operands.empty() ? nullptr : e.operands[0].get());
      break;
    case EK::Binary:
      if (e.name == "==" || e.name == "!=" || e.name == "<" || e.name == "<=" || e.name == ">" || e.name == ">=" ||
          e.name == "&&" || e.name == "||")
        return;
      for (const auto& o : e.operands) consider(o.get());
      break;
    case EK::Call: {
      if (const StdFunction* f = m_.std_function_of(&e)) {
        if (f->sanitizes_secrets) return;
        if (f->name == "secret") {
          taint_[&e] = Taint{e.range, {}};
          return;
        }
      }
      if (!e.operands.empty() && e.operands[0]->kind == EK::Member) {
        auto it = m_.expr_symbols.find(e.operands[0]->operands.empty() ? nullptr : e.operands[0]->operands[0].get());
        if (it != m_.expr_symbols.end() && it->second->kind == SK::Connection) return;  // a response is not secret
        consider(e.operands[0]->operands.empty() ? nullptr : e.operands[0]->operands[0].get());
      }
      for (const auto& a : e.args) consider(a.value.get());
      break;
    }
    default:
      for (const auto& o : e.operands) consider(o.get());
      for (const auto& p : e.parts) consider(p.expr.get());
      for (const auto& en : e.entries) consider(en.value.get());
      for (const auto& a : e.args) consider(a.value.get());
      break;
  }
  if (found) {
    Taint copy = *found;
    taint_[&e] = std::move(copy);
    return;
  }
  TypeRef t = m_.type_of(&e);
  if (t && t->kind == K::Secret) taint_[&e] = Taint{e.range, {}};
}

void Checker::sink(const ast::Expr& e, const std::string& what) {
  const Taint* t = taint_of(&e);
  if (!t) return;
  auto& d = report(Code::E0601, e.range, "a secret value flows into " + what, "this value contains a secret");
  d.notes.push_back({t->origin, "the secret comes from here"});
  for (const auto& n : t->path) d.notes.push_back(n);
  d.notes.push_back({std::nullopt, "secrets may only reach connection `auth`, header values, `verify` and crypto functions"});
}

// ---------------------------------------------------------------- entry points

TypeRef Checker::expr(const ast::Expr& e, TypeRef expected) {
  TypeRef t = expr_inner(e, expected);
  if (!t) t = TypeStore::unknown();
  m_.expr_types[&e] = t;
  propagate_taint(e);
  return t;
}

bool Checker::fits(const ast::Expr& e, TypeRef got, TypeRef want, const std::string& what) {
  if (!want || is_unknown(want) || is_unknown(got)) return true;
  Assign a;
  if (assignable(got, want, &a)) {
    if (a.dynamic) m_.runtime_checks.push_back({&e, want});
    return true;
  }
  std::string w = to_string(want), g = to_string(got);
  if (got->kind == K::Optional || got->kind == K::Null) {
    if (assignable(strip_optional(got), want)) {
      auto& d = report(Code::E0212, e.range,
                       "`" + text_of(e) + "` may be null, but `" + w + "` is expected" +
                           (what.empty() ? std::string() : " (" + what + ")"),
                       "may be null");
      d.notes.push_back({std::nullopt, "give a default with `??`, e.g. `" + text_of(e) + " ?? ...`"});
      return false;
    }
  }
  auto& d = report(Code::E0201, e.range,
                   what.empty() ? "expected `" + w + "`, found `" + g + "`"
                                : what + " expects `" + w + "`, found `" + g + "`",
                   "expected `" + w + "`");
  if (widen(want) != want && want->kind != K::Optional && got->kind == K::String)
    d.notes.push_back({std::nullopt, "only a string literal fits `" + w + "`"});
  return false;
}

TypeRef Checker::expect(const ast::Expr& e, TypeRef want, const std::string& what) {
  size_t before = m_.diags.all().size();
  TypeRef got = expr(e, want);
  if (m_.diags.all().size() != before && (e.kind == EK::Object || e.kind == EK::List)) return got;
  fits(e, got, want, what);
  return got;
}

TypeRef Checker::expr_inner(const ast::Expr& e, TypeRef expected) {
  switch (e.kind) {
    case EK::Int: return TypeStore::int_();
    case EK::Float: return TypeStore::float_();
    case EK::Bool: return TypeStore::bool_();
    case EK::Null: return TypeStore::null();
    case EK::Duration: return TypeStore::duration();
    case EK::String: return string_lit(e);
    case EK::Name: return name(e);
    case EK::Member: case EK::OptMember: return member(e);
    case EK::Index: return index(e);
    case EK::Call: return call(e);
    case EK::Unary: return unary(e);
    case EK::Binary: return binary(e, expected);
    case EK::Conditional: {
      if (e.operands.size() < 3) return TypeStore::unknown();
      TypeRef c = expr(*e.operands[0]);
      if (!is_unknown(c) && c->kind != K::Bool && c->kind != K::Json)
        report(Code::E0205, e.operands[0]->range, "a condition must be `bool`, found `" + to_string(c) + "`", "not a `bool`");
      TypeRef a = expr(*e.operands[1], expected);
      TypeRef b = expr(*e.operands[2], expected);
      return join(ts_, a, b);
    }
    case EK::Lambda: return lambda(e, expected);
    case EK::Object: return object(e, expected);
    case EK::List: return list(e, expected);
    case EK::Run: return run_expr(e, where_ == Where::Test);
    case EK::Start: {
      if (where_ != Where::Test)
        report(Code::E0408, e.range, "`start` is only allowed in a test (flows use `step x = run f(...)`)", "not in a test");
      bool saved = action_ok_;
      TypeRef r = run_expr(e, true);
      action_ok_ = saved;
      return ts_.handle(r);
    }
    case EK::Await: {
      if (where_ != Where::Test) report(Code::E0408, e.range, "`await` is only allowed in a test", "not in a test");
      if (e.operands.empty()) return TypeStore::unknown();
      TypeRef h = expr(*e.operands[0]);
      if (h->kind == K::Handle) return h->arg();
      if (!is_unknown(h))
        report(Code::E0201, e.operands[0]->range, "`await` expects a handle from `start`, found `" + to_string(h) + "`",
               "not a flow handle");
      return TypeStore::unknown();
    }
    case EK::WaitSignal: {
      if (!signal_ok_) {
        if (where_ == Where::Fn)
          report(Code::E0402, e.range, "fn `" + (owner_ ? owner_->name : std::string()) + "` is pure: it cannot wait for a signal",
                 "not allowed in a fn");
        else if (where_ == Where::Flow)
          report(Code::E0407, e.range, "`wait signal` must initialise a let: `let v = wait signal \"" + e.signal_name + "\"`",
                 "not a let initialiser");
        else
          report(Code::E0404, e.range, "`wait signal` is only allowed in a flow", "not allowed here");
      }
      if (!e.operands.empty() && e.operands[0]) expect(*e.operands[0], TypeStore::duration(), "signal timeout");
      return TypeStore::json();
    }
  }
  return TypeStore::unknown();
}

// ---------------------------------------------------------------- names and members

TypeRef Checker::name(const ast::Expr& e) {
  Range r = e.name_range.valid() ? e.name_range : e.range;
  const Symbol* s = find(e.name);
  if (!s) {
    if (const auto* ov = std_.overloads(e.name); ov && ov->size() == 1 && e.name != "secret" && e.name != "env") {
      const StdFunction& f = ov->front();
      return substitute(ts_, ts_.function(f.params, f.result), {}, true);
    }
    auto it = steps_all_.find(e.name);
    if (flow_ && it != steps_all_.end()) {
      auto& d = report(Code::E0111, r, "step `" + e.name + "` is not visible here", "not in scope here");
      d.notes.push_back({it->second, "`" + e.name + "` is declared here; a step is visible from its statement to the end of its block"});
      return TypeStore::unknown();
    }
    std::vector<std::string> cands = value_names();
    auto best = diagnostics::closest_match(e.name, cands);
    const Symbol* bs = best ? find(*best) : nullptr;
    bool step = bs && bs->kind == SK::Step;
    if (bs) ++uses_[bs];  // the intended symbol is used: no "unused" warning on top of this error
    auto& d = report(step ? Code::E0111 : Code::E0101, r,
                     step ? "cannot find step `" + e.name + "`" : "cannot find `" + e.name + "` in this scope",
                     "not found");
    suggest(d, r, e.name, cands);
    return TypeStore::unknown();
  }
  use(&e, r, s);
  switch (s->kind) {
    case SK::Type:
      report(Code::E0101, r, "`" + e.name + "` is a type, not a value", "not a value");
      return TypeStore::unknown();
    case SK::Connection:
      report(Code::E0201, r, "connection `" + e.name + "` is not a value; call one of its methods in a step",
             "not a value");
      return TypeStore::unknown();
    case SK::Flow:
      report(Code::E0201, r, "flow `" + e.name + "` is not a value; start it with `run " + e.name + "(...)`", "not a value");
      return TypeStore::unknown();
    case SK::Import:
      report(Code::E0201, r, "module `" + e.name + "` is not a value; use `" + e.name + ".name`", "not a value");
      return TypeStore::unknown();
    case SK::Const: return const_type(s);
    default: return s->type ? s->type : TypeStore::unknown();
  }
}

TypeRef Checker::member(const ast::Expr& e) {
  if (e.operands.empty()) return TypeStore::unknown();
  const ast::Expr& obj = *e.operands[0];
  if (obj.kind == EK::Name) {
    const Symbol* base = find(obj.name);
    if (base && base->kind == SK::Import) {
      const Symbol* s = static_symbol(e, true);
      if (!s) return TypeStore::unknown();
      switch (s->kind) {
        case SK::Const: case SK::Fn: return s->type ? s->type : TypeStore::unknown();
        default:
          report(Code::E0201, e.name_range,
                 "`" + obj.name + "." + e.name + "` is a " + std::string(kind_name(s->kind)) + ", not a value", "not a value");
          return TypeStore::unknown();
      }
    }
    if (base && base->kind == SK::Connection) {
      use(&obj, obj.name_range.valid() ? obj.name_range : obj.range, base);
      m_.expr_types[&obj] = TypeStore::unknown();
      report(Code::E0201, e.range, "`" + obj.name + "." + e.name + "` is a connection method; call it in a step",
             "not a value");
      return TypeStore::unknown();
    }
  }
  TypeRef ot = expr(obj);
  return field_of(e, ot, e.kind == EK::OptMember);
}

TypeRef Checker::field_of(const ast::Expr& e, TypeRef ot, bool opt) {
  if (is_unknown(ot)) return TypeStore::unknown();
  Range r = e.name_range.valid() ? e.name_range : e.range;
  const ast::Expr& obj = *e.operands[0];
  bool nullable = ot->kind == K::Optional || ot->kind == K::Null;
  if (nullable && !opt) {
    auto& d = report(Code::E0212, obj.range, "`" + text_of(obj) + "` may be null", "may be null");
    d.notes.push_back({std::nullopt, "use `" + text_of(obj) + "?." + e.name + "` or give a default with `??`"});
  }
  if (ot->kind == K::Null) return opt ? TypeStore::null() : TypeStore::unknown();
  TypeRef t = strip_optional(ot);
  TypeRef out = nullptr;
  std::vector<std::string> names;
  switch (t->kind) {
    case K::Json: return TypeStore::json();
    case K::Record:
      if (const Field* f = t->field(e.name)) {
        if (f->symbol) use(&e, r, f->symbol);
        out = f->optional ? ts_.optional(f->type) : f->type;
      }
      for (const auto& f : t->fields) names.push_back(f.name);
      break;
    case K::Response:
      if (e.name == "status") out = TypeStore::int_();
      else if (e.name == "headers") out = ts_.map(TypeStore::string());
      else if (e.name == "body") out = t->arg();
      names = {"status", "headers", "body"};
      break;
    case K::Map: out = ts_.optional(t->arg()); break;
    default: break;
  }
  if (!out) {
    std::string what = t->kind == K::Record ? "record `" + to_string(t) + "`" : "type `" + to_string(t) + "`";
    auto& d = report(Code::E0311, r, what + " has no field `" + e.name + "`", "unknown field");
    if (!suggest(d, r, e.name, names) && std_.overloads(e.name))
      d.notes.push_back({std::nullopt, "`" + e.name + "` is a function: call it as `" + text_of(obj) + "." + e.name + "()`"});
    return TypeStore::unknown();
  }
  return (opt && nullable) ? ts_.optional(out) : out;
}

TypeRef Checker::index(const ast::Expr& e) {
  if (e.operands.size() < 2) return TypeStore::unknown();
  TypeRef ot = expr(*e.operands[0]);
  TypeRef it = expr(*e.operands[1]);
  if (is_unknown(ot)) return TypeStore::unknown();
  if (ot->kind == K::Optional || ot->kind == K::Null) {
    report(Code::E0212, e.operands[0]->range, "`" + text_of(*e.operands[0]) + "` may be null", "may be null");
    ot = strip_optional(ot);
  }
  switch (ot->kind) {
    case K::Json: return TypeStore::json();
    case K::List:
      fits(*e.operands[1], it, TypeStore::int_(), "a list index");
      return ot->arg();
    case K::String:
      fits(*e.operands[1], it, TypeStore::int_(), "a string index");
      return TypeStore::string();
    case K::Map:
      fits(*e.operands[1], it, TypeStore::string(), "a map key");
      return ts_.optional(ot->arg());
    case K::Record:
      if (e.operands[1]->kind == EK::String && it->kind == K::Literal) {
        if (const Field* f = ot->field(it->name)) return f->optional ? ts_.optional(f->type) : f->type;
        auto& d = report(Code::E0311, e.operands[1]->range,
                         "record `" + to_string(ot) + "` has no field `" + it->name + "`", "unknown field");
        std::vector<std::string> names;
        for (const auto& f : ot->fields) names.push_back(f.name);
        suggest(d, e.operands[1]->range, it->name, names);
        return TypeStore::unknown();
      }
      break;
    default: break;
  }
  report(Code::E0211, e.range, "cannot index into a value of type `" + to_string(ot) + "`", "not indexable");
  return TypeStore::unknown();
}

// ---------------------------------------------------------------- operators

TypeRef Checker::unary(const ast::Expr& e) {
  if (e.operands.empty()) return TypeStore::unknown();
  TypeRef t = expr(*e.operands[0]);
  if (is_unknown(t) || t->kind == K::Json) return e.name == "!" ? TypeStore::bool_() : t;
  if (e.name == "!") {
    if (t->kind != K::Bool)
      report(Code::E0202, e.range, "`!` needs a `bool`, found `" + to_string(t) + "`", "not a `bool`");
    return TypeStore::bool_();
  }
  if (!is_numeric(t) && t->kind != K::Duration) {
    report(Code::E0202, e.range, "`-` needs a number or a duration, found `" + to_string(t) + "`", "not a number");
    return TypeStore::unknown();
  }
  return t;
}

TypeRef Checker::binary(const ast::Expr& e, TypeRef expected) {
  if (e.operands.size() < 2) return TypeStore::unknown();
  const ast::Expr& a = *e.operands[0];
  const ast::Expr& b = *e.operands[1];
  const std::string& op = e.name;
  // `a < b < c`: a comparison whose operand is an unparenthesised comparison of the same group.
  auto chained = [&](const ast::Expr& x, bool left) {
    bool same_group = (is_comparison(e) && is_comparison(x)) || (is_equality(e) && is_equality(x));
    if (!same_group) return false;
    return left ? x.range.begin == e.range.begin : x.range.end == e.range.end;
  };
  if (chained(a, true) || chained(b, false)) {
    const ast::Expr& inner = chained(a, true) ? a : b;
    auto& d = report(Code::E0208, e.range, "comparison operators do not chain: `" + inner.name + "` then `" + op + "`",
                     "chained comparison");
    if (looks_like_spaced_type_argument(e, inner) &&
        (inner.operands[0]->kind == EK::Member || !find_local(inner.operands[0]->name)))
      d.notes.push_back({std::nullopt, "for a type argument, write `" + text_of(*inner.operands[0]) +
                                           "<T>(...)` with no space before `<`"});
    else
      d.notes.push_back({std::nullopt, "split it with `&&`, e.g. `a < b && b < c`"});
    expr(a);
    expr(b);
    return TypeStore::bool_();
  }
  if (op == "??") {
    TypeRef l = expr(a);
    TypeRef want = strip_optional(l);
    if (l->kind == K::Null) want = expected ? strip_optional(expected) : nullptr;
    TypeRef r = expr(b, want);
    if (want && !is_unknown(want) && !is_unknown(r) && want->kind != K::Json && r->kind != K::Json &&
        !assignable(strip_optional(r), want) && !assignable(want, strip_optional(r))) {
      report(Code::E0201, b.range,
             "the default of `??` must be a `" + to_string(want) + "` like its left side, found `" + to_string(r) + "`",
             "expected `" + to_string(want) + "`");
      return TypeStore::unknown();
    }
    if (is_unknown(l)) return l;
    if (r->kind == K::Optional || r->kind == K::Null) return join(ts_, want ? want : TypeStore::never(), r);
    return join(ts_, want ? want : TypeStore::never(), r);
  }
  TypeRef l = expr(a);
  TypeRef r = expr(b);
  if (is_unknown(l) || is_unknown(r)) {
    if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=" || op == "&&" || op == "||")
      return TypeStore::bool_();
    return TypeStore::unknown();
  }
  auto bad = [&](const std::string& msg) {
    report(Code::E0202, e.range, msg, "`" + to_string(l) + "` " + op + " `" + to_string(r) + "`");
    return TypeStore::unknown();
  };
  bool lj = l->kind == K::Json, rj = r->kind == K::Json;
  if (op == "&&" || op == "||") {
    for (auto [t, x] : {std::pair{l, &a}, std::pair{r, &b}})
      if (t->kind != K::Bool && t->kind != K::Json)
        report(Code::E0202, x->range, "`" + op + "` needs `bool` operands, found `" + to_string(t) + "`", "not a `bool`");
    return TypeStore::bool_();
  }
  if (op == "==" || op == "!=") {
    bool ok = lj || rj || assignable(l, r) || assignable(r, l) || (is_numeric(l) && is_numeric(r)) ||
              (is_stringish(l) && is_stringish(r)) || is_nullable(l) || is_nullable(r);
    if (!ok) {
      report(Code::E0202, e.range, "cannot compare `" + to_string(l) + "` with `" + to_string(r) + "`",
             "always " + std::string(op == "==" ? "false" : "true"));
    }
    return TypeStore::bool_();
  }
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    TypeRef sl = strip_optional(l), sr = strip_optional(r);
    bool ok = lj || rj || (is_numeric(sl) && is_numeric(sr)) || (is_stringish(sl) && is_stringish(sr)) ||
              (sl->kind == K::Duration && sr->kind == K::Duration) || (sl->kind == K::Time && sr->kind == K::Time);
    if (!ok) bad("cannot order `" + to_string(l) + "` and `" + to_string(r) + "` with `" + op + "`");
    else if (l != sl || r != sr) {
      const ast::Expr& x = l != sl ? a : b;
      report(Code::E0212, x.range, "`" + text_of(x) + "` may be null and cannot be ordered", "may be null");
    }
    return TypeStore::bool_();
  }
  if (op == "+") {
    bool secret = taint_of(&a) || taint_of(&b) || l->kind == K::Secret || r->kind == K::Secret;
    if (is_stringish(l) && is_stringish(r)) return secret ? TypeStore::secret() : TypeStore::string();
    if ((is_stringish(l) && is_numeric(r)) || (is_numeric(l) && is_stringish(r))) {
      auto& d = report(Code::E0202, e.range,
                       "cannot add `" + to_string(widen(l)) + "` and `" + to_string(widen(r)) + "`",
                       "`" + to_string(widen(l)) + "` + `" + to_string(widen(r)) + "`");
      const ast::Expr& num = is_numeric(l) ? a : b;
      d.notes.push_back({std::nullopt, "convert with interpolation: \"...${" + text_of(num) + "}\""});
      return TypeStore::unknown();
    }
    if (is_numeric(l) && is_numeric(r)) return l->kind == K::Int && r->kind == K::Int ? l : TypeStore::float_();
    if (l->kind == K::List && r->kind == K::List) return ts_.list(join(ts_, l->arg(), r->arg()));
    if (l->kind == K::Duration && r->kind == K::Duration) return l;
    if ((l->kind == K::Time && r->kind == K::Duration) || (l->kind == K::Duration && r->kind == K::Time))
      return TypeStore::time();
    if (lj && rj) return l;
    if (lj || rj) {
      TypeRef other = lj ? r : l;
      if (is_stringish(other)) return secret ? TypeStore::secret() : TypeStore::string();
      if (other->kind == K::List) return other;
      if (is_numeric(other)) return TypeStore::json();
    }
    return bad("cannot add `" + to_string(widen(l)) + "` and `" + to_string(widen(r)) + "`");
  }
  // - * / %
  if (lj || rj) {
    TypeRef other = lj ? r : l;
    if (is_numeric(other) || other->kind == K::Json) return TypeStore::json();
    if (op == "-" && (other->kind == K::Time || other->kind == K::Duration)) return other;
  }
  if (is_numeric(l) && is_numeric(r)) {
    if (op == "/") return TypeStore::float_();
    return l->kind == K::Int && r->kind == K::Int ? l : TypeStore::float_();
  }
  if (op == "-") {
    if (l->kind == K::Duration && r->kind == K::Duration) return l;
    if (l->kind == K::Time && r->kind == K::Duration) return l;
    if (l->kind == K::Time && r->kind == K::Time) return TypeStore::duration();
  }
  if (op == "*" && ((l->kind == K::Duration && is_numeric(r)) || (is_numeric(l) && r->kind == K::Duration)))
    return TypeStore::duration();
  if (op == "/" && l->kind == K::Duration && is_numeric(r)) return TypeStore::duration();
  return bad("cannot apply `" + op + "` to `" + to_string(widen(l)) + "` and `" + to_string(widen(r)) + "`");
}

// ---------------------------------------------------------------- literals

TypeRef Checker::string_lit(const ast::Expr& e) {
  bool interpolated = false, secret = false;
  std::string text;
  for (const auto& p : e.parts) {
    if (p.expr) {
      interpolated = true;
      TypeRef t = expr(*p.expr);
      if (t->kind == K::Secret || taint_of(p.expr.get())) secret = true;
    } else {
      text += p.text;
    }
  }
  if (!interpolated) return ts_.literal(text);
  return secret ? TypeStore::secret() : TypeStore::string();
}

TypeRef Checker::object(const ast::Expr& e, TypeRef expected) {
  TypeRef want = expected ? strip_optional(expected) : nullptr;
  if (want && want->kind == K::Union) {
    TypeRef rec = nullptr;
    for (TypeRef m : want->args)
      if (m->kind == K::Record) rec = rec ? nullptr : m;
    want = rec;
  }
  if (want && want->kind == K::Record) {
    size_t before = m_.diags.all().size();
    std::string rname = to_string(want);
    std::vector<std::string> provided;
    std::vector<const ast::ObjectEntry*> unknown;
    bool dynamic = false;
    for (const auto& en : e.entries) {
      if (!en.value) continue;
      if (en.spread) {
        TypeRef t = expr(*en.value);
        if (t->kind == K::Record) {
          for (const auto& f : t->fields) {
            provided.push_back(f.name);
            if (const Field* wf = want->field(f.name))
              if (!assignable(f.optional ? ts_.optional(f.type) : f.type, wf->optional ? ts_.optional(wf->type) : wf->type))
                report(Code::E0201, en.value->range,
                       "field `" + f.name + "` of the spread value is `" + to_string(f.type) + "`, but `" + rname +
                           "` expects `" + to_string(wf->type) + "`",
                       "mismatched field `" + f.name + "`");
          }
        } else if (t->kind == K::Json || is_unknown(t) || t->kind == K::Map) {
          dynamic = true;
        } else {
          report(Code::E0201, en.value->range, "cannot spread a `" + to_string(t) + "` into an object", "not an object");
        }
        continue;
      }
      const std::string& k = en.key.name;
      if (std::find(provided.begin(), provided.end(), k) != provided.end() &&
          std::none_of(e.entries.begin(), e.entries.end(), [&](const ast::ObjectEntry& x) { return x.spread; })) {
        report(Code::E0302, en.key.range, "field `" + k + "` is given twice", "duplicate field");
        expr(*en.value);
        continue;
      }
      const Field* f = want->field(k);
      if (!f) {
        unknown.push_back(&en);
        continue;
      }
      provided.push_back(k);
      if (f->symbol) {
        m_.references.push_back({en.key.range, f->symbol});
        ++uses_[f->symbol];
      }
      expect(*en.value, f->optional ? ts_.optional(f->type) : f->type, "field `" + k + "` of `" + rname + "`");
    }
    std::vector<std::string> missing, all;
    for (const auto& f : want->fields) {
      all.push_back(f.name);
      if (!f.optional && std::find(provided.begin(), provided.end(), f.name) == provided.end()) missing.push_back(f.name);
    }
    // One unknown field, one missing required field and a value that fits it: a misspelling,
    // however far apart the names are (`fll_nme` for `full_name`), reported once at the unknown field.
    const Field* only_missing = unknown.size() == 1 && missing.size() == 1 && !dynamic ? want->field(missing[0]) : nullptr;
    for (const auto* en : unknown) {
      std::string message = "record `" + rname + "` has no field `" + en->key.name + "`";
      auto best = diagnostics::closest_match(en->key.name, missing);
      if (best) {
        auto& d = report(Code::E0310, en->key.range, message, "unknown field");
        suggest(d, en->key.range, en->key.name, {*best});
        missing.erase(std::remove(missing.begin(), missing.end(), *best), missing.end());
        const Field* f = want->field(*best);
        expect(*en->value, f->optional ? ts_.optional(f->type) : f->type, "field `" + *best + "` of `" + rname + "`");
        continue;
      }
      TypeRef got = expr(*en->value);
      if (only_missing && (is_unknown(got) || assignable(got, only_missing->type))) {
        auto& d = report(Code::E0310, en->key.range, message, "did you mean `" + only_missing->name + "`?");
        d.fix = diagnostics::Fix{en->key.range, only_missing->name, "replace with `" + only_missing->name + "`"};
        if (only_missing->range.valid())
          d.notes.push_back({only_missing->range, "`" + only_missing->name + "` is declared here"});
        missing.clear();
        continue;
      }
      auto& d = report(Code::E0310, en->key.range, message, "unknown field");
      suggest(d, en->key.range, en->key.name, all);
    }
    if (!dynamic)
      for (const auto& n : missing) {
        Range r{e.range.file, e.range.begin, e.range.begin + 1};
        auto& d = report(Code::E0301, r, "missing field `" + n + "` in record `" + rname + "`", "missing `" + n + "`");
        if (const Field* f = want->field(n); f && f->range.valid())
          d.notes.push_back({f->range, "`" + n + "` is declared here"});
      }
    if (m_.diags.all().size() != before) return TypeStore::unknown();
    return want;
  }
  if (want && want->kind == K::Map) {
    for (const auto& en : e.entries) {
      if (!en.value) continue;
      if (en.spread) {
        TypeRef t = expr(*en.value);
        if (!assignable(t, want)) fits(*en.value, t, want, "the spread value");
        continue;
      }
      expect(*en.value, want->arg(), "value of `" + en.key.name + "`");
    }
    return want;
  }
  std::vector<Field> fields;
  bool dynamic = false;
  for (const auto& en : e.entries) {
    if (!en.value) continue;
    TypeRef t = expr(*en.value);
    if (en.spread) {
      if (t->kind == K::Record) {
        for (const auto& f : t->fields) {
          auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return x.name == f.name; });
          Field nf = f;
          nf.symbol = nullptr;
          if (it != fields.end()) *it = nf;
          else fields.push_back(nf);
        }
      } else if (t->kind == K::Json || t->kind == K::Map || is_unknown(t)) {
        dynamic = true;
      } else {
        report(Code::E0201, en.value->range, "cannot spread a `" + to_string(t) + "` into an object", "not an object");
      }
      continue;
    }
    auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return x.name == en.key.name; });
    if (it != fields.end()) {
      report(Code::E0302, en.key.range, "field `" + en.key.name + "` is given twice", "duplicate field");
      continue;
    }
    fields.push_back(Field{en.key.name, t, false, {}, en.key.range, nullptr});
  }
  if (dynamic) return TypeStore::json();
  return ts_.record(std::move(fields));
}

TypeRef Checker::list(const ast::Expr& e, TypeRef expected) {
  TypeRef want = expected ? strip_optional(expected) : nullptr;
  if (want && want->kind == K::List) {
    size_t before = m_.diags.all().size();
    for (const auto& item : e.operands) expect(*item, want->arg(), "a list element");
    return m_.diags.all().size() == before ? want : TypeStore::unknown();
  }
  TypeRef elem = TypeStore::never();
  for (const auto& item : e.operands) elem = join(ts_, elem, expr(*item));
  return ts_.list(elem);
}

TypeRef Checker::lambda(const ast::Expr& e, TypeRef expected) {
  TypeRef fn = expected && expected->kind == K::Function ? expected : nullptr;
  push_scope();
  blocks_.push_back(e.range);
  std::vector<FnParam> params;
  for (size_t i = 0; i < e.params.size(); ++i) {
    TypeRef t = fn && i < fn->params.size() ? fn->params[i].type : TypeStore::unknown();
    if (has_vars(t)) t = substitute(ts_, t, {}, true);
    Symbol& s = new_symbol(SK::LambdaParam, e.params[i].name, e.params[i].range);
    s.type = t;
    s.expr = &e;
    s.scope = e.range;
    s.decl = owner_ ? owner_->decl : nullptr;
    declare(&s);
    params.push_back(FnParam{e.params[i].name, t, false, false});
  }
  if (fn && e.params.size() > fn->params.size())
    report(Code::E0203, e.range,
           "this lambda takes " + std::to_string(e.params.size()) + " parameters, but is called with " +
               std::to_string(fn->params.size()),
           "expected " + std::to_string(fn->params.size()) + " parameter" + (fn->params.size() == 1 ? "" : "s"));
  TypeRef body = TypeStore::unknown();
  if (!e.operands.empty() && e.operands[0]) {
    TypeRef want = fn ? fn->arg() : nullptr;
    body = want && !has_vars(want) ? expect(*e.operands[0], want, "the lambda's result") : expr(*e.operands[0]);
  }
  blocks_.pop_back();
  pop_scope();
  return ts_.function(std::move(params), body);
}

// ---------------------------------------------------------------- calls

Sig Checker::fn_sig(const Symbol* fn) {
  Sig s;
  if (fn->type && fn->type->kind == K::Function) {
    s.params = fn->type->params;
    s.result = fn->type->arg();
  } else {
    s.result = TypeStore::unknown();
  }
  return s;
}

Sig Checker::flow_sig(const Symbol* flow) { return fn_sig(flow); }

void Checker::check_args_loosely(const ast::Expr& e, size_t first) {
  for (size_t i = first; i < e.args.size(); ++i)
    if (e.args[i].value) expr(*e.args[i].value);
}

namespace {
struct Actual {
  const ast::Expr* expr;
  Range range;
  const ast::Ident* name;
};

struct Mapping {
  std::vector<int> param;  // per actual
  Code code = Code::E0203;
  Range range;
  std::string error;
  std::string label;
  const ast::Ident* bad_name = nullptr;
};

Mapping map_args(const std::vector<Actual>& acts, const Sig& sig, const std::string& fname, Range call_range) {
  Mapping m;
  m.param.assign(acts.size(), -1);
  std::vector<bool> given(sig.params.size(), false);
  size_t pos = 0;
  size_t positional = 0;
  for (size_t i = 0; i < acts.size(); ++i) {
    const Actual& a = acts[i];
    if (a.name) {
      int idx = -1;
      for (size_t j = 0; j < sig.params.size(); ++j)
        if (sig.params[j].name == a.name->name) idx = static_cast<int>(j);
      if (idx < 0) {
        if (m.error.empty()) {
          m.code = Code::E0204;
          m.range = a.name->range;
          m.error = "`" + fname + "` has no parameter `" + a.name->name + "`";
          m.label = "unknown argument";
          m.bad_name = a.name;
        }
        continue;
      }
      if (given[idx] && m.error.empty()) {
        m.code = Code::E0204;
        m.range = a.name->range;
        m.error = "argument `" + a.name->name + "` of `" + fname + "` is given twice";
        m.label = "given twice";
      }
      given[idx] = true;
      m.param[i] = idx;
      continue;
    }
    ++positional;
    while (pos < sig.params.size() && given[pos] && !sig.params[pos].variadic) ++pos;
    if (pos >= sig.params.size()) {
      if (m.error.empty()) {
        size_t max = sig.params.size();
        m.code = Code::E0203;
        m.range = a.range;
        m.error = "`" + fname + "` takes " + std::to_string(max) + " argument" + (max == 1 ? "" : "s") + ", found " +
                  std::to_string(acts.size());
        m.label = "unexpected argument";
      }
      continue;
    }
    m.param[i] = static_cast<int>(pos);
    given[pos] = true;
    if (!sig.params[pos].variadic) ++pos;
  }
  if (m.error.empty())
    for (size_t j = 0; j < sig.params.size(); ++j)
      if (!given[j] && !sig.params[j].optional && !sig.params[j].variadic) {
        m.code = Code::E0203;
        m.range = call_range;
        m.error = "`" + fname + "` is missing the argument `" + sig.params[j].name + "`";
        m.label = "missing `" + sig.params[j].name + "`";
        break;
      }
  (void)positional;
  return m;
}
}  // namespace

TypeRef Checker::call_sig(const ast::Expr& e, const std::string& fname, const std::vector<Sig>& sigs,
                          const ast::Expr* receiver, const Symbol* fn_symbol) {
  std::vector<Actual> acts;
  if (receiver) acts.push_back({receiver, receiver->range, nullptr});
  for (const auto& a : e.args)
    if (a.value) acts.push_back({a.value.get(), a.range, a.name ? &*a.name : nullptr});
  Range call_range = e.range;
  if (!e.operands.empty()) {
    const ast::Expr& c = *e.operands[0];
    call_range = c.name_range.valid() ? c.name_range : c.range;
  }

  // Purity of the call site.
  auto purity = [&](const Sig& s) {
    if (!s.std || !s.std->nondeterministic) return;
    if (where_ == Where::Fn)
      report(Code::E0402, call_range,
             "fn `" + (owner_ ? owner_->name : std::string()) + "` must be deterministic, but `" + fname + "()` is not",
             "non-deterministic call");
    else if (where_ == Where::Const)
      report(Code::E0214, call_range, "`" + fname + "()` is not a constant expression", "not constant");
  };

  std::vector<TypeRef> pre(acts.size(), nullptr);
  const Sig* chosen = nullptr;
  Mapping mapping;
  if (sigs.size() == 1) {
    chosen = &sigs[0];
    mapping = map_args(acts, *chosen, fname, call_range);
  } else {
    for (size_t i = 0; i < acts.size(); ++i)
      if (acts[i].expr->kind != EK::Lambda) pre[i] = expr(*acts[i].expr);
    for (const auto& s : sigs) {
      Mapping mp = map_args(acts, s, fname, call_range);
      if (!mp.error.empty()) continue;
      Bindings b;
      bool ok = true;
      for (size_t i = 0; i < acts.size() && ok; ++i)
        if (pre[i] && mp.param[i] >= 0) ok = unify(ts_, s.params[mp.param[i]].type, pre[i], b);
      for (size_t i = 0; i < acts.size() && ok; ++i)
        if (!pre[i] && mp.param[i] >= 0) {
          TypeRef pt = s.params[mp.param[i]].type;
          ok = pt->kind == K::Function || pt->kind == K::Var || pt->kind == K::Json;
        }
      if (ok) {
        chosen = &s;
        mapping = std::move(mp);
        break;
      }
    }
    if (!chosen) {
      std::string types;
      for (size_t i = 0; i < acts.size(); ++i)
        types += (i ? ", " : "") + (pre[i] ? to_string(pre[i]) : std::string("lambda"));
      bool unknown_arg = std::any_of(pre.begin(), pre.end(), [](TypeRef t) { return t && is_unknown(t); });
      if (!unknown_arg) {
        auto& d = report(Code::E0201, call_range, "no overload of `" + fname + "` accepts `(" + types + ")`",
                         "no matching overload");
        for (const auto& s : sigs)
          if (s.std) d.notes.push_back({std::nullopt, "candidate: " + s.std->signature});
      }
      for (size_t i = 0; i < acts.size(); ++i)
        if (!pre[i]) expr(*acts[i].expr);
      return TypeStore::unknown();
    }
  }
  if (chosen->std) m_.std_calls[&e] = chosen->std;
  purity(*chosen);
  if (!mapping.error.empty()) {
    auto& d = report(mapping.code, mapping.range, mapping.error, mapping.label);
    if (mapping.bad_name) {
      std::vector<std::string> names;
      for (const auto& p : chosen->params) names.push_back(p.name);
      suggest(d, mapping.range, mapping.bad_name->name, names);
    }
  }
  Bindings b;
  // Pass 1: everything but lambdas, so that lambdas see the bound type variables.
  for (size_t i = 0; i < acts.size(); ++i) {
    const ast::Expr& a = *acts[i].expr;
    if (a.kind == EK::Lambda) continue;
    int pi = mapping.param[i];
    if (pi < 0) {
      if (!pre[i]) pre[i] = expr(a);
      continue;
    }
    const FnParam& p = chosen->params[pi];
    std::string what = "argument `" + p.name + "` of `" + fname + "`";
    if (!has_vars(p.type)) {
      if (pre[i]) fits(a, pre[i], p.type, what);
      else pre[i] = expect(a, p.type, what);
      continue;
    }
    TypeRef t = pre[i] ? pre[i] : (pre[i] = expr(a));
    Assign facts;
    if (!unify(ts_, p.type, t, b, &facts)) {
      TypeRef shown = substitute(ts_, p.type, b, false);
      if (!is_unknown(t))
        report(Code::E0201, a.range, what + " expects `" + to_string(shown) + "`, found `" + to_string(t) + "`",
               "expected `" + to_string(shown) + "`");
    } else if (facts.dynamic) {
      m_.runtime_checks.push_back({&a, substitute(ts_, p.type, b, true)});
    }
  }
  // Pass 2: lambdas, checked against the parameter's function type.
  for (size_t i = 0; i < acts.size(); ++i) {
    const ast::Expr& a = *acts[i].expr;
    if (a.kind != EK::Lambda) continue;
    int pi = mapping.param[i];
    TypeRef pt = pi >= 0 ? chosen->params[pi].type : nullptr;
    if (!pt || pt->kind != K::Function) {
      TypeRef t = expr(a, nullptr);
      if (pt) fits(a, t, substitute(ts_, pt, b, true), "argument `" + chosen->params[pi].name + "` of `" + fname + "`");
      continue;
    }
    TypeRef want = substitute(ts_, pt, b, false);
    TypeRef ft = expr(a, want);
    unify(ts_, pt, ft, b);
  }
  TypeRef result = substitute(ts_, chosen->result ? chosen->result : TypeStore::unknown(), b, true);
  (void)fn_symbol;
  // `f<T>(...)`: a json result asserted as T (checked at run time).
  if (!e.type_args.empty()) {
    if (e.type_args.size() != 1) {
      report(Code::E0207, e.type_args[1]->range,
             "`" + fname + "` takes one type argument, found " + std::to_string(e.type_args.size()), "extra type argument");
    } else if (result->kind != K::Json) {
      report(Code::E0207, e.type_args[0]->range,
             "`" + fname + "` returns `" + to_string(result) + "` and takes no type argument", "unexpected type argument");
    } else {
      result = resolve_type(e.type_args[0].get());
      m_.runtime_checks.push_back({&e, result});
    }
  }
  return result;
}

TypeRef Checker::call(const ast::Expr& e) {
  if (e.operands.empty()) return TypeStore::unknown();
  const ast::Expr& callee = *e.operands[0];
  if (callee.kind == EK::Name) {
    Range r = callee.name_range.valid() ? callee.name_range : callee.range;
    const Symbol* s = find(callee.name);
    const auto* ov = std_.overloads(callee.name);
    if (s && s->kind == SK::Fn) {
      use(&callee, r, s);
      m_.expr_types[&callee] = s->type;
      return call_sig(e, callee.name, {fn_sig(s)}, nullptr, s);
    }
    if (s && s->kind == SK::Flow) {
      use(&callee, r, s);
      m_.expr_types[&callee] = TypeStore::unknown();
      report(Code::E0213, r, "flow `" + callee.name + "` is not a function; start it with `run " + callee.name + "(...)`",
             "not callable");
      check_args_loosely(e);
      return TypeStore::unknown();
    }
    if (s && s->kind != SK::Const && s->kind != SK::Type && s->kind != SK::Connection && s->kind != SK::Import &&
        s->type && s->type->kind == K::Function) {
      use(&callee, r, s);
      m_.expr_types[&callee] = s->type;
      Sig sig{s->type->params, s->type->arg(), nullptr};
      return call_sig(e, callee.name, {sig}, nullptr, s);
    }
    if (ov && (!s || s->kind == SK::Connection || (s->type && s->type->kind != K::Function))) {
      std::vector<Sig> sigs;
      for (const auto& f : *ov) sigs.push_back(Sig{f.params, f.result, &f});
      m_.expr_types[&callee] = TypeStore::unknown();
      return call_sig(e, callee.name, sigs, nullptr, nullptr);
    }
    if (!s && callee.name == "calls") return calls_builtin(e);
    if (!s && callee.name == "emitted") return emitted_builtin(e);
    m_.expr_types[&callee] = TypeStore::unknown();
    if (s) {
      use(&callee, r, s);
      if (!is_unknown(s->type))
        report(Code::E0213, r, "`" + callee.name + "` is a " + std::string(kind_name(s->kind)) + ", not a function",
               "not callable");
    } else {
      auto& d = report(Code::E0104, r, "cannot find function `" + callee.name + "`", "unknown function");
      suggest_function(d, r, callee.name);
    }
    check_args_loosely(e);
    return TypeStore::unknown();
  }
  if (callee.kind == EK::Member && !callee.operands.empty()) {
    const ast::Expr& recv = *callee.operands[0];
    Range r = callee.name_range.valid() ? callee.name_range : callee.range;
    // conn.method(...) and common.fn(...) / common.conn.method(...)
    const Symbol* base = nullptr;
    if (recv.kind == EK::Name) base = find(recv.name);
    else if (recv.kind == EK::Member && !recv.operands.empty() && recv.operands[0]->kind == EK::Name) {
      const Symbol* imp = find(recv.operands[0]->name);
      if (imp && imp->kind == SK::Import && imp->module) {
        const Symbol* s = imp->module->lookup(recv.name);
        if (s && s->kind == SK::Connection) base = s;
      }
    }
    if (base && base->kind == SK::Connection) {
      const Symbol* conn = static_symbol(recv, false);
      return conn_call(e, conn ? conn : base, action_ok_);
    }
    if (base && base->kind == SK::Import && recv.kind == EK::Name) {
      const Symbol* s = static_symbol(callee, true);
      if (!s) {
        check_args_loosely(e);
        return TypeStore::unknown();
      }
      if (s->kind == SK::Fn) return call_sig(e, recv.name + "." + callee.name, {fn_sig(s)}, nullptr, s);
      report(Code::E0213, r,
             "`" + recv.name + "." + callee.name + "` is a " + std::string(kind_name(s->kind)) + ", not a function" +
                 (s->kind == SK::Flow ? "; start it with `run`" : ""),
             "not callable");
      check_args_loosely(e);
      return TypeStore::unknown();
    }
    if (recv.kind == EK::Name && !base &&
        std::find(std::begin(kMethods), std::end(kMethods), callee.name) != std::end(kMethods)) {
      unknown_connection(recv);
      m_.expr_types[&callee] = TypeStore::unknown();
      check_args_loosely(e);
      return TypeStore::unknown();
    }
    // a.f(x) is f(a, x): a user fn first, then the standard library.
    const Symbol* fn = m_.lookup(callee.name);
    if (fn && fn->kind == SK::Fn) {
      use(&callee, r, fn);
      return call_sig(e, callee.name, {fn_sig(fn)}, &recv, fn);
    }
    if (const auto* ov = std_.overloads(callee.name)) {
      std::vector<Sig> sigs;
      for (const auto& f : *ov) sigs.push_back(Sig{f.params, f.result, &f});
      TypeRef t = call_sig(e, callee.name, sigs, &recv, nullptr);
      m_.expr_types[&callee] = TypeStore::unknown();
      return t;
    }
    TypeRef rt = expr(recv);
    m_.expr_types[&callee] = TypeStore::unknown();
    if (!is_unknown(rt)) {
      auto& d = report(Code::E0104, r, "cannot find function `" + callee.name + "` (for `" + text_of(recv) + "." +
                                           callee.name + "(...)`)",
                       "unknown function");
      suggest_function(d, r, callee.name);
      if (strip_optional(rt)->kind == K::Record && strip_optional(rt)->field(callee.name))
        d.notes.push_back({std::nullopt, "`" + callee.name + "` is a field, not a function"});
    }
    check_args_loosely(e);
    return TypeStore::unknown();
  }
  TypeRef ct = expr(callee);
  if (ct->kind == K::Function) return call_sig(e, text_of(callee), {Sig{ct->params, ct->arg(), nullptr}}, nullptr, nullptr);
  if (!is_unknown(ct) && ct->kind != K::Json)
    report(Code::E0213, callee.range, "a value of type `" + to_string(ct) + "` cannot be called", "not callable");
  check_args_loosely(e);
  return is_unknown(ct) ? ct : TypeStore::json();
}

TypeRef Checker::conn_call(const ast::Expr& e, const Symbol* conn, bool as_action) {
  const ast::Expr& callee = *e.operands[0];
  Range r = callee.name_range.valid() ? callee.name_range : callee.range;
  std::string cname = callee.operands[0]->kind == EK::Name ? conn->name : callee.operands[0]->operands[0]->name + "." + conn->name;
  std::string full = cname + "." + callee.name;
  m_.expr_symbols[&callee] = conn;
  m_.expr_types[&callee] = TypeStore::unknown();
  if (!as_action) {
    switch (where_) {
      case Where::Fn:
        report(Code::E0402, e.range, "fn `" + (owner_ ? owner_->name : std::string()) + "` is pure: it cannot call connection `" +
                                        cname + "`",
               "not allowed in a fn");
        break;
      case Where::Flow: {
        auto& d = report(Code::E0409, e.range, "the connection call `" + full + "(...)` must be the action of a step",
                         "not in a step");
        d.notes.push_back({std::nullopt, "write `step name = " + full + "(...)`; its result is recorded durably"});
        break;
      }
      case Where::Test:
        report(Code::E0404, e.range, "a test cannot call `" + full + "` directly; `mock` it and `run` the flow",
               "not allowed in a test");
        break;
      default:
        report(Code::E0404, e.range, "a connection call is not allowed here", "not allowed here");
        break;
    }
  }
  if (const ConnectionInfo* ci = conn_info(conn); ci && ci->kind == "openapi") return openapi_call(e, *ci, full);
  bool known = std::find(std::begin(kMethods), std::end(kMethods), callee.name) != std::end(kMethods);
  if (!known) {
    auto& d = report(Code::E0412, r, "connection `" + cname + "` has no method `" + callee.name + "`", "unknown method");
    if (!suggest(d, r, callee.name, {"get", "post", "put", "patch", "delete"}))
      d.notes.push_back({std::nullopt, "connection methods are get, post, put, patch, delete"});
  }
  TypeRef body = TypeStore::json();
  if (!e.type_args.empty()) {
    if (e.type_args.size() != 1)
      report(Code::E0207, e.type_args[1]->range,
             "`" + full + "` takes exactly one type argument, found " + std::to_string(e.type_args.size()),
             "extra type argument");
    body = resolve_type(e.type_args[0].get());
  }
  size_t positional = 0;
  std::vector<std::string> seen;
  for (const auto& a : e.args) {
    if (!a.value) continue;
    if (!a.name) {
      ++positional;
      if (positional == 1) {
        expect(*a.value, TypeStore::string(), "the path of `" + full + "`");
        sink(*a.value, "the URL path of `" + full + "`");
      } else {
        report(Code::E0203, a.range, "`" + full + "` takes one positional argument, the path", "unexpected argument");
        expr(*a.value);
      }
      continue;
    }
    const std::string& n = a.name->name;
    if (std::find(seen.begin(), seen.end(), n) != seen.end())
      report(Code::E0204, a.name->range, "argument `" + n + "` is given twice", "given twice");
    seen.push_back(n);
    if (n == "body") {
      if (callee.name == "get")
        report(Code::E0204, a.name->range, "a GET request has no `body`", "not allowed on `get`");
      expr(*a.value, TypeStore::json());
      sink(*a.value, "the request body of `" + full + "`");
    } else if (n == "query") {
      expect(*a.value, ts_.map(TypeStore::json()), "`query`");
      sink(*a.value, "the query of `" + full + "`");
    } else if (n == "headers") {
      expect(*a.value, ts_.map(TypeStore::string()), "`headers`");
    } else if (n == "accept_status") {
      expect(*a.value, ts_.list(TypeStore::int_()), "`accept_status`");
    } else {
      auto& d = report(Code::E0204, a.name->range, "`" + full + "` has no argument `" + n + "`", "unknown argument");
      if (!suggest(d, a.name->range, n, {"body", "query", "headers", "accept_status"}))
        d.notes.push_back({std::nullopt, "named arguments are body, query, headers, accept_status"});
      expr(*a.value);
    }
  }
  if (positional == 0)
    report(Code::E0203, e.range, "`" + full + "` needs a path, e.g. `" + full + "(\"/items\")`", "missing path");
  if (!known) return TypeStore::unknown();
  if (!is_unknown(body) && body->kind != K::Json) m_.runtime_checks.push_back({&e, body});
  return ts_.response(body);
}

TypeRef Checker::run_expr(const ast::Expr& e, bool as_action) {
  bool start = e.kind == EK::Start;
  const char* kw = start ? "start" : "run";
  if (!as_action && !start) {
    switch (where_) {
      case Where::Fn:
        report(Code::E0402, e.range, "fn `" + (owner_ ? owner_->name : std::string()) + "` is pure: it cannot `run` a flow",
               "not allowed in a fn");
        break;
      case Where::Flow: {
        auto& d = report(Code::E0409, e.range, "`run` must be the action of a step", "not in a step");
        d.notes.push_back({std::nullopt, "write `step name = run flow(...)`"});
        break;
      }
      default: report(Code::E0404, e.range, "`run` is not allowed here", "not allowed here"); break;
    }
  }
  if (e.operands.empty() || !e.operands[0]) return TypeStore::unknown();
  const ast::Expr& c = *e.operands[0];
  if (c.kind != EK::Call || c.operands.empty()) {
    expr(c);
    report(Code::E0406, c.range, std::string("`") + kw + "` takes a flow call, e.g. `" + kw + " sync(input)`",
           "not a flow call");
    return TypeStore::unknown();
  }
  const ast::Expr& callee = *c.operands[0];
  const Symbol* s = nullptr;
  if (callee.kind == EK::Name) {
    s = find(callee.name);
    if (s && s->kind == SK::Flow) use(&callee, callee.name_range.valid() ? callee.name_range : callee.range, s);
  } else {
    s = static_symbol(callee, true);
    if (!s && callee.kind == EK::Member) {
      check_args_loosely(c);
      m_.expr_types[&c] = TypeStore::unknown();
      return TypeStore::unknown();
    }
  }
  if (!s || s->kind != SK::Flow) {
    Range r = callee.name_range.valid() ? callee.name_range : callee.range;
    std::vector<std::string> flows;
    for (const auto& [n, sym] : m_.top_level)
      if (sym->kind == SK::Flow) flows.push_back(n);
    std::string nm = callee.kind == EK::Name ? callee.name : text_of(callee);
    auto& d = report(Code::E0109, r, s ? "`" + nm + "` is a " + std::string(kind_name(s->kind)) + ", not a flow"
                                       : "cannot find flow `" + nm + "`",
                     "not a flow");
    if (!s) suggest(d, r, nm, flows);
    m_.expr_types[&callee] = TypeStore::unknown();
    check_args_loosely(c);
    m_.expr_types[&c] = TypeStore::unknown();
    return TypeStore::unknown();
  }
  m_.expr_types[&callee] = s->type;
  TypeRef t = call_sig(c, s->name, {flow_sig(s)}, nullptr, s);
  m_.expr_types[&c] = t;
  return t;
}

TypeRef Checker::calls_builtin(const ast::Expr& e) {
  const ast::Expr& callee = *e.operands[0];
  m_.expr_types[&callee] = TypeStore::unknown();
  if (where_ != Where::Test)
    report(Code::E0408, callee.range, "`calls(...)` is only available in a test", "not in a test");
  TypeRef rec = ts_.record({make_field("method", TypeStore::string()), make_field("path", TypeStore::string()),
                            make_field("query", ts_.map(TypeStore::string())), make_field("headers", ts_.map(TypeStore::string())),
                            make_field("body", TypeStore::json()), make_field("status", TypeStore::int_())},
                           "Call");
  if (e.args.size() != 1 || !e.args[0].value) {
    report(Code::E0203, e.range, "`calls` takes one argument, a connection method such as `crm.get`", "expected `conn.method`");
    check_args_loosely(e);
    return ts_.list(rec);
  }
  const ast::Expr& a = *e.args[0].value;
  if (a.kind != EK::Member || a.operands.empty()) {
    expr(a);
    report(Code::E0201, a.range, "`calls` takes a connection method such as `crm.get`", "not a connection method");
    return ts_.list(rec);
  }
  const ast::Expr& cn = *a.operands[0];
  const Symbol* conn = static_symbol(cn, false);
  if (!conn || conn->kind != SK::Connection) {
    unknown_connection(cn);
  } else if (const ConnectionInfo* ci = conn_info(conn);
             ci && ci->document && std::find(std::begin(kMethods), std::end(kMethods), a.name) == std::end(kMethods)) {
    if (!ci->document->find_operation(a.name)) {
      auto& d = report(Code::E0521, a.name_range, "the OpenAPI document of connection `" + conn->name +
                                                      "` has no operation `" + a.name + "`",
                       "unknown operation");
      suggest(d, a.name_range, a.name, ci->document->method_names());
    }
  } else if (std::find(std::begin(kMethods), std::end(kMethods), a.name) == std::end(kMethods) &&
             !(ci && ci->kind == "openapi")) {
    auto& d = report(Code::E0412, a.name_range, "connection `" + conn->name + "` has no method `" + a.name + "`",
                     "unknown method");
    suggest(d, a.name_range, a.name, {"get", "post", "put", "patch", "delete"});
  }
  if (conn) m_.expr_symbols[&a] = conn;
  m_.expr_types[&a] = TypeStore::unknown();
  return ts_.list(rec);
}

TypeRef Checker::emitted_builtin(const ast::Expr& e) {
  m_.expr_types[e.operands[0].get()] = TypeStore::unknown();
  if (where_ != Where::Test)
    report(Code::E0408, e.operands[0]->range, "`emitted(...)` is only available in a test", "not in a test");
  if (e.args.size() != 1 || !e.args[0].value || e.args[0].name) {
    report(Code::E0203, e.range, "`emitted` takes one argument, the event name such as \"order.shipped\"",
           "expected an event name");
    check_args_loosely(e);
  } else {
    expect(*e.args[0].value, TypeStore::string(), "`emitted`");
  }
  return ts_.list(TypeStore::json());
}

void Checker::unknown_connection(const ast::Expr& cn) {
  std::vector<std::string> conns;
  for (const auto& [n, sym] : m_.top_level)
    if (sym->kind == SK::Connection) conns.push_back(n);
  Range r = cn.name_range.valid() ? cn.name_range : cn.range;
  auto& d = report(Code::E0108, r, "cannot find connection `" + (cn.kind == EK::Name ? cn.name : text_of(cn)) + "`", "unknown connection");
  if (cn.kind == EK::Name) suggest(d, r, cn.name, conns);
  m_.expr_types[&cn] = TypeStore::unknown();
}

}  // namespace weft::sema::detail
