// http_config_from_json: the evaluated `connection x = http { ... }` block → HttpConfig.
#include "stdlib/connectors/http_connection.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "stdlib/settings/settings.h"

namespace weft::connectors {

namespace json = boost::json;

namespace {

// "250ms", "10s", "5m", "2h", "1d", "1h30m" → milliseconds.
bool parse_duration_text(std::string_view s, Millis& out) {
  if (s.empty()) return false;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::int64_t n = 0;
    std::size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + (s[i] - '0');
      if (n > (std::int64_t{1} << 40)) return false;
      ++i;
    }
    if (i == start) return false;
    std::int64_t unit = 0;
    if (s.substr(i, 2) == "ms") unit = 1, i += 2;
    else if (i < s.size() && s[i] == 's') unit = 1000, ++i;
    else if (i < s.size() && s[i] == 'm') unit = 60000, ++i;
    else if (i < s.size() && s[i] == 'h') unit = 3600000, ++i;
    else if (i < s.size() && s[i] == 'd') unit = 86400000, ++i;
    else return false;
    total += n * unit;
  }
  out = Millis(total);
  return true;
}

/// The fields of a lowered auth constructor: `kind` and its parameters in the settings table.
std::set<std::string_view> auth_fields(std::string_view kind) {
  std::set<std::string_view> out = {"kind"};
  if (const auto* c = settings::find_constructor(settings::Group::Auth, kind))
    for (const auto& p : c->params) out.insert(p.name);
  return out;
}

struct Reader {
  std::string& error;
  bool fail(const std::string& path, const std::string& msg) {
    if (error.empty()) error = path + ": " + msg;
    return false;
  }
  bool str(const json::value& v, const std::string& path, std::string& out) {
    if (!v.is_string()) return fail(path, "expected a string");
    out = std::string(v.get_string());
    return true;
  }
  bool duration(const json::value& v, const std::string& path, Millis& out) {
    if (v.is_int64() || v.is_uint64()) {
      out = Millis(v.to_number<std::int64_t>());
    } else if (v.is_double()) {
      out = Millis(static_cast<std::int64_t>(v.get_double()));
    } else if (v.is_string()) {
      if (!parse_duration_text(v.get_string(), out)) return fail(path, "invalid duration");
    } else {
      return fail(path, "expected a duration (milliseconds or \"10s\")");
    }
    if (out.count() < 0) return fail(path, "duration must not be negative");
    return true;
  }
  bool integer(const json::value& v, const std::string& path, std::int64_t& out) {
    if (v.is_int64()) out = v.get_int64();
    else if (v.is_uint64() && v.get_uint64() < (std::uint64_t{1} << 62)) out = static_cast<std::int64_t>(v.get_uint64());
    else if (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))
      out = static_cast<std::int64_t>(v.get_double());
    else return fail(path, "expected an integer");
    if (out < 0) return fail(path, "must not be negative");
    return true;
  }
  bool size(const json::value& v, const std::string& path, std::size_t& out) {
    std::int64_t n = 0;
    if (!integer(v, path, n)) return false;
    out = static_cast<std::size_t>(n);
    return true;
  }
  bool only(const json::object& o, const std::string& path, std::set<std::string_view> allowed) {
    for (const auto& [k, v] : o)
      if (!allowed.count(k)) return fail(path, "unknown field '" + std::string(k) + "'");
    return true;
  }
  bool auth(const json::value& v, Auth& out) {
    if (v.is_null()) {
      out = NoAuth{};
      return true;
    }
    if (!v.is_object()) return fail("auth", "expected an object with a kind");
    const auto& o = v.get_object();
    const auto* kind = o.if_contains("kind");
    if (!kind || !kind->is_string()) return fail("auth.kind", "missing");
    auto get = [&](std::string_view name, std::string& dst) {
      const auto* f = o.if_contains(name);
      if (!f) return fail("auth." + std::string(name), "missing");
      return str(*f, "auth." + std::string(name), dst);
    };
    const std::string k(kind->get_string());
    if (k == "none") {
      out = NoAuth{};
      return only(o, "auth", auth_fields(k));
    }
    if (k == "basic") {
      BasicAuth a;
      if (!only(o, "auth", auth_fields(k)) || !get("user", a.user) || !get("password", a.password))
        return false;
      out = a;
      return true;
    }
    if (k == "bearer") {
      BearerAuth a;
      if (!only(o, "auth", auth_fields(k)) || !get("token", a.token)) return false;
      out = a;
      return true;
    }
    if (k == "api_key") {
      ApiKeyAuth a;
      if (!only(o, "auth", auth_fields(k)) || !get("value", a.value)) return false;
      if (o.contains("header") && !get("header", a.header)) return false;
      if (o.contains("query") && !get("query", a.query)) return false;
      if (a.header.empty() == a.query.empty()) return fail("auth", "api_key needs exactly one of header or query");
      out = a;
      return true;
    }
    if (k == "oauth2_client_credentials") {
      OAuth2ClientCredentials a;
      if (!only(o, "auth", auth_fields(k)) ||
          !get("token_url", a.token_url) || !get("client_id", a.client_id) || !get("client_secret", a.client_secret))
        return false;
      if (const auto* s = o.if_contains("scopes"); s && !s->is_null()) {
        if (!s->is_array()) return fail("auth.scopes", "expected a list of strings");
        for (const auto& item : s->get_array()) {
          std::string scope;
          if (!str(item, "auth.scopes", scope)) return false;
          a.scopes.push_back(scope);
        }
      }
      if (const auto* m = o.if_contains("client_auth")) {
        std::string method;
        if (!str(*m, "auth.client_auth", method)) return false;
        if (method == "client_secret_basic") a.method = ClientAuthMethod::client_secret_basic;
        else if (method == "client_secret_post") a.method = ClientAuthMethod::client_secret_post;
        else return fail("auth.client_auth", "expected \"client_secret_basic\" or \"client_secret_post\"");
      }
      out = a;
      return true;
    }
    return fail("auth.kind", "unknown auth kind '" + k + "'");
  }
};

