#include "compiler/ir/dump.h"

#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <set>

namespace weft::ir {

namespace json = boost::json;

namespace {

bool is_ident(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string quote(std::string_view s) { return json::serialize(json::string(s)); }

std::vector<std::string> slot_names(const std::vector<Slot>& slots) {
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  for (const auto& s : slots) {
    int n = ++seen[s.name];
    out.push_back("$" + s.name + (n > 1 ? "#" + std::to_string(n) : ""));
  }
  return out;
}

/// A constant in source syntax: `{id: "x", n: [1, 2.5]}`.
std::string const_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: {
      char buf[64];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
      std::string s(buf, ec == std::errc() ? p : buf);
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    case json::kind::array: {
      std::string s = "[";
      const auto& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) s += (i ? ", " : "") + const_text(a[i]);
      return s + "]";
    }
    case json::kind::object: {
      std::string s = "{";
      bool first = true;
      for (const auto& kv : v.get_object()) {
        s += (first ? "" : ", ") + (is_ident(kv.key()) ? std::string(kv.key()) : quote(kv.key())) + ": " + const_text(kv.value());
        first = false;
      }
      return s + "}";
    }
    default: return json::serialize(v);
  }
}

int binary_prec(const std::string& op) {
  if (op == "??") return 2;
  if (op == "||") return 3;
  if (op == "&&") return 4;
  if (op == "==" || op == "!=") return 5;
  if (op == "<" || op == "<=" || op == ">" || op == ">=") return 6;
  if (op == "+" || op == "-") return 7;
  return 8;  // * / %
}

class Printer {
 public:
  explicit Printer(const std::vector<Slot>& slots, bool plain = false) : names_(slot_names(slots)), plain_(plain) {
    if (plain)
      for (size_t i = 0; i < slots.size(); ++i) names_[i] = slots[i].name;
  }

  std::string slot(int s) const {
    if (s >= 0 && s < static_cast<int>(names_.size())) return names_[s];
    return "$?" + std::to_string(s);
  }

  /// Prints e; wraps it in parentheses when its precedence is below `min`.
  std::string expr(const ExprPtr& e, int min = 0) const {
    if (!e) return "<none>";
    using O = Expr::Op;
    int prec = 10;
    std::string s;
    switch (e->op) {
      case O::Const: s = const_text(e->value); break;
      case O::Slot: s = slot(e->slot); break;
      case O::Ctx: s = (plain_ ? "" : "ctx.") + e->name; break;
      case O::Member: s = expr(e->args[0], 10) + "." + e->name; break;
      case O::OptMember: s = expr(e->args[0], 10) + "?." + e->name; break;
      case O::Index: s = expr(e->args[0], 10) + "[" + expr(e->args[1]) + "]"; break;
      case O::Unary:
        prec = 9;
        s = e->name + expr(e->args[0], 9);
        break;
      case O::Binary:
        prec = binary_prec(e->name);
        // left-associative: the right operand needs a strictly higher precedence (?? is right-assoc)
        if (e->name == "??") s = expr(e->args[0], prec + 1) + " ?? " + expr(e->args[1], prec);
        else s = expr(e->args[0], prec) + " " + e->name + " " + expr(e->args[1], prec + 1);
        break;
      case O::Cond:
        prec = 1;
        s = expr(e->args[0], 2) + " ? " + expr(e->args[1], 1) + " : " + expr(e->args[2], 1);
        break;
      case O::List: s = "[" + join(e->args) + "]"; break;
      case O::Object: {
        s = "{";
        for (size_t i = 0; i < e->entries.size(); ++i) {
          const auto& en = e->entries[i];
          if (i) s += ", ";
          if (en.spread) s += "..." + expr(en.value, 10);
          else s += (is_ident(en.key) ? en.key : quote(en.key)) + ": " + expr(en.value);
        }
        s += "}";
        break;
      }
      case O::Interp: {
        s = "\"";
        for (const auto& p : e->args) {
          if (p->op == O::Const && p->value.is_string()) {
            std::string q = quote(p->value.get_string());
            std::string body = q.substr(1, q.size() - 2);
            for (size_t i = 0; i < body.size(); ++i) {
              if (body[i] == '$') s += "\\";
              s += body[i];
            }
          } else {
            s += "${" + expr(p) + "}";
          }
        }
        s += "\"";
        break;
      }
      case O::Call: {
        s = e->name + "(" + join(e->args);
        for (size_t i = 0; i < e->named.size(); ++i)
          s += std::string(e->args.empty() && i == 0 ? "" : ", ") + e->named[i].name + ": " + expr(e->named[i].value);
        s += ")";
        break;
      }
      case O::CallFn: s = (plain_ ? "" : "@") + e->name + "(" + join(e->args) + ")"; break;
      case O::Lambda: {
        prec = 0;
        std::string ps;
        for (size_t i = 0; i < e->params.size(); ++i) ps += (i ? ", " : "") + slot(e->params[i]);
        s = (e->params.size() == 1 ? ps : "(" + ps + ")") + " => " + expr(e->args[0], 1);
        break;
      }
      case O::Check:
        s = "check<" + (e->type ? type_text(*e->type) : std::string("json")) + ">(" + expr(e->args[0]) + ", " +
            quote(e->name) + ")";
        break;
      case O::Let:
        prec = 0;
        s = "let " + slot(e->slot) + " = " + expr(e->args[0]) + "; " + expr(e->args[1]);
        break;
    }
    return prec < min ? "(" + s + ")" : s;
  }

