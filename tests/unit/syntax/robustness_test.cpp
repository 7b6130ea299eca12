// Robustness: parse() never crashes, hangs or throws on mutated or hostile input, and everything it
// returns stays inside the source (ranges in bounds, diagnostics with a file).
#include <random>

#include "syntax_test_util.h"

using namespace weft::syntax::testing;
using namespace weft;
using weft::syntax::ParseResult;
using weft::syntax::parse;

namespace {

// Checks every range of the AST and of the diagnostics against the text size.
struct Checker {
  uint32_t size;
  const diagnostics::SourceFile* file;
  int bad = 0;
  void range(const ast::Range& r) {
    if (!r.file) return;  // optional ranges (e.g. unset name_range) have no file
    if (r.file != file || r.begin > r.end || r.end > size) ++bad;
  }
  void type(const ast::TypeExpr* t) {
    if (!t) return;
    range(t->range);
    for (const auto& a : t->args) type(a.get());
    for (const auto& f : t->fields) {
      range(f.range);
      range(f.name.range);
      if (!f.type) ++bad;
      type(f.type.get());
    }
  }
  void expr(const ast::Expr* e) {
    if (!e) return;
    range(e->range);
    range(e->name_range);
    for (const auto& o : e->operands) {
      if (!o) ++bad;
      expr(o.get());
    }
    for (const auto& a : e->args) {
      range(a.range);
      if (!a.value) ++bad;
      expr(a.value.get());
    }
    for (const auto& p : e->parts) {
      range(p.range);
      expr(p.expr.get());
    }
    for (const auto& en : e->entries) {
      range(en.range);
      if (!en.value) ++bad;
      expr(en.value.get());
    }
    for (const auto& t : e->type_args) type(t.get());
  }
  void block(const ast::Block& b) {
    for (const auto& s : b.stmts) stmt(s.get());
  }
  void stmt(const ast::Stmt* s) {
    if (!s) {
      ++bad;
      return;
    }
    range(s->range);
    for (const ast::Expr* e : {s->value.get(), s->target.get(), s->retry.get(), s->timeout.get(),
                               s->compensate.get(), s->concurrency.get(), s->with.get()})
      expr(e);
    block(s->then);
    if (s->else_block) block(*s->else_block);
    for (const auto& c : s->cases) {
      for (const auto& v : c.values) expr(v.get());
      block(c.body);
    }
    for (const auto& c : s->catches) {
      expr(c.where.get());
      block(c.body);
    }
    for (const auto& b : s->branches) block(b.body);
  }
  void module(const ParseResult& r) {
    for (const auto& d : r.module.decls) {
      range(d.range);
      range(d.name.range);
      type(d.type.get());
      type(d.result.get());
      expr(d.value.get());
      for (const auto& p : d.params) {
        type(p.type.get());
        expr(p.default_value.get());
      }
      for (const auto& s : d.settings) expr(s.value.get());
      for (const auto& s : d.options) expr(s.value.get());
      for (const auto& t : d.triggers) {
        expr(t.subject.get());
        expr(t.every.get());
        for (const auto& s : t.settings) expr(s.value.get());
      }
      if (d.body) block(*d.body);
    }
    for (const auto& c : r.module.comments) range(c.range);
    for (const auto& d : r.diags.all()) {
      if (!d.range.file) ++bad;
      range(d.range);
      for (const auto& n : d.notes)
        if (n.range) range(*n.range);
    }
  }
};

// Parses and checks; returns a description of what went wrong, or "" when all is well.
std::string check(const std::string& text, unsigned max_depth = 256) {
  auto src = std::make_shared<diagnostics::SourceFile>("fuzz.flow", text);
  ParseResult r = parse(src, max_depth);
  Checker c{static_cast<uint32_t>(text.size()), src.get()};
  c.module(r);
  for (const auto& d : r.diags.all())
    if (d.message.find("internal parser error") != std::string::npos) return "internal error: " + d.message;
  if (c.bad) return std::to_string(c.bad) + " bad ranges or null nodes";
  // Rendering works on whatever came out.
  for (const auto& d : r.diags.all())
    if (diagnostics::render_text(d).empty()) return "empty rendering";
  return "";
}

std::vector<std::string> corpus() {
  return {read_data("language_first_look.flow"), read_data("language_triggers.flow"),
          read_data("language_inline.flow")};
}

// Rough tokens: identifier/number runs, whitespace runs, single other bytes.
std::vector<std::string> tokens_of(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t j = i + 1;
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    if (word(s[i]))
      while (j < s.size() && word(s[j])) ++j;
    else if (s[i] == ' ')
      while (j < s.size() && s[j] == ' ') ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string join(const std::vector<std::string>& ts) {
  std::string s;
  for (const auto& t : ts) s += t;
  return s;
}

}  // namespace

TEST(Robustness, TruncationAtEveryFewBytes) {
  for (const auto& text : corpus()) {
    ASSERT_FALSE(text.empty());
    for (size_t n = 0; n < text.size(); n += 5) {
      std::string cut = text.substr(0, n);
      ASSERT_EQ(check(cut), "") << "truncated at " << n << ":\n" << cut;
    }
  }
}

TEST(Robustness, RandomTokenMutations) {
  std::mt19937 rng(20261128);
  const std::vector<std::string> pool = {"(", ")", "[", "]", "{", "}", "\"", "\"\"\"", "${", "}", ",", ";", ":",
                                         "\n", "=", "=>", "->", ".", "?.", "??", "?", "|", "...", "step", "let",
                                         "if", "else", "retry", "timeout", "on", "fn", "flow", "type", "1h30m",
                                         "5min", "1e", "\\", "/*", "//", "@", "\xff", std::string(1, '\0'), "x"};
  int runs = 0;
  for (const auto& text : corpus()) {
    auto base = tokens_of(text);
    for (int i = 0; i < 700; ++i, ++runs) {
      auto ts = base;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !ts.empty(); ++e) {
        size_t at = rng() % ts.size();
        switch (rng() % 4) {
          case 0: ts.erase(ts.begin() + static_cast<long>(at)); break;
          case 1: ts.insert(ts.begin() + static_cast<long>(at), ts[at]); break;
          case 2: ts.insert(ts.begin() + static_cast<long>(at), pool[rng() % pool.size()]); break;
          default:
            if (at + 1 < ts.size()) std::swap(ts[at], ts[at + 1]);
        }
      }
      std::string mutated = join(ts);
      ASSERT_EQ(check(mutated), "") << "mutation " << i << ":\n" << mutated;
    }
  }
  EXPECT_GE(runs, 2000);
}

