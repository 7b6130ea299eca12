// The layout pass: bracket repair, newline rules, nesting cap, one chunk per declaration.
#include <algorithm>
#include <set>

#include <antlr4-runtime.h>

#include "WeftLexer.h"
#include "compiler/syntax/internal.h"

namespace weft::syntax::detail {

using L = weft_grammar::WeftLexer;

namespace {

bool is_opener(int t) { return t == L::LPAREN || t == L::LBRACK || t == L::LBRACE; }
bool is_closer(int t) { return t == L::RPAREN || t == L::RBRACK || t == L::RBRACE; }
int closer_of(int opener) { return opener == L::LPAREN ? L::RPAREN : opener == L::LBRACK ? L::RBRACK : L::RBRACE; }
const char* text_of(int t) {
  switch (t) {
    case L::LPAREN: return "(";
    case L::RPAREN: return ")";
    case L::LBRACK: return "[";
    case L::RBRACK: return "]";
    case L::LBRACE: return "{";
    default: return "}";
  }
}

bool is_decl_keyword(int t) {
  return t == L::KW_IMPORT || t == L::KW_TYPE || t == L::KW_CONST || t == L::KW_FN || t == L::KW_CONNECTION ||
         t == L::KW_FLOW || t == L::KW_TEST;
}

// A line that ends with one of these continues on the next line.
bool ends_continuation(int t) {
  switch (t) {
    case L::ASSIGN: case L::FATARROW: case L::ARROW: case L::COMMA: case L::LBRACE: case L::LPAREN:
    case L::LBRACK: case L::COLON: case L::DOT: case L::QDOT: case L::ELLIPSIS: case L::QQ:
    case L::ANDAND: case L::OROR: case L::PLUS: case L::MINUS: case L::STAR: case L::SLASH:
    case L::PERCENT: case L::EQ: case L::NEQ: case L::LT: case L::LE: case L::GE: case L::BANG:
    case L::PIPE: case L::SEMI:
      return true;
    default:
      return false;
  }
}

// A line that starts with one of these continues the previous line.
bool starts_continuation(int t) {
  switch (t) {
    case L::DOT: case L::QDOT: case L::QQ: case L::ANDAND: case L::OROR: case L::PIPE: case L::RBRACE:
    case L::RPAREN: case L::RBRACK: case L::LBRACE: case L::QUESTION: case L::COLON: case L::FATARROW:
    case L::ARROW: case L::PLUS: case L::STAR: case L::SLASH: case L::PERCENT: case L::EQ: case L::NEQ:
    case L::LT: case L::LE: case L::GT: case L::GE: case L::ASSIGN:
      return true;
    default:
      return false;
  }
}

// Keywords that continue the previous line unless used as a key (`timeout: 10s`).
bool starts_continuation_keyword(int t) {
  switch (t) {
    case L::KW_ELSE: case L::KW_CATCH: case L::KW_RETRY: case L::KW_TIMEOUT: case L::KW_COMPENSATE:
    case L::KW_WHERE: case L::KW_WITH: case L::KW_AS: case L::KW_EVERY: case L::KW_INTO:
    case L::KW_CONCURRENCY: case L::KW_IN:
      return true;
    default:
      return false;
  }
}

// Keywords that only start a statement or a flow item: a line starting with one never continues
// the previous line, even after an operator (`let a = 1 +` then `let b = 2` is two statements).
bool starts_statement_only(int t) {
  switch (t) {
    case L::KW_LET: case L::KW_STEP: case L::KW_IF: case L::KW_SWITCH: case L::KW_FOR: case L::KW_PARALLEL:
    case L::KW_TRY: case L::KW_FAIL: case L::KW_RETURN: case L::KW_EMIT: case L::KW_YIELD: case L::KW_MOCK:
    case L::KW_EXPECT: case L::KW_SIGNAL: case L::KW_ADVANCE: case L::KW_ON: case L::KW_OPTIONS:
      return true;
    default:
      return is_decl_keyword(t);
  }
}

// Raises the nesting level (a conservative bound on the depth of the tree a token adds).
bool is_nesting_operator(int t) {
  switch (t) {
    case L::DOT: case L::QDOT: case L::QQ: case L::ANDAND: case L::OROR: case L::PLUS: case L::MINUS:
    case L::STAR: case L::SLASH: case L::PERCENT: case L::EQ: case L::NEQ: case L::LT: case L::LE:
    case L::GT: case L::GE: case L::BANG: case L::QUESTION: case L::FATARROW: case L::KW_RUN:
    case L::KW_START: case L::KW_AWAIT: case L::KW_ELSE: case L::PIPE: case L::ELLIPSIS:
      return true;
    default:
      return false;
  }
}

struct Layouter {
  Context& cx;
  std::vector<Tok> toks;  // significant tokens, NL included
  uint32_t end;

