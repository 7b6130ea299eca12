// Runs the generated parser on one chunk, turns syntax errors into diagnostics in the user's terms
// (one per statement), and converts the parse tree into the AST. Statements, settings and other
// pieces whose subtree holds an error are left out, so the AST never holds a half-parsed node.
#include <algorithm>
#include <unordered_map>

#include <antlr4-runtime.h>

#include "WeftLexer.h"
#include "WeftParser.h"
#include "compiler/syntax/internal.h"

namespace weft::syntax::detail {

using P = weft_grammar::WeftParser;
using antlr4::Token;
using antlr4::tree::ParseTree;
using antlr4::tree::TerminalNode;
using diagnostics::Code;

namespace {

// ------------------------------------------------------------------ error reporting

enum class ErrorKind { Mismatch, Unwanted, Missing };

class Reporter;

class Strategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit Strategy(Reporter& r) : r_(r) {}

 protected:
  void reportNoViableAlternative(antlr4::Parser* p, const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* p, const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(antlr4::Parser* p, const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* p) override;
  void reportMissingToken(antlr4::Parser* p) override;
  // Never deletes a statement separator to make the current rule fit: a newline ends the
  // statement that has the error, and the next line parses on its own.
  Token* singleTokenDeletion(antlr4::Parser* p) override {
    if (p->getCurrentToken()->getType() == static_cast<size_t>(P::NL) ||
        p->getCurrentToken()->getType() == static_cast<size_t>(P::SEMI))
      return nullptr;
    return DefaultErrorStrategy::singleTokenDeletion(p);
  }

 private:
  Reporter& r_;
};

bool is_operator(int t) {
  switch (t) {
    case P::DOT: case P::QDOT: case P::LBRACK: case P::LPAREN: case P::TYPE_ARGS: case P::LT: case P::LE: case P::GT: case P::GE:
    case P::EQ: case P::NEQ: case P::PLUS: case P::MINUS: case P::STAR: case P::SLASH: case P::PERCENT:
    case P::ANDAND: case P::OROR: case P::QQ: case P::QUESTION:
      return true;
    default:
      return false;
  }
}

bool is_expression_set(const antlr4::misc::IntervalSet& s) {
  return s.contains(static_cast<size_t>(P::INT)) && s.contains(static_cast<size_t>(P::ID)) && s.contains(static_cast<size_t>(P::LPAREN)) && s.contains(static_cast<size_t>(P::STRING));
}

class Reporter {
 public:
  Reporter(Context& cx, const Chunk& chunk) : cx_(cx), chunk_(chunk) {
    int seg = 0;
    segment_.reserve(chunk.toks.size());
    for (const Tok& t : chunk.toks) {
      segment_.push_back(seg);
      if (t.type == P::NL || t.type == P::SEMI) ++seg;
    }
  }

  const Tok& tok(size_t index) const {
    return chunk_.toks[std::min(index, chunk_.toks.size() - 1)];
  }

  void error(antlr4::Parser* p, Token* offending, const antlr4::misc::IntervalSet& expected, ErrorKind kind) {
    any_error = true;
    size_t idx = offending ? offending->getTokenIndex() : chunk_.toks.size() - 1;
    if (idx == INVALID_INDEX || idx >= chunk_.toks.size()) idx = chunk_.toks.size() - 1;
    int seg = segment_[idx];
    if (std::find(done_.begin(), done_.end(), seg) != done_.end()) return;
    done_.push_back(seg);
    // A segment that already holds an error (lexical, bracket) gets no second one.
    uint32_t seg_begin = idx, seg_end = idx;
    {
      size_t b = idx, e = idx;
      while (b > 0 && segment_[b - 1] == seg) --b;
      while (e + 1 < chunk_.toks.size() && segment_[e + 1] == seg) ++e;
      seg_begin = chunk_.toks[b].begin;
      seg_end = chunk_.toks[e].end;
    }
    for (const auto& [b, e] : cx_.covered)
      if ((b >= seg_begin && b <= seg_end) || (tok(idx).begin >= b && tok(idx).begin < e)) return;

    const Tok& found = tok(idx);
    const Tok* prev = idx > 0 ? &chunk_.toks[idx - 1] : nullptr;
    if (prev && prev->type == P::NL) prev = nullptr;
    std::string found_text = found.type == kEof ? chunk_.eof_what : describe_token(cx_, found);
    // The expected thing is missing at the end of a line: point right after the previous token.
    bool found_is_gap = found.type == kEof || found.type == P::NL || found.synthetic ||
                        (prev && cx_.file->line_col(found.begin).line != cx_.file->line_col(prev->end).line);

    auto has = [&](int t) { return expected.contains(static_cast<size_t>(t)); };
    std::string want;
    bool category = false;
    size_t rule = p && p->getContext() ? p->getContext()->getRuleIndex() : 0;
    if (has(P::ID) && has(P::KW_TIMEOUT) && has(P::KW_IMPORT) && !has(P::INT)) {
      want = "a name";
      category = true;
    } else if (has(P::KW_LET) && has(P::KW_STEP)) {
      want = has(P::KW_ON) ? "a trigger, `options` or a statement" : "a statement";
      category = true;
    } else if (is_expression_set(expected)) {
      want = "an expression";
      category = true;
    } else if (has(P::ID) && has(P::LBRACK) && has(P::LBRACE) &&
               (rule == P::RuleTypeExpr || rule == P::RuleFieldDecl || rule == P::RuleParam ||
                rule == P::RuleTypeDecl || rule == P::RuleFnDecl || rule == P::RuleFlowDecl)) {
      want = "a type";
      category = true;
    } else {
      // Name the few tokens that can come next, leaving out operators that could extend an
      // expression (`foo(a b)` says "expected `,` or `)`").
      std::vector<std::string> names;
      for (size_t t : expected.toList()) {
        if (is_operator(static_cast<int>(t))) continue;
        std::string w = words(p, t);
        if (!w.empty() && std::find(names.begin(), names.end(), w) == names.end()) names.push_back(w);
      }
      if (!names.empty() && names.size() <= 4) {
        for (size_t k = 0; k < names.size(); ++k) {
          if (k > 0) want += k + 1 == names.size() ? " or " : ", ";
          want += names[k];
        }
      }
    }

    // After an argument or an item, a comma could also have come (the parser already left the list).
    if ((want == "`)`" || want == "`]`") && prev && prev->type != P::LPAREN && prev->type != P::LBRACK &&
        prev->type != P::COMMA)
      want = "`,` or " + want;

    std::string msg;
    if (want.empty()) {
      msg = "unexpected " + found_text;
    } else if (found_is_gap) {
      msg = "expected " + want + (prev ? " after " + describe_token(cx_, *prev) : "");
    } else {
      msg = "expected " + want;
      if (prev && (category || kind == ErrorKind::Missing)) msg += " after " + describe_token(cx_, *prev);
      msg += ", found " + found_text;
    }
    uint32_t at = found_is_gap && prev ? prev->end : found.begin;
    uint32_t to = found_is_gap ? at : found.end;
    std::string label = want.empty() ? "unexpected here" : "expected " + want;
    cx_.diags->add(Code::E0001, cx_.range(at, to), msg, label);
  }

