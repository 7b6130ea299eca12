#include "compiler/sema/types.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace weft::sema {

using K = Type::Kind;

const Field* Type::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

// ---------------------------------------------------------------- store

namespace {
const Type* scalar_of(K k) {
  static const std::vector<Type> all = [] {
    std::vector<Type> v(static_cast<size_t>(K::Secret) + 1);
    for (size_t i = 0; i < v.size(); ++i) v[i].kind = static_cast<K>(i);
    return v;
  }();
  return &all[static_cast<size_t>(k)];
}
}  // namespace

TypeRef TypeStore::unknown() { return scalar_of(K::Unknown); }
TypeRef TypeStore::never() { return scalar_of(K::Never); }
TypeRef TypeStore::string() { return scalar_of(K::String); }
TypeRef TypeStore::int_() { return scalar_of(K::Int); }
TypeRef TypeStore::float_() { return scalar_of(K::Float); }
TypeRef TypeStore::bool_() { return scalar_of(K::Bool); }
TypeRef TypeStore::duration() { return scalar_of(K::Duration); }
TypeRef TypeStore::time() { return scalar_of(K::Time); }
TypeRef TypeStore::null() { return scalar_of(K::Null); }
TypeRef TypeStore::json() { return scalar_of(K::Json); }
TypeRef TypeStore::secret() { return scalar_of(K::Secret); }

TypeRef TypeStore::scalar(std::string_view n) {
  if (n == "string") return string();
  if (n == "int") return int_();
  if (n == "float") return float_();
  if (n == "bool") return bool_();
  if (n == "duration") return duration();
  if (n == "time") return time();
  if (n == "null") return null();
  if (n == "json") return json();
  if (n == "secret") return secret();
  return nullptr;
}

namespace {

/// A type of `kind` with type arguments and a name (the shape most constructors below build).
Type shape(K kind, std::vector<TypeRef> args, std::string name = {}) {
  Type t;
  t.kind = kind;
  t.args = std::move(args);
  t.name = std::move(name);
  return t;
}

}  // namespace

TypeRef TypeStore::add(Type t) {
  types_.push_back(std::move(t));
  return &types_.back();
}

TypeRef TypeStore::literal(std::string value) { return add(shape(K::Literal, {}, std::move(value))); }

TypeRef TypeStore::list(TypeRef elem) { return add(shape(K::List, {elem})); }

TypeRef TypeStore::map(TypeRef value) { return add(shape(K::Map, {value})); }

TypeRef TypeStore::optional(TypeRef inner) {
  if (!inner) return unknown();
  switch (inner->kind) {
    case K::Optional: case K::Null: case K::Json: case K::Unknown: return inner;
    case K::Never: return null();
    default: break;
  }
  return add(shape(K::Optional, {inner}));
}

static bool same(TypeRef a, TypeRef b);

TypeRef TypeStore::union_of(const std::vector<TypeRef>& members) {
  std::vector<TypeRef> flat;
  bool nullable = false;
  auto push = [&](TypeRef m) {
    if (m->kind == K::Optional) nullable = true, m = m->arg();
    if (m->kind == K::Null) { nullable = true; return; }
    for (TypeRef x : flat)
      if (same(x, m)) return;
    flat.push_back(m);
  };
  for (TypeRef m : members) {
    if (!m) continue;
    if (m->kind == K::Unknown || m->kind == K::Json) return m;
    if (m->kind == K::Union) {
      for (TypeRef x : m->args) push(x);
    } else if (m->kind == K::Optional && m->arg()->kind == K::Union) {
      nullable = true;
      for (TypeRef x : m->arg()->args) push(x);
    } else {
      push(m);
    }
  }
  TypeRef u;
  if (flat.empty()) return nullable ? null() : never();
  if (flat.size() == 1) {
    u = flat[0];
  } else {
    u = add(shape(K::Union, std::move(flat)));
  }
  return nullable ? optional(u) : u;
}

