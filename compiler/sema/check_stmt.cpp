// Statements: scoping of let/step, flow rules (steps, durable statements, yield, return),
// test statements, reachability and the step-related warnings.
#include <algorithm>

#include "compiler/sema/checker.h"

namespace weft::sema::detail {

using K = Type::Kind;
using EK = ast::Expr::Kind;
using SKind = ast::Stmt::Kind;
using SK = SymbolKind;

namespace {

const char* keyword(SKind k) {
  switch (k) {
    case SKind::Let: return "let";
    case SKind::Step: return "step";
    case SKind::If: return "if";
    case SKind::Switch: return "switch";
    case SKind::For: return "for";
    case SKind::Parallel: return "parallel";
    case SKind::Wait: return "wait";
    case SKind::WaitUntil: return "wait";
    case SKind::Emit: return "emit";
    case SKind::Try: return "try";
    case SKind::Fail: return "fail";
    case SKind::Return: return "return";
    case SKind::Yield: return "yield";
    case SKind::ExprStmt: return "";
    case SKind::Mock: return "mock";
    case SKind::Expect: return "expect";
    case SKind::Signal: return "signal";
    case SKind::Advance: return "advance";
  }
  return "";
}

Range keyword_range(const ast::Stmt& s) {
  size_t n = std::string(keyword(s.kind)).size();
  if (n == 0 || s.range.end < s.range.begin + n) return s.range;
  return Range{s.range.file, s.range.begin, s.range.begin + static_cast<uint32_t>(n)};
}

}  // namespace

Range Checker::scope_from(Range begin) const {
  uint32_t end = blocks_.empty() ? begin.end : blocks_.back().end;
  return Range{begin.file, begin.end, std::max(end, begin.end)};
}

void Checker::collect_steps(const ast::Block& b) {
  for (const auto& s : b.stmts) {
    if (!s) continue;
    if (s->kind == SKind::Step && !s->name.name.empty() && !steps_all_.count(s->name.name))
      steps_all_[s->name.name] = s->name.range;
    collect_steps(s->then);
    if (s->else_block) collect_steps(*s->else_block);
    for (const auto& c : s->cases) collect_steps(c.body);
    for (const auto& c : s->catches) collect_steps(c.body);
    for (const auto& br : s->branches) collect_steps(br.body);
  }
}

void Checker::exported_steps(const ast::Block& b, std::vector<Symbol*>& out) {
  for (const auto& s : b.stmts) {
    if (!s) continue;
    if (s->kind == SKind::Step) {
      auto it = stmt_symbols_.find(s.get());
      if (it != stmt_symbols_.end()) out.push_back(it->second);
    } else if (s->kind == SKind::Parallel) {
      for (const auto& br : s->branches) exported_steps(br.body, out);
    }
  }
}

const ConnectionInfo* Checker::conn_info(const Symbol* conn) const {
  if (!conn) return nullptr;
  for (const auto& c : m_.connections)
    if (c.symbol == conn) return &c;
  for (const auto& [d, mod] : imports_)
    if (mod)
      for (const auto& c : mod->connections)
        if (c.symbol == conn) return &c;
  return nullptr;
}

TypeRef Checker::error_type(const std::string& kind) {
  TypeRef str = TypeStore::string();
  std::vector<Field> fs = {make_field("kind", str), make_field("message", str)};
  auto add = [&](const char* n, TypeRef t, bool opt) { fs.push_back(make_field(n, t, opt)); };
  if (kind == "http_error") {
    add("status", TypeStore::int_(), false);
    add("body", TypeStore::json(), false);
    add("headers", ts_.map(str), false);
  } else if (kind == "validation_error") {
    add("path", str, false);
  } else if (kind == "failure") {
    add("code", TypeStore::json(), false);
    add("details", TypeStore::json(), false);
  } else if (kind.empty()) {
    add("status", TypeStore::int_(), true);
    add("body", TypeStore::json(), true);
    add("headers", ts_.map(str), true);
    add("path", str, true);
    add("code", TypeStore::json(), true);
    add("details", TypeStore::json(), true);
  }
  return ts_.record(std::move(fs), kind.empty() ? "error" : kind);
}

void Checker::condition(const ast::Expr& e) {
  TypeRef t = expr(e);
  if (!is_unknown(t) && t->kind != K::Bool && t->kind != K::Json)
    report(Code::E0205, e.range, "a condition must be `bool`, found `" + to_string(t) + "`", "not a `bool`");
}

// ---------------------------------------------------------------- blocks

bool Checker::block(const ast::Block& b) {
  push_scope();
  blocks_.push_back(b.range);
  bool ends = stmts(b);
  blocks_.pop_back();
  pop_scope();
  return ends;
}

bool Checker::stmts(const ast::Block& b) {
  bool ends = false, warned = false;
  Range end_at;
  for (const auto& s : b.stmts) {
    if (!s) continue;
    if (ends && !warned) {
      auto& d = report(Code::W0003, s->range, "unreachable statement", "never runs");
      d.notes.push_back({end_at, "the block always leaves here"});
      warned = true;
    }
    bool t = stmt(*s);
    if (t && !ends) ends = true, end_at = keyword_range(*s);
  }
  return ends;
}

bool Checker::allowed(const ast::Stmt& s) {
  std::string kw = keyword(s.kind);
  Range r = keyword_range(s);
  std::string owner = owner_ ? owner_->name : std::string();
  switch (s.kind) {
    case SKind::Step:
      if (where_ == Where::Flow) return true;
      if (where_ == Where::Fn)
        report(Code::E0402, r, "fn `" + owner + "` is pure: `step` is only allowed in a flow", "not allowed in a fn");
      else
        report(Code::E0401, r, "`step` is only allowed in a flow", "not in a flow");
      return false;
    case SKind::For: case SKind::Parallel: case SKind::Wait: case SKind::WaitUntil: case SKind::Emit:
      if (where_ == Where::Flow) return true;
      if (where_ == Where::Fn)
        report(Code::E0402, r, "fn `" + owner + "` is pure: `" + kw + "` is only allowed in a flow", "not allowed in a fn");
      else
        report(Code::E0404, r, "`" + kw + "` is not allowed in a test", "not allowed in a test");
      return false;
    case SKind::Try: case SKind::Fail:  // a test expects a flow's failure with try/catch; `fail` fails the test
      return true;
    case SKind::Return: case SKind::Switch:
      if (where_ != Where::Test) return true;
      report(Code::E0404, r,
             "`" + kw + "` is not allowed in a test" + (s.kind == SKind::Switch ? " (use `if` / `else if`)" : ""),
             "not allowed in a test");
      return false;
    case SKind::Mock: case SKind::Expect: case SKind::Signal: case SKind::Advance:
      if (where_ == Where::Test) return true;
      report(Code::E0408, r, "`" + kw + "` is only allowed in a test", "not in a test");
      return false;
    default: return true;
  }
}

bool Checker::stmt(const ast::Stmt& s) {
  switch (s.kind) {
    case SKind::Let: let_stmt(s); return false;
    case SKind::Step: step_stmt(s); return false;
    case SKind::If: {
      if (s.value) condition(*s.value);
      bool t = block(s.then);
      bool e = s.else_block ? block(*s.else_block) : false;
      return t && e;
    }
    case SKind::Switch: {
      allowed(s);
      TypeRef v = s.value ? expr(*s.value) : TypeStore::unknown();
      bool all = true;
      for (const auto& c : s.cases) {
        for (const auto& val : c.values)
          if (val) expect(*val, widen(v) == v ? v : v, "a case of this switch");
        all = block(c.body) && all;
      }
      if (s.else_block) all = block(*s.else_block) && all;
      else all = false;
      return all;
    }
    case SKind::For: for_stmt(s); return false;
    case SKind::Parallel: parallel_stmt(s); return false;
    case SKind::Wait:
      allowed(s);
      if (s.value) expect(*s.value, TypeStore::duration(), "`wait`");
      return false;
    case SKind::WaitUntil:
      allowed(s);
      if (s.value) expect(*s.value, TypeStore::time(), "`wait until`");
      return false;
    case SKind::Emit:
      allowed(s);
      if (s.event_name.empty())
        report(Code::E0201, keyword_range(s), "`emit` needs an event type, e.g. `emit \"order.shipped\" { ... }`",
               "missing event type");
      if (s.value) {
        expr(*s.value);
        sink(*s.value, "the event `" + s.event_name + "`");
      }
      return false;
    case SKind::Try: return try_stmt(s);
    case SKind::Fail:
      allowed(s);
      if (s.value) expect(*s.value, TypeStore::string(), "the message of `fail`");
      if (s.with)
        expect(*s.with,
               ts_.record({make_field("code", TypeStore::json(), true), make_field("details", TypeStore::json(), true)}),
               "the details of `fail`");
      return true;
    case SKind::Return: return_stmt(s); return true;
    case SKind::Yield:
      if (for_depth_ == 0 || yields_.empty()) {
        report(Code::E0403, keyword_range(s), "`yield` is only allowed inside a `for` loop", "not in a `for`");
        if (s.value) expr(*s.value);
      } else if (s.value) {
        yields_.back()->push_back(expr(*s.value));
      }
      return false;
    case SKind::ExprStmt:
      if (!s.value) return false;
      if (s.value->kind == EK::Run) {
        m_.expr_types[s.value.get()] = run_expr(*s.value, where_ == Where::Test);
      } else {
        expr(*s.value);
      }
      return false;
    case SKind::Mock: case SKind::Expect: case SKind::Signal: case SKind::Advance: test_stmt(s); return false;
  }
  return false;
}

// ---------------------------------------------------------------- let and step

void Checker::let_stmt(const ast::Stmt& s) {
  TypeRef t = TypeStore::unknown();
  if (s.value) {
    bool saved = signal_ok_;
    signal_ok_ = s.value->kind == EK::WaitSignal && where_ == Where::Flow;
    t = expr(*s.value);
    signal_ok_ = saved;
  }
  Symbol& sym = new_symbol(SK::Let, s.name.name, s.name.range);
  sym.type = t->kind == K::Never ? TypeStore::unknown() : t;
  sym.stmt = &s;
  sym.decl = owner_ ? owner_->decl : nullptr;
  sym.scope = scope_from(s.range);
  if (s.value)
    if (const Taint* tt = taint_of(s.value.get())) {
      Taint copy = *tt;
      copy.path.push_back({s.name.range, "it is stored in `" + s.name.name + "` here"});
      sym_taint_[&sym] = std::move(copy);
    }
  stmt_symbols_[&s] = &sym;
  declare(&sym);
}

TypeRef Checker::action(const ast::Expr& a, StepInfo& si) {
  if (a.kind == EK::Call && !a.operands.empty() && a.operands[0]->kind == EK::Member && !a.operands[0]->operands.empty()) {
    const ast::Expr& callee = *a.operands[0];
    const ast::Expr& recv = *callee.operands[0];
    const Symbol* base = nullptr;
    if (recv.kind == EK::Name) base = find(recv.name);
    else if (recv.kind == EK::Member && !recv.operands.empty() && recv.operands[0]->kind == EK::Name) {
      const Symbol* imp = find(recv.operands[0]->name);
      if (imp && imp->kind == SK::Import && imp->module) base = imp->module->lookup(recv.name);
    }
    if (base && base->kind == SK::Connection) {
      const Symbol* conn = static_symbol(recv, false);
      if (!conn) conn = base;
      bool saved = action_ok_;
      action_ok_ = true;
      TypeRef rt = conn_call(a, conn, true);
      action_ok_ = saved;
      m_.expr_types[&a] = rt;
      propagate_taint(a);
      si.action = StepInfo::Action::Call;
      si.connection = recv.kind == EK::Name ? conn->name : recv.operands[0]->name + "." + conn->name;
      si.connection_symbol = conn;
      si.method = callee.name;
      if (auto oc = m_.operation_calls.find(&a); oc != m_.operation_calls.end()) si.method = oc->second.operation->http_method;
      si.response_type = rt->kind == K::Response ? rt->arg() : TypeStore::json();
      return rt;
    }
    if (recv.kind == EK::Name && !base) {
      // `crmm.get(...)`: most likely a misspelt connection.
      return expr(a);
    }
  }
  if (a.kind == EK::Run) {
    TypeRef rt = run_expr(a, true);
    m_.expr_types[&a] = rt;
    si.action = StepInfo::Action::RunFlow;
    if (!a.operands.empty() && a.operands[0] && !a.operands[0]->operands.empty())
      si.flow_symbol = m_.symbol_of(a.operands[0]->operands[0].get());
    si.response_type = rt;
    return rt;
  }
  expr(a);
  report(Code::E0406, a.range, "a step's action is a connection call (`crm.get(...)`) or `run flow(...)`",
         "not a step action");
  return TypeStore::unknown();
}

void Checker::step_stmt(const ast::Stmt& s) {
  bool ok = allowed(s);
  const std::string& n = s.name.name;
  bool duplicate = false;
  if (ok && flow_ && !n.empty()) {
    auto it = steps_seen_.find(n);
    if (it != steps_seen_.end()) {
      auto& d = report(Code::E0107, s.name.range, "step `" + n + "` is declared twice in flow `" + flow_->name + "`",
                       "duplicate step name");
      d.notes.push_back({it->second, "the first step `" + n + "` is here"});
      d.notes.push_back({std::nullopt, "step names identify checkpoints and must be unique in a flow, nested blocks included"});
      duplicate = true;
    } else {
      steps_seen_[n] = s.name.range;
    }
  }
  StepInfo si;
  si.name = n;
  si.stmt = &s;
  si.in_loop = for_depth_ > 0;
  TypeRef rt = s.value ? action(*s.value, si) : TypeStore::unknown();
  si.result_type = rt;
  Symbol& sym = new_symbol(SK::Step, n, s.name.range);
  sym.type = rt;
  sym.stmt = &s;
  sym.decl = owner_ ? owner_->decl : nullptr;
  sym.scope = scope_from(s.range);
  si.symbol = &sym;
  stmt_symbols_[&s] = &sym;

  int attempts = 0;
  if (s.retry) attempts = check_retry(*s.retry);
  if (s.timeout) expect(*s.timeout, TypeStore::duration(), "the step's `timeout`");
  if (s.compensate) {
    push_scope();
    visible_.push_back(&sym);
    StepInfo comp;
    action(*s.compensate, comp);
    pop_scope();
  }
  declare(&sym, !duplicate);
  if (duplicate) ++uses_[&sym];  // one error is enough for a duplicate

  if (si.action == StepInfo::Action::Call && (si.method == "post" || si.method == "patch")) {
    const ConnectionInfo* ci = conn_info(si.connection_symbol);
    if (ci && ci->idempotency_header == "none") {
      int eff = attempts > 0 ? attempts : flow_retry_attempts_ > 0 ? flow_retry_attempts_ : ci->retry_attempts;
      if (eff != 1) {
        const ast::Expr& callee = *s.value->operands[0];
        auto& d = report(Code::W0004, callee.name_range.valid() ? callee.name_range : s.value->range,
                         "`" + si.connection + "." + si.method + "` is retried, but connection `" + si.connection +
                             "` sends no idempotency key",
                         "a retry may apply this " + std::string(si.method == "post" ? "POST" : "PATCH") + " twice");
        d.notes.push_back({std::nullopt, "give the step `retry { attempts: 1 }`, or set the connection's "
                                         "`idempotency_header`"});
      }
    }
  }
  if (flow_) {
    step_of_[&sym] = flow_->steps.size();
    flow_->steps.push_back(std::move(si));
  }
}

// ---------------------------------------------------------------- for, parallel, try

void Checker::for_stmt(const ast::Stmt& s) {
  allowed(s);
  TypeRef lt = s.value ? expr(*s.value) : TypeStore::unknown();
  TypeRef elem = TypeStore::unknown();
  if (lt->kind == K::List) elem = lt->arg();
  else if (lt->kind == K::Json) elem = TypeStore::json();
  else if (!is_unknown(lt))
    report(Code::E0206, s.value->range, "cannot iterate over a value of type `" + to_string(lt) + "`", "not a list");
  if (elem->kind == K::Never) elem = TypeStore::unknown();
  if (s.concurrency) expect(*s.concurrency, TypeStore::int_(), "`concurrency`");
  std::vector<TypeRef> ys;
  yields_.push_back(&ys);
  ++for_depth_;
  push_scope();
  blocks_.push_back(s.then.range);
  Symbol& item = new_symbol(SK::ForItem, s.name.name, s.name.range);
  item.type = elem;
  item.stmt = &s;
  item.decl = owner_ ? owner_->decl : nullptr;
  item.scope = s.then.range;
  if (s.value)
    if (const Taint* t = taint_of(s.value.get())) sym_taint_[&item] = *t;
  declare(&item);
  if (s.index) {
    Symbol& idx = new_symbol(SK::ForIndex, s.index->name, s.index->range);
    idx.type = TypeStore::int_();
    idx.stmt = &s;
    idx.decl = item.decl;
    idx.scope = s.then.range;
    declare(&idx);
  }
  stmts(s.then);
  blocks_.pop_back();
  pop_scope();
  --for_depth_;
  yields_.pop_back();
  if (s.into) {
    TypeRef y = TypeStore::never();
    for (TypeRef t : ys) y = join(ts_, y, t);
    if (ys.empty())
      report(Code::E0403, s.into->range, "`into " + s.into->name + "` collects yielded values, but the loop never `yield`s",
             "nothing to collect");
    Symbol& into = new_symbol(SK::ForInto, s.into->name, s.into->range);
    into.type = ts_.list(y->kind == K::Never ? TypeStore::unknown() : y);
    into.stmt = &s;
    into.decl = item.decl;
    into.scope = scope_from(s.range);
    declare(&into);
  }
}

void Checker::parallel_stmt(const ast::Stmt& s) {
  allowed(s);
  std::vector<std::string> names;
  std::vector<Symbol*> exports;
  for (const auto& br : s.branches) {
    if (!br.name.name.empty()) {
      if (std::find(names.begin(), names.end(), br.name.name) != names.end())
        report(Code::E0102, br.name.range, "branch `" + br.name.name + "` is declared twice in this `parallel`",
               "duplicate branch");
      names.push_back(br.name.name);
    }
    block(br.body);
    exported_steps(br.body, exports);
  }
  uint32_t end = blocks_.empty() ? s.range.end : blocks_.back().end;
  for (Symbol* sym : exports) {
    visible_.push_back(sym);
    sym->scope = Range{sym->scope.file, sym->scope.begin, std::max(end, sym->scope.end)};
  }
}

bool Checker::try_stmt(const ast::Stmt& s) {
  allowed(s);
  bool all = block(s.then);
  for (const auto& c : s.catches) {
    std::string kind;
    if (c.kind) {
      kind = c.kind->name;
      const auto& kinds = error_kinds();
      if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
        auto& d = report(Code::E0410, c.kind->range, "unknown error kind `" + kind + "`", "unknown error kind");
        if (!suggest(d, c.kind->range, kind, kinds))
          d.notes.push_back({std::nullopt, "error kinds are http_error, timeout, connection_error, validation_error, "
                                           "failure, cancelled"});
        kind.clear();
      }
    }
    push_scope();
    blocks_.push_back(c.body.range);
    if (c.as) {
      Symbol& e = new_symbol(SK::CatchVar, c.as->name, c.as->range);
      e.type = error_type(kind);
      e.decl = owner_ ? owner_->decl : nullptr;
      e.scope = c.range;
      declare(&e);
    }
    if (c.where) condition(*c.where);
    bool ends = stmts(c.body);
    blocks_.pop_back();
    pop_scope();
    all = all && ends;
  }
  return all && !s.catches.empty();
}