  // Indentation (in bytes of spaces/tabs) of the line holding `offset`.
  uint32_t indent_of(uint32_t offset) const {
    auto lc = cx.file->line_col(offset);
    uint32_t start = offset - (lc.column - 1);
    uint32_t i = start;
    while (i < cx.text.size() && (cx.text[i] == ' ' || cx.text[i] == '\t')) ++i;
    return i - start;
  }
  bool first_on_line(size_t i) const { return i == 0 || toks[i - 1].type == L::NL; }

  // Refuses bracket nesting deeper than the budget before any other work (which would then be
  // quadratic): the declaration holding it is reported (E0006) and left out.
  void refuse_deep_brackets(unsigned budget) {
    std::vector<int> stack;
    size_t decl_start = 0;
    for (size_t i = 0; i < toks.size(); ++i) {
      int t = toks[i].type;
      bool member = i > 0 && (toks[i - 1].type == L::DOT || toks[i - 1].type == L::QDOT);
      if (stack.empty() && is_decl_keyword(t) && !member) decl_start = i;
      if (is_opener(t)) {
        stack.push_back(t);
        if (stack.size() <= budget) continue;
        cx.diags->add(diagnostics::Code::E0006, cx.range(toks[i].begin, toks[i].end),
                      "nesting too deep: more than " + std::to_string(budget) + " levels of brackets",
                      "nested too deeply");
        // Skip to the next declaration at depth 0 (or the end).
        size_t j = i + 1;
        for (; j < toks.size(); ++j) {
          int u = toks[j].type;
          if (is_opener(u)) stack.push_back(u);
          else if (is_closer(u)) {
            auto it = std::find(stack.rbegin(), stack.rend(), u == L::RPAREN ? L::LPAREN : u == L::RBRACK ? L::LBRACK : L::LBRACE);
            if (it != stack.rend()) stack.resize(static_cast<size_t>(stack.rend() - it) - 1);
          } else if (stack.empty() && is_decl_keyword(u) && toks[j - 1].type != L::DOT && toks[j - 1].type != L::QDOT) {
            break;
          }
        }
        cx.cover(toks[decl_start].begin, j < toks.size() ? toks[j].begin : end);
        toks.erase(toks.begin() + static_cast<long>(decl_start), toks.begin() + static_cast<long>(j));
        stack.clear();
        i = decl_start;
        if (i >= toks.size()) break;
        --i;  // re-examine the token now at decl_start
        continue;
      }
      if (is_closer(t)) {
        int want = t == L::RPAREN ? L::LPAREN : t == L::RBRACK ? L::LBRACK : L::LBRACE;
        auto it = std::find(stack.rbegin(), stack.rend(), want);
        if (it != stack.rend()) stack.resize(static_cast<size_t>(stack.rend() - it) - 1);
      }
    }
  }