TypeRef TypeStore::record(std::vector<Field> fields, std::string name) {
  Type t;
  t.kind = K::Record;
  t.name = std::move(name);
  t.fields = std::move(fields);
  return add(std::move(t));
}

Type* TypeStore::new_named_record(std::string name) {
  Type t;
  t.kind = K::Record;
  t.name = std::move(name);
  types_.push_back(std::move(t));
  return &types_.back();
}

TypeRef TypeStore::function(std::vector<FnParam> params, TypeRef result) {
  Type t;
  t.kind = K::Function;
  t.params = std::move(params);
  t.args = {result};
  return add(std::move(t));
}

TypeRef TypeStore::response(TypeRef body) { return add(shape(K::Response, {body})); }

TypeRef TypeStore::var(std::string name) { return add(shape(K::Var, {}, std::move(name))); }

TypeRef TypeStore::handle(TypeRef result) { return add(shape(K::Handle, {result})); }

// ---------------------------------------------------------------- printing

static void print(std::string& out, TypeRef t, int depth);

static void print_record(std::string& out, TypeRef t, int depth) {
  if (t->fields.empty()) { out += "{}"; return; }
  out += "{ ";
  for (size_t i = 0; i < t->fields.size(); ++i) {
    if (i) out += ", ";
    const Field& f = t->fields[i];
    out += f.name;
    out += f.optional ? "?: " : ": ";
    print(out, f.type, depth + 1);
  }
  out += " }";
}

static void print(std::string& out, TypeRef t, int depth) {
  if (!t) { out += "unknown"; return; }
  if (depth > 12) { out += "..."; return; }
  switch (t->kind) {
    case K::Unknown: out += "unknown"; return;
    case K::Never: out += "never"; return;
    case K::String: out += "string"; return;
    case K::Int: out += "int"; return;
    case K::Float: out += "float"; return;
    case K::Bool: out += "bool"; return;
    case K::Duration: out += "duration"; return;
    case K::Time: out += "time"; return;
    case K::Null: out += "null"; return;
    case K::Json: out += "json"; return;
    case K::Secret: out += "secret"; return;
    case K::Literal: {
      out += '"';
      for (char c : t->name) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
      return;
    }
    case K::List: out += "["; print(out, t->arg(), depth + 1); out += "]"; return;
    case K::Map: out += "map<"; print(out, t->arg(), depth + 1); out += ">"; return;
    case K::Optional: {
      bool paren = t->arg()->kind == K::Union || t->arg()->kind == K::Function;
      if (paren) out += "(";
      print(out, t->arg(), depth + 1);
      if (paren) out += ")";
      out += "?";
      return;
    }
    case K::Union:
      for (size_t i = 0; i < t->args.size(); ++i) {
        if (i) out += " | ";
        bool paren = t->args[i]->kind == K::Function;
        if (paren) out += "(";
        print(out, t->args[i], depth + 1);
        if (paren) out += ")";
      }
      return;
    case K::Record:
      if (!t->name.empty()) out += t->name;
      else print_record(out, t, depth);
      return;
    case K::Function:
      out += "(";
      for (size_t i = 0; i < t->params.size(); ++i) {
        if (i) out += ", ";
        print(out, t->params[i].type, depth + 1);
        if (t->params[i].variadic) out += "...";
      }
      out += ") -> ";
      print(out, t->arg(), depth + 1);
      return;
    case K::Response: out += "Response<"; print(out, t->arg(), depth + 1); out += ">"; return;
    case K::Var: out += t->name; return;
    case K::Handle: out += "Handle<"; print(out, t->arg(), depth + 1); out += ">"; return;
  }
}

std::string to_string(TypeRef t) {
  std::string out;
  print(out, t, 0);
  return out;
}

// ---------------------------------------------------------------- predicates

