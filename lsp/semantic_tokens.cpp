// Semantic tokens (LSP-free): lexical classes refined by the declarations found in the text.
#include <set>

#include "lsp/context.h"
#include "lsp/features.h"
#include "lsp/knowledge.h"
#include "stdlib/functions/signatures.h"

namespace weft::lsp {

namespace {

enum Type : uint32_t {
  kNamespace, kType, kParameter, kVariable, kProperty, kFunction, kMethod, kKeyword, kComment, kString,
  kNumber, kOperator, kEnumMember, kEvent
};
enum Mod : uint32_t { kDeclaration = 1, kReadonly = 2, kDefaultLibrary = 4, kDocumentation = 8 };

}  // namespace

const std::vector<std::string>& semantic_token_types() {
  static const std::vector<std::string> t = {"namespace", "type",    "parameter", "variable", "property",
                                             "function",  "method",  "keyword",   "comment",  "string",
                                             "number",    "operator", "enumMember", "event"};
  return t;
}

const std::vector<std::string>& semantic_token_modifiers() {
  static const std::vector<std::string> m = {"declaration", "readonly", "defaultLibrary", "documentation"};
  return m;
}

std::vector<SemanticToken> semantic_tokens(const Analysis& a) {
  using K = Token::Kind;
  std::string_view text = a.source->text();
  const auto& toks = a.tokens();
  auto tx = [&](size_t i) { return text.substr(toks[i].begin, toks[i].end - toks[i].begin); };
  auto is = [&](size_t i, std::string_view s) {
    return i < toks.size() && toks[i].kind != K::String && toks[i].kind != K::Comment &&
           toks[i].kind != K::DocComment && tx(i) == s;
  };
  // Skip comments when looking at neighbours.
  auto prev_of = [&](size_t i) -> size_t {
    while (i > 0) {
      --i;
      if (toks[i].kind != K::Comment && toks[i].kind != K::DocComment) return i;
    }
    return SIZE_MAX;
  };
  auto next_of = [&](size_t i) -> size_t {
    for (++i; i < toks.size(); ++i)
      if (toks[i].kind != K::Comment && toks[i].kind != K::DocComment) return i;
    return SIZE_MAX;
  };

  std::set<std::string_view> types, fns, readonly, namespaces, params, locals, stdlib;
  for (const auto& d : top_level_decls(text, toks)) {
    std::string_view n = text.substr(d.begin, d.end - d.begin);
    switch (d.kind) {
      case LexicalDecl::Kind::Type: types.insert(n); break;
      case LexicalDecl::Kind::Fn: case LexicalDecl::Kind::Flow: fns.insert(n); break;
      case LexicalDecl::Kind::Connection: case LexicalDecl::Kind::Const: readonly.insert(n); break;
      case LexicalDecl::Kind::Import: namespaces.insert(n); break;
      default: break;
    }
  }
  for (const auto& s : functions::signatures()) stdlib.insert(s.name);
  for (auto table : {builtin_functions(), auth_constructors(), backoff_constructors(), verify_forms()})
    for (const auto& f : table) stdlib.insert(f.name);
  // Parameters of fn/flow headers and lambda parameters; locals from let/step/for/into/as.
  int depth = 0;
  bool header = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].kind == K::Comment || toks[i].kind == K::DocComment) continue;
    if (depth == 0 && (is(i, "fn") || is(i, "flow"))) header = true;
    if (is(i, "(") || is(i, "{") || is(i, "[")) ++depth;
    if ((is(i, ")") || is(i, "}") || is(i, "]")) && depth > 0) {
      --depth;
      if (depth == 0 && is(i, ")")) header = false;
    }
    if (header && depth == 1 && toks[i].kind == K::Ident && (is(prev_of(i), "(") || is(prev_of(i), ",")) &&
        is(next_of(i), ":"))
      params.insert(tx(i));
    if (toks[i].kind == K::Ident && is(next_of(i), "=>")) params.insert(tx(i));
    if (toks[i].kind == K::Ident && i > 0 &&
        (is(prev_of(i), "let") || is(prev_of(i), "step") || is(prev_of(i), "for") || is(prev_of(i), "into")))
      locals.insert(tx(i));
  }

  std::vector<SemanticToken> out;
  out.reserve(toks.size());
  bool after_catch = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    const Token& t = toks[i];
    auto push = [&](uint32_t type, uint32_t mods = 0) { out.push_back({t.begin, t.end, type, mods}); };
    size_t p = prev_of(i), n = next_of(i);
    bool after_dot = p != SIZE_MAX && (is(p, ".") || is(p, "?."));
    bool key = n != SIZE_MAX && is(n, ":") && !(p != SIZE_MAX && is(p, "?")) &&
               (p == SIZE_MAX || is(p, "{") || is(p, ",") || is(p, "(") || t.line_start);
    bool optional_key = n != SIZE_MAX && is(n, "?") && next_of(n) != SIZE_MAX && is(next_of(n), ":");
    switch (t.kind) {
      case K::Comment: push(kComment); break;
      case K::DocComment: push(kComment, kDocumentation); break;
      case K::String: push(kString); break;
      case K::Int: case K::Float: case K::Duration: push(kNumber); break;
      case K::Keyword: {
        std::string_view w = tx(i);
        if (after_dot || key) push(kProperty);
        else if (after_catch && w == "timeout") push(kEnumMember);
        else push(kKeyword);
        break;
      }
      case K::Ident: {
        std::string_view w = tx(i);
        bool call = n != SIZE_MAX && (is(n, "(") || (is(n, "<") && after_dot));
        if (after_dot) {
          push(call ? kMethod : kProperty,
               call && (stdlib.count(w) || find_fact(connection_methods(), w)) ? uint32_t{kDefaultLibrary} : 0u);
        } else if (key || optional_key) {
          push(kProperty);
        } else if (p != SIZE_MAX && is(p, "type")) {
          push(kType, kDeclaration);
        } else if (p != SIZE_MAX && (is(p, "fn") || is(p, "flow"))) {
          push(kFunction, kDeclaration);
        } else if (p != SIZE_MAX && (is(p, "connection") || is(p, "const"))) {
          push(kVariable, kDeclaration | kReadonly);
        } else if (p != SIZE_MAX && is(p, "as") && namespaces.count(w)) {
          push(kNamespace, kDeclaration);
        } else if (p != SIZE_MAX && (is(p, "let") || is(p, "step") || is(p, "for") || is(p, "into"))) {
          push(kVariable, kDeclaration);
        } else if (after_catch || (p != SIZE_MAX && is(p, "catch")) || find_fact(error_kinds(), w) ) {
          bool kind_name = find_fact(error_kinds(), w) && !locals.count(w) && !params.count(w);
          push(kind_name ? kEnumMember : kVariable);
        } else if (params.count(w)) {
          push(kParameter);
        } else if (locals.count(w)) {
          push(kVariable);
        } else if (types.count(w)) {
          push(kType);
        } else if (fns.count(w)) {
          push(kFunction);
        } else if (readonly.count(w)) {
          push(kVariable, kReadonly);
        } else if (namespaces.count(w)) {
          push(kNamespace);
        } else if (find_fact(builtin_types(), w) && !call) {
          push(kType, kDefaultLibrary);
        } else if (call && stdlib.count(w)) {
          push(kFunction, kDefaultLibrary);
        } else if (call) {
          push(kFunction);
        } else {
          push(kVariable);
        }
        break;
      }
      case K::Punct: {
        static const std::set<std::string_view> ops = {"=>", "->", "==", "!=", "<=", ">=", "&&", "||", "??", "+",
                                                       "-",  "*",  "/",  "%",  "!",  "?",  "|",  "...", "="};
        std::string_view w = tx(i);
        // `<`/`>` are comparisons when spaced, type-argument brackets otherwise (`get<T>(`).
        bool spaced = t.begin > 0 && (text[t.begin - 1] == ' ' || text[t.begin - 1] == '\t');
        if (ops.count(w) || ((w == "<" || w == ">") && spaced)) push(kOperator);
        break;
      }
      default: break;
    }
    if (t.kind != K::Comment && t.kind != K::DocComment) after_catch = is(i, "catch");
  }
  return out;
}

}  // namespace weft::lsp