  bool any_error = false;

 private:
  static std::string words(antlr4::Parser* p, size_t t) {
    switch (t) {
      case Token::EOF: return "end of input";
      case P::ID: return "a name";
      case P::STRING: case P::TRIPLE_STRING: return "a string";
      case P::INT: case P::FLOAT: return "a number";
      case P::DURATION: return "a duration";
      case P::NL: return "a new line";
      case P::BAD_NUMBER: case P::UNTERMINATED_STRING: case P::UNTERMINATED_TRIPLE: case P::ERROR_CHAR:
        return "";
      default: break;
    }
    if (!p) return "";
    std::string lit = p->getVocabulary().getLiteralName(t);
    if (lit.size() >= 2 && lit.front() == '\'') return "`" + lit.substr(1, lit.size() - 2) + "`";
    return "";
  }

  Context& cx_;
  const Chunk& chunk_;
  std::vector<int> segment_;
  std::vector<int> done_;
};

void Strategy::reportNoViableAlternative(antlr4::Parser* p, const antlr4::NoViableAltException& e) {
  r_.error(p, e.getOffendingToken(), e.getExpectedTokens(), ErrorKind::Mismatch);
}
void Strategy::reportInputMismatch(antlr4::Parser* p, const antlr4::InputMismatchException& e) {
  r_.error(p, e.getOffendingToken(), e.getExpectedTokens(), ErrorKind::Mismatch);
}
void Strategy::reportFailedPredicate(antlr4::Parser* p, const antlr4::FailedPredicateException& e) {
  r_.error(p, e.getOffendingToken(), e.getExpectedTokens(), ErrorKind::Mismatch);
}
void Strategy::reportUnwantedToken(antlr4::Parser* p) {
  if (inErrorRecoveryMode(p)) return;
  beginErrorCondition(p);
  r_.error(p, p->getCurrentToken(), getExpectedTokens(p), ErrorKind::Unwanted);
}
void Strategy::reportMissingToken(antlr4::Parser* p) {
  if (inErrorRecoveryMode(p)) return;
  beginErrorCondition(p);
  r_.error(p, p->getCurrentToken(), getExpectedTokens(p), ErrorKind::Missing);
}


// ------------------------------------------------------------------ parse tree → AST

class Builder {
 public:
  Builder(Context& cx, const Chunk& chunk, unsigned depth_base)
      : cx_(cx), chunk_(chunk), depth_(depth_base) {}

  /// Marks every context whose subtree holds an error node or a failed rule.
  void mark_errors(ParseTree* root) {
    std::vector<ParseTree*> stack{root};
    while (!stack.empty()) {
      ParseTree* n = stack.back();
      stack.pop_back();
      bool err = dynamic_cast<antlr4::tree::ErrorNode*>(n) != nullptr;
      if (auto* rc = dynamic_cast<antlr4::ParserRuleContext*>(n); rc && rc->exception) err = true;
      if (err)
        for (ParseTree* a = n; a && bad_.insert(a).second; a = a->parent) {
        }
      for (ParseTree* c : n->children) stack.push_back(c);
    }
  }
  bool bad(const ParseTree* t) const { return t == nullptr || bad_.count(t) > 0; }

  std::optional<ast::Decl> decl(P::DeclContext* c);
  ast::ExprPtr interpolation(P::InterpolationContext* c) {
    if (bad(c) || !c->expr()) return nullptr;
    return expr(c->expr());
  }

