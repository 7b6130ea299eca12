#include "lsp/ast_walk.h"

namespace weft::lsp {

namespace {

struct Walker {
  const std::function<void(const ast::Expr&)>* on_expr = nullptr;
  const std::function<void(const ast::Stmt&)>* on_stmt = nullptr;
  unsigned depth = 0;

  void expr(const ast::ExprPtr& e) {
    if (e) expr(*e);
  }
  void expr(const ast::Expr& e) {
    if (depth > 400) return;  // the parser caps nesting; stay safe regardless
    ++depth;
    if (on_expr) (*on_expr)(e);
    for (const auto& op : e.operands) expr(op);
    for (const auto& a : e.args) expr(a.value);
    for (const auto& p : e.parts) expr(p.expr);
    for (const auto& en : e.entries) expr(en.value);
    --depth;
  }
  void block(const ast::Block& b) {
    for (const auto& s : b.stmts)
      if (s) stmt(*s);
  }
  void stmt(const ast::Stmt& s) {
    if (depth > 400) return;
    ++depth;
    if (on_stmt) (*on_stmt)(s);
    expr(s.value);
    expr(s.target);
    expr(s.retry);
    expr(s.timeout);
    expr(s.compensate);
    expr(s.concurrency);
    expr(s.with);
    expr(s.where);
    block(s.then);
    if (s.else_block) block(*s.else_block);
    for (const auto& c : s.cases) {
      for (const auto& v : c.values) expr(v);
      block(c.body);
    }
    for (const auto& c : s.catches) {
      expr(c.where);
      block(c.body);
    }
    for (const auto& b : s.branches) block(b.body);
    --depth;
  }
  void decl(const ast::Decl& d) {
    expr(d.value);
    for (const auto& p : d.params) expr(p.default_value);
    if (d.body) block(*d.body);
    for (const auto& s : d.settings) expr(s.value);
    for (const auto& t : d.triggers) {
      expr(t.subject);
      expr(t.every);
      for (const auto& s : t.settings) expr(s.value);
    }
    for (const auto& s : d.options) expr(s.value);
  }
};

}  // namespace

void for_each_expr(const ast::Module& m, const std::function<void(const ast::Expr&)>& f) {
  Walker w;
  w.on_expr = &f;
  for (const auto& d : m.decls) w.decl(d);
}

std::vector<const ast::Expr*> exprs_at(const ast::Module& m, uint32_t offset) {
  std::vector<const ast::Expr*> out;
  const ast::Decl* d = decl_at(m, offset);
  if (!d) return out;
  std::function<void(const ast::Expr&)> f = [&](const ast::Expr& e) {
    if (e.range.valid() && e.range.begin <= offset && offset <= e.range.end) {
      // Parents come first; keep only a chain (drop siblings that ended before this one).
      while (!out.empty() && !(out.back()->range.begin <= e.range.begin && e.range.end <= out.back()->range.end))
        out.pop_back();
      out.push_back(&e);
    }
  };
  Walker w;
  w.on_expr = &f;
  w.decl(*d);
  return out;
}

std::vector<const ast::Stmt*> stmts_at(const ast::Module& m, uint32_t offset) {
  std::vector<const ast::Stmt*> out;
  const ast::Decl* d = decl_at(m, offset);
  if (!d) return out;
  std::function<void(const ast::Stmt&)> f = [&](const ast::Stmt& s) {
    if (s.range.valid() && s.range.begin <= offset && offset <= s.range.end) {
      while (!out.empty() && !(out.back()->range.begin <= s.range.begin && s.range.end <= out.back()->range.end))
        out.pop_back();
      out.push_back(&s);
    }
  };
  Walker w;
  w.on_stmt = &f;
  w.decl(*d);
  return out;
}

const ast::Decl* decl_at(const ast::Module& m, uint32_t offset) {
  for (const auto& d : m.decls)
    if (d.range.begin <= offset && offset <= d.range.end) return &d;
  return nullptr;
}

}  // namespace weft::lsp