static bool same(TypeRef a, TypeRef b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind) return false;
  switch (a->kind) {
    case K::Literal: case K::Var: return a->name == b->name;
    case K::List: case K::Map: case K::Optional: case K::Response: case K::Handle: return same(a->arg(), b->arg());
    case K::Union:
      if (a->args.size() != b->args.size()) return false;
      for (TypeRef x : a->args)
        if (std::none_of(b->args.begin(), b->args.end(), [&](TypeRef y) { return same(x, y); })) return false;
      return true;
    case K::Record:
      if (!a->name.empty() || !b->name.empty()) return a->name == b->name && a->fields.size() == b->fields.size();
      if (a->fields.size() != b->fields.size()) return false;
      for (const auto& f : a->fields) {
        const Field* g = b->field(f.name);
        if (!g || g->optional != f.optional || !same(f.type, g->type)) return false;
      }
      return true;
    case K::Function:
      if (a->params.size() != b->params.size() || !same(a->arg(), b->arg())) return false;
      for (size_t i = 0; i < a->params.size(); ++i)
        if (!same(a->params[i].type, b->params[i].type)) return false;
      return true;
    default: return true;
  }
}

bool is_stringish(TypeRef t) {
  if (!t) return false;
  switch (t->kind) {
    case K::String: case K::Secret: case K::Literal: return true;
    case K::Union: return std::all_of(t->args.begin(), t->args.end(), is_stringish);
    default: return false;
  }
}

bool is_numeric(TypeRef t) { return t && (t->kind == K::Int || t->kind == K::Float); }

bool is_nullable(TypeRef t) { return t && (t->kind == K::Optional || t->kind == K::Null || t->kind == K::Json); }

TypeRef strip_optional(TypeRef t) { return t && t->kind == K::Optional ? t->arg() : t; }

bool has_vars(TypeRef t) {
  if (!t) return false;
  if (t->kind == K::Var) return true;
  if (t->kind == K::Record && !t->name.empty()) return false;  // declared records are closed (and may recurse)
  for (TypeRef a : t->args)
    if (has_vars(a)) return true;
  for (const auto& f : t->fields)
    if (has_vars(f.type)) return true;
  for (const auto& p : t->params)
    if (has_vars(p.type)) return true;
  return false;
}

// ---------------------------------------------------------------- assignability

