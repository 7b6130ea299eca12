// The test runner behind `weft test`: runs the lowered `test` blocks of a module (lower::TestCase)
// in-process on the real engine (engine/runtime) — each test on its own io_context, a throwaway
// store in a temporary directory (sync off), mock connections (testing/mock_connection.h) and a
// deterministic test clock (testing/test_clock.h). Independent tests run in parallel.
//
// Time: `run f(x)` and `await h` drive the engine until the execution ends; whenever nothing is
// runnable and no write is in flight (every execution only waits for a timer or a retry backoff),
// the clock jumps to the next due time. `start`, `signal` and `advance` drive it until quiescent
// without skipping (`advance d` fires, in order, the timers due within d). A `run`/`await` whose
// execution waits for something no timer brings (a signal nobody sends) fails the test.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/lower/lower.h"

namespace weft::testing {

/// How tests run.
struct RunOptions {
  std::string filter;    ///< only tests whose name contains this (empty: all)
  int jobs = 0;          ///< tests at once (0: the machine's hardware threads)
  std::string temp_dir;  ///< parent of the throwaway stores (empty: the system's temp directory)
  bool keep_history = false;  ///< fill TestOutcome::history for passing tests too
};

/// The outcome of one test.
struct TestOutcome {
  std::string file;          ///< the .flow file
  std::string name;          ///< the test's title
  int line = 0;              ///< line of `test`
  bool passed = false;       ///< every expectation held
  std::string message;       ///< why it failed (the expectation and its operands, an unmatched call, ...)
  int failure_line = 0;      ///< line of the statement that failed (0: none)
  std::string history;       ///< failed tests (all with keep_history): the history of the flows it ran
  double seconds = 0;        ///< wall time
  int failure_column = 0;    ///< 1-based column of the statement that failed (0: unknown)
};

/// One test to run: its module (shared by the tests of a file) and the test.
struct TestJob {
  std::shared_ptr<const ir::Module> module;  ///< the compiled file
  const lower::TestCase* test = nullptr;      ///< the test (owned by the caller)
};

/// True when `name` passes the filter (a substring; empty: every test).
bool selected(const std::string& name, const std::string& filter);

/// Runs one test.
TestOutcome run_test(const TestJob& job, const RunOptions& options);

/// Runs the jobs (options.jobs at once); outcomes in the order of `jobs`.
std::vector<TestOutcome> run_tests(const std::vector<TestJob>& jobs, const RunOptions& options);

}  // namespace weft::testing
