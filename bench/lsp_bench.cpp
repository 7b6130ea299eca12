// Language-server latency on a 2,000-line file, through the in-process scripted client:
// didChange → publishDiagnostics, and completion. Prints medians; exits 1 when over budget
// (diagnostics 100 ms, completion 50 ms).
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "lsp/client.h"

namespace json = boost::json;
using weft::lsp::ScriptedClient;

namespace {

std::string big_file() {
  std::string s = "connection api = http {\n  base_url: \"http://127.0.0.1:9000\"\n  timeout: 10s\n}\n\n";
  int i = 0;
  while (std::count(s.begin(), s.end(), '\n') < 1990) {
    std::string n = std::to_string(i++);
    s += "/// Record " + n + ".\ntype Rec" + n + " {\n  id: string\n  name: string\n  qty: int\n  tags: [string]\n}\n\n";
    s += "fn label" + n + "(r: Rec" + n + ") -> string = upper(r.name) + \":\" + r.id\n\n";
    s += "flow sync" + n + "(r: Rec" + n + ") -> { id: string } {\n";
    s += "  step got = api.get<Rec" + n + ">(\"/recs/${r.id}\")\n";
    s += "  let l = label" + n + "(got.body)\n";
    s += "  step put = api.put(\"/out/${r.id}\", body: { label: l, qty: got.body.qty })\n";
    s += "  return { id: put.body.id }\n}\n\n";
  }
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  ScriptedClient c;
  c.initialize();
  const std::string uri = "file:///tmp/weft_lsp_bench.flow";
  std::string text = big_file();
  size_t lines = std::count(text.begin(), text.end(), '\n');
  c.open(uri, text, 1);
  c.wait_diagnostics(uri, 1);
  std::vector<double> diag_ms, completion_ms;
  for (int v = 2; v <= 21; ++v) {
    std::string t = text + "// edit " + std::to_string(v) + "\n";
    auto start = std::chrono::steady_clock::now();
    c.change(uri, v, t);
    c.wait_diagnostics(uri, v);
    diag_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  // Completion after `got.body.` in the middle of the file.
  size_t at = text.find("let l = label", text.size() / 2);
  std::string edited = text;
  edited.insert(at, "let z = got.body.\n  ");
  c.change(uri, 100, edited);
  c.wait_diagnostics(uri, 100);
  size_t dot = edited.find("got.body.\n", at) + 9;
  std::string before = edited.substr(0, dot);
  uint32_t line = static_cast<uint32_t>(std::count(before.begin(), before.end(), '\n'));
  uint32_t col = static_cast<uint32_t>(dot - (before.rfind('\n') + 1));
  size_t items = 0;
  for (int k = 0; k < 50; ++k) {
    auto start = std::chrono::steady_clock::now();
    auto r = c.call("textDocument/completion",
                    json::object{{"textDocument", json::object{{"uri", uri}}},
                                 {"position", json::object{{"line", line}, {"character", col}}}});
    completion_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    items = r.at("items").as_array().size();
    if (items == 0 && k == 0) std::cerr << "no items at " << line << ":" << col << ": `" << edited.substr(dot - 20, 30) << "`\n";
  }
  double d = median(diag_ms), cm = median(completion_ms);
  std::cout << "lsp_bench: " << lines << " lines\n"
            << "  didChange -> publishDiagnostics  median " << d << " ms (budget 100 ms, " << diag_ms.size() << " runs)\n"
            << "  completion (" << items << " items)        median " << cm << " ms (budget 50 ms, "
            << completion_ms.size() << " runs)\n";
  c.shutdown();
  return d < 100 && cm < 50 ? 0 : 1;
}
