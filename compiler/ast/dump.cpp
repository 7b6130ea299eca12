#include "compiler/ast/dump.h"

#include <charconv>
#include <cstdio>

namespace weft::ast {
namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u{%X}", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

struct Printer {
  DumpOptions opt;
  std::string out;

  void at(const Range& r) {
    if (opt.ranges) out += dump_range(r);
  }
  void nl(int indent) {
    out += '\n';
    out.append(static_cast<size_t>(indent) * 2, ' ');
  }
  void ident(const Ident& id) {
    out += id.name;
    at(id.range);
  }

  void type(const TypeExpr* t) {
    if (!t) {
      out += "<none>";
      return;
    }
    using K = TypeExpr::Kind;
    switch (t->kind) {
      case K::Named:
        out += t->name;
        at(t->range);
        return;
      case K::StringLiteral:
        out += quote(t->name);
        at(t->range);
        return;
      case K::List: out += "(list"; break;
      case K::Map: out += "(map"; break;
      case K::Optional: out += "(opt"; break;
      case K::Union: out += "(union"; break;
      case K::Record: out += "(record"; break;
      case K::Generic: out += "(generic"; break;
    }
    at(t->range);
    if (t->kind == K::Generic) out += " " + t->name;
    for (const auto& a : t->args) {
      out += ' ';
      type(a.get());
    }
    for (const auto& f : t->fields) {
      out += f.optional ? " (field? " : " (field ";
      ident(f.name);
      at(f.range);
      out += ' ';
      type(f.type.get());
      out += ')';
    }
    out += ')';
  }

  void expr(const Expr* e) {
    if (!e) {
      out += "<none>";
      return;
    }
    using K = Expr::Kind;
    auto open = [&](const std::string& head) {
      out += "(" + head;
      at(e->range);
    };
    auto operands = [&]() {
      for (const auto& o : e->operands) {
        out += ' ';
        expr(o.get());
      }
    };
    switch (e->kind) {
      case K::Int: out += std::to_string(e->int_value); at(e->range); return;
      case K::Float: {
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof buf, e->float_value);
        std::string s(buf, r.ptr);
        if (s.find_first_of(".en") == std::string::npos) s += ".0";
        out += s;
        at(e->range);
        return;
      }
      case K::Bool: out += e->bool_value ? "true" : "false"; at(e->range); return;
      case K::Null: out += "null"; at(e->range); return;
      case K::Duration: out += std::to_string(e->duration_ms) + "ms"; at(e->range); return;
      case K::Name: out += e->name; at(e->range); return;
      case K::String: {
        bool plain = e->parts.size() <= 1 && (e->parts.empty() || !e->parts[0].expr);
        if (plain) {
          out += quote(e->parts.empty() ? "" : e->parts[0].text);
          at(e->range);
          return;
        }
        open("str");
        for (const auto& p : e->parts) {
          out += ' ';
          if (p.expr) {
            out += '{';
            expr(p.expr.get());
            out += '}';
          } else {
            out += quote(p.text);
          }
          at(p.range);
        }
        out += ')';
        return;
      }
      case K::Member:
      case K::OptMember:
        open(e->kind == K::Member ? "." : "?.");
        operands();
        out += ' ' + e->name;
        at(e->name_range);
        out += ')';
        return;
      case K::Index: open("index"); operands(); out += ')'; return;
      case K::Call: {
        std::string head = "call";
        if (!e->type_args.empty()) {
          Printer p{opt, {}};
          for (size_t i = 0; i < e->type_args.size(); ++i) {
            if (i) p.out += ',';
            p.type(e->type_args[i].get());
          }
          head += "<" + p.out + ">";
        }
        open(head);
        operands();
        for (const auto& a : e->args) {
          out += ' ';
          if (a.name) {
            ident(*a.name);
            out += '=';
          }
          expr(a.value.get());
        }
        out += ')';
        return;
      }
      case K::Unary:
      case K::Binary: open(e->name); operands(); out += ')'; return;
      case K::Conditional: open("?"); operands(); out += ')'; return;
      case K::Lambda: {
        open("=>");
        out += " (";
        for (size_t i = 0; i < e->params.size(); ++i) {
          if (i) out += ' ';
          ident(e->params[i]);
        }
        out += ')';
        operands();
        out += ')';
        return;
      }
      case K::Object: {
        open("object");
        for (const auto& en : e->entries) {
          out += " (";
          if (en.spread) {
            out += "...";
          } else {
            out += en.quoted ? quote(en.key.name) : en.key.name;
            at(en.key.range);
          }
          out += ' ';
          expr(en.value.get());
          out += ')';
        }
        out += ')';
        return;
      }
      case K::List: open("list"); operands(); out += ')'; return;
      case K::Run: open("run"); operands(); out += ')'; return;
      case K::Start: open("start"); operands(); out += ')'; return;
      case K::Await: open("await"); operands(); out += ')'; return;
      case K::WaitSignal:
        open("wait-signal");
        out += ' ' + quote(e->signal_name);
        at(e->signal_name_range);
        operands();
        out += ')';
        return;
    }
  }

