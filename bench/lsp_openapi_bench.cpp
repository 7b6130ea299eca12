// Completion after `gh.` in the language server against GitHub's REST description (~11 MB,
// ~1,000 operations; @octokit/openapi, fetched by tests/openapi/fetch.sh), once the document is
// loaded: the first completion is reported apart, then the median and worst of 50 completions on
// the analysed text (the budget: 50 ms median), and of 50 completions each right after an edit of the
// flow (a full didChange: the request waits for that version's analysis, which reads the document
// again). Also: hover on an operation. Exits 1 over budget.
// Usage: lsp_openapi_bench SPEC.json
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "lsp/client.h"
#include "lsp/text.h"
#include "lsp/workspace.h"

namespace json = boost::json;
using weft::lsp::ScriptedClient;

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: lsp_openapi_bench SPEC.json (build/testdata/openapi/@octokit/openapi@19.0.0/generated/api.github.com.json)\n";
    return 2;
  }
  std::string spec = std::filesystem::absolute(argv[1]).string();
  if (!std::filesystem::exists(spec)) {
    std::cerr << "lsp_openapi_bench: no " << spec << " (run tests/openapi/fetch.sh build)\n";
    return 2;
  }
  std::string flow = "connection gh = openapi {\n  spec: \"" + spec +
                     "\"\n}\n\nflow f(owner: string, repo: string) -> int {\n  step r = gh.repos_get(owner: owner, repo: repo)\n"
                     "  let x = gh.\n  return r.body.id\n}\n";
  const std::string uri = weft::lsp::path_to_uri((std::filesystem::temp_directory_path() / "weft_lsp_openapi_bench.flow").string());
  ScriptedClient c(weft::lsp::ServerOptions{});
  c.initialize();
  auto start = std::chrono::steady_clock::now();
  c.open(uri, flow, 1);
  c.wait_diagnostics(uri, 1);
  double open_ms = ms_since(start);
  size_t dot = flow.find("gh.\n") + 3;
  std::string before = flow.substr(0, dot);
  json::object pos{{"line", std::count(before.begin(), before.end(), '\n')}, {"character", dot - (before.rfind('\n') + 1)}};
  auto complete = [&] {
    return c.call("textDocument/completion", json::object{{"textDocument", json::object{{"uri", uri}}}, {"position", pos}});
  };
  start = std::chrono::steady_clock::now();
  size_t items = complete().at("items").as_array().size();
  double first_ms = ms_since(start);
  // The same version again: the analysis is there, this is completion alone.
  std::vector<double> alone;
  for (int k = 0; k < 50; ++k) {
    start = std::chrono::steady_clock::now();
    complete();
    alone.push_back(ms_since(start));
  }
  std::vector<double> times;
  int64_t version = 1;
  uint64_t reads = weft::lsp::DiskTexts::shared().large_reads();
  for (int k = 0; k < 50; ++k) {
    flow += "// edit " + std::to_string(k) + "\n";
    c.change(uri, ++version, flow);
    start = std::chrono::steady_clock::now();
    auto r = complete();
    times.push_back(ms_since(start));
    if (r.at("items").as_array().size() != items) {
      std::cerr << "lsp_openapi_bench: completion changed size\n";
      return 1;
    }
  }
  reads = weft::lsp::DiskTexts::shared().large_reads() - reads;
  size_t at = flow.find("repos_get") + 2;
  before = flow.substr(0, at);
  json::object hpos{{"line", std::count(before.begin(), before.end(), '\n')}, {"character", at - (before.rfind('\n') + 1)}};
  start = std::chrono::steady_clock::now();
  auto h = c.call("textDocument/hover", json::object{{"textDocument", json::object{{"uri", uri}}}, {"position", hpos}});
  double hover_ms = ms_since(start);
  std::sort(times.begin(), times.end());
  std::sort(alone.begin(), alone.end());
  double median = alone[alone.size() / 2];
  std::cout << "machine: " << weft::bench::loadavg() << " (load average)\n"
            << "document: " << spec << " (" << std::filesystem::file_size(spec) / 1000000.0 << " MB)\n"
            << "open + first diagnostics: " << open_ms << " ms\n"
            << "first completion after gh. (" << items << " items): " << first_ms << " ms\n"
            << "completion after gh. once loaded: median " << median << " ms, worst " << alone.back()
            << " ms (50 runs; budget 50 ms)\n"
            << "edit + completion after gh. (the request waits for the new version's analysis): median "
            << times[times.size() / 2] << " ms, worst " << times.back() << " ms (50 runs)\n"
            << "document reads from disk during the 50 edits: " << reads << "\n"
            << "hover on repos_get: " << hover_ms << " ms" << (h.is_object() ? "" : " (no hover!)") << "\n";
  c.shutdown();
  return median < 50 && h.is_object() && reads == 0 ? 0 : 1;
}
