#include "stdlib/connectors/http_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace weft::connectors {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto tok = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

CallError make_error(ErrorKind kind, ErrorReason reason, std::string message) {
  CallError e;
  e.kind = kind;
  e.reason = reason;
  e.message = std::move(message);
  return e;
}

// Percent-encodes characters that may not appear in a URL (spaces, quotes, non-ASCII, ...)
// and lone '%' signs; keeps everything that is already valid.
std::string escape_url(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    const bool ok = std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/?#[]").find(static_cast<char>(c)) !=
                                            std::string_view::npos;
    if (ok) {
      out += static_cast<char>(c);
    } else if (c == '%' && i + 2 < in.size() && is_hex(in[i + 1]) && is_hex(in[i + 2])) {
      out += '%';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// Percent-encodes a query key or value strictly: '+', '&', '=', '#' and '%' are always encoded,
// so that servers decoding '+' as a space or splitting on '&' see exactly the value given.
std::string query_encode(std::string_view in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (std::isalnum(c) || std::string_view("-._~!$'()*,;:@/?").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

bool valid_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  return true;
}

bool valid_header_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// A query value as text: strings as-is, scalars serialized, objects as JSON.
std::string query_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Where a request goes.
struct Target {
  bool tls = false;
  std::string host;         // for DNS, SNI and certificate checks (no brackets)
  std::string port;         // numeric
  std::string host_header;  // Host header value
  std::string target;       // origin-form request target
  std::string display;      // full URL for logs
  std::string key() const { return (tls ? "https://" : "http://") + host_header + "|" + host + ":" + port; }
};

// Parses an absolute http(s) URL string into a url, with a clear error.
std::optional<CallError> parse_http_url(std::string_view text, boost::urls::url& out) {
  const std::string escaped = escape_url(text);
  auto parsed = boost::urls::parse_uri(escaped);
  if (!parsed)
    return make_error(ErrorKind::failure, ErrorReason::invalid_request,
                      "invalid URL '" + std::string(text) + "': " + parsed.error().message());
  out = *parsed;
  const auto scheme = lower(out.scheme());
  if (scheme != "http" && scheme != "https")
    return make_error(ErrorKind::failure, ErrorReason::invalid_request,
                      "unsupported URL scheme '" + scheme + "' (only http and https)");
  if (!out.has_authority() || out.host_address().empty())
    return make_error(ErrorKind::failure, ErrorReason::invalid_request, "URL '" + std::string(text) + "' has no host");
  if (out.has_userinfo())
    return make_error(ErrorKind::failure, ErrorReason::invalid_request,
                      "URL must not carry credentials; use the connection's auth");
  out.remove_fragment();
  return std::nullopt;
}

void fill_target(const boost::urls::url& u, Target& t) {
  t.tls = lower(u.scheme()) == "https";
  t.host = lower(u.host_address());
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : (t.tls ? "443" : "80");
  const std::string default_port = t.tls ? "443" : "80";
  std::string host_part = u.host_type() == boost::urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
  t.host_header = t.port == default_port ? host_part : host_part + ":" + t.port;
  std::string target(u.encoded_target());
  if (target.empty() || target.front() != '/') target.insert(0, "/");
  t.target = std::move(target);
  t.display = (t.tls ? "https://" : "http://") + t.host_header + t.target;
}

// One pooled connection.
struct PooledStream {
  std::unique_ptr<beast::tcp_stream> tcp;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  SteadyClock::time_point idle_since{};

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // An idle connection is reusable when the peer has neither closed it nor sent anything.
  bool alive() {
    auto& sock = lowest().socket();
    if (!sock.is_open() || buffer.size() != 0) return false;
    char byte;
    const auto n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  void close() {
    boost::system::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};

// Maps a low-level error to a CallError.
CallError map_error(const boost::system::error_code& ec, std::string_view phase, const Target& t, Millis timeout,
                    SSL* ssl_handle = nullptr) {
  const std::string where = t.host_header;
  if (ec == beast::error::timeout)
    return make_error(ErrorKind::timeout, ErrorReason::none,
                      "timed out after " + std::to_string(timeout.count()) + " ms while " + std::string(phase) + " " +
                          where);
  if (ec == asio::error::operation_aborted)
    return make_error(ErrorKind::cancelled, ErrorReason::aborted, "call to " + where + " was cancelled");
  if (ec == asio::error::connection_refused)
    return make_error(ErrorKind::connection_error, ErrorReason::refused, "connection refused by " + where);
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again ||
      ec == asio::error::no_data || ec == asio::error::no_recovery)
    return make_error(ErrorKind::connection_error, ErrorReason::dns,
                      "DNS lookup failed for host '" + t.host + "': " + ec.message());
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow || ec == http::error::header_limit)
    return make_error(ErrorKind::failure, ErrorReason::response_too_large,
                      "response from " + where + " exceeds the size limit (" + ec.message() + ")");
  const bool tls_category =
      ec.category() == asio::error::get_ssl_category() || ec.category() == asio::ssl::error::get_stream_category();
  if (tls_category || phase == "TLS handshake with") {
    if (phase == "TLS handshake with") {
      long verify = ssl_handle ? SSL_get_verify_result(ssl_handle) : X509_V_OK;
      const bool cert_failed = tls_category && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
      if (verify != X509_V_OK)
        return make_error(ErrorKind::connection_error, ErrorReason::tls_certificate,
                          "TLS certificate verification failed for " + where + ": " +
                              X509_verify_cert_error_string(verify));
      if (cert_failed)
        return make_error(ErrorKind::connection_error, ErrorReason::tls_certificate,
                          "TLS certificate verification failed for " + where +
                              ": certificate does not match host name '" + t.host + "'");
      return make_error(ErrorKind::connection_error, ErrorReason::tls_handshake,
                        "TLS handshake with " + where + " failed: " + ec.message());
    }
    if (ec == asio::ssl::error::stream_truncated)
      return make_error(ErrorKind::connection_error, ErrorReason::reset,
                        "connection to " + where + " closed while " + std::string(phase) + " (TLS stream truncated)");
    return make_error(ErrorKind::connection_error, ErrorReason::tls_handshake,
                      "TLS error while " + std::string(phase) + " " + where + ": " + ec.message());
  }
  if (ec == asio::error::connection_reset || ec == asio::error::eof || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || ec == asio::error::broken_pipe || ec == asio::error::connection_aborted)
    return make_error(ErrorKind::connection_error, ErrorReason::reset,
                      "connection to " + where + " was " +
                          (ec == asio::error::connection_reset ? "reset by the peer" : "closed by the peer") +
                          " while " + std::string(phase) + " (" + ec.message() + ")");
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return make_error(ErrorKind::connection_error, ErrorReason::protocol,
                      "invalid HTTP response from " + where + ": " + ec.message());
  return make_error(ErrorKind::connection_error, ErrorReason::network,
                    "network error while " + std::string(phase) + " " + where + ": " + ec.message());
}

Response to_response(http::response<http::string_body>&& res) {
  Response r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    auto name = lower(field.name_string());
    auto [it, inserted] = r.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  std::string& body = res.body();
  if (body.empty()) {
    r.body = nullptr;
  } else {
    const auto ct = r.headers.count("content-type") ? lower(r.headers["content-type"]) : std::string();
    const auto mime = ct.substr(0, ct.find(';'));
    bool is_json = mime.find("application/json") != std::string::npos ||
                   (mime.size() >= 5 && mime.compare(mime.size() - 5, 5, "+json") == 0);
    if (is_json) {
      boost::system::error_code ec;
      auto v = json::parse(body, ec);
      if (!ec) r.body = std::move(v);
      else r.body = json::string(body);
    } else {
      r.body = json::string(body);
    }
  }
  if (auto it = r.headers.find("retry-after"); it != r.headers.end()) r.retry_after = parse_retry_after(it->second);
  return r;
}

bool host_allowed(const Target& t, const std::vector<std::string>& allow) {
  for (const auto& raw : allow) {
    const auto a = lower(raw);
    if (a == "*") return true;
    if (a == t.host || a == t.host + ":" + t.port || a == t.host_header) return true;
    if (a.size() > 2 && a.compare(0, 2, "*.") == 0) {
      const auto suffix = a.substr(1);  // ".example.com"
      if (t.host.size() > suffix.size() && t.host.compare(t.host.size() - suffix.size(), suffix.size(), suffix) == 0)
        return true;
    }
  }
  return false;
}

}  // namespace

struct HttpConnection::Impl {
  asio::any_io_executor ex;
  HttpConfig cfg;
  bool has_base = false;
  boost::urls::url base;
  Target base_target;
  ssl::context ctx{ssl::context::tls_client};
  TokenBucket bucket;
  CircuitBreaker breaker;
  Redactor redactor;

  std::mutex pool_mu;
  std::map<std::string, std::vector<std::unique_ptr<PooledStream>>> idle;

  std::atomic<std::uint64_t> n_requests{0}, n_responses{0}, n_errors{0}, n_opened{0}, n_reused{0}, n_rate_limited{0},
      n_token_fetches{0};

  // OAuth2 token cache (single-flight fetch).
  struct TokenCache {
    std::string token;
    std::optional<SteadyClock::time_point> expires;
    bool fetching = false;
    std::uint64_t generation = 0;
    std::optional<CallError> last_error;
    std::vector<asio::steady_timer*> waiters;
  } oauth;

  Impl(asio::any_io_executor e, HttpConfig c)
      : ex(std::move(e)), cfg(std::move(c)), bucket(cfg.rate_limit), breaker(cfg.breaker, cfg.name) {}

  std::optional<CallError> resolve_target(const Request& r, Target& t, const std::string* api_key_query_name,
                                          const std::string* api_key_value, bool check_allowed);
  asio::awaitable<CallResult> exchange(const Target& t, http::request<http::string_body>& req, Millis timeout);
  asio::awaitable<std::variant<std::unique_ptr<PooledStream>, CallError>> connect(const Target& t,
                                                                                   SteadyClock::time_point deadline,
                                                                                   Millis timeout);
  std::unique_ptr<PooledStream> take_idle(const std::string& key);
  void put_idle(const std::string& key, std::unique_ptr<PooledStream> s);
  asio::awaitable<std::variant<std::string, CallError>> get_token(const std::string& invalid_token);
  asio::awaitable<CallResult> fetch_token();
  asio::awaitable<void> rate_limit_wait();
  bool tls_ready = false;
  std::optional<std::string> init_tls();
  std::optional<CallError> build_request(const Request& r, const Target& t, http::request<http::string_body>& req);
};

// Loads the trust store once (the system store costs ~100 ms, so plain-HTTP connections skip it).
std::optional<std::string> HttpConnection::Impl::init_tls() {
  if (tls_ready) return std::nullopt;
  boost::system::error_code ec;
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (cfg.use_system_ca) ctx.set_default_verify_paths(ec);
  if (ec) return "cannot load the system CA store: " + ec.message();
  if (!cfg.ca_file.empty()) {
    ctx.load_verify_file(cfg.ca_file, ec);
    if (ec) return "cannot load ca_file '" + cfg.ca_file + "': " + ec.message();
  }
  tls_ready = true;
  return std::nullopt;
}

std::optional<CallError> HttpConnection::Impl::resolve_target(const Request& r, Target& t,
                                                              const std::string* api_key_query_name,
                                                              const std::string* api_key_value, bool check_allowed) {
  const bool absolute = starts_with_ci(r.url, "http://") || starts_with_ci(r.url, "https://");
  boost::urls::url u;
  if (absolute) {
    if (auto err = parse_http_url(r.url, u)) return err;
  } else {
    if (!has_base)
      return make_error(ErrorKind::failure, ErrorReason::invalid_request,
                        "relative URL '" + r.url + "' but the connection has no base_url");
    std::string path(base.encoded_path());
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (r.url.empty() || (r.url.front() != '/' && r.url.front() != '?')) path += '/';
    path += r.url;
    std::string full = std::string(base.scheme()) + "://" + std::string(base.encoded_host_and_port()) + path;
    if (auto err = parse_http_url(full, u)) {
      err->message = "invalid path '" + r.url + "': " + err->message;
      return err;
    }
  }
  std::string extra;  // encoded key=value pairs to append
  auto add = [&extra](std::string_view k, std::string_view v) {
    if (!extra.empty()) extra += '&';
    extra += query_encode(k);
    extra += '=';
    extra += query_encode(v);
  };
  if (!r.query.is_null()) {
    if (!r.query.is_object())
      return make_error(ErrorKind::failure, ErrorReason::invalid_request, "query must be an object");
    for (const auto& [k, v] : r.query.get_object()) {
      if (v.is_null()) continue;
      if (v.is_array()) {
        for (const auto& item : v.get_array()) add(k, query_text(item));
      } else {
        add(k, query_text(v));
      }
    }
  }
  if (api_key_query_name && api_key_value) add(*api_key_query_name, *api_key_value);
  if (!extra.empty()) {
    std::string q = u.has_query() ? std::string(u.encoded_query()) : std::string();
    if (!q.empty()) q += '&';
    q += extra;
    u.set_encoded_query(q);
  }
  fill_target(u, t);
  if (absolute && check_allowed) {
    const bool same = has_base && t.tls == base_target.tls && t.host == base_target.host && t.port == base_target.port;
    if (!same && !host_allowed(t, cfg.allow_hosts))
      return make_error(ErrorKind::failure, ErrorReason::host_not_allowed,
                        "host '" + t.host_header + "' is not in the allow_hosts of connection " + cfg.name);
  }
  return std::nullopt;
}

std::unique_ptr<PooledStream> HttpConnection::Impl::take_idle(const std::string& key) {
  std::lock_guard lock(pool_mu);
  auto it = idle.find(key);
  if (it == idle.end()) return nullptr;
  auto& list = it->second;
  const auto now = SteadyClock::now();
  while (!list.empty()) {
    auto s = std::move(list.back());
    list.pop_back();
    if (now - s->idle_since < cfg.idle_timeout && s->alive()) return s;
    s->close();
  }
  return nullptr;
}

void HttpConnection::Impl::put_idle(const std::string& key, std::unique_ptr<PooledStream> s) {
  s->idle_since = SteadyClock::now();
  std::lock_guard lock(pool_mu);
  auto& list = idle[key];
  if (list.size() >= cfg.max_idle_per_host) {
    s->close();
    return;
  }
  list.push_back(std::move(s));
}

asio::awaitable<std::variant<std::unique_ptr<PooledStream>, CallError>> HttpConnection::Impl::connect(
    const Target& t, SteadyClock::time_point deadline, Millis timeout) {
  using namespace asio::experimental::awaitable_operators;
  auto s = std::make_unique<PooledStream>();
  if (t.tls) {
    if (auto err = init_tls()) co_return make_error(ErrorKind::failure, ErrorReason::invalid_request, *err);
    s->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ex, ctx);
  } else {
    s->tcp = std::make_unique<beast::tcp_stream>(ex);
  }
  tcp::resolver::results_type endpoints;
  boost::system::error_code aec;
  auto addr = asio::ip::make_address(t.host, aec);
  const auto port = static_cast<unsigned short>(std::stoul(t.port));
  if (!aec) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(addr, port), t.host, t.port);
  } else {
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex);
    timer.expires_at(deadline);
    auto result = co_await (resolver.async_resolve(t.host, t.port, tok) || timer.async_wait(tok));
    if (result.index() == 1) co_return map_error(beast::error::timeout, "resolving", t, timeout);
    auto [ec, res] = std::get<0>(std::move(result));
    if (ec) co_return map_error(ec, "resolving", t, timeout);
    endpoints = std::move(res);
  }
  s->lowest().expires_at(deadline);
  auto [cec, ep] = co_await s->lowest().async_connect(endpoints, tok);
  if (cec) co_return map_error(cec, "connecting to", t, timeout);
  n_opened++;
  if (t.tls) {
    SSL* h = s->tls->native_handle();
    if (!is_ip_literal(t.host)) SSL_set_tlsext_host_name(h, t.host.c_str());
    s->tls->set_verify_mode(ssl::verify_peer);
    s->tls->set_verify_callback(ssl::host_name_verification(t.host));
    s->lowest().expires_at(deadline);
    auto [hec] = co_await s->tls->async_handshake(ssl::stream_base::client, tok);
    if (hec) co_return map_error(hec, "TLS handshake with", t, timeout, h);
  }
  co_return std::move(s);
}

