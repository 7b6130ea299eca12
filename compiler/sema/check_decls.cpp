// Declarations: collection of top-level names, types, consts, fn/flow signatures, flows and tests.
// Connections, triggers and options are checked in check_settings.cpp.
#include <algorithm>

#include "compiler/sema/checker.h"

namespace weft::sema {

namespace detail {

using K = Type::Kind;
using SK = SymbolKind;

const std::vector<std::string>& error_kinds() {
  static const std::vector<std::string> kinds = {"http_error",       "timeout", "connection_error",
                                                 "validation_error", "failure", "cancelled"};
  return kinds;
}

Checker::Checker(CheckedModule& m, const ast::Module& mod, const ImportMap& imports, TypeStore& ts,
                 const Stdlib& stdlib, const SpecMap* specs)
    : m_(m), mod_(mod), imports_(imports), ts_(ts), std_(stdlib), specs_(specs) {}

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
                  const Stdlib* stdlib, const SpecMap* specs) {
  out.source = module.source;
  out.ast = &module;
  detail::Checker c(out, module, imports, store, stdlib ? *stdlib : Stdlib::get(), specs);
  c.run();
}

}  // namespace weft::sema
