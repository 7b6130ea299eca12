// Features backed by the parser and the checker: diagnostics, hover, definition, references
// and rename across imported files, symbols, quick fixes, typed member completion.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "lsp/client.h"
#include "lsp/text.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const std::string kCommon = R"(/// A contact as the CRM sends it.
type Contact {
  /// The CRM's id.
  id: string
  email: string
  tags: [string]
}

/// Marketing's view of a contact.
type Subscriber {
  full_name: string
  email: string
}

const LIMIT = 10
)";

const std::string kMain = R"(import "./common.flow" as common

/// Lower-cases an address.
fn norm(email: string) -> string = lower(email)

connection crm = http {
  base_url: "http://127.0.0.1:9001"
}

flow sync(contact: common.Contact) -> { email: string } {
  step current = crm.get<common.Contact>("/contacts/${contact.id}", query: { n: "${common.LIMIT}" })
  let e = norm(current.body.email)
  return { email: e }
}
)";

class Semantic : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("weft_lsp_sem_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    write("common.flow", kCommon);
    write("main.flow", kMain);
    common_uri = path_to_uri((dir / "common.flow").string());
    main_uri = path_to_uri((dir / "main.flow").string());
    c.initialize(dir.string());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
  json::object at(const std::string& uri, const std::string& text, std::string_view needle, int delta = 0) {
    return json::object{{"textDocument", json::object{{"uri", uri}}}, {"position", position_of(text, needle, delta)}};
  }
  static int64_t n(const json::value& v) { return v.to_number<int64_t>(); }

  fs::path dir;
  std::string common_uri, main_uri;
  ScriptedClient c;
};

TEST_F(Semantic, PublishesCheckerDiagnosticsWithRelatedInformation) {
  std::string text = kMain;
  text.replace(text.find("return { email: e }"), 19, "return { emal: e }");
  c.open(main_uri, text, 1);
  auto d = c.wait_diagnostics(main_uri, 1);
  const auto& diags = d.at("diagnostics").as_array();
  ASSERT_FALSE(diags.empty()) << json::serialize(d);
  const json::value* found = nullptr;
  for (const auto& d : diags)
    if (d.at("code").as_string() == "E0310") found = &d;
  ASSERT_TRUE(found) << json::serialize(d);

  const auto& first = *found;
  EXPECT_EQ(first.at("severity").to_number<int>(), 1);
  EXPECT_EQ(first.at("source").as_string(), "weft");
  auto pos = position_of(text, "emal");
  EXPECT_EQ(first.at("range").at("start"), pos);
  EXPECT_EQ(n(first.at("range").at("end").at("character")), n(pos.at("character")) + 4);
  EXPECT_NE(first.at("message").as_string().find("emal"), json::string::npos);
  ASSERT_TRUE(first.as_object().contains("relatedInformation"));
  EXPECT_NE(json::serialize(first.at("relatedInformation")).find("did you mean `email`?"), std::string::npos);
}

TEST_F(Semantic, DiagnosticPositionsCountUtf16) {
  std::string text = "const s = \"😀é\" + 1\n";
  c.open(main_uri, text, 1);
  auto d = c.wait_diagnostics(main_uri, 1);
  ASSERT_FALSE(d.at("diagnostics").as_array().empty()) << json::serialize(d);
  // Everything after the emoji is shifted by 2 UTF-16 units but 4 bytes: the range must end at the `1`.
  const auto& r = d.at("diagnostics").at(0).at("range");
  EXPECT_EQ(n(r.at("end").at("character")), 19);  // `const s = "` (11) + emoji (2) + `é"` (2) + ` + 1` (4)
}

TEST_F(Semantic, QuickFixFromTheDiagnosticFix) {
  std::string text = kMain;
  text.replace(text.find("return { email: e }"), 19, "return { emal: e }");
  c.open(main_uri, text, 1);
  c.wait_diagnostics(main_uri, 1);
  auto p = position_of(text, "emal");
  auto r = c.call("textDocument/codeAction",
                  json::object{{"textDocument", json::object{{"uri", main_uri}}},
                               {"range", json::object{{"start", p}, {"end", p}}},
                               {"context", json::object{{"diagnostics", json::array{}}}}});
  ASSERT_EQ(r.as_array().size(), 1u) << json::serialize(r);
  const auto& action = r.at(0);
  EXPECT_EQ(action.at("kind").as_string(), "quickfix");
  const auto& edits = action.at("edit").at("changes").at(main_uri).as_array();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].at("newText").as_string(), "email");
  EXPECT_EQ(edits[0].at("range").at("start"), p);
}