TEST(Robustness, RandomByteMutations) {
  std::mt19937 rng(7);
  for (const auto& text : corpus()) {
    for (int i = 0; i < 400; ++i) {
      std::string s = text;
      int edits = 1 + static_cast<int>(rng() % 6);
      for (int e = 0; e < edits && !s.empty(); ++e) {
        size_t at = rng() % s.size();
        size_t len = 1 + rng() % 8;
        switch (rng() % 3) {
          case 0: s.erase(at, len); break;
          case 1: s.insert(at, s.substr(at, len)); break;
          default: s.insert(at, 1, static_cast<char>(rng() % 256));
        }
      }
      ASSERT_EQ(check(s), "") << "byte mutation " << i << ":\n" << s;
    }
  }
}

TEST(Robustness, HundredThousandNestedBrackets) {
  for (const char* open : {"(", "[", "{"}) {
    std::string s = "const A = ";
    for (int i = 0; i < 100000; ++i) s += open;
    auto r = parse_text(s);
    ASSERT_TRUE(r.diags.has_errors());
    EXPECT_EQ(r.diags.all()[0].code, diagnostics::Code::E0006) << open;
    EXPECT_EQ(check(s), "");
  }
  std::string balanced = "const A = " + std::string(100000, '(') + "1" + std::string(100000, ')') + "\nconst B = 2\n";
  auto r = parse_text(balanced);
  ASSERT_EQ(r.diags.all().size(), 1u);
  EXPECT_EQ(r.diags.all()[0].code, diagnostics::Code::E0006);
  ASSERT_EQ(r.module.decls.size(), 1u);
  EXPECT_EQ(r.module.decls[0].name.name, "B");
}