 private:
  // ---- ranges
  const Tok& tok(Token* t) const {
    size_t i = t ? t->getTokenIndex() : INVALID_INDEX;
    return chunk_.toks[i < chunk_.toks.size() ? i : chunk_.toks.size() - 1];
  }
  diagnostics::Range range(Token* t) const { return cx_.range(tok(t).begin, tok(t).end); }
  diagnostics::Range range(TerminalNode* n) const { return n ? range(n->getSymbol()) : cx_.range(0, 0); }
  diagnostics::Range range(antlr4::ParserRuleContext* c) const {
    if (!c || !c->getStart()) return cx_.range(0, 0);
    uint32_t b = tok(c->getStart()).begin;
    uint32_t e = c->getStop() && c->getStop()->getTokenIndex() >= c->getStart()->getTokenIndex() &&
                         c->getStop()->getTokenIndex() != INVALID_INDEX
                     ? tok(c->getStop()).end
                     : b;
    return cx_.range(b, std::max(b, e));
  }
  std::string text(Token* t) const { return std::string(cx_.slice(tok(t).begin, tok(t).end)); }
  ast::Ident ident(TerminalNode* n) const {
    if (!n) return {};
    return {text(n->getSymbol()), range(n)};
  }
  ast::Ident ident(P::AnyNameContext* c) const {
    if (!c) return {};
    return {text(c->getStart()), range(c)};
  }
  std::string doc_before(uint32_t offset) const {
    std::vector<std::string> lines;
    uint32_t p = offset;
    for (;;) {
      while (p > 0 && (cx_.text[p - 1] == ' ' || cx_.text[p - 1] == '\t' || cx_.text[p - 1] == '\r' ||
                       cx_.text[p - 1] == '\n'))
        --p;
      auto it = cx_.doc_by_end.find(p);
      if (it == cx_.doc_by_end.end()) break;
      const ast::Comment& c = cx_.module->comments[it->second];
      std::string t = c.text.substr(3);
      if (!t.empty() && t[0] == ' ') t.erase(0, 1);
      while (!t.empty() && (t.back() == '\r' || t.back() == ' ')) t.pop_back();
      lines.push_back(t);
      p = c.range.begin;
    }
    std::string out;
    for (size_t i = lines.size(); i-- > 0;) {
      out += lines[i];
      if (i) out += '\n';
    }
    return out;
  }

  // ---- strings
  // A string token without interpolation (titles, paths, keys); reports `${` use.
  std::string plain_string(Token* t, const char* what) {
    auto parts = decode_string(cx_, tok(t).begin, tok(t).end);
    std::string out;
    for (auto& p : parts) {
      if (p.interp) {
        cx_.diags->add(Code::E0001, cx_.range(p.begin, p.end), std::string(what) + " cannot use `${...}`",
                       "interpolation not allowed here");
        continue;
      }
      out += p.text;
    }
    return out;
  }
  ast::ExprPtr string_expr(Token* t) {
    auto e = node(ast::Expr::Kind::String, range(t));
    for (auto& p : decode_string(cx_, tok(t).begin, tok(t).end)) {
      ast::StringPart part;
      part.range = cx_.range(p.begin, p.end);
      if (p.interp) {
        unsigned left = depth_ < cx_.max_depth ? cx_.max_depth - depth_ : 0;
        if (left == 0) {
          cx_.diags->add(Code::E0006, part.range,
                         "nesting too deep: more than " + std::to_string(cx_.max_depth) + " levels",
                         "nested too deeply");
          continue;
        }
        part.expr = parse_interpolation(cx_, p.expr_begin, p.expr_end, left);
        if (!part.expr) {
          // Keep the piece (as an empty text) so ranges still cover it; the error is reported.
          continue;
        }
      } else {
        part.text = std::move(p.text);
      }
      e->parts.push_back(std::move(part));
    }
    return e;
  }

  static ast::ExprPtr node(ast::Expr::Kind k, diagnostics::Range r) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = k;
    e->range = r;
    return e;
  }
  ast::ExprPtr placeholder(antlr4::ParserRuleContext* c) { return node(ast::Expr::Kind::Null, range(c)); }

  // ---- expressions
  struct DepthGuard {
    unsigned& d;
    explicit DepthGuard(unsigned& x) : d(x) { ++d; }
    ~DepthGuard() { --d; }
  };

  ast::ExprPtr expr(P::ExprContext* c) {
    if (!c) return node(ast::Expr::Kind::Null, cx_.range(0, 0));
    DepthGuard g(depth_);
    if (auto* l = dynamic_cast<P::LambdaExprContext*>(c)) {
      auto e = node(ast::Expr::Kind::Lambda, range(c));
      if (auto* ps = l->lambdaParams())
        for (auto* id : ps->ID()) e->params.push_back(ident(id));
      e->operands.push_back(expr(l->expr()));
      return e;
    }
    if (auto* o = dynamic_cast<P::OperatorExprContext*>(c)) return op(o->opExpr());
    return placeholder(c);
  }

  std::vector<ast::Arg> args(P::ArgListContext* c) {
    std::vector<ast::Arg> out;
    if (!c) return out;
    for (auto* a : c->arg()) {
      ast::Arg arg;
      arg.range = range(a);
      if (a->anyName()) arg.name = ident(a->anyName());
      arg.value = expr(a->expr());
      out.push_back(std::move(arg));
    }
    return out;
  }