  std::string join(const std::vector<ExprPtr>& xs) const {
    std::string s;
    for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + expr(xs[i]);
    return s;
  }

 private:
  std::vector<std::string> names_;
  bool plain_ = false;
};

std::string settings_text(const std::vector<Setting>& ss, const Printer& p) {
  std::string s = "{";
  for (size_t i = 0; i < ss.size(); ++i) s += (i ? ", " : "") + ss[i].name + ": " + p.expr(ss[i].value);
  return s + "}";
}

std::string action_text(const Action& a, const Printer& p) {
  if (a.kind == Action::Kind::ChildFlow) return "run " + a.flow + "(" + p.expr(a.input) + ")";
  std::string s = a.connection + "." + a.method;
  if (a.response) s += "<" + type_text(*a.response) + ">";
  s += "(" + p.expr(a.path);
  if (a.query) s += ", query: " + p.expr(a.query);
  if (a.headers) s += ", headers: " + p.expr(a.headers);
  if (a.body) s += ", body: " + p.expr(a.body);
  if (a.accept_status) s += ", accept_status: " + p.expr(a.accept_status);
  return s + ")";
}

std::string params_text(const std::vector<Param>& ps, const Printer& p) {
  std::string s = "(";
  for (size_t i = 0; i < ps.size(); ++i) {
    s += (i ? ", " : "") + p.slot(ps[i].slot) + ": " + type_text(ps[i].type);
    if (ps[i].default_value) s += " = " + p.expr(ps[i].default_value);
  }
  return s + ")";
}

class FlowDumper {
 public:
  explicit FlowDumper(const Flow& f) : f_(f), p_(f.slots) {
    for (const auto& n : f.nodes) by_id_[n.id] = &n;
  }

  std::string run() {
    out_ = "flow " + f_.name + params_text(f_.params, p_);
    if (f_.result) out_ += " -> " + type_text(*f_.result);
    out_ += "\n";
    for (const auto& t : f_.triggers) {
      out_ += "  on " + t.kind;
      if (t.subject) out_ += " " + p_.expr(t.subject);
      if (t.poll) out_ += " " + action_text(*t.poll, p_);
      if (t.every) out_ += " every " + duration_or_expr(t.every, f_.slots);
      out_ += " " + settings_text(t.settings, p_) + "\n";
    }
    const auto& o = f_.options;
    if (o.timeout || o.retry || o.concurrency_limit || o.concurrency_key || o.retention || o.on_exhausted) {
      out_ += "  options";
      if (o.timeout) out_ += " timeout: " + duration_or_expr(o.timeout, f_.slots);
      if (o.retry) out_ += " retry: " + p_.expr(o.retry);
      if (o.concurrency_limit) out_ += " concurrency.limit: " + p_.expr(o.concurrency_limit);
      if (o.concurrency_key) out_ += " concurrency.key: " + p_.expr(o.concurrency_key);
      if (o.retention) out_ += " retention: " + duration_or_expr(o.retention, f_.slots);
      if (o.on_exhausted) out_ += " on_exhausted: " + p_.expr(o.on_exhausted);
      out_ += "\n";
    }
    region(f_.entry, 1);
    return out_;
  }

