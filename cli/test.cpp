// `weft test [FILE|DIR...] [--filter NAME] [--format text|junit|json] [--jobs N]`: runs the `test`
// blocks of .flow files (a directory: every .flow file under it) in-process with mocks and a test
// clock (testing/runner.h). Prints one line per test with its time and a summary line
// `N passed, N failed`; a failing test also shows why and the history of its flows.
// Exit 0 all pass, 1 some test failed, 2 usage errors or files that do not compile.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/driver.h"
#include "testing/json_report.h"
#include "testing/junit.h"
#include "testing/runner.h"

namespace weft::cli {

namespace {

namespace fs = std::filesystem;

void test_usage(std::ostream& out) {
  out << "usage: weft test [FILE|DIR...] [--filter NAME] [--format text|junit|json] [--jobs N]\n\n"
         "Runs the `test` blocks of each file (a directory: every .flow file under it; default: .)\n"
         "in-process, with mocked connections and a test clock that skips waits.\n"
         "  --filter NAME   only tests whose name contains NAME\n"
         "  --format F      text (default), junit (JUnit XML on stdout) or json (one JSON object\n"
         "                  per test and line: name, passed, time, failures with their location)\n"
         "  --jobs N        tests run at once (default: the number of CPUs)\n"
         "Exit status: 0 all pass, 1 a test failed, 2 usage errors or files that do not compile.\n";
}

std::string millis(double seconds) {
  char buf[32];
  if (seconds < 1) std::snprintf(buf, sizeof buf, "%.0f ms", seconds * 1000);
  else std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return buf;
}

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += pad + line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

/// The .flow files named by `args` (directories searched recursively, sorted); false on a bad path.
bool collect(const std::vector<std::string>& args, std::vector<std::string>& files) {
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(a, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".flow") found.push_back(it->path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(a, ec)) {
      files.push_back(a);
    } else {
      std::cerr << "weft test: " << a << ": no such file or directory\n";
      return false;
    }
  }
  return true;
}

}  // namespace

int run_test(int argc, char** argv) {
  std::vector<std::string> args;
  testing::RunOptions opts;
  std::string format = "text";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      std::string flag = std::string("--") + name;
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      if (a != flag) return std::nullopt;
      if (i + 1 >= argc) throw std::invalid_argument("`" + flag + "` needs a value");
      return std::string(argv[++i]);
    };
    try {
      if (a == "--help" || a == "-h") {
        test_usage(std::cout);
        return 0;
      }
      if (auto v = value("filter")) {
        opts.filter = *v;
      } else if (auto v = value("format")) {
        format = *v;
        if (format != "text" && format != "junit" && format != "json")
          throw std::invalid_argument("unknown format `" + format + "` (expected text, junit or json)");
      } else if (auto v = value("jobs")) {
        size_t used = 0;
        int n = -1;
        try {
          n = std::stoi(*v, &used);
        } catch (const std::exception&) {
        }
        if (n < 1 || used != v->size()) throw std::invalid_argument("`--jobs` needs a positive number, got `" + *v + "`");
        opts.jobs = n;
      } else if (a.size() > 1 && a[0] == '-') {
        throw std::invalid_argument("unknown option `" + a + "`");
      } else {
        args.push_back(a);
      }
    } catch (const std::invalid_argument& e) {
      std::cerr << "weft test: " << e.what() << "\n";
      test_usage(std::cerr);
      return 2;
    }
  }
  if (args.empty()) args.push_back(".");
  std::vector<std::string> files;
  if (!collect(args, files)) return 2;

  auto t0 = std::chrono::steady_clock::now();
  bool broken = false;
  std::vector<driver::Compilation> compiled;
  compiled.reserve(files.size());
  std::vector<testing::TestJob> jobs;
  std::vector<std::shared_ptr<const ir::Module>> modules;
  for (const auto& f : files) {
    compiled.push_back(driver::compile_file(f));
    driver::Compilation& c = compiled.back();
    const ir::Module* m = c.module();
    if (!m) {
      broken = true;
      for (const auto& d : c.diagnostics().all()) std::cerr << diagnostics::render_text(d);
      if (c.lowered)
        for (const auto& e : c.lowered->errors) std::cerr << e << "\n";
      std::cerr << "weft test: " << f << " does not compile\n";
      continue;
    }
    auto shared = std::make_shared<const ir::Module>(*m);
    for (const auto& t : c.lowered->tests)
      if (testing::selected(t.name, opts.filter)) jobs.push_back({shared, &t});
  }
  std::vector<testing::TestOutcome> outcomes = testing::run_tests(jobs, opts);
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  size_t failed = static_cast<size_t>(std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return !o.passed; }));

  if (format == "junit") {
    std::cout << testing::junit_xml(outcomes, total);
  } else if (format == "json") {
    std::cout << testing::json_lines(outcomes);
  } else {
    for (const auto& o : outcomes) {
      std::cout << (o.passed ? "PASS  " : "FAIL  ") << o.file << ":" << o.line << "  " << o.name << "  ("
                << millis(o.seconds) << ")\n";
      if (o.passed) continue;
      std::cout << indent((o.failure_line ? o.file + ":" + std::to_string(o.failure_line) + ": " : std::string()) + o.message,
                          "      ");
      if (!o.history.empty()) std::cout << indent(o.history, "      ");
    }
    std::cout << (outcomes.size() - failed) << " passed, " << failed << " failed (" << millis(total) << ")\n";
  }
  if (broken) return 2;
  return failed ? 1 : 0;
}

}  // namespace weft::cli
