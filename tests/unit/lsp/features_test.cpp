// Completion, signature help and semantic tokens through the scripted client. These work on the
// lexical level too, so they are exercised on text that does not parse.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "lsp/client.h"
#include "lsp/features.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;

const std::string kUri = "file:///tmp/features.flow";

const std::string kSource = R"(/// A contact.
type Contact {
  id: string
  email: string
}

/// Lower-cases an address.
fn norm(email: string, strict: bool = false) -> string = lower(email)

connection crm = http {
  base_url: "http://127.0.0.1:9001"
  timeout: 10s
}

flow sync(contact: Contact) -> json {
  on webhook "/hook" {
    input: { contact: body }
  }
  step current = crm.get<Contact>("/contacts/${contact.id}")
  let e = norm(current.body.email)
  return { e: e }
}
)";

class Features : public ::testing::Test {
 protected:
  void SetUp() override {
    c.initialize();
    c.open(kUri, kSource);
  }
  /// Completion labels at the position of `needle` (+delta) in `text` (opened as version v).
  std::vector<std::string> labels_at(const std::string& text, std::string_view needle, int delta) {
    c.change(kUri, ++version, text);
    auto r = c.call("textDocument/completion", json::object{{"textDocument", json::object{{"uri", kUri}}},
                                                            {"position", position_of(text, needle, delta)}});
    std::vector<std::string> out;
    for (const auto& i : r.at("items").as_array()) out.emplace_back(i.at("label").as_string());
    return out;
  }
  static bool has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
  ScriptedClient c;
  int version = 1;
};

TEST_F(Features, TopLevelOffersDeclarationSnippets) {
  std::string text = kSource + "\nfl";
  auto l = labels_at(text, "\nfl", 3);
  EXPECT_TRUE(has(l, "flow"));
  EXPECT_TRUE(has(l, "connection"));
  EXPECT_TRUE(has(l, "type"));
  EXPECT_FALSE(has(l, "lower"));
}

TEST_F(Features, ConnectionMethodsAfterDot) {
  std::string text = kSource;
  text.replace(text.find("crm.get<Contact>"), 16, "crm.");
  auto l = labels_at(text, "crm.(", 4);
  EXPECT_EQ(l, (std::vector<std::string>{"get", "post", "put", "patch", "delete"}));
}

TEST_F(Features, TriggerFieldsAndScope) {
  std::string text = kSource;
  text.replace(text.find("    input: { contact: body }\n"), 0, "    \n");
  auto l = labels_at(text, "    \n    input", 4);
  EXPECT_TRUE(has(l, "verify"));
  EXPECT_TRUE(has(l, "respond"));
  EXPECT_TRUE(has(l, "method"));
  EXPECT_FALSE(has(l, "base_url"));
  // In a value inside the trigger: the webhook's variables are in scope.
  auto v = labels_at(kSource, "contact: body", 9);
  EXPECT_TRUE(has(v, "body"));
  EXPECT_TRUE(has(v, "headers"));
  EXPECT_TRUE(has(v, "raw_body"));
}

TEST_F(Features, ConnectionFieldsAndAuthConstructors) {
  std::string text = kSource;
  text.insert(text.find("  timeout: 10s"), "  auth: \n  \n");
  auto fields = labels_at(text, "  \n  timeout", 2);
  EXPECT_TRUE(has(fields, "rate_limit"));
  EXPECT_TRUE(has(fields, "idempotency_header"));
  auto auth = labels_at(text, "auth: ", 6);
  EXPECT_TRUE(has(auth, "bearer"));
  EXPECT_TRUE(has(auth, "oauth2_client_credentials"));
  EXPECT_FALSE(has(auth, "lower"));
}

TEST_F(Features, NamesInScopeAndStdlibInExpressions) {
  auto l = labels_at(kSource, "norm(current", 5);
  EXPECT_TRUE(has(l, "current"));   // a step declared before
  EXPECT_TRUE(has(l, "contact"));   // a parameter
  EXPECT_TRUE(has(l, "norm"));      // a fn
  EXPECT_TRUE(has(l, "lower"));     // stdlib
  EXPECT_TRUE(has(l, "secret"));    // built-in
  EXPECT_FALSE(has(l, "e"));        // declared on this very line, later
  EXPECT_FALSE(has(l, "email"));    // a parameter of another declaration
  EXPECT_FALSE(has(l, "Contact"));  // types only where a type is expected
}

TEST_F(Features, FlowStatementSnippets) {
  std::string text = kSource;
  text.insert(text.find("  return { e: e }"), "  st\n");
  auto l = labels_at(text, "  st\n", 4);
  EXPECT_TRUE(has(l, "step"));
  EXPECT_TRUE(has(l, "parallel"));
  EXPECT_TRUE(has(l, "on webhook"));
  EXPECT_TRUE(has(l, "wait signal"));
}

TEST_F(Features, TypesInTypePositions) {
  std::string text = kSource;
  text.insert(text.find("  email: string"), "  tags: \n");
  auto l = labels_at(text, "tags: ", 6);
  EXPECT_TRUE(has(l, "Contact"));
  EXPECT_TRUE(has(l, "string"));
  EXPECT_TRUE(has(l, "map"));
  EXPECT_FALSE(has(l, "lower"));
}

