#include "lsp/context.h"

#include <algorithm>

namespace weft::lsp {

namespace {

using K = Token::Kind;

struct Cursor {
  std::string_view text;
  const std::vector<Token>& toks;
  std::string_view at(size_t i) const { return text.substr(toks[i].begin, toks[i].end - toks[i].begin); }
  bool is(size_t i, std::string_view s) const {
    return i < toks.size() && (toks[i].kind == K::Punct || toks[i].kind == K::Keyword || toks[i].kind == K::Ident ||
                               toks[i].kind == K::InterpStart || toks[i].kind == K::InterpEnd) &&
           at(i) == s;
  }
  bool word(size_t i) const { return i < toks.size() && (toks[i].kind == K::Ident || toks[i].kind == K::Keyword); }
  bool trivia(size_t i) const { return toks[i].kind == K::Comment || toks[i].kind == K::DocComment; }
};

// Walks the tokens before `limit`, maintaining the bracket stack and each level's statement start.
struct Walker {
  const Cursor& c;
  std::vector<Frame> frames;
  std::vector<size_t> stmt_start{SIZE_MAX};  // per level (levels = frames.size() + 1)

  BlockKind classify_brace(size_t i, std::string& detail) const {
    size_t prev = i;
    while (prev > 0 && c.trivia(prev - 1)) --prev;
    prev = prev > 0 ? prev - 1 : SIZE_MAX;
    size_t s = stmt_start.back();
    auto start_is = [&](std::string_view w) { return s != SIZE_MAX && s < i && c.is(s, w); };
    bool parent_is_code = frames.empty() || frames.back().kind == BlockKind::Flow ||
                          frames.back().kind == BlockKind::Fn || frames.back().kind == BlockKind::Test ||
                          frames.back().kind == BlockKind::Statement;
    if (prev != SIZE_MAX) {
      std::string_view p = c.at(prev);
      if (c.toks[prev].kind == K::Ident && p == "http" && start_is("connection")) return BlockKind::Connection;
      if (c.is(prev, "options")) return BlockKind::Options;
      if (c.is(prev, "retry")) return BlockKind::Retry;
      if (c.is(prev, ":") && prev > 0 && c.word(prev - 1)) {
        std::string_view key = c.at(prev - 1);
        if (key == "retry") return BlockKind::Retry;
        if (key == "rate_limit") return BlockKind::RateLimit;
        if (key == "breaker" && !frames.empty() && frames.back().kind == BlockKind::Connection)
          return BlockKind::Breaker;
        if (key == "concurrency" && !frames.empty() && frames.back().kind == BlockKind::Options)
          return BlockKind::Concurrency;
        if (!frames.empty() && frames.back().kind == BlockKind::Record) return BlockKind::Record;
        if (start_is("type") || ((start_is("fn") || start_is("flow")) && !frames.empty() &&
                                 frames.back().kind == BlockKind::Paren))
          return BlockKind::Record;
        return BlockKind::Object;
      }
      if (c.is(prev, "->")) return BlockKind::Record;
      if (c.is(prev, "|") || c.is(prev, "?")) return BlockKind::Record;
      if (c.is(prev, "[") && !frames.empty() && frames.back().kind == BlockKind::Record) return BlockKind::Record;
      if (c.is(prev, "=>")) return (start_is("case") || start_is("default")) ? BlockKind::Statement : BlockKind::Object;
      if (c.is(prev, "=") || c.is(prev, "(") || c.is(prev, ",") || c.is(prev, "[") || c.is(prev, "with") ||
          c.is(prev, "return") || c.is(prev, "yield") || c.is(prev, "expect") || c.is(prev, "??") ||
          c.is(prev, "?") || c.is(prev, ":") || c.is(prev, "...") || c.toks[prev].kind == K::String ||
          c.toks[prev].kind == K::InterpStart) {
        if (c.toks[prev].kind == K::String && start_is("test")) return BlockKind::Test;
        if (c.toks[prev].kind == K::String && start_is("on") && s + 1 < c.toks.size()) {
          detail = std::string(c.at(s + 1));
          return BlockKind::Trigger;
        }
        return BlockKind::Object;
      }
    }
    if (start_is("on") && s + 1 < c.toks.size()) {
      detail = std::string(c.at(s + 1));
      return BlockKind::Trigger;
    }
    if (start_is("type")) return BlockKind::Record;
    if (start_is("flow")) return BlockKind::Flow;
    if (start_is("fn")) return BlockKind::Fn;
    if (start_is("test")) return BlockKind::Test;
    if (start_is("connection")) return BlockKind::Connection;
    if (parent_is_code) return BlockKind::Statement;
    return BlockKind::Object;
  }