namespace {

struct AssignCtx {
  Assign* facts;
  std::set<std::pair<TypeRef, TypeRef>> assumed;  // record pairs under comparison (recursive types)
  int depth = 0;
};

bool fits(TypeRef from, TypeRef to, AssignCtx& c);

bool fits_record(TypeRef from, TypeRef to, AssignCtx& c) {
  if (!c.assumed.insert({from, to}).second) return true;
  for (const auto& tf : to->fields) {
    const Field* ff = from->field(tf.name);
    if (!ff) {
      if (!tf.optional) return false;
      continue;
    }
    if (ff->optional && !tf.optional) return false;
    if (!fits(ff->type, tf.type, c)) return false;
  }
  return true;
}

bool fits(TypeRef from, TypeRef to, AssignCtx& c) {
  if (!from || !to) return true;
  if (from == to) return true;
  if (++c.depth > 64) { --c.depth; return true; }
  struct Guard { int& d; ~Guard() { --d; } } guard{c.depth};
  K f = from->kind, t = to->kind;
  if (f == K::Unknown || t == K::Unknown || f == K::Never) return true;
  if (t == K::Json) return true;
  if (t == K::Var || f == K::Var) return true;  // only reached outside unification
  if (f == K::Json) {
    if (c.facts) c.facts->dynamic = true;
    return true;
  }
  if (t == K::Optional) {
    if (f == K::Null) return true;
    if (f == K::Optional) return fits(from->arg(), to->arg(), c);
    return fits(from, to->arg(), c);
  }
  if (f == K::Union) {
    for (TypeRef m : from->args)
      if (!fits(m, to, c)) return false;
    return true;
  }
  if (t == K::Union) {
    for (TypeRef m : to->args) {
      Assign local;
      AssignCtx sub{c.facts ? &local : nullptr, c.assumed, c.depth};
      if (fits(from, m, sub)) {
        if (c.facts && local.dynamic) c.facts->dynamic = true;
        return true;
      }
    }
    return false;
  }
  switch (t) {
    case K::String: return f == K::String || f == K::Literal || f == K::Secret;
    case K::Float: return f == K::Float || f == K::Int;
    case K::Literal: return f == K::Literal && from->name == to->name;
    case K::List: return f == K::List && fits(from->arg(), to->arg(), c);
    case K::Map:
      if (f == K::Map) return fits(from->arg(), to->arg(), c);
      if (f == K::Record) {
        for (const auto& ff : from->fields)
          if (!fits(ff.type, to->arg(), c)) return false;
        return true;
      }
      return false;
    case K::Record:
      if (f == K::Record) return fits_record(from, to, c);
      if (f == K::Response) {
        // Response<T> is the record { status: int, headers: map<string>, body: T }.
        for (const auto& tf : to->fields) {
          if (tf.name == "status") { if (!fits(TypeStore::int_(), tf.type, c)) return false; }
          else if (tf.name == "body") { if (!fits(from->arg(), tf.type, c)) return false; }
          else if (tf.name != "headers" && !tf.optional) return false;
        }
        return true;
      }
      return false;
    case K::Response: return f == K::Response && fits(from->arg(), to->arg(), c);
    case K::Handle: return f == K::Handle && fits(from->arg(), to->arg(), c);
    case K::Function: {
      if (f != K::Function) return false;
      if (from->params.size() > to->params.size()) {
        for (size_t i = to->params.size(); i < from->params.size(); ++i)
          if (!from->params[i].optional && !from->params[i].variadic) return false;
      }
      for (size_t i = 0; i < std::min(from->params.size(), to->params.size()); ++i)
        if (!fits(to->params[i].type, from->params[i].type, c)) return false;
      return fits(from->arg(), to->arg(), c);
    }
    default: return f == t;
  }
}

}  // namespace

bool assignable(TypeRef from, TypeRef to, Assign* facts) {
  AssignCtx c{facts, {}, 0};
  return fits(from, to, c);
}

TypeRef widen(TypeRef t) {
  if (!t) return t;
  if (t->kind == K::Literal) return TypeStore::string();
  if (t->kind == K::Union && is_stringish(t)) return TypeStore::string();
  return t;
}

static TypeRef join_at(TypeStore& store, TypeRef a, TypeRef b, int depth);

TypeRef join(TypeStore& store, TypeRef a, TypeRef b) { return join_at(store, a, b, 0); }

static TypeRef join_at(TypeStore& store, TypeRef a, TypeRef b, int depth) {
  if (depth > 16) return TypeStore::json();
  auto join = [&](TypeStore& st, TypeRef x, TypeRef y) { return join_at(st, x, y, depth + 1); };
  if (!a) return b;
  if (!b) return a;
  if (a->kind == K::Unknown || b->kind == K::Unknown) return TypeStore::unknown();
  if (a->kind == K::Never) return b;
  if (b->kind == K::Never) return a;
  if (same(a, b)) return a;
  if (a->kind == K::Null) return store.optional(b);
  if (b->kind == K::Null) return store.optional(a);
  if (a->kind == K::Optional || b->kind == K::Optional)
    return store.optional(join(store, strip_optional(a), strip_optional(b)));
  bool la = a->kind == K::Literal || (a->kind == K::Union && is_stringish(a) && a->args[0]->kind == K::Literal);
  bool lb = b->kind == K::Literal || (b->kind == K::Union && is_stringish(b) && b->args[0]->kind == K::Literal);
  if (la && lb) return store.union_of({a, b});
  if (a->kind == K::Record && b->kind == K::Record) {
    if (!a->name.empty() && assignable(b, a)) return a;
    if (!b->name.empty() && assignable(a, b)) return b;
  } else {
    if (assignable(a, b) && a->kind != K::Json) return b;
    if (assignable(b, a) && b->kind != K::Json) return a;
  }
  if (is_stringish(a) && is_stringish(b)) return TypeStore::string();
  if (a->kind == K::List && b->kind == K::List) return store.list(join(store, a->arg(), b->arg()));
  if (a->kind == K::Map && b->kind == K::Map) return store.map(join(store, a->arg(), b->arg()));
  if (a->kind == K::Record && b->kind == K::Record) {
    // Common fields, optional where either side lacks or relaxes them.
    std::vector<Field> fs;
    for (const auto& fa : a->fields) {
      const Field* fb = b->field(fa.name);
      Field f = fa;
      f.symbol = nullptr;
      if (fb) {
        f.type = join(store, fa.type, fb->type);
        f.optional = fa.optional || fb->optional;
      } else {
        f.optional = true;
      }
      fs.push_back(std::move(f));
    }
    for (const auto& fb : b->fields)
      if (!a->field(fb.name)) {
        Field f = fb;
        f.symbol = nullptr;
        f.optional = true;
        fs.push_back(std::move(f));
      }
    return store.record(std::move(fs));
  }
  return TypeStore::json();
}

