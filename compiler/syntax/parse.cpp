// parse(): lex → layout (brackets, newlines, depth, chunks) → one parser run per declaration.
#include "compiler/syntax/parse.h"

#include <algorithm>
#include <limits>

#include "compiler/syntax/internal.h"

namespace weft::syntax {
namespace {

// Deferred errors are reported unless an earlier error in the same declaration explains them.
void report_deferred(detail::Context& cx, const std::vector<detail::Chunk>& chunks) {
  std::sort(cx.deferred.begin(), cx.deferred.end(),
            [](const auto& x, const auto& y) { return x.begin < y.begin; });
  for (const auto& d : cx.deferred) {
    uint32_t from = 0;
    for (const auto& c : chunks)
      if (!c.toks.empty() && c.toks.front().begin <= d.begin) from = c.toks.front().begin;
    bool explained = false;
    for (const auto& e : cx.diags->all())
      if (e.severity == diagnostics::Severity::Error && e.range.begin >= from && e.range.begin < d.begin) explained = true;
    if (!explained) cx.diags->add(diagnostics::Code::E0001, cx.range(d.begin, d.end), d.message, d.label);
  }
}

}  // namespace

ParseResult parse(diagnostics::SourcePtr source, unsigned max_depth) {
  ParseResult r;
  r.module.source = source;
  if (!source) return r;
  try {
    detail::Context cx;
    cx.file = source.get();
    cx.text = source->text();
    cx.diags = &r.diags;
    cx.module = &r.module;
    cx.max_depth = std::max(1u, max_depth);
    if (cx.text.size() >= std::numeric_limits<uint32_t>::max() / 2) {
      r.diags.add(diagnostics::Code::E0009, cx.range(0, 0), "the file is too large to compile (more than 2 GiB)");
      return r;
    }
    if (detail::check_string_nesting(cx)) {
      auto size = static_cast<uint32_t>(cx.text.size());
      auto toks = detail::lex(cx, 0, size);
      for (size_t i = 0; i < r.module.comments.size(); ++i)
        if (r.module.comments[i].doc) cx.doc_by_end[r.module.comments[i].range.end] = i;
      std::vector<detail::Tok> significant;
      significant.reserve(toks.size());
      for (const auto& t : toks)
        if (!t.hidden) significant.push_back(t);
      auto chunks = detail::layout(cx, std::move(significant), size, false, cx.max_depth);
      for (const auto& chunk : chunks) detail::parse_decl_chunk(cx, chunk);
      report_deferred(cx, chunks);
    }
  } catch (const std::exception& e) {
    r.diags.add(diagnostics::Code::E0001, {source.get(), 0, 0}, std::string("internal parser error: ") + e.what());
  } catch (...) {
    r.diags.add(diagnostics::Code::E0001, {source.get(), 0, 0}, "internal parser error");
  }
  std::stable_sort(r.module.comments.begin(), r.module.comments.end(),
                   [](const ast::Comment& a, const ast::Comment& b) { return a.range.begin < b.range.begin; });
  r.diags.sort();
  return r;
}

}  // namespace weft::syntax
