// Declarations: collection of top-level names, types, consts, fn/flow signatures, connections,
// flows (triggers, options, bodies) and tests.
#include <algorithm>

#include "compiler/sema/checker.h"
#include <variant>

#include "stdlib/functions/cron.h"

namespace weft::sema {

namespace detail {

using K = Type::Kind;
using SK = SymbolKind;

const std::vector<std::string>& error_kinds() {
  static const std::vector<std::string> kinds = {"http_error",       "timeout", "connection_error",
                                                 "validation_error", "failure", "cancelled"};
  return kinds;
}

namespace {

FnParam p(const char* name, TypeRef t, bool optional = false) { return FnParam{name, t, optional, false}; }

}  // namespace

Checker::Checker(CheckedModule& m, const ast::Module& mod, const ImportMap& imports, TypeStore& ts,
                 const Stdlib& stdlib)
    : m_(m), mod_(mod), imports_(imports), ts_(ts), std_(stdlib) {}

diagnostics::Diagnostic& Checker::report(Code code, Range range, std::string message, std::string label) {
  return m_.diags.add(code, range, std::move(message), std::move(label));
}

std::optional<std::string> Checker::suggest(diagnostics::Diagnostic& d, Range range, const std::string& name,
                                            const std::vector<std::string>& candidates) {
  auto best = diagnostics::closest_match(name, candidates);
  if (best) {
    d.label = "did you mean `" + *best + "`?";
    d.fix = diagnostics::Fix{range, *best, "replace with `" + *best + "`"};
  }
  return best;
}

std::optional<std::string> Checker::suggest_function(diagnostics::Diagnostic& d, Range range, const std::string& name) {
  std::vector<std::string> names = std_.names();
  for (const auto& [n, sym] : m_.top_level)
    if (sym->kind == SymbolKind::Fn) names.push_back(n);
  if (auto best = suggest(d, range, name, names)) return best;
  auto parts = diagnostics::part_matches(name, names);
  if (parts.size() == 1) {
    d.label = "did you mean `" + parts[0] + "`?";
    d.fix = diagnostics::Fix{range, parts[0], "replace with `" + parts[0] + "`"};
    return parts[0];
  }
  if (parts.empty()) return std::nullopt;
  std::string list;
  size_t shown = std::min<size_t>(parts.size(), 3);
  for (size_t i = 0; i < shown; ++i) list += (i == 0 ? "`" : i + 1 == shown ? " or `" : ", `") + parts[i] + "`";
  d.label = "did you mean " + list + "?";
  return std::nullopt;
}

// ---------------------------------------------------------------- symbols and scopes

Symbol& Checker::new_symbol(SymbolKind kind, const std::string& name, Range range) {
  Symbol& s = m_.symbols.emplace_back();
  s.kind = kind;
  s.name = name;
  s.range = range;
  s.owner = owner_;
  return s;
}

void Checker::declare(Symbol* s, bool warn_shadow) {
  if (warn_shadow && !s->name.empty() && s->name != "_") {
    if (const Symbol* prev = find_local(s->name); prev && prev->kind != SK::TriggerVar) {
      auto& d = report(Code::W0005, s->range,
                       "`" + s->name + "` shadows the " + std::string(kind_name(prev->kind)) + " `" + s->name + "`",
                       "shadows an earlier `" + s->name + "`");
      d.notes.push_back({prev->range, "`" + s->name + "` is first declared here"});
    }
  }
  visible_.push_back(s);
  decl_locals_.push_back(s);
}

void Checker::push_scope() { marks_.push_back(visible_.size()); }

void Checker::pop_scope() {
  visible_.resize(marks_.back());
  marks_.pop_back();
}

Symbol* Checker::find_local(std::string_view name) const {
  for (auto it = visible_.rbegin(); it != visible_.rend(); ++it)
    if ((*it)->name == name) return *it;
  return nullptr;
}

const Symbol* Checker::find(std::string_view name) const {
  if (Symbol* s = find_local(name)) return s;
  return m_.lookup(name);
}

void Checker::use(const ast::Expr* e, Range r, const Symbol* s) {
  if (!s) return;
  if (e) m_.expr_symbols[e] = s;
  m_.references.push_back({r, s});
  ++uses_[s];
}

std::vector<std::string> Checker::value_names() const {
  std::vector<std::string> out;
  for (const Symbol* s : visible_) out.push_back(s->name);
  for (const auto& [n, s] : m_.top_level)
    if (s->kind == SK::Const || s->kind == SK::Fn) out.push_back(n);
  return out;
}

const Symbol* Checker::static_symbol(const ast::Expr& e, bool report_undefined) {
  if (e.kind == ast::Expr::Kind::Name) {
    const Symbol* s = find(e.name);
    if (!s) {
      if (report_undefined) {
        auto& d = report(Code::E0101, e.name_range.valid() ? e.name_range : e.range,
                         "cannot find `" + e.name + "` in this scope", "not found");
        suggest(d, e.name_range.valid() ? e.name_range : e.range, e.name, value_names());
      }
      m_.expr_types[&e] = TypeStore::unknown();
      return nullptr;
    }
    if (s->kind != SK::Connection && s->kind != SK::Flow && s->kind != SK::Import && s->kind != SK::Fn) return nullptr;
    use(&e, e.name_range.valid() ? e.name_range : e.range, s);
    m_.expr_types[&e] = s->type ? s->type : TypeStore::unknown();
    return s;
  }
  if (e.kind == ast::Expr::Kind::Member && !e.operands.empty() && e.operands[0]->kind == ast::Expr::Kind::Name) {
    const Symbol* base = find(e.operands[0]->name);
    if (!base || base->kind != SK::Import) return nullptr;
    use(e.operands[0].get(), e.operands[0]->name_range.valid() ? e.operands[0]->name_range : e.operands[0]->range,
        base);
    m_.expr_types[e.operands[0].get()] = TypeStore::unknown();
    const CheckedModule* mod = import_of(base);
    m_.expr_types[&e] = TypeStore::unknown();
    if (!mod) return nullptr;
    const Symbol* s = mod->lookup(e.name);
    if (!s || s->kind == SK::Import) {
      if (report_undefined) {
        std::vector<std::string> names;
        for (const auto& [n, sym] : mod->top_level)
          if (sym->kind != SK::Import) names.push_back(n);
        auto& d = report(Code::E0101, e.name_range, "module `" + base->name + "` has no `" + e.name + "`", "not found");
        suggest(d, e.name_range, e.name, names);
      }
      return nullptr;
    }
    use(&e, e.name_range, s);
    if (s->type) m_.expr_types[&e] = s->type;
    return s;
  }
  return nullptr;
}

// ---------------------------------------------------------------- collection

void Checker::collect() {
  for (const auto& d : mod_.decls) {
    SymbolKind kind;
    switch (d.kind) {
      case ast::Decl::Kind::Import: kind = SK::Import; break;
      case ast::Decl::Kind::Type: kind = SK::Type; break;
      case ast::Decl::Kind::Const: kind = SK::Const; break;
      case ast::Decl::Kind::Fn: kind = SK::Fn; break;
      case ast::Decl::Kind::Connection: kind = SK::Connection; break;
      case ast::Decl::Kind::Flow: kind = SK::Flow; break;
      case ast::Decl::Kind::Test: kind = SK::Test; break;
      default: continue;
    }
    Symbol& s = new_symbol(kind, d.name.name, d.name.range.valid() ? d.name.range : d.range);
    s.decl = &d;
    s.doc = d.doc;
    s.scope = Range{mod_.source.get(), 0, static_cast<uint32_t>(mod_.source ? mod_.source->text().size() : 0)};
    if (kind == SK::Import) {
      auto it = imports_.find(&d);
      s.module = it == imports_.end() ? nullptr : it->second;
    }
    if (kind == SK::Test || d.name.name.empty()) continue;
    if (TypeStore::scalar(d.name.name) && kind == SK::Type) {
      report(Code::E0102, s.range, "`" + d.name.name + "` is a built-in type and cannot be redeclared", "built-in type");
      continue;
    }
    auto [it, fresh] = m_.top_level.emplace(d.name.name, &s);
    if (!fresh) {
      auto& diag = report(Code::E0102, s.range, "`" + d.name.name + "` is declared twice", "declared again here");
      diag.notes.push_back({it->second->range, "the first declaration of `" + d.name.name + "` is here"});
    }
  }
}

// ---------------------------------------------------------------- types

TypeRef Checker::resolve_type(const ast::TypeExpr* t) {
  if (!t) return TypeStore::unknown();
  TypeRef out = TypeStore::unknown();
  switch (t->kind) {
    case ast::TypeExpr::Kind::Named: {
      Range nr = t->name_range.valid() ? t->name_range : t->range;
      if (TypeRef s = TypeStore::scalar(t->name)) {
        out = s;
        break;
      }
      if (t->name == "Response") {
        out = ts_.response(TypeStore::json());
        break;
      }
      const Symbol* sym = nullptr;
      std::vector<std::string> candidates = {"string", "int", "float", "bool", "duration", "time", "json", "secret"};
      size_t dot = t->name.find('.');
      if (dot != std::string::npos) {
        std::string alias = t->name.substr(0, dot), member = t->name.substr(dot + 1);
        const Symbol* imp = m_.lookup(alias);
        if (!imp || imp->kind != SK::Import) {
          report(Code::E0103, nr, "cannot find module `" + alias + "` for type `" + t->name + "`", "unknown module");
          break;
        }
        m_.references.push_back({Range{nr.file, nr.begin, nr.begin + static_cast<uint32_t>(alias.size())}, imp});
        ++uses_[imp];
        if (!imp->module) break;
        sym = imp->module->lookup(member);
        if (!sym || sym->kind != SK::Type) {
          for (const auto& [n, s] : imp->module->top_level)
            if (s->kind == SK::Type) candidates.push_back(n);
          auto& d = report(Code::E0103, nr, "module `" + alias + "` has no type `" + member + "`", "unknown type");
          suggest(d, nr, member, candidates);
          break;
        }
        m_.type_symbols[t] = sym;
        m_.references.push_back({nr, sym});
        out = sym->type ? sym->type : TypeStore::unknown();
        break;
      }
      sym = m_.lookup(t->name);
      if (!sym || sym->kind != SK::Type) {
        for (const auto& [n, s] : m_.top_level)
          if (s->kind == SK::Type) candidates.push_back(n);
        std::string msg = sym ? "`" + t->name + "` is a " + std::string(kind_name(sym->kind)) + ", not a type"
                              : "cannot find type `" + t->name + "`";
        auto& d = report(Code::E0103, nr, msg, "not a type");
        if (!sym) suggest(d, nr, t->name, candidates);
        break;
      }
      m_.type_symbols[t] = sym;
      m_.references.push_back({nr, sym});
      ++uses_[sym];
      out = type_decl(sym);
      break;
    }
    case ast::TypeExpr::Kind::List:
      out = ts_.list(t->args.empty() ? TypeStore::unknown() : resolve_type(t->args[0].get()));
      break;
    case ast::TypeExpr::Kind::Map:
      out = ts_.map(t->args.empty() ? TypeStore::unknown() : resolve_type(t->args[0].get()));
      break;
    case ast::TypeExpr::Kind::Optional:
      out = ts_.optional(t->args.empty() ? TypeStore::unknown() : resolve_type(t->args[0].get()));
      break;
    case ast::TypeExpr::Kind::Union: {
      std::vector<TypeRef> ms;
      for (const auto& a : t->args) ms.push_back(resolve_type(a.get()));
      out = ts_.union_of(ms);
      break;
    }
    case ast::TypeExpr::Kind::StringLiteral: out = ts_.literal(t->name); break;
    case ast::TypeExpr::Kind::Record: {
      std::vector<Field> fields;
      for (const auto& f : t->fields) {
        if (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == f.name.name; })) {
          report(Code::E0110, f.name.range, "field `" + f.name.name + "` is declared twice", "duplicate field");
          continue;
        }
        fields.push_back(Field{f.name.name, resolve_type(f.type.get()), f.optional, f.doc, f.name.range, nullptr});
      }
      out = ts_.record(std::move(fields));
      break;
    }
    case ast::TypeExpr::Kind::Generic: {
      Range nr = t->name_range.valid() ? t->name_range : t->range;
      std::vector<TypeRef> args;
      for (const auto& a : t->args) args.push_back(resolve_type(a.get()));
      if (t->name != "Response" && t->name != "map") {
        auto& d = report(Code::E0103, nr, "cannot find generic type `" + t->name + "`", "unknown generic type");
        if (t->name == "list" || t->name == "List" || t->name == "Array")
          d.notes.push_back({std::nullopt, "a list type is written `[T]`"});
        else
          suggest(d, nr, t->name, {"Response", "map"});
        break;
      }
      if (args.size() != 1) {
        report(Code::E0207, t->range,
               "`" + t->name + "` takes exactly one type argument, found " + std::to_string(args.size()),
               "expected one type argument");
        break;
      }
      out = t->name == "map" ? ts_.map(args[0]) : ts_.response(args[0]);
      break;
    }
  }
  m_.type_exprs[t] = out;
  return out;
}

