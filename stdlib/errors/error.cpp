#include "stdlib/errors/error.h"

#include <array>

#include <boost/json.hpp>

namespace weft::errors {
namespace json = boost::json;

namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 6> kNames{{
    {Kind::http_error, "http_error"},
    {Kind::timeout, "timeout"},
    {Kind::connection_error, "connection_error"},
    {Kind::validation_error, "validation_error"},
    {Kind::failure, "failure"},
    {Kind::cancelled, "cancelled"},
}};

bool fail(std::string* problem, std::string text) {
  if (problem) *problem = std::move(text);
  return false;
}

// Reads optional field `name` as text into `out`; false (problem set) when it has another type.
bool read_text(const json::object& o, std::string_view name, std::string& out, std::string* problem) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return fail(problem, "error field `" + std::string(name) + "` must be a string");
  out = std::string(v->get_string());
  return true;
}

bool read_int(const json::object& o, std::string_view name, int64_t& out, std::string* problem) {
  auto* v = o.if_contains(name);
  if (!v || v->is_null()) return true;
  if (v->is_int64()) return out = v->get_int64(), true;
  if (v->is_uint64() && v->get_uint64() <= uint64_t(INT64_MAX)) return out = int64_t(v->get_uint64()), true;
  return fail(problem, "error field `" + std::string(name) + "` must be an int");
}

}  // namespace

std::string_view to_string(Kind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "failure";
}

std::optional<Kind> parse_kind(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

Error make(Kind kind, std::string message, std::string code) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  e.code = std::move(code);
  return e;
}

json::object to_json(const Error& e) {
  json::object o{{"kind", to_string(e.kind)}, {"message", e.message}};
  if (!e.code.empty()) o["code"] = e.code;
  if (!e.path.empty()) o["path"] = e.path;
  if (e.status) o["status"] = e.status;
  if (e.attempt) o["attempt"] = e.attempt;
  if (e.kind == Kind::http_error) {
    o["body"] = e.body;
    json::object headers;
    for (const auto& [k, v] : e.headers) headers[k] = v;
    o["headers"] = std::move(headers);
  }
  if (e.kind == Kind::failure || !e.details.is_null()) o["details"] = e.details;
  if (!e.reason.empty()) o["reason"] = e.reason;
  if (e.retry_after_ms) o["retry_after_ms"] = *e.retry_after_ms;
  return o;
}

std::optional<Error> from_json(const json::value& v, std::string* problem) {
  if (!v.is_object()) {
    fail(problem, "an error must be an object");
    return std::nullopt;
  }
  const json::object& o = v.get_object();
  Error e;
  std::string kind = "failure";
  if (!read_text(o, "kind", kind, problem)) return std::nullopt;
  auto k = parse_kind(kind);
  if (!k) {
    fail(problem, "unknown error kind `" + kind + "`");
    return std::nullopt;
  }
  e.kind = *k;
  int64_t status = 0, attempt = 0, retry_after = -1;
  if (!read_text(o, "message", e.message, problem) || !read_text(o, "code", e.code, problem) ||
      !read_text(o, "path", e.path, problem) || !read_text(o, "reason", e.reason, problem) ||
      !read_int(o, "status", status, problem) || !read_int(o, "attempt", attempt, problem) ||
      !read_int(o, "retry_after_ms", retry_after, problem))
    return std::nullopt;
  e.status = static_cast<int>(status);
  e.attempt = static_cast<int>(attempt);
  if (retry_after >= 0) e.retry_after_ms = retry_after;
  if (auto* b = o.if_contains("body")) e.body = *b;
  if (auto* d = o.if_contains("details")) e.details = *d;
  if (auto* h = o.if_contains("headers"); h && !h->is_null()) {
    if (!h->is_object()) {
      fail(problem, "error field `headers` must be an object");
      return std::nullopt;
    }
    for (const auto& [name, value] : h->get_object()) {
      if (!value.is_string()) {
        fail(problem, "error header `" + std::string(name) + "` must be a string");
        return std::nullopt;
      }
      e.headers[std::string(name)] = std::string(value.get_string());
    }
  }
  return e;
}

std::string to_text(const Error& e) {
  std::string out(to_string(e.kind));
  if (e.status) out += " " + std::to_string(e.status);
  if (!e.code.empty()) out += " [" + e.code + "]";
  if (!e.message.empty()) out += ": " + e.message;
  if (!e.path.empty()) out += " (at " + e.path + ")";
  return out;
}

Raised::Raised(Error e) : value_(std::move(e)) {}

}  // namespace weft::errors
