// textDocument/formatting and textDocument/rangeFormatting through the scripted client: the edits
// turn the document into what `weft fmt` (format::format_source) writes.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "compiler/format/format.h"
#include "lsp/client.h"
#include "lsp/protocol.h"
#include "lsp/text.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;

/// Applies LSP TextEdits (UTF-16 positions in `text`), last first.
std::string apply_edits(const std::string& text, const json::value& edits) {
  LineIndex index(text);
  std::vector<std::tuple<uint32_t, uint32_t, std::string>> spans;
  for (const auto& e : edits.as_array()) {
    Range r = range_from_json(e.at("range"));
    spans.emplace_back(index.offset(r.start), index.offset(r.end), std::string(e.at("newText").as_string()));
  }
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
  std::string out = text;
  for (const auto& [b, e, t] : spans) out.replace(b, e - b, t);
  return out;
}

std::string weft_fmt(const std::string& text) {
  auto r = format::format_source(std::make_shared<diagnostics::SourceFile>("x.flow", text));
  EXPECT_TRUE(r.ok);
  return r.text;
}

json::object doc(const std::string& uri) { return json::object{{"textDocument", json::object{{"uri", uri}}}}; }

json::object formatting_params(const std::string& uri) {
  json::object p = doc(uri);
  p["options"] = json::object{{"tabSize", 4}, {"insertSpaces", false}};  // the canonical style wins
  return p;
}

// An emoji before the changes: UTF-16 columns differ from byte columns.
const std::string kMessy =
    "const GREETING   = \"héllo 👋\"   // hi\n"
    "fn shout(s:string)->string=upper( s )\n"
    "\n\n\n"
    "type Contact={id:int,email:string}\n"
    "flow  sync( c : Contact ) -> string {\n"
    "    let s = shout( c.email )\n"
    "  return s\n"
    "}\n";

class Formatting : public ::testing::Test {
 protected:
  void SetUp() override { c.initialize(); }
  ScriptedClient c;
  const std::string uri = "file:///tmp/weft-formatting-test.flow";
};

TEST_F(Formatting, CapabilitiesAdvertiseFormattingAndRangeFormatting) {
  ScriptedClient fresh;
  auto init = fresh.initialize();
  EXPECT_TRUE(init.at("capabilities").at("documentFormattingProvider").as_bool());
  EXPECT_TRUE(init.at("capabilities").at("documentRangeFormattingProvider").as_bool());
}

TEST_F(Formatting, EditsGiveWhatWeftFmtWrites) {
  c.open(uri, kMessy);
  auto edits = c.call("textDocument/formatting", formatting_params(uri));
  ASSERT_TRUE(edits.is_array());
  ASSERT_EQ(edits.as_array().size(), 1u);
  std::string formatted = apply_edits(kMessy, edits);
  EXPECT_EQ(formatted, weft_fmt(kMessy));
  // The edit starts where the texts first differ (after the emoji line's unchanged prefix).
  EXPECT_EQ(edits.at(0).at("range").at("start").at("line").to_number<int64_t>(), 0);
  EXPECT_GT(edits.at(0).at("range").at("start").at("character").to_number<int64_t>(), 0);
  // Formatted text: no edits.
  c.change(uri, 2, formatted);
  EXPECT_TRUE(c.call("textDocument/formatting", formatting_params(uri)).as_array().empty());
}

TEST_F(Formatting, SyntaxErrorsGiveNoEditsAndNoError) {
  c.open(uri, "fn f( = \nconst   A=1\n");
  auto r = c.request("textDocument/formatting", formatting_params(uri));
  ASSERT_TRUE(r.as_object().contains("result")) << json::serialize(r);
  EXPECT_TRUE(r.at("result").as_array().empty());
  auto rr = c.request("textDocument/rangeFormatting", [&] {
    json::object p = formatting_params(uri);
    p["range"] = json::object{{"start", position_of("fn f", "fn")}, {"end", position_of("fn f", "f", 3)}};
    return p;
  }());
  EXPECT_TRUE(rr.at("result").as_array().empty());
  // The server still answers.
  c.change(uri, 2, "const   A=1\n");
  EXPECT_EQ(apply_edits("const   A=1\n", c.call("textDocument/formatting", formatting_params(uri))), "const A = 1\n");
}

TEST_F(Formatting, RangeFormattingTouchesOnlyTheDeclarationsInTheRange) {
  c.open(uri, kMessy);
  json::object p = formatting_params(uri);
  p["range"] = json::object{{"start", position_of(kMessy, "upper")}, {"end", position_of(kMessy, "upper")}};
  std::string out = apply_edits(kMessy, c.call("textDocument/rangeFormatting", p));
  EXPECT_EQ(out,
            "const GREETING   = \"héllo 👋\"   // hi\n"
            "\n"
            "fn shout(s: string) -> string = upper(s)\n"
            "\n\n\n"
            "type Contact={id:int,email:string}\n"
            "flow  sync( c : Contact ) -> string {\n"
            "    let s = shout( c.email )\n"
            "  return s\n"
            "}\n");
  // The whole document as the range: the same text as formatting.
  p["range"] = json::object{{"start", json::object{{"line", 0}, {"character", 0}}},
                            {"end", json::object{{"line", 99}, {"character", 0}}}};
  EXPECT_EQ(apply_edits(kMessy, c.call("textDocument/rangeFormatting", p)), weft_fmt(kMessy));
}

TEST_F(Formatting, BadParamsAreInvalidParams) {
  EXPECT_EQ(c.request("textDocument/formatting", doc("untitled:nowhere")).at("error").at("code").as_int64(), -32602);
  c.open(uri, kMessy);
  EXPECT_EQ(c.request("textDocument/rangeFormatting", formatting_params(uri)).at("error").at("code").as_int64(),
            -32602);  // no range
}

}  // namespace
}  // namespace weft::lsp