TEST_F(Semantic, QuickFixForAFieldFarFromTheMissingOne) {
  std::string text = kMain;
  text.replace(text.find("-> { email: string }"), 20, "-> common.Subscriber");
  text.replace(text.find("return { email: e }"), 19, "return { person: e, email: e }");
  c.open(main_uri, text, 1);
  auto d = c.wait_diagnostics(main_uri, 1);
  const auto& diags = d.at("diagnostics").as_array();
  ASSERT_EQ(diags.size(), 1u) << json::serialize(d);  // E0310 only: no E0301 for `full_name`
  EXPECT_EQ(diags[0].at("code").as_string(), "E0310");
  auto p = position_of(text, "person");
  EXPECT_EQ(diags[0].at("range").at("start"), p);
  auto r = c.call("textDocument/codeAction",
                  json::object{{"textDocument", json::object{{"uri", main_uri}}},
                               {"range", json::object{{"start", p}, {"end", p}}},
                               {"context", json::object{{"diagnostics", json::array{}}}}});
  ASSERT_EQ(r.as_array().size(), 1u) << json::serialize(r);
  const auto& action = r.at(0);
  EXPECT_EQ(action.at("kind").as_string(), "quickfix");
  EXPECT_NE(std::string(action.at("title").as_string()).find("full_name"), std::string::npos) << json::serialize(action);
  const auto& edits = action.at("edit").at("changes").at(main_uri).as_array();
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].at("newText").as_string(), "full_name");
  EXPECT_EQ(edits[0].at("range").at("start"), p);
  EXPECT_EQ(n(edits[0].at("range").at("end").at("character")), n(p.at("character")) + 6);
}

TEST_F(Semantic, HoverShowsTypesDocsAndStdlib) {
  c.open(main_uri, kMain, 1);
  auto h = c.call("textDocument/hover", at(main_uri, kMain, "norm(current", 1));
  std::string v(h.at("contents").at("value").as_string());
  EXPECT_NE(v.find("fn norm(email: string) -> string"), std::string::npos) << v;
  EXPECT_NE(v.find("Lower-cases an address."), std::string::npos) << v;

  auto step = c.call("textDocument/hover", at(main_uri, kMain, "current =", 2));
  std::string sv(step.at("contents").at("value").as_string());
  EXPECT_NE(sv.find("step current: Response<Contact>"), std::string::npos) << sv;

  auto field = c.call("textDocument/hover", at(main_uri, kMain, "id}\"", 0));
  std::string fv(field.at("contents").at("value").as_string());
  EXPECT_NE(fv.find("id: string"), std::string::npos) << fv;
  EXPECT_NE(fv.find("The CRM's id."), std::string::npos) << fv;

  auto lower = c.call("textDocument/hover", at(main_uri, kMain, "lower(email)", 2));
  std::string lv(lower.at("contents").at("value").as_string());
  EXPECT_NE(lv.find("lower(s: string) -> string"), std::string::npos) << lv;
  EXPECT_NE(lv.find("Unicode lower case."), std::string::npos) << lv;

  auto kw = c.call("textDocument/hover", at(main_uri, kMain, "step current", 1));
  EXPECT_NE(std::string(kw.at("contents").at("value").as_string()).find("durable step"), std::string::npos);

  auto method = c.call("textDocument/hover", at(main_uri, kMain, "get<", 1));
  EXPECT_NE(std::string(method.at("contents").at("value").as_string()).find("crm.get<T>("), std::string::npos)
      << json::serialize(method);

  EXPECT_TRUE(c.call("textDocument/hover", at(main_uri, kMain, "\n/// Lower", 0)).is_null());
}