  ast::ExprPtr op(P::OpExprContext* c) {
    using K = ast::Expr::Kind;
    if (!c) return node(K::Null, cx_.range(0, 0));
    DepthGuard g(depth_);
    if (auto* p = dynamic_cast<P::PrimaryExprContext*>(c)) return primary(p->primary());
    if (auto* m = dynamic_cast<P::MemberExprContext*>(c)) {
      auto e = node(K::Member, range(c));
      e->operands.push_back(op(m->opExpr()));
      auto id = ident(m->anyName());
      e->name = id.name;
      e->name_range = id.range;
      return e;
    }
    if (auto* m = dynamic_cast<P::OptMemberExprContext*>(c)) {
      auto e = node(K::OptMember, range(c));
      e->operands.push_back(op(m->opExpr()));
      auto id = ident(m->anyName());
      e->name = id.name;
      e->name_range = id.range;
      return e;
    }
    if (auto* m = dynamic_cast<P::IndexExprContext*>(c)) {
      auto e = node(K::Index, range(c));
      e->operands.push_back(op(m->opExpr()));
      e->operands.push_back(expr(m->expr()));
      return e;
    }
    if (auto* m = dynamic_cast<P::GenericCallExprContext*>(c)) {
      auto e = node(K::Call, range(c));
      e->operands.push_back(op(m->opExpr()));
      for (auto* t : m->typeExpr()) e->type_args.push_back(type(t));  // sema wants exactly one
      e->args = args(m->argList());
      return e;
    }
    if (auto* m = dynamic_cast<P::CallExprContext*>(c)) {
      auto e = node(K::Call, range(c));
      e->operands.push_back(op(m->opExpr()));
      e->args = args(m->argList());
      return e;
    }
    if (auto* m = dynamic_cast<P::UnaryExprContext*>(c)) {
      auto e = node(K::Unary, range(c));
      e->name = text(m->op);
      e->name_range = range(m->op);
      e->operands.push_back(op(m->opExpr()));
      return e;
    }
    if (auto* m = dynamic_cast<P::DurableExprContext*>(c)) {
      std::string kw = text(m->op);
      K k = kw == "run" ? K::Run : kw == "start" ? K::Start : K::Await;
      auto e = node(k, range(c));
      auto inner = op(m->opExpr());
      if (k != K::Await && inner->kind != K::Call) {
        cx_.diags->add(Code::E0001, inner->range, "expected a flow call after `" + kw + "`, like `" + kw +
                                                      " other_flow(input)`",
                       "not a call");
      }
      e->operands.push_back(std::move(inner));
      return e;
    }
    if (auto* m = dynamic_cast<P::BinaryExprContext*>(c)) {
      auto e = node(K::Binary, range(c));
      e->name = text(m->op);
      e->name_range = range(m->op);
      // Left-deep chains (`a + b + c`) are walked iteratively on the left.
      e->operands.push_back(op(m->opExpr(0)));
      e->operands.push_back(op(m->opExpr(1)));
      return e;
    }
    if (auto* m = dynamic_cast<P::CondExprContext*>(c)) {
      auto e = node(K::Conditional, range(c));
      e->operands.push_back(op(m->opExpr()));
      e->operands.push_back(expr(m->expr(0)));
      e->operands.push_back(expr(m->expr(1)));
      return e;
    }
    return placeholder(c);
  }

  ast::ExprPtr primary(P::PrimaryContext* c) {
    using K = ast::Expr::Kind;
    if (!c) return node(K::Null, cx_.range(0, 0));
    if (auto* p = dynamic_cast<P::IntLitContext*>(c)) {
      auto e = node(K::Int, range(c));
      e->int_value = decode_int(cx_, tok(p->INT()->getSymbol()).begin, tok(p->INT()->getSymbol()).end);
      return e;
    }
    if (auto* p = dynamic_cast<P::FloatLitContext*>(c)) {
      auto e = node(K::Float, range(c));
      e->float_value = decode_float(cx_, tok(p->FLOAT()->getSymbol()).begin, tok(p->FLOAT()->getSymbol()).end);
      return e;
    }
    if (auto* p = dynamic_cast<P::DurationLitContext*>(c)) {
      auto e = node(K::Duration, range(c));
      e->duration_ms =
          decode_duration(cx_, tok(p->DURATION()->getSymbol()).begin, tok(p->DURATION()->getSymbol()).end);
      return e;
    }
    if (dynamic_cast<P::StringLitContext*>(c)) return string_expr(c->getStart());
    if (auto* p = dynamic_cast<P::BoolLitContext*>(c)) {
      auto e = node(K::Bool, range(c));
      e->bool_value = p->KW_TRUE() != nullptr;
      return e;
    }
    if (dynamic_cast<P::NullLitContext*>(c)) return node(K::Null, range(c));
    if (auto* p = dynamic_cast<P::NameRefContext*>(c)) {
      auto e = node(K::Name, range(c));
      e->name = text(p->getStart());
      e->name_range = range(c);
      return e;
    }
    if (auto* p = dynamic_cast<P::ParenExprContext*>(c)) return expr(p->expr());
    if (auto* p = dynamic_cast<P::ObjectLitContext*>(c)) {
      auto e = node(K::Object, range(c));
      for (auto* en : p->objEntry()) {
        ast::ObjectEntry entry;
        entry.range = range(en);
        if (auto* n = dynamic_cast<P::NamedEntryContext*>(en)) {
          entry.key = ident(n->anyName());
          entry.value = expr(n->expr());
        } else if (auto* q = dynamic_cast<P::QuotedEntryContext*>(en)) {
          entry.key = {plain_string(q->STRING()->getSymbol(), "an object key"), range(q->STRING())};
          entry.quoted = true;
          entry.value = expr(q->expr());
        } else if (auto* s = dynamic_cast<P::SpreadEntryContext*>(en)) {
          entry.spread = true;
          entry.key.range = range(s->ELLIPSIS());
          entry.value = expr(s->expr());
        } else {
          continue;
        }
        e->entries.push_back(std::move(entry));
      }
      return e;
    }
    if (auto* p = dynamic_cast<P::ListLitContext*>(c)) {
      auto e = node(K::List, range(c));
      for (auto* x : p->expr()) e->operands.push_back(expr(x));
      return e;
    }
    if (auto* p = dynamic_cast<P::WaitSignalExprContext*>(c)) {
      auto e = node(K::WaitSignal, range(c));
      e->signal_name = plain_string(p->STRING()->getSymbol(), "a signal name");
      e->signal_name_range = range(p->STRING());
      if (p->expr()) e->operands.push_back(expr(p->expr()));
      return e;
    }
    return placeholder(c);
  }

