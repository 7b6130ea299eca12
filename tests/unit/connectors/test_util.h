// Helpers to drive connector coroutines from plain test code.
#pragma once
#include "stdlib/connectors/http_connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace weft::connectors::test_support {

namespace asio = boost::asio;

/// Runs one call to completion on `io`.
inline CallResult run_call(boost::asio::io_context& io, Connection& c, Request r) {
  auto fut = boost::asio::co_spawn(io, c.call(std::move(r)), boost::asio::use_future);
  io.restart();
  io.run();
  return fut.get();
}

/// Runs several calls concurrently on `io`; results in request order.
inline std::vector<CallResult> run_calls(boost::asio::io_context& io, Connection& c, std::vector<Request> rs) {
  std::vector<std::future<CallResult>> futs;
  for (auto& r : rs) futs.push_back(boost::asio::co_spawn(io, c.call(std::move(r)), boost::asio::use_future));
  io.restart();
  io.run();
  std::vector<CallResult> out;
  for (auto& f : futs) out.push_back(f.get());
  return out;
}

/// Creates an HttpConnection or fails the test.
inline std::unique_ptr<HttpConnection> make_http(boost::asio::io_context& io, HttpConfig cfg) {
  std::string error;
  auto c = HttpConnection::create(io.get_executor(), std::move(cfg), error);
  if (!c) throw std::runtime_error("HttpConnection::create: " + error);
  return c;
}

/// A GET request for `path`.
inline Request get(std::string path) {
  Request r;
  r.url = std::move(path);
  return r;
}

}  // namespace weft::connectors::test_support
