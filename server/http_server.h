// The server's connection layer: a Boost.Beast HTTP/1.1 server (plain or TLS) on a given
// io_context. Each connection runs on its own strand, with keep-alive, an idle timeout between
// requests, a read timeout per request, and header and body size limits; every request is
// converted to an HttpRequest (server/http_message.h) and handed to one handler function, whose
// HttpResponse is written back. Beast stays behind a pimpl.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "server/http_message.h"

namespace weft::server {

/// The request handler: answers `req` by calling `respond` exactly once (on any thread).
using Handler = std::function<void(HttpRequest req, Respond respond)>;

/// Limits and endpoints of the server.
struct HttpServerOptions {
  std::string host = "127.0.0.1";        ///< address to listen on
  uint16_t port = 8080;                  ///< port (0 = any free port; see HttpServer::port)
  std::string tls_cert;                  ///< PEM certificate chain file; "" = plain HTTP
  std::string tls_key;                   ///< PEM private key file (with tls_cert)
  std::size_t header_limit = 16 * 1024;  ///< bytes of request line + headers (larger: 431)
  std::size_t body_limit = 1024 * 1024;  ///< bytes of body (larger: 413)
  int read_timeout_ms = 30000;           ///< time to read one request once it began
  int idle_timeout_ms = 60000;           ///< time a kept-alive connection may wait for a request
  std::size_t max_connections = 10000;   ///< connections beyond this are closed at once
};

/// Counters of the connection layer (for /metrics).
struct HttpServerStats {
  uint64_t connections_accepted = 0;  ///< connections accepted so far
  uint64_t connections_open = 0;      ///< connections open now
  uint64_t requests = 0;              ///< requests handed to the handler
  uint64_t rejected = 0;              ///< requests answered 4xx by the connection layer itself
};

/// The server. Construct, start(), and run the io_context; stop() shuts it down gracefully.
class HttpServer {
 public:
  /// A server on `io` calling `handler` for every request.
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Loads the TLS files (if any), binds and starts accepting. Returns "" or an error message.
  std::string start();
  /// The bound port (after start()).
  uint16_t port() const;
  /// True when serving HTTPS.
  bool tls() const;
  /// Stops accepting; connections finish their in-flight request and close; `done` is called
  /// (on the io_context) once none is left. Call on the io_context's thread.
  void stop(std::function<void()> done);
  /// The counters (call on the io_context's thread).
  HttpServerStats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// Splits a request target into a percent-decoded path, the raw query and decoded parameters;
/// false when the target is malformed.
bool parse_target(std::string_view target, HttpRequest& req);

/// The standard reason phrase of `status` ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

}  // namespace weft::server