TypeRef Checker::type_decl(const Symbol* cs) {
  Symbol* s = const_cast<Symbol*>(cs);
  if (s->kind != SK::Type || !s->decl) return s->type ? s->type : TypeStore::unknown();
  int& st = state_[s];
  if (st == 2) return s->type;
  const ast::Decl& d = *s->decl;
  if (!d.is_alias && d.type && d.type->kind == ast::TypeExpr::Kind::Record) {
    if (st == 1) return s->type;  // recursive reference to a record: the named type already exists
    st = 1;
    Type* rec = ts_.new_named_record(d.name.name);
    s->type = rec;
    std::vector<Field> fields;
    for (const auto& f : d.type->fields) {
      if (std::any_of(fields.begin(), fields.end(), [&](const Field& x) { return x.name == f.name.name; })) {
        auto& diag = report(Code::E0110, f.name.range, "field `" + f.name.name + "` is declared twice in `" + d.name.name + "`",
                            "duplicate field");
        for (const auto& x : fields)
          if (x.name == f.name.name) diag.notes.push_back({x.range, "first declared here"});
        continue;
      }
      Symbol& fs = new_symbol(SK::Field, f.name.name, f.name.range);
      fs.owner = s;
      fs.field = &f;
      fs.doc = f.doc;
      fs.decl = &d;
      fs.scope = s->scope;
      fields.push_back(Field{f.name.name, nullptr, f.optional, f.doc, f.name.range, &fs});
    }
    // Resolve field types after the record exists so that it may refer to itself.
    size_t i = 0;
    for (const auto& f : d.type->fields) {
      if (i < fields.size() && fields[i].name == f.name.name && !fields[i].type) {
        fields[i].type = resolve_type(f.type.get());
        const_cast<Symbol*>(fields[i].symbol)->type = f.optional ? ts_.optional(fields[i].type) : fields[i].type;
        ++i;
      }
    }
    rec->fields = std::move(fields);
    m_.type_exprs[d.type.get()] = rec;
    st = 2;
    return rec;
  }
  if (st == 1) {
    report(Code::E0103, s->range, "type alias `" + s->name + "` refers to itself", "recursive alias");
    s->type = TypeStore::unknown();
    return s->type;
  }
  st = 1;
  TypeRef t = resolve_type(d.type.get());
  if (st == 1) s->type = t;
  st = 2;
  return s->type;
}