template <class Stream>
asio::awaitable<std::pair<boost::system::error_code, bool>> write_read(
    Stream& stream, beast::tcp_stream& lowest, beast::flat_buffer& buffer, http::request<http::string_body>& req,
    http::response_parser<http::string_body>& parser, SteadyClock::time_point deadline) {
  lowest.expires_at(deadline);
  auto [wec, wn] = co_await http::async_write(stream, req, tok);
  if (wec) co_return std::pair{wec, false};
  lowest.expires_at(deadline);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, tok);
  co_return std::pair{rec, parser.got_some()};
}

asio::awaitable<CallResult> HttpConnection::Impl::exchange(const Target& t, http::request<http::string_body>& req,
                                                           Millis timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  const auto key = t.key();
  for (int round = 0; round < 2; ++round) {
    auto s = round == 0 ? take_idle(key) : nullptr;
    const bool reused = s != nullptr;
    if (!s) {
      auto c = co_await connect(t, deadline, timeout);
      if (c.index() == 1) co_return std::get<1>(std::move(c));
      s = std::get<0>(std::move(c));
    } else {
      n_reused++;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(cfg.max_response_bytes);
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(cfg.max_response_bytes, 1u << 20)));
    if (req.method() == http::verb::head) parser.skip(true);
    n_requests++;
    auto [ec, got_some] = s->tls ? co_await write_read(*s->tls, s->lowest(), s->buffer, req, parser, deadline)
                                 : co_await write_read(*s->tcp, s->lowest(), s->buffer, req, parser, deadline);
    if (ec) {
      s->close();
      const bool stale = reused && !got_some &&
                         (ec == asio::error::connection_reset || ec == asio::error::eof ||
                          ec == http::error::end_of_stream || ec == asio::error::broken_pipe ||
                          ec == asio::ssl::error::stream_truncated);
      if (stale) {
        spdlog::debug("connection {}: pooled connection to {} was stale, reconnecting", cfg.name, t.host_header);
        continue;
      }
      co_return map_error(ec, got_some ? "reading the response from" : "sending the request to", t, timeout);
    }
    auto res = parser.release();
    const bool keep = res.keep_alive() && req.keep_alive();
    if (keep) put_idle(key, std::move(s));
    else s->close();
    n_responses++;
    co_return to_response(std::move(res));
  }
  co_return make_error(ErrorKind::connection_error, ErrorReason::reset, "connection to " + t.host_header + " failed");
}