  // ---- types
  ast::TypePtr type_node(ast::TypeExpr::Kind k, diagnostics::Range r) {
    auto t = std::make_unique<ast::TypeExpr>();
    t->kind = k;
    t->range = r;
    return t;
  }

  std::vector<ast::FieldDecl> fields(P::RecordTypeContext* c) {
    std::vector<ast::FieldDecl> out;
    if (!c) return out;
    for (auto* f : c->fieldDecl()) {
      if (bad(f)) continue;
      ast::FieldDecl fd;
      fd.name = ident(f->anyName());
      fd.optional = f->QUESTION() != nullptr;
      fd.type = type(f->typeExpr());
      fd.range = range(f);
      fd.doc = doc_before(fd.range.begin);
      out.push_back(std::move(fd));
    }
    return out;
  }

  ast::TypePtr type(P::TypeExprContext* c) {
    using K = ast::TypeExpr::Kind;
    if (!c) return type_node(K::Named, cx_.range(0, 0));
    DepthGuard g(depth_);
    if (auto* t = dynamic_cast<P::NamedTypeContext*>(c)) {
      auto* q = t->qualifiedName();
      std::string name = q ? std::string(cx_.slice(range(q).begin, range(q).end)) : "";
      name.erase(std::remove_if(name.begin(), name.end(), [](char ch) { return ch == ' ' || ch == '\t'; }), name.end());
      auto args = t->typeExpr();
      K k = args.empty() ? K::Named : (name == "map" && args.size() == 1 ? K::Map : K::Generic);
      auto out = type_node(k, range(c));
      if (k != K::Map) out->name = name;
      out->name_range = range(q);
      for (auto* a : args) out->args.push_back(type(a));
      return out;
    }
    if (auto* t = dynamic_cast<P::ListTypeContext*>(c)) {
      auto out = type_node(K::List, range(c));
      out->args.push_back(type(t->typeExpr()));
      return out;
    }
    if (auto* t = dynamic_cast<P::RecordTypeExprContext*>(c)) {
      auto out = type_node(K::Record, range(c));
      out->fields = fields(t->recordType());
      return out;
    }
    if (auto* t = dynamic_cast<P::ParenTypeContext*>(c)) return type(t->typeExpr());
    if (auto* t = dynamic_cast<P::StringLitTypeContext*>(c)) {
      auto out = type_node(K::StringLiteral, range(c));
      out->name = plain_string(t->STRING()->getSymbol(), "a string-literal type");
      return out;
    }
    if (dynamic_cast<P::NullTypeContext*>(c)) {
      auto out = type_node(K::Named, range(c));
      out->name = "null";
      out->name_range = range(c);
      return out;
    }
    if (auto* t = dynamic_cast<P::OptionalTypeContext*>(c)) {
      auto out = type_node(K::Optional, range(c));
      out->args.push_back(type(t->typeExpr()));
      return out;
    }
    if (auto* t = dynamic_cast<P::UnionTypeContext*>(c)) {
      auto out = type_node(K::Union, range(c));
      for (auto* side : t->typeExpr()) {
        auto m = type(side);
        if (m->kind == K::Union && dynamic_cast<P::UnionTypeContext*>(side)) {
          for (auto& a : m->args) out->args.push_back(std::move(a));
        } else {
          out->args.push_back(std::move(m));
        }
      }
      return out;
    }
    return type_node(K::Named, range(c));
  }

  // ---- statements
  ast::Block block(P::BlockContext* c) {
    ast::Block b;
    if (!c) return b;
    b.range = range(c);
    for (auto* s : c->stmt()) {
      if (bad(s)) continue;
      if (auto st = stmt(s)) b.stmts.push_back(std::move(st));
    }
    return b;
  }

  static ast::StmtPtr snode(ast::Stmt::Kind k, diagnostics::Range r) {
    auto s = std::make_unique<ast::Stmt>();
    s->kind = k;
    s->range = r;
    return s;
  }

  ast::StmtPtr if_stmt(P::IfStmtContext* c) {
    auto s = snode(ast::Stmt::Kind::If, range(c));
    s->value = expr(c->expr());
    auto blocks = c->block();
    if (!blocks.empty()) s->then = block(blocks[0]);
    if (auto* elif = c->ifStmt()) {
      ast::Block eb;
      eb.range = range(elif);
      eb.stmts.push_back(if_stmt(elif));
      s->else_block = std::move(eb);
    } else if (blocks.size() > 1) {
      s->else_block = block(blocks[1]);
    }
    return s;
  }