// ---------------------------------------------------------------- consts, fns, flows

TypeRef Checker::const_type(const Symbol* cs) {
  Symbol* s = const_cast<Symbol*>(cs);
  int& st = state_[s];
  if (st == 2) return s->type ? s->type : TypeStore::unknown();
  if (st == 1) {
    report(Code::E0214, s->range, "const `" + s->name + "` depends on itself", "circular constant");
    return TypeStore::unknown();
  }
  st = 1;
  check_const(s);
  state_[s] = 2;
  return s->type;
}

void Checker::check_const(Symbol* s) {
  // A const is checked at module level whatever the checker was doing when it was reached.
  auto saved_visible = std::move(visible_);
  auto saved_marks = std::move(marks_);
  Where saved_where = where_;
  const Symbol* saved_owner = owner_;
  visible_.clear();
  marks_.clear();
  where_ = Where::Const;
  owner_ = s;
  s->type = s->decl->value ? expr(*s->decl->value) : TypeStore::unknown();
  if (s->decl->value)
    if (const Taint* t = taint_of(s->decl->value.get())) {
      Taint tt = *t;
      tt.path.push_back({s->range, "stored in const `" + s->name + "` here"});
      sym_taint_[s] = std::move(tt);
    }
  visible_ = std::move(saved_visible);
  marks_ = std::move(saved_marks);
  where_ = saved_where;
  owner_ = saved_owner;
}

void Checker::signature(Symbol* s) {
  const ast::Decl& d = *s->decl;
  std::vector<FnParam> params;
  for (const auto& pr : d.params) {
    FnParam fp;
    fp.name = pr.name.name;
    fp.type = resolve_type(pr.type.get());
    fp.optional = pr.default_value != nullptr;
    params.push_back(fp);
  }
  TypeRef result;
  if (d.result) result = resolve_type(d.result.get());
  else if (s->kind == SK::Fn && d.value) result = nullptr;  // inferred from the expression body
  else result = TypeStore::null();
  s->type = ts_.function(std::move(params), result ? result : TypeStore::unknown());
  if (!result) decl_types_[s] = nullptr;
}

void Checker::finish_locals() {
  for (Symbol* s : decl_locals_) {
    if (s->name.empty() || s->name[0] == '_' || uses_[s] > 0) continue;
    if (s->kind == SK::Let) {
      auto& d = report(Code::W0001, s->range, "unused let `" + s->name + "`", "never used");
      d.fix = diagnostics::Fix{s->range, "_" + s->name, "prefix it with `_` to mark it unused"};
    } else if (s->kind == SK::Step) {
      auto it = step_of_.find(s);
      const StepInfo* si = it != step_of_.end() && flow_ && it->second < flow_->steps.size() ? &flow_->steps[it->second] : nullptr;
      if (si && si->action == StepInfo::Action::Call && si->method == "get") {
        auto& d = report(Code::W0002, s->range, "the result of GET step `" + s->name + "` is never used",
                         "unused result");
        d.fix = diagnostics::Fix{s->range, "_" + s->name, "prefix it with `_` if the request is wanted for its effect"};
      }
    }
  }
  decl_locals_.clear();
}