 private:
  void line(int depth, const std::string& s) { out_ += std::string(depth * 2, ' ') + s + "\n"; }

  void region(const std::string& entry, int depth) {
    if (entry.empty()) {
      line(depth, "(empty)");
      return;
    }
    std::set<std::string> seen;
    for (std::string id = entry; !id.empty();) {
      auto it = by_id_.find(id);
      if (it == by_id_.end() || !seen.insert(id).second) {
        line(depth, "<broken edge to " + id + ">");
        return;
      }
      node(*it->second, depth);
      id = it->second->next;
    }
  }

  void node(const Node& n, int d) {
    std::string head = "[" + n.id + "] ";
    switch (n.kind) {
      case NodeKind::Call:
      case NodeKind::ChildFlow: {
        std::string s = head + (n.kind == NodeKind::Call ? "call " : "child_flow ") + p_.slot(n.slot) + " = " +
                        action_text(n.action, p_);
        if (n.retry) s += " retry " + p_.expr(n.retry);
        if (n.timeout) s += " timeout " + duration_or_expr(n.timeout, f_.slots);
        line(d, s);
        if (n.compensate) line(d + 1, "compensate " + action_text(*n.compensate, p_));
        break;
      }
      case NodeKind::Assign: line(d, head + "assign " + p_.slot(n.slot) + " = " + p_.expr(n.value)); break;
      case NodeKind::Choice: {
        std::string s = head + "choice";
        if (n.subject) s += " " + p_.slot(n.slot) + " = " + p_.expr(n.subject);
        line(d, s);
        auto labels = node_regions(n);
        for (size_t i = 0; i < n.edges.size(); ++i) {
          line(d + 1, labels[i].first + " when " + p_.expr(n.edges[i].guard) + ":");
          region(n.edges[i].target, d + 2);
        }
        if (n.otherwise) {
          line(d + 1, labels.back().first + ":");
          region(*n.otherwise, d + 2);
        }
        break;
      }
      case NodeKind::Fork:
        line(d, head + "fork");
        for (const auto& b : n.branches) {
          line(d + 1, "branch " + b.name + ":");
          region(b.entry, d + 2);
        }
        break;
      case NodeKind::Join: line(d, head + "join"); break;
      case NodeKind::Map: {
        std::string s = head + "map " + p_.slot(n.item_slot);
        if (n.index_slot >= 0) s += ", " + p_.slot(n.index_slot);
        s += " in " + p_.expr(n.value);
        if (n.concurrency) s += " concurrency " + p_.expr(n.concurrency);
        if (n.into_slot >= 0) s += " into " + p_.slot(n.into_slot);
        line(d, s + ":");
        region(n.body, d + 1);
        break;
      }
      case NodeKind::Yield: line(d, head + "yield " + p_.expr(n.value)); break;
      case NodeKind::Timer:
        line(d, head + "timer " + (n.until ? "until " + p_.expr(n.value) : duration_or_expr(n.value, f_.slots)));
        break;
      case NodeKind::WaitSignal: {
        std::string s = head + "wait_signal " + quote(n.name);
        if (n.timeout) s += " timeout " + duration_or_expr(n.timeout, f_.slots);
        if (n.slot >= 0) s += " -> " + p_.slot(n.slot);
        line(d, s);
        break;
      }
      case NodeKind::Emit:
        line(d, head + "emit " + quote(n.name) + (n.value ? " " + p_.expr(n.value) : ""));
        break;
      case NodeKind::Try:
        line(d, head + "try:");
        region(n.body, d + 1);
        for (const auto& c : n.catches) {
          std::string s = "catch";
          if (!c.kind.empty()) s += " " + c.kind;
          if (c.slot >= 0) s += " as " + p_.slot(c.slot);
          if (c.where) s += " where " + p_.expr(c.where);
          line(d, s + ":");
          region(c.entry, d + 1);
        }
        break;
      case NodeKind::Succeed: line(d, head + "succeed" + (n.value ? " " + p_.expr(n.value) : "")); break;
      case NodeKind::Fail:
        line(d, head + "fail " + p_.expr(n.value) + (n.details ? " with " + p_.expr(n.details) : ""));
        break;
    }
  }

