#include <gtest/gtest.h>

#include "lsp/document_store.h"
#include "lsp/text.h"

namespace weft::lsp {
namespace {

TEST(LineIndex, AsciiRoundTrip) {
  std::string text = "ab\ncd\r\nef\rgh";
  LineIndex idx(text);
  EXPECT_EQ(idx.line_count(), 4u);
  EXPECT_EQ(idx.position(0), (Position{0, 0}));
  EXPECT_EQ(idx.position(4), (Position{1, 1}));
  EXPECT_EQ(idx.position(7), (Position{2, 0}));
  EXPECT_EQ(idx.position(10), (Position{3, 0}));
  EXPECT_EQ(idx.offset({1, 1}), 4u);
  EXPECT_EQ(idx.offset({2, 1}), 8u);
  EXPECT_EQ(idx.offset({3, 2}), 12u);
}

TEST(LineIndex, Utf16CountsSurrogatePairsAsTwo) {
  // "é" is 2 bytes/1 unit, "€" 3 bytes/1 unit, "😀" 4 bytes/2 units.
  std::string text = "x = \"é€😀\" + y";
  LineIndex idx(text);
  size_t y = text.find('y');
  EXPECT_EQ(idx.position(static_cast<uint32_t>(y)), (Position{0, 13}));
  EXPECT_EQ(idx.offset({0, 13}), y);
  size_t quote2 = text.rfind('"');
  EXPECT_EQ(idx.position(static_cast<uint32_t>(quote2)).character, 9u);
  EXPECT_EQ(idx.offset({0, 9}), quote2);
}

TEST(LineIndex, ClampsAndRoundsInsideSequences) {
  std::string text = "a😀b\nc";
  LineIndex idx(text);
  // Character 2 is inside the surrogate pair: stays before the emoji.
  EXPECT_EQ(idx.offset({0, 2}), 1u);
  EXPECT_EQ(idx.offset({0, 99}), 6u);   // end of line 0 (before '\n')
  EXPECT_EQ(idx.offset({9, 0}), text.size());
  EXPECT_EQ(idx.position(3).character, 1u);  // an offset inside the emoji counts from its start
  EXPECT_EQ(idx.position(1000), (Position{1, 1}));
}

TEST(LineIndex, InvalidUtf8CountsOneUnitPerByte) {
  std::string text = "a\xff\xfe" "b";
  LineIndex idx(text);
  EXPECT_EQ(idx.position(3).character, 3u);
  EXPECT_EQ(utf16_length(text), 4u);
  EXPECT_EQ(utf16_length("😀é"), 3u);
}

TEST(Uri, PathRoundTrip) {
  EXPECT_EQ(path_to_uri("/tmp/a b/c.flow"), "file:///tmp/a%20b/c.flow");
  EXPECT_EQ(uri_to_path("file:///tmp/a%20b/c.flow").value(), "/tmp/a b/c.flow");
  EXPECT_EQ(uri_to_path(path_to_uri("/x/é#1.flow")).value(), "/x/é#1.flow");
  EXPECT_EQ(uri_to_path("file://localhost/x.flow").value(), "/x.flow");
  EXPECT_FALSE(uri_to_path("untitled:Untitled-1"));
  EXPECT_FALSE(uri_to_path("file:///bad%zz"));
  EXPECT_FALSE(uri_to_path("file:///bad%2"));
  EXPECT_FALSE(uri_to_path("file://host/x"));
}

TEST(DocumentStore, FullAndIncrementalChanges) {
  DocumentStore store;
  store.open("file:///a.flow", "weft", 1, "let x = 1\nlet y = 2\n");
  ASSERT_FALSE(store.change("file:///a.flow", 2, {TextChange{Range{{0, 4}, {0, 5}}, "abc"}}));
  EXPECT_EQ(store.get("file:///a.flow")->text, "let abc = 1\nlet y = 2\n");
  // Several changes apply in order, each against the text left by the previous one.
  ASSERT_FALSE(store.change("file:///a.flow", 3,
                            {TextChange{Range{{1, 0}, {1, 0}}, "// c\n"}, TextChange{Range{{2, 4}, {2, 5}}, "z"}}));
  auto d = store.get("file:///a.flow");
  EXPECT_EQ(d->text, "let abc = 1\n// c\nlet z = 2\n");
  EXPECT_EQ(d->version, 3);
  ASSERT_FALSE(store.change("file:///a.flow", 4, {TextChange{std::nullopt, "new"}}));
  EXPECT_EQ(store.get("file:///a.flow")->text, "new");
  EXPECT_EQ(d->text, "let abc = 1\n// c\nlet z = 2\n") << "snapshots are immutable";
}

TEST(DocumentStore, IncrementalChangeWithNonAscii) {
  DocumentStore store;
  store.open("u", "weft", 1, "s = \"😀x\"");
  // Replace the `x` after the emoji: UTF-16 character 7 (the emoji is 2 units).
  ASSERT_FALSE(store.change("u", 2, {TextChange{Range{{0, 7}, {0, 8}}, "é"}}));
  EXPECT_EQ(store.get("u")->text, "s = \"😀é\"");
}

TEST(DocumentStore, ErrorsLeaveTheDocumentUnchanged) {
  DocumentStore store;
  EXPECT_TRUE(store.change("nope", 1, {}));
  store.open("u", "weft", 1, "abc");
  EXPECT_TRUE(store.change("u", 2, {TextChange{Range{{0, 2}, {0, 1}}, "x"}}));
  EXPECT_EQ(store.get("u")->text, "abc");
  EXPECT_EQ(store.get("u")->version, 1);
  EXPECT_TRUE(store.close("u"));
  EXPECT_FALSE(store.close("u"));
  EXPECT_EQ(store.get("u"), nullptr);
}

}  // namespace
}  // namespace weft::lsp