  ast::StmtPtr stmt(P::StmtContext* c) {
    using K = ast::Stmt::Kind;
    DepthGuard g(depth_);
    auto r = range(c);
    if (auto* x = c->letStmt()) {
      auto s = snode(K::Let, r);
      s->name = ident(x->ID());
      s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->stepStmt()) {
      auto s = snode(K::Step, r);
      s->name = ident(x->ID());
      s->value = expr(x->expr());
      std::unordered_map<std::string, diagnostics::Range> seen;
      for (auto* m : x->stepModifier()) {
        std::string kw = text(m->getStart());
        auto kw_range = range(m->getStart());
        if (auto it = seen.find(kw); it != seen.end()) {
          auto& d = cx_.diags->add(Code::E0010, kw_range,
                                   "`" + kw + "` is given twice for step `" + s->name.name + "`", "given again here");
          d.notes.push_back({it->second, "first given here"});
          continue;
        }
        seen.emplace(kw, kw_range);
        auto v = expr(m->expr());
        (kw == "retry" ? s->retry : kw == "timeout" ? s->timeout : s->compensate) = std::move(v);
      }
      return s;
    }
    if (auto* x = c->ifStmt()) return if_stmt(x);
    if (auto* x = c->switchStmt()) {
      auto s = snode(K::Switch, r);
      s->value = expr(x->expr());
      for (auto* cl : x->switchClause()) {
        if (bad(cl)) continue;
        if (cl->KW_DEFAULT()) {
          if (s->else_block) {
            cx_.diags->add(Code::E0001, range(cl->KW_DEFAULT()), "a `switch` has at most one `default`",
                           "second `default`");
            continue;
          }
          s->else_block = block(cl->block());
          continue;
        }
        ast::SwitchCase sc;
        sc.range = range(cl);
        for (auto* v : cl->opExpr()) sc.values.push_back(op(v));
        sc.body = block(cl->block());
        s->cases.push_back(std::move(sc));
      }
      return s;
    }
    if (auto* x = c->forStmt()) {
      auto s = snode(K::For, r);
      auto ids = x->ID();
      // ids: item, [index], [into]
      if (!ids.empty()) s->name = ident(ids[0]);
      size_t next = 1;
      if (x->COMMA() && ids.size() > next) s->index = ident(ids[next++]);
      if (x->KW_INTO() && ids.size() > next) s->into = ident(ids[next++]);
      auto es = x->expr();
      if (!es.empty()) s->value = expr(es[0]);
      if (x->KW_CONCURRENCY() && es.size() > 1) s->concurrency = expr(es[1]);
      s->then = block(x->block());
      return s;
    }
    if (auto* x = c->parallelStmt()) {
      auto s = snode(K::Parallel, r);
      for (auto* b : x->branch()) {
        if (bad(b)) continue;
        ast::Branch br;
        br.name = ident(b->ID());
        br.body = block(b->block());
        br.range = range(b);
        s->branches.push_back(std::move(br));
      }
      return s;
    }
    if (auto* x = c->waitStmt()) {
      auto s = snode(x->KW_UNTIL() ? K::WaitUntil : K::Wait, r);
      s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->emitStmt()) {
      auto s = snode(K::Emit, r);
      s->event_name = plain_string(x->STRING()->getSymbol(), "an event name");
      s->event_name_range = range(x->STRING());
      if (x->expr()) s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->tryStmt()) {
      auto s = snode(K::Try, r);
      s->then = block(x->block());
      for (auto* cc : x->catchClause()) {
        if (bad(cc)) continue;
        ast::CatchClause cl;
        cl.range = range(cc);
        if (auto* k = cc->errorKind()) cl.kind = ast::Ident{text(k->getStart()), range(k)};
        if (cc->ID()) cl.as = ident(cc->ID());
        if (cc->expr()) cl.where = expr(cc->expr());
        cl.body = block(cc->block());
        s->catches.push_back(std::move(cl));
      }
      return s;
    }
    if (auto* x = c->failStmt()) {
      auto s = snode(K::Fail, r);
      auto es = x->expr();
      if (!es.empty()) s->value = expr(es[0]);
      if (es.size() > 1) s->with = expr(es[1]);
      return s;
    }
    if (auto* x = c->returnStmt()) {
      auto s = snode(K::Return, r);
      if (x->expr()) s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->yieldStmt()) {
      auto s = snode(K::Yield, r);
      s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->mockStmt()) {
      auto s = snode(K::Mock, r);
      s->target = op(x->opExpr(0));
      if (s->target->kind != ast::Expr::Kind::Call)
        cx_.diags->add(Code::E0001, s->target->range, "expected a call to mock, like `mock crm.get(\"/path\") => ...`",
                       "not a call");
      if (x->opExpr().size() > 1) s->where = op(x->opExpr(1));
      if (x->KW_TIMEOUT()) {
        s->value = std::make_unique<ast::Expr>();
        s->value->kind = ast::Expr::Kind::Name;
        s->value->name = "timeout";
        s->value->range = range(x->KW_TIMEOUT());
        s->value->name_range = s->value->range;
      } else {
        s->value = expr(x->expr());
      }
      return s;
    }
    if (auto* x = c->expectStmt()) {
      auto s = snode(K::Expect, r);
      s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->signalStmt()) {
      auto s = snode(K::Signal, r);
      s->target = op(x->opExpr());
      s->event_name = plain_string(x->STRING()->getSymbol(), "a signal name");
      s->event_name_range = range(x->STRING());
      if (x->expr()) s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->advanceStmt()) {
      auto s = snode(K::Advance, r);
      s->value = expr(x->expr());
      return s;
    }
    if (auto* x = c->exprStmt()) {
      auto s = snode(K::ExprStmt, r);
      s->value = expr(x->expr());
      return s;
    }
    return nullptr;
  }

  // ---- declarations
  std::vector<ast::Param> params(P::ParamListContext* c) {
    std::vector<ast::Param> out;
    if (!c) return out;
    for (auto* p : c->param()) {
      if (bad(p)) continue;
      ast::Param pa;
      pa.name = ident(p->ID());
      pa.type = type(p->typeExpr());
      if (p->expr()) pa.default_value = expr(p->expr());
      pa.range = range(p);
      out.push_back(std::move(pa));
    }
    return out;
  }

