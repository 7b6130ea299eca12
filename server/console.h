// The web console at /ui: static assets (HTML, CSS, JavaScript modules from server/ui/) embedded
// into the binary at build time (cmake/embed_assets.cmake generates the table), served with their
// Content-Type, an ETag, `Cache-Control: no-cache` and a strict Content-Security-Policy. The assets
// hold no data and need no token; the page reads everything from the public /v1 API (docs/console.md).
#pragma once
#include <optional>
#include <span>
#include <string_view>

#include "server/http_message.h"

namespace weft::server {

/// One embedded file of the console.
struct ConsoleAsset {
  std::string_view path;  ///< relative to server/ui/ ("index.html", "js/app.js")
  std::string_view data;  ///< its bytes
};

/// The embedded files (generated at build time).
std::span<const ConsoleAsset> console_assets();

/// True when `path` belongs to the console (`/ui` or below `/ui/`).
bool is_console_path(std::string_view path);

/// The Content-Type for a file name by its extension ("application/octet-stream" when unknown).
std::string_view console_content_type(std::string_view name);

/// Answers a request for a console path: 200 with the asset (`/ui` and `/ui/` give index.html),
/// 304 when If-None-Match matches its ETag, 404 for an unknown file, 405 for methods other than
/// GET and HEAD (HEAD answers the headers and an empty body).
HttpResponse console_response(const HttpRequest& req);

}  // namespace weft::server
