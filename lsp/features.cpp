#include "lsp/features.h"

#include <algorithm>

#include "lsp/text.h"

namespace weft::lsp {

namespace {

std::string_view token_text(const Analysis& a, const Token& t) {
  return std::string_view(a.source->text()).substr(t.begin, t.end - t.begin);
}

}  // namespace

std::vector<Fold> folding_ranges(const Analysis& a) {
  std::vector<Fold> out;
  const std::string& text = a.source->text();
  LineIndex lines(text);
  auto line_of = [&](uint32_t off) { return lines.position(off).line; };
  std::vector<const Token*> open;
  const Token* comment_run_begin = nullptr;
  const Token* comment_run_end = nullptr;
  const Token* import_begin = nullptr;
  const Token* import_end = nullptr;  // last token of the last import line
  auto flush_comments = [&] {
    if (comment_run_begin && line_of(comment_run_end->begin) > line_of(comment_run_begin->begin))
      out.push_back({comment_run_begin->begin, comment_run_end->end, "comment"});
    comment_run_begin = comment_run_end = nullptr;
  };
  auto flush_imports = [&] {
    if (import_begin && line_of(import_end->begin) > line_of(import_begin->begin))
      out.push_back({import_begin->begin, import_end->end, "imports"});
    import_begin = import_end = nullptr;
  };
  for (size_t i = 0; i < a.tokens().size(); ++i) {
    const Token& t = a.tokens()[i];
    bool line_comment = (t.kind == Token::Kind::Comment || t.kind == Token::Kind::DocComment) &&
                        token_text(a, t).substr(0, 2) == "//";
    if (line_comment && t.line_start) {
      if (comment_run_end && line_of(t.begin) != line_of(comment_run_end->begin) + 1) flush_comments();
      if (!comment_run_begin) comment_run_begin = &t;
      comment_run_end = &t;
      continue;
    }
    flush_comments();
    if (t.kind == Token::Kind::Comment && line_of(t.end) > line_of(t.begin))
      out.push_back({t.begin, t.end, "comment"});
    if (t.kind == Token::Kind::String && line_of(t.end) > line_of(t.begin))
      out.push_back({t.begin, t.end, "region"});
    if (t.line_start) {
      if (t.kind == Token::Kind::Keyword && token_text(a, t) == "import" && open.empty()) {
        if (!import_begin) import_begin = &t;
      } else {
        flush_imports();
      }
    }
    if (import_begin && open.empty()) import_end = &t;
    if (t.kind == Token::Kind::Punct || t.kind == Token::Kind::InterpStart || t.kind == Token::Kind::InterpEnd) {
      std::string_view p = token_text(a, t);
      if (p == "{" || p == "[" || p == "(" || p == "${") {
        open.push_back(&t);
      } else if ((p == "}" || p == "]" || p == ")") && !open.empty()) {
        const Token* o = open.back();
        open.pop_back();
        if (line_of(t.begin) > line_of(o->begin)) out.push_back({o->begin, t.end, "region"});
      }
    }
  }
  flush_comments();
  flush_imports();
  std::sort(out.begin(), out.end(), [](const Fold& x, const Fold& y) { return x.begin < y.begin; });
  return out;
}

}  // namespace weft::lsp
