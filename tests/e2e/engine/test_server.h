// A scripted HTTP/1.1 server for the end-to-end tests: listens on 127.0.0.1 (ephemeral port) on
// its own thread, answers per path from a script (or a handler), records every request and
// counts requests per Idempotency-Key.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weft::e2e {

/// One request as the server received it.
struct RecordedRequest {
  std::string method;                          ///< "GET", "POST", ...
  std::string path;                            ///< the path, without the query
  std::string query;                           ///< the raw query string (after '?'), "" when none
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;                            ///< the raw body
  int64_t at_ms = 0;                           ///< arrival time, ms since the epoch (system clock)
  uint64_t seq = 0;                            ///< arrival order, from 1

  /// The header's value, or "" when absent (name in lower case).
  std::string header(const std::string& name) const;
};

/// One scripted answer.
struct Answer {
  /// An answer with `status` and a JSON `body`.
  Answer(int status_ = 200, std::string body_ = "{}") : status(status_), body(std::move(body_)) {}
  int status = 200;                                         ///< HTTP status
  std::string body = "{}";                                  ///< the body (JSON unless content_type says otherwise)
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
  std::string content_type = "application/json";            ///< Content-Type of the body
};

/// The server. Starts listening in the constructor; stops in the destructor.
class TestServer {
 public:
  using Handler = std::function<Answer(const RecordedRequest&)>;

  TestServer();
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  /// The port it listens on (127.0.0.1).
  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT".
  std::string url() const;

  /// Answers requests to `path` with `answers` in order; the last one repeats.
  void script(const std::string& path, std::vector<Answer> answers);
  /// Answers requests to `path` with `handler` (called on the server thread, under no lock).
  void handle(const std::string& path, Handler handler);
  /// Answers requests whose path starts with `prefix` with `handler` (after exact paths).
  void handle_prefix(const std::string& prefix, Handler handler);

  /// Every request so far, in arrival order.
  std::vector<RecordedRequest> requests() const;
  /// The requests to `path`, in arrival order.
  std::vector<RecordedRequest> requests(const std::string& path) const;
  /// Requests per Idempotency-Key value (requests without the header are not counted).
  std::map<std::string, int> idempotency_counts() const;

 private:
  struct Impl;
  Answer answer(RecordedRequest& r);
  friend struct Impl;

  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<RecordedRequest> log_;
  std::map<std::string, std::vector<Answer>> scripts_;
  std::map<std::string, size_t> served_;
  std::map<std::string, Handler> handlers_;
  std::vector<std::pair<std::string, Handler>> prefix_handlers_;
  std::map<std::string, int> keys_;
  std::thread thread_;
};

}  // namespace weft::e2e
