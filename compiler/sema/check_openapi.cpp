// `openapi` connections (docs/design-language.md §4, docs/openapi.md): the document behind the
// connection, operation methods and calls by path checked against it, parameters and bodies
// checked against its schemas.
#include <algorithm>
#include <set>

#include "compiler/sema/checker.h"

namespace weft::sema::detail {

namespace {

using K = Type::Kind;
using EK = ast::Expr::Kind;
const std::vector<std::string> kHttpMethods = {"get", "post", "put", "patch", "delete"};

/// The text of a string literal without interpolation, or nullopt.
std::optional<std::string> literal_text(const ast::Expr& e) {
  if (e.kind != EK::String) return std::nullopt;
  std::string out;
  for (const auto& p : e.parts) {
    if (p.expr) return std::nullopt;
    out += p.text;
  }
  return out;
}

bool absolute_url(const std::string& u) { return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0; }

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

/// "`a`, `b` and `c`" (at most `max` shown, then "...").
std::string listing(const std::vector<std::string>& names, size_t max = 8) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", `" : "`") + names[i] + "`";
  if (names.size() > max) out += ", ...";
  return out;
}

/// "GET /repos/{owner}/{repo}".
std::string describe(const openapi::Operation& op) { return upper(op.http_method) + " " + op.path; }

}  // namespace

void Checker::expect_recoded(const ast::Expr& v, TypeRef want, const std::string& what, Code missing, Code unknown,
                             Code wrong) {
  size_t before = m_.diags.all().size();
  expect(v, want, what);
  for (size_t i = before; i < m_.diags.all().size(); ++i) {
    auto& d = m_.diags.all()[i];
    if (d.code == Code::E0301) d.code = missing;
    else if (d.code == Code::E0310) d.code = unknown;
    else if (d.code == Code::E0201) d.code = wrong;
  }
}

void Checker::check_openapi_connection(const ast::Decl& d, ConnectionInfo& info) {
  info.kind = "openapi";
  auto st = info.settings.find("spec");
  if (st == info.settings.end()) {
    report(Code::E0503, d.name.range, "connection `" + info.name + "` needs a `spec`: the path of its OpenAPI document",
           "missing `spec`");
    return;
  }
  const ast::Expr& v = *st->second->value;
  if (!literal_text(v)) {
    report(Code::E0520, v.range, "`spec` must be a string literal: the document is read when the file is checked",
           "not a literal path");
    return;
  }
  auto it = specs_ ? specs_->find(&d) : SpecMap::const_iterator{};
  if (!specs_ || it == specs_->end()) return;
  const SpecDocument& spec = it->second;
  info.spec_path = spec.path;
  if (!spec.loaded) {
    report(Code::E0520, v.range, "cannot read OpenAPI document `" + spec.path + "`: " + spec.error, "cannot read");
    return;
  }
  if (!spec.loaded->ok()) {
    for (const auto& e : spec.loaded->errors)
      report(Code::E0520, v.range, "invalid OpenAPI document: " + e.to_string(), "invalid document");
    return;
  }
  info.document = spec.loaded->document;
  const openapi::Document& doc = *info.document;
  if (!info.settings.count("base_url")) {
    for (const auto& s : doc.servers)
      if (absolute_url(s)) {
        info.base_url = s;
        break;
      }
    if (info.base_url.empty())
      report(Code::E0503, d.name.range,
             "connection `" + info.name + "` needs a `base_url`: its document has no absolute `servers` URL",
             "missing `base_url`");
  }
  // Security: the auth kinds the document accepts, and whether some operation requires one.
  std::set<std::string> accepted;
  std::vector<std::string> schemes;
  bool required = false;
  for (const auto& op : doc.operations) {
    bool anonymous = op.security.empty();
    for (const auto& alt : op.security) {
      if (alt.empty()) anonymous = true;
      for (const auto& name : alt) {
        auto sc = doc.security_schemes.find(name);
        if (sc == doc.security_schemes.end()) continue;
        accepted.insert(sc->second.auth_kinds.begin(), sc->second.auth_kinds.end());
        if (std::find(schemes.begin(), schemes.end(), name) == schemes.end()) schemes.push_back(name);
      }
    }
    required = required || !anonymous;
  }
  std::vector<std::string> kinds(accepted.begin(), accepted.end());
  if (info.auth == "none" && required && !kinds.empty()) {
    auto& w = report(Code::W0006, d.name.range,
                     "the document of connection `" + info.name + "` requires authentication (" + listing(kinds) +
                         "), but the connection sets no `auth`",
                     "no `auth`");
    w.notes.push_back({std::nullopt, "security schemes in the document: " + listing(schemes)});
  } else if (info.auth != "none" && !kinds.empty() && !accepted.count(info.auth)) {
    const ast::Setting* a = info.settings.count("auth") ? info.settings.at("auth") : nullptr;
    report(Code::W0006, a && a->value ? a->value->range : d.name.range,
           "connection `" + info.name + "` authenticates with `" + info.auth + "`, but its document accepts " +
               listing(kinds),
           "not accepted by the document");
  }
}