TEST_F(Features, NothingInCommentsAndStrings) {
  EXPECT_TRUE(labels_at(kSource, "A contact", 2).empty());
  EXPECT_TRUE(labels_at(kSource, "/contacts/", 3).empty());
}

TEST_F(Features, ErrorKindsAfterCatch) {
  std::string text = kSource;
  text.insert(text.find("  return { e: e }"), "  try {\n  } catch \n");
  auto l = labels_at(text, "catch \n", 6);
  EXPECT_TRUE(has(l, "http_error"));
  EXPECT_TRUE(has(l, "timeout"));
}

TEST_F(Features, SignatureHelpForStdlibFnAndMethods) {
  auto sig = [&](const std::string& text, std::string_view needle, int delta) {
    c.change(kUri, ++version, text);
    return c.call("textDocument/signatureHelp", json::object{{"textDocument", json::object{{"uri", kUri}}},
                                                             {"position", position_of(text, needle, delta)}});
  };
  std::string text = kSource;
  text.insert(text.find("  return"), "  let r = replace(e, \"a\", \n  let n = norm(e, strict: \n  let m = e.replace(\"x\", \n");
  auto r = sig(text, "\"a\", \n", 5);
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r.at("signatures").at(0).at("label").as_string(), "replace(s: string, old: string, new: string) -> string");
  EXPECT_EQ(r.at("activeParameter").to_number<int64_t>(), 2);
  auto n = sig(text, "strict: \n", 8);
  EXPECT_EQ(n.at("signatures").at(0).at("label").as_string(), "norm(email: string, strict: bool = false) -> string");
  EXPECT_EQ(n.at("signatures").at(0).at("documentation").at("value").as_string(), "Lower-cases an address.");
  EXPECT_EQ(n.at("activeParameter").to_number<int64_t>(), 1);
  auto m = sig(text, "\"x\", \n", 5);  // e.replace("x", |) is replace(e, "x", |)
  EXPECT_EQ(m.at("activeParameter").to_number<int64_t>(), 2);
  auto g = sig(kSource, "(\"/contacts/", 1);
  EXPECT_EQ(g.at("signatures").at(0).at("label").as_string().subview(0, 7), "get<T>(");
  EXPECT_TRUE(sig(kSource, "type Contact", 2).is_null());
}

TEST_F(Features, SemanticTokensClassifyDeclarationsAndUses) {
  auto r = c.call("textDocument/semanticTokens/full", json::object{{"textDocument", json::object{{"uri", kUri}}}});
  const auto& data = r.at("data").as_array();
  ASSERT_EQ(data.size() % 5, 0u);
  // Decode into (line, col, len, type, mods).
  struct T { uint32_t line, col, len, type, mods; };
  std::vector<T> toks;
  uint32_t line = 0, col = 0;
  for (size_t i = 0; i < data.size(); i += 5) {
    uint32_t dl = static_cast<uint32_t>(data[i].to_number<int64_t>()), dc = static_cast<uint32_t>(data[i + 1].to_number<int64_t>());
    line += dl;
    col = dl ? dc : col + dc;
    toks.push_back({line, col, static_cast<uint32_t>(data[i + 2].to_number<int64_t>()), static_cast<uint32_t>(data[i + 3].to_number<int64_t>()),
                    static_cast<uint32_t>(data[i + 4].to_number<int64_t>())});
  }
  const auto& types = semantic_token_types();
  auto type_at = [&](std::string_view needle, int delta = 0) -> std::string {
    auto p = position_of(kSource, needle, delta);
    for (const auto& t : toks)
      if (t.line == p.at("line").to_number<int64_t>() && t.col == p.at("character").to_number<int64_t>()) return types[t.type];
    return "";
  };
  EXPECT_EQ(type_at("/// A contact"), "comment");
  EXPECT_EQ(type_at("Contact {"), "type");
  EXPECT_EQ(type_at("id: string"), "property");
  EXPECT_EQ(type_at("string\n"), "type");
  EXPECT_EQ(type_at("norm("), "function");
  EXPECT_EQ(type_at("lower(email)"), "function");
  EXPECT_EQ(type_at("email)\n"), "parameter");
  EXPECT_EQ(type_at("10s"), "number");
  EXPECT_EQ(type_at("flow sync"), "keyword");
  EXPECT_EQ(type_at("get<"), "method");
  EXPECT_EQ(type_at("current ="), "variable");
  EXPECT_EQ(type_at("\"/contacts/"), "string");
  EXPECT_EQ(type_at("contact.id}"), "parameter");
  EXPECT_EQ(type_at("crm.get"), "variable");
}

TEST_F(Features, FoldingRangesOverTheProtocol) {
  auto r = c.call("textDocument/foldingRange", json::object{{"textDocument", json::object{{"uri", kUri}}}});
  bool type_block = false;
  for (const auto& f : r.as_array())
    if (f.at("startLine").to_number<int64_t>() == 1 && f.at("endLine").to_number<int64_t>() == 3) type_block = true;
  EXPECT_TRUE(type_block) << json::serialize(r);
}

}  // namespace
}  // namespace weft::lsp
