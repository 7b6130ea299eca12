// The real `weft serve` for the end-to-end tests: started on 127.0.0.1 with a free port (read from
// its log), raw HTTP over sockets, and the HMAC helper the webhook tests sign with.
#pragma once
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/engine/process.h"

namespace weft::e2e {

/// A raw answer: status and body (0 when the connection gave nothing).
struct Raw {
  int status = 0;    ///< the HTTP status, 0 when there was no answer
  std::string head;  ///< status line and headers
  std::string body;  ///< the body
};

/// Sends `bytes` to 127.0.0.1:port and reads until the peer closes (or `timeout_ms`).
std::string send_raw(uint16_t port, const std::string& bytes, int timeout_ms = 5000);

/// Splits a raw HTTP answer into status, head and body (status 0 when it is not one).
Raw parse_raw(const std::string& text);

/// A running `weft serve --data DIR/data --listen 127.0.0.1:0 [extra]`; stopped with SIGTERM by
/// the destructor.
class Server {
 public:
  /// Starts it with its output in DIR/serveN.{out,err} and waits (≤ 20 s) until it listens.
  Server(const std::string& dir, std::vector<std::string> extra, std::map<std::string, std::string> env = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Whether it listens and has not exited.
  bool running();
  /// The port it listens on.
  uint16_t port() const { return port_; }
  /// Its log (stderr) so far.
  std::string log() const;
  /// SIGTERM, then the exit code.
  int stop();
  /// SIGKILL, reaped: nothing is flushed, nothing is answered.
  void kill9();
  /// Waits for an early exit (refused options).
  int exit_code();

 private:
  static constexpr int kRunning = -1000;
  static inline int count_ = 0;
  Proc proc_;
  uint16_t port_ = 0;
  int exit_code_ = kRunning;
};

/// A test with a fresh directory (removed afterwards) whose data directory holds one API token.
class ServeFixture : public ::testing::Test {
 protected:
  /// Makes the directory and the token (`weft token create`).
  void SetUp() override;
  /// Removes the directory.
  void TearDown() override;
  /// One request on its own connection (`Connection: close`), with the token unless `auth` is false.
  Raw req(uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
          bool auth = true);
  /// Starts `flow` with `{"n": n}`; its execution id ("" on failure).
  std::string start(uint16_t port, const std::string& flow, int n);
  /// The execution as the API shows it (null when it cannot be read).
  boost::json::value execution(uint16_t port, const std::string& id);
  /// How many history events of `type` the execution has (-1 when they cannot be read).
  int events(uint16_t port, const std::string& id, const std::string& type);
  /// Whether the execution has `status`.
  bool status_is(uint16_t port, const std::string& id, const char* status);
  /// Every execution of `flow` (paged through the API).
  std::vector<boost::json::object> all_executions(uint16_t port, const std::string& flow);

  std::string dir_;    ///< the test's directory; the server's data is dir_/data
  std::string token_;  ///< a valid API token
};

/// Polls `done` every 50 ms for at most `ms`; true once it holds.
bool eventually(const std::function<bool()>& done, int ms);

/// The lower-case hex HMAC-SHA256 of `msg` under `key`.
std::string hmac_hex(const std::string& key, const std::string& msg);

/// The base64 HMAC-SHA256 of `msg` under `key` (Standard Webhooks' `v1,` signatures).
std::string hmac_base64(const std::string& key, const std::string& msg);

/// Base64 of `bytes`.
std::string base64(const std::string& bytes);

}  // namespace weft::e2e