TypeRef Checker::openapi_call(const ast::Expr& e, const ConnectionInfo& ci, const std::string& full) {
  const ast::Expr& callee = *e.operands[0];
  Range r = callee.name_range.valid() ? callee.name_range : callee.range;
  if (!ci.document) {  // the document's problem is reported at the connection
    check_args_loosely(e);
    return TypeStore::unknown();
  }
  const openapi::Document& doc = *ci.document;
  if (!e.type_args.empty())
    report(Code::E0207, e.type_args[0]->range,
           "`" + full + "` takes no type argument: its result type comes from the OpenAPI document", "not allowed here");
  const openapi::Operation* op = nullptr;
  bool by_path = std::find(kHttpMethods.begin(), kHttpMethods.end(), callee.name) != kHttpMethods.end();
  if (!by_path) {
    op = doc.find_operation(callee.name);
    if (!op) {
      auto& d = report(Code::E0521, r, "the OpenAPI document of connection `" + ci.name + "` has no operation `" +
                                           callee.name + "`",
                       "unknown operation");
      std::vector<std::string> names = doc.method_names();
      if (!suggest(d, r, callee.name, names)) {
        auto parts = diagnostics::part_matches(callee.name, names);
        if (!parts.empty()) d.notes.push_back({std::nullopt, "operations with a similar name: " + listing(parts, 5)});
      }
      check_args_loosely(e);
      return TypeStore::unknown();
    }
    for (const auto& a : e.args)
      if (a.value && !a.name) {
        report(Code::E0203, a.range,
               "`" + full + "` takes named arguments: its parameters, `body`, `headers` and `accept_status`",
               "unexpected positional argument");
        expr(*a.value);
      }
  } else {
    const ast::Expr* path = nullptr;
    size_t positional = 0;
    for (const auto& a : e.args)
      if (a.value && !a.name && positional++ == 0) path = a.value.get();
    if (!path) {
      report(Code::E0203, e.range, "`" + full + "` needs a path, e.g. `" + full + "(\"/items\")`", "missing path");
    } else {
      expect(*path, TypeStore::string(), "the path of `" + full + "`");
      sink(*path, "the URL path of `" + full + "`");
      if (auto text = literal_text(*path)) {
        op = doc.find_path(callee.name, *text);
        if (!op) {
          if (doc.has_path(*text)) {
            std::vector<std::string> methods;
            for (const auto& o : doc.operations)
              if ((o.path == *text || doc.find_path(o.http_method, *text) == &o) &&
                  std::find(methods.begin(), methods.end(), o.http_method) == methods.end())
                methods.push_back(o.http_method);
            auto& d = report(Code::E0522, r, "the OpenAPI document of connection `" + ci.name + "` has no `" +
                                                 upper(callee.name) + " " + *text + "`",
                             "no such method for this path");
            suggest(d, r, callee.name, methods);
            d.notes.push_back({std::nullopt, "`" + *text + "` has " + listing(methods)});
          } else {
            auto& d = report(Code::E0522, path->range,
                             "the OpenAPI document of connection `" + ci.name + "` has no path `" + *text + "`",
                             "unknown path");
            auto paths = doc.paths();
            if (auto best = diagnostics::closest_match(*text, paths)) {
              d.label = "did you mean `" + *best + "`?";
              d.fix = diagnostics::Fix{path->range, "\"" + *best + "\"", "replace with `\"" + *best + "\"`"};
            }
          }
        }
      }
      for (size_t i = 0, n = 0; i < e.args.size(); ++i)
        if (e.args[i].value && !e.args[i].name && n++ > 0) {
          report(Code::E0203, e.args[i].range, "`" + full + "` takes one positional argument, the path",
                 "unexpected argument");
          expr(*e.args[i].value);
        }
    }
    if (!op) {
      // A path the checker cannot see (interpolated) or that is wrong: the rest checked as for http.
      for (const auto& a : e.args) {
        if (!a.value || !a.name) continue;
        const std::string& n = a.name->name;
        if (n == "headers") expect(*a.value, ts_.map(TypeStore::string()), "`headers`");
        else if (n == "accept_status") expect(*a.value, ts_.list(TypeStore::int_()), "`accept_status`");
        else if (n == "query" || n == "path") expect(*a.value, ts_.map(TypeStore::json()), "`" + n + "`");
        else expr(*a.value, TypeStore::json());
      }
      return ts_.response(TypeStore::json());
    }
  }
  m_.operation_calls[&e] = OperationCall{op, !by_path};
  operation_args(e, *op, full, false, by_path);
  if (!schema_types_) schema_types_ = std::make_unique<SchemaTypes>(ts_);
  TypeRef body = op->response ? schema_types_->type_of(op->response) : TypeStore::json();
  if (!is_unknown(body) && body->kind != K::Json) m_.runtime_checks.push_back({&e, body});
  return ts_.response(body);
}