std::vector<const Symbol*> Checker::bind_params(const ast::Decl& d, std::vector<FnParam> types) {
  std::vector<const Symbol*> out;
  for (size_t i = 0; i < d.params.size(); ++i) {
    const auto& pr = d.params[i];
    if (std::any_of(d.params.begin(), d.params.begin() + i, [&](const ast::Param& q) { return q.name.name == pr.name.name; }))
      report(Code::E0110, pr.name.range, "parameter `" + pr.name.name + "` is declared twice", "duplicate parameter");
    Symbol& ps = new_symbol(SK::Param, pr.name.name, pr.name.range);
    ps.param = &pr;
    ps.decl = &d;
    ps.type = i < types.size() ? types[i].type : TypeStore::unknown();
    ps.scope = d.range;
    out.push_back(&ps);
    if (pr.default_value) expect(*pr.default_value, ps.type, "default value of `" + pr.name.name + "`");
    visible_.push_back(&ps);
  }
  return out;
}

void Checker::check_fn(Symbol* s) {
  const ast::Decl& d = *s->decl;
  where_ = Where::Fn;
  owner_ = s;
  push_scope();
  blocks_.push_back(d.range);
  bind_params(d, s->type->params);
  TypeRef declared = s->type->arg();
  bool inferred = decl_types_.count(s) && !decl_types_[s];
  result_ = inferred ? nullptr : declared;
  if (d.value) {
    TypeRef t = result_ ? expect(*d.value, result_, "result of fn `" + s->name + "`") : expr(*d.value);
    if (inferred) {
      std::vector<FnParam> ps = s->type->params;
      s->type = ts_.function(std::move(ps), t);
    }
  } else if (d.body) {
    if (!result_) result_ = TypeStore::null();
    bool ends = block(*d.body);
    if (!ends && result_->kind != K::Null && !is_nullable(result_) && !is_unknown(result_)) {
      uint32_t e = d.body->range.end;
      report(Code::E0210, Range{d.body->range.file, e > 0 ? e - 1 : e, e},
             "fn `" + s->name + "` may end without returning a `" + to_string(result_) + "`", "missing `return`");
    }
  }
  blocks_.pop_back();
  pop_scope();
  finish_locals();
  result_ = nullptr;
  owner_ = nullptr;
  where_ = Where::Top;
}

static std::vector<Ctor> auth_ctors() {
  TypeRef str = TypeStore::string();
  return {
      {"none", {}},
      {"basic", {p("user", str), p("password", str)}},
      {"bearer", {p("token", str)}},
      {"api_key", {p("header", str, true), p("query", str, true), p("value", str)}},
      {"oauth2_client_credentials",
       {p("token_url", str), p("client_id", str), p("client_secret", str), p("scopes", nullptr, true)}},
  };
}

std::string Checker::check_ctor(const ast::Expr& e, const std::vector<Ctor>& ctors, Code unknown, const char* what) {
  std::vector<std::string> names;
  for (const auto& c : ctors) names.push_back(c.name);
  if (e.kind != ast::Expr::Kind::Call || e.operands.empty() || e.operands[0]->kind != ast::Expr::Kind::Name) {
    expr(e);
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) list += (i ? ", `" : "`") + names[i] + "(...)`";
    report(unknown, e.range, std::string("expected ") + what + ": one of " + list, std::string("not ") + what);
    return "";
  }
  const ast::Expr& callee = *e.operands[0];
  const Ctor* ctor = nullptr;
  for (const auto& c : ctors)
    if (callee.name == c.name) ctor = &c;
  m_.expr_types[&callee] = TypeStore::unknown();
  if (!ctor) {
    Range r = callee.name_range.valid() ? callee.name_range : callee.range;
    auto& d = report(unknown, r, std::string("unknown ") + what + " `" + callee.name + "`", "unknown constructor");
    if (!suggest(d, r, callee.name, names)) {
      std::string list;
      for (size_t i = 0; i < names.size(); ++i) list += (i ? ", `" : "`") + names[i] + "`";
      d.notes.push_back({std::nullopt, std::string("expected one of ") + list});
    }
    check_args_loosely(e);
    m_.expr_types[&e] = TypeStore::unknown();
    return "";
  }
  std::vector<bool> given(ctor->params.size(), false);
  size_t pos = 0;
  for (const auto& a : e.args) {
    int idx = -1;
    if (a.name) {
      for (size_t i = 0; i < ctor->params.size(); ++i)
        if (ctor->params[i].name == a.name->name) idx = static_cast<int>(i);
      if (idx < 0) {
        std::vector<std::string> pn;
        for (const auto& fp : ctor->params) pn.push_back(fp.name);
        auto& d = report(Code::E0204, a.name->range, "`" + std::string(ctor->name) + "` has no parameter `" + a.name->name + "`",
                         "unknown argument");
        suggest(d, a.name->range, a.name->name, pn);
      }
    } else {
      while (pos < ctor->params.size() && given[pos]) ++pos;
      if (pos < ctor->params.size()) idx = static_cast<int>(pos++);
      else
        report(Code::E0203, a.range, "too many arguments for `" + std::string(ctor->name) + "`", "unexpected argument");
    }
    if (idx >= 0) {
      if (given[idx])
        report(Code::E0204, a.range, "argument `" + ctor->params[idx].name + "` is given twice", "given twice");
      given[idx] = true;
      TypeRef want = ctor->params[idx].type;
      if (want) expect(*a.value, want, "argument `" + ctor->params[idx].name + "` of `" + ctor->name + "`");
      else if (ctor->params[idx].name == "scopes") expect(*a.value, ts_.list(TypeStore::string()), "`scopes`");
      else expr(*a.value);
    } else if (a.value) {
      expr(*a.value);
    }
  }
  std::string missing;
  for (size_t i = 0; i < ctor->params.size(); ++i)
    if (!given[i] && !ctor->params[i].optional) missing += (missing.empty() ? "`" : ", `") + ctor->params[i].name + "`";
  if (!missing.empty())
    report(Code::E0203, e.range, "`" + std::string(ctor->name) + "` is missing " + missing, "missing arguments");
  if (std::string(ctor->name) == "api_key" && !e.args.empty()) {
    bool h = false, q = false;
    for (const auto& a : e.args)
      if (a.name) h |= a.name->name == "header", q |= a.name->name == "query";
    if (h == q)
      report(Code::E0203, e.range, "`api_key` takes exactly one of `header:` or `query:`", "give `header:` or `query:`");
  }
  m_.expr_types[&e] = TypeStore::json();
  return ctor->name;
}