  std::vector<ast::Setting> settings(P::SettingsBlockContext* c) {
    std::vector<ast::Setting> out;
    if (!c) return out;
    for (auto* s : c->setting()) {
      if (bad(s)) continue;
      ast::Setting st;
      st.name = ident(s->anyName());
      st.value = expr(s->expr());
      st.range = range(s);
      out.push_back(std::move(st));
    }
    return out;
  }

  void flow_body(P::FlowBodyContext* c, ast::Decl& d) {
    ast::Block body;
    body.range = range(c);
    bool seen_stmt = false;
    for (auto* item : c->flowItem()) {
      if (bad(item)) continue;
      if (auto* t = item->trigger()) {
        if (seen_stmt)
          cx_.diags->add(Code::E0001, range(t->getStart()), "triggers must come before the flow's statements",
                         "move this `on` above the first statement");
        ast::Trigger tr;
        tr.range = range(t);
        std::string kind = t->ID() ? text(t->ID()->getSymbol()) : "";
        tr.keyword_range = range(t->getStart()).to(range(t->ID()));
        static const std::vector<std::string> kinds{"webhook", "schedule", "poll", "event"};
        if (kind == "webhook") tr.kind = ast::Trigger::Kind::Webhook;
        else if (kind == "schedule") tr.kind = ast::Trigger::Kind::Schedule;
        else if (kind == "poll") tr.kind = ast::Trigger::Kind::Poll;
        else if (kind == "event") tr.kind = ast::Trigger::Kind::Event;
        else {
          auto& dg = cx_.diags->add(Code::E0001, range(t->ID()), "unknown trigger `" + kind + "`",
                                    "expected `webhook`, `schedule`, `poll` or `event`");
          if (auto m = diagnostics::closest_match(kind, kinds)) {
            dg.label = "did you mean `" + *m + "`?";
            dg.fix = diagnostics::Fix{range(t->ID()), *m, "replace with `" + *m + "`"};
          }
          continue;
        }
        auto es = t->expr();
        if (!es.empty()) tr.subject = expr(es[0]);
        if (t->KW_EVERY()) {
          if (tr.kind != ast::Trigger::Kind::Poll)
            cx_.diags->add(Code::E0001, range(t->KW_EVERY()), "`every` is only for `on poll` triggers",
                           "not allowed on `on " + kind + "`");
          else if (es.size() > 1)
            tr.every = expr(es[1]);
        }
        tr.settings = settings(t->settingsBlock());
        d.triggers.push_back(std::move(tr));
        continue;
      }
      if (auto* o = item->optionsBlock()) {
        if (d.options_range.valid()) {
          auto& dg = cx_.diags->add(Code::E0001, range(o->getStart()), "a flow has at most one `options` block",
                                    "second `options`");
          dg.notes.push_back({d.options_range, "first `options` here"});
          continue;
        }
        if (seen_stmt)
          cx_.diags->add(Code::E0001, range(o->getStart()), "`options` must come before the flow's statements",
                         "move this above the first statement");
        d.options = settings(o->settingsBlock());
        d.options_range = range(o);
        continue;
      }
      if (auto* s = item->stmt()) {
        seen_stmt = true;
        if (auto st = stmt(s)) body.stmts.push_back(std::move(st));
      }
    }
    d.body = std::move(body);
  }

 public:
  std::optional<ast::Decl> build(P::DeclContext* c);

