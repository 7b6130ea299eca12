// Shared by the docs tests: a section of a file under docs/ that is generated from a table (between a
// begin and an end marker) must equal what the table generates now.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace weft::docs_testing {

/// Expects the text of `rel` (relative to the source tree) between `begin` and `end` to be `wanted`.
/// With WEFT_UPDATE_DOCS set, rewrites that section instead; `rerun` is the command to name.
inline void expect_generated_section(const std::string& rel, std::string_view begin, std::string_view end,
                                     const std::string& wanted, const std::string& rerun) {
  const std::string path = std::string(WEFT_SOURCE_DIR) + "/" + rel;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  std::size_t b = doc.find(begin), e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << rel << " lacks the begin marker";
  ASSERT_NE(e, std::string::npos) << rel << " lacks the end marker";
  ASSERT_LT(b, e);
  std::string current = doc.substr(b + begin.size(), e - b - begin.size());
  if (current != wanted && std::getenv("WEFT_UPDATE_DOCS")) {
    std::ofstream(path, std::ios::binary) << doc.substr(0, b + begin.size()) << wanted << doc.substr(e);
    current = wanted;
  }
  EXPECT_EQ(current, wanted) << rel << " is out of date: run " << rerun;
}

}  // namespace weft::docs_testing
