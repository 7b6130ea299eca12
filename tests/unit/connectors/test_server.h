// A scripted Beast HTTP/1.1 (and HTTPS) server for the connector tests. Listens on
// 127.0.0.1 on an ephemeral port and runs its own io_context on a thread.
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace weft::connectors::test_support {

/// What the server does with one request.
struct Reply {
  /// How the answer is given.
  enum class Mode { respond, hang, reset_mid_response };
  int status = 200;                                          ///< status code
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
  std::string body;                                          ///< body text
  std::string content_type = "application/json";             ///< Content-Type (empty = none)
  Mode mode = Mode::respond;                                 ///< respond, never answer, or reset halfway
  bool close = false;                                        ///< send Connection: close and close
};

/// A request as the server received it.
struct Seen {
  std::string method;                          ///< "GET"
  std::string target;                          ///< "/path?query"
  std::map<std::string, std::string> headers;  ///< lower-cased names
  std::string body;                            ///< raw body
  int connection = 0;                          ///< 1-based id of the TCP connection it came on
};

/// The scripted server.
class TestServer {
 public:
  /// Decides the reply for each request.
  using Handler = std::function<Reply(const Seen&)>;
  /// Plain HTTP server.
  explicit TestServer(Handler handler);
  /// HTTPS server with the given PEM certificate chain and key.
  TestServer(Handler handler, const std::string& cert_pem, const std::string& key_pem);
  ~TestServer();
  /// The bound port.
  unsigned short port() const { return port_; }
  /// "http://127.0.0.1:<port>" (or https).
  std::string url() const;
  /// Connections accepted so far.
  int connections() const { return connections_.load(); }
  /// Requests received so far.
  std::vector<Seen> requests() const;

 private:
  void start();
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session_plain(boost::asio::ip::tcp::socket s, int id);
  boost::asio::awaitable<void> session_tls(boost::asio::ip::tcp::socket s, int id);
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream, boost::asio::ip::tcp::socket& raw, int id);

  Handler handler_;
  bool tls_ = false;
  boost::asio::io_context io_;
  boost::asio::ssl::context ctx_{boost::asio::ssl::context::tls_server};
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  unsigned short port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  std::thread thread_;
};

/// A test CA and a server certificate for 127.0.0.1 and localhost it signed.
struct TestPki {
  std::string ca_pem;         ///< CA certificate (PEM)
  std::string cert_pem;       ///< server certificate (PEM)
  std::string key_pem;        ///< server private key (PEM)
  std::string ca_file;        ///< path of a temporary file holding ca_pem
  /// Generates everything with the OpenSSL API; `host_names` go into subjectAltName.
  static TestPki generate(const std::vector<std::string>& dns_names = {"localhost"},
                          const std::vector<std::string>& ips = {"127.0.0.1"});
};

}  // namespace weft::connectors::test_support
