// diff_files on small hand-written documents (JSON and YAML): loading, the schema → type mapping
// and the diff together, and errors for documents that cannot be used.
#include <gtest/gtest.h>

#include <map>

#include "compiler/apidiff/documents.h"
#include "compiler/driver/driver.h"

namespace weft::apidiff {
namespace {

const char* kOld = R"({
  "openapi": "3.0.3",
  "info": { "title": "Shop", "version": "1" },
  "paths": {
    "/orders/{id}": {
      "get": {
        "operationId": "orders.get",
        "parameters": [ { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                        { "name": "X-Trace", "in": "header", "schema": { "type": "string" } } ],
        "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Order" } } } } }
      }
    }
  },
  "components": { "schemas": { "Order": { "type": "object", "required": ["id", "total"],
    "properties": { "id": { "type": "string" }, "total": { "type": "number" },
                    "status": { "type": "string", "enum": ["new", "paid", "shipped"] },
                    "lines": { "type": "array", "items": { "type": "object", "required": ["sku"], "properties": { "sku": { "type": "string" }, "qty": { "type": "integer" } } } } } } } }
})";

// The same API in YAML: `lines[].qty` became a string, "shipped" is gone, the header parameter
// (not a named argument) changed, an optional `currency` came.
const char* kNew = R"(openapi: 3.1.0
info: { title: Shop, version: "2" }
paths:
  /orders/{id}:
    get:
      operationId: orders.get
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
        - { name: X-Trace, in: header, required: true, schema: { type: integer } }
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, total]
                properties:
                  id: { type: string }
                  total: { type: number }
                  currency: { type: string }
                  status: { type: string, enum: [new, paid] }
                  lines:
                    type: array
                    items:
                      type: object
                      required: [sku]
                      properties: { sku: { type: string }, qty: { type: string } }
)";

TEST(DiffFiles, JsonAgainstYaml) {
  driver::MemoryResolver f({{"/a/shop.json", kOld}, {"/a/shop.yaml", kNew}});
  std::string error;
  auto changes = diff_files("/a/shop.json", "/a/shop.yaml", f, error);
  ASSERT_TRUE(changes) << error;
  std::vector<std::string> lines;
  for (const auto& c : *changes) lines.push_back(render(c));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "breaking: orders_get: enum value \"shipped\" of response field `status` removed",
                       "breaking: orders_get: response field `lines[].qty` changed type from `int` to `string`",
                       "safe: orders_get: new response field `currency`",
                   }));
}

TEST(DiffFiles, ADocumentAgainstItselfHasNoChanges) {
  driver::MemoryResolver f(std::map<std::string, std::string>{{"/a/shop.json", kOld}});
  std::string error;
  auto changes = diff_files("/a/shop.json", "/a/shop.json", f, error);
  ASSERT_TRUE(changes) << error;
  EXPECT_TRUE(changes->empty());
}

TEST(DiffFiles, UnreadableAndInvalidDocumentsAreErrorsWithTheirPlace) {
  driver::MemoryResolver f({{"/a/shop.json", kOld}, {"/a/bad.json", "{\n  \"openapi\": \"3.0.3\",\n  \"paths\": [\n}"}});
  std::string error;
  EXPECT_FALSE(diff_files("/a/shop.json", "/a/missing.json", f, error));
  EXPECT_NE(error.find("/a/missing.json: cannot read the document: No such file or directory"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(diff_files("/a/bad.json", "/a/shop.json", f, error));
  EXPECT_NE(error.find("/a/bad.json:4:"), std::string::npos) << error;
}

}  // namespace
}  // namespace weft::apidiff
