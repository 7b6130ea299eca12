// Completion and signature help (LSP-free): lexical context + knowledge tables + declarations.
#include <algorithm>
#include <set>

#include "compiler/sema/checked.h"
#include "compiler/sema/stdlib.h"
#include "lsp/context.h"
#include "lsp/features.h"
#include "lsp/knowledge.h"
#include "lsp/openapi.h"
#include "stdlib/functions/signatures.h"

namespace weft::lsp {

namespace {

void add_facts(std::vector<CompletionEntry>& out, std::span<const Fact> facts, EntryKind kind,
               std::string_view insert_suffix = {}, std::string_view sort_prefix = "1") {
  for (const auto& f : facts) {
    CompletionEntry e{std::string(f.name), kind, std::string(f.label), std::string(f.doc), {}, false, {}};
    if (!insert_suffix.empty()) {
      e.insert = std::string(f.name) + std::string(insert_suffix);
      e.snippet = insert_suffix.find('$') != std::string_view::npos;
    }
    e.sort = std::string(sort_prefix) + e.label;
    out.push_back(std::move(e));
  }
}

void add_snippets(std::vector<CompletionEntry>& out, Place place) {
  for (const auto& s : snippets(place)) {
    CompletionEntry e{std::string(s.label), EntryKind::Snippet, std::string(s.body.substr(0, s.body.find('\n'))),
                      "```flow\n" + std::string(s.body) + "\n```\n" + std::string(s.doc), std::string(s.body), true,
                      "0" + std::string(s.label)};
    out.push_back(std::move(e));
  }
}

void add_stdlib(std::vector<CompletionEntry>& out, bool as_method) {
  std::set<std::string_view> seen;
  for (const auto& sig : functions::signatures()) {
    if (!seen.insert(sig.name).second) {
      // Overloads: append the signature to the existing entry's documentation.
      for (auto& e : out)
        if (e.label == sig.name && e.kind == (as_method ? EntryKind::Method : EntryKind::Function))
          e.documentation += "\n\n`" + std::string(sig.signature) + "`  \n" + std::string(sig.doc);
      continue;
    }
    CompletionEntry e{std::string(sig.name), as_method ? EntryKind::Method : EntryKind::Function,
                      std::string(sig.signature),
                      "`" + std::string(sig.signature) + "`  \n" + std::string(sig.doc) + "\n\n```flow\n" +
                          std::string(sig.example) + "\n```",
                      {}, false, "3" + std::string(sig.name)};
    out.push_back(std::move(e));
  }
}

EntryKind kind_of(LexicalDecl::Kind k) {
  switch (k) {
    case LexicalDecl::Kind::Type: return EntryKind::Type;
    case LexicalDecl::Kind::Fn: return EntryKind::Function;
    case LexicalDecl::Kind::Flow: return EntryKind::Flow;
    case LexicalDecl::Kind::Connection: return EntryKind::Connection;
    case LexicalDecl::Kind::Const: return EntryKind::Constant;
    case LexicalDecl::Kind::Import: return EntryKind::Module;
    case LexicalDecl::Kind::Param: return EntryKind::Parameter;
    default: return EntryKind::Variable;
  }
}

std::string detail_of(const LexicalDecl& d) {
  switch (d.kind) {
    case LexicalDecl::Kind::Type: return "type " + d.name;
    case LexicalDecl::Kind::Connection: return "connection " + d.name;
    case LexicalDecl::Kind::Const: return "const " + d.name;
    case LexicalDecl::Kind::Import: return "import as " + d.name;
    case LexicalDecl::Kind::Step: return "step " + d.name;
    case LexicalDecl::Kind::Let: return "let " + d.name;
    case LexicalDecl::Kind::ForItem: return "for " + d.name;
    case LexicalDecl::Kind::CatchName: return "catch as " + d.name;
    default: return d.signature.empty() ? d.name : d.signature;
  }
}

void add_decls(std::vector<CompletionEntry>& out, const std::vector<LexicalDecl>& decls, bool types_only) {
  std::set<std::string> seen;
  // Later declarations (inner scopes) shadow earlier ones: walk backwards.
  for (auto it = decls.rbegin(); it != decls.rend(); ++it) {
    const auto& d = *it;
    bool is_type = d.kind == LexicalDecl::Kind::Type;
    if (types_only ? !(is_type || d.kind == LexicalDecl::Kind::Import) : is_type) continue;
    if (d.kind == LexicalDecl::Kind::Test) continue;
    if (!seen.insert(d.name).second) continue;
    CompletionEntry e{d.name, kind_of(d.kind), detail_of(d), d.doc, {}, false, "2" + d.name};
    out.push_back(std::move(e));
  }
}

const LexicalDecl* find_decl(const std::vector<LexicalDecl>& decls, std::string_view name) {
  for (auto it = decls.rbegin(); it != decls.rend(); ++it)
    if (it->name == name) return &*it;
  return nullptr;
}

// Whether a value of type `t` may be the first argument of a stdlib parameter of type `p`
// (loosely: type variables and json fit everything; kinds must agree otherwise).
bool fits_first(sema::TypeRef p, sema::TypeRef t) {
  using Kind = sema::Type::Kind;
  if (!p || !t) return true;
  t = sema::strip_optional(t);
  if (p->kind == Kind::Var || p->kind == Kind::Json || t->kind == Kind::Json || t->kind == Kind::Unknown) return true;
  if (p->kind == Kind::Union) {
    for (auto m : p->args)
      if (fits_first(m, t)) return true;
    return false;
  }
  if (p->kind == Kind::String) return sema::is_stringish(t);
  if (p->kind == Kind::Float || p->kind == Kind::Int) return sema::is_numeric(t);
  if (p->kind == Kind::Map) return t->kind == Kind::Map || t->kind == Kind::Record;
  return p->kind == t->kind;
}

// The symbol a receiver's first name refers to at `offset` in a checked module.
const sema::Symbol* resolve_name(const sema::CheckedModule& m, std::string_view name, uint32_t offset) {
  auto locals = m.locals_at(offset);
  for (auto it = locals.rbegin(); it != locals.rend(); ++it)
    if ((*it)->name == name) return *it;
  return m.lookup(name);
}

void add_fields(std::vector<CompletionEntry>& out, sema::TypeRef t) {
  for (const auto& f : t->fields)
    out.push_back({f.name, EntryKind::Field, f.name + (f.optional ? "?: " : ": ") + sema::to_string(f.type), f.doc, {},
                   false, "0" + f.name});
}

// Member completion from types: returns true when the receiver was resolved.
bool complete_members(std::vector<CompletionEntry>& out, const Analysis& a, const std::vector<std::string>& receiver,
                      uint32_t at) {
  if (!a.unit || receiver.empty()) return false;
  const auto& m = a.unit->checked;
  const sema::Symbol* s = resolve_name(m, receiver[0], at);
  if (!s) return false;
  size_t next = 1;
  const sema::CheckedModule* module = &m;
  while (s->kind == sema::SymbolKind::Import) {
    if (!s->module) return true;  // a module that failed to load: nothing to offer
    module = s->module;
    if (next == receiver.size()) {
      for (const auto& [name, sym] : module->top_level) {
        EntryKind k = sym->kind == sema::SymbolKind::Type ? EntryKind::Type
                      : sym->kind == sema::SymbolKind::Fn ? EntryKind::Function
                      : sym->kind == sema::SymbolKind::Flow ? EntryKind::Flow
                      : sym->kind == sema::SymbolKind::Connection ? EntryKind::Connection
                      : sym->kind == sema::SymbolKind::Const ? EntryKind::Constant : EntryKind::Variable;
        std::string detail = std::string(sema::kind_name(sym->kind)) + " " + name;
        if (sym->type && sym->kind != sema::SymbolKind::Type) detail += ": " + sema::to_string(sym->type);
        out.push_back({name, k, detail, sym->doc, {}, false, "0" + name});
      }
      return true;
    }
    s = module->lookup(receiver[next++]);
    if (!s) return true;
  }
  if (s->kind == sema::SymbolKind::Connection) {
    if (next == receiver.size()) {
      add_facts(out, connection_methods(), EntryKind::Method);
      if (auto doc = connection_document(*s)) add_operations(out, *doc);
    }
    return true;
  }
  sema::TypeRef t = s->type;
  for (; next < receiver.size() && t; ++next) {
    t = sema::strip_optional(t);
    if (t->kind == sema::Type::Kind::Response) {
      const std::string& n = receiver[next];
      t = n == "body" ? t->arg() : n == "status" ? sema::TypeStore::int_() : nullptr;
      if (n == "headers") return true;  // map<string>: no fields
      continue;
    }
    const sema::Field* f = t->field(receiver[next]);
    t = f ? f->type : nullptr;
  }
  // An unresolved type (e.g. a statement the broken parse dropped): let the caller try the
  // last analysis that parsed.
  if (!t || sema::is_unknown(t)) return false;
  t = sema::strip_optional(t);
  if (t->kind == sema::Type::Kind::Response) {
    out.push_back({"status", EntryKind::Field, "status: int", "The HTTP status.", {}, false, "0status"});
    out.push_back({"headers", EntryKind::Field, "headers: map<string>", "Response headers (lower-case names).", {}, false, "0headers"});
    out.push_back({"body", EntryKind::Field, "body: " + sema::to_string(t->arg()),
                   "The body, checked against the declared type for 2xx statuses.", {}, false, "0body"});
    return true;
  }
  if (t->kind == sema::Type::Kind::Record) add_fields(out, t);
  // `x.f(...)` is `f(x, ...)`: stdlib functions whose first parameter accepts x.
  std::set<std::string> seen;
  for (const auto& name : sema::Stdlib::get().names()) {
    const auto* overloads = sema::Stdlib::get().overloads(name);
    if (!overloads) continue;
    for (const auto& f : *overloads) {
      if (f.params.empty() || !fits_first(f.params[0].type, t) || !seen.insert(name).second) continue;
      out.push_back({name, EntryKind::Method, f.signature, f.doc, {}, false, "3" + name});
    }
  }
  return true;
}

// Inside `conn.operation(` of an openapi connection, where an argument name goes (after `(` or
// `,`): the operation's named arguments not yet written. False when that is not the situation.
bool complete_arguments(std::vector<CompletionEntry>& out, const Analysis& a, const CursorContext& ctx,
                        const Analysis* last_good) {
  if (ctx.frames.empty() || ctx.frames.back().kind != BlockKind::Paren || ctx.frames.back().detail.empty()) return false;
  std::string_view text = a.source->text();
  const auto& toks = a.tokens();
  auto tok = [&](size_t i) { return text.substr(toks[i].begin, toks[i].end - toks[i].begin); };
  size_t open = ctx.frames.back().open;
  if (open < 3 || tok(open - 2) != "." || toks[open - 3].kind != Token::Kind::Ident) return false;
  // The token before what is being typed must be the paren or a top-level comma.
  size_t before = ctx.token_index;
  while (before > 0 && toks[before - 1].begin >= ctx.prefix_begin && !ctx.prefix.empty()) --before;
  if (before == 0 || (before - 1 != open && tok(before - 1) != ",")) return false;
  std::vector<std::string> written;
  int depth = 0;
  for (size_t i = open + 1; i + 1 < toks.size() && toks[i].begin < ctx.prefix_begin; ++i) {
    std::string_view t = tok(i);
    if (t == "(" || t == "[" || t == "{") ++depth;
    else if (t == ")" || t == "]" || t == "}") --depth;
    else if (depth == 0 && tok(i + 1) == ":" && toks[i].kind != Token::Kind::Punct) written.emplace_back(t);
  }
  std::string conn(tok(open - 3)), method(tok(open - 1));
  for (const Analysis* an : {&a, last_good}) {
    if (!an || !an->unit) continue;
    const sema::Symbol* s = resolve_name(an->unit->checked, conn, toks[open - 3].begin);
    if (!s || s->kind != sema::SymbolKind::Connection) continue;
    auto doc = connection_document(*s);
    const openapi::Operation* op = doc ? doc->find_operation(method) : nullptr;
    if (!op) return false;
    add_arguments(out, *op, written);
    return true;
  }
  return false;
}

}  // namespace

std::vector<CompletionEntry> complete(const Analysis& a, uint32_t offset, const Analysis* last_good) {
  std::string_view text = a.source->text();
  CursorContext ctx = context_at(text, a.tokens(), offset);
  std::vector<CompletionEntry> out;
  if (ctx.in_comment || ctx.in_string) return out;
  std::vector<LexicalDecl> decls = lexical_decls(text, a.tokens(), offset);
  const Frame* f = ctx.innermost_block();

  if (ctx.after_dot) {
    if (complete_members(out, a, ctx.receiver, ctx.receiver_begin)) return out;
    if (last_good && last_good != &a && complete_members(out, *last_good, ctx.receiver, ctx.receiver_begin)) return out;
    if (ctx.receiver.size() == 1) {
      const LexicalDecl* d = find_decl(decls, ctx.receiver[0]);
      if (d && d->kind == LexicalDecl::Kind::Connection) {
        add_facts(out, connection_methods(), EntryKind::Method);
        return out;
      }
      if (d && d->kind == LexicalDecl::Kind::Import) return out;  // filled from the imported module by the checker
    }
    add_stdlib(out, true);
    return out;
  }

  if (complete_arguments(out, a, ctx, last_good)) return out;

  if (ctx.type_position) {
    add_facts(out, builtin_types(), EntryKind::Type, {}, "1");
    add_decls(out, decls, true);
    return out;
  }

  if (ctx.key_position && f) {
    switch (f->kind) {
      case BlockKind::Connection: add_facts(out, connection_fields(), EntryKind::Field, ": "); return out;
      case BlockKind::Trigger: add_facts(out, trigger_fields(f->detail), EntryKind::Field, ": "); return out;
      case BlockKind::Options: add_facts(out, options_fields(), EntryKind::Field, ": "); return out;
      case BlockKind::Retry: add_facts(out, retry_fields(), EntryKind::Field, ": "); return out;
      case BlockKind::RateLimit: add_facts(out, rate_limit_fields(), EntryKind::Field, ": "); return out;
      case BlockKind::Concurrency: add_facts(out, concurrency_fields(), EntryKind::Field, ": "); return out;
      case BlockKind::Breaker: add_facts(out, breaker_fields(), EntryKind::Field, ": "); return out;
      case BlockKind::Record: return out;  // a new field name: nothing to suggest
      case BlockKind::Object: break;       // keys of an expected record come from the checker
      default: break;
    }
  }

  if (ctx.statement_start && (!f || f->kind == BlockKind::Flow || f->kind == BlockKind::Fn ||
                              f->kind == BlockKind::Test || f->kind == BlockKind::Statement)) {
    add_snippets(out, ctx.place);
    if (ctx.place == Place::TopLevel) return out;
  }

  // Values whose key tells what is expected.
  if (ctx.key == "auth") {
    add_facts(out, auth_constructors(), EntryKind::Function, "($0)");
    return out;
  }
  if (ctx.key == "verify") {
    add_facts(out, verify_forms(), EntryKind::Function, "($0)");
    return out;
  }
  if (ctx.key == "backoff") {
    add_facts(out, backoff_constructors(), EntryKind::Function, "($0)");
    return out;
  }
  if (ctx.key == "respond") {
    out.push_back({"\"async\"", EntryKind::Value, "respond", "Answer 202 with the execution id.", {}, false, "0a"});
    out.push_back({"\"sync\"", EntryKind::Value, "respond", "Wait for the result.", {}, false, "0b"});
    return out;
  }
  // A setting whose type is a union of string literals (`on_exhausted: "fail" | "pause"`): its values.
  if (f && !ctx.key.empty())
    if (auto block = settings_block(*f))
      if (const auto* s = settings::find_setting(*block, ctx.key); s && s->type.find('"') != std::string_view::npos) {
        std::string_view t = s->type;
        for (size_t b = t.find('"'), e; b != std::string_view::npos && (e = t.find('"', b + 1)) != std::string_view::npos;
             b = t.find('"', e + 1)) {
          std::string value(t.substr(b, e - b + 1));
          out.push_back({value, EntryKind::Value, std::string(s->name), std::string(s->doc), {}, false, "0" + value});
        }
        return out;
      }
  bool in_on_list = f && f->kind == BlockKind::Bracket && f->detail == "on";
  if (ctx.prev_word == "catch" || in_on_list) {
    add_facts(out, error_kinds(), EntryKind::Value);
    if (ctx.prev_word == "catch") {
      out.push_back({"as", EntryKind::Keyword, "catch as e", "Catches every error kind.", {}, false, "2as"});
    }
    return out;
  }

  // An expression: names in scope, trigger variables, stdlib, built-ins, literals.
  add_decls(out, decls, false);
  for (const auto& fr : ctx.frames)
    if (fr.kind == BlockKind::Trigger) add_facts(out, trigger_scope(fr.detail), EntryKind::Variable, {}, "1");
  add_stdlib(out, false);
  add_facts(out, builtin_functions(), EntryKind::Function, {}, "3");
  for (std::string_view lit : {"true", "false", "null"})
    out.push_back({std::string(lit), EntryKind::Keyword, {}, {}, {}, false, "4" + std::string(lit)});
  if (ctx.prev_word == "=" || ctx.prev_word.empty()) {
    if (ctx.place == Place::Flow)
      out.push_back({"run", EntryKind::Keyword, "run flow(args)", "A child flow as a step.", {}, false, "4run"});
  }
  if (ctx.place == Place::Flow || ctx.place == Place::Test) {
    for (const auto& d : decls)
      if (d.kind == LexicalDecl::Kind::Flow && (ctx.prev_word == "run" || ctx.prev_word == "start"))
        out.insert(out.begin(), {d.name, EntryKind::Flow, d.signature, d.doc, {}, false, "0" + d.name});
  }
  return out;
}

std::vector<std::string> split_params(std::string_view sig) {
  std::vector<std::string> out;
  size_t open = sig.find('(');
  if (open == std::string_view::npos) return out;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open; i < sig.size(); ++i) {
    char ch = sig[i];
    if (ch == '(' || ch == '[' || ch == '{' || ch == '<') ++depth;
    if (ch == '>' && i > 0 && sig[i - 1] == '-') continue;  // `->` in a function type
    if (ch == ')' || ch == ']' || ch == '}' || ch == '>') {
      if (--depth == 0) {
        std::string p(sig.substr(start, i - start));
        while (!p.empty() && p.front() == ' ') p.erase(p.begin());
        while (!p.empty() && p.back() == ' ') p.pop_back();
        if (!p.empty()) out.push_back(p);
        break;
      }
    }
    if (ch == ',' && depth == 1) {
      std::string p(sig.substr(start, i - start));
      while (!p.empty() && p.front() == ' ') p.erase(p.begin());
      while (!p.empty() && p.back() == ' ') p.pop_back();
      out.push_back(p);
      start = i + 1;
    }
  }
  return out;
}