  void block(const Block& b, int indent) {
    for (const auto& s : b.stmts) {
      nl(indent);
      stmt(*s, indent);
    }
  }

  void sub(const char* head, const Expr* e) {
    if (!e) return;
    out += std::string(" (") + head + " ";
    expr(e);
    out += ')';
  }

  void stmt(const Stmt& s, int indent) {
    using K = Stmt::Kind;
    auto open = [&](const char* head) {
      out += std::string("(") + head;
      at(s.range);
    };
    switch (s.kind) {
      case K::Let:
      case K::Step:
        open(s.kind == K::Let ? "let" : "step");
        out += ' ';
        ident(s.name);
        out += ' ';
        expr(s.value.get());
        sub("retry", s.retry.get());
        sub("timeout", s.timeout.get());
        sub("compensate", s.compensate.get());
        out += ')';
        return;
      case K::If:
        open("if");
        out += ' ';
        expr(s.value.get());
        nl(indent + 1);
        out += "(then";
        at(s.then.range);
        block(s.then, indent + 2);
        out += ')';
        if (s.else_block) {
          nl(indent + 1);
          out += "(else";
          at(s.else_block->range);
          block(*s.else_block, indent + 2);
          out += ')';
        }
        out += ')';
        return;
      case K::Switch:
        open("switch");
        out += ' ';
        expr(s.value.get());
        for (const auto& c : s.cases) {
          nl(indent + 1);
          out += "(case";
          at(c.range);
          for (const auto& v : c.values) {
            out += ' ';
            expr(v.get());
          }
          block(c.body, indent + 2);
          out += ')';
        }
        if (s.else_block) {
          nl(indent + 1);
          out += "(default";
          block(*s.else_block, indent + 2);
          out += ')';
        }
        out += ')';
        return;
      case K::For:
        open("for");
        out += ' ';
        ident(s.name);
        if (s.index) {
          out += " (index ";
          ident(*s.index);
          out += ')';
        }
        out += ' ';
        expr(s.value.get());
        sub("concurrency", s.concurrency.get());
        if (s.into) {
          out += " (into ";
          ident(*s.into);
          out += ')';
        }
        block(s.then, indent + 1);
        out += ')';
        return;
      case K::Parallel:
        open("parallel");
        for (const auto& b : s.branches) {
          nl(indent + 1);
          out += "(branch ";
          ident(b.name);
          at(b.range);
          block(b.body, indent + 2);
          out += ')';
        }
        out += ')';
        return;
      case K::Wait: open("wait"); out += ' '; expr(s.value.get()); out += ')'; return;
      case K::WaitUntil: open("wait-until"); out += ' '; expr(s.value.get()); out += ')'; return;
      case K::Emit:
        open("emit");
        out += ' ' + quote(s.event_name);
        at(s.event_name_range);
        if (s.value) {
          out += ' ';
          expr(s.value.get());
        }
        out += ')';
        return;
      case K::Try:
        open("try");
        block(s.then, indent + 1);
        for (const auto& c : s.catches) {
          nl(indent + 1);
          out += "(catch";
          at(c.range);
          if (c.kind) {
            out += ' ';
            ident(*c.kind);
          }
          if (c.as) {
            out += " (as ";
            ident(*c.as);
            out += ')';
          }
          sub("where", c.where.get());
          block(c.body, indent + 2);
          out += ')';
        }
        out += ')';
        return;
      case K::Fail: open("fail"); out += ' '; expr(s.value.get()); sub("with", s.with.get()); out += ')'; return;
      case K::Return:
        open("return");
        if (s.value) {
          out += ' ';
          expr(s.value.get());
        }
        out += ')';
        return;
      case K::Yield: open("yield"); out += ' '; expr(s.value.get()); out += ')'; return;
      case K::ExprStmt: open("expr"); out += ' '; expr(s.value.get()); out += ')'; return;
      case K::Mock:
        open("mock");
        out += ' ';
        expr(s.target.get());
        out += ' ';
        expr(s.value.get());
        sub("where", s.where.get());
        out += ')';
        return;
      case K::Expect: open("expect"); out += ' '; expr(s.value.get()); out += ')'; return;
      case K::Signal:
        open("signal");
        out += ' ';
        expr(s.target.get());
        out += ' ' + quote(s.event_name);
        at(s.event_name_range);
        if (s.value) {
          out += ' ';
          expr(s.value.get());
        }
        out += ')';
        return;
      case K::Advance: open("advance"); out += ' '; expr(s.value.get()); out += ')'; return;
    }
  }

