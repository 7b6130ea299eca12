// Connections, triggers and flow options: every setting name, type, shape and literal check comes from
// the settings table (stdlib/settings/settings.h); only how each shape is checked lives here.
#include <algorithm>
#include <functional>

#include "compiler/sema/checker.h"

namespace weft::sema {

namespace detail {

using K = Type::Kind;
using SK = SymbolKind;

namespace {

using settings::Block;
using settings::Check;
using settings::Shape;

/// The diagnostic a failed literal check gives.
Code code_of(Check c) {
  switch (c) {
    case Check::Cron: return Code::E0504;
    case Check::TimeZone: return Code::E0507;
    case Check::AbsoluteUrl: return Code::E0508;
    case Check::HeaderName: return Code::E0509;
    case Check::PositiveCount: case Check::PositiveDuration: return Code::E0510;
    default: return Code::E0201;
  }
}

/// The diagnostic an unknown name in a block gives.
Code unknown_code(Block b) {
  switch (b) {
    case Block::Connection: case Block::RateLimit: case Block::Breaker: return Code::E0501;
    case Block::Options: case Block::Concurrency: return Code::E0506;
    case Block::Retry: return Code::E0411;
    default: return Code::E0502;
  }
}

/// How a value is named in type errors: "`timeout`", "flow `timeout`", "poll `key`".
std::string what_of(const settings::Setting& s) {
  std::string prefix = s.block == Block::Options ? "flow " : s.block == Block::Poll ? "poll "
                       : s.block == Block::Concurrency ? "concurrency " : "";
  if (s.block == Block::Options && s.shape == Shape::Record) prefix.clear();
  return prefix + "`" + std::string(s.name) + "`";
}

bool is_plain_string(const ast::Expr& e, std::string* out = nullptr) {
  if (e.kind != ast::Expr::Kind::String) return false;
  std::string s;
  for (const auto& part : e.parts) {
    if (part.expr) return false;
    s += part.text;
  }
  if (out) *out = s;
  return true;
}

/// A literal number, negated when written `-n`.
bool literal_number(const ast::Expr& e, ast::Expr::Kind kind, int64_t& out) {
  if (e.kind == kind) {
    out = kind == ast::Expr::Kind::Int ? e.int_value : e.duration_ms;
    return true;
  }
  if (e.kind == ast::Expr::Kind::Unary && e.name == "-" && e.operands.size() == 1 && e.operands[0] &&
      literal_number(*e.operands[0], kind, out)) {
    out = -out;
    return true;
  }
  return false;
}

/// "a, b, c"
std::string comma_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

}  // namespace

TypeRef Checker::setting_type(std::string_view text) {
  auto [it, fresh] = setting_types_.try_emplace(text, nullptr);
  if (fresh) {
    TypeRef t = parse_type(ts_, text);
    it->second = t ? t : TypeStore::unknown();
  }
  return it->second;
}

std::optional<std::string> Checker::setting_name(const ast::Setting& st, const std::vector<std::string>& known,
                                                const std::function<bool(const std::string&)>& taken, Code code,
                                                std::string message, std::string label, const std::string& note) {
  const std::string& n = st.name.name;
  if (std::find(known.begin(), known.end(), n) != known.end()) return n;
  auto& d = report(code, st.name.range, std::move(message), std::move(label));
  auto best = suggest(d, st.name.range, n, known);
  if (best && !taken(*best)) return best;  // check the value as the setting that was meant
  if (!best) d.notes.push_back({std::nullopt, note + comma_list(known)});
  if (st.value) expr(*st.value);
  return std::nullopt;
}

void Checker::check_literal(Check check, const ast::Expr& v, const std::string& name) {
  if (check == Check::None) return;
  std::optional<settings::Problem> problem;
  int64_t n = 0;
  std::string text;
  bool string = is_plain_string(v, &text);
  if (string) problem = settings::check_text(check, text);
  else if (literal_number(v, ast::Expr::Kind::Int, n)) problem = settings::check_int(check, n);
  else if (literal_number(v, ast::Expr::Kind::Duration, n)) problem = settings::check_duration(check, n);
  if (!problem) return;
  Range r = v.range;
  if (string && (check == Check::Cron || check == Check::HeaderName)) {
    // Point into the literal (after the opening quote) where the problem starts.
    uint32_t at = v.range.begin + 1 + static_cast<uint32_t>(problem->offset);
    if (at < v.range.end - 1) r = Range{v.range.file, at, at + 1};
  }
  bool numeric = check == Check::PositiveCount || check == Check::PositiveDuration;
  auto& d = report(code_of(check), r, numeric ? "`" + name + "` " + problem->message : problem->message, problem->label);
  if (string && !problem->candidates.empty() && v.range.end > v.range.begin + 1)
    suggest(d, Range{v.range.file, v.range.begin + 1, v.range.end - 1}, text, problem->candidates);
}

void Checker::check_setting(const settings::Setting& s, const ast::Expr& v) {
  const std::string name(s.name);
  switch (s.shape) {
    case Shape::Constructor:
      check_ctor(v, s.group, s.group == settings::Group::Backoff ? Code::E0411 : Code::E0505);
      return;
    case Shape::Record:
      if (s.fields == Block::Retry) check_retry(v);
      else check_record(s, v);
      return;
    case Shape::ErrorKinds: check_error_kinds(v); return;
    case Shape::Input: case Shape::Items: expr(v); return;
    case Shape::Value: break;
  }
  if (s.type == "json") expr(v);
  else expect(v, setting_type(s.type), what_of(s));
  if (s.check == Check::HeaderName && v.kind == ast::Expr::Kind::Object) {
    // A map of headers: its keys are header names.
    for (const auto& en : v.entries)
      if (!en.spread) {
        if (auto problem = settings::check_text(Check::HeaderName, en.key.name))
          report(code_of(Check::HeaderName), en.key.range, problem->message, problem->label);
      }
    return;
  }
  check_literal(s.check, v, name);
}

void Checker::check_record(const settings::Setting& s, const ast::Expr& v) {
  const std::string name(s.name);
  if (v.kind != ast::Expr::Kind::Object) {
    expect(v, setting_type(s.type), "`" + name + "`");
    return;
  }
  const std::vector<std::string> fields = settings::names_in(s.fields);
  std::vector<std::string> given;
  for (const auto& en : v.entries) {
    if (en.spread) {
      expr(*en.value);
      continue;
    }
    const settings::Setting* f = settings::find_setting(s.fields, en.key.name);
    if (!f) {
      auto& d = report(unknown_code(s.block), en.key.range, "`" + name + "` has no field `" + en.key.name + "`",
                       "unknown field");
      suggest(d, en.key.range, en.key.name, fields);
      expr(*en.value);
      continue;
    }
    given.push_back(en.key.name);
    check_setting(*f, *en.value);
  }
  for (const auto* f : settings::settings_in(s.fields))
    if (f->required && std::find(given.begin(), given.end(), f->name) == given.end()) {
      std::string label = "incomplete " + name;
      std::replace(label.begin(), label.end(), '_', ' ');
      report(Code::E0503, v.range, "`" + name + "` needs `" + std::string(f->name) + "`", label);
      break;
    }
  m_.expr_types[&v] = TypeStore::json();
}

std::vector<Ctor> Checker::ctors_of(settings::Group group) {
  std::vector<Ctor> out;
  for (const auto* c : settings::constructors_in(group)) {
    Ctor ctor{c->name.data(), {}, c};
    for (const auto& prm : c->params)
      ctor.params.push_back(FnParam{std::string(prm.name), setting_type(prm.type), prm.optional, false});
    out.push_back(std::move(ctor));
  }
  return out;
}

std::string Checker::check_ctor(const ast::Expr& e, settings::Group group, Code unknown) {
  const std::vector<Ctor> ctors = ctors_of(group);
  const std::string what(settings::group_name(group));
  std::vector<std::string> names;
  for (const auto& c : ctors) names.push_back(c.name);
  if (e.kind != ast::Expr::Kind::Call || e.operands.empty() || e.operands[0]->kind != ast::Expr::Kind::Name) {
    expr(e);
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) list += (i ? ", `" : "`") + names[i] + "(...)`";
    report(unknown, e.range, "expected " + what + ": one of " + list, "not " + what);
    return "";
  }
  const ast::Expr& callee = *e.operands[0];
  const Ctor* ctor = nullptr;
  for (const auto& c : ctors)
    if (callee.name == c.name) ctor = &c;
  m_.expr_types[&callee] = TypeStore::unknown();
  if (!ctor) {
    Range r = callee.name_range.valid() ? callee.name_range : callee.range;
    auto& d = report(unknown, r, "unknown " + what + " `" + callee.name + "`", "unknown constructor");
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
      if (is_unknown(want) || want->kind == K::Json) expr(*a.value);
      else expect(*a.value, want, "argument `" + ctor->params[idx].name + "` of `" + ctor->name + "`");
      check_literal(ctor->entry->params[idx].check, *a.value, ctor->params[idx].name);
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

void Checker::check_error_kinds(const ast::Expr& v) {
  if (v.kind != ast::Expr::Kind::List) {
    expr(v);
    report(Code::E0411, v.range, "`on` is a list of error kinds, e.g. `on: [timeout, http_error]`",
           "expected a list of error kinds");
    return;
  }
  m_.expr_types[&v] = ts_.list(TypeStore::string());
  for (const auto& item : v.operands) {
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
}

int Checker::check_retry(const ast::Expr& e) {
  if (e.kind != ast::Expr::Kind::Object) {
    TypeRef t = expr(e);
    if (!is_unknown(t) && t->kind != K::Json)
      report(Code::E0411, e.range, "a retry policy is an object `{ attempts: ..., backoff: ... }`, found `" + to_string(t) + "`",
             "not a retry policy");
    return 0;
  }
  const std::vector<std::string> fields = settings::names_in(Block::Retry);
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
        d.notes.push_back({std::nullopt, "retry policy fields are " + comma_list(fields)});
        expr(*en.value);
        continue;
      }
      k = *best;  // check the value as the field that was meant
    }
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      report(Code::E0302, en.key.range, "retry field `" + k + "` is given twice", "duplicate field");
    seen.push_back(k);
    check_setting(*settings::find_setting(Block::Retry, k), *en.value);
    if (k == "attempts" && en.value->kind == ast::Expr::Kind::Int)
      attempts = static_cast<int>(std::clamp<int64_t>(en.value->int_value, 0, 1 << 20));
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
  bool openapi = d.connection_kind == "openapi";
  if (!d.connection_kind.empty() && d.connection_kind != "http" && !openapi)
    report(Code::E0501, d.name.range,
           "unknown connection kind `" + d.connection_kind + "` (`http` and `openapi` exist)", "unknown kind");
  const std::vector<std::string> known = settings::names_in(Block::Connection);
  for (const auto& st : d.settings) {
    std::string n = st.name.name;
    if (info.settings.count(n)) {
      auto& diag = report(Code::E0302, st.name.range, "connection setting `" + n + "` is given twice", "duplicate setting");
      diag.notes.push_back({info.settings[n]->name.range, "first given here"});
    }
    if (!st.value) continue;
    if (openapi && n == "spec") {  // the document's path: read by the driver, checked below
      info.settings[n] = &st;
      expr(*st.value, TypeStore::string());
      continue;
    }
    auto meant = setting_name(st, known, [&](const std::string& b) { return info.settings.count(b) > 0; },
                              Code::E0501, "connection `" + s->name + "` has no setting `" + n + "`", "unknown field",
                              "connection fields are ");
    if (!meant) continue;
    n = *meant;
    info.settings[n] = &st;
    const ast::Expr& v = *st.value;
    if (n == "auth") {
      info.auth = check_ctor(v, settings::Group::Auth, Code::E0505);
      if (info.auth.empty()) info.auth = "none";
    } else if (n == "retry") {
      info.retry_attempts = check_retry(v);
    } else if (n == "idempotency_header" && v.kind == ast::Expr::Kind::Call && !v.operands.empty() &&
               v.operands[0]->kind == ast::Expr::Kind::Name && v.operands[0]->name == "none" && v.args.empty()) {
      m_.expr_types[&v] = TypeStore::null();
      m_.expr_types[v.operands[0].get()] = TypeStore::unknown();
      info.idempotency_header = "none";
    } else {
      check_setting(*settings::find_setting(Block::Connection, n), v);
      if (n == "base_url") sink(v, "the base URL of connection `" + s->name + "`");
      if (n == "idempotency_header") {
        if (v.kind == ast::Expr::Kind::String && v.parts.size() == 1 && !v.parts[0].expr)
          info.idempotency_header = v.parts[0].text;
        else if (v.kind == ast::Expr::Kind::Null)
          info.idempotency_header = "none";
      }
    }
  }
  if (openapi) check_openapi_connection(d, info);
  for (const auto* req : settings::settings_in(Block::Connection))
    if (req->required && !info.settings.count(std::string(req->name)) && !(openapi && req->name == std::string_view("base_url")))
      report(Code::E0503, d.name.range, "connection `" + s->name + "` needs a `" + std::string(req->name) + "`",
             "missing `" + std::string(req->name) + "`");
  m_.connections.push_back(std::move(info));
  owner_ = nullptr;
  where_ = Where::Top;
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
  const char* kind = "webhook";
  TypeRef response = ts_.response(TypeStore::json());
  switch (t.kind) {
    case ast::Trigger::Kind::Webhook:
      kind = "webhook";
      if (t.subject) {
        expect(*t.subject, TypeStore::string(), "webhook path");
        is_plain_string(*t.subject, &ti.subject);
        check_literal(settings::find_trigger(kind)->check, *t.subject, "webhook path");
      }
      var("body", TypeStore::json());
      var("headers", ts_.map(TypeStore::string()));
      var("query", ts_.map(TypeStore::string()));
      var("raw_body", TypeStore::string());
      break;
    case ast::Trigger::Kind::Schedule:
      kind = "schedule";
      if (t.subject) {
        expect(*t.subject, TypeStore::string(), "schedule");
        if (is_plain_string(*t.subject, &ti.subject)) {
          check_literal(settings::find_trigger(kind)->check, *t.subject, "schedule");
        } else if (t.subject->kind != ast::Expr::Kind::Name) {
          report(Code::E0504, t.subject->range, "a schedule must be a literal cron string", "not a literal");
        }
      }
      break;
    case ast::Trigger::Kind::Poll: {
      kind = "poll";
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
      if (t.subject) {
        expect(*t.subject, TypeStore::string(), "event type");
        is_plain_string(*t.subject, &ti.subject);
      }
      var("event", TypeStore::json());
      break;
  }
  const settings::TriggerKind& tk = *settings::find_trigger(kind);
  const std::vector<std::string> known = settings::names_in(tk.block);
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
    auto meant = setting_name(st, known, [&](const std::string& b) { return ti.settings.count(b) > 0 || b == "items"; },
                              Code::E0502, std::string(kind) + " trigger has no setting `" + n + "`", "unknown setting",
                              std::string(kind) + " trigger settings are ");
    if (!meant) continue;
    n = *meant;
    ti.settings[n] = &st;
    if (!st.value || &st == items) continue;
    const ast::Expr& v = *st.value;
    if (n == "input") check_trigger_input(st, flow);
    else check_setting(*settings::find_setting(tk.block, n), v);
  }
  pop_scope();
  info.triggers.push_back(std::move(ti));
  where_ = Where::Flow;
}

void Checker::check_options(const ast::Decl& flow, FlowInfo& info) {
  const std::vector<std::string> known = settings::names_in(Block::Options);
  where_ = Where::Options;
  for (const auto& st : flow.options) {
    std::string n = st.name.name;
    if (info.options.count(n)) {
      report(Code::E0302, st.name.range, "option `" + n + "` is given twice", "duplicate option");
      continue;
    }
    if (!st.value) continue;
    auto meant = setting_name(st, known, [&](const std::string& b) { return info.options.count(b) > 0; }, Code::E0506,
                              "unknown flow option `" + n + "`", "unknown option", "flow options are ");
    if (!meant) continue;
    n = *meant;
    info.options[n] = &st;
    if (n == "retry") flow_retry_attempts_ = check_retry(*st.value);
    else check_setting(*settings::find_setting(Block::Options, n), *st.value);
  }
  where_ = Where::Flow;
}

}  // namespace detail

}  // namespace weft::sema