std::optional<SignatureResult> signature_help(const Analysis& a, uint32_t offset) {
  std::string_view text = a.source->text();
  CursorContext ctx = context_at(text, a.tokens(), offset);
  if (ctx.in_comment || ctx.in_string) return std::nullopt;
  // The innermost call paren.
  const Frame* call = nullptr;
  for (auto it = ctx.frames.rbegin(); it != ctx.frames.rend(); ++it) {
    if (it->kind == BlockKind::Paren && !it->detail.empty()) {
      call = &*it;
      break;
    }
    if (it->kind != BlockKind::Bracket && it->kind != BlockKind::Object && it->kind != BlockKind::Paren) break;
  }
  if (!call) return std::nullopt;
  // Count top-level commas between the paren and the cursor, and note a named argument being written.
  uint32_t index = 0;
  int depth = 0;
  std::string named;
  const auto& toks = a.tokens();
  for (size_t i = call->open + 1; i < toks.size() && toks[i].begin < offset; ++i) {
    std::string_view t = text.substr(toks[i].begin, toks[i].end - toks[i].begin);
    bool punct = toks[i].kind == Token::Kind::Punct || toks[i].kind == Token::Kind::InterpStart ||
                 toks[i].kind == Token::Kind::InterpEnd;
    if (punct && (t == "(" || t == "[" || t == "{" || t == "${")) ++depth;
    else if (punct && (t == ")" || t == "]" || t == "}")) --depth;
    else if (toks[i].kind == Token::Kind::InterpEnd) --depth;
    else if (depth == 0 && punct && t == ",") {
      ++index;
      named.clear();
    } else if (depth == 0 && punct && t == ":" && i > 0 &&
               (toks[i - 1].kind == Token::Kind::Ident || toks[i - 1].kind == Token::Kind::Keyword)) {
      named = std::string(text.substr(toks[i - 1].begin, toks[i - 1].end - toks[i - 1].begin));
    }
  }
  // Is the callee a method of something (`x.name(`)?
  size_t callee = call->open;  // then: one past the callee's name
  auto tok_is = [&](size_t i, std::string_view s) { return text.substr(toks[i].begin, toks[i].end - toks[i].begin) == s; };
  if (callee > 0 && tok_is(callee - 1, ">")) {  // `get<T>(`: skip the type arguments
    int depth = 0;
    size_t q = callee - 1;
    for (;; --q) {
      if (tok_is(q, ">")) ++depth;
      if (tok_is(q, "<") && --depth == 0) break;
      if (q == 0) break;
    }
    callee = q;
  }
  bool dotted = callee >= 2 && text.substr(toks[callee - 2].begin, toks[callee - 2].end - toks[callee - 2].begin) == ".";
  std::string receiver = dotted && callee >= 3 ? std::string(text.substr(toks[callee - 3].begin, toks[callee - 3].end - toks[callee - 3].begin)) : "";

  SignatureResult r;
  std::vector<LexicalDecl> decls = lexical_decls(text, a.tokens(), offset);
  const std::string& name = call->detail;
  const LexicalDecl* recv = receiver.empty() ? nullptr : find_decl(decls, receiver);
  auto add_fact = [&](const Fact& f) {
    r.signatures.push_back({std::string(f.label), std::string(f.doc), split_params(f.label)});
  };
  if (recv && recv->kind == LexicalDecl::Kind::Connection) {
    if (const Fact* m = find_fact(connection_methods(), name)) add_fact(*m);
    // An operation of an openapi connection: its named arguments.
    else if (const sema::Symbol* s = a.unit ? a.unit->checked.lookup(receiver) : nullptr)
      if (auto doc = connection_document(*s))
        if (const openapi::Operation* op = doc->find_operation(name)) {
          std::string label = operation_signature(*op);
          r.signatures.push_back({label, op->summary, split_params(label)});
        }
  } else if (const LexicalDecl* d = dotted ? nullptr : find_decl(decls, name);
             d && (d->kind == LexicalDecl::Kind::Fn || d->kind == LexicalDecl::Kind::Flow)) {
    std::string label = d->signature;
    if (label.rfind("fn ", 0) == 0) label = label.substr(3);
    if (label.rfind("flow ", 0) == 0) label = label.substr(5);
    r.signatures.push_back({label, d->doc, split_params(label)});
  } else {
    for (const auto& sig : functions::signatures())
      if (sig.name == name)
        r.signatures.push_back({std::string(sig.signature), std::string(sig.doc) + "\n\n`" + std::string(sig.example) + "`",
                                split_params(sig.signature)});
    if (r.signatures.empty()) {
      for (auto table : {builtin_functions(), auth_constructors(), backoff_constructors()})
        if (const Fact* f = find_fact(table, name)) add_fact(*f);
      if (r.signatures.empty())
        if (const Fact* f = find_fact(verify_forms(), name)) add_fact(*f);
    }
    // `x.f(a)` is `f(x, a)`: the receiver fills the first parameter.
    if (dotted) ++index;
  }
  if (r.signatures.empty()) return std::nullopt;
  // Pick the first overload with enough parameters; a named argument selects its parameter.
  for (uint32_t s = 0; s < r.signatures.size(); ++s) {
    const auto& params = r.signatures[s].params;
    bool variadic = !params.empty() && params.back().find("...") != std::string::npos;
    if (index < params.size() || variadic) {
      r.active_signature = s;
      break;
    }
  }
  const auto& params = r.signatures[r.active_signature].params;
  r.active_parameter = index;
  if (!named.empty())
    for (uint32_t p = 0; p < params.size(); ++p) {
      std::string_view pn = params[p];
      pn = pn.substr(0, pn.find_first_of(":?"));
      if (pn == named) r.active_parameter = p;
    }
  if (!params.empty() && params.back().find("...") != std::string::npos && r.active_parameter >= params.size())
    r.active_parameter = static_cast<uint32_t>(params.size() - 1);
  return r;
}

}  // namespace weft::lsp
