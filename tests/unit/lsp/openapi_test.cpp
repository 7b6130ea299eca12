// The language server on `openapi` connections, through the scripted client: operation completion
// after `conn.`, named arguments inside the call, response fields after `.body.`, hover, go-to-
// definition into the document, the unknown-operation diagnostic while typing, and the document
// kept across edits (read again only when the file changes).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <filesystem>
#include <fstream>

#include "lsp/client.h"
#include "lsp/openapi.h"
#include "lsp/text.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

// A small tracker API; `operationId` of issues/get is on line 11 (column 9), 1-based.
const std::string kSpec = R"({
  "openapi": "3.0.3",
  "info": { "title": "Tracker", "version": "1.0" },
  "servers": [ { "url": "http://127.0.0.1:9" } ],
  "paths": {
    "/issues/{number}": {
      "parameters": [
        { "name": "number", "in": "path", "required": true, "description": "The issue number.", "schema": { "type": "integer" } }
      ],
      "get": {
        "operationId": "issues/get",
        "summary": "Get an issue",
        "parameters": [ { "name": "expand", "in": "query", "schema": { "type": "boolean" } } ],
        "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Issue" } } } } }
      }
    },
    "/issues": {
      "post": {
        "operationId": "issues/create",
        "summary": "Create an issue",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["title"], "properties": { "title": { "type": "string" } } } } } },
        "responses": { "201": { "description": "created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Issue" } } } } }
      }
    }
  },
  "components": {
    "schemas": {
      "Issue": {
        "type": "object",
        "required": ["number", "title"],
        "properties": {
          "number": { "type": "integer" },
          "title": { "type": "string", "description": "The issue's title." },
          "state": { "type": "string", "enum": ["open", "closed"] }
        }
      }
    }
  }
}
)";

const std::string kFlow = R"(connection tracker = openapi {
  spec: "./tracker.json"
}

flow show(n: int) -> string {
  step issue = tracker.issues_get(number: n)
  return issue.body.title
}
)";

class OpenApiFeatures : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("weft_lsp_openapi_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    write_spec(kSpec);
    uri = path_to_uri((dir / "main.flow").string());
    c.initialize(dir.string());
    c.open(uri, kFlow);
    c.wait_diagnostics(uri, 1);
  }
  void TearDown() override { fs::remove_all(dir); }
  void write_spec(const std::string& text) { std::ofstream(dir / "tracker.json", std::ios::trunc) << text; }
  json::value at(const std::string& text, std::string_view needle, int delta) {
    return json::object{{"textDocument", json::object{{"uri", uri}}}, {"position", position_of(text, needle, delta)}};
  }
  /// Completion items at `needle`+`delta` after replacing the text (version v).
  json::array complete(const std::string& text, std::string_view needle, int delta) {
    c.change(uri, ++version, text);
    return c.call("textDocument/completion", at(text, needle, delta)).at("items").as_array();
  }
  /// kFlow with the first `from` replaced by `to`.
  static std::string with(std::string_view from, std::string_view to) {
    std::string text = kFlow;
    return text.replace(text.find(from), from.size(), to);
  }
  static const json::object* item(const json::array& items, std::string_view label) {
    for (const auto& i : items)
      if (i.at("label").as_string() == label) return &i.as_object();
    return nullptr;
  }
  fs::path dir;
  std::string uri;
  int64_t version = 1;
  ScriptedClient c;
};

TEST_F(OpenApiFeatures, OperationsAfterTheConnection) {
  std::string text = with("tracker.issues_get", "tracker.");
  auto items = complete(text, "tracker.(", 8);
  const json::object* get = item(items, "issues_get");
  ASSERT_NE(get, nullptr) << json::serialize(items);
  EXPECT_EQ(get->at("detail").as_string(), "GET /issues/{number} — Get an issue");
  EXPECT_NE(json::serialize(get->at("documentation")).find("Get an issue"), std::string::npos);
  EXPECT_NE(item(items, "issues_create"), nullptr);
  EXPECT_NE(item(items, "get"), nullptr) << "calls by method and path stay available";
  EXPECT_EQ(item(items, "len"), nullptr) << "no stdlib functions on a connection";
}

TEST_F(OpenApiFeatures, NamedArgumentsInTheCall) {
  std::string text = with("(number: n)", "()");
  auto items = complete(text, "issues_get(", 11);
  const json::object* number = item(items, "number");
  ASSERT_NE(number, nullptr) << json::serialize(items);
  EXPECT_EQ(number->at("detail").as_string(), "number: int");
  EXPECT_EQ(number->at("insertText").as_string(), "number: ");
  const json::object* expand = item(items, "expand");
  ASSERT_NE(expand, nullptr);
  EXPECT_EQ(expand->at("detail").as_string(), "expand?: bool");
  EXPECT_EQ(item(items, "body"), nullptr) << "a GET takes no body";
  EXPECT_EQ(item(items, "len"), nullptr) << "argument names only";
  // After `number: n, ` the written argument is not offered again.
  text = with("(number: n)", "(number: n, )");
  items = complete(text, "number: n, ", 11);
  EXPECT_EQ(item(items, "number"), nullptr);
  EXPECT_NE(item(items, "expand"), nullptr);
  // While typing: the call is not closed yet and the file does not parse.
  text = with("(number: n)", "(number: n, ex");
  items = complete(text, "number: n, ex", 13);
  EXPECT_NE(item(items, "expand"), nullptr) << json::serialize(items);
  EXPECT_EQ(item(items, "number"), nullptr);
  // A body operation offers `body`.
  text = with("issues_get(number: n)", "issues_create()");
  items = complete(text, "issues_create(", 14);
  EXPECT_NE(item(items, "body"), nullptr) << json::serialize(items);
}

