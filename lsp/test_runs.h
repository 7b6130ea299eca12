// The "run test" command of the language server: runs one `test` block through the `weft`
// binary itself (`weft test FILE --filter NAME --format json --jobs 1`) in a child process, on a
// thread of its own so the message loop never waits. The layering keeps lsp/ free of the engine:
// the child links it, the server only reads its JSON report (testing/json_report.h).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weft::lsp {

/// Where a failing test failed: 1-based line and column of the statement (0: unknown).
struct TestFailureAt {
  int line = 0;
  int column = 0;
  std::string message;  ///< the failure report (the expectation and its operand values, ...)
};

/// What one run of one test gave.
struct TestRunResult {
  bool ran = false;      ///< the report has the test; false: `error` says why not
  bool passed = false;
  double seconds = 0;    ///< the test's own time
  int line = 0;          ///< line of the `test` keyword
  std::vector<TestFailureAt> failures;
  std::string error;     ///< why it did not run (no such test, does not compile, timeout, ...)
};

/// Runs `executable test path --filter name --format json --jobs 1` with a time limit (the child
/// is killed past it, or as soon as `stop` is set) and picks the test named exactly `name` from
/// its report. Never throws.
TestRunResult run_weft_test(const std::string& executable, const std::string& path, const std::string& name,
                            std::chrono::milliseconds timeout, const std::atomic<bool>& stop);

/// The test outcome of a JSON Lines report (`weft test --format json`) for the test named `name`.
TestRunResult parse_test_report(const std::string& report, const std::string& name);

/// One queued run: what to run and what the caller needs back when it is done.
struct TestRunJob {
  std::string uri;        ///< the document
  int64_t version = -1;   ///< its version when the run was asked for (-1: not open)
  std::string text;       ///< the text that runs
  std::string path;       ///< the file given to `weft test`
  bool temporary = false; ///< `path` is a private copy of a dirty buffer: removed after the run
  std::string name;       ///< the test's title
};

/// A thread that runs queued jobs one at a time and hands each result to `done` (on that thread).
class TestRuns {
 public:
  using Done = std::function<void(const TestRunJob&, const TestRunResult&)>;
  /// `executable`: the weft binary; `timeout`: longest one run may take.
  TestRuns(std::string executable, std::chrono::milliseconds timeout, Done done);
  /// Stops (see stop()).
  ~TestRuns();
  TestRuns(const TestRuns&) = delete;
  TestRuns& operator=(const TestRuns&) = delete;

  /// Queues a run.
  void submit(TestRunJob job);
  /// Kills the running child, drops queued jobs (removing their temporary files) and joins the
  /// thread; `done` is not called after it returns.
  void stop();

 private:
  void loop();

  std::string executable_;
  std::chrono::milliseconds timeout_;
  Done done_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<TestRunJob> queue_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace weft::lsp