asio::awaitable<void> HttpConnection::Impl::rate_limit_wait() {
  const auto wait = bucket.reserve();
  if (wait.count() <= 0) co_return;
  n_rate_limited++;
  spdlog::debug("connection {}: rate limit, waiting {} ms", cfg.name, wait.count());
  asio::steady_timer timer(ex);
  timer.expires_after(wait);
  co_await timer.async_wait(tok);
}

std::optional<CallError> HttpConnection::Impl::build_request(const Request& r, const Target& t,
                                                             http::request<http::string_body>& req) {
  if (!valid_token(r.method))
    return make_error(ErrorKind::failure, ErrorReason::invalid_request, "invalid HTTP method '" + r.method + "'");
  const auto verb = http::string_to_verb(r.method);
  if (verb == http::verb::unknown) req.method_string(r.method);
  else req.method(verb);
  req.version(11);
  req.target(t.target);
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, "weft/0.1");
  req.set(http::field::accept, "application/json");
  for (const HeaderList* list : std::initializer_list<const HeaderList*>{&cfg.headers, &r.headers}) {
    for (const auto& [name, value] : *list) {
      if (!valid_token(name) || !valid_header_value(value))
        return make_error(ErrorKind::failure, ErrorReason::invalid_request,
                          "invalid header '" + redactor.redact(name) + "'");
      const auto lname = lower(name);
      if (lname == "host" || lname == "content-length" || lname == "transfer-encoding" || lname == "connection")
        continue;  // managed by the client
      req.set(name, value);
    }
  }
  if (r.body && r.form)
    return make_error(ErrorKind::failure, ErrorReason::invalid_request, "a request cannot have both body and form");
  if (r.body) {
    req.body() = json::serialize(*r.body);
    if (req.find(http::field::content_type) == req.end()) req.set(http::field::content_type, "application/json");
  } else if (r.form) {
    req.body() = form_encode(*r.form);
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
  }
  if (req.body().size() > cfg.max_request_bytes)
    return make_error(ErrorKind::failure, ErrorReason::request_too_large,
                      "request body of " + std::to_string(req.body().size()) + " bytes exceeds max_request_bytes " +
                          std::to_string(cfg.max_request_bytes));
  if (r.idempotency_key && !cfg.idempotency_header.empty()) {
    if (!valid_header_value(*r.idempotency_key))
      return make_error(ErrorKind::failure, ErrorReason::invalid_request, "invalid idempotency key");
    req.set(cfg.idempotency_header, *r.idempotency_key);
  }
  if (const auto* b = std::get_if<BasicAuth>(&cfg.auth)) {
    req.set(http::field::authorization, basic_credentials(b->user, b->password));
  } else if (const auto* bt = std::get_if<BearerAuth>(&cfg.auth)) {
    req.set(http::field::authorization, "Bearer " + bt->token);
  } else if (const auto* k = std::get_if<ApiKeyAuth>(&cfg.auth); k && !k->header.empty()) {
    req.set(k->header, k->value);
  }
  req.keep_alive(true);
  req.prepare_payload();
  return std::nullopt;
}

