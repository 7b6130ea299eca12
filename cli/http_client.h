// A small synchronous HTTP/1.1 client (Beast, OpenSSL for https) for the client commands:
// one request per connection against `--server URL` / $WEFT_SERVER, with the token of $WEFT_TOKEN.
#pragma once
#include <string>

namespace weft::cli {

/// What came back (status 0 with `error` set when no answer arrived).
struct ClientResponse {
  int status = 0;     ///< HTTP status
  std::string body;   ///< the body
  std::string error;  ///< transport error, "" on an answer
};

/// `--server` if given, else $WEFT_SERVER, else http://127.0.0.1:8080.
std::string server_url(const std::string& flag);

/// Sends `method target` with a JSON `body` ("" = none) to `base` (http[s]://host[:port][/prefix])
/// with `Authorization: Bearer $WEFT_TOKEN` when that is set; waits at most `timeout_ms`.
ClientResponse http_call(const std::string& base, const std::string& method, const std::string& target,
                         const std::string& body, int timeout_ms = 30000);

/// The message of an API error body (`{"error":{"message"}}`), or the body itself.
std::string error_message(const ClientResponse& r);

}  // namespace weft::cli
