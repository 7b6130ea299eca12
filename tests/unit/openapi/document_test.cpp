// compiler/openapi: loading OpenAPI 3.0 / 3.1 documents from JSON and YAML, $refs (local, other
// files, cycles), errors with the document's line:column, the content-hash cache.
#include <gtest/gtest.h>

#include <map>

#include "compiler/openapi/document.h"

namespace weft::openapi {
namespace {

const char* kYaml = R"(openapi: 3.0.3
info: { title: CRM, version: "1.2" }
servers:
  - url: https://{host}/v1
    variables: { host: { default: crm.example.com } }
security: [ { token: [] } ]
paths:
  /contacts/{id}:
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
    get:
      operationId: contacts/get
      summary: One contact
      parameters:
        - { name: expand, in: query, schema: { type: boolean } }
      responses:
        "404": { description: missing }
        "200":
          description: ok
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Contact" }
  /contacts:
    post:
      operationId: createContact
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Contact" }
      responses:
        "201": { description: created, content: { application/json: { schema: { $ref: "#/components/schemas/Contact" } } } }
components:
  securitySchemes:
    token: { type: http, scheme: bearer }
  schemas:
    Contact:
      type: object
      required: [id]
      properties:
        id: { type: string }
        status: { type: string, enum: [active, archived] }
        age: { type: integer, nullable: true }
        manager: { $ref: "#/components/schemas/Contact" }
)";

TEST(OpenApiDocument, LoadsYamlWithRefsServersAndSecurity) {
  LoadResult r = load_document("/specs/crm.yaml", kYaml);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const Document& d = *r.document;
  EXPECT_EQ(d.openapi, "3.0.3");
  ASSERT_EQ(d.servers.size(), 1u);
  EXPECT_EQ(d.servers[0], "https://crm.example.com/v1");
  ASSERT_EQ(d.operations.size(), 2u);
  const Operation* get = d.find_operation("contacts_get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->http_method, "get");
  EXPECT_EQ(get->path, "/contacts/{id}");
  EXPECT_EQ(get->summary, "One contact");
  ASSERT_EQ(get->parameters.size(), 2u);
  EXPECT_TRUE(get->parameter("id", "path")->required);
  EXPECT_FALSE(get->parameter("expand")->required);
  EXPECT_EQ(get->response_status, 200);
  ASSERT_NE(get->response, nullptr);
  EXPECT_EQ(get->response->name, "Contact");
  EXPECT_EQ(get->pos.line, 12u);
  EXPECT_EQ(get->pos.column, 20u);
  // The recursive schema refers back to itself.
  EXPECT_EQ(get->response->property("manager")->schema, get->response);
  EXPECT_TRUE(get->response->property("age")->schema->nullable);
  EXPECT_EQ(get->response->property("status")->schema->enum_values, (std::vector<std::string>{"active", "archived"}));
  ASSERT_EQ(get->security.size(), 1u);
  EXPECT_EQ(d.security_schemes.at("token").auth_kinds, std::vector<std::string>{"bearer"});
  const Operation* post = d.find_operation("createContact");
  ASSERT_NE(post, nullptr);
  EXPECT_TRUE(post->body_required);
  EXPECT_EQ(post->request_body, get->response);
  EXPECT_EQ(post->response_status, 201);
  EXPECT_EQ(d.find_path("get", "/contacts/42"), get);
  EXPECT_EQ(d.find_path("get", "/contacts/{id}"), get);
  EXPECT_EQ(d.find_path("delete", "/contacts/42"), nullptr);
  EXPECT_TRUE(d.has_path("/contacts"));
  EXPECT_FALSE(d.has_path("/contact"));
}

TEST(OpenApiDocument, LoadsJson31WithTypeArraysAndOtherFiles) {
  const char* main = R"({
  "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
  "paths": {"/pets": {"get": {"operationId": "listPets",
    "responses": {"200": {"description": "ok", "content": {"application/json": {
      "schema": {"type": "array", "items": {"$ref": "./pet.json#/Pet"}}}}}}}}}
})";
  std::map<std::string, std::string> files = {
      {"/specs/pet.json", R"({"Pet": {"type": "object", "properties": {"tag": {"type": ["string", "null"]}}}})"}};
  Reader reader = [&](const std::string& p, std::string& text, std::string& error) {
    auto it = files.find(p);
    if (it == files.end()) {
      error = "No such file or directory";
      return false;
    }
    text = it->second;
    return true;
  };
  LoadResult r = load_document("/specs/main.json", main, reader);
  ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const Operation* op = r.document->find_operation("listPets");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->pos.line, 3u);
  EXPECT_EQ(op->response->type, Schema::Type::Array);
  const Schema* tag = op->response->items->property("tag")->schema;
  EXPECT_EQ(tag->type, Schema::Type::String);
  EXPECT_TRUE(tag->nullable);
  ASSERT_EQ(r.dependencies.size(), 1u);
  EXPECT_EQ(r.dependencies[0].first, "/specs/pet.json");
  // Without the other file the ref is an error at the $ref.
  LoadResult missing = load_document("/specs/main.json", main);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.errors[0].pos.line, 5u);
  EXPECT_NE(missing.errors[0].message.find("pet.json"), std::string::npos);
}