asio::awaitable<CallResult> HttpConnection::Impl::fetch_token() {
  const auto& o = std::get<OAuth2ClientCredentials>(cfg.auth);
  Request r;
  r.method = "POST";
  r.url = o.token_url;
  HeaderList form{{"grant_type", "client_credentials"}};
  if (!o.scopes.empty()) {
    std::string scope;
    for (const auto& s : o.scopes) scope += (scope.empty() ? "" : " ") + s;
    form.emplace_back("scope", scope);
  }
  if (o.method == ClientAuthMethod::client_secret_post) {
    form.emplace_back("client_id", o.client_id);
    form.emplace_back("client_secret", o.client_secret);
  }
  r.form = std::move(form);
  Target t;
  if (auto err = resolve_target(r, t, nullptr, nullptr, false)) co_return *err;
  http::request<http::string_body> req;
  req.method(http::verb::post);
  req.version(11);
  req.target(t.target);
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, "weft/0.1");
  req.set(http::field::accept, "application/json");
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  if (o.method == ClientAuthMethod::client_secret_basic)
    req.set(http::field::authorization, basic_credentials(form_encode(o.client_id), form_encode(o.client_secret)));
  req.body() = form_encode(*r.form);
  req.keep_alive(true);
  req.prepare_payload();
  n_token_fetches++;
  co_return co_await exchange(t, req, cfg.timeout);
}