  void step(size_t i) {
    const Token& t = c.toks[i];
    if (c.trivia(i)) return;
    // A new statement starts at the first token of a line (unless the previous line continues),
    // after `;`, or right after an opening brace.
    if (stmt_start.back() == SIZE_MAX || t.line_start || (i > 0 && c.is(i - 1, ";"))) {
      bool continues = false;
      if (t.line_start && stmt_start.back() != SIZE_MAX && i > 0) {
        size_t p = i - 1;
        while (p > 0 && c.trivia(p)) --p;
        static constexpr std::string_view cont[] = {"=", "=>", ",", "+", "-", "*", "/", "%", "&&", "||",
                                                    "??", "==", "!=", "<", "<=", ">", ">=", "->", ":", "|", "?"};
        for (auto s : cont)
          if (c.is(p, s)) continues = true;
        static constexpr std::string_view lead[] = {".", "?.", "??", "&&", "||", "else", "catch", "retry",
                                                    "timeout", "compensate", "|", "->"};
        for (auto s : lead)
          if (c.is(i, s)) continues = true;
      }
      if (!continues) stmt_start.back() = i;
    }
    if (c.is(i, "{") || c.is(i, "(") || c.is(i, "[") || t.kind == K::InterpStart) {
      Frame f{BlockKind::Object, {}, i};
      if (t.kind == K::InterpStart) {
        f.kind = BlockKind::Interp;
      } else if (c.is(i, "{")) {
        f.kind = classify_brace(i, f.detail);
      } else if (c.is(i, "(")) {
        f.kind = BlockKind::Paren;
        size_t p = i;
        if (p > 0 && c.is(p - 1, ">")) {  // get<T>(
          size_t q = p - 1;
          int depth = 0;
          while (q > 0) {
            if (c.is(q, ">")) ++depth;
            if (c.is(q, "<") && --depth == 0) break;
            --q;
          }
          p = q;
        }
        if (p > 0 && c.word(p - 1)) f.detail = std::string(c.at(p - 1));
      } else {
        f.kind = BlockKind::Bracket;
        if (i >= 2 && c.is(i - 1, ":") && c.word(i - 2)) f.detail = std::string(c.at(i - 2));
      }
      frames.push_back(std::move(f));
      stmt_start.push_back(SIZE_MAX);
      return;
    }
    if ((c.is(i, "}") || c.is(i, ")") || c.is(i, "]") || t.kind == K::InterpEnd) && !frames.empty()) {
      frames.pop_back();
      stmt_start.pop_back();
    }
  }
};

Place place_of(const std::vector<Frame>& frames) {
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    switch (it->kind) {
      case BlockKind::Flow: return Place::Flow;
      case BlockKind::Test: return Place::Test;
      case BlockKind::Fn: return Place::FnBody;
      case BlockKind::Statement: continue;
      default: return Place::TopLevel;
    }
  }
  return Place::TopLevel;
}

}  // namespace

std::optional<settings::Block> settings_block(const Frame& f) {
  switch (f.kind) {
    case BlockKind::Connection: return settings::Block::Connection;
    case BlockKind::Options: return settings::Block::Options;
    case BlockKind::Retry: return settings::Block::Retry;
    case BlockKind::RateLimit: return settings::Block::RateLimit;
    case BlockKind::Concurrency: return settings::Block::Concurrency;
    case BlockKind::Breaker: return settings::Block::Breaker;
    case BlockKind::Trigger:
      if (const auto* t = settings::find_trigger(f.detail)) return t->block;
      return std::nullopt;
    default: return std::nullopt;
  }
}

const Frame* CursorContext::innermost_block() const { return frames.empty() ? nullptr : &frames.back(); }