TEST_F(OpenApiFeatures, SignatureHelpOnAnOperation) {
  std::string text = with("(number: n)", "(number: n, expand: true)");
  c.change(uri, ++version, text);
  auto r = c.call("textDocument/signatureHelp", at(text, "expand: ", 8));
  ASSERT_TRUE(r.is_object()) << json::serialize(r);
  const auto& sig = r.at("signatures").at(0);
  EXPECT_EQ(sig.at("label").as_string(), "issues_get(number: int, expand?: bool) -> Response<Issue>");
  EXPECT_EQ(json::value_to<int64_t>(r.at("activeParameter")), 1) << json::serialize(r);
}

TEST_F(OpenApiFeatures, ResponseFieldsAfterBody) {
  std::string text = with("issue.body.title", "issue.body.");
  auto items = complete(text, "issue.body.", 11);
  for (auto f : {"number", "title", "state"}) EXPECT_NE(item(items, f), nullptr) << f << ": " << json::serialize(items);
}

TEST_F(OpenApiFeatures, HoverShowsSummaryMethodPathAndParameters) {
  auto h = c.call("textDocument/hover", at(kFlow, "issues_get", 3));
  std::string md(h.at("contents").at("value").as_string());
  EXPECT_NE(md.find("tracker.issues_get(number: int, expand?: bool) -> Response<Issue>"), std::string::npos) << md;
  EXPECT_NE(md.find("**Get an issue**"), std::string::npos) << md;
  EXPECT_NE(md.find("`GET /issues/{number}`"), std::string::npos) << md;
  EXPECT_NE(md.find("- `number` (path, required): The issue number."), std::string::npos) << md;
}

TEST_F(OpenApiFeatures, DefinitionOpensTheDocumentAtTheOperation) {
  auto r = c.call("textDocument/definition", at(kFlow, "issues_get", 2));
  ASSERT_TRUE(r.is_object()) << json::serialize(r);
  EXPECT_EQ(r.at("uri").as_string(), path_to_uri((dir / "tracker.json").string()));
  EXPECT_EQ(json::value_to<int64_t>(r.at("range").at("start").at("line")), 10) << json::serialize(r);
}

TEST_F(OpenApiFeatures, UnknownOperationWhileTyping) {
  std::string text = with("issues_get", "issues_gt");
  c.change(uri, 2, text);
  auto d = c.wait_diagnostics(uri, 2);
  std::string all = json::serialize(d);
  EXPECT_NE(all.find("E0521"), std::string::npos) << all;
  EXPECT_NE(all.find("issues_get"), std::string::npos) << "did you mean: " << all;
  text.replace(text.find("issues_gt"), 9, "issues_get");
  c.change(uri, 3, text);
  EXPECT_EQ(json::serialize(c.wait_diagnostics(uri, 3)).find("E0521"), std::string::npos);
}

TEST_F(OpenApiFeatures, DocumentKeptAcrossEditsAndReadAgainWhenItChanges) {
  // A document as large as real ones (over DiskTexts::kLarge): analyses keep its text too.
  std::string big = kSpec;
  big.replace(big.find("\"version\": \"1.0\""), 16, "\"version\": \"1.0\", \"description\": \"" + std::string(300 * 1024, 'x') + "\"");
  write_spec(big);
  fs::last_write_time(dir / "tracker.json", fs::last_write_time(dir / "tracker.json") + std::chrono::seconds(1));
  std::string text = with("tracker.issues_get", "tracker.");
  complete(text, "tracker.(", 8);
  uint64_t reads = spec_reads(), disk = DiskTexts::shared().large_reads();
  for (int i = 0; i < 5; ++i) {
    text.insert(0, "\n");
    auto items = complete(text, "tracker.(", 8);
    ASSERT_NE(item(items, "issues_get"), nullptr);
    c.wait_diagnostics(uri, version);
  }
  EXPECT_EQ(spec_reads(), reads) << "edits of the flow must not load the document again";
  EXPECT_EQ(DiskTexts::shared().large_reads(), disk) << "nor read it from disk";
  // The document changes on disk: the next request reads it once and sees the new operation.
  std::string spec = big;
  spec.replace(spec.find("issues/create"), 13, "issues/open");
  write_spec(spec);
  fs::last_write_time(dir / "tracker.json", fs::last_write_time(dir / "tracker.json") + std::chrono::seconds(2));
  text.insert(0, "\n");
  auto items = complete(text, "tracker.(", 8);
  EXPECT_NE(item(items, "issues_open"), nullptr) << json::serialize(items);
  EXPECT_EQ(item(items, "issues_create"), nullptr);
  EXPECT_EQ(spec_reads(), reads + 1);
  c.wait_diagnostics(uri, version);
  EXPECT_EQ(DiskTexts::shared().large_reads(), disk + 1) << "one read for the analysis and the editor features";
}

}  // namespace
}  // namespace weft::lsp
