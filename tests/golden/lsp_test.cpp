// Golden LSP sessions: tests/golden/lsp/*.json hold the files of a workspace and a script of
// requests/notifications with the expected answers. WEFT_GOLDEN_UPDATE=1 rewrites the answers.
// In the files, `$ROOT` stands for the session's workspace URI (a temporary directory: the server
// reads the workspace from disk, as an editor's would be). Runner: tests/golden/runner.h.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lsp/client.h"
#include "lsp/text.h"
#include "tests/golden/runner.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;


// Replaces every occurrence of `from` by `to` in every string of a JSON value.
json::value replace_all(const json::value& v, const std::string& from, const std::string& to) {
  if (v.is_string()) {
    std::string s(v.get_string());
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return json::string(s);
  }
  if (v.is_array()) {
    json::array a;
    for (const auto& e : v.get_array()) a.push_back(replace_all(e, from, to));
    return a;
  }
  if (v.is_object()) {
    json::object o;
    for (const auto& [k, e] : v.get_object()) o[replace_all(json::string(k), from, to).get_string()] = replace_all(e, from, to);
    return o;
  }
  return v;
}

// A readable serialisation: one step per line is enough for diffs.
std::string pretty(const json::value& v, int indent = 0) {
  std::string pad(indent, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    std::string s = "{\n";
    bool first = true;
    for (const auto& [k, e] : v.get_object()) {
      if (!first) s += ",\n";
      first = false;
      s += pad + "  " + json::serialize(json::string(k)) + ": " + pretty(e, indent + 2);
    }
    return s + "\n" + pad + "}";
  }
  if (v.is_array() && !v.get_array().empty()) {
    std::string s = "[\n";
    bool first = true;
    for (const auto& e : v.get_array()) {
      if (!first) s += ",\n";
      first = false;
      s += pad + "  " + pretty(e, indent + 2);
    }
    return s + "\n" + pad + "]";
  }
  return json::serialize(v);
}

class GoldenSession : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenSession, MatchesExpectedAnswers) {
  std::ifstream in(GetParam());
  std::stringstream ss;
  ss << in.rdbuf();
  json::value session = json::parse(ss.str());
  fs::path root = fs::temp_directory_path() / ("weft_lsp_golden_" + std::to_string(::getpid()) + "_" + GetParam().stem().string());
  fs::remove_all(root);
  fs::create_directories(root);
  std::string root_uri = path_to_uri(root.string());
  for (const auto& [name, text] : session.at("files").as_object())
    std::ofstream(root / std::string(name)) << text.as_string().c_str();
  bool update = golden::updating();
  ScriptedClient c;
  c.initialize(root.string());
  auto& steps = session.at("steps").as_array();
  for (size_t i = 0; i < steps.size(); ++i) {
    auto& step = steps[i].as_object();
    json::value params = replace_all(step.contains("params") ? step.at("params") : json::value(json::object{}), "$ROOT", root_uri);
    json::value got;
    if (const json::value* m = step.if_contains("notify")) {
      c.notify(m->as_string(), params);
      continue;
    }
    if (const json::value* d = step.if_contains("diagnostics")) {
      std::string uri = root_uri + "/" + std::string(d->as_string());
      got = c.wait_diagnostics(uri, step.at("version").to_number<int64_t>()).at("diagnostics");
    } else {
      json::value r = c.request(step.at("request").as_string(), params);
      got = r.as_object().contains("error") ? json::value(json::object{{"error", r.at("error")}}) : r.at("result");
    }
    got = replace_all(got, root_uri, "$ROOT");
    if (update) {
      step["expect"] = got;
    } else {
      ASSERT_TRUE(step.contains("expect")) << "step " << i << " has no `expect` (run with WEFT_GOLDEN_UPDATE=1)";
      golden::expect_same(pretty(step.at("expect")), pretty(got),
                          GetParam().filename().string() + " step " + std::to_string(i));
    }
  }
  c.shutdown();
  fs::remove_all(root);
  if (update) golden::write_file(GetParam(), pretty(session) + "\n");
}

INSTANTIATE_TEST_SUITE_P(Lsp, GoldenSession,
                         ::testing::ValuesIn(golden::case_files(golden::golden_dir() / "lsp", ".json", false)),
                         [](const auto& info) { return info.param.stem().string(); });

}  // namespace
}  // namespace weft::lsp