CursorContext context_at(std::string_view text, const std::vector<Token>& toks, uint32_t offset) {
  Cursor c{text, toks};
  Walker w{c, {}, {SIZE_MAX}};
  CursorContext ctx;
  size_t i = 0;
  for (; i < toks.size() && toks[i].end <= offset; ++i) {
    // A token ending exactly at the cursor: an identifier being typed stays "current".
    if (toks[i].end == offset && (toks[i].kind == K::Ident || toks[i].kind == K::Keyword)) break;
    if (toks[i].end == offset && (toks[i].kind == K::Comment || toks[i].kind == K::DocComment) &&
        text.substr(toks[i].begin, 2) == "//") {
      ctx.in_comment = true;
    }
    if (toks[i].end == offset && toks[i].kind == K::String) {
      std::string_view s = text.substr(toks[i].begin, toks[i].end - toks[i].begin);
      bool closed = s.size() >= 2 && s.back() == '"' && (s.front() != '"' || s.size() > 1) &&
                    !(s.size() >= 2 && s[s.size() - 2] == '\\');
      if (!closed || (s.size() == 1 && s.front() == '"')) ctx.in_string = true;
    }
    w.step(i);
  }
  ctx.token_index = i;
  if (i < toks.size() && toks[i].begin < offset) {
    const Token& t = toks[i];
    if (t.kind == K::Comment || t.kind == K::DocComment) ctx.in_comment = true;
    if (t.kind == K::String) ctx.in_string = true;
    if (t.kind == K::Ident || t.kind == K::Keyword) {
      ctx.prefix = std::string(text.substr(t.begin, offset - t.begin));
      ctx.prefix_begin = t.begin;
    }
  }
  if (ctx.prefix.empty()) ctx.prefix_begin = offset;
  ctx.frames = w.frames;
  ctx.place = place_of(ctx.frames);

  // The token just before the prefix.
  size_t prev = i;
  while (prev > 0 && (c.trivia(prev - 1))) --prev;
  if (prev > 0) {
    size_t p = prev - 1;
    if (c.is(p, ".") || c.is(p, "?.")) {
      ctx.after_dot = true;
      // Collect `a.b.c` before the dot.
      std::vector<std::string> chain;
      size_t q = p;
      bool plain = true;
      while (q > 0) {
        if (!c.word(q - 1)) {
          plain = false;
          break;
        }
        chain.insert(chain.begin(), std::string(c.at(q - 1)));
        ctx.receiver_begin = toks[q - 1].begin;
        if (q >= 2 && (c.is(q - 2, ".") || c.is(q - 2, "?."))) {
          q -= 2;
          continue;
        }
        break;
      }
      if (plain) ctx.receiver = std::move(chain);
    }
    if (c.word(p)) ctx.prev_word = std::string(c.at(p));
    // Key position: first thing in a brace block entry (after `{`, `,` or a line break).
    uint32_t word_begin = ctx.prefix.empty() ? offset : ctx.prefix_begin;
    bool entry_start = c.is(p, "{") || c.is(p, ",") ||
                       text.substr(toks[p].end, word_begin - std::min(word_begin, toks[p].end)).find('\n') !=
                           std::string_view::npos;
    const Frame* f = ctx.innermost_block();
    if (f && entry_start && !ctx.after_dot) {
      switch (f->kind) {
        case BlockKind::Record: case BlockKind::Connection: case BlockKind::Trigger: case BlockKind::Options:
        case BlockKind::Retry: case BlockKind::RateLimit: case BlockKind::Concurrency: case BlockKind::Breaker:
        case BlockKind::Object:
          ctx.key_position = true;
          break;
        case BlockKind::Flow: case BlockKind::Fn: case BlockKind::Test: case BlockKind::Statement:
          ctx.statement_start = !c.is(p, ",");
          break;
        default: break;
      }
    }
    if (!f && entry_start) ctx.statement_start = true;
    // Value of a key: `key: |`
    if (c.is(p, ":") && p > 0 && c.word(p - 1)) ctx.key = std::string(c.at(p - 1));
    if (c.is(p, "->")) ctx.type_position = true;
    if (c.is(p, ":") && f && (f->kind == BlockKind::Record || (f->kind == BlockKind::Paren && ctx.place == Place::TopLevel)))
      ctx.type_position = true;
    if (c.is(p, "<") && p > 0 && (c.is(p - 1, "map") || c.is(p - 1, "Response") ||
                                  (p > 1 && (c.is(p - 2, ".")))))
      ctx.type_position = true;
    if ((c.is(p, "[") || c.is(p, "|") || c.is(p, "(")) && f && f->kind == BlockKind::Bracket && ctx.place == Place::TopLevel)
      ctx.type_position = true;
  } else {
    ctx.statement_start = true;
  }
  return ctx;
}