TEST(OpenApiDocument, ErrorsCarryTheDocumentsLineAndColumn) {
  LoadResult j = load_document("a.json", "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.errors[0].pos.line, 3u);
  EXPECT_EQ(j.errors[0].pos.column, 13u);
  EXPECT_EQ(j.errors[0].to_string().rfind("a.json:3:13: invalid JSON", 0), 0u) << j.errors[0].to_string();
  LoadResult y = load_document("a.yaml", "openapi: 3.0.0\npaths:\n  /x: [a, b\n");
  ASSERT_FALSE(y.ok());
  EXPECT_GE(y.errors[0].pos.line, 3u);
  EXPECT_NE(y.errors[0].message.find("invalid YAML"), std::string::npos);
  LoadResult ref = load_document("a.yaml", "openapi: 3.0.0\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n"
                                           "          content:\n            application/json:\n"
                                           "              schema: { $ref: '#/components/schemas/Nope' }\n");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.errors[0].pos.line, 9u);
  EXPECT_EQ(ref.errors[0].message, "unresolved $ref `#/components/schemas/Nope`");
  LoadResult swagger = load_document("s.json", R"({"swagger": "2.0"})");
  ASSERT_FALSE(swagger.ok());
  EXPECT_NE(swagger.errors[0].message.find("Swagger 2.0"), std::string::npos);
}

TEST(OpenApiDocument, MethodNames) {
  EXPECT_EQ(method_name("repos/get"), "repos_get");
  EXPECT_EQ(method_name("get-user.by id"), "get_user_by_id");
  EXPECT_EQ(method_name("2fa"), "_2fa");
}

TEST(OpenApiDocument, CacheParsesOneTextOnce) {
  DocumentCache cache;
  auto a = cache.get("/s/crm.yaml", kYaml);
  auto b = cache.get("/s/crm.yaml", kYaml);
  EXPECT_EQ(a, b);
  EXPECT_EQ(cache.stats().loaded, 1u);
  EXPECT_EQ(cache.stats().reused, 1u);
  std::string changed = std::string(kYaml) + "\n";
  auto c = cache.get("/s/crm.yaml", changed);
  EXPECT_NE(a, c);
  EXPECT_EQ(cache.stats().loaded, 2u);
}

}  // namespace
}  // namespace weft::openapi

namespace weft::openapi {
namespace {

/// Every prefix and many one-byte changes of a YAML and a JSON document: loading never throws or
/// crashes, and a failure always says where.
TEST(OpenApiDocument, BrokenDocumentsAreErrorsNeverCrashes) {
  std::string json = R"({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
  "paths": {"/a/{id}": {"parameters": [{"$ref": "#/components/parameters/id"}],
    "get": {"operationId": "a", "responses": {"200": {"content": {"application/json":
      {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
  "components": {"parameters": {"id": {"name": "id", "in": "path", "schema": {"type": "string"}}},
    "schemas": {"A": {"allOf": [{"$ref": "#/components/schemas/A"}], "properties": {"x": {"type": ["string", "null"]}}}}}})";
  for (const std::string& doc : {std::string(kYaml), json}) {
    const char* name = doc[0] == '{' ? "t.json" : "t.yaml";
    for (size_t n = 0; n <= doc.size(); ++n) {
      LoadResult r = load_document(name, doc.substr(0, n));
      if (!r.ok()) {
        ASSERT_FALSE(r.errors.empty()) << n;
        EXPECT_FALSE(r.errors[0].message.empty()) << n;
      }
    }
    const char replacements[] = {'{', ']', ':', '"', '\n', '&'};
    for (size_t i = 0; i < doc.size(); i += 5)
      for (char c : replacements) {
        std::string m = doc;
        m[i] = c;
        LoadResult r = load_document(name, m);
        if (!r.ok()) ASSERT_FALSE(r.errors.empty()) << i << " " << c;
      }
  }
}

}  // namespace
}  // namespace weft::openapi
