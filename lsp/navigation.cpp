// Hover, definition, references and the outline (LSP-free), from the checked program.
#include <algorithm>
#include <filesystem>

#include "compiler/sema/stdlib.h"
#include "lsp/ast_walk.h"
#include "lsp/context.h"
#include "lsp/features.h"
#include "lsp/knowledge.h"
#include "lsp/openapi.h"

namespace weft::lsp {

namespace {

using sema::SymbolKind;

std::string type_text(sema::TypeRef t) { return t ? sema::to_string(t) : std::string("?"); }

std::string fn_signature(const sema::Symbol& s) {
  std::string out = s.name + "(";
  if (s.type && s.type->kind == sema::Type::Kind::Function) {
    for (size_t i = 0; i < s.type->params.size(); ++i) {
      const auto& p = s.type->params[i];
      if (i) out += ", ";
      out += p.name + (p.variadic ? "..." : "") + (p.optional ? "?" : "") + ": " + type_text(p.type);
    }
    out += ") -> " + type_text(s.type->arg());
  } else if (s.decl) {
    for (size_t i = 0; i < s.decl->params.size(); ++i) out += (i ? ", " : "") + s.decl->params[i].name.name;
    out += ")";
  } else {
    out += ")";
  }
  return out;
}

std::string record_body(sema::TypeRef t) {
  if (!t || t->kind != sema::Type::Kind::Record) return type_text(t);
  std::string out = "{\n";
  for (const auto& f : t->fields) out += "  " + f.name + (f.optional ? "?" : "") + ": " + type_text(f.type) + "\n";
  return out + "}";
}

std::string describe(const sema::Symbol& s) {
  switch (s.kind) {
    case SymbolKind::Type:
      if (s.decl && s.decl->is_alias && s.decl->type) return "type " + s.name + " = " + s.decl->type->name;
      return "type " + s.name + " " + record_body(s.type);
    case SymbolKind::Fn: return "fn " + fn_signature(s);
    case SymbolKind::Flow: return "flow " + fn_signature(s);
    case SymbolKind::Connection: {
      std::string out = "connection " + s.name + " = http";
      if (s.module == nullptr && s.decl)
        for (const auto& st : s.decl->settings)
          if (st.name.name == "base_url" && st.value && st.value->kind == ast::Expr::Kind::String &&
              st.value->parts.size() == 1 && !st.value->parts[0].expr)
            out += "  // " + st.value->parts[0].text;
      return out;
    }
    case SymbolKind::Const: return "const " + s.name + ": " + type_text(s.type);
    case SymbolKind::Import: return "import \"" + (s.decl ? s.decl->import_path : std::string()) + "\" as " + s.name;
    case SymbolKind::Test: return "test \"" + s.name + "\"";
    case SymbolKind::Param: return "(parameter) " + s.name + ": " + type_text(s.type);
    case SymbolKind::Let: return "let " + s.name + ": " + type_text(s.type);
    case SymbolKind::Step: return "step " + s.name + ": " + type_text(s.type);
    case SymbolKind::ForItem: return "for " + s.name + ": " + type_text(s.type);
    case SymbolKind::ForIndex: return "for (index) " + s.name + ": " + type_text(s.type);
    case SymbolKind::ForInto: return "into " + s.name + ": " + type_text(s.type);
    case SymbolKind::CatchVar: return "catch as " + s.name + ": " + type_text(s.type);
    case SymbolKind::LambdaParam: return "(lambda parameter) " + s.name + ": " + type_text(s.type);
    case SymbolKind::TriggerVar: return "(trigger) " + s.name + ": " + type_text(s.type);
    case SymbolKind::Field: {
      std::string owner = s.owner ? s.owner->name + "." : "";
      bool optional = s.field && s.field->optional;
      return "(field) " + owner + s.name + (optional ? "?" : "") + ": " + type_text(s.type);
    }
  }
  return s.name;
}

std::string code_block(const std::string& code) { return "```flow\n" + code + "\n```"; }

const Token* token_at(const Analysis& a, uint32_t offset) {
  for (const auto& t : a.tokens()) {
    if (t.begin > offset) break;
    if (t.begin <= offset && offset <= t.end && (t.kind == Token::Kind::Ident || t.kind == Token::Kind::Keyword))
      return &t;
  }
  return nullptr;
}

std::string normal(const std::string& p) {
  std::string n = std::filesystem::path(p).lexically_normal().generic_string();
  return n.empty() ? p : n;
}

}  // namespace

const sema::Symbol* symbol_at(const Analysis& a, uint32_t offset) {
  if (!a.unit) return nullptr;
  return a.unit->checked.symbol_at(offset);
}

std::optional<HoverResult> hover(const Analysis& a, uint32_t offset) {
  std::string_view text = a.source->text();
  const Token* tok = token_at(a, offset);
  auto tok_text = [&](const Token& t) { return text.substr(t.begin, t.end - t.begin); };
  // Keywords (unless used as a name: after `.` or before `:`).
  if (tok && tok->kind == Token::Kind::Keyword) {
    size_t i = static_cast<size_t>(tok - a.tokens().data());
    bool after_dot = i > 0 && (tok_text(a.tokens()[i - 1]) == "." || tok_text(a.tokens()[i - 1]) == "?.");
    bool before_colon = i + 1 < a.tokens().size() && tok_text(a.tokens()[i + 1]) == ":";
    if (!after_dot && !before_colon)
      if (const Fact* f = find_fact(keyword_facts(), tok_text(*tok)))
        return HoverResult{code_block(std::string(f->label)) + "\n\n" + std::string(f->doc), tok->begin, tok->end};
  }
  // A setting name (`timeout:` in a connection, trigger, options or retry block): the settings table's entry.
  if (tok && (tok->kind == Token::Kind::Ident || tok->kind == Token::Kind::Keyword)) {
    size_t i = static_cast<size_t>(tok - a.tokens().data());
    bool before_colon = i + 1 < a.tokens().size() && tok_text(a.tokens()[i + 1]) == ":";
    CursorContext ctx = before_colon ? context_at(text, a.tokens(), tok->begin) : CursorContext{};
    const Frame* f = ctx.innermost_block();
    if (auto block = f ? settings_block(*f) : std::nullopt)
      if (const auto* s = settings::find_setting(*block, tok_text(*tok))) {
        const Fact* fact = find_fact(setting_facts(*block), s->name);
        std::string md = code_block(std::string(fact ? fact->label : s->type)) + "\n\n" + std::string(s->doc);
        if (!s->example.empty()) md += "\n\n" + code_block(std::string(s->example));
        return HoverResult{md, tok->begin, tok->end};
      }
  }
  if (a.unit) {
    const auto& checked = a.unit->checked;
    // An operation of an openapi connection: its summary, HTTP method, path and parameters.
    if (auto op = operation_at(a, offset)) return HoverResult{operation_hover(op->connection, *op->operation), op->begin, op->end};
    auto chain = exprs_at(a.unit->ast, offset);
    // The callee of a stdlib call: its signature and doc.
    for (size_t k = chain.size(); k-- > 0;) {
      const ast::Expr* e = chain[k];
      if (e->kind != ast::Expr::Kind::Call || e->operands.empty()) continue;
      const ast::Expr* callee = e->operands[0].get();
      const ast::Range& nr = callee->name_range.valid() ? callee->name_range : callee->range;
      if (!(nr.begin <= offset && offset <= nr.end)) continue;
      if (const sema::StdFunction* f = checked.std_function_of(e)) {
        std::string md = code_block(f->signature) + "\n\n" + f->doc;
        for (const auto& sig : functions::signatures())
          if (sig.signature == f->signature && !sig.example.empty()) md += "\n\n" + code_block(std::string(sig.example));
        return HoverResult{md, nr.begin, nr.end};
      }
      // `crm.get(...)`: the connection method.
      if (callee->kind == ast::Expr::Kind::Member && !callee->operands.empty()) {
        const sema::Symbol* recv = checked.symbol_of(callee->operands[0].get());
        if (recv && recv->kind == SymbolKind::Connection)
          if (const Fact* m = find_fact(connection_methods(), callee->name))
            return HoverResult{code_block(recv->name + "." + std::string(m->label)) + "\n\n" + std::string(m->doc),
                               nr.begin, nr.end};
      }
      break;
    }
    if (const sema::Symbol* s = checked.symbol_at(offset)) {
      std::string md = code_block(describe(*s));
      if (!s->doc.empty()) md += "\n\n" + s->doc;
      uint32_t b = tok ? tok->begin : offset, e = tok ? tok->end : offset;
      return HoverResult{md, b, e};
    }
    // Built-in type names and constructors.
    if (tok && tok->kind == Token::Kind::Ident) {
      std::string_view w = tok_text(*tok);
      for (auto table : {builtin_types(), builtin_functions(), auth_constructors(), verify_forms(), backoff_constructors(),
                         error_kinds()})
        if (const Fact* f = find_fact(table, w))
          return HoverResult{code_block(std::string(f->label)) + "\n\n" + std::string(f->doc), tok->begin, tok->end};
    }
    // Any other expression: its type.
    for (size_t k = chain.size(); k-- > 0;) {
      sema::TypeRef t = checked.type_of(chain[k]);
      if (!t) continue;
      const auto& r = chain[k]->range;
      std::string snippet(text.substr(r.begin, std::min<uint32_t>(r.end - r.begin, 60)));
      if (r.end - r.begin > 60) snippet += "…";
      std::replace(snippet.begin(), snippet.end(), '\n', ' ');
      return HoverResult{code_block(type_text(t)) + "\n\n`" + snippet + "`", r.begin, r.end};
    }
  }
  if (tok && tok->kind == Token::Kind::Ident) {
    std::string_view w = tok_text(*tok);
    for (const auto& sig : functions::signatures())
      if (sig.name == w)
        return HoverResult{code_block(std::string(sig.signature)) + "\n\n" + std::string(sig.doc), tok->begin, tok->end};
  }
  return std::nullopt;
}

std::optional<diagnostics::Range> definition(const Analysis& a, uint32_t offset) {
  const sema::Symbol* s = symbol_at(a, offset);
  if (!s) return std::nullopt;
  if (s->kind == SymbolKind::Import) {
    // On the alias's use: the imported file; on the declaration itself: also the file.
    if (s->module && s->module->source) return diagnostics::Range{s->module->source.get(), 0, 0};
  }
  if (s->kind == SymbolKind::TriggerVar || !s->range.valid()) return std::nullopt;
  return s->range;
}

std::optional<SymbolKey> key_of(const sema::Symbol& s) {
  if (s.kind == SymbolKind::TriggerVar || !s.range.valid()) return std::nullopt;
  return SymbolKey{normal(s.range.file->path()), s.range.begin, s.name, s.kind};
}

std::vector<diagnostics::Range> references_in(const Analysis& a, const SymbolKey& key, bool include_declaration) {
  std::vector<diagnostics::Range> out;
  if (!a.program) return out;
  const sema::Symbol* target = nullptr;
  for (const auto& m : a.program->modules) {
    if (normal(m->source->path()) != key.path) continue;
    for (const auto& s : m->checked.symbols)
      if (s.range.begin == key.begin && s.name == key.name && s.range.file == m->source.get() && s.kind == key.kind) {
        target = &s;
        break;
      }
  }
  if (!target) return out;
  if (include_declaration) out.push_back(target->range);
  for (const auto& r : a.program->references_to(target))
    if (!(r.file == target->range.file && r.begin == target->range.begin)) out.push_back(r);
  return out;
}

namespace {

void outline_block(const ast::Block& b, std::vector<OutlineItem>& out, const sema::CheckedModule& checked, int depth);

void outline_stmt(const ast::Stmt& s, std::vector<OutlineItem>& out, const sema::CheckedModule& checked, int depth) {
  if (depth > 64) return;
  auto item = [&](OutlineKind k, const ast::Ident& name, std::string detail) {
    OutlineItem it{name.name, std::move(detail), k, s.range.begin, s.range.end, name.range.begin, name.range.end, {}};
    if (!name.range.valid()) it.sel_begin = s.range.begin, it.sel_end = s.range.begin;
    return it;
  };
  switch (s.kind) {
    case ast::Stmt::Kind::Step: {
      std::string detail;
      if (const sema::Symbol* sym = checked.symbol_at(s.name.range.begin); sym && sym->kind == SymbolKind::Step)
        detail = type_text(sym->type);
      out.push_back(item(OutlineKind::Step, s.name, detail));
      break;
    }
    case ast::Stmt::Kind::Let:
      if (depth == 0) out.push_back(item(OutlineKind::Let, s.name, {}));
      break;
    default: break;
  }
  outline_block(s.then, out, checked, depth + 1);
  if (s.else_block) outline_block(*s.else_block, out, checked, depth + 1);
  for (const auto& c : s.cases) outline_block(c.body, out, checked, depth + 1);
  for (const auto& c : s.catches) outline_block(c.body, out, checked, depth + 1);
  for (const auto& br : s.branches) outline_block(br.body, out, checked, depth + 1);
}

void outline_block(const ast::Block& b, std::vector<OutlineItem>& out, const sema::CheckedModule& checked, int depth) {
  for (const auto& s : b.stmts)
    if (s) outline_stmt(*s, out, checked, depth);
}

}  // namespace

std::vector<OutlineItem> outline(const Analysis& a) {
  std::vector<OutlineItem> out;
  if (!a.unit) return out;
  const auto& checked = a.unit->checked;
  std::string_view text = a.source->text();
  for (const auto& d : a.unit->ast.decls) {
    OutlineItem it;
    it.name = d.name.name;
    it.begin = d.range.begin;
    it.end = d.range.end;
    it.sel_begin = d.name.range.valid() ? d.name.range.begin : d.range.begin;
    it.sel_end = d.name.range.valid() ? d.name.range.end : d.range.begin;
    const sema::Symbol* sym = d.name.range.valid() ? checked.symbol_at(d.name.range.begin) : nullptr;
    switch (d.kind) {
      case ast::Decl::Kind::Import: it.kind = OutlineKind::Import; it.detail = d.import_path; break;
      case ast::Decl::Kind::Type:
        it.kind = OutlineKind::Type;
        if (d.type && d.type->kind == ast::TypeExpr::Kind::Record && !d.is_alias)
          for (const auto& f : d.type->fields) {
            std::string ft = f.type ? std::string(text.substr(f.type->range.begin, f.type->range.end - f.type->range.begin)) : "";
            it.children.push_back({f.name.name, ft, OutlineKind::Field, f.range.begin, f.range.end, f.name.range.begin,
                                   f.name.range.end, {}});
          }
        break;
      case ast::Decl::Kind::Const: it.kind = OutlineKind::Const; if (sym) it.detail = type_text(sym->type); break;
      case ast::Decl::Kind::Fn: it.kind = OutlineKind::Fn; if (sym) it.detail = fn_signature(*sym).substr(sym->name.size()); break;
      case ast::Decl::Kind::Connection: it.kind = OutlineKind::Connection; it.detail = d.connection_kind; break;
      case ast::Decl::Kind::Flow:
        it.kind = OutlineKind::Flow;
        if (sym) it.detail = fn_signature(*sym).substr(sym->name.size());
        for (const auto& t : d.triggers) {
          static constexpr const char* names[] = {"webhook", "schedule", "poll", "event"};
          std::string name = std::string("on ") + names[static_cast<int>(t.kind)];
          std::string subject;
          if (t.subject && t.subject->kind == ast::Expr::Kind::String && t.subject->parts.size() == 1 && !t.subject->parts[0].expr)
            subject = t.subject->parts[0].text;
          it.children.push_back({name, subject, OutlineKind::Trigger, t.range.begin, t.range.end, t.keyword_range.begin,
                                 t.keyword_range.end, {}});
        }
        if (d.body) outline_block(*d.body, it.children, checked, 0);
        break;
      case ast::Decl::Kind::Test:
        it.kind = OutlineKind::Test;
        if (d.body) outline_block(*d.body, it.children, checked, 0);
        break;
    }
    if (it.name.empty()) it.name = "?";
    if (it.sel_begin < it.begin || it.sel_end > it.end) it.sel_begin = it.sel_end = it.begin;
    for (auto& c : it.children)
      if (c.sel_begin < c.begin || c.sel_end > c.end) c.sel_begin = c.sel_end = c.begin;
    out.push_back(std::move(it));
  }
  return out;
}

bool valid_identifier(std::string_view name) {
  if (name.empty()) return false;
  auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!start(name[0])) return false;
  for (char c : name)
    if (!start(c) && !(c >= '0' && c <= '9')) return false;
  return !is_keyword(name);
}

}  // namespace weft::lsp