int Checker::check_retry(const ast::Expr& e) {
  if (e.kind != ast::Expr::Kind::Object) {
    TypeRef t = expr(e);
    if (!is_unknown(t) && t->kind != K::Json)
      report(Code::E0411, e.range, "a retry policy is an object `{ attempts: ..., backoff: ... }`, found `" + to_string(t) + "`",
             "not a retry policy");
    return 0;
  }
  static const std::vector<std::string> fields = {"attempts", "backoff", "jitter", "on"};
  int attempts = 0;
  std::vector<std::string> seen;
  for (const auto& en : e.entries) {
    if (en.spread) {
      expr(*en.value);
      continue;
    }
    std::string k = en.key.name;
    if (std::find(fields.begin(), fields.end(), k) == fields.end()) {
      auto& d = report(Code::E0411, en.key.range, "unknown retry policy field `" + k + "`", "unknown field");
      auto best = suggest(d, en.key.range, k, fields);
      if (!best) {
        d.notes.push_back({std::nullopt, "retry policy fields are attempts, backoff, jitter, on"});
        expr(*en.value);
        continue;
      }
      k = *best;  // check the value as the field that was meant
    }
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      report(Code::E0302, en.key.range, "retry field `" + k + "` is given twice", "duplicate field");
    seen.push_back(k);
    if (k == "attempts") {
      expect(*en.value, TypeStore::int_(), "`attempts`");
      if (en.value->kind == ast::Expr::Kind::Int) {
        attempts = static_cast<int>(std::min<int64_t>(en.value->int_value, 1 << 20));
        if (en.value->int_value < 1)
          report(Code::E0411, en.value->range, "`attempts` counts every try and must be at least 1", "must be ≥ 1");
      }
    } else if (k == "backoff") {
      TypeRef dur = TypeStore::duration(), flt = TypeStore::float_();
      static const std::vector<Ctor>* ctors = nullptr;
      std::vector<Ctor> local = {{"exponential", {p("initial", dur, true), p("factor", flt, true), p("max", dur, true)}},
                                 {"fixed", {p("delay", dur)}}};
      (void)ctors;
      check_ctor(*en.value, local, Code::E0411, "backoff");
    } else if (k == "jitter") {
      expect(*en.value, TypeStore::bool_(), "`jitter`");
    } else if (k == "on") {
      if (en.value->kind != ast::Expr::Kind::List) {
        expr(*en.value);
        report(Code::E0411, en.value->range, "`on` is a list of error kinds, e.g. `on: [timeout, http_error]`",
               "expected a list of error kinds");
        continue;
      }
      m_.expr_types[en.value.get()] = ts_.list(TypeStore::string());
      for (const auto& item : en.value->operands) {
        std::string kind;
        Range r = item->range;
        if (item->kind == ast::Expr::Kind::Name) kind = item->name, r = item->name_range.valid() ? item->name_range : r;
        else if (item->kind == ast::Expr::Kind::String && item->parts.size() <= 1 && (item->parts.empty() || !item->parts[0].expr))
          kind = item->parts.empty() ? "" : item->parts[0].text;
        else {
          expr(*item);
          report(Code::E0410, item->range, "expected an error kind name such as `timeout`", "not an error kind");
          continue;
        }
        m_.expr_types[item.get()] = TypeStore::string();
        const auto& kinds = error_kinds();
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
          auto& d = report(Code::E0410, r, "unknown error kind `" + kind + "`", "unknown error kind");
          if (!suggest(d, r, kind, kinds))
            d.notes.push_back({std::nullopt, "error kinds are http_error, timeout, connection_error, validation_error, failure, cancelled"});
        }
      }
    } else {
      expr(*en.value);
    }
  }
  m_.expr_types[&e] = TypeStore::json();
  return attempts;
}

