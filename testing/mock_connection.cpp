#include "testing/mock_connection.h"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "stdlib/connectors/fake_connection.h"

namespace weft::testing {
namespace json = boost::json;

namespace {

/// The path of a request URL: an absolute URL loses its scheme and host.
std::string path_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Edit distance, for naming the closest mock.
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

}  // namespace

MockBook::MockBook(eval::Env env, std::function<json::value(const json::value&)> redact)
    : env_(std::move(env)), redact_(std::move(redact)) {}

void MockBook::add(Mock m) { mocks_.push_back(std::move(m)); }

connectors::CallResult MockBook::response_of(const json::value& v) {
  connectors::Response r;
  r.status = 200;
  if (!v.is_object()) {
    r.body = v;
    return r;
  }
  const json::object& o = v.get_object();
  if (auto* s = o.if_contains("status"); s && s->is_int64()) r.status = static_cast<int>(s->get_int64());
  if (auto* b = o.if_contains("body")) r.body = *b;
  if (auto* h = o.if_contains("headers"); h && h->is_object())
    for (const auto& [k, val] : h->get_object())
      r.headers[lower(std::string(k))] = val.is_string() ? std::string(val.get_string()) : eval::to_text(val);
  if (auto it = r.headers.find("retry-after"); it != r.headers.end()) r.retry_after = connectors::parse_retry_after(it->second);
  return r;
}

connectors::CallResult MockBook::failure_of(const std::string& kind) {
  connectors::CallError e;
  e.kind = kind == "timeout" ? connectors::ErrorKind::timeout : connectors::ErrorKind::connection_error;
  e.message = kind == "timeout" ? "the call timed out (mock)" : "the connection failed (mock)";
  return e;
}

std::string MockBook::mismatch(const Mock& m, const std::string& method, const std::string& path,
                               const json::value& req, int& score) {
  score = 0;
  std::string why;
  if (m.method != method) {
    score += 1000;
    why = "its method is " + m.method;
  }
  if (!connectors::path_matches(m.path, path)) {
    score += 10 + static_cast<int>(distance(m.path, path.substr(0, path.find('?'))));
    why += std::string(why.empty() ? "" : ", ") + "its path is \"" + m.path + "\"";
  }
  if (why.empty() && m.where) {
    eval::Frame frame;
    frame.ctx["body"] = req.at("body");
    frame.ctx["query"] = req.at("query");
    frame.ctx["headers"] = req.at("headers");
    try {
      json::value ok = eval::evaluate(*m.where, frame, env_);
      if (!ok.is_bool() || !ok.get_bool()) {
        score += 5;
        why = "its `where` is false for this request";
      }
    } catch (const std::exception& e) {
      score += 5;
      why = std::string("its `where` failed: ") + e.what();
    }
  }
  return why;
}

connectors::CallResult MockBook::answer(const std::string& connection, const connectors::Request& request) {
  std::string method = lower(request.method);
  std::string path = path_of(request.url);
  json::object headers;
  for (const auto& [k, v] : request.headers) headers[k] = v;
  json::object call{{"method", request.method},
                    {"path", path},
                    {"query", request.query.is_object() ? request.query : json::value(json::object{})},
                    {"headers", redact_ ? redact_(headers) : json::value(headers)},
                    {"body", request.body ? *request.body : json::value(nullptr)},
                    {"status", 0}};
  json::value req = call;
  auto& list = calls_[connection + "." + method];
  if (!list.is_array()) list = json::array{};

  const Mock* closest = nullptr;
  std::string closest_why;
  int best = INT32_MAX;
  for (auto& m : mocks_) {
    if (m.connection != connection) continue;
    int score = 0;
    std::string why = mismatch(m, method, path, req, score);
    if (why.empty()) {
      connectors::CallResult r = m.script.empty() ? failure_of("connection_error")
                                                  : m.script[std::min(m.next, m.script.size() - 1)];
      if (m.next < m.script.size()) ++m.next;
      if (r.ok()) call["status"] = r.response().status;
      list.as_array().push_back(std::move(call));
      return r;
    }
    if (score < best) {
      best = score;
      closest = &m;
      closest_why = why;
    }
  }
  list.as_array().push_back(std::move(call));
  std::string msg = "no mock answers " + connection + "." + method + "(\"" + path + "\")";
  if (closest)
    msg += "; the closest is the mock on line " + std::to_string(closest->line) + ", " + closest->connection + "." +
           closest->method + "(\"" + closest->path + "\"), but " + closest_why;
  else
    msg += "; there is no mock for connection `" + connection + "`";
  unmatched_.push_back(msg);
  connectors::CallError e;
  e.kind = connectors::ErrorKind::failure;
  e.reason = connectors::ErrorReason::unmatched;
  e.message = msg;
  return e;
}

boost::asio::awaitable<connectors::CallResult> MockConnection::call(connectors::Request request) {
  co_return book_->answer(name_, request);
}

}  // namespace weft::testing