asio::awaitable<std::variant<std::string, CallError>> HttpConnection::Impl::get_token(const std::string& invalid_token) {
  const auto& o = std::get<OAuth2ClientCredentials>(cfg.auth);
  for (;;) {
    if (!oauth.fetching) {
      const bool fresh = !oauth.token.empty() && oauth.token != invalid_token &&
                         (!oauth.expires || SteadyClock::now() + o.refresh_margin < *oauth.expires);
      if (fresh) co_return oauth.token;
      break;
    }
    const auto generation = oauth.generation;
    asio::steady_timer waiter(ex);
    waiter.expires_at(SteadyClock::time_point::max());
    oauth.waiters.push_back(&waiter);
    co_await waiter.async_wait(tok);
    std::erase(oauth.waiters, &waiter);
    if (oauth.generation != generation && oauth.last_error) co_return *oauth.last_error;
  }
  oauth.fetching = true;
  auto result = co_await fetch_token();
  std::optional<CallError> error;
  if (!result.ok()) {
    error = std::move(result.error());
    error->message = "OAuth2 token request to " + redactor.redact(o.token_url) + " failed: " + error->message;
    if (error->kind != ErrorKind::cancelled) error->reason = ErrorReason::auth;
  } else if (auto http_err = classify(result.response())) {
    error = std::move(*http_err);
    error->reason = ErrorReason::auth;
    error->body = redactor.redact_json(error->body);
    error->message = "OAuth2 token request to " + redactor.redact(o.token_url) + " failed with HTTP status " +
                     std::to_string(error->status);
  } else {
    const auto& body = result.response().body;
    const json::value* tokenv = body.is_object() ? body.get_object().if_contains("access_token") : nullptr;
    if (!tokenv || !tokenv->is_string() || tokenv->get_string().empty()) {
      error = make_error(ErrorKind::connection_error, ErrorReason::auth,
                         "OAuth2 token response from " + redactor.redact(o.token_url) + " has no access_token");
    } else {
      oauth.token = std::string(tokenv->get_string());
      redactor.add(oauth.token);
      oauth.expires.reset();
      if (const auto* exp = body.get_object().if_contains("expires_in")) {
        double seconds = exp->is_number() ? exp->to_number<double>() : -1;
        if (exp->is_string()) seconds = std::atof(std::string(exp->get_string()).c_str());
        if (seconds > 0) oauth.expires = SteadyClock::now() + Millis(static_cast<std::int64_t>(seconds * 1000));
      }
      spdlog::debug("connection {}: fetched an OAuth2 token{}", cfg.name,
                    oauth.expires ? " (expires in " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                                            *oauth.expires - SteadyClock::now())
                                                                            .count()) +
                                        " s)"
                                  : std::string());
    }
  }
  oauth.fetching = false;
  oauth.generation++;
  oauth.last_error = error;
  for (auto* w : oauth.waiters) w->cancel();
  if (error) co_return *error;
  co_return oauth.token;
}

