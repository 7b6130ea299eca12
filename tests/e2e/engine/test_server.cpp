#include "tests/e2e/engine/test_server.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace weft::e2e {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string RecordedRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

struct TestServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  TestServer* owner = nullptr;

  asio::awaitable<void> session(tcp::socket sock) {
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(8 * 1024 * 1024);
      stream.expires_after(std::chrono::seconds(60));
      boost::system::error_code ec;
      co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      auto req = parser.release();
      RecordedRequest r;
      r.method = std::string(req.method_string());
      std::string target(req.target());
      auto q = target.find('?');
      r.path = target.substr(0, q);
      if (q != std::string::npos) r.query = target.substr(q + 1);
      for (const auto& f : req) {
        std::string n(f.name_string());
        std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
        r.headers[n] = std::string(f.value());
      }
      r.body = req.body();
      Answer a = owner->answer(r);
      http::response<http::string_body> res{static_cast<http::status>(a.status), req.version()};
      res.set(http::field::content_type, a.content_type);
      for (const auto& [k, v] : a.headers) res.set(k, v);
      res.body() = a.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !req.keep_alive()) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;
      }
      asio::co_spawn(io, session(std::move(s)), asio::detached);
    }
  }
};

TestServer::TestServer() : impl_(std::make_unique<Impl>()) {
  impl_->owner = this;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  thread_ = std::thread([this] { impl_->io.run(); });
}

TestServer::~TestServer() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    impl_->io.stop();
  });
  if (thread_.joinable()) thread_.join();
}

std::string TestServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void TestServer::script(const std::string& path, std::vector<Answer> answers) {
  std::lock_guard lock(mu_);
  scripts_[path] = std::move(answers);
  served_[path] = 0;
}

void TestServer::handle(const std::string& path, Handler handler) {
  std::lock_guard lock(mu_);
  handlers_[path] = std::move(handler);
}

void TestServer::handle_prefix(const std::string& prefix, Handler handler) {
  std::lock_guard lock(mu_);
  prefix_handlers_.emplace_back(prefix, std::move(handler));
}

Answer TestServer::answer(RecordedRequest& r) {
  Handler h;
  {
    std::lock_guard lock(mu_);
    r.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    r.seq = log_.size() + 1;
    log_.push_back(r);
    if (auto k = r.headers.find("idempotency-key"); k != r.headers.end()) ++keys_[k->second];
    if (auto it = scripts_.find(r.path); it != scripts_.end() && !it->second.empty()) {
      size_t i = std::min(served_[r.path]++, it->second.size() - 1);
      return it->second[i];
    }
    if (auto it = handlers_.find(r.path); it != handlers_.end()) h = it->second;
    else
      for (const auto& [p, ph] : prefix_handlers_)
        if (r.path.rfind(p, 0) == 0) {
          h = ph;
          break;
        }
  }
  if (h) return h(r);
  return Answer{404, R"({"error":"no script for this path"})"};
}

std::vector<RecordedRequest> TestServer::requests() const {
  std::lock_guard lock(mu_);
  return log_;
}

std::vector<RecordedRequest> TestServer::requests(const std::string& path) const {
  std::lock_guard lock(mu_);
  std::vector<RecordedRequest> out;
  for (const auto& r : log_)
    if (r.path == path) out.push_back(r);
  return out;
}

std::map<std::string, int> TestServer::idempotency_counts() const {
  std::lock_guard lock(mu_);
  return keys_;
}

}  // namespace weft::e2e