// ---------------------------------------------------------------- generics

TypeRef substitute(TypeStore& store, TypeRef t, const Bindings& b, bool unbound_to_json) {
  if (!t || !has_vars(t)) return t;
  switch (t->kind) {
    case K::Var: {
      auto it = b.find(t->name);
      if (it != b.end()) return it->second;
      return unbound_to_json ? TypeStore::json() : t;
    }
    case K::List: return store.list(substitute(store, t->arg(), b, unbound_to_json));
    case K::Map: return store.map(substitute(store, t->arg(), b, unbound_to_json));
    case K::Optional: return store.optional(substitute(store, t->arg(), b, unbound_to_json));
    case K::Response: return store.response(substitute(store, t->arg(), b, unbound_to_json));
    case K::Handle: return store.handle(substitute(store, t->arg(), b, unbound_to_json));
    case K::Union: {
      std::vector<TypeRef> ms;
      for (TypeRef m : t->args) ms.push_back(substitute(store, m, b, unbound_to_json));
      return store.union_of(ms);
    }
    case K::Record: {
      std::vector<Field> fs = t->fields;
      for (auto& f : fs) f.type = substitute(store, f.type, b, unbound_to_json);
      return store.record(std::move(fs), t->name);
    }
    case K::Function: {
      std::vector<FnParam> ps = t->params;
      for (auto& p : ps) p.type = substitute(store, p.type, b, unbound_to_json);
      return store.function(std::move(ps), substitute(store, t->arg(), b, unbound_to_json));
    }
    default: return t;
  }
}

