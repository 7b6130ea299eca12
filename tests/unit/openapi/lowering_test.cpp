// Operation calls on openapi connections lower to exactly the HTTP call they stand for; the
// connection lowers to an `http` connection (base_url from the document's servers, no `spec`).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "compiler/driver/driver.h"
#include "compiler/ir/serialize.h"

namespace weft::driver {
namespace {

const char* kSpec = R"(openapi: 3.0.3
info: { title: CRM, version: "1" }
servers: [ { url: "https://crm.example.com/v1" } ]
paths:
  /contacts/{id}/notes:
    get:
      operationId: contacts/notes
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: array, items: { type: object, properties: { text: { type: string } } } } } } }
    post:
      operationId: addNote
      parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
      requestBody: { content: { application/json: { schema: { type: object, properties: { text: { type: string } } } } } }
      responses: { "201": { description: created } }
)";

/// The compiled module of a flow `f(id: string)` with `body` as its statements.
Compilation compiled(const std::string& body, MemoryResolver& r) {
  std::string src = "connection crm = openapi { spec: \"./crm.yaml\", timeout: 5s }\n\nflow f(id: string) -> json {\n" +
                    body + "\n}\n";
  Compilation c = compile_source("/app/main.flow", src, r);
  for (const auto& d : c.diagnostics().all()) ADD_FAILURE() << d.message;
  return c;
}

/// The serialised action of step `step` without its response type.
boost::json::value action_of(const Compilation& c, const std::string& step) {
  if (!c.module()) return nullptr;
  const ir::Flow* f = c.module()->find_flow("f");
  for (const auto& n : f->nodes)
    if (n.id == step) {
      boost::json::value v = ir::to_json(n.action);
      v.as_object().erase("response");
      return v;
    }
  return nullptr;
}

TEST(OpenApiLowering, OperationCallIsTheHttpCall) {
  MemoryResolver r(std::map<std::string, std::string>{{"/app/crm.yaml", kSpec}});
  Compilation c = compiled(
      "  step a = crm.contacts_notes(id: id, limit: 5)\n"
      "  step b = crm.get(\"/contacts/${url_encode(\"${id}\")}/notes\", query: { limit: 5 })\n"
      "  step p = crm.post(\"/contacts/{id}/notes\", path: { id: id }, body: { text: \"hi\" })\n"
      "  step q = crm.addNote(id: id, body: { text: \"hi\" })\n"
      "  return [a.body, b.body, p.body, q.body]",
      r);
  ASSERT_NE(c.module(), nullptr);
  EXPECT_EQ(action_of(c, "a"), action_of(c, "b"));
  EXPECT_NE(action_of(c, "a"), boost::json::value(nullptr));
  EXPECT_EQ(boost::json::serialize(action_of(c, "p")), boost::json::serialize(action_of(c, "q")));
  // The operation's result is typed by its 2xx schema (the engine checks the body against it).
  const ir::Flow* f = c.module()->find_flow("f");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->nodes[0].action.response.has_value());
  // The connection is the http connection it describes: base_url from servers, no `spec`.
  ASSERT_EQ(c.module()->connections.size(), 1u);
  boost::json::value conn = ir::to_json(c.module()->connections[0]);
  std::string text = boost::json::serialize(conn);
  EXPECT_NE(text.find("\"kind\":\"http\""), std::string::npos) << text;
  EXPECT_NE(text.find("https://crm.example.com/v1"), std::string::npos) << text;
  EXPECT_EQ(text.find("spec"), std::string::npos) << text;
}

TEST(OpenApiLowering, DocumentIsReadThroughTheResolverAndCached) {
  MemoryResolver r(std::map<std::string, std::string>{{"/app/crm.yaml", kSpec}});
  auto before = openapi::DocumentCache::shared().stats();
  compiled("  step n = crm.contacts_notes(id: id)\n  return n.body", r);
  compiled("  step n = crm.contacts_notes(id: id, limit: 1)\n  return n.body", r);
  auto after = openapi::DocumentCache::shared().stats();
  EXPECT_LE(after.loaded - before.loaded, 1u);
  EXPECT_GE(after.reused - before.reused, 1u);
}

}  // namespace
}  // namespace weft::driver