  // Reports unclosed and stray brackets and makes the brackets balance: stray closers are
  // removed, and a synthetic closer is inserted where the unclosed bracket most likely ends.
  void repair() {
    struct Unclosed { size_t opener, limit; };
    std::vector<Unclosed> unclosed;
    std::vector<bool> removed(toks.size(), false);
    std::vector<size_t> stack;
    for (size_t i = 0; i < toks.size(); ++i) {
      int t = toks[i].type;
      if (is_opener(t)) {
        stack.push_back(i);
        continue;
      }
      if (!is_closer(t)) continue;
      size_t match = stack.size();
      for (size_t k = stack.size(); k-- > 0;)
        if (closer_of(toks[stack[k]].type) == t) {
          match = k;
          break;
        }
      if (match == stack.size()) {
        removed[i] = true;
        std::string closer = text_of(t), opener = text_of(t == L::RPAREN ? L::LPAREN : t == L::RBRACK ? L::LBRACK : L::LBRACE);
        cx.deferred.push_back({toks[i].begin, toks[i].end, "unexpected `" + closer + "`", "no `" + opener + "` to close"});
        cx.cover(toks[i].begin, toks[i].end);
        continue;
      }
      // Indentation hint: a closer that starts a line less indented than the innermost opener's
      // line, and level with an enclosing opener's line, closes that enclosing opener.
      if (match == stack.size() - 1 && first_on_line(i)) {
        uint32_t ind = indent_of(toks[i].begin);
        if (ind < indent_of(toks[stack[match]].begin)) {
          for (size_t k = match; k-- > 0;)
            if (closer_of(toks[stack[k]].type) == t && indent_of(toks[stack[k]].begin) == ind) {
              match = k;
              break;
            }
        }
      }
      for (size_t k = stack.size(); k-- > match + 1;) unclosed.push_back({stack[k], i});
      stack.resize(match);
    }
    for (size_t k = stack.size(); k-- > 0;) unclosed.push_back({stack[k], toks.size()});
    if (unclosed.empty() && std::none_of(removed.begin(), removed.end(), [](bool b) { return b; })) return;

    // Innermost first: an enclosing bracket closes after the brackets it contains.
    std::sort(unclosed.begin(), unclosed.end(), [](const Unclosed& a, const Unclosed& b) { return a.opener > b.opener; });
    std::vector<std::pair<size_t, int>> inserts;  // (insert before index, closer type)
    std::set<size_t> insert_positions;
    std::set<size_t> reported_limits;
    for (const auto& u : unclosed) {
      const Tok& open = toks[u.opener];
      uint32_t ind = indent_of(open.begin);
      size_t at = u.limit;
      size_t from = u.opener + 1;
      // An enclosing bracket closes after the closers inserted for the brackets it contains.
      if (auto it = insert_positions.upper_bound(u.limit); it != insert_positions.begin() && *std::prev(it) > from)
        from = *std::prev(it);
      int depth = 0;
      for (size_t j = u.opener + 1; j < u.limit; ++j) {
        if (removed[j]) continue;
        int t = toks[j].type;
        if (is_opener(t)) ++depth;
        if (is_closer(t)) --depth;
        if (t == L::NL && j >= from && depth <= 0 && j + 1 < u.limit && indent_of(toks[j + 1].begin) <= ind) {
          at = j;
          break;
        }
      }
      if (at < from) at = from;
      inserts.push_back({at, closer_of(open.type)});
      insert_positions.insert(at);
      // One report per failure point: the innermost unclosed bracket.
      if (!reported_limits.insert(u.limit).second) continue;
      std::string closer = text_of(closer_of(open.type));
      std::string opener = text_of(open.type);
      auto& d = cx.diags->add(diagnostics::Code::E0002, cx.range(open.begin, open.end),
                              "expected `" + closer + "` to close the `" + opener + "` opened at " + cx.where(open.begin),
                              "unclosed `" + opener + "`");
      // The failure point: the first token after where the closer belongs.
      size_t next = at;
      while (next < toks.size() && toks[next].type == L::NL) ++next;
      if (next < toks.size()) {
        d.notes.push_back({cx.range(toks[next].begin, toks[next].end),
                           "expected `" + closer + "` before " + describe_token(cx, toks[next])});
      } else {
        d.notes.push_back({cx.range(end, end), "expected `" + closer + "` before the end of the file"});
      }
      uint32_t stop = next < toks.size() ? toks[next].begin : end;
      cx.cover(open.begin, std::max(stop, open.end));
    }

    std::stable_sort(inserts.begin(), inserts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Tok> out;
    out.reserve(toks.size() + inserts.size());
    size_t ins = 0;
    for (size_t i = 0; i <= toks.size(); ++i) {
      while (ins < inserts.size() && inserts[ins].first == i) {
        // Zero-width, right after the last real token before it.
        uint32_t pos = out.empty() ? (i < toks.size() ? toks[i].begin : end) : out.back().end;
        for (size_t k = out.size(); k-- > 0;)
          if (out[k].type != L::NL) {
            pos = out[k].end;
            break;
          }
        out.push_back({inserts[ins].second, pos, pos, false, true});
        ++ins;
      }
      if (i < toks.size() && !removed[i]) out.push_back(toks[i]);
    }
    toks = std::move(out);
  }

  // Drops the NL tokens that do not end a statement or an entry; collapses runs.
  void filter_newlines(bool drop_all) {
    std::vector<Tok> out;
    out.reserve(toks.size());
    std::vector<int> stack;
    for (size_t i = 0; i < toks.size(); ++i) {
      const Tok& t = toks[i];
      if (t.type != L::NL) {
        if (is_opener(t.type)) stack.push_back(t.type);
        if (is_closer(t.type) && !stack.empty()) stack.pop_back();
        out.push_back(t);
        continue;
      }
      if (drop_all) continue;
      if (!stack.empty() && stack.back() != L::LBRACE) continue;
      if (out.empty() || out.back().type == L::NL) continue;
      size_t n = i + 1;
      while (n < toks.size() && toks[n].type == L::NL) ++n;
      if (n >= toks.size()) continue;
      int next = toks[n].type;
      bool next_is_colon = n + 1 < toks.size() && toks[n + 1].type == L::COLON;
      int last = out.back().type;
      bool opener_or_comma = is_opener(last) || last == L::COMMA || last == L::SEMI;
      if (ends_continuation(last) && (opener_or_comma || !starts_statement_only(next) || next_is_colon)) continue;
      if (starts_continuation(next)) continue;
      if (starts_continuation_keyword(next) && !next_is_colon) continue;
      out.push_back(t);
    }
    toks = std::move(out);
  }

  // Reports E0006 at the first token of [b, e) nested deeper than the budget; true when one was.
  bool too_deep(size_t b, size_t e, unsigned budget) {
    std::vector<unsigned> bases;  // level at each open bracket
    unsigned level = 0;
    for (size_t i = b; i < e; ++i) {
      int t = toks[i].type;
      if (is_opener(t)) {
        bases.push_back(level);
        ++level;
      } else if (is_closer(t)) {
        if (!bases.empty()) {
          level = bases.back() + 1;  // a bracketed group counts once for what follows it
          bases.pop_back();
        }
      } else if (t == L::NL || t == L::SEMI || t == L::COMMA) {
        level = bases.empty() ? 0 : bases.back() + 1;
      } else if (is_nesting_operator(t)) {
        ++level;
      }
      if (level > budget) {
        cx.diags->add(diagnostics::Code::E0006, cx.range(toks[i].begin, toks[i].end),
                      "nesting too deep: more than " + std::to_string(budget) +
                          " levels of brackets, operators or `else if`",
                      "nested too deeply");
        cx.cover(toks[b].begin, e < toks.size() ? toks[e].begin : end);
        return true;
      }
    }
    return false;
  }

  Chunk make_chunk(size_t b, size_t e) const {
    Chunk c;
    c.toks.assign(toks.begin() + static_cast<long>(b), toks.begin() + static_cast<long>(e));
    uint32_t pos = e < toks.size() ? toks[e].begin : end;
    c.toks.push_back({kEof, pos, pos, false, false});
    c.eof_what = e < toks.size() ? describe_token(cx, toks[e]) : "end of file";
    return c;
  }

  std::vector<Chunk> split(unsigned budget) {
    std::vector<Chunk> chunks;
    size_t i = 0, n = toks.size();
    while (i < n) {
      if (toks[i].type == L::NL || toks[i].type == L::SEMI) {
        ++i;
        continue;
      }
      // The declaration runs to the next declaration keyword at bracket depth 0.
      size_t start = i;
      int depth = 0;
      ++i;
      if (is_opener(toks[start].type)) ++depth;
      bool junk = !is_decl_keyword(toks[start].type);
      for (; i < n; ++i) {
        int t = toks[i].type;
        bool member = toks[i - 1].type == L::DOT || toks[i - 1].type == L::QDOT;  // `x.type`
        if (depth == 0 && is_decl_keyword(t) && !member) break;
        // Junk ends at the next line; a declaration at the next line starting with junk.
        if (depth == 0 && junk && t == L::NL) break;
        if (depth == 0 && !junk && t == L::NL && i + 1 < n && !is_decl_keyword(toks[i + 1].type) &&
            toks[i + 1].type != L::NL) {
          ++i;
          break;
        }
        if (is_opener(t)) ++depth;
        if (is_closer(t)) depth = std::max(0, depth - 1);
      }
      if (junk) {
        if (!cx.is_covered(toks[start].begin)) {
          cx.deferred.push_back({toks[start].begin, toks[start].end,
                                 "expected a declaration (`import`, `type`, `const`, `fn`, `connection`, `flow` or "
                                 "`test`), found " + describe_token(cx, toks[start]),
                                 "not a declaration"});
        }
        // Skip the whole junk line (and its brackets).
        continue;
      }
      if (too_deep(start, i, budget)) continue;
      chunks.push_back(make_chunk(start, i));
    }
    return chunks;
  }
};

}  // namespace

std::vector<Chunk> layout(Context& cx, std::vector<Tok> toks, uint32_t end, bool interpolation, unsigned depth_budget) {
  Layouter l{cx, std::move(toks), end};
  l.refuse_deep_brackets(depth_budget);
  l.repair();
  l.filter_newlines(interpolation);
  if (interpolation) {
    std::vector<Chunk> one;
    if (!l.too_deep(0, l.toks.size(), depth_budget)) one.push_back(l.make_chunk(0, l.toks.size()));
    return one;
  }
  return l.split(depth_budget);
}

}  // namespace weft::syntax::detail