bool unify(TypeStore& store, TypeRef param, TypeRef arg, Bindings& b, Assign* facts) {
  if (!param || !arg) return true;
  if (!has_vars(param)) return assignable(arg, param, facts);
  if (arg->kind == K::Unknown || arg->kind == K::Never) return true;
  switch (param->kind) {
    case K::Var: {
      TypeRef w = widen(arg);
      auto it = b.find(param->name);
      if (it == b.end()) {
        b[param->name] = w;
        return true;
      }
      if (assignable(w, it->second, facts)) return true;
      if (assignable(it->second, w)) {
        it->second = w;  // int then float: widen the variable
        return true;
      }
      TypeRef j = join(store, it->second, w);
      if (j->kind == K::Json) return false;
      it->second = j;
      return true;
    }
    case K::List:
      if (arg->kind == K::Json) { if (facts) facts->dynamic = true; return unify(store, param->arg(), arg, b, facts); }
      return arg->kind == K::List && unify(store, param->arg(), arg->arg(), b, facts);
    case K::Map:
      if (arg->kind == K::Json) { if (facts) facts->dynamic = true; return unify(store, param->arg(), arg, b, facts); }
      if (arg->kind == K::Map) return unify(store, param->arg(), arg->arg(), b, facts);
      if (arg->kind == K::Record) {
        TypeRef v = TypeStore::never();
        for (const auto& f : arg->fields) v = join(store, v, f.optional ? store.optional(f.type) : f.type);
        return unify(store, param->arg(), v, b, facts);
      }
      return false;
    case K::Optional:
      if (arg->kind == K::Null) return true;
      return unify(store, param->arg(), strip_optional(arg), b, facts);
    case K::Response:
      return arg->kind == K::Response && unify(store, param->arg(), arg->arg(), b, facts);
    case K::Handle:
      return arg->kind == K::Handle && unify(store, param->arg(), arg->arg(), b, facts);
    case K::Function: {
      if (arg->kind != K::Function) return false;
      for (size_t i = 0; i < std::min(param->params.size(), arg->params.size()); ++i)
        if (!unify(store, param->params[i].type, arg->params[i].type, b, facts)) return false;
      return unify(store, param->arg(), arg->arg(), b, facts);
    }
    case K::Record: {
      if (arg->kind == K::Json) { if (facts) facts->dynamic = true; return true; }
      if (arg->kind != K::Record) return false;
      for (const auto& pf : param->fields) {
        const Field* af = arg->field(pf.name);
        if (!af) {
          if (!pf.optional) return false;
          continue;
        }
        if (!unify(store, pf.type, af->type, b, facts)) return false;
      }
      return true;
    }
    case K::Union: {
      // Try the members without variables first, then bind through the first one that fits.
      for (TypeRef m : param->args)
        if (!has_vars(m) && assignable(arg, m, facts)) return true;
      for (TypeRef m : param->args)
        if (has_vars(m)) {
          Bindings trial = b;
          if (unify(store, m, arg, trial, facts)) {
            b = std::move(trial);
            return true;
          }
        }
      return false;
    }
    default: return assignable(arg, param, facts);
  }
}

// ---------------------------------------------------------------- parsing signatures

namespace {

class TypeParser {
 public:
  TypeParser(TypeStore& store, std::string_view text) : store_(store), s_(text) {}

  std::string error;

  TypeRef parse_union() {
    std::vector<TypeRef> members;
    TypeRef first = parse_postfix();
    if (!first) return nullptr;
    members.push_back(first);
    while (peek('|')) {
      ++pos_;
      TypeRef m = parse_postfix();
      if (!m) return nullptr;
      members.push_back(m);
    }
    return members.size() == 1 ? first : store_.union_of(members);
  }

  TypeRef parse_postfix() {
    TypeRef t = parse_primary();
    while (t && peek('?')) {
      ++pos_;
      t = store_.optional(t);
    }
    return t;
  }

