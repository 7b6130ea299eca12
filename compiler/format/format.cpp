#include "compiler/format/format.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include "compiler/syntax/parse.h"

namespace weft::format {

namespace {

using ast::Expr;
using ast::Stmt;
using ast::TypeExpr;
using EK = ast::Expr::Kind;
using SK = ast::Stmt::Kind;
using TK = ast::TypeExpr::Kind;

// Binding strength, loosest first (docs/design-language.md §7). An operand is parenthesised when its own
// strength is below what its slot requires.
enum Prec : int {
  kLambda = 0,
  kCond = 1,
  kCoalesce = 2,
  kOr = 3,
  kAnd = 4,
  kEquality = 5,
  kCompare = 6,
  kAdd = 7,
  kMul = 8,
  kPrefix = 9,
  kPostfix = 10,
  kPrimary = 11,
};

int binary_prec(const std::string& op) {
  if (op == "??") return kCoalesce;
  if (op == "||") return kOr;
  if (op == "&&") return kAnd;
  if (op == "==" || op == "!=") return kEquality;
  if (op == "<" || op == "<=" || op == ">" || op == ">=") return kCompare;
  if (op == "+" || op == "-") return kAdd;
  return kMul;
}

int prec(const Expr& e) {
  switch (e.kind) {
    case EK::Lambda: return kLambda;
    case EK::Conditional: return kCond;
    case EK::Binary: return binary_prec(e.name);
    case EK::Unary:
    case EK::Run:
    case EK::Start:
    case EK::Await: return kPrefix;
    case EK::Member:
    case EK::OptMember:
    case EK::Index:
    case EK::Call: return kPostfix;
    case EK::WaitSignal: return e.operands.empty() || !e.operands[0] ? kPrimary : kLambda;
    default: return kPrimary;
  }
}

/// Required strengths of a binary node's left and right operands.
std::pair<int, int> operand_slots(const Expr& e) {
  int p = binary_prec(e.name);
  if (p == kCoalesce) return {p + 1, p};                       // right-associative
  if (p == kEquality || p == kCompare) return {kCompare + 1, kCompare + 1};  // no chains; `(a < b) == c`
  return {p, p + 1};
}

/// Escapes a plain string's value back into a `"..."` literal.
std::string quote(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '$': out += "\\$"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u{";
          if (c >= 16) out += hex[c >> 4];
          out += hex[c & 15];
          out += "}";
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

/// Display width of the first line of s (UTF-8 continuation bytes do not count).
size_t first_line_width(std::string_view s) {
  size_t w = 0;
  for (char c : s) {
    if (c == '\n') break;
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++w;
  }
  return w;
}

class Printer {
 public:
  explicit Printer(const ast::Module& m) : m_(m) {
    if (m.source) src_ = m.source->text();
    comments_ = m.comments;
    std::stable_sort(comments_.begin(), comments_.end(),
                     [](const ast::Comment& a, const ast::Comment& b) { return a.range.begin < b.range.begin; });
    done_.assign(comments_.size(), false);
  }

  /// Where each top-level declaration's text (with its leading and trailing comments) ends: in
  /// the source (past its last byte) and in the output (at the line break that follows it).
  struct DeclEnd {
    uint32_t source = 0;
    uint32_t output = 0;
  };

  std::string run(std::vector<DeclEnd>* ends = nullptr) {
    bool first = true;
    for (const auto& d : m_.decls) {
      if (!first) blank_ = true;
      item(d.range.begin, first);
      decl(d);
      nl(d.range.end);
      if (ends) ends->push_back({last_end_, static_cast<uint32_t>(out_.size() - 1)});
      first = false;
    }
    if (!first) blank_ = true;
    leading(static_cast<uint32_t>(src_.size()) + 1, first);
    if (out_.empty()) return out_;
    if (out_.back() != '\n') out_ += '\n';
    return out_;
  }

 private:
  // ------------------------------------------------------------ output
  void write(std::string_view s) {
    if (s.empty()) return;
    if (line_start_) {
      if (blank_) out_ += '\n';
      blank_ = false;
      out_.append(static_cast<size_t>(indent_) * 2, ' ');
      col_ = indent_ * 2;
      line_start_ = false;
    }
    out_ += s;
    auto p = s.rfind('\n');
    if (p == std::string_view::npos) col_ += static_cast<int>(first_line_width(s));
    else col_ = static_cast<int>(first_line_width(s.substr(p + 1)));
  }

  /// Ends the current line: first the comments that trail source position `pos` on its line.
  void nl(uint32_t pos) {
    uint32_t p = pos;
    for (size_t i = 0; i < comments_.size(); ++i) {
      if (done_[i] || comments_[i].range.begin < p) continue;
      if (!only_separators(p, comments_[i].range.begin)) break;
      write(" ");
      write(comments_[i].text);
      done_[i] = true;
      p = comments_[i].range.end;
    }
    last_end_ = std::max(last_end_, p);
    if (!line_start_) out_ += '\n';
    line_start_ = true;
    col_ = 0;
  }

  /// Writes, each on its own line, the pending comments that start before `pos`, keeping one blank
  /// line where the source had any (not before the first one when `first`: a container's start).
  /// Returns whether it wrote any.
  bool leading(uint32_t pos, bool first = false) {
    bool wrote = false;
    for (size_t i = 0; i < comments_.size(); ++i) {
      if (done_[i]) continue;
      if (comments_[i].range.begin >= pos) break;
      if ((wrote || !first) && blank_between(last_end_, comments_[i].range.begin)) blank_ = true;
      done_[i] = true;
      write(comments_[i].text);
      wrote = true;
      nl(comments_[i].range.end);
    }
    return wrote;
  }

  /// Starts a line-level item (declaration, statement, field, setting, entry) at source offset `pos`.
  void item(uint32_t pos, bool first) {
    bool wrote = leading(pos, first);
    if ((wrote || !first) && blank_between(last_end_, pos)) blank_ = true;
  }

  /// Whether the source has an empty line within [a, b).
  bool blank_between(uint32_t a, uint32_t b) const {
    if (a >= b || b > src_.size()) return false;
    bool seen_nl = false, content = false;
    for (uint32_t i = a; i < b; ++i) {
      char c = src_[i];
      if (c == '\n') {
        if (seen_nl && !content) return true;
        seen_nl = true;
        content = false;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        content = true;
      }
    }
    return false;
  }

  bool only_separators(uint32_t a, uint32_t b) const {
    for (uint32_t i = a; i < b && i < src_.size(); ++i) {
      char c = src_[i];
      if (c != ' ' && c != '\t' && c != ',' && c != ';') return false;
    }
    return true;
  }

  bool pending_in(const ast::Range& r) const {
    for (size_t i = 0; i < comments_.size(); ++i)
      if (!done_[i] && comments_[i].range.begin >= r.begin && comments_[i].range.begin < r.end) return true;
    return false;
  }

  /// A brace block: `{}` when it has no items and no comment inside [begin, close); else `{`, a
  /// line break (comments up to `open`), the items one per line — `items(add)` calls
  /// `add(begin, end, write)` for each — the comments before `close`, and `}`.
  template <class Items>
  void braced(bool empty, uint32_t begin, uint32_t open, uint32_t close, Items&& items) {
    if (empty && !pending_in({nullptr, begin, close})) {
      write("{}");
      return;
    }
    write("{");
    nl(open);
    ++indent_;
    bool first = true;
    auto add = [&](uint32_t from, uint32_t end, auto&& write_item) {
      item(from, first);
      first = false;
      write_item();
      nl(end);
    };
    items(add);
    leading(close > 0 ? close - 1 : 0, first);
    --indent_;
    write("}");
  }

  /// Offset just past the first `c` at or after `from`, outside comments (or `from` when absent).
  uint32_t after_char(uint32_t from, char c) const {
    for (uint32_t i = from; i < src_.size(); ++i) {
      bool skipped = false;
      for (const auto& cm : comments_)
        if (i >= cm.range.begin && i < cm.range.end) {
          i = cm.range.end - 1;
          skipped = true;
          break;
        }
      if (!skipped && src_[i] == c) return i + 1;
    }
    return from;
  }

  std::string text(const ast::Range& r) const {
    if (r.end > src_.size() || r.begin > r.end) return {};
    return src_.substr(r.begin, r.end - r.begin);
  }

  /// Marks comments inside a literal written verbatim as written.
  void consume(const ast::Range& r) {
    for (size_t i = 0; i < comments_.size(); ++i)
      if (comments_[i].range.begin >= r.begin && comments_[i].range.end <= r.end) done_[i] = true;
  }

  bool fits(const std::string& s) const {
    return (line_start_ ? indent_ * 2 : col_) + static_cast<int>(first_line_width(s)) <= kMaxWidth;
  }

  // ------------------------------------------------------------ types (flat)
  std::string type_flat(const TypeExpr& t) const {
    switch (t.kind) {
      case TK::Named: return t.name;
      case TK::List: return "[" + type_flat(*t.args[0]) + "]";
      case TK::Map: return "map<" + type_flat(*t.args[0]) + ">";
      case TK::Optional: {
        const auto& a = *t.args[0];
        return a.kind == TK::Union ? "(" + type_flat(a) + ")?" : type_flat(a) + "?";
      }
      case TK::Union: {
        std::string s;
        for (size_t i = 0; i < t.args.size(); ++i) {
          if (i) s += " | ";
          s += t.args[i]->kind == TK::Union ? "(" + type_flat(*t.args[i]) + ")" : type_flat(*t.args[i]);
        }
        return s;
      }
      case TK::StringLiteral: {
        std::string s = text(t.range);
        return s.empty() || s[0] != '"' ? quote(t.name) : s;
      }
      case TK::Record: {
        if (t.fields.empty()) return "{}";
        std::string s = "{ ";
        for (size_t i = 0; i < t.fields.size(); ++i) {
          if (i) s += ", ";
          s += field_flat(t.fields[i]);
        }
        return s + " }";
      }
      case TK::Generic: {
        std::string s = t.name + "<";
        for (size_t i = 0; i < t.args.size(); ++i) s += (i ? ", " : "") + type_flat(*t.args[i]);
        return s + ">";
      }
    }
    return t.name;
  }

  std::string field_flat(const ast::FieldDecl& f) const {
    return f.name.name + (f.optional ? "?: " : ": ") + (f.type ? type_flat(*f.type) : "json");
  }

  /// A type at the current position, breaking records that do not fit or hold comments.
  void type(const TypeExpr& t) {
    std::string f = type_flat(t);
    if (fits(f) && !pending_in(t.range)) {
      write(f);
      return;
    }
    switch (t.kind) {
      case TK::Record: record_fields(t, true); return;
      case TK::List: write("["); type(*t.args[0]); write("]"); return;
      case TK::Map: write("map<"); type(*t.args[0]); write(">"); return;
      case TK::Optional:
        if (t.args[0]->kind == TK::Union) {
          write("(");
          type(*t.args[0]);
          write(")?");
        } else {
          type(*t.args[0]);
          write("?");
        }
        return;
      case TK::Union:
        for (size_t i = 0; i < t.args.size(); ++i) {
          if (i) write(" | ");
          bool p = t.args[i]->kind == TK::Union;
          if (p) write("(");
          type(*t.args[i]);
          if (p) write(")");
        }
        return;
      case TK::Generic:
        write(t.name + "<");
        for (size_t i = 0; i < t.args.size(); ++i) {
          if (i) write(", ");
          type(*t.args[i]);
        }
        write(">");
        return;
      default: write(f); return;
    }
  }

  /// `{` fields one per line `}`; with commas when the record may sit inside brackets.
  void record_fields(const TypeExpr& t, bool commas) {
    braced(t.fields.empty(), t.range.begin, t.range.begin + 1, t.range.end, [&](auto& add) {
      for (const auto& f : t.fields)
        add(f.range.begin, f.range.end, [&] {
          write(f.name.name + (f.optional ? "?: " : ": "));
          if (f.type) type(*f.type);
          if (commas) write(",");
        });
    });
  }

  // ------------------------------------------------------------ expressions (flat)
  std::string flat(const Expr& e, int min) const {
    std::string s = flat_inner(e);
    return prec(e) < min ? "(" + s + ")" : s;
  }

  std::string args_flat(const Expr& e, bool with_types = true) const {
    std::string s;
    if (with_types && !e.type_args.empty()) {
      s += "<";
      for (size_t i = 0; i < e.type_args.size(); ++i) s += (i ? ", " : "") + type_flat(*e.type_args[i]);
      s += ">";
    }
    s += "(";
    for (size_t i = 0; i < e.args.size(); ++i) {
      if (i) s += ", ";
      if (e.args[i].name) s += e.args[i].name->name + ": ";
      s += e.args[i].value ? flat(*e.args[i].value, kLambda) : "null";
    }
    return s + ")";
  }

  std::string entry_flat(const ast::ObjectEntry& en) const {
    std::string v = en.value ? flat(*en.value, kLambda) : "null";
    if (en.spread) return "..." + v;
    return (en.quoted ? key_text(en) : en.key.name) + ": " + v;
  }

  std::string key_text(const ast::ObjectEntry& en) const {
    std::string s = text(en.key.range);
    return s.empty() || s[0] != '"' ? quote(en.key.name) : s;
  }

  std::string lambda_params(const Expr& e) const {
    if (e.params.size() == 1) return e.params[0].name;
    std::string s = "(";
    for (size_t i = 0; i < e.params.size(); ++i) s += (i ? ", " : "") + e.params[i].name;
    return s + ")";
  }

  std::string literal(const Expr& e) const {
    std::string s = text(e.range);
    if (!s.empty()) return s;
    switch (e.kind) {
      case EK::Int: return std::to_string(e.int_value);
      case EK::Duration: return std::to_string(e.duration_ms) + "ms";
      default: return std::to_string(e.float_value);
    }
  }

  std::string flat_inner(const Expr& e) const {
    auto op = [&](size_t i) -> const Expr& { return *e.operands[i]; };
    switch (e.kind) {
      case EK::Int:
      case EK::Float:
      case EK::Duration:
      case EK::String: return literal(e);
      case EK::Bool: return e.bool_value ? "true" : "false";
      case EK::Null: return "null";
      case EK::Name: return e.name;
      case EK::Member: return flat(op(0), kPostfix) + "." + e.name;
      case EK::OptMember: return flat(op(0), kPostfix) + "?." + e.name;
      case EK::Index: return flat(op(0), kPostfix) + "[" + flat(op(1), kLambda) + "]";
      case EK::Call: return flat(op(0), kPostfix) + args_flat(e);
      case EK::Unary: return e.name + flat(op(0), kPrefix);
      case EK::Binary: {
        auto [l, r] = operand_slots(e);
        return flat(op(0), l) + " " + e.name + " " + flat(op(1), r);
      }
      case EK::Conditional:
        return flat(op(0), kCoalesce) + " ? " + flat(op(1), kCoalesce) + " : " + flat(op(2), kLambda);
      case EK::Lambda: return lambda_params(e) + " => " + flat(op(0), kLambda);
      case EK::Object: {
        if (e.entries.empty()) return "{}";
        std::string s = "{ ";
        for (size_t i = 0; i < e.entries.size(); ++i) s += (i ? ", " : "") + entry_flat(e.entries[i]);
        return s + " }";
      }
      case EK::List: {
        std::string s = "[";
        for (size_t i = 0; i < e.operands.size(); ++i) s += (i ? ", " : "") + flat(op(i), kLambda);
        return s + "]";
      }
      case EK::Run: return "run " + flat(op(0), kPrefix);
      case EK::Start: return "start " + flat(op(0), kPrefix);
      case EK::Await: return "await " + flat(op(0), kPrefix);
      case EK::WaitSignal: {
        std::string n = text(e.signal_name_range);
        std::string s = "wait signal " + (n.empty() || n[0] != '"' ? quote(e.signal_name) : n);
        if (!e.operands.empty() && e.operands[0]) s += " timeout " + flat(op(0), kLambda);
        return s;
      }
    }
    return "null";
  }

  // ------------------------------------------------------------ expressions (breaking)
  /// An optional expression (absent ones, which a clean parse does not produce, write nothing).
  void ex(const ast::ExprPtr& e, int min) {
    if (e) expr(*e, min);
  }

  void expr(const Expr& e, int min) {
    bool p = prec(e) < min;
    if (p) write("(");
    expr_inner(e);
    if (p) write(")");
  }

  void expr_inner(const Expr& e) {
    std::string f = flat_inner(e);
    if (e.kind == EK::String) consume(e.range);
    if (fits(f) && !pending_in(e.range)) {
      consume_literals(e);
      write(f);
      return;
    }
    auto op = [&](size_t i) -> const Expr& { return *e.operands[i]; };
    switch (e.kind) {
      case EK::Object: {
        if (e.entries.empty()) break;
        write("{");
        nl(e.range.begin + 1);
        ++indent_;
        bool first = true;
        for (const auto& en : e.entries) {
          item(en.range.begin, first);
          first = false;
          if (en.spread) write("...");
          else write((en.quoted ? key_text(en) : en.key.name) + ": ");
          if (en.value) ex(en.value, kLambda);
          write(",");
          nl(en.range.end);
        }
        leading(e.range.end - 1, first);
        --indent_;
        write("}");
        return;
      }
      case EK::List: {
        if (e.operands.empty()) break;
        write("[");
        nl(e.range.begin + 1);
        ++indent_;
        bool first = true;
        for (const auto& x : e.operands) {
          item(x->range.begin, first);
          first = false;
          ex(x, kLambda);
          write(",");
          nl(x->range.end);
        }
        leading(e.range.end - 1, first);
        --indent_;
        write("]");
        return;
      }
      case EK::Call:
        if (chain(e)) return;
        expr(op(0), kPostfix);
        call_args(e);
        return;
      case EK::Member: expr(op(0), kPostfix); write("." + e.name); return;
      case EK::OptMember: expr(op(0), kPostfix); write("?." + e.name); return;
      case EK::Index: expr(op(0), kPostfix); write("["); expr(op(1), kLambda); write("]"); return;
      case EK::Unary: write(e.name); expr(op(0), kPrefix); return;
      case EK::Run: write("run "); expr(op(0), kPrefix); return;
      case EK::Start: write("start "); expr(op(0), kPrefix); return;
      case EK::Await: write("await "); expr(op(0), kPrefix); return;
      case EK::Binary: {
        auto [l, r] = operand_slots(e);
        expr(op(0), l);
        write(" " + e.name + " ");
        expr(op(1), r);
        return;
      }
      case EK::Conditional:
        expr(op(0), kCoalesce);
        write(" ? ");
        expr(op(1), kCoalesce);
        write(" : ");
        expr(op(2), kLambda);
        return;
      case EK::Lambda: write(lambda_params(e) + " => "); expr(op(0), kLambda); return;
      case EK::WaitSignal:
        if (!e.operands.empty() && e.operands[0]) {
          std::string n = text(e.signal_name_range);
          write("wait signal " + (n.empty() || n[0] != '"' ? quote(e.signal_name) : n) + " timeout ");
          expr(op(0), kLambda);
          return;
        }
        break;
      default: break;
    }
    consume_literals(e);
    write(f);
  }

  /// A call's `<T>(args)` after its callee: on one line when it fits, else hugging a last bracketed
  /// argument, else one argument per line.
  void call_args(const Expr& e) {
    if (!e.type_args.empty()) {
      write("<");
      for (size_t i = 0; i < e.type_args.size(); ++i) {
        if (i) write(", ");
        type(*e.type_args[i]);
      }
      write(">");
    }
    if (e.args.empty()) {
      write("()");
      return;
    }
    uint32_t from = e.type_args.empty() ? e.operands[0]->range.end : e.type_args.back()->range.end;
    std::string a = args_flat(e, false);
    if (fits(a) && !pending_in({nullptr, from, e.range.end})) {
      consume_literals(e);
      write(a);
      return;
    }
    if (hug_last_arg(e)) return;
    write("(");
    nl(after_char(from, '('));
    ++indent_;
    bool first = true;
    for (const auto& arg : e.args) {
      item(arg.range.begin, first);
      first = false;
      if (arg.name) write(arg.name->name + ": ");
      if (arg.value) ex(arg.value, kLambda);
      write(",");
      nl(arg.range.end);
    }
    leading(e.range.end - 1, first);
    --indent_;
    write(")");
  }

  /// A method chain that does not fit, `xs.filter(f).map(g)`, one `.call(...)` per line:
  /// `xs` then `\n  .filter(f)` `\n  .map(g)` (a line starting with `.name` continues).
  static bool is_chain(const Expr& e) {
    int n = 0;
    for (const Expr* cur = &e; cur->kind == EK::Call && cur->operands[0] && cur->operands[0]->kind == EK::Member &&
                               cur->operands[0]->operands[0];
         cur = cur->operands[0]->operands[0].get())
      ++n;
    return n >= 2;
  }

  bool chain(const Expr& e) {
    std::vector<const Expr*> links;
    const Expr* cur = &e;
    while (cur->kind == EK::Call && cur->operands[0] && cur->operands[0]->kind == EK::Member &&
           cur->operands[0]->operands[0]) {
      links.push_back(cur);
      cur = cur->operands[0]->operands[0].get();
    }
    if (links.size() < 2) return false;
    expr(*cur, kPostfix);
    ++indent_;
    for (size_t i = links.size(); i-- > 0;) {
      const Expr& call = *links[i];
      const Expr& member = *call.operands[0];
      nl(member.operands[0]->range.end);
      item(member.name_range.valid() ? member.name_range.begin : member.range.begin, false);
      blank_ = false;
      write("." + member.name);
      call_args(call);
    }
    --indent_;
    return true;
  }

  /// A bracketed literal (object, list, or a lambda returning one) that can break on its own.
  static bool huggable(const Expr& e) {
    if (e.kind == EK::Object) return !e.entries.empty();
    if (e.kind == EK::List) return !e.operands.empty();
    if (e.kind == EK::Lambda) return e.operands[0] && huggable(*e.operands[0]);
    return false;
  }

  /// `f(a, b, {` … `})`: when only the last argument is a bracketed literal and everything before
  /// it fits on the line, the literal breaks instead of the argument list.
  bool hug_last_arg(const Expr& e) {
    const auto& last = e.args.back();
    if (!last.value || !huggable(*last.value)) return false;
    std::string prefix = "(";
    for (size_t i = 0; i + 1 < e.args.size(); ++i) {
      const auto& a = e.args[i];
      if (!a.value || huggable(*a.value)) return false;
      prefix += (a.name ? a.name->name + ": " : "") + flat(*a.value, kLambda) + ", ";
    }
    if (last.name) prefix += last.name->name + ": ";
    if (last.value->kind == EK::Lambda) prefix += lambda_params(*last.value) + " => ";
    if (!fits(prefix + "{") || prefix.find('\n') != std::string::npos) return false;
    if (pending_in({nullptr, e.range.begin, last.value->range.begin}) ||
        pending_in({nullptr, last.value->range.end, e.range.end}))
      return false;
    for (size_t i = 0; i + 1 < e.args.size(); ++i) consume_literals(*e.args[i].value);
    write(prefix);
    const Expr& v = last.value->kind == EK::Lambda ? *last.value->operands[0] : *last.value;
    expr(v, kLambda);
    write(")");
    return true;
  }

  /// The value after `let x =`, `const X =`, `step s =`, `fn f(...) -> T =` (the `=` is written):
  /// on the same line, or on the next line, indented, when only that makes it fit.
  /// `from` is a source offset before the `=` (and after anything else holding one).
  void assigned(const ast::ExprPtr& p, uint32_t from) {
    if (!p) return;
    const Expr& e = *p;
    if (pending_in({nullptr, from, e.range.begin})) {  // `= // why` keeps its comment there
      ++indent_;
      nl(after_char(from, '='));
      leading(e.range.begin, true);
      expr(e, kLambda);
      --indent_;
      return;
    }
    std::string f = flat(e, kLambda);
    bool bracketed = e.kind == EK::Object || e.kind == EK::List || (e.kind == EK::Call && !is_chain(e)) ||
                     f.find('\n') != std::string::npos;
    bool next_line_fits = indent_ * 2 + 2 + static_cast<int>(first_line_width(f)) <= kMaxWidth;
    bool chained = is_chain(e) || (e.kind == EK::Binary && e.operands[1] && is_chain(*e.operands[1]));
    if (!bracketed && !fits(" " + f) && !pending_in(e.range) && (next_line_fits || chained)) {
      nl(e.range.begin);
      ++indent_;
      expr(e, kLambda);
      --indent_;
      return;
    }
    write(" ");
    expr(e, kLambda);
  }

  /// Strings written verbatim may hold comments inside `${}`: they are part of the literal.
  void consume_literals(const Expr& e) {
    if (e.kind == EK::String) consume(e.range);
    for (const auto& o : e.operands)
      if (o) consume_literals(*o);
    for (const auto& a : e.args)
      if (a.value) consume_literals(*a.value);
    for (const auto& en : e.entries)
      if (en.value) consume_literals(*en.value);
  }

  // ------------------------------------------------------------ statements
  void block(const ast::Block& b) {
    braced(b.stmts.empty(), b.range.begin, b.range.begin + 1, b.range.end, [&](auto& add) {
      for (const auto& st : b.stmts) add(st->range.begin, st->range.end, [&] { stmt(*st); });
    });
  }

  void stmt(const Stmt& s) {
    switch (s.kind) {
      case SK::Let: write("let " + s.name.name + " ="); assigned(s.value, s.name.range.end); return;
      case SK::Step: {
        write("step " + s.name.name + " =");
        assigned(s.value, s.name.range.end);
        uint32_t end = s.value ? s.value->range.end : s.range.begin;
        ++indent_;
        auto modifier = [&](const char* kw, const ast::ExprPtr& v) {
          if (!v) return;
          nl(end);
          item(v->range.begin, false);
          blank_ = false;
          write(kw);
          ex(v, kLambda);
          end = v->range.end;
        };
        modifier("retry ", s.retry);
        modifier("timeout ", s.timeout);
        modifier("compensate ", s.compensate);
        --indent_;
        return;
      }
      case SK::If: {
        write("if ");
        ex(s.value, kCond);
        write(" ");
        block(s.then);
        if (s.else_block) {
          const auto& eb = *s.else_block;
          write(" else ");
          if (eb.stmts.size() == 1 && eb.stmts[0]->kind == SK::If && eb.range.begin == eb.stmts[0]->range.begin)
            stmt(*eb.stmts[0]);
          else
            block(eb);
        }
        return;
      }
      case SK::Switch: {
        write("switch ");
        ex(s.value, kCond);
        write(" {");
        nl(after_char(s.value ? s.value->range.end : s.range.begin, '{'));
        ++indent_;
        bool first = true;
        for (const auto& c : s.cases) {
          item(c.range.begin, first);
          first = false;
          write("case ");
          for (size_t i = 0; i < c.values.size(); ++i) {
            if (i) write(", ");
            ex(c.values[i], kCond);
          }
          write(" => ");
          block(c.body);
          nl(c.range.end);
        }
        if (s.else_block) {
          item(s.else_block->range.begin, first);
          first = false;
          write("default => ");
          block(*s.else_block);
          nl(s.else_block->range.end);
        }
        leading(s.range.end - 1, first);
        --indent_;
        write("}");
        return;
      }
      case SK::For: {
        write("for " + s.name.name);
        if (s.index) write(", " + s.index->name);
        write(" in ");
        ex(s.value, kCond);
        if (s.concurrency) {
          write(" concurrency ");
          ex(s.concurrency, kCond);
        }
        if (s.into) write(" into " + s.into->name);
        write(" ");
        block(s.then);
        return;
      }
      case SK::Parallel: {
        write("parallel {");
        nl(after_char(s.range.begin, '{'));
        ++indent_;
        bool first = true;
        for (const auto& b : s.branches) {
          item(b.range.begin, first);
          first = false;
          write("branch " + b.name.name + " ");
          block(b.body);
          nl(b.range.end);
        }
        leading(s.range.end - 1, first);
        --indent_;
        write("}");
        return;
      }
      case SK::Wait: write("wait "); ex(s.value, kLambda); return;
      case SK::WaitUntil: write("wait until "); ex(s.value, kLambda); return;
      case SK::Emit:
        write("emit " + name_text(s.event_name_range, s.event_name));
        if (s.value) {
          write(" ");
          ex(s.value, kLambda);
        }
        return;
      case SK::Try:
        write("try ");
        block(s.then);
        for (const auto& c : s.catches) {
          write(" catch");
          if (c.kind) write(" " + c.kind->name);
          if (c.as) write(" as " + c.as->name);
          if (c.where) {
            write(" where ");
            ex(c.where, kCond);
          }
          write(" ");
          block(c.body);
        }
        return;
      case SK::Fail:
        write("fail ");
        ex(s.value, kCond);
        if (s.with) {
          write(" with ");
          ex(s.with, kLambda);
        }
        return;
      case SK::Return:
        write("return");
        if (s.value) {
          write(" ");
          ex(s.value, kLambda);
        }
        return;
      case SK::Yield: write("yield "); ex(s.value, kLambda); return;
      case SK::ExprStmt: ex(s.value, kLambda); return;
      case SK::Mock:
        write("mock ");
        ex(s.target, kCond);
        if (s.where) {
          write(" where ");
          ex(s.where, kCond);
        }
        write(" => ");
        ex(s.value, kLambda);
        return;
      case SK::Expect: write("expect "); ex(s.value, kLambda); return;
      case SK::Signal:
        write("signal ");
        ex(s.target, kCond);
        write(" " + name_text(s.event_name_range, s.event_name));
        if (s.value) {
          write(" ");
          ex(s.value, kLambda);
        }
        return;
      case SK::Advance: write("advance "); ex(s.value, kLambda); return;
    }
  }

  std::string name_text(const ast::Range& r, const std::string& value) const {
    std::string t = text(r);
    return t.empty() || t[0] != '"' ? quote(value) : t;
  }

  // ------------------------------------------------------------ declarations
  void settings(const std::vector<ast::Setting>& ss, uint32_t open, uint32_t close) {
    braced(ss.empty(), open, open, close, [&](auto& add) {
      for (const auto& st : ss)
        add(st.range.begin, st.range.end, [&] {
          write(st.name.name + ": ");
          if (st.value) ex(st.value, kLambda);
        });
    });
  }

  void params(const std::vector<ast::Param>& ps, uint32_t from, uint32_t end, const std::string& tail) {
    std::string f = "(";
    for (size_t i = 0; i < ps.size(); ++i) {
      if (i) f += ", ";
      f += ps[i].name.name + ": " + (ps[i].type ? type_flat(*ps[i].type) : "json");
      if (ps[i].default_value) f += " = " + flat(*ps[i].default_value, kLambda);
    }
    f += ")";
    if (ps.empty() || (fits(f + tail) && !pending_in({nullptr, from, end}))) {
      for (const auto& p : ps)
        if (p.default_value) consume_literals(*p.default_value);
      write(f);
      return;
    }
    write("(");
    nl(after_char(from, '('));
    ++indent_;
    bool first = true;
    for (const auto& p : ps) {
      item(p.range.begin, first);
      first = false;
      write(p.name.name + ": ");
      if (p.type) type(*p.type);
      if (p.default_value) {
        write(" = ");
        ex(p.default_value, kLambda);
      }
      write(",");
      nl(p.range.end);
    }
    leading(end, first);
    --indent_;
    write(")");
  }

  void decl(const ast::Decl& d) {
    using DK = ast::Decl::Kind;
    switch (d.kind) {
      case DK::Import: write("import " + quote(d.import_path) + " as " + d.name.name); return;
      case DK::Type:
        write("type " + d.name.name);
        if (!d.type) return;
        if (d.is_alias) {
          write(" = ");
          type(*d.type);
        } else {
          write(" ");
          record_fields(*d.type, false);
        }
        return;
      case DK::Const: write("const " + d.name.name + " ="); assigned(d.value, d.name.range.end); return;
      case DK::Fn:
      case DK::Flow: {
        write((d.kind == DK::Fn ? "fn " : "flow ") + d.name.name);
        std::string tail = d.result ? " -> " + type_flat(*d.result) : "";
        uint32_t params_end = d.result ? d.result->range.begin
                              : d.value ? d.value->range.begin
                              : d.body ? d.body->range.begin
                                       : d.range.end;
        params(d.params, d.name.range.end, params_end, tail + " {");
        if (d.result) {
          write(" -> ");
          type(*d.result);
        }
        if (d.kind == DK::Fn) {
          if (d.value) {
            write(" =");
            uint32_t from = d.result ? d.result->range.end
                                     : after_char(d.params.empty() ? d.name.range.end : d.params.back().range.end, ')');
            assigned(d.value, from);
          } else if (d.body) {
            write(" ");
            block(*d.body);
          }
          return;
        }
        write(" ");
        flow_body(d);
        return;
      }
      case DK::Connection:
        write("connection " + d.name.name + " = " + d.connection_kind + " ");
        settings(d.settings, after_char(d.name.range.end, '{'), d.range.end);
        return;
      case DK::Test:
        write("test " + name_text(d.name.range, d.name.name) + " ");
        if (d.body) block(*d.body);
        else write("{}");
        return;
    }
  }

  void flow_body(const ast::Decl& d) {
    const ast::Block empty;
    const ast::Block& b = d.body ? *d.body : empty;
    bool has_items = !d.triggers.empty() || d.options_range.valid() || !b.stmts.empty();
    braced(!has_items, b.range.begin, b.range.begin + 1, b.range.end, [&](auto& add) {
      for (const auto& t : d.triggers) add(t.range.begin, t.range.end, [&] { trigger(t); });
      if (d.options_range.valid())
        add(d.options_range.begin, d.options_range.end, [&] {
          write("options ");
          settings(d.options, after_char(d.options_range.begin, '{'), d.options_range.end);
        });
      for (const auto& st : b.stmts) add(st->range.begin, st->range.end, [&] { stmt(*st); });
    });
  }

  void trigger(const ast::Trigger& t) {
    static const char* kinds[] = {"webhook", "schedule", "poll", "event"};
    write(std::string("on ") + kinds[static_cast<int>(t.kind)]);
    if (t.subject) {
      write(" ");
      ex(t.subject, kCond);
    }
    uint32_t from = t.subject ? t.subject->range.end : t.keyword_range.end;
    if (t.every) {
      write(" every ");
      ex(t.every, kCond);
      from = t.every->range.end;
    }
    if (!t.settings.empty() || pending_in({nullptr, from, t.range.end})) {
      write(" ");
      settings(t.settings, after_char(from, '{'), t.range.end);
    }
  }

  const ast::Module& m_;
  std::string src_;
  std::vector<ast::Comment> comments_;
  std::vector<bool> done_;
  std::string out_;
  int indent_ = 0;
  int col_ = 0;
  bool line_start_ = true;
  bool blank_ = false;
  uint32_t last_end_ = 0;
};

}  // namespace

std::string format(const ast::Module& m) { return Printer(m).run(); }

namespace {

/// Parses `source` into `r` (source, diagnostics); the module when it has no syntax errors.
std::optional<ast::Module> parse_for_format(FormatResult& r, diagnostics::SourcePtr source) {
  r.source = source;
  auto parsed = syntax::parse(std::move(source));
  r.diags = std::move(parsed.diags);
  if (r.diags.has_errors()) return std::nullopt;
  return std::move(parsed.module);
}

}  // namespace

FormatResult format_source(diagnostics::SourcePtr source) {
  FormatResult r;
  auto module = parse_for_format(r, std::move(source));
  if (!module) return r;
  r.text = format(*module);
  r.end = static_cast<uint32_t>(r.source->text().size());
  r.ok = true;
  return r;
}

FormatResult format_range(diagnostics::SourcePtr source, uint32_t begin, uint32_t end) {
  FormatResult r;
  auto module = parse_for_format(r, std::move(source));
  if (!module) return r;
  r.ok = true;
  std::vector<Printer::DeclEnd> ends;
  std::string out = Printer(*module).run(&ends);
  const std::string& src = r.source->text();
  const auto size = static_cast<uint32_t>(src.size());
  if (ends.empty()) {  // only comments: the whole text is one piece
    r.text = std::move(out);
    r.end = size;
    return r;
  }
  // Declaration i spans the source from the end of declaration i-1 (0 for the first) to its own end
  // (the end of the text for the last, so that trailing comments and the final newline belong to
  // it); its formatted text likewise. It is touched when [begin, end] meets its first non-blank
  // byte, its last byte or anything between.
  ends.back() = {size, static_cast<uint32_t>(out.size())};
  std::optional<size_t> first, last;
  for (size_t i = 0; i < ends.size(); ++i) {
    uint32_t from = i == 0 ? 0 : ends[i - 1].source;
    while (from < ends[i].source && std::isspace(static_cast<unsigned char>(src[from]))) ++from;
    if (begin <= ends[i].source && end >= from) {
      if (!first) first = i;
      last = i;
    }
  }
  if (!first) {  // the range holds only blank space between declarations: nothing to do
    r.begin = r.end = std::min(begin, size);
    return r;
  }
  r.begin = *first == 0 ? 0 : ends[*first - 1].source;
  r.end = ends[*last].source;
  uint32_t out_begin = *first == 0 ? 0 : ends[*first - 1].output;
  r.text = out.substr(out_begin, ends[*last].output - out_begin);
  return r;
}

}  // namespace weft::format