 private:
  Context& cx_;
  const Chunk& chunk_;
  unsigned depth_;
  std::unordered_set<const ParseTree*> bad_;
};

std::optional<ast::Decl> Builder::decl(P::DeclContext* c) { return build(c); }

std::optional<ast::Decl> Builder::build(P::DeclContext* c) {
  using K = ast::Decl::Kind;
  if (!c) return std::nullopt;
  ast::Decl d;
  d.range = range(c);
  d.doc = doc_before(d.range.begin);
  if (auto* x = c->importDecl()) {
    if (bad(x)) return std::nullopt;
    d.kind = K::Import;
    d.import_path = plain_string(x->STRING()->getSymbol(), "an import path");
    d.name = ident(x->ID());
    return d;
  }
  if (auto* x = c->typeDecl()) {
    if (bad(x)) return std::nullopt;
    d.kind = K::Type;
    d.name = ident(x->ID());
    if (x->typeExpr()) {
      d.is_alias = true;
      d.type = type(x->typeExpr());
    } else {
      d.type = type_node(ast::TypeExpr::Kind::Record, range(x->recordType()));
      d.type->fields = fields(x->recordType());
    }
    return d;
  }
  if (auto* x = c->constDecl()) {
    if (bad(x)) return std::nullopt;
    d.kind = K::Const;
    d.name = ident(x->ID());
    d.value = expr(x->expr());
    return d;
  }
  if (auto* x = c->fnDecl()) {
    if (!x->ID() || bad(x->ID()) || (x->typeExpr() && bad(x->typeExpr()))) return std::nullopt;
    if (x->expr() && bad(x->expr())) return std::nullopt;
    if (!x->expr() && !x->block()) return std::nullopt;
    d.kind = K::Fn;
    d.name = ident(x->ID());
    d.params = params(x->paramList());
    if (x->typeExpr()) d.result = type(x->typeExpr());
    if (x->expr()) d.value = expr(x->expr());
    else d.body = block(x->block());
    return d;
  }
  if (auto* x = c->connectionDecl()) {
    auto ids = x->ID();
    if (ids.size() < 2 || bad(ids[0]) || bad(ids[1]) || !x->settingsBlock()) return std::nullopt;
    d.kind = K::Connection;
    d.name = ident(ids[0]);
    d.connection_kind = text(ids[1]->getSymbol());
    d.settings = settings(x->settingsBlock());
    return d;
  }
  if (auto* x = c->flowDecl()) {
    if (!x->ID() || bad(x->ID()) || !x->flowBody()) return std::nullopt;
    if (x->typeExpr() && bad(x->typeExpr())) return std::nullopt;
    d.kind = K::Flow;
    d.name = ident(x->ID());
    d.params = params(x->paramList());
    if (x->typeExpr()) d.result = type(x->typeExpr());
    flow_body(x->flowBody(), d);
    return d;
  }
  if (auto* x = c->testDecl()) {
    if (!x->STRING() || bad(x->STRING()) || !x->block()) return std::nullopt;
    d.kind = K::Test;
    d.name = {plain_string(x->STRING()->getSymbol(), "a test name"), range(x->STRING())};
    d.body = block(x->block());
    return d;
  }
  return std::nullopt;
}

// Feeds a chunk's tokens to the parser; tokens know their source (error recovery needs it).
class ChunkTokenSource : public antlr4::TokenSource {
 public:
  explicit ChunkTokenSource(const Chunk& chunk) : chunk_(chunk), type_args_(type_argument_openers(chunk.toks)) {}
  std::unique_ptr<Token> nextToken() override {
    size_t i = std::min(next_, chunk_.toks.size() - 1);
    if (next_ < chunk_.toks.size()) ++next_;
    const Tok& t = chunk_.toks[i];
    size_t type = t.type == kEof ? Token::EOF : static_cast<size_t>(t.type);
    while (next_type_arg_ < type_args_.size() && type_args_[next_type_arg_] < i) ++next_type_arg_;
    if (next_type_arg_ < type_args_.size() && type_args_[next_type_arg_] == i) type = P::TYPE_ARGS;
    return std::make_unique<antlr4::CommonToken>(std::pair<TokenSource*, antlr4::CharStream*>(this, nullptr), type,
                                                 Token::DEFAULT_CHANNEL, t.begin, t.end);
  }
  size_t getLine() const override { return 0; }
  size_t getCharPositionInLine() override { return 0; }
  antlr4::CharStream* getInputStream() override { return nullptr; }
  std::string getSourceName() override { return "weft"; }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  const Chunk& chunk_;
  std::vector<uint32_t> type_args_;  // indices of the `<` given to the parser as TYPE_ARGS
  size_t next_type_arg_ = 0;
  size_t next_ = 0;
};

// Owns everything one parser run needs; the parse tree lives as long as the parser.
struct Run {
  Reporter reporter;
  ChunkTokenSource source;
  antlr4::CommonTokenStream stream;
  P parser;

  // Two stages (ANTLR's recommended setup): the fast SLL prediction that gives up at the first
  // error, then, only when that fails, full LL prediction with error reporting and recovery.
  Run(Context& c, const Chunk& ch, bool fast) : reporter(c, ch), source(ch), stream(&source), parser(&stream) {
    parser.removeErrorListeners();
    if (fast) {
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    } else {
      parser.setErrorHandler(std::make_shared<Strategy>(reporter));
    }
  }
};

}  // namespace

void parse_decl_chunk(Context& cx, const Chunk& chunk) {
  {
    Run fast(cx, chunk, true);
    P::DeclChunkContext* tree = nullptr;
    try {
      tree = fast.parser.declChunk();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
    if (tree) {  // SLL with bail-out succeeded: the tree has no error nodes to mark
      Builder b(cx, chunk, 0);
      if (tree->decl())
        if (auto d = b.decl(tree->decl())) cx.module->decls.push_back(std::move(*d));
      return;
    }
  }
  Run run(cx, chunk, false);
  auto* tree = run.parser.declChunk();
  Builder b(cx, chunk, 0);
  b.mark_errors(tree);
  if (!tree || !tree->decl()) return;
  if (auto d = b.decl(tree->decl())) cx.module->decls.push_back(std::move(*d));
}

ast::ExprPtr parse_interpolation(Context& cx, uint32_t begin, uint32_t end, unsigned depth_left) {
  auto toks = lex(cx, begin, end);
  std::vector<Tok> significant;
  for (const Tok& t : toks)
    if (!t.hidden) significant.push_back(t);
  bool empty = std::none_of(significant.begin(), significant.end(), [](const Tok& t) { return t.type != P::NL; });
  if (empty) {
    cx.diags->add(Code::E0001, cx.range(begin - 2, end + 1), "expected an expression inside `${}`", "empty interpolation");
    return nullptr;
  }
  auto chunks = layout(cx, std::move(significant), end, true, depth_left);
  if (chunks.empty()) return nullptr;
  Chunk& chunk = chunks[0];
  chunk.eof_what = "`}`";
  {
    Run fast(cx, chunk, true);
    P::InterpolationContext* tree = nullptr;
    try {
      tree = fast.parser.interpolation();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
    if (tree) {  // no error nodes after a successful bail-out parse
      Builder b(cx, chunk, cx.max_depth - depth_left);
      return b.interpolation(tree);
    }
  }
  Run run(cx, chunk, false);
  auto* tree = run.parser.interpolation();
  Builder b(cx, chunk, cx.max_depth - depth_left);
  b.mark_errors(tree);
  if (run.reporter.any_error) return nullptr;
  return b.interpolation(tree);
}

}  // namespace weft::syntax::detail
