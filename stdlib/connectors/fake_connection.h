// A scripted Connection for tests of other components (runtime, `weft test` mocks): answers
// calls by (method, path pattern) from a script and records every call. Thread-safe.
#pragma once
#include "stdlib/connectors/circuit_breaker.h"
#include "stdlib/connectors/connection.h"

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace weft::connectors {

/// Glob match of a request path: `*` matches any run of characters except '/', `**` any run
/// at all; everything else literally. The query string of `path` is ignored.
bool path_matches(std::string_view pattern, std::string_view path);

/// The fake.
class FakeConnection : public Connection {
 public:
  /// Answers calls whose method equals `method` ("*" = any, case-insensitive) and whose path
  /// matches `path_pattern` with `script` in order; the last entry repeats. Rules are tried in
  /// the order they were added.
  void on(std::string method, std::string path_pattern, std::vector<CallResult> script);
  /// Records the call and answers it; an unmatched call gives failure/unmatched.
  boost::asio::awaitable<CallResult> call(Request request) override;
  /// Every call so far, in order.
  std::vector<Request> calls() const;
  /// The calls that match `method` and `path_pattern`.
  std::vector<Request> calls(std::string_view method, std::string_view path_pattern) const;
  /// Forgets rules and recorded calls.
  void clear();
  /// Makes breaker() answer `state` (default: no breaker).
  void set_breaker(std::optional<BreakerState> state);
  /// What set_breaker() gave.
  std::optional<BreakerState> breaker() const override;

 private:
  struct Rule {
    std::string method;
    std::string pattern;
    std::vector<CallResult> script;
    std::size_t next = 0;
  };
  static bool method_matches(std::string_view rule, std::string_view method);
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  std::vector<Request> calls_;
  std::optional<BreakerState> breaker_;
};

}  // namespace weft::connectors
