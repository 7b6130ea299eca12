// test_bench: `weft test` on N test blocks (default 200) in one file — compile time and run time
// of the runner (testing/runner.h), each test on its own store, engine and test clock, with
// mocks, retries with backoff and a day-long wait. Usage: test_bench [N] [JOBS]
// `test_bench --source [N]` prints the generated file instead (to time `weft test` on it).
// Prints the figures; exits 1 when the tests fail.
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "compiler/driver/driver.h"
#include "testing/runner.h"

using namespace weft;
using Clock = std::chrono::steady_clock;

namespace {

std::string source(int n) {
  std::string s = R"(
connection crm = http { base_url: "http://127.0.0.1:1", auth: bearer(secret("token")) }
connection mail = http { base_url: "http://127.0.0.1:2" }

flow sync(id: string) -> { name: string, mailed: bool } {
  step contact = crm.get<{ name: string }>("/contacts/${id}")
    retry { attempts: 4, backoff: exponential(initial: 1m, factor: 2.0, max: 10m) }
  wait 1d
  step sent = mail.post("/messages", body: { to: contact.body.name })
  return { name: contact.body.name, mailed: sent.status == 202 }
}
)";
  for (int i = 0; i < n; ++i) {
    std::string id = std::to_string(i);
    s += "\ntest \"sync " + id + "\" {\n";
    s += "  mock crm.get(\"/contacts/" + id + "\") => [{ status: 503 }, { status: 200, body: { name: \"n" + id + "\" } }]\n";
    s += "  mock mail.post(\"/messages\") where body.to == \"n" + id + "\" => { status: 202 }\n";
    s += "  let r = run sync(\"" + id + "\")\n";
    s += "  expect r.name == \"n" + id + "\" && r.mailed\n";
    s += "  expect len(calls(crm.get)) == 2\n}\n";
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--source") {
    std::cout << source(argc > 2 ? std::max(1, std::atoi(argv[2])) : 200);
    return 0;
  }
  int n = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  int jobs = argc > 2 ? std::max(1, std::atoi(argv[2])) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto t0 = Clock::now();
  driver::MemoryResolver none;
  auto c = driver::compile_source("bench.flow", source(n), none);
  if (!c.module()) {
    std::cerr << "test_bench: the generated file does not compile\n";
    return 2;
  }
  auto module = std::make_shared<const ir::Module>(*c.module());
  std::vector<testing::TestJob> list;
  for (const auto& t : c.lowered->tests) list.push_back({module, &t});
  auto t1 = Clock::now();
  testing::RunOptions opts;
  opts.jobs = jobs;
  auto outcomes = testing::run_tests(list, opts);
  auto t2 = Clock::now();
  size_t failed = 0;
  for (const auto& o : outcomes)
    if (!o.passed) {
      if (!failed) std::cerr << o.name << ": " << o.message << "\n";
      ++failed;
    }
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::cout << "tests: " << n << " (" << failed << " failed), jobs: " << jobs << "\n"
            << "compile: " << ms(t0, t1) << " ms\n"
            << "run:     " << ms(t1, t2) << " ms (" << ms(t1, t2) / n << " ms per test)\n"
            << "total:   " << ms(t0, t2) << " ms\n";
  return failed ? 1 : 0;
}