TEST(Robustness, LongOperatorAndStatementChains) {
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  for (const std::string& s :
       {"const A = " + repeat("!", 100000) + "x\n", "const A = " + repeat("- ", 50000) + "x\n",
        "const A = x" + repeat(".a", 50000) + "\n", "const A = 1" + repeat(" + 1", 50000) + "\n",
        "const A = " + repeat("x => ", 50000) + "x\n", "const A = " + repeat("run ", 50000) + "f()\n",
        "const A = f" + repeat("()", 50000) + "\n", "const A = c" + repeat(" ? a : c", 50000) + "\n",
        "flow f() {\n  if a { }" + repeat(" else if a { }", 50000) + "\n}\n",
        "type T = " + repeat("[", 100000) + "int\n", "type T = int" + repeat("?", 100000) + "\n",
        "type T = \"a\"" + repeat(" | \"a\"", 50000) + "\n"}) {
    auto r = parse_text(s);
    EXPECT_TRUE(r.diags.has_errors()) << s.substr(0, 40);
    EXPECT_EQ(r.diags.all().at(0).code, diagnostics::Code::E0006) << s.substr(0, 40);
  }
  // Many statements are fine: only nesting is capped.
  std::string many = "flow f() {\n" + repeat("  let x = 1 + 2\n", 20000) + "}\n";
  auto r = parse_text(many);
  EXPECT_FALSE(r.diags.has_errors());
  EXPECT_EQ(r.module.decls.at(0).body->stmts.size(), 20000u);
}

TEST(Robustness, DeeplyNestedStringInterpolation) {
  std::string s = "const A = ";
  for (int i = 0; i < 100000; ++i) s += "\"${";
  auto r = parse_text(s);
  ASSERT_TRUE(r.diags.has_errors());
  EXPECT_EQ(r.diags.all()[0].code, diagnostics::Code::E0006);
  std::string ok = "const A = ";
  for (int i = 0; i < 50; ++i) ok += "\"${";
  ok += "1";
  for (int i = 0; i < 50; ++i) ok += "}\"";
  EXPECT_FALSE(parse_text(ok + "\n").diags.has_errors()) << rendered(parse_text(ok + "\n")).substr(0, 500);
  EXPECT_EQ(check(ok), "");
}

TEST(Robustness, OneMegabyteString) {
  std::string body(1 << 20, 'a');
  auto r = parse_text("const A = \"" + body + "\"\n");
  ASSERT_FALSE(r.diags.has_errors());
  ASSERT_EQ(r.module.decls[0].value->parts.size(), 1u);
  EXPECT_EQ(r.module.decls[0].value->parts[0].text.size(), body.size());
  // Unterminated, and as one long line of code.
  EXPECT_EQ(parse_text("const A = \"" + body).diags.all().at(0).code, diagnostics::Code::E0007);
  EXPECT_EQ(check("const A = " + std::string(1 << 20, '!')), "");
}

TEST(Robustness, InvalidUtf8AndNulBytes) {
  std::string s = "const A = 1\n";
  s += std::string("\xC3\xC3 \xE2\x82 \xF0\x90\x8C \xED\xA0\x80 \xC0\xAF", 16);
  s += "\nconst B = \"x\xFE\xFFy\"\n";
  s += std::string("const C = 1\0 + 2\n", 17);
  auto r = parse_text(s);
  EXPECT_TRUE(r.diags.has_errors());
  for (const auto& d : r.diags.all()) EXPECT_EQ(d.code, diagnostics::Code::E0008) << d.message;
  EXPECT_EQ(check(s), "");
  std::mt19937 rng(99);
  for (int i = 0; i < 200; ++i) {
    std::string junk;
    for (int k = 0; k < 300; ++k) junk += static_cast<char>(rng() % 256);
    ASSERT_EQ(check(junk), "");
  }
  EXPECT_EQ(check(std::string(1000, '\0')), "");
}
