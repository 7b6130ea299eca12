// Language-server latency on a 2,000-line file, through the in-process scripted client:
// didChange → publishDiagnostics, and completion. Prints medians; exits 1 when over budget
// (diagnostics 100 ms, completion 50 ms).
//
// The server runs with its real options (ServerOptions{}: the default debounce included). Each
// measured edit is a full-text didChange that really changes the text: odd iterations insert an
// error into a different flow, even ones remove it again; the time runs until the
// publishDiagnostics of that version is written, and its content is checked (the error is
// reported, or gone). Edits are spaced as a user pauses between them (150 ms); a typing burst
// (5 changes 20 ms apart, timed from the last one) is reported too, without a budget.
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
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

/// CPU time of the whole process (every thread), in ms: the work an edit costs, whatever the load.
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

size_t error_count(const json::value& params) {
  size_t n = 0;
  for (const auto& d : params.at("diagnostics").as_array())
    if (d.at("severity").as_int64() == 1) ++n;
  return n;
}

}  // namespace

int main() {
  ScriptedClient c(weft::lsp::ServerOptions{});
  c.initialize();
  const std::string uri = "file:///tmp/weft_lsp_bench.flow";
  std::string text = big_file();
  size_t lines = std::count(text.begin(), text.end(), '\n');
  c.open(uri, text, 1);
  size_t baseline = error_count(c.wait_diagnostics(uri, 1));
  // The places where errors go: one `let l = ...` line per flow.
  std::vector<size_t> sites;
  for (size_t at = text.find("  let l = label"); at != std::string::npos; at = text.find("  let l = label", at + 1))
    sites.push_back(at);
  std::vector<double> diag_ms, diag_cpu_ms, completion_ms, burst_ms;
  int bad = 0;
  int64_t version = 1;
  for (int k = 0; k < 20; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    bool insert = k % 2 == 0;
    std::string t = text;
    if (insert) t.insert(sites[(k * 7) % sites.size()], "  let oops = undefined_name_" + std::to_string(k) + "\n");
    double cpu = cpu_ms();
    auto start = std::chrono::steady_clock::now();
    c.change(uri, ++version, t);
    auto p = c.wait_diagnostics(uri, version);
    diag_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    diag_cpu_ms.push_back(cpu_ms() - cpu);
    if (error_count(p) != baseline + (insert ? 1 : 0)) ++bad;
  }
  for (int k = 0; k < 5; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::chrono::steady_clock::time_point start;
    for (int j = 0; j < 5; ++j) {
      if (j > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::string t = text;
      t.insert(sites[(k * 5 + j) % sites.size()], "  let typing = " + std::to_string(j) + "\n");
      start = std::chrono::steady_clock::now();
      c.change(uri, ++version, t);
    }
    c.wait_diagnostics(uri, version);
    burst_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  // Completion after `got.body.` in the middle of the file.
  size_t at = text.find("let l = label", text.size() / 2);
  std::string edited = text;
  edited.insert(at, "let z = got.body.\n  ");
  c.change(uri, ++version, edited);
  c.wait_diagnostics(uri, version);
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
            << "  didChange -> publishDiagnostics  median " << d << " ms (budget 100 ms, " << diag_ms.size() << " runs, min "
            << *std::min_element(diag_ms.begin(), diag_ms.end()) << ", max " << *std::max_element(diag_ms.begin(), diag_ms.end())
            << "; CPU of all threads median " << median(diag_cpu_ms) << " ms)\n"
            << "  typing burst, last change -> publishDiagnostics  median " << median(burst_ms) << " ms ("
            << burst_ms.size() << " bursts of 5 changes 20 ms apart)\n"
            << "  completion (" << items << " items)        median " << cm << " ms (budget 50 ms, "
            << completion_ms.size() << " runs)\n";
  c.shutdown();
  if (bad) std::cerr << "lsp_bench: " << bad << " publications did not report the expected errors\n";
  return d < 100 && cm < 50 && bad == 0 ? 0 : 1;
}