  const Flow& f_;
  Printer p_;
  std::map<std::string, const Node*> by_id_;
  std::string out_;
};

}  // namespace

std::string type_text(const Type& t) {
  using K = Type::Kind;
  switch (t.kind) {
    case K::Json: return "json";
    case K::Null: return "null";
    case K::Bool: return "bool";
    case K::Int: return "int";
    case K::Float: return "float";
    case K::String: return "string";
    case K::Duration: return "duration";
    case K::Time: return "time";
    case K::Secret: return "secret";
    case K::List: return "[" + (t.args.empty() ? "json" : type_text(t.args[0])) + "]";
    case K::Map: return "map<" + (t.args.empty() ? "json" : type_text(t.args[0])) + ">";
    case K::Optional: {
      if (t.args.empty()) return "json?";
      std::string inner = type_text(t.args[0]);
      return t.args[0].kind == K::Union ? "(" + inner + ")?" : inner + "?";
    }
    case K::Union: {
      std::string s;
      for (size_t i = 0; i < t.args.size(); ++i) s += (i ? " | " : "") + type_text(t.args[i]);
      return s;
    }
    case K::Literal: return quote(t.name);
    case K::Ref: return t.name;
    case K::Record: {
      std::string s = "{";
      for (size_t i = 0; i < t.fields.size(); ++i)
        s += (i ? ", " : "") + t.fields[i].name + (t.fields[i].optional ? "?: " : ": ") + type_text(t.fields[i].type);
      return s + "}";
    }
  }
  return "?";
}

std::string expr_text(const ExprPtr& e, const std::vector<Slot>& slots) { return Printer(slots).expr(e); }

std::string expr_label(const ExprPtr& e, const std::vector<Slot>& slots) { return Printer(slots, true).expr(e); }

std::string duration_text(int64_t ms) {
  if (ms <= 0) return std::to_string(ms) + "ms";
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  std::string s;
  for (auto [size, unit] : kUnits)
    if (ms >= size) {
      s += std::to_string(ms / size) + unit;
      ms %= size;
    }
  return s;
}

std::string duration_or_expr(const ExprPtr& e, const std::vector<Slot>& slots) {
  if (e && e->op == Expr::Op::Const && e->value.is_int64()) return duration_text(e->value.get_int64());
  return expr_text(e, slots);
}

std::string dump(const Flow& f) { return FlowDumper(f).run(); }

std::string dump(const Module& m) {
  std::string out;
  for (const auto& t : m.types) out += "type " + t.name + " = " + type_text(t.type) + "\n";
  for (const auto& [name, v] : m.consts) out += "const " + name + " = " + const_text(v) + "\n";
  for (const auto& f : m.fns) {
    Printer p(f.slots);
    out += "fn " + f.name + params_text(f.params, p) + " -> " + type_text(f.result) + " = " + p.expr(f.body) + "\n";
  }
  for (const auto& c : m.connections) {
    Printer p({});
    out += "connection " + c.name + " = " + c.kind + " " + settings_text(c.settings, p) + "\n";
  }
  for (const auto& f : m.flows) out += dump(f);
  return out;
}

}  // namespace weft::ir