  void settings(const char* head, const std::vector<Setting>& ss, int indent) {
    for (const auto& s : ss) {
      nl(indent);
      out += std::string("(") + head + " ";
      ident(s.name);
      at(s.range);
      out += ' ';
      expr(s.value.get());
      out += ')';
    }
  }

  void params(const std::vector<Param>& ps, int indent) {
    for (const auto& p : ps) {
      nl(indent);
      out += "(param ";
      ident(p.name);
      at(p.range);
      out += ' ';
      type(p.type.get());
      if (p.default_value) {
        out += ' ';
        expr(p.default_value.get());
      }
      out += ')';
    }
  }

  void decl(const Decl& d, int indent) {
    using K = Decl::Kind;
    static const char* heads[] = {"import", "type", "const", "fn", "connection", "flow", "test"};
    out += std::string("(") + heads[static_cast<int>(d.kind)];
    at(d.range);
    out += ' ';
    if (d.kind == K::Test) {
      out += quote(d.name.name);
      at(d.name.range);
    } else {
      ident(d.name);
    }
    switch (d.kind) {
      case K::Import: out += ' ' + quote(d.import_path); break;
      case K::Type:
        out += d.is_alias ? " = " : " ";
        type(d.type.get());
        for (size_t i = 0; d.type && !d.is_alias && i < d.type->fields.size(); ++i) {
          const auto& f = d.type->fields[i];
          if (f.doc.empty()) continue;
          nl(indent + 1);
          out += "(field-doc " + f.name.name + " " + quote(f.doc) + ")";
        }
        break;
      case K::Const: out += ' '; expr(d.value.get()); break;
      case K::Connection:
        out += ' ' + d.connection_kind;
        settings("set", d.settings, indent + 1);
        break;
      case K::Fn:
      case K::Flow:
        params(d.params, indent + 1);
        if (d.result) {
          nl(indent + 1);
          out += "(result ";
          type(d.result.get());
          out += ')';
        }
        for (const auto& t : d.triggers) {
          static const char* kinds[] = {"webhook", "schedule", "poll", "event"};
          nl(indent + 1);
          out += std::string("(on ") + kinds[static_cast<int>(t.kind)];
          at(t.range);
          out += ' ';
          expr(t.subject.get());
          sub("every", t.every.get());
          settings("set", t.settings, indent + 2);
          out += ')';
        }
        if (!d.options.empty() || d.options_range.valid()) {
          nl(indent + 1);
          out += "(options";
          at(d.options_range);
          settings("set", d.options, indent + 2);
          out += ')';
        }
        if (d.value) {
          nl(indent + 1);
          out += "(= ";
          expr(d.value.get());
          out += ')';
        }
        if (d.body) {
          nl(indent + 1);
          out += "(body";
          at(d.body->range);
          block(*d.body, indent + 2);
          out += ')';
        }
        break;
      case K::Test:
        if (d.body) block(*d.body, indent + 1);
        break;
    }
    if (!d.doc.empty()) {
      nl(indent + 1);
      out += "(doc " + quote(d.doc) + ")";
    }
    out += ')';
  }
};

}  // namespace

std::string dump_range(const Range& r) {
  if (!r.file) return "@?";
  auto b = r.file->line_col(r.begin);
  auto e = r.file->line_col(r.end);
  return "@" + std::to_string(b.line) + ":" + std::to_string(b.column) + "-" + std::to_string(e.line) + ":" +
         std::to_string(e.column);
}

std::string dump(const Module& m, DumpOptions opt) {
  Printer p{opt, {}};
  for (const auto& d : m.decls) {
    p.decl(d, 0);
    p.out += '\n';
  }
  return p.out;
}

std::string dump(const Decl& d, DumpOptions opt) {
  Printer p{opt, {}};
  p.decl(d, 0);
  return p.out;
}

std::string dump(const Stmt& s, DumpOptions opt) {
  Printer p{opt, {}};
  p.stmt(s, 0);
  return p.out;
}

std::string dump(const Expr& e, DumpOptions opt) {
  Printer p{opt, {}};
  p.expr(&e);
  return p.out;
}

std::string dump(const TypeExpr& t, DumpOptions opt) {
  Printer p{opt, {}};
  p.type(&t);
  return p.out;
}

}  // namespace weft::ast