void Checker::check_connection(Symbol* s) {
  const ast::Decl& d = *s->decl;
  where_ = Where::Connection;
  owner_ = s;
  ConnectionInfo info;
  info.name = s->name;
  info.decl = &d;
  info.symbol = s;
  info.auth = "none";
  info.idempotency_header = "Idempotency-Key";
  if (!d.connection_kind.empty() && d.connection_kind != "http")
    report(Code::E0501, d.name.range, "unknown connection kind `" + d.connection_kind + "` (only `http` exists)",
           "unknown kind");
  static const std::vector<std::string> known = {"base_url", "auth",       "headers",            "timeout",
                                                 "retry",    "rate_limit", "idempotency_header", "allow_hosts"};
  for (const auto& st : d.settings) {
    std::string n = st.name.name;
    if (info.settings.count(n)) {
      auto& diag = report(Code::E0302, st.name.range, "connection setting `" + n + "` is given twice", "duplicate setting");
      diag.notes.push_back({info.settings[n]->name.range, "first given here"});
    }
    if (!st.value) continue;
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      auto& diag = report(Code::E0501, st.name.range, "connection `" + s->name + "` has no setting `" + n + "`", "unknown field");
      auto best = suggest(diag, st.name.range, n, known);
      if (!best || info.settings.count(*best)) {
        if (!best)
          diag.notes.push_back({std::nullopt, "connection fields are base_url, auth, headers, timeout, retry, rate_limit, "
                                              "idempotency_header, allow_hosts"});
        expr(*st.value);
        continue;
      }
      n = *best;  // check the value as the setting that was meant
    }
    info.settings[n] = &st;
    const ast::Expr& v = *st.value;
    if (n == "base_url") {
      expect(v, TypeStore::string(), "`base_url`");
      sink(v, "the base URL of connection `" + s->name + "`");
    } else if (n == "auth") {
      info.auth = check_ctor(v, auth_ctors(), Code::E0505, "auth constructor");
      if (info.auth.empty()) info.auth = "none";
    } else if (n == "headers") {
      expect(v, ts_.map(TypeStore::string()), "`headers`");
    } else if (n == "timeout") {
      expect(v, TypeStore::duration(), "`timeout`");
    } else if (n == "retry") {
      info.retry_attempts = check_retry(v);
    } else if (n == "rate_limit") {
      if (v.kind != ast::Expr::Kind::Object) {
        expect(v, ts_.record({make_field("requests", TypeStore::int_()), make_field("per", TypeStore::duration())}), "`rate_limit`");
        continue;
      }
      bool req = false, per = false;
      for (const auto& en : v.entries) {
        if (en.spread) { expr(*en.value); continue; }
        if (en.key.name == "requests") req = true, expect(*en.value, TypeStore::int_(), "`requests`");
        else if (en.key.name == "per") per = true, expect(*en.value, TypeStore::duration(), "`per`");
        else {
          auto& diag = report(Code::E0501, en.key.range, "`rate_limit` has no field `" + en.key.name + "`", "unknown field");
          suggest(diag, en.key.range, en.key.name, {"requests", "per"});
          expr(*en.value);
        }
      }
      if (!req || !per)
        report(Code::E0503, v.range, std::string("`rate_limit` needs ") + (!req ? "`requests`" : "`per`"), "incomplete rate limit");
      m_.expr_types[&v] = TypeStore::json();
    } else if (n == "idempotency_header") {
      if (v.kind == ast::Expr::Kind::Call && !v.operands.empty() && v.operands[0]->kind == ast::Expr::Kind::Name &&
          v.operands[0]->name == "none" && v.args.empty()) {
        m_.expr_types[&v] = TypeStore::null();
        m_.expr_types[v.operands[0].get()] = TypeStore::unknown();
        info.idempotency_header = "none";
      } else {
        expect(v, TypeStore::string(), "`idempotency_header`");
        if (v.kind == ast::Expr::Kind::String && v.parts.size() == 1 && !v.parts[0].expr)
          info.idempotency_header = v.parts[0].text;
        else if (v.kind == ast::Expr::Kind::Null)
          info.idempotency_header = "none";
      }
    } else if (n == "allow_hosts") {
      expect(v, ts_.list(TypeStore::string()), "`allow_hosts`");
    }
  }
  if (!info.settings.count("base_url"))
    report(Code::E0503, d.name.range, "connection `" + s->name + "` needs a `base_url`", "missing `base_url`");
  m_.connections.push_back(std::move(info));
  owner_ = nullptr;
  where_ = Where::Top;
}

static bool is_plain_string(const ast::Expr& e, std::string* out = nullptr) {
  if (e.kind != ast::Expr::Kind::String) return false;
  std::string s;
  for (const auto& part : e.parts) {
    if (part.expr) return false;
    s += part.text;
  }
  if (out) *out = s;
  return true;
}

void Checker::check_trigger_input(const ast::Setting& st, const ast::Decl& flow) {
  const ast::Expr& v = *st.value;
  if (v.kind != ast::Expr::Kind::Object) {
    TypeRef t = expr(v);
    if (is_unknown(t) || t->kind == K::Json) return;
    std::vector<Field> fs;
    for (const auto& pr : flow.params) {
      const Symbol* ps = nullptr;
      for (const auto& sp : flow_->params)
        if (sp->param == &pr) ps = sp;
      fs.push_back(make_field(pr.name.name, ps ? ps->type : TypeStore::unknown(), pr.default_value != nullptr));
    }
    TypeRef want = ts_.record(std::move(fs));
    if (!assignable(t, want))
      report(Code::E0405, v.range,
             "trigger input of type `" + to_string(t) + "` does not match the parameters of flow `" + flow.name.name + "`",
             "expected `" + to_string(want) + "`");
    return;
  }
  std::vector<std::string> names;
  for (const auto& pr : flow.params) names.push_back(pr.name.name);
  std::vector<std::string> given;
  std::vector<const ast::ObjectEntry*> unknown;
  bool dynamic = false;
  for (const auto& en : v.entries) {
    if (en.spread) {
      TypeRef t = expr(*en.value);
      if (t && t->kind == K::Record)
        for (const auto& f : t->fields) given.push_back(f.name);
      else
        dynamic = true;
      continue;
    }
    const Symbol* ps = nullptr;
    for (const auto* sp : flow_->params)
      if (sp->name == en.key.name) ps = sp;
    if (!ps) {
      unknown.push_back(&en);
      continue;
    }
    given.push_back(en.key.name);
    m_.references.push_back({en.key.range, ps});
    expect(*en.value, ps->type, "parameter `" + ps->name + "` of flow `" + flow.name.name + "`");
  }
  std::vector<std::string> missing;
  for (const auto* sp : flow_->params)
    if (std::find(given.begin(), given.end(), sp->name) == given.end() && !(sp->param && sp->param->default_value) &&
        !is_nullable(sp->type))
      missing.push_back(sp->name);
  for (const auto* en : unknown) {
    auto& d = report(Code::E0405, en->key.range, "flow `" + flow.name.name + "` has no parameter `" + en->key.name + "`",
                     "unknown parameter");
    if (auto best = suggest(d, en->key.range, en->key.name, missing.empty() ? names : missing))
      missing.erase(std::remove(missing.begin(), missing.end(), *best), missing.end());
    expr(*en->value);
  }
  if (!dynamic)
    for (const auto& n : missing)
      report(Code::E0405, v.range, "trigger input is missing parameter `" + n + "` of flow `" + flow.name.name + "`",
             "missing `" + n + "`");
  m_.expr_types[&v] = TypeStore::json();
}