void Checker::return_stmt(const ast::Stmt& s) {
  if (!allowed(s)) {
    if (s.value) expr(*s.value);
    return;
  }
  std::string what = owner_ ? std::string(kind_name(owner_->kind)) + " `" + owner_->name + "`" : "this block";
  TypeRef want = result_;
  if (!s.value) {
    if (want && !is_nullable(want) && !is_unknown(want))
      report(Code::E0209, keyword_range(s), what + " must return a value of type `" + to_string(want) + "`", "missing value");
    return;
  }
  size_t before = m_.diags.all().size();
  TypeRef got = expr(*s.value, want);
  if (where_ == Where::Flow) sink(*s.value, "the result of " + what);
  if (!want || is_unknown(want) || is_unknown(got) || m_.diags.all().size() != before) return;
  Assign a;
  if (assignable(got, want, &a)) {
    if (a.dynamic) m_.runtime_checks.push_back({s.value.get(), want});
    return;
  }
  auto& d = report(Code::E0209, s.value->range,
                   what + " returns `" + to_string(want) + "`, but this is `" + to_string(got) + "`",
                   "expected `" + to_string(want) + "`");
  if (owner_ && owner_->decl && owner_->decl->result)
    d.notes.push_back({owner_->decl->result->range, "the result type is declared here"});
}