void Checker::operation_args(const ast::Expr& e, const openapi::Operation& op, const std::string& full, bool partial,
                             bool by_path) {
  if (!schema_types_) schema_types_ = std::make_unique<SchemaTypes>(ts_);
  const ast::Expr& callee = *e.operands[0];
  Range r = callee.name_range.valid() ? callee.name_range : callee.range;
  std::vector<const openapi::Parameter*> params;  // what named arguments may name
  std::vector<std::string> names;
  for (const auto& p : op.parameters)
    if (p.in == "path" || p.in == "query") {
      params.push_back(&p);
      names.push_back(p.name);
    }
  auto param_named = [&](const std::string& n, std::string_view in) -> const openapi::Parameter* {
    for (const auto* p : params)
      if (p->name == n && (in.empty() || p->in == in)) return p;
    return nullptr;
  };
  auto check_value = [&](const ast::Expr& v, const openapi::Parameter& p) {
    expect_recoded(v, schema_types_->type_of(p.schema), "parameter `" + p.name + "` of `" + full + "`", Code::E0525,
                   Code::E0525, Code::E0525);
    sink(v, "the URL of `" + full + "`");
  };
  auto unknown = [&](const ast::Ident& key, const std::vector<std::string>& candidates, const std::string& where) {
    auto& d = report(Code::E0524, key.range,
                     "`" + full + "` (" + describe(op) + ") has no " + where + "parameter `" + key.name + "`",
                     "unknown parameter");
    if (!suggest(d, key.range, key.name, candidates))
      d.notes.push_back({std::nullopt, candidates.empty() ? "it takes no " + where + "parameters"
                                                          : "its " + where + "parameters are " + listing(candidates)});
  };
  // Entries of a `path:` / `query:` object literal, checked against the parameters in that place.
  auto check_object = [&](const ast::Expr& v, std::string_view in, std::vector<std::string>& given) {
    if (v.kind != EK::Object) {
      expect(v, ts_.map(TypeStore::json()), "`" + std::string(in) + "`");
      given.push_back("*");
      return;
    }
    std::vector<std::string> here;
    for (const auto* p : params)
      if (p->in == in) here.push_back(p->name);
    for (const auto& en : v.entries) {
      if (en.spread || !en.value) {
        if (en.value) expr(*en.value);
        given.push_back("*");
        continue;
      }
      const openapi::Parameter* p = param_named(en.key.name, in);
      if (!p) {
        unknown(en.key, here, std::string(in) + " ");
        expr(*en.value);
        continue;
      }
      given.push_back(p->name);
      check_value(*en.value, *p);
    }
    m_.expr_types[&v] = ts_.map(TypeStore::json());
  };

  std::vector<std::string> given, seen;
  bool has_body = false;
  bool path_literal_concrete = false;
  if (by_path)
    for (const auto& a : e.args)
      if (a.value && !a.name) {
        auto t = literal_text(*a.value);
        path_literal_concrete = t && t->find('{') == std::string::npos;
        break;
      }
  for (const auto& a : e.args) {
    if (!a.value || !a.name) continue;
    const std::string& n = a.name->name;
    if (std::find(seen.begin(), seen.end(), n) != seen.end())
      report(Code::E0204, a.name->range, "argument `" + n + "` is given twice", "given twice");
    seen.push_back(n);
    if (n == "body") {
      has_body = true;
      if (!op.request_body) {
        report(Code::E0524, a.name->range, "`" + full + "` (" + describe(op) + ") takes no request body",
               "no body in the document");
        expr(*a.value);
        continue;
      }
      expect_recoded(*a.value, schema_types_->type_of(op.request_body), "the body of `" + full + "`", Code::E0526,
                     Code::E0527, Code::E0528);
      sink(*a.value, "the request body of `" + full + "`");
    } else if (n == "headers") {
      expect(*a.value, ts_.map(TypeStore::string()), "`headers`");
    } else if (n == "accept_status") {
      expect(*a.value, ts_.list(TypeStore::int_()), "`accept_status`");
    } else if (by_path && n == "path") {
      check_object(*a.value, "path", given);
    } else if (by_path && n == "query") {
      check_object(*a.value, "query", given);
    } else if (const openapi::Parameter* p = by_path ? nullptr : param_named(n, {})) {
      given.push_back(p->name);
      check_value(*a.value, *p);
    } else {
      std::vector<std::string> candidates = by_path ? std::vector<std::string>{"body", "query", "path", "headers", "accept_status"} : names;
      auto& d = report(Code::E0524, a.name->range,
                       "`" + full + "` (" + describe(op) + ") has no parameter `" + n + "`", "unknown parameter");
      if (!suggest(d, a.name->range, n, candidates))
        d.notes.push_back({std::nullopt, by_path ? "named arguments are body, query, path, headers, accept_status"
                                                 : names.empty() ? "it takes no parameters"
                                                                 : "its parameters are " + listing(names)});
      expr(*a.value);
    }
  }
  if (partial) return;
  bool dynamic = std::find(given.begin(), given.end(), "*") != given.end();
  for (const auto* p : params) {
    if (!p->required || dynamic || std::find(given.begin(), given.end(), p->name) != given.end()) continue;
    if (by_path && (p->in == "query" || path_literal_concrete)) continue;  // query: an open map; path: written out
    auto& d = report(Code::E0523, r,
                     "`" + full + "` (" + describe(op) + ") needs the " + p->in + " parameter `" + p->name + "`",
                     "missing `" + p->name + "`");
    d.notes.push_back({std::nullopt, by_path ? "give it as `path: { " + p->name + ": ... }`"
                                             : "give it as `" + p->name + ": ...`"});
  }
  if (op.body_required && op.request_body && !has_body)
    report(Code::E0523, r, "`" + full + "` (" + describe(op) + ") needs a `body`", "missing `body`");
}