void Checker::check_trigger(const ast::Trigger& t, FlowInfo& info, const ast::Decl& flow) {
  TriggerInfo ti;
  ti.trigger = &t;
  where_ = Where::Trigger;
  push_scope();
  auto var = [&](const char* n, TypeRef type) {
    Symbol& s = new_symbol(SK::TriggerVar, n, t.keyword_range.valid() ? t.keyword_range : t.range);
    s.type = type;
    s.scope = t.range;
    s.decl = &flow;
    visible_.push_back(&s);
    return &s;
  };
  std::vector<std::string> known = {"input"};
  const char* kind = "webhook";
  TypeRef response = ts_.response(TypeStore::json());
  switch (t.kind) {
    case ast::Trigger::Kind::Webhook:
      kind = "webhook";
      known = {"method", "verify", "input", "respond"};
      if (t.subject) {
        expect(*t.subject, TypeStore::string(), "webhook path");
        std::string path;
        if (is_plain_string(*t.subject, &path)) {
          ti.subject = path;
          if (path.empty() || path[0] != '/')
            report(Code::E0201, t.subject->range, "a webhook path starts with `/`", "expected `/...`");
        }
      }
      var("body", TypeStore::json());
      var("headers", ts_.map(TypeStore::string()));
      var("query", ts_.map(TypeStore::string()));
      var("raw_body", TypeStore::string());
      break;
    case ast::Trigger::Kind::Schedule:
      kind = "schedule";
      known = {"timezone", "input"};
      if (t.subject) {
        expect(*t.subject, TypeStore::string(), "schedule");
        std::string cron;
        if (is_plain_string(*t.subject, &cron)) {
          ti.subject = cron;
          auto parsed = functions::CronSchedule::parse(cron);
          if (const auto* err = std::get_if<functions::CronError>(&parsed)) {
            // Point into the literal (after the opening quote) at the column the cron parser names.
            uint32_t at = t.subject->range.begin + 1 + static_cast<uint32_t>(err->column > 0 ? err->column - 1 : 0);
            Range r = at < t.subject->range.end - 1 ? Range{t.subject->range.file, at, at + 1} : t.subject->range;
            report(Code::E0504, r, "invalid cron expression `" + cron + "`: " + err->message, "invalid schedule");
          }
        } else if (t.subject->kind != ast::Expr::Kind::Name) {
          report(Code::E0504, t.subject->range, "a schedule must be a literal cron string", "not a literal");
        }
      }
      break;
    case ast::Trigger::Kind::Poll: {
      kind = "poll";
      known = {"items", "key", "cursor", "input"};
      var("cursor", TypeStore::json());
      if (t.subject) {
        const ast::Expr& s = *t.subject;
        const Symbol* conn = nullptr;
        if (s.kind == ast::Expr::Kind::Call && !s.operands.empty() && s.operands[0]->kind == ast::Expr::Kind::Member &&
            !s.operands[0]->operands.empty()) {
          conn = static_symbol(*s.operands[0]->operands[0], false);
          if (conn && conn->kind != SK::Connection) conn = nullptr;
        }
        if (conn) {
          bool saved = action_ok_;
          action_ok_ = true;
          response = conn_call(s, conn, true);
          action_ok_ = saved;
          m_.expr_types[&s] = response;
          if (s.operands[0]->name != "get" && !is_unknown(response))
            report(Code::E0406, s.operands[0]->name_range, "a poll trigger reads with `get`", "expected `get`");
        } else {
          expr(s);
          report(Code::E0406, s.range, "a poll trigger polls a connection call, e.g. `crm.get(\"/items\")`",
                 "not a connection call");
        }
      }
      if (t.every) expect(*t.every, TypeStore::duration(), "poll interval");
      else report(Code::E0503, t.keyword_range.valid() ? t.keyword_range : t.range, "a poll trigger needs `every <duration>`",
                  "missing `every`");
      var("response", is_unknown(response) ? ts_.response(TypeStore::json()) : response);
      break;
    }
    case ast::Trigger::Kind::Event:
      kind = "event";
      known = {"where", "input"};
      if (t.subject) {
        expect(*t.subject, TypeStore::string(), "event type");
        is_plain_string(*t.subject, &ti.subject);
      }
      var("event", TypeStore::json());
      break;
  }
  // `items` first: it gives `item` its type for the other settings.
  const ast::Setting* items = nullptr;
  for (const auto& st : t.settings)
    if (st.name.name == "items" && t.kind == ast::Trigger::Kind::Poll) items = &st;
  if (t.kind == ast::Trigger::Kind::Poll) {
    TypeRef elem = TypeStore::json();
    if (items && items->value) {
      TypeRef it = expr(*items->value);
      if (it->kind == K::List) elem = it->arg();
      else if (!is_unknown(it) && it->kind != K::Json)
        report(Code::E0206, items->value->range, "`items` must be a list, found `" + to_string(it) + "`", "not a list");
    } else {
      report(Code::E0503, t.keyword_range.valid() ? t.keyword_range : t.range,
             "a poll trigger needs `items` (the list of new items in the response)", "missing `items`");
    }
    var("item", elem);
  }
  for (const auto& st : t.settings) {
    std::string n = st.name.name;
    if (ti.settings.count(n)) {
      auto& d = report(Code::E0302, st.name.range, "trigger setting `" + n + "` is given twice", "duplicate setting");
      d.notes.push_back({ti.settings[n]->name.range, "first given here"});
      continue;
    }
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      auto& d = report(Code::E0502, st.name.range, std::string(kind) + " trigger has no setting `" + n + "`", "unknown setting");
      auto best = suggest(d, st.name.range, n, known);
      if (!best || ti.settings.count(*best) || *best == "items") {
        if (!best) {
          std::string list;
          for (size_t i = 0; i < known.size(); ++i) list += (i ? ", " : "") + known[i];
          d.notes.push_back({std::nullopt, std::string(kind) + " trigger settings are " + list});
        }
        if (st.value) expr(*st.value);
        continue;
      }
      n = *best;  // check the value as the setting that was meant
    }
    ti.settings[n] = &st;
    if (!st.value || &st == items) continue;
    const ast::Expr& v = *st.value;
    if (n == "input") check_trigger_input(st, flow);
    else if (n == "method") {
      std::string meth;
      expect(v, TypeStore::string(), "`method`");
      if (is_plain_string(v, &meth)) {
        static const std::vector<std::string> ms = {"GET", "POST", "PUT", "PATCH", "DELETE"};
        if (std::find(ms.begin(), ms.end(), meth) == ms.end()) {
          auto& d = report(Code::E0201, v.range, "unknown HTTP method `" + meth + "`", "expected GET, POST, PUT, PATCH or DELETE");
          suggest(d, v.range, meth, ms);
        }
      }
    } else if (n == "verify") {
      TypeRef str = TypeStore::string();
      std::vector<Ctor> verify = {
          {"hmac_sha256",
           {p("header", str), p("secret", str), p("prefix", str, true),
            p("encoding", ts_.union_of({ts_.literal("hex"), ts_.literal("base64")}), true)}},
          {"standard_webhooks", {p("secret", str)}},
          {"bearer", {p("secret", str)}},
      };
      check_ctor(v, verify, Code::E0505, "verify rule");
    } else if (n == "respond") {
      expect(v, ts_.union_of({ts_.literal("async"), ts_.literal("sync")}), "`respond`");
    } else if (n == "timezone") {
      expect(v, TypeStore::string(), "`timezone`");
    } else if (n == "key") {
      expect(v, TypeStore::string(), "poll `key`");
    } else if (n == "where") {
      expect(v, TypeStore::bool_(), "`where`");
    } else {
      expr(v);
    }
  }
  pop_scope();
  info.triggers.push_back(std::move(ti));
  where_ = Where::Flow;
}

