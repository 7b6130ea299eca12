#include "cli/http_client.h"

#include <chrono>
#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

namespace weft::cli {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string server_url(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* e = std::getenv("WEFT_SERVER"); e && *e) return e;
  return "http://127.0.0.1:8080";
}


ClientResponse http_call(const std::string& base, const std::string& method, const std::string& target,
                         const std::string& body, int timeout_ms) {
  ClientResponse out;
  auto u = boost::urls::parse_absolute_uri(base);
  if (!u || (u->scheme() != "http" && u->scheme() != "https") || u->host().empty()) {
    out.error = "bad server URL `" + base + "` (expected http://HOST:PORT or https://...)";
    return out;
  }
  bool tls = u->scheme() == "https";
  std::string host = u->host();
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string port = u->has_port() ? std::string(u->port()) : (tls ? "443" : "80");
  std::string prefix(u->encoded_path());
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();

  http::request<http::string_body> req{http::string_to_verb(method), prefix + target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "weft-cli");
  req.set(http::field::accept, "application/json");
  if (const char* t = std::getenv("WEFT_TOKEN"); t && *t) req.set(http::field::authorization, std::string("Bearer ") + t);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();

  net::io_context io;
  beast::error_code ec;
  net::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(host, port, ec);
  if (ec) {
    out.error = "cannot resolve " + host + ": " + ec.message();
    return out;
  }
  beast::tcp_stream tcp(io);
  tcp.expires_after(std::chrono::milliseconds(timeout_ms));
  // Asynchronous operations run to completion on `io` so the stream's timeout applies.
  auto run = [&](auto&& start) {
    bool done = false;
    start([&](beast::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    io.restart();
    while (!done && io.run_one()) {
    }
  };
  run([&](auto h) { tcp.async_connect(results, h); });
  if (ec) {
    out.error = "cannot connect to " + base + ": " + ec.message();
    return out;
  }
  auto sync_exchange = [&](auto& stream) {
    run([&](auto h) { http::async_write(stream, req, h); });
    if (ec) {
      out.error = "cannot send the request: " + ec.message();
      return;
    }
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    run([&](auto h) { http::async_read(stream, buf, parser, h); });
    if (ec) {
      out.error = "no answer from " + base + ": " + ec.message();
      return;
    }
    out.status = static_cast<int>(parser.get().result_int());
    out.body = std::move(parser.get().body());
  };
  if (!tls) {
    sync_exchange(tcp);
    return out;
  }
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  if (const char* ca = std::getenv("WEFT_CA_FILE"); ca && *ca) ctx.load_verify_file(ca, ec);
  ctx.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), ctx);
  SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(net::ssl::host_name_verification(host));
  run([&](auto h) { stream.async_handshake(net::ssl::stream_base::client, h); });
  if (ec) {
    out.error = "TLS handshake with " + base + " failed: " + ec.message();
    return out;
  }
  sync_exchange(stream);
  return out;
}

std::string error_message(const ClientResponse& r) {
  if (!r.error.empty()) return r.error;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (!ec && v.is_object())
    if (auto* e = v.as_object().if_contains("error"); e && e->is_object())
      if (auto* m = e->as_object().if_contains("message"); m && m->is_string())
        return "HTTP " + std::to_string(r.status) + ": " + std::string(m->get_string());
  return "HTTP " + std::to_string(r.status) + ": " + r.body;
}

}  // namespace weft::cli
