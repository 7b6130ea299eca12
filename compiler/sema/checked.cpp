#include "compiler/sema/checked.h"

namespace weft::sema {

std::string_view kind_name(SymbolKind k) {
  switch (k) {
    case SymbolKind::Import: return "import";
    case SymbolKind::Type: return "type";
    case SymbolKind::Const: return "const";
    case SymbolKind::Fn: return "fn";
    case SymbolKind::Connection: return "connection";
    case SymbolKind::Flow: return "flow";
    case SymbolKind::Test: return "test";
    case SymbolKind::Param: return "parameter";
    case SymbolKind::Let: return "let";
    case SymbolKind::Step: return "step";
    case SymbolKind::ForItem: return "loop item";
    case SymbolKind::ForIndex: return "loop index";
    case SymbolKind::ForInto: return "loop results";
    case SymbolKind::CatchVar: return "caught error";
    case SymbolKind::LambdaParam: return "lambda parameter";
    case SymbolKind::TriggerVar: return "trigger value";
    case SymbolKind::Field: return "field";
  }
  return "name";
}

template <class M, class K>
static auto find_or_null(const M& m, K k) -> typename M::mapped_type {
  auto it = m.find(k);
  return it == m.end() ? nullptr : it->second;
}

TypeRef CheckedModule::type_of(const ast::Expr* e) const { return find_or_null(expr_types, e); }
TypeRef CheckedModule::type_of(const ast::TypeExpr* t) const { return find_or_null(type_exprs, t); }
const Symbol* CheckedModule::symbol_of(const ast::Expr* e) const { return find_or_null(expr_symbols, e); }
const Symbol* CheckedModule::symbol_of(const ast::TypeExpr* t) const { return find_or_null(type_symbols, t); }
const StdFunction* CheckedModule::std_function_of(const ast::Expr* call) const { return find_or_null(std_calls, call); }

const Symbol* CheckedModule::lookup(std::string_view name) const {
  auto it = top_level.find(std::string(name));
  return it == top_level.end() ? nullptr : it->second;
}

std::vector<diagnostics::Range> CheckedModule::references_to(const Symbol* s) const {
  std::vector<diagnostics::Range> out;
  for (const auto& r : references)
    if (r.symbol == s) out.push_back(r.range);
  return out;
}

const Symbol* CheckedModule::symbol_at(uint32_t offset) const {
  const Symbol* best = nullptr;
  uint32_t best_len = UINT32_MAX;
  for (const auto& s : symbols)
    if (s.range.file == source.get() && s.range.begin <= offset && offset <= s.range.end &&
        s.range.end - s.range.begin < best_len && s.kind != SymbolKind::TriggerVar)
      best = &s, best_len = s.range.end - s.range.begin;
  for (const auto& r : references)
    if (r.range.file == source.get() && r.range.begin <= offset && offset <= r.range.end &&
        r.range.end - r.range.begin < best_len)
      best = r.symbol, best_len = r.range.end - r.range.begin;
  return best;
}

std::vector<const Symbol*> CheckedModule::locals_at(uint32_t offset) const {
  std::vector<const Symbol*> out;
  for (const auto& s : symbols) {
    switch (s.kind) {
      case SymbolKind::Import: case SymbolKind::Type: case SymbolKind::Const: case SymbolKind::Fn:
      case SymbolKind::Connection: case SymbolKind::Flow: case SymbolKind::Test: case SymbolKind::Field:
        continue;
      default: break;
    }
    if (s.scope.file == source.get() && s.scope.begin <= offset && offset <= s.scope.end) out.push_back(&s);
  }
  return out;
}

const FlowInfo* CheckedModule::flow(std::string_view name) const {
  for (const auto& f : flows)
    if (f.name == name) return &f;
  return nullptr;
}

const ConnectionInfo* CheckedModule::connection(std::string_view name) const {
  for (const auto& c : connections)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace weft::sema