std::unique_ptr<HttpConnection> HttpConnection::create(asio::any_io_executor executor, HttpConfig config,
                                                       std::string& error) {
  auto impl = std::make_unique<Impl>(std::move(executor), std::move(config));
  auto& cfg = impl->cfg;
  if (!cfg.base_url.empty()) {
    if (auto err = parse_http_url(cfg.base_url, impl->base)) {
      error = "connection " + cfg.name + ": base_url: " + err->message;
      return nullptr;
    }
    impl->base.remove_query();
    impl->has_base = true;
    fill_target(impl->base, impl->base_target);
  }
  if (cfg.timeout.count() <= 0) {
    error = "connection " + cfg.name + ": timeout must be positive";
    return nullptr;
  }
  const bool tls_now = (impl->has_base && impl->base_target.tls) || !cfg.ca_file.empty() ||
                       (std::holds_alternative<OAuth2ClientCredentials>(cfg.auth) &&
                        starts_with_ci(std::get<OAuth2ClientCredentials>(cfg.auth).token_url, "https://"));
  if (tls_now) {
    if (auto err = impl->init_tls()) {
      error = "connection " + cfg.name + ": " + *err;
      return nullptr;
    }
  }
  if (const auto* k = std::get_if<ApiKeyAuth>(&cfg.auth)) {
    if (k->header.empty() == k->query.empty()) {
      error = "connection " + cfg.name + ": api_key needs exactly one of header or query";
      return nullptr;
    }
    if (!k->header.empty() && (!valid_token(k->header) || !valid_header_value(k->value))) {
      error = "connection " + cfg.name + ": api_key header name or value is invalid";
      return nullptr;
    }
  }
  if (const auto* o = std::get_if<OAuth2ClientCredentials>(&cfg.auth)) {
    boost::urls::url u;
    if (auto err = parse_http_url(o->token_url, u)) {
      error = "connection " + cfg.name + ": token_url: " + err->message;
      return nullptr;
    }
  }
  for (const auto& [name, value] : cfg.headers) {
    if (!valid_token(name) || !valid_header_value(value)) {
      error = "connection " + cfg.name + ": invalid default header '" + name + "'";
      return nullptr;
    }
  }
  add_secrets(cfg.auth, impl->redactor);
  return std::unique_ptr<HttpConnection>(new HttpConnection(std::move(impl)));
}

