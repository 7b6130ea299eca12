#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace weft::server {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

/// What every session offers the server's shutdown.
struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void close_if_idle() = 0;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& io_, HttpServerOptions o, Handler h)
      : io(io_), opts(std::move(o)), handler(std::move(h)), acceptor(io_) {}

  net::io_context& io;
  HttpServerOptions opts;
  Handler handler;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  uint16_t bound_port = 0;
  std::atomic<bool> stopping{false};
  std::function<void()> on_stopped;
  std::mutex mu;  // sessions and on_stopped
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions;
  std::atomic<uint64_t> accepted{0}, requests{0}, rejected{0}, open{0};

  void accept();
  void session_opened(SessionBase* s, std::weak_ptr<SessionBase> w) {
    std::lock_guard lock(mu);
    sessions.emplace(s, std::move(w));
  }
  void session_closed(SessionBase* s) {
    std::function<void()> done;
    {
      std::lock_guard lock(mu);
      sessions.erase(s);
      --open;
      if (stopping && sessions.empty()) done = std::exchange(on_stopped, nullptr);
    }
    if (done) net::post(io, std::move(done));
  }
};

namespace {

/// One connection over `Stream` (beast::tcp_stream or ssl_stream of it), on its own strand.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(std::shared_ptr<HttpServer::Impl> srv, Stream stream, std::string remote)
      : srv_(std::move(srv)), stream_(std::move(stream)), remote_(std::move(remote)) {}
  ~Session() override { srv_->session_closed(this); }

  void start() {
    srv_->session_opened(this, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->handshake(); });
  }

  void close_if_idle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  void handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read_next();
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(srv_->opts.read_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;  // not TLS, or gave up: drop the connection
                                self->read_next();
                              });
    }
  }

  void read_next() {
    if (srv_->stopping) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_->opts.header_limit));
    parser_->body_limit(srv_->opts.body_limit);
    idle_ = true;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(srv_->opts.idle_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    idle_ = false;
    if (ec) return fail(ec);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(srv_->opts.read_timeout_ms));
    auto& h = parser_->get();
    if (beast::iequals(h[http::field::expect], "100-continue") && !parser_->is_done()) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code e, std::size_t) {
        if (e) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec);
    auto msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.remote = remote_;
    keep_alive_ = msg.keep_alive();
    if (!parse_target(msg.target(), req)) return reject(400, "bad_request", "malformed request target");
    for (const auto& f : msg) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    ++srv_->requests;
    auto self = this->shared_from_this();
    auto once = std::make_shared<std::atomic<bool>>(false);
    srv_->handler(std::move(req), [self, once](HttpResponse res) {
      if (once->exchange(true)) return;
      net::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    });
  }

  /// Maps a read error to an answer (limits, malformed HTTP) or a silent close.
  void fail(beast::error_code ec) {
    if (ec == http::error::header_limit) return reject(431, "header_too_large", "request headers too large");
    if (ec == http::error::body_limit) return reject(413, "body_too_large", "request body too large");
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
      return reject(400, "bad_request", "malformed HTTP request");
    close();
  }

  void reject(int status, std::string_view code, std::string_view message) {
    ++srv_->rejected;
    keep_alive_ = false;
    HttpResponse r;
    r.status = status;
    r.body = std::string(R"({"error":{"code":")") + std::string(code) + R"(","message":")" + std::string(message) + "\"}}";
    write(std::move(r));
  }

  void write(HttpResponse r) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    res->set(http::field::server, "weft");
    if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->body() = std::move(r.body);
    bool keep = keep_alive_ && !srv_->stopping;
    res->keep_alive(keep);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(srv_->opts.read_timeout_ms));
    http::async_write(stream_, *res, [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      if (ec || !keep) return self->close();
      self->read_next();
    });
  }

  void close() {
    auto& sock = beast::get_lowest_layer(stream_);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      sock.socket().shutdown(tcp::socket::shutdown_send, ec);
    } else {
      sock.expires_after(std::chrono::seconds(1));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    }
  }

  std::shared_ptr<HttpServer::Impl> srv_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool idle_ = false;
  bool keep_alive_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket sock) {
    if (self->stopping || !self->acceptor.is_open()) return;
    if (!ec) {
      ++self->accepted;
      if (self->open >= self->opts.max_connections) {
        beast::error_code ignored;
        sock.close(ignored);
      } else {
        ++self->open;
        beast::error_code rec;
        auto ep = sock.remote_endpoint(rec);
        std::string remote = rec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
        if (self->tls) {
          using S = beast::ssl_stream<beast::tcp_stream>;
          std::make_shared<Session<S>>(self, S(beast::tcp_stream(std::move(sock)), *self->tls), remote)->start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(self, beast::tcp_stream(std::move(sock)), remote)->start();
        }
      }
    }
    self->accept();
  });
}

HttpServer::HttpServer(net::io_context& io, HttpServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  beast::error_code ec;
  impl_->stopping = true;
  impl_->acceptor.close(ec);
  std::lock_guard lock(impl_->mu);
  impl_->on_stopped = nullptr;  // sessions outliving the server must not call back into its owner
}

std::string HttpServer::start() {
  auto& o = impl_->opts;
  if (!o.tls_cert.empty() || !o.tls_key.empty()) {
    if (o.tls_cert.empty() || o.tls_key.empty()) return "TLS needs both a certificate and a key";
    try {
      impl_->tls.emplace(ssl::context::tls_server);
      impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      impl_->tls->use_certificate_chain_file(o.tls_cert);
      impl_->tls->use_private_key_file(o.tls_key, ssl::context::pem);
    } catch (const std::exception& e) {
      impl_->tls.reset();
      return "cannot load the TLS certificate or key: " + std::string(e.what());
    }
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(o.host, ec);
  if (ec) return "bad listen address `" + o.host + "`";
  tcp::endpoint ep(addr, o.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + ec.message();
  impl_->bound_port = a.local_endpoint(ec).port();
  impl_->accept();
  return "";
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
bool HttpServer::tls() const { return impl_->tls.has_value(); }

void HttpServer::stop(std::function<void()> done) {
  impl_->stopping = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->sessions.empty()) {
      net::post(impl_->io, std::move(done));
      return;
    }
    impl_->on_stopped = std::move(done);
    for (auto& [p, w] : impl_->sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->close_if_idle();
}

HttpServerStats HttpServer::stats() const {
  HttpServerStats s;
  s.connections_accepted = impl_->accepted;
  s.connections_open = impl_->open;
  s.requests = impl_->requests;
  s.rejected = impl_->rejected;
  return s;
}

bool parse_target(std::string_view target, HttpRequest& req) {
  auto r = boost::urls::parse_origin_form(target);
  if (!r) return false;
  const auto& u = *r;
  req.path = u.path();
  req.raw_query = std::string(u.encoded_query());
  req.query.clear();
  for (auto p : u.params()) req.query.emplace_back(p.key, p.has_value ? p.value : std::string());
  return true;
}

std::string_view reason_phrase(int status) {
  auto s = http::obsolete_reason(static_cast<http::status>(status));
  return s.empty() ? std::string_view("Unknown") : std::string_view(s.data(), s.size());
}

}  // namespace weft::server