TEST_F(Semantic, DefinitionAcrossImports) {
  c.open(main_uri, kMain, 1);
  auto d = c.call("textDocument/definition", at(main_uri, kMain, "Contact) ->", 2));
  EXPECT_EQ(d.at("uri").as_string(), common_uri);
  EXPECT_EQ(d.at("range").at("start"), position_of(kCommon, "Contact {"));
  auto local = c.call("textDocument/definition", at(main_uri, kMain, "norm(current", 0));
  EXPECT_EQ(local.at("uri").as_string(), main_uri);
  EXPECT_EQ(local.at("range").at("start"), position_of(kMain, "norm(email"));
  auto step = c.call("textDocument/definition", at(main_uri, kMain, "current.body", 1));
  EXPECT_EQ(step.at("range").at("start"), position_of(kMain, "current ="));
  auto conn = c.call("textDocument/definition", at(main_uri, kMain, "crm.get", 0));
  EXPECT_EQ(conn.at("uri").as_string(), main_uri);
  EXPECT_EQ(conn.at("range").at("start"), position_of(kMain, "crm ="));
  auto konst = c.call("textDocument/definition", at(main_uri, kMain, "LIMIT}", 0));
  EXPECT_EQ(konst.at("uri").as_string(), common_uri);
  EXPECT_EQ(konst.at("range").at("start"), position_of(kCommon, "LIMIT ="));
  auto module = c.call("textDocument/definition", at(main_uri, kMain, "common.Contact) ->", 1));
  EXPECT_EQ(module.at("uri").as_string(), common_uri);
}

TEST_F(Semantic, ReferencesAndRenameAcrossFiles) {
  // From the declaring file (not open): files that import it are found through the workspace.
  c.open(common_uri, kCommon, 1);
  auto refs = c.call("textDocument/references",
                     json::object{{"textDocument", json::object{{"uri", common_uri}}},
                                  {"position", position_of(kCommon, "Contact {")},
                                  {"context", json::object{{"includeDeclaration", true}}}});
  std::map<std::string, int> per_uri;
  for (const auto& l : refs.as_array()) per_uri[std::string(l.at("uri").as_string())]++;
  EXPECT_EQ(per_uri[common_uri], 1) << json::serialize(refs);
  EXPECT_EQ(per_uri[main_uri], 2) << json::serialize(refs);

  auto edit = c.call("textDocument/rename",
                     json::object{{"textDocument", json::object{{"uri", main_uri}}},
                                  {"position", position_of(kMain, "email)", 0)},
                                  {"newName", "address"}});
  const auto& changes = edit.at("changes").as_object();
  ASSERT_EQ(changes.size(), 1u) << json::serialize(edit);
  EXPECT_EQ(changes.at(main_uri).as_array().size(), 2u);  // parameter declaration and its use
  for (const auto& e : changes.at(main_uri).as_array()) EXPECT_EQ(e.at("newText").as_string(), "address");

  auto bad = c.request("textDocument/rename", json::object{{"textDocument", json::object{{"uri", main_uri}}},
                                                          {"position", position_of(kMain, "norm(email")},
                                                          {"newName", "flow"}});
  EXPECT_EQ(bad.at("error").at("code").to_number<int>(), -32602);

  auto prep = c.call("textDocument/prepareRename", at(main_uri, kMain, "current.body", 2));
  EXPECT_EQ(prep.at("placeholder").as_string(), "current");
  EXPECT_TRUE(c.call("textDocument/prepareRename", at(main_uri, kMain, "step current", 1)).is_null());
}

TEST_F(Semantic, DocumentAndWorkspaceSymbols) {
  c.open(main_uri, kMain, 1);
  auto syms = c.call("textDocument/documentSymbol", json::object{{"textDocument", json::object{{"uri", main_uri}}}});
  std::vector<std::string> names;
  for (const auto& s : syms.as_array()) names.emplace_back(s.at("name").as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"common", "norm", "crm", "sync"}));
  const auto& flow = syms.at(3);
  EXPECT_EQ(flow.at("kind").to_number<int>(), 5);
  ASSERT_TRUE(flow.as_object().contains("children"));
  EXPECT_EQ(flow.at("children").at(0).at("name").as_string(), "current");

  auto ws = c.call("workspace/symbol", json::object{{"query", "subscr"}});
  ASSERT_EQ(ws.as_array().size(), 1u) << json::serialize(ws);
  EXPECT_EQ(ws.at(0).at("name").as_string(), "Subscriber");
  EXPECT_EQ(ws.at(0).at("location").at("uri").as_string(), common_uri);
}

