#include "lsp/transport.h"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <optional>

namespace weft::lsp {

namespace {

constexpr size_t kMaxHeaderLine = 8192;
constexpr int kMaxHeaders = 64;

// Reads one header line (without its terminator). False at end of input.
bool read_line(std::istream& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  std::streambuf* buf = in.rdbuf();
  for (;;) {
    int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return false;
    }
    if (c == '\n') break;
    if (line.size() < kMaxHeaderLine)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

ReadStatus FrameReader::read(std::string& body, std::string& error) {
  std::string line;
  bool too_long = false;
  // Skip blank lines between frames.
  do {
    if (!read_line(in_, line, too_long)) return ReadStatus::Eof;
  } while (line.empty() && !too_long);

  std::optional<size_t> length;
  std::string problem;
  int count = 0;
  for (;;) {
    if (too_long) problem = "header line too long";
    else if (++count > kMaxHeaders) problem = "too many headers";
    else {
      size_t colon = line.find(':');
      if (colon == std::string::npos) {
        if (problem.empty()) problem = "malformed header line";
      } else if (iequals(trim(std::string_view(line).substr(0, colon)), "Content-Length")) {
        std::string_view v = trim(std::string_view(line).substr(colon + 1));
        size_t n = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || p != v.data() + v.size() || v.empty()) {
          if (problem.empty()) problem = "invalid Content-Length";
        } else if (n > kMaxBody) {
          if (problem.empty()) problem = "Content-Length too large";
        } else {
          length = n;
        }
      }
    }
    if (!read_line(in_, line, too_long)) return ReadStatus::Eof;
    if (line.empty() && !too_long) break;
  }
  if (problem.empty() && !length) problem = "missing Content-Length header";
  if (!problem.empty()) {
    error = problem;
    return ReadStatus::BadHeader;
  }
  body.resize(*length);
  std::streamsize got = in_.rdbuf()->sgetn(body.data(), static_cast<std::streamsize>(*length));
  if (got != static_cast<std::streamsize>(*length)) {
    body.resize(static_cast<size_t>(got));
    return ReadStatus::Eof;
  }
  return ReadStatus::Message;
}

std::string frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void FrameWriter::write(const boost::json::value& message) {
  std::string framed = frame(boost::json::serialize(message));
  std::lock_guard lock(mu_);
  out_.write(framed.data(), static_cast<std::streamsize>(framed.size()));
  out_.flush();
}

boost::json::value error_response(const boost::json::value& id, ErrorCode code, std::string_view message) {
  return boost::json::object{
      {"jsonrpc", "2.0"},
      {"id", id},
      {"error", boost::json::object{{"code", static_cast<int>(code)}, {"message", message}}}};
}

boost::json::value result_response(const boost::json::value& id, boost::json::value result) {
  return boost::json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

boost::json::value notification(std::string_view method, boost::json::value params) {
  return boost::json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace weft::lsp
