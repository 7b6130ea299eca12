// check_bench: where `weft check` spends its time on one file — parsing (compiler/syntax) versus
// type checking (compiler/sema) — best of N runs each. Usage: check_bench FILE [RUNS]
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/sema/check.h"
#include "compiler/syntax/parse.h"

using namespace weft;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: check_bench FILE [RUNS]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "check_bench: cannot read `" << argv[1] << "`\n";
    return 2;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  auto source = std::make_shared<diagnostics::SourceFile>(argv[1], ss.str());
  int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  double best_parse = 1e18, best_check = 1e18, cpu_parse = 1e18, cpu_check = 1e18;
  auto cpu_ms = [](std::clock_t a, std::clock_t b) { return 1000.0 * static_cast<double>(b - a) / CLOCKS_PER_SEC; };
  size_t diags = 0, exprs = 0;
  for (int i = 0; i < runs; ++i) {
    auto c0 = std::clock();
    auto t0 = Clock::now();
    auto parsed = syntax::parse(source);
    auto t1 = Clock::now();
    auto c1 = std::clock();
    sema::TypeStore store;
    sema::CheckedModule checked;
    sema::check_module(checked, parsed.module, {}, store);
    auto t2 = Clock::now();
    auto c2 = std::clock();
    cpu_parse = std::min(cpu_parse, cpu_ms(c0, c1));
    cpu_check = std::min(cpu_check, cpu_ms(c1, c2));
    best_parse = std::min(best_parse, std::chrono::duration<double, std::milli>(t1 - t0).count());
    best_check = std::min(best_check, std::chrono::duration<double, std::milli>(t2 - t1).count());
    diags = parsed.diags.all().size() + checked.diags.all().size();
    exprs = checked.expr_types.size();
  }
  std::cout << "file: " << argv[1] << " (" << source->line_count() << " lines, " << exprs << " typed expressions, "
            << diags << " diagnostics)\n"
            << "parse (compiler/syntax): " << best_parse << " ms wall, " << cpu_parse << " ms CPU (best of " << runs
            << ")\n"
            << "check (compiler/sema):   " << best_check << " ms wall, " << cpu_check << " ms CPU (best of " << runs
            << ")\n";
  return diags == 0 ? 0 : 1;
}
