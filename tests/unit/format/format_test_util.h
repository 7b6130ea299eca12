// Helpers for the formatter tests: formatting text, and the checks every formatted text must pass.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/dump.h"
#include "compiler/diagnostics/render.h"
#include "compiler/format/format.h"
#include "compiler/syntax/parse.h"

namespace weft::format::testing {

/// Parses text (which must parse) and formats it; failures are reported through gtest.
inline std::string fmt(const std::string& text, const std::string& path = "test.flow") {
  auto r = format_source(std::make_shared<diagnostics::SourceFile>(path, text));
  std::string diags;
  for (const auto& d : r.diags.all()) diags += diagnostics::render_text(d) + "\n";
  EXPECT_TRUE(r.ok) << path << ":\n" << diags;
  return r.text;
}

/// The AST dump (no positions) of text, with the syntax errors appended.
inline std::string ast_of(const std::string& text, const std::string& path = "test.flow") {
  auto r = syntax::parse(std::make_shared<diagnostics::SourceFile>(path, text));
  std::string out = ast::dump(r.module);
  for (const auto& d : r.diags.all()) out += "\n" + diagnostics::render_text(d);
  return out;
}

/// Every comment's text, sorted.
inline std::vector<std::string> comments_of(const std::string& text) {
  auto r = syntax::parse(std::make_shared<diagnostics::SourceFile>("c.flow", text));
  std::vector<std::string> out;
  for (const auto& c : r.module.comments) out.push_back(c.text);
  std::sort(out.begin(), out.end());
  return out;
}

/// The properties of a formatting: same AST, same comments, idempotent, no line over the width
/// unless `allow_long`. Returns the formatted text.
inline std::string check_properties(const std::string& text, const std::string& path = "test.flow") {
  std::string once = fmt(text, path);
  EXPECT_EQ(ast_of(once, path), ast_of(text, path)) << path << " formatted:\n" << once;
  EXPECT_EQ(comments_of(once), comments_of(text)) << path << " formatted:\n" << once;
  std::string twice = fmt(once, path);
  EXPECT_EQ(twice, once) << path << ": not idempotent";
  return once;
}

}  // namespace weft::format::testing