std::vector<LexicalDecl> top_level_decls(std::string_view text, const std::vector<Token>& toks) {
  Cursor c{text, toks};
  std::vector<LexicalDecl> out;
  int depth = 0;
  std::string doc;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].kind == K::DocComment) {
      if (depth == 0) {
        std::string_view line = c.at(i).substr(3);
        if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        if (!doc.empty()) doc += "\n";
        doc += line;
      }
      continue;
    }
    if (toks[i].kind == K::Comment) continue;
    if (c.is(i, "{") || c.is(i, "(") || c.is(i, "[") || toks[i].kind == K::InterpStart) ++depth;
    if ((c.is(i, "}") || c.is(i, ")") || c.is(i, "]") || toks[i].kind == K::InterpEnd) && depth > 0) --depth;
    if (depth != 0 || !toks[i].line_start) {
      if (depth == 0 && !c.is(i, "{")) doc.clear();
      continue;
    }
    LexicalDecl d{};
    bool found = false;
    auto take_name = [&](size_t at, LexicalDecl::Kind k) {
      if (at < toks.size() && toks[at].kind == K::Ident) {
        d.kind = k;
        d.name = std::string(c.at(at));
        d.begin = toks[at].begin;
        d.end = toks[at].end;
        found = true;
      }
    };
    if (c.is(i, "type")) take_name(i + 1, LexicalDecl::Kind::Type);
    else if (c.is(i, "fn")) take_name(i + 1, LexicalDecl::Kind::Fn);
    else if (c.is(i, "flow")) take_name(i + 1, LexicalDecl::Kind::Flow);
    else if (c.is(i, "connection")) take_name(i + 1, LexicalDecl::Kind::Connection);
    else if (c.is(i, "const")) take_name(i + 1, LexicalDecl::Kind::Const);
    else if (c.is(i, "import") && i + 3 < toks.size() && c.is(i + 2, "as")) take_name(i + 3, LexicalDecl::Kind::Import);
    if (found) {
      if (d.kind == LexicalDecl::Kind::Fn || d.kind == LexicalDecl::Kind::Flow) {
        // Header text: up to the `=` or `{` that starts the body, at depth 0.
        int dd = 0;
        size_t j = i;
        for (; j < toks.size(); ++j) {
          if (c.is(j, "(") || c.is(j, "[")) ++dd;
          if (c.is(j, ")") || c.is(j, "]")) --dd;
          if (dd == 0 && j > i + 1 && (c.is(j, "=") || (c.is(j, "{") && !c.is(j - 1, "->"))) ) break;
          if (c.is(j, "{") && c.is(j - 1, "->")) {  // skip a record result type
            int bd = 0;
            for (; j < toks.size(); ++j) {
              if (c.is(j, "{")) ++bd;
              if (c.is(j, "}") && --bd == 0) break;
            }
          }
        }
        uint32_t end = j < toks.size() ? toks[j - 1].end : static_cast<uint32_t>(text.size());
        std::string sig(text.substr(toks[i].begin, end - toks[i].begin));
        std::string flat;
        for (char ch : sig) {
          if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
          if (ch == ' ' && !flat.empty() && flat.back() == ' ') continue;
          flat.push_back(ch);
        }
        d.signature = flat;
      }
      d.doc = doc;
      out.push_back(std::move(d));
    }
    doc.clear();
  }
  return out;
}