TEST_F(Semantic, MemberCompletionFollowsTypes) {
  c.open(main_uri, kMain, 1);
  c.wait_diagnostics(main_uri, 1);  // a clean analysis exists
  std::string text = kMain;
  text.insert(text.find("  return"), "  let t = current.body.\n");
  c.change(main_uri, 2, text);
  auto r = c.call("textDocument/completion", at(main_uri, text, "current.body.\n", 13));
  std::vector<std::string> labels;
  for (const auto& i : r.at("items").as_array()) labels.emplace_back(i.at("label").as_string());
  ASSERT_GE(labels.size(), 3u) << json::serialize(r);
  EXPECT_EQ(labels[0], "id");
  EXPECT_EQ(labels[1], "email");
  EXPECT_EQ(labels[2], "tags");
  EXPECT_NE(std::find(labels.begin(), labels.end(), "merge"), labels.end());  // map functions fit a record
  EXPECT_EQ(std::find(labels.begin(), labels.end(), "lower"), labels.end());  // string functions do not

  std::string t2 = kMain;
  t2.insert(t2.find("  return"), "  let u = current.\n");
  c.change(main_uri, 3, t2);
  auto r2 = c.call("textDocument/completion", at(main_uri, t2, "current.\n", 8));
  std::vector<std::string> l2;
  for (const auto& i : r2.at("items").as_array()) l2.emplace_back(i.at("label").as_string());
  EXPECT_EQ(l2, (std::vector<std::string>{"status", "headers", "body"}));

  std::string t3 = kMain;
  t3.insert(t3.find("  return"), "  let v = common.\n");
  c.change(main_uri, 4, t3);
  auto r3 = c.call("textDocument/completion", at(main_uri, t3, "common.\n", 7));
  std::vector<std::string> l3;
  for (const auto& i : r3.at("items").as_array()) l3.emplace_back(i.at("label").as_string());
  std::sort(l3.begin(), l3.end());
  EXPECT_EQ(l3, (std::vector<std::string>{"Contact", "LIMIT", "Subscriber"}));
}

TEST_F(Semantic, ChangingAnImportedBufferRepublishesDependents) {
  c.open(main_uri, kMain, 1);
  c.open(common_uri, kCommon, 1);
  auto first = c.wait_diagnostics(main_uri, 1);
  EXPECT_TRUE(first.at("diagnostics").as_array().empty()) << json::serialize(first);
  std::string broken = kCommon;
  broken.replace(broken.find("  email: string\n  tags"), 16, "");  // Contact loses `email`
  c.change(common_uri, 2, broken);
  auto again = c.wait_diagnostics(main_uri, 1);
  ASSERT_FALSE(again.at("diagnostics").as_array().empty());
  EXPECT_NE(json::serialize(again).find("email"), std::string::npos);
}

TEST_F(Semantic, BrokenFilesDegradeGracefully) {
  std::string text = kMain + "\nflow broken( {\n  step x = \n";
  c.open(main_uri, text, 1);
  auto d = c.wait_diagnostics(main_uri, 1);
  EXPECT_FALSE(d.at("diagnostics").as_array().empty());
  // The parts that parse still answer.
  auto h = c.call("textDocument/hover", at(main_uri, text, "norm(current", 1));
  EXPECT_TRUE(h.is_object());
  auto syms = c.call("textDocument/documentSymbol", json::object{{"textDocument", json::object{{"uri", main_uri}}}});
  EXPECT_GE(syms.as_array().size(), 3u);
  auto folds = c.call("textDocument/foldingRange", json::object{{"textDocument", json::object{{"uri", main_uri}}}});
  EXPECT_FALSE(folds.as_array().empty());
}

}  // namespace
}  // namespace weft::lsp