HttpConnection::HttpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpConnection::~HttpConnection() { close_idle(); }

void HttpConnection::close_idle() {
  std::lock_guard lock(impl_->pool_mu);
  for (auto& [key, list] : impl_->idle)
    for (auto& s : list) s->close();
  impl_->idle.clear();
}

asio::awaitable<CallResult> HttpConnection::call(Request request) {
  Impl& m = *impl_;
  const auto timeout = request.timeout.value_or(m.cfg.timeout);
  const auto started = SteadyClock::now();
  auto finish = [&](CallResult result) -> CallResult {
    const auto ms = std::chrono::duration_cast<Millis>(SteadyClock::now() - started).count();
    if (result.ok()) {
      spdlog::debug("connection {}: {} {} -> {} ({} ms)", m.cfg.name, request.method, m.redactor.redact(request.url),
                    result.response().status, ms);
    } else {
      m.n_errors++;
      result.error().message = m.redactor.redact(result.error().message);
      spdlog::debug("connection {}: {} {} -> {}: {} ({} ms)", m.cfg.name, request.method,
                    m.redactor.redact(request.url), to_string(result.error().kind), result.error().message, ms);
    }
    return result;
  };
  if (timeout.count() <= 0)
    co_return finish(make_error(ErrorKind::failure, ErrorReason::invalid_request, "timeout must be positive"));

  const auto* key = std::get_if<ApiKeyAuth>(&m.cfg.auth);
  const bool key_in_query = key && !key->query.empty();
  Target t;
  if (auto err = m.resolve_target(request, t, key_in_query ? &key->query : nullptr,
                                  key_in_query ? &key->value : nullptr, true))
    co_return finish(std::move(*err));
  http::request<http::string_body> req;
  if (auto err = m.build_request(request, t, req)) co_return finish(std::move(*err));

  const auto permit = m.breaker.acquire();
  if (!permit.allowed) {
    auto e = make_error(ErrorKind::connection_error, ErrorReason::circuit_open,
                        "circuit open for connection " + m.cfg.name + " after repeated failures; next probe in " +
                            std::to_string(permit.retry_after.count()) + " ms");
    e.retry_after = permit.retry_after;
    co_return finish(std::move(e));
  }

  const bool oauth = std::holds_alternative<OAuth2ClientCredentials>(m.cfg.auth);
  std::string token;
  if (oauth) {
    auto got = co_await m.get_token("");
    if (got.index() == 1) {
      m.breaker.record(permit, BreakerOutcome::neutral);
      co_return finish(std::get<1>(std::move(got)));
    }
    token = std::get<0>(std::move(got));
    req.set(http::field::authorization, "Bearer " + token);
  }
  co_await m.rate_limit_wait();
  auto result = co_await m.exchange(t, req, timeout);
  if (oauth && result.ok() && result.response().status == 401) {
    spdlog::info("connection {}: 401 from {}, refreshing the OAuth2 token and retrying once", m.cfg.name,
                 t.host_header);
    auto got = co_await m.get_token(token);
    if (got.index() == 1) {
      m.breaker.record(permit, BreakerOutcome::neutral);
      co_return finish(std::get<1>(std::move(got)));
    }
    req.set(http::field::authorization, "Bearer " + std::get<0>(got));
    co_await m.rate_limit_wait();
    result = co_await m.exchange(t, req, timeout);
  }
  m.breaker.record(permit, breaker_outcome(result));
  co_return finish(std::move(result));
}

HttpStats HttpConnection::stats() const {
  HttpStats s;
  s.requests = impl_->n_requests;
  s.responses = impl_->n_responses;
  s.errors = impl_->n_errors;
  s.connections_opened = impl_->n_opened;
  s.connections_reused = impl_->n_reused;
  s.rate_limited = impl_->n_rate_limited;
  s.token_fetches = impl_->n_token_fetches;
  s.breaker = impl_->breaker.counters();
  return s;
}

BreakerState HttpConnection::breaker_state() const { return impl_->breaker.state(); }
const Redactor& HttpConnection::redactor() const { return impl_->redactor; }
const HttpConfig& HttpConnection::config() const { return impl_->cfg; }

}  // namespace weft::connectors
