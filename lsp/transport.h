// JSON-RPC 2.0 framing for LSP: `Content-Length: N\r\n\r\n` + N bytes of JSON, over any
// istream/ostream pair. Reading never throws; bad frames are reported so the server can answer.
#pragma once
#include <cstddef>
#include <istream>
#include <mutex>
#include <ostream>
#include <string>

#include <boost/json/value.hpp>

namespace weft::lsp {

/// JSON-RPC and LSP error codes.
enum class ErrorCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  RequestCancelled = -32800,
  ContentModified = -32801,
};

/// What one read produced.
enum class ReadStatus {
  Message,    ///< a complete body
  BadHeader,  ///< a header block without a usable Content-Length (the block was consumed)
  Eof,        ///< end of input (possibly in the middle of a frame)
};

/// Reads framed messages from a stream.
class FrameReader {
 public:
  /// Largest body accepted; larger frames are reported as BadHeader.
  static constexpr size_t kMaxBody = 64u << 20;
  explicit FrameReader(std::istream& in) : in_(in) {}
  /// Reads the next frame into `body`; on BadHeader `error` says why.
  ReadStatus read(std::string& body, std::string& error);

 private:
  std::istream& in_;
};

/// Writes framed messages to a stream; safe to call from several threads.
class FrameWriter {
 public:
  explicit FrameWriter(std::ostream& out) : out_(out) {}
  /// Serialises and writes one message, then flushes.
  void write(const boost::json::value& message);

 private:
  std::mutex mu_;
  std::ostream& out_;
};

/// Frames a body (used by writers and test clients).
std::string frame(const std::string& body);

/// A JSON-RPC error response.
boost::json::value error_response(const boost::json::value& id, ErrorCode code, std::string_view message);
/// A JSON-RPC success response.
boost::json::value result_response(const boost::json::value& id, boost::json::value result);
/// A JSON-RPC notification.
boost::json::value notification(std::string_view method, boost::json::value params);

}  // namespace weft::lsp
