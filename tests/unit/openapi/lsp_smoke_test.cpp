// The language server on a file with an `openapi` connection: the document is read from disk
// through the server's loader, its diagnostics are published, and hover, completion and
// go-to-definition on operation calls answer without errors. (Completion of operations and hover
// details are the language-server work of issue 17 item 3; this only guards the core's part.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <boost/json.hpp>

#include "lsp/client.h"

namespace weft::lsp {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

TEST(OpenApiLsp, DiagnosticsAndRequestsOnOperationCalls) {
  fs::path dir = fs::temp_directory_path() / ("weft_openapi_lsp_" + std::to_string(::getpid()));
  fs::create_directories(dir / "specs");
  std::ofstream(dir / "specs" / "crm.yaml") << R"(openapi: 3.0.3
info: { title: CRM, version: "1" }
servers: [ { url: "https://crm.example.com" } ]
paths:
  /contacts/{id}:
    get:
      operationId: getContact
      summary: One contact
      parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: object, required: [email], properties: { email: { type: string } } } } } }
)";
  std::string uri = "file://" + (dir / "a.flow").string();
  std::string text = R"(connection crm = openapi { spec: "./specs/crm.yaml" }

flow f(id: string) -> string {
  step c = crm.getContact(id: id)
  step d = crm.getContct(id: id)
  return c.body.email
}
)";
  {
    ScriptedClient c;
    c.initialize(dir.string());
    c.open(uri, text);
    json::value p = c.wait_diagnostics(uri, 1);
    std::string all = json::serialize(p);
    EXPECT_NE(all.find("E0521"), std::string::npos) << all;
    EXPECT_NE(all.find("getContact"), std::string::npos) << all;
    for (const char* method : {"textDocument/hover", "textDocument/completion", "textDocument/definition"}) {
      json::value r = c.request(method, json::object{{"textDocument", json::object{{"uri", uri}}},
                                                     {"position", position_of(text, "getContact(id", 3)}});
      EXPECT_FALSE(r.as_object().contains("error")) << method << ": " << json::serialize(r);
    }
    c.shutdown();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace weft::lsp