// ---------------------------------------------------------------- tests

void Checker::test_stmt(const ast::Stmt& s) {
  allowed(s);
  switch (s.kind) {
    case SKind::Mock: {
      if (s.target) {
        const ast::Expr& t = *s.target;
        if (t.kind == EK::Call && !t.operands.empty() && t.operands[0]->kind == EK::Member &&
            !t.operands[0]->operands.empty()) {
          const ast::Expr& callee = *t.operands[0];
          const ast::Expr& cn = *callee.operands[0];
          const Symbol* conn = static_symbol(cn, false);
          if (!conn || conn->kind != SK::Connection) {
            unknown_connection(cn);
          } else {
            m_.expr_symbols[&callee] = conn;
            static const std::vector<std::string> methods = {"get", "post", "put", "patch", "delete"};
            const ConnectionInfo* ci = conn_info(conn);
            if (ci && ci->kind == "openapi" && openapi_mock(t, *ci)) {
              m_.expr_types[&callee] = TypeStore::unknown();
              m_.expr_types[&t] = TypeStore::unknown();
              goto mock_where;
            }
            if (std::find(methods.begin(), methods.end(), callee.name) == methods.end()) {
              auto& d = report(Code::E0412, callee.name_range,
                               "connection `" + conn->name + "` has no method `" + callee.name + "`", "unknown method");
              suggest(d, callee.name_range, callee.name, methods);
            }
          }
          m_.expr_types[&callee] = TypeStore::unknown();
          for (const auto& a : t.args)
            if (a.value) expr(*a.value);
          m_.expr_types[&t] = TypeStore::unknown();
        } else {
          expr(t);
          report(Code::E0406, t.range, "`mock` takes a connection call such as `crm.get(\"/path\")`", "not a connection call");
        }
      }
    mock_where:
      if (s.where) {
        // The condition sees the request: `body`, `query` and `headers`.
        push_scope();
        auto var = [&](const char* n, TypeRef type) {
          Symbol& v = new_symbol(SK::TriggerVar, n, s.where->range);
          v.type = type;
          v.scope = s.where->range;
          v.decl = owner_ ? owner_->decl : nullptr;
          visible_.push_back(&v);
        };
        var("body", TypeStore::json());
        var("query", TypeStore::json());
        var("headers", ts_.map(TypeStore::string()));
        condition(*s.where);
        pop_scope();
      }
      if (s.value && s.value->kind == EK::Name && (s.value->name == "timeout" || s.value->name == "connection_error")) {
        m_.expr_types[s.value.get()] = TypeStore::unknown();  // a call that fails with that kind
      } else if (s.value) {
        TypeRef resp = ts_.record({make_field("status", TypeStore::int_(), true), make_field("body", TypeStore::json(), true),
                                   make_field("headers", ts_.map(TypeStore::string()), true)},
                                  "MockResponse");
        if (s.value->kind == EK::List) expect(*s.value, ts_.list(resp), "`mock`");
        else expect(*s.value, resp, "`mock`");
      }
      break;
    }
    case SKind::Expect:
      if (s.value) condition(*s.value);
      break;
    case SKind::Signal:
      if (s.target) {
        TypeRef h = expr(*s.target);
        if (!is_unknown(h) && h->kind != K::Handle)
          report(Code::E0201, s.target->range, "`signal` needs a handle from `start`, found `" + to_string(h) + "`",
                 "not a flow handle");
      }
      if (s.value) expr(*s.value);
      break;
    case SKind::Advance:
      if (s.value) expect(*s.value, TypeStore::duration(), "`advance`");
      break;
    default: break;
  }
}

}  // namespace weft::sema::detail