/// The names of a block of the settings table, as `Reader::only` takes them.
std::set<std::string_view> table_names(settings::Block block) {
  std::set<std::string_view> out;
  for (const auto* s : settings::settings_in(block)) out.insert(s->name);
  return out;
}

using Handler = bool (*)(Reader& r, const std::string& key, const json::value& v, HttpConfig& c);

// One handler per key the connector implements. The keys a block may hold come from the settings
// table (stdlib/settings/settings.h); tests/unit/settings checks that the two name the same settings.
const std::map<std::string_view, Handler>& handlers() {
  static const std::map<std::string_view, Handler> table = {
      {"name", [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) { return r.str(v, key, c.name); }},
      {"base_url",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         return v.is_null() || r.str(v, key, c.base_url);
       }},
      {"auth", [](Reader& r, const std::string&, const json::value& v, HttpConfig& c) { return r.auth(v, c.auth); }},
      {"headers",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         if (v.is_null()) return true;
         if (!v.is_object()) return r.fail(key, "expected an object of strings");
         for (const auto& [hk, hv] : v.get_object()) {
           std::string text;
           if (!r.str(hv, "headers." + std::string(hk), text)) return false;
           c.headers.emplace_back(std::string(hk), text);
         }
         return true;
       }},
      {"timeout",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         if (!r.duration(v, key, c.timeout)) return false;
         return c.timeout.count() != 0 || r.fail(key, "must be positive");
       }},
      {"retry", [](Reader&, const std::string&, const json::value&, HttpConfig&) { return true; }},  // the runtime's
      {"rate_limit",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         if (v.is_null()) return true;
         if (!v.is_object()) return r.fail(key, "expected { requests, per }");
         if (!r.only(v.get_object(), key, table_names(settings::Block::RateLimit))) return false;
         std::int64_t n = 0;
         const auto* req = v.get_object().if_contains("requests");
         if (!req) return r.fail("rate_limit.requests", "missing");
         if (!r.integer(*req, "rate_limit.requests", n)) return false;
         if (n == 0 || n > 1000000) return r.fail("rate_limit.requests", "must be between 1 and 1000000");
         c.rate_limit.requests = static_cast<int>(n);
         if (const auto* per = v.get_object().if_contains("per")) {
           if (!r.duration(*per, "rate_limit.per", c.rate_limit.per)) return false;
           if (c.rate_limit.per.count() == 0) return r.fail("rate_limit.per", "must be positive");
         }
         return true;
       }},
      {"idempotency_header",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         if (v.is_null()) c.idempotency_header.clear();
         else if (!r.str(v, key, c.idempotency_header)) return false;
         if (c.idempotency_header == "none") c.idempotency_header.clear();
         return true;
       }},
      {"allow_hosts",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         if (!v.is_array()) return r.fail(key, "expected a list of host names");
         for (const auto& h : v.get_array()) {
           std::string host;
           if (!r.str(h, key, host)) return false;
           c.allow_hosts.push_back(host);
         }
         return true;
       }},
      {"max_response_bytes",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         return r.size(v, key, c.max_response_bytes);
       }},
      {"max_request_bytes",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         return r.size(v, key, c.max_request_bytes);
       }},
      {"ca_file",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         return v.is_null() || r.str(v, key, c.ca_file);
       }},
      {"breaker",
       [](Reader& r, const std::string& key, const json::value& v, HttpConfig& c) {
         if (!v.is_object()) return r.fail(key, "expected { failure_threshold, cool_down }");
         if (!r.only(v.get_object(), key, table_names(settings::Block::Breaker))) return false;
         if (const auto* t = v.get_object().if_contains("failure_threshold")) {
           std::int64_t n = 0;
           if (!r.integer(*t, "breaker.failure_threshold", n)) return false;
           c.breaker.failure_threshold = static_cast<int>(std::min<std::int64_t>(n, 1000000));
         }
         if (const auto* d = v.get_object().if_contains("cool_down"))
           if (!r.duration(*d, "breaker.cool_down", c.breaker.cool_down)) return false;
         return true;
       }},
  };
  return table;
}

}  // namespace

std::vector<std::string> http_config_keys() {
  std::vector<std::string> out;
  for (const auto& [k, h] : handlers()) out.emplace_back(k);
  return out;
}

bool http_config_from_json(const json::value& value, HttpConfig& out, std::string& error) {
  error.clear();
  Reader r{error};
  if (!value.is_object()) return r.fail("connection", "expected an object");
  const auto& o = value.get_object();
  std::set<std::string_view> allowed = table_names(settings::Block::Connection);
  allowed.insert("name");
  if (!r.only(o, "connection", allowed)) return false;
  HttpConfig c;
  for (const auto& [k, v] : o) {
    const std::string key(k);
    auto h = handlers().find(key);
    if (h == handlers().end()) return r.fail(key, "not implemented by the http connector");
    if (!h->second(r, key, v, c)) return false;
  }
  out = std::move(c);
  return true;
}

}  // namespace weft::connectors