bool Checker::openapi_mock(const ast::Expr& t, const ConnectionInfo& ci) {
  const ast::Expr& callee = *t.operands[0];
  if (!ci.document) {
    for (const auto& a : t.args)
      if (a.value) expr(*a.value);
    return true;
  }
  std::string full = ci.name + "." + callee.name;
  if (std::find(kHttpMethods.begin(), kHttpMethods.end(), callee.name) != kHttpMethods.end()) return false;
  const openapi::Operation* op = ci.document->find_operation(callee.name);
  if (!op) {
    auto& d = report(Code::E0521, callee.name_range,
                     "the OpenAPI document of connection `" + ci.name + "` has no operation `" + callee.name + "`",
                     "unknown operation");
    suggest(d, callee.name_range, callee.name, ci.document->method_names());
    for (const auto& a : t.args)
      if (a.value) expr(*a.value);
    return true;
  }
  m_.operation_calls[&t] = OperationCall{op, true};
  for (const auto& a : t.args)
    if (a.value && !a.name) {
      report(Code::E0203, a.range, "a mock of `" + full + "` takes named arguments: the parameters it matches",
             "unexpected positional argument");
      expr(*a.value);
    }
  operation_args(t, *op, full, true, false);
  return true;
}

}  // namespace weft::sema::detail
