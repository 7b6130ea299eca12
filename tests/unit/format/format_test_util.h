// Helpers for the formatter tests: formatting text, and the checks every formatted text must pass.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/ast/dump.h"
#include "compiler/diagnostics/render.h"
#include "compiler/format/format.h"
#include "compiler/syntax/parse.h"

namespace weft::format::testing {

/// Every .flow file of the repository (examples, golden cases, editor fixtures), sorted.
inline std::vector<std::filesystem::path> flow_files() {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(WEFT_SOURCE_DIR); it != fs::recursive_directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.rfind("build", 0) == 0 || name == "node_modules" ||
                               name == ".weft")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".flow") out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A file's bytes.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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
