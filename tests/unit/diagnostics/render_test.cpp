#include <gtest/gtest.h>
#include <set>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/render.h"

using namespace weft::diagnostics;

TEST(Diagnostics, RegistryIdsAreUniqueAndWellFormed) {
  std::set<std::string_view> seen;
  for (const auto& c : registry()) {
    EXPECT_TRUE(seen.insert(c.id).second) << c.id;
    ASSERT_EQ(c.id.size(), 5u);
    EXPECT_TRUE(c.id[0] == 'E' || c.id[0] == 'W') << c.id;
    EXPECT_EQ(c.id[0] == 'E', c.severity == Severity::Error) << c.id;
  }
  EXPECT_EQ(code_from_id("E0310"), Code::E0310);
  EXPECT_FALSE(code_from_id("E9999"));
}

TEST(Diagnostics, TextRenderingMatchesLanguageSpec) {
  auto src = std::make_shared<SourceFile>("examples/crm_sync.flow",
                                          "fn f() -> Subscriber = {\n    ful_name: c.first_name,\n}\n");
  Bag bag;
  uint32_t at = src->text().find("ful_name");
  bag.add(Code::E0310, Range{src.get(), at, at + 8}, "record `Subscriber` has no field `ful_name`",
          "did you mean `full_name`?");
  EXPECT_EQ(render_text(bag.all()[0]),
            "error[E0310]: record `Subscriber` has no field `ful_name`\n"
            " --> examples/crm_sync.flow:2:5\n"
            "  |\n"
            "2 |     ful_name: c.first_name,\n"
            "  |     ^^^^^^^^ did you mean `full_name`?\n");
  std::string json = render_json_line(bag.all()[0]);
  EXPECT_NE(json.find("\"code\":\"E0310\""), std::string::npos);
  EXPECT_NE(json.find("\"start\":{\"line\":2,\"column\":5}"), std::string::npos);
}

TEST(Diagnostics, ClosestMatch) {
  EXPECT_EQ(closest_match("ful_name", {"full_name", "email", "source"}), "full_name");
  EXPECT_EQ(closest_match("zzz", {"full_name", "email"}), std::nullopt);
}

// Two neighbouring letters swapped is one edit, as people type them: `emial`, `titel`.
TEST(Diagnostics, ClosestMatchCountsASwapAsOneEdit) {
  EXPECT_EQ(closest_match("emial", {"id", "email"}), "email");
  EXPECT_EQ(closest_match("titel", {"title", "body", "url"}), "title");
  EXPECT_EQ(closest_match("tilte", {"title", "body", "url"}), "title");
}

TEST(Diagnostics, PartMatches) {
  const std::vector<std::string> fns = {"upper", "lower", "len", "split", "join", "starts_with", "start_of", "abs"};
  using V = std::vector<std::string>;
  EXPECT_EQ(part_matches("uppercase", fns), V{"upper"});
  EXPECT_EQ(part_matches("to_upper", fns), V{"upper"});
  EXPECT_EQ(part_matches("LENGHT", fns), V{"len"});         // case is ignored
  EXPECT_EQ(part_matches("split_join", fns), (V{"split", "join"}));  // closest in length first
  EXPECT_EQ(part_matches("start", fns), (V{"start_of", "starts_with"}));
  EXPECT_EQ(part_matches("ab", fns), V{});                  // under 3 characters: no guess
  EXPECT_EQ(part_matches("upper", fns), V{});               // the name itself is not a suggestion
  EXPECT_EQ(part_matches("zzz", fns), V{});
}

TEST(Diagnostics, LineColRoundTrip) {
  SourceFile f("a", "ab\ncd\n\nx");
  EXPECT_EQ(f.line_col(0).line, 1u);
  EXPECT_EQ(f.line_col(3).line, 2u);
  EXPECT_EQ(f.line_col(3).column, 1u);
  EXPECT_EQ(f.line_col(7).line, 4u);
  EXPECT_EQ(f.offset_of({2, 2}), 4u);
  EXPECT_EQ(f.line_text(2), "cd");
  EXPECT_EQ(f.line_count(), 4u);
}
