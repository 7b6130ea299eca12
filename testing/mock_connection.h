// The mocks of one test (§9 of docs/design-language.md): `mock conn.method(path) [where cond] =>
// response | [responses] | timeout | connection_error`, answered first match first, a list in order
// with its last entry repeating. Every call is recorded for `calls(conn.method)`, retries
// included, with secret header values redacted; a call no mock matches fails (kind `failure`) and
// is remembered so that the test fails naming the call and the closest mock.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"
#include "engine/eval/eval.h"
#include "stdlib/connectors/connection.h"

namespace weft::testing {

/// One `mock` statement, evaluated.
struct Mock {
  std::string connection;                        ///< the connection's (qualified) name
  std::string method;                            ///< get, post, put, patch or delete
  std::string path;                              ///< the pattern: `*` matches one path segment
  ir::ExprPtr where;                             ///< condition over `body`, `query`, `headers`, or null
  std::vector<connectors::CallResult> script;    ///< answers in order; the last repeats
  std::size_t next = 0;                          ///< the next answer
  int line = 0;                                  ///< where it was written
};

/// The mocks and recorded calls of one test. Used on the test's io_context thread only.
class MockBook {
 public:
  /// `env` evaluates `where` conditions; `redact` masks secret values in recorded headers.
  MockBook(eval::Env env, std::function<boost::json::value(const boost::json::value&)> redact);
  /// Adds a mock (after the earlier ones: the first that matches answers).
  void add(Mock m);
  /// Records `request` made through `connection` and answers it.
  connectors::CallResult answer(const std::string& connection, const connectors::Request& request);
  /// "connection.method" → the calls made, in order: {method, path, query, headers, body, status}.
  const boost::json::object& calls() const { return calls_; }
  /// Messages about calls no mock matched, oldest first.
  const std::vector<std::string>& unmatched() const { return unmatched_; }
  /// A mock response value (`{status, body?, headers?}`) as a call result.
  static connectors::CallResult response_of(const boost::json::value& v);
  /// The call result of a bare `timeout` or `connection_error`.
  static connectors::CallResult failure_of(const std::string& kind);

 private:
  /// Why `m` does not answer the call (empty: it does); `score` grows with the difference.
  std::string mismatch(const Mock& m, const std::string& method, const std::string& path,
                       const boost::json::value& req, int& score);

  eval::Env env_;
  std::function<boost::json::value(const boost::json::value&)> redact_;
  std::vector<Mock> mocks_;
  boost::json::object calls_;
  std::vector<std::string> unmatched_;
};

/// The Connection the engine gets for a connection of the module under test.
class MockConnection final : public connectors::Connection {
 public:
  /// Answers calls through `book` as connection `name`.
  MockConnection(std::string name, std::shared_ptr<MockBook> book) : name_(std::move(name)), book_(std::move(book)) {}
  /// Answers at once from the mocks.
  boost::asio::awaitable<connectors::CallResult> call(connectors::Request request) override;

 private:
  std::string name_;
  std::shared_ptr<MockBook> book_;
};

}  // namespace weft::testing
