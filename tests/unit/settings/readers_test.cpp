// Every reader of the settings table knows every entry, and knows nothing the table lacks:
// the checker accepts each example and rejects each bad literal at the value, language-server
// completion offers each name and hover documents it, the HTTP connector accepts each connection
// setting (through lowering and evaluation, as the engine does) and implements no other, lowering
// and the evaluator build constructors with the table's parameters, and docs/settings.md lists it.
//
// This is the acceptance test for "adding a connection setting is one table entry plus its
// implementation": a new entry in stdlib/settings/settings.cpp is picked up by every loop below,
// and SettingsReaders.ConnectorImplementsExactlyTheTable fails until the connector implements it.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "compiler/diagnostics/render.h"
#include "compiler/ir/hash.h"
#include "compiler/lower/lower.h"
#include "compiler/ir/serialize.h"
#include "compiler/sema/check.h"
#include "engine/eval/eval.h"
#include "lsp/client.h"
#include "stdlib/connectors/http_connection.h"
#include "stdlib/functions/functions.h"
#include "stdlib/settings/settings.h"

namespace weft::settings {
namespace {

namespace json = boost::json;

class NoFiles : public sema::Loader {
 public:
  bool read(const std::string&, std::string&, std::string& error) override {
    error = "No such file or directory";
    return false;
  }
};

struct Checked {
  std::shared_ptr<diagnostics::SourceFile> source;
  sema::CheckedProgram program;
  std::string errors;  ///< rendered error diagnostics
  std::vector<diagnostics::Code> codes;
};

Checked check(const std::string& text) {
  NoFiles loader;
  Checked c{std::make_shared<diagnostics::SourceFile>("/mem/settings.flow", text), {}, {}, {}};
  c.program = sema::check_source(c.source, loader);
  for (const auto& d : c.program.diagnostics.all())
    if (d.severity == diagnostics::Severity::Error) {
      c.errors += diagnostics::render_text(d);
      c.codes.push_back(d.code);
    }
  return c;
}

const std::string kConnection = "connection crm = http {\n  base_url: \"https://crm.example.com/api\"\n";
const std::string kFlow = "flow f(contact: json = null, order: json = null, day: string = \"\") {\n";

/// A file in which `line` stands where settings of `block` go.
std::string source_with(Block block, const std::string& line) {
  switch (block) {
    case Block::Connection:
      if (line.rfind("base_url:", 0) == 0) return "connection crm = http {\n  " + line + "\n}\n";
      return kConnection + "  " + line + "\n}\n";
    case Block::RateLimit: return kConnection + "  rate_limit: " + line + "\n}\n";
    case Block::Breaker: return kConnection + "  breaker: " + line + "\n}\n";
    case Block::Retry: return kConnection + "  retry: " + line + "\n}\n";
    case Block::Webhook: return kConnection + "}\n" + kFlow + "  on webhook \"/hook\" {\n    " + line + "\n  }\n}\n";
    case Block::Schedule: return kConnection + "}\n" + kFlow + "  on schedule \"0 3 * * *\" {\n    " + line + "\n  }\n}\n";
    case Block::Poll:
      return kConnection + "}\n" + kFlow + "  on poll crm.get(\"/contacts\") every 5m {\n" +
             (line.rfind("items:", 0) == 0 ? "" : "    items: response.body.items\n") + "    " + line + "\n  }\n}\n";
    case Block::Event: return kConnection + "}\n" + kFlow + "  on event \"order.created\" {\n    " + line + "\n  }\n}\n";
    case Block::Options: return kConnection + "}\n" + kFlow + "  options {\n    " + line + "\n  }\n}\n";
    case Block::Concurrency: return kConnection + "}\n" + kFlow + "  options {\n    concurrency: " + line + "\n  }\n}\n";
  }
  return "";
}

bool in_record(const Setting& s) {
  return s.block == Block::RateLimit || s.block == Block::Breaker || s.block == Block::Retry ||
         s.block == Block::Concurrency;
}

/// A file holding `line` as the setting `s` (within its record's other examples when it is a field).
std::string source_for(const Setting& s, const std::string& line) {
  if (!in_record(s)) return source_with(s.block, line);
  std::string out;
  for (const auto* f : settings_in(s.block)) out += (out.empty() ? "" : ", ") + (f == &s ? line : std::string(f->example));
  return source_with(s.block, "{ " + out + " }");
}

/// A file holding the example of `s`.
std::string source_for(const Setting& s) { return source_for(s, std::string(s.example)); }

/// A file holding the example of constructor `c` where its group goes.
std::string source_for(const Constructor& c) {
  switch (c.group) {
    case Group::Auth: return source_with(Block::Connection, "auth: " + std::string(c.example));
    case Group::Verify: return source_with(Block::Webhook, "verify: " + std::string(c.example));
    case Group::Backoff: return source_with(Block::Retry, "{ backoff: " + std::string(c.example) + " }");
  }
  return "";
}

/// A literal that the check rejects, as written in a flow.
std::string bad_literal(Check c) {
  switch (c) {
    case Check::Cron: return "\"0 25 * * *\"";
    case Check::TimeZone: return "\"Europe/Berln\"";
    case Check::AbsoluteUrl: return "\"crm.example.com\"";
    case Check::HeaderName: return "\"Bad Header\"";
    case Check::PositiveCount: return "0";
    case Check::PositiveDuration: return "0s";
    case Check::WebhookPath: return "\"hook\"";
    case Check::HttpMethod: return "\"FETCH\"";
    case Check::None: break;
  }
  return "";
}

diagnostics::Code code_of(Check c) {
  switch (c) {
    case Check::Cron: return diagnostics::Code::E0504;
    case Check::TimeZone: return diagnostics::Code::E0507;
    case Check::AbsoluteUrl: return diagnostics::Code::E0508;
    case Check::HeaderName: return diagnostics::Code::E0509;
    case Check::PositiveCount: case Check::PositiveDuration: return diagnostics::Code::E0510;
    default: return diagnostics::Code::E0201;
  }
}

/// The settings of connection `crm` as the engine evaluates them, secrets resolved to "s3cret".
json::object evaluated_connection(const Checked& c) {
  lower::LowerResult r = lower::lower(c.program);
  EXPECT_TRUE(r.errors.empty());
  const ir::Connection* conn = r.module.find_connection("crm");
  EXPECT_NE(conn, nullptr);
  json::object out;
  if (!conn) return out;
  functions::SystemContext sys;
  eval::Env env;
  env.module = &r.module;
  env.fctx = &sys;
  env.secret = [](std::string_view) -> std::optional<std::string> { return "s3cret"; };
  env.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  eval::Frame frame;
  for (const auto& s : conn->settings) out[s.name] = eval::evaluate(*s.value, frame, env);
  out.erase("retry");  // the runtime's, as in Engine
  out["name"] = conn->name;
  return out;
}

std::string read_docs() {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/docs/settings.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string where(const Setting& s) { return std::string(block_name(s.block)) + " `" + std::string(s.name) + "`"; }

// ---- the checker

TEST(SettingsReaders, CheckerAcceptsEveryExample) {
  for (const auto& s : settings()) {
    Checked c = check(source_for(s));
    EXPECT_TRUE(c.errors.empty()) << where(s) << "\n" << c.source->text() << c.errors;
  }
  for (const auto& k : constructors()) {
    Checked c = check(source_for(k));
    EXPECT_TRUE(c.errors.empty()) << k.name << "\n" << c.source->text() << c.errors;
  }
}

TEST(SettingsReaders, CheckerRejectsUnknownNamesWithTheTablesSuggestion) {
  for (const auto& s : settings()) {
    if (s.name.size() < 5) continue;  // too short for a one-letter typo to be suggested
    std::string typo(s.name);
    typo.erase(1, 1);
    std::string example = typo + std::string(s.example.substr(s.name.size()));
    Checked c = check(source_for(s, example));
    EXPECT_NE(c.errors.find("did you mean `" + std::string(s.name) + "`?"), std::string::npos)
        << where(s) << "\n" << c.source->text() << c.errors;
  }
}

TEST(SettingsReaders, CheckerRejectsBadLiteralsAtTheValue) {
  for (const auto& s : settings()) {
    if (s.check == Check::None) continue;
    std::string bad = bad_literal(s.check);
    std::string line = std::string(s.name) + ": " + bad;
    if (s.check == Check::HeaderName && s.type == "map<string>") line = std::string(s.name) + ": { " + bad + ": \"v\" }";
    std::string text = source_for(s, line);
    Checked c = check(text);
    ASSERT_EQ(c.codes.size(), 1u) << where(s) << "\n" << text << c.errors;
    EXPECT_EQ(c.codes[0], code_of(s.check)) << where(s) << "\n" << c.errors;
    const auto& d = c.program.diagnostics.all();
    for (const auto& x : d)
      if (x.severity == diagnostics::Severity::Error) {
        size_t at = text.find(bad, text.find(std::string(s.name) + ":"));
        EXPECT_GE(x.range.begin, at) << where(s) << ": reported at the value";
        EXPECT_LE(x.range.end, at + bad.size()) << where(s) << ": reported at the value";
      }
  }
  for (const auto& k : constructors())
    for (const auto& p : k.params) {
      if (p.check == Check::None) continue;
      std::string bad = bad_literal(p.check);
      std::string call = std::string(k.name) + "(" + std::string(p.name) + ": " + bad + ")";
      Checked c = check(source_with(k.group == Group::Auth ? Block::Connection : k.group == Group::Verify ? Block::Webhook : Block::Retry,
                                    k.group == Group::Auth ? "auth: " + call : k.group == Group::Verify ? "verify: " + call : "{ backoff: " + call + " }"));
      EXPECT_NE(std::find(c.codes.begin(), c.codes.end(), code_of(p.check)), c.codes.end())
          << k.name << "." << p.name << "\n" << c.errors;
    }
}

TEST(SettingsReaders, CheckerSuggestsTimeZones) {
  if (time_zone_names().empty()) GTEST_SKIP() << "no zone database here";
  Checked c = check(source_with(Block::Schedule, "timezone: \"America/New_Yrok\""));
  EXPECT_NE(c.errors.find("did you mean `America/New_York`?"), std::string::npos) << c.errors;
}

TEST(SettingsReaders, CheckerChecksTheNewOptionsValues) {
  EXPECT_TRUE(check(source_with(Block::Options, "on_exhausted: \"fail\"")).errors.empty());
  EXPECT_EQ(check(source_with(Block::Options, "on_exhausted: \"stop\"")).codes,
            std::vector<diagnostics::Code>{diagnostics::Code::E0201});
  EXPECT_EQ(check(source_with(Block::Options, "retention: \"7d\"")).codes,
            std::vector<diagnostics::Code>{diagnostics::Code::E0201});
  EXPECT_TRUE(check(source_with(Block::Options, "retention: 30d")).errors.empty());
}

// ---- the HTTP connector

TEST(SettingsReaders, ConnectorImplementsExactlyTheTable) {
  std::set<std::string> table = {"name"}, connector;
  for (const auto* s : settings_in(Block::Connection)) table.insert(std::string(s->name));
  for (const auto& k : connectors::http_config_keys()) connector.insert(k);
  EXPECT_EQ(connector, table) << "the http connector and the settings table name different settings";
}

TEST(SettingsReaders, ConnectorAcceptsEveryConnectionSettingAsTheEngineEvaluatesIt) {
  for (const auto& s : settings()) {
    if (s.block != Block::Connection && s.block != Block::RateLimit && s.block != Block::Breaker &&
        s.block != Block::Retry)
      continue;
    Checked c = check(source_for(s));
    ASSERT_TRUE(c.errors.empty()) << c.errors;
    connectors::HttpConfig config;
    std::string error;
    EXPECT_TRUE(connectors::http_config_from_json(evaluated_connection(c), config, error)) << where(s) << ": " << error;
  }
  for (const auto* k : constructors_in(Group::Auth)) {
    Checked c = check(source_for(*k));
    ASSERT_TRUE(c.errors.empty()) << c.errors;
    connectors::HttpConfig config;
    std::string error;
    EXPECT_TRUE(connectors::http_config_from_json(evaluated_connection(c), config, error)) << k->name << ": " << error;
  }
}

TEST(SettingsReaders, ConnectorRejectsWhatTheTableLacks) {
  connectors::HttpConfig config;
  std::string error;
  EXPECT_FALSE(connectors::http_config_from_json(json::parse(R"({"base_url":"https://x","proxy":"y"})"), config, error));
  EXPECT_NE(error.find("proxy"), std::string::npos) << error;
  EXPECT_FALSE(connectors::http_config_from_json(
      json::parse(R"({"auth":{"kind":"bearer","token":"t","scheme":"Token"}})"), config, error));
}

// ---- lowering and the evaluator

TEST(SettingsReaders, LoweringBuildsConstructorsWithTheTablesParameters) {
  for (const auto& k : constructors()) {
    std::string call = std::string(k.name) + "(";
    for (size_t i = 0; i < k.params.size(); ++i) {
      const Param& p = k.params[i];
      std::string v = p.type == "duration" ? "2s" : p.type == "float" ? "2.0" : p.type == "[string]" ? "[\"a\"]"
                      : p.type.find('"') != std::string_view::npos ? std::string(p.type.substr(0, p.type.find('"', 1) + 1))
                      : p.check == Check::AbsoluteUrl ? "\"https://a.example\"" : "\"v\"";
      if (k.name == "api_key" && p.name == "query") continue;  // exactly one of header and query
      call += (i ? ", " : "") + std::string(p.name) + ": " + v;
    }
    call += ")";
    std::string text = k.group == Group::Auth ? source_with(Block::Connection, "auth: " + call)
                       : k.group == Group::Backoff ? source_with(Block::Retry, "{ backoff: " + call + " }")
                                                   : source_with(Block::Webhook, "verify: " + call);
    Checked ck = check(text);
    ASSERT_TRUE(ck.errors.empty()) << text << ck.errors;
    lower::LowerResult r = lower::lower(ck.program);
    ASSERT_TRUE(r.errors.empty());
    // The lowered object: `kind` plus exactly the parameters given, named as in the table.
    json::value dumped;
    functions::SystemContext sys;
    eval::Env env;
    env.fctx = &sys;
    eval::Frame frame;
    if (k.group == Group::Verify) {
      ASSERT_FALSE(r.module.flows.empty());
      for (const auto& st : r.module.flows[0].triggers[0].settings)
        if (st.name == "verify") dumped = eval::evaluate(*st.value, frame, env);
    } else {
      const ir::Connection* conn = r.module.find_connection("crm");
      ASSERT_NE(conn, nullptr);
      for (const auto& st : conn->settings) {
        json::value v = eval::evaluate(*st.value, frame, env);
        if (k.group == Group::Auth && st.name == "auth") dumped = v;
        if (k.group == Group::Backoff && st.name == "retry") dumped = v.at("backoff");
      }
    }
    ASSERT_TRUE(dumped.is_object()) << k.name << ": " << json::serialize(dumped);
    EXPECT_EQ(dumped.at("kind"), json::value(k.name));
    for (const auto& [key, v] : dumped.as_object()) {
      if (key == "kind") continue;
      bool known = false;
      for (const auto& p : k.params) known = known || p.name == key;
      EXPECT_TRUE(known) << k.name << " has no parameter " << key;
    }
  }
}

TEST(SettingsReaders, EvaluatorPlacesPositionalArgumentsByTheTable) {
  // A constructor written as a plain call (`let a = bearer(x)`) outside a setting.
  for (const auto* k : {find_constructor(Group::Auth, "basic"), find_constructor(Group::Backoff, "fixed")}) {
    ir::Expr call;
    call.op = ir::Expr::Op::Call;
    call.name = std::string(k->name);
    for (size_t i = 0; i < k->params.size(); ++i) call.args.push_back(ir::constant(json::value(i)));
    eval::Frame frame;
    functions::SystemContext sys;
    eval::Env env;
    env.fctx = &sys;
    json::value v = eval::evaluate(call, frame, env);
    ASSERT_TRUE(v.is_object()) << k->name << ": " << json::serialize(v);
    for (size_t i = 0; i < k->params.size(); ++i)
      EXPECT_EQ(v.at(k->params[i].name), json::value(i)) << k->name << "." << k->params[i].name;
  }
}

TEST(SettingsReaders, NewOptionsReachTheIrAndUnsetOnesLeaveItAlone) {
  auto lowered = [](const std::string& options) {
    Checked c = check(kConnection + "}\n" + kFlow + options + "  step _r = crm.get(\"/x\")\n}\n");
    EXPECT_TRUE(c.errors.empty()) << c.errors;
    return lower::lower(c.program).module;
  };
  ir::Module plain = lowered("");
  ir::Module with = lowered("  options { retention: 7d, on_exhausted: \"pause\" }\n");
  ASSERT_EQ(with.flows.size(), 1u);
  ASSERT_TRUE(with.flows[0].options.retention && with.flows[0].options.on_exhausted);
  EXPECT_EQ(with.flows[0].options.retention->value, json::value(7 * 86400000));
  EXPECT_EQ(with.flows[0].options.on_exhausted->value, json::value("pause"));
  // Unset options are absent from the canonical form, so existing versions keep their hash.
  json::value opts = ir::to_json(plain.flows[0]).at("options");
  EXPECT_TRUE(opts.as_object().empty()) << json::serialize(opts);
  EXPECT_NE(ir::flow_version(plain, plain.flows[0]), ir::flow_version(with, with.flows[0]));
  // They survive the stored form.
  std::string error;
  auto back = ir::parse_module(ir::serialize(with), &error);
  ASSERT_TRUE(back) << error;
  ASSERT_TRUE(back->flows[0].options.retention && back->flows[0].options.on_exhausted);
  EXPECT_EQ(back->flows[0].options.on_exhausted->value, json::value("pause"));
  EXPECT_EQ(ir::flow_version(*back, back->flows[0]), ir::flow_version(with, with.flows[0]));
}

// ---- the language server

class SettingsLsp : public ::testing::Test {
 protected:
  void SetUp() override { client.initialize(); }
  std::string uri() { return "file:///tmp/settings_" + std::to_string(++n) + ".flow"; }
  std::vector<std::string> completion(const std::string& text, std::string_view needle, int delta = 0) {
    std::string u = uri();
    client.open(u, text);
    auto r = client.call("textDocument/completion", json::object{{"textDocument", json::object{{"uri", u}}},
                                                                 {"position", lsp::position_of(text, needle, delta)}});
    std::vector<std::string> out;
    for (const auto& i : r.at("items").as_array()) out.emplace_back(i.at("label").as_string());
    return out;
  }
  std::string hover(const std::string& text, std::string_view needle, int delta) {
    std::string u = uri();
    client.open(u, text);
    auto r = client.call("textDocument/hover", json::object{{"textDocument", json::object{{"uri", u}}},
                                                            {"position", lsp::position_of(text, needle, delta)}});
    return r.is_null() ? "" : std::string(r.at("contents").at("value").as_string());
  }
  static bool has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
  lsp::ScriptedClient client;
  int n = 0;
};

TEST_F(SettingsLsp, CompletionOffersEverySettingInItsBlock) {
  for (const auto& s : settings()) {
    std::string text = source_for(s);
    auto labels = completion(text, s.example);
    EXPECT_TRUE(has(labels, s.name)) << where(s) << "\n" << text;
  }
}

TEST_F(SettingsLsp, CompletionOffersEveryConstructorOfItsGroup) {
  for (const auto& k : constructors()) {
    std::string text = source_for(k);
    auto labels = completion(text, k.example);
    EXPECT_TRUE(has(labels, k.name)) << k.name << "\n" << text;
  }
}

TEST_F(SettingsLsp, CompletionOffersTheValuesOfStringLiteralSettings) {
  for (const auto& s : settings()) {
    if (s.type.find('"') == std::string_view::npos) continue;
    std::string text = source_for(s, std::string(s.name) + ": ");
    auto labels = completion(text, std::string(s.name) + ": ", static_cast<int>(s.name.size()) + 2);
    std::string_view t = s.type;
    for (size_t b = t.find('"'), e; b != std::string_view::npos && (e = t.find('"', b + 1)) != std::string_view::npos;
         b = t.find('"', e + 1))
      EXPECT_TRUE(has(labels, t.substr(b, e - b + 1))) << where(s) << "\n" << text;
  }
}

TEST_F(SettingsLsp, HoverDocumentsEverySetting) {
  for (const auto& s : settings()) {
    std::string text = source_for(s);
    std::string md = hover(text, s.example, 1);
    EXPECT_NE(md.find(std::string(s.doc)), std::string::npos) << where(s) << "\n" << md;
    EXPECT_NE(md.find(std::string(s.name) + ":"), std::string::npos) << where(s) << "\n" << md;
  }
}

TEST_F(SettingsLsp, HoverDocumentsConstructors) {
  for (const auto& k : constructors()) {
    if (k.group == Group::Verify && find_constructor(Group::Auth, k.name)) continue;  // `bearer` is the auth one
    std::string text = source_for(k);
    std::string md = hover(text, k.example, 1);
    EXPECT_NE(md.find(std::string(k.doc)), std::string::npos) << k.name << "\n" << md;
  }
}

// ---- the generated reference

TEST(SettingsReaders, DocsListEveryEntry) {
  std::string docs = read_docs();
  ASSERT_FALSE(docs.empty()) << "docs/settings.md is missing";
  for (const auto& s : settings()) {
    EXPECT_NE(docs.find("`" + std::string(s.name) + "`"), std::string::npos) << where(s);
    EXPECT_NE(docs.find(std::string(s.doc)), std::string::npos) << where(s);
  }
  for (const auto& k : constructors()) EXPECT_NE(docs.find(signature_text(k)), std::string::npos) << k.name;
}

}  // namespace
}  // namespace weft::settings
