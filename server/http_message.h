// The server's typed HTTP messages: what a request handler sees and answers, independent of Beast,
// so handlers (API routes, webhook triggers) are plain functions tested without sockets. The
// connection layer (server/http_server.h) converts Beast messages to these and back.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::server {

/// One request as a handler sees it (the body fully read, within the server's limits).
struct HttpRequest {
  std::string method;                                        ///< upper case: "GET", "POST", ...
  std::string path;                                          ///< the target's path, percent-decoded
  std::string raw_query;                                     ///< the target's query, as sent (no '?')
  std::vector<std::pair<std::string, std::string>> query;   ///< decoded query parameters, in order
  std::vector<std::pair<std::string, std::string>> headers; ///< header fields, names lower case
  std::string body;                                          ///< the raw body bytes
  std::string remote;                                        ///< peer address, for logs

  /// The first header named `name` (lower case), or nullptr.
  const std::string* header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return &v;
    return nullptr;
  }
  /// The first query parameter named `name`, or nullptr.
  const std::string* param(std::string_view name) const {
    for (const auto& [k, v] : query)
      if (k == name) return &v;
    return nullptr;
  }
};

/// One response; `content_type` defaults to JSON.
struct HttpResponse {
  int status = 200;                                          ///< HTTP status code
  std::string body;                                          ///< the body bytes
  std::string content_type = "application/json";            ///< Content-Type
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra header fields
};

/// Completion of an asynchronous handler: call exactly once, on any thread.
using Respond = std::function<void(HttpResponse)>;

}  // namespace weft::server
