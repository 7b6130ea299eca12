#include "server/console.h"

#include <cstdio>
#include <map>
#include <string>

#include "server/api.h"

namespace weft::server {

namespace {

/// Content-Security-Policy of every console response: only this origin's scripts, styles and
/// API; no inline script, no framing, no plugins.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A strong ETag from the content (FNV-1a, 64 bits).
std::string etag_of(std::string_view data) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

struct Served {
  std::string_view data;
  std::string_view type;
  std::string etag;
};

const std::map<std::string, Served, std::less<>>& served() {
  static const auto table = [] {
    std::map<std::string, Served, std::less<>> m;
    for (const auto& a : console_assets()) m[std::string(a.path)] = {a.data, console_content_type(a.path), etag_of(a.data)};
    return m;
  }();
  return table;
}

}  // namespace

bool is_console_path(std::string_view path) { return path == "/ui" || path.rfind("/ui/", 0) == 0; }

std::string_view console_content_type(std::string_view name) {
  static const std::pair<std::string_view, std::string_view> types[] = {
      {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"},
      {".png", "image/png"}, {".ico", "image/x-icon"}, {".json", "application/json"}};
  for (const auto& [ext, type] : types)
    if (name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext) return type;
  return "application/octet-stream";
}

HttpResponse console_response(const HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = error_response(405, "method_not_allowed", "method " + req.method + " is not allowed here");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view rel = req.path == "/ui" ? std::string_view() : std::string_view(req.path).substr(4);
  if (rel.empty()) rel = "index.html";
  auto it = served().find(rel);
  if (it == served().end()) return error_response(404, "not_found", "no such console file");
  HttpResponse r;
  r.content_type = std::string(it->second.type);
  r.headers = {{"ETag", it->second.etag},
               {"Cache-Control", "no-cache"},
               {"Content-Security-Policy", std::string(kCsp)},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"}};
  const std::string* match = req.header("if-none-match");
  if (match && *match == it->second.etag) {
    r.status = 304;
    r.content_type.clear();
  } else if (req.method == "GET") {
    r.body = std::string(it->second.data);
  }
  return r;
}

}  // namespace weft::server