std::vector<LexicalDecl> lexical_decls(std::string_view text, const std::vector<Token>& toks, uint32_t offset) {
  Cursor c{text, toks};
  std::vector<LexicalDecl> out = top_level_decls(text, toks);
  // Find the top-level declaration containing the offset and walk it.
  Walker w{c, {}, {SIZE_MAX}};
  size_t decl_start = SIZE_MAX;
  size_t i = 0;
  for (; i < toks.size() && toks[i].begin < offset; ++i) {
    if (w.frames.empty() && toks[i].line_start && !c.trivia(i)) decl_start = i;
    w.step(i);
  }
  if (w.frames.empty() || decl_start == SIZE_MAX) return out;
  // Locals: walk the declaration again, tracking which blocks are open at each declaration.
  Walker v{c, {}, {SIZE_MAX}};
  struct Local {
    LexicalDecl decl;
    size_t depth;
    std::vector<size_t> opens;  // opening token indices of the frames enclosing it
  };
  std::vector<Local> locals;
  auto opens_of = [&](const std::vector<Frame>& frames) {
    std::vector<size_t> o;
    for (const auto& f : frames) o.push_back(f.open);
    return o;
  };
  auto add = [&](size_t at, LexicalDecl::Kind k, std::string sig = {}) {
    if (at >= toks.size() || toks[at].kind != K::Ident) return;
    LexicalDecl d{k, std::string(c.at(at)), toks[at].begin, toks[at].end, std::move(sig), {}};
    locals.push_back({std::move(d), v.frames.size(), opens_of(v.frames)});
  };
  bool in_header_params = false;
  for (size_t j = decl_start; j < i; ++j) {
    // Parameters: `name: T` at paren depth 1 of the header.
    if (v.frames.size() == 1 && v.frames[0].kind == BlockKind::Paren && (c.is(decl_start, "fn") || c.is(decl_start, "flow"))) {
      in_header_params = true;
      if (toks[j].kind == K::Ident && (c.is(j - 1, "(") || c.is(j - 1, ",")) && c.is(j + 1, ":")) {
        size_t e = j + 2;
        int dd = 0;
        while (e < toks.size() && !(dd == 0 && (c.is(e, ",") || c.is(e, ")")))) {
          if (c.is(e, "(") || c.is(e, "[") || c.is(e, "{")) ++dd;
          if (c.is(e, ")") || c.is(e, "]") || c.is(e, "}")) --dd;
          ++e;
        }
        uint32_t send = e < toks.size() ? toks[e - 1].end : toks[j].end;
        LexicalDecl d{LexicalDecl::Kind::Param, std::string(c.at(j)), toks[j].begin, toks[j].end,
                      std::string(text.substr(toks[j].begin, send - toks[j].begin)), {}};
        locals.push_back({std::move(d), 0, {}});  // params are visible in the whole body
      }
    }
    if (c.is(j, "let")) add(j + 1, LexicalDecl::Kind::Let);
    if (c.is(j, "step")) add(j + 1, LexicalDecl::Kind::Step);
    if (c.is(j, "for")) {
      add(j + 1, LexicalDecl::Kind::ForItem);
      if (c.is(j + 2, ",")) add(j + 3, LexicalDecl::Kind::ForItem);
    }
    if (c.is(j, "into")) add(j + 1, LexicalDecl::Kind::Let);
    if (c.is(j, "as") && !c.is(decl_start, "import")) add(j + 1, LexicalDecl::Kind::CatchName);
    v.step(j);
    // `for x in xs {`: the item belongs to the block that opens next; `catch as e {` too.
  }
  (void)in_header_params;
  std::vector<size_t> cursor_opens = opens_of(w.frames);
  // The statement holding the cursor, at the innermost code block: its own let/step is not visible.
  size_t current_stmt = SIZE_MAX;
  for (size_t level = w.frames.size() + 1; level-- > 0;) {
    bool code = level == 0 || w.frames[level - 1].kind == BlockKind::Flow || w.frames[level - 1].kind == BlockKind::Fn ||
                w.frames[level - 1].kind == BlockKind::Test || w.frames[level - 1].kind == BlockKind::Statement;
    if (code) {
      current_stmt = w.stmt_start[level];
      break;
    }
  }
  uint32_t current_begin = current_stmt < toks.size() ? toks[current_stmt].begin : UINT32_MAX;
  for (auto& l : locals) {
    bool visible = true;
    if ((l.decl.kind == LexicalDecl::Kind::Step || l.decl.kind == LexicalDecl::Kind::Let) &&
        l.decl.begin >= current_begin) {
      visible = false;
    } else if (l.decl.kind == LexicalDecl::Kind::Step || l.decl.kind == LexicalDecl::Kind::Param) {
      visible = true;  // steps are visible after their statement, even out of parallel branches
    } else if (l.decl.kind == LexicalDecl::Kind::ForItem || l.decl.kind == LexicalDecl::Kind::CatchName) {
      // Visible inside the block that follows the header: its frames plus one more must be open.
      visible = cursor_opens.size() > l.opens.size() &&
                std::equal(l.opens.begin(), l.opens.end(), cursor_opens.begin());
    } else {
      visible = cursor_opens.size() >= l.opens.size() &&
                std::equal(l.opens.begin(), l.opens.end(), cursor_opens.begin());
    }
    if (visible) out.push_back(std::move(l.decl));
  }
  return out;
}

}  // namespace weft::lsp