void Checker::check_options(const ast::Decl& flow, FlowInfo& info) {
  static const std::vector<std::string> known = {"timeout", "retry", "concurrency"};
  where_ = Where::Options;
  for (const auto& st : flow.options) {
    std::string n = st.name.name;
    if (info.options.count(n)) {
      report(Code::E0302, st.name.range, "option `" + n + "` is given twice", "duplicate option");
      continue;
    }
    if (!st.value) continue;
    if (std::find(known.begin(), known.end(), n) == known.end()) {
      auto& d = report(Code::E0506, st.name.range, "unknown flow option `" + n + "`", "unknown option");
      auto best = suggest(d, st.name.range, n, known);
      if (!best || info.options.count(*best)) {
        if (!best) d.notes.push_back({std::nullopt, "flow options are timeout, retry, concurrency"});
        expr(*st.value);
        continue;
      }
      n = *best;  // check the value as the option that was meant
    }
    info.options[n] = &st;
    const ast::Expr& v = *st.value;
    if (n == "timeout") expect(v, TypeStore::duration(), "flow `timeout`");
    else if (n == "retry") flow_retry_attempts_ = check_retry(v);
    else if (n == "concurrency") {
      if (v.kind != ast::Expr::Kind::Object) {
        expect(v, TypeStore::int_(), "`concurrency`");
        continue;
      }
      for (const auto& en : v.entries) {
        if (en.spread) { expr(*en.value); continue; }
        if (en.key.name == "limit") expect(*en.value, TypeStore::int_(), "concurrency `limit`");
        else if (en.key.name == "key") expect(*en.value, TypeStore::string(), "concurrency `key`");
        else {
          auto& d = report(Code::E0506, en.key.range, "`concurrency` has no field `" + en.key.name + "`", "unknown field");
          suggest(d, en.key.range, en.key.name, {"limit", "key"});
          expr(*en.value);
        }
      }
      m_.expr_types[&v] = TypeStore::json();
    }
  }
  where_ = Where::Flow;
}

void Checker::check_flow(Symbol* s) {
  const ast::Decl& d = *s->decl;
  m_.flows.emplace_back();
  FlowInfo& info = m_.flows.back();
  info.name = s->name;
  info.decl = &d;
  info.symbol = s;
  info.result = s->type->arg();
  flow_ = &info;
  owner_ = s;
  where_ = Where::Flow;
  steps_seen_.clear();
  steps_all_.clear();
  step_of_.clear();
  flow_retry_attempts_ = 0;
  push_scope();
  blocks_.push_back(d.range);
  info.params = bind_params(d, s->type->params);
  for (const auto& t : d.triggers) check_trigger(t, info, d);
  check_options(d, info);
  result_ = info.result;
  if (d.body) {
    collect_steps(*d.body);
    bool ends = block(*d.body);
    if (!ends && !is_nullable(result_) && !is_unknown(result_)) {
      uint32_t e = d.body->range.end;
      auto& diag = report(Code::E0210, Range{d.body->range.file, e > 0 ? e - 1 : e, e},
                          "flow `" + s->name + "` may end without returning a `" + to_string(result_) + "`",
                          "missing `return`");
      if (d.result) diag.notes.push_back({d.result->range, "the flow declares its result here"});
    }
  }
  blocks_.pop_back();
  pop_scope();
  finish_locals();
  result_ = nullptr;
  flow_ = nullptr;
  owner_ = nullptr;
  where_ = Where::Top;
}

void Checker::check_test(Symbol* s) {
  const ast::Decl& d = *s->decl;
  where_ = Where::Test;
  owner_ = s;
  if (d.body) block(*d.body);
  finish_locals();
  owner_ = nullptr;
  where_ = Where::Top;
}

void Checker::run() {
  collect();
  std::vector<Symbol*> order;  // top-level declarations in source order
  for (auto& s : m_.symbols) order.push_back(&s);
  for (Symbol* s : order)
    if (s->kind == SK::Type) type_decl(s);
  for (Symbol* s : order)
    if (s->kind == SK::Fn || s->kind == SK::Flow) signature(s);
  for (Symbol* s : order)
    if (s->kind == SK::Const) const_type(s);
  for (Symbol* s : order) {
    switch (s->kind) {
      case SK::Fn: check_fn(s); break;
      case SK::Connection: check_connection(s); break;
      default: break;
    }
  }
  for (Symbol* s : order) {
    switch (s->kind) {
      case SK::Flow: check_flow(s); break;
      case SK::Test: check_test(s); break;
      default: break;
    }
  }
  // Imports never used are harmless; unused top-level declarations are API.
  for (const auto& [e, t] : taint_) {
    SecretFlow f;
    f.expr = e;
    f.origin = t.origin;
    f.path = t.path;
    m_.secret_flows.push_back(std::move(f));
  }
  std::sort(m_.secret_flows.begin(), m_.secret_flows.end(),
            [](const SecretFlow& a, const SecretFlow& b) { return a.expr->range.begin < b.expr->range.begin; });
  m_.diags.sort();
}

}  // namespace detail

void check_module(CheckedModule& out, const ast::Module& module, const ImportMap& imports, TypeStore& store,
                  const Stdlib* stdlib) {
  out.source = module.source;
  out.ast = &module;
  detail::Checker c(out, module, imports, store, stdlib ? *stdlib : Stdlib::get());
  c.run();
}

}  // namespace weft::sema