  TypeRef parse_primary() {
    skip();
    if (pos_ >= s_.size()) return fail("expected a type");
    char c = s_[pos_];
    if (c == '[') {
      ++pos_;
      TypeRef e = parse_union();
      if (!e || !expect(']')) return nullptr;
      return store_.list(e);
    }
    if (c == '"') {
      size_t end = s_.find('"', pos_ + 1);
      if (end == std::string_view::npos) return fail("unterminated string literal");
      std::string v(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return store_.literal(std::move(v));
    }
    if (c == '{') {
      ++pos_;
      std::vector<Field> fields;
      while (true) {
        skip();
        if (peek('}')) { ++pos_; break; }
        std::string n = ident();
        if (n.empty()) return fail("expected a field name");
        Field f;
        f.name = n;
        if (peek('?')) { ++pos_; f.optional = true; }
        if (!expect(':')) return nullptr;
        f.type = parse_union();
        if (!f.type) return nullptr;
        fields.push_back(std::move(f));
        skip();
        if (peek(',')) ++pos_;
      }
      return store_.record(std::move(fields));
    }
    if (c == '(') {
      ++pos_;
      std::vector<FnParam> ps;
      skip();
      if (!peek(')')) {
        while (true) {
          FnParam p;
          p.type = parse_union();
          if (!p.type) return nullptr;
          if (s_.substr(pos_, 3) == "...") pos_ += 3, p.variadic = true;
          ps.push_back(std::move(p));
          skip();
          if (peek(',')) { ++pos_; continue; }
          break;
        }
      }
      if (!expect(')')) return nullptr;
      skip();
      if (s_.substr(pos_, 2) == "->") {
        pos_ += 2;
        TypeRef r = parse_union();
        if (!r) return nullptr;
        return store_.function(std::move(ps), r);
      }
      if (ps.size() != 1) return fail("expected `->` after a parameter list");
      return ps[0].type;
    }
    std::string n = ident();
    if (n.empty()) return fail(std::string("unexpected `") + c + "`");
    if (TypeRef s = TypeStore::scalar(n)) return s;
    if (n == "map" || n == "Response") {
      if (!expect('<')) return nullptr;
      TypeRef a = parse_union();
      if (!a || !expect('>')) return nullptr;
      return n == "map" ? store_.map(a) : store_.response(a);
    }
    if (n.size() == 1 && std::isupper(static_cast<unsigned char>(n[0]))) return store_.var(n);
    return fail("unknown type `" + n + "`");
  }

  std::string ident() {
    skip();
    size_t b = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
    return std::string(s_.substr(b, pos_ - b));
  }

  bool peek(char c) {
    skip();
    return pos_ < s_.size() && s_[pos_] == c;
  }

  bool expect(char c) {
    if (peek(c)) { ++pos_; return true; }
    fail(std::string("expected `") + c + "`");
    return false;
  }

  TypeRef fail(std::string msg) {
    if (error.empty()) error = msg + " at column " + std::to_string(pos_ + 1);
    return nullptr;
  }

  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  bool at_end() { skip(); return pos_ >= s_.size(); }

  size_t pos_ = 0;

 private:
  TypeStore& store_;
  std::string_view s_;
};

}  // namespace

TypeRef parse_type(TypeStore& store, std::string_view text, std::string* error) {
  TypeParser p(store, text);
  TypeRef t = p.parse_union();
  if (t && !p.at_end()) t = p.fail("unexpected text after the type");
  if (!t && error) *error = p.error;
  return t;
}

std::optional<ParsedSignature> parse_signature(TypeStore& store, std::string_view text, std::string* error) {
  TypeParser p(store, text);
  ParsedSignature sig;
  auto bad = [&](std::string msg) -> std::optional<ParsedSignature> {
    if (error) *error = p.error.empty() ? msg + " at column " + std::to_string(p.pos_ + 1) : p.error;
    return std::nullopt;
  };
  sig.name = p.ident();
  if (sig.name.empty()) return bad("expected a function name");
  if (!p.expect('(')) return bad("expected `(`");
  if (!p.peek(')')) {
    while (true) {
      FnParam fp;
      fp.name = p.ident();
      if (fp.name.empty()) return bad("expected a parameter name");
      p.skip();
      if (text.substr(p.pos_, 3) == "...") p.pos_ += 3, fp.variadic = true;
      if (p.peek('?')) { ++p.pos_; fp.optional = true; }
      if (!p.expect(':')) return bad("expected `:`");
      fp.type = p.parse_union();
      if (!fp.type) return bad("bad parameter type");
      sig.params.push_back(std::move(fp));
      if (p.peek(',')) { ++p.pos_; continue; }
      break;
    }
  }
  if (!p.expect(')')) return bad("expected `)`");
  p.skip();
  if (text.substr(p.pos_, 2) != "->") return bad("expected `->`");
  p.pos_ += 2;
  sig.result = p.parse_union();
  if (!sig.result) return bad("bad result type");
  if (!p.at_end()) return bad("unexpected text after the result type");
  return sig;
}

}  // namespace weft::sema
