// The web console's embedded assets (server/console.h): content types, caching headers, the
// Content-Security-Policy, 304/404/405, and that every file the page references is embedded.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "server/console.h"

namespace weft::server {
namespace {

HttpRequest request(std::string path, std::string method = "GET") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

const std::string* header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return &v;
  return nullptr;
}

TEST(Console, ServesEachAssetWithItsTypeEtagAndCsp) {
  auto index = console_response(request("/ui"));
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"/ui/js/app.js\">"), std::string::npos);
  EXPECT_EQ(console_response(request("/ui/")).body, index.body);
  EXPECT_EQ(console_response(request("/ui/index.html")).body, index.body);
  ASSERT_TRUE(header(index, "Content-Security-Policy"));
  const std::string& csp = *header(index, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(*header(index, "Cache-Control"), "no-cache");
  EXPECT_EQ(*header(index, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(console_response(request("/ui/app.css")).content_type, "text/css; charset=utf-8");
  EXPECT_EQ(console_response(request("/ui/js/graph.js")).content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(console_content_type("x.svg"), "image/svg+xml");
  EXPECT_EQ(console_content_type("x.bin"), "application/octet-stream");
}

TEST(Console, ConditionalHeadUnknownAndWrongMethod) {
  auto first = console_response(request("/ui/app.css"));
  const std::string* etag = header(first, "ETag");
  ASSERT_TRUE(etag);
  EXPECT_EQ(etag->front(), '"');
  auto again = request("/ui/app.css");
  again.headers.emplace_back("if-none-match", *etag);
  auto r = console_response(again);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(*header(console_response(request("/ui/js/app.js")), "ETag"), *etag);
  auto head = console_response(request("/ui/app.css", "HEAD"));
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(console_response(request("/ui/nope.js")).status, 404);
  EXPECT_EQ(console_response(request("/ui/js")).status, 404);
  EXPECT_EQ(console_response(request("/ui/../README.md")).status, 404);
  auto post = console_response(request("/ui", "POST"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(*header(post, "Allow"), "GET, HEAD");
  EXPECT_TRUE(is_console_path("/ui") && is_console_path("/ui/x.js"));
  EXPECT_FALSE(is_console_path("/uix") || is_console_path("/v1/ui"));
}

// The embedded table is exactly server/ui/, byte for byte, and every `/ui/...` reference and
// every relative module import in it names an embedded file.
TEST(Console, EmbedsServerUiAndEveryReferenceResolves) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(WEFT_SOURCE_DIR) / "server" / "ui";
  std::set<std::string> on_disk, embedded;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) on_disk.insert(fs::relative(e.path(), root).generic_string());
  for (const auto& a : console_assets()) {
    embedded.insert(std::string(a.path));
    std::ifstream in(root / std::string(a.path), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), a.data) << a.path;
  }
  EXPECT_EQ(on_disk, embedded);
  const std::regex ui_ref(R"(["'](/ui/[^"']+)["'])"), import(R"(from\s+'\./([^']+)')");
  for (const auto& a : console_assets()) {
    std::string text(a.data);
    for (std::sregex_iterator it(text.begin(), text.end(), ui_ref), end; it != end; ++it)
      EXPECT_EQ(console_response(request(std::string((*it)[1]))).status, 200) << a.path << " references " << (*it)[1];
    std::string dir = fs::path(std::string(a.path)).parent_path().generic_string();
    for (std::sregex_iterator it(text.begin(), text.end(), import), end; it != end; ++it)
      EXPECT_TRUE(embedded.count((dir.empty() ? "" : dir + "/") + std::string((*it)[1]))) << a.path << " imports " << (*it)[1];
  }
}

}  // namespace
}  // namespace weft::server
