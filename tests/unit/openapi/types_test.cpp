// compiler/sema/openapi_types: every schema → type rule of docs/design-language.md §4.
#include <gtest/gtest.h>

#include "compiler/openapi/document.h"
#include "compiler/sema/openapi_types.h"

namespace weft::sema {
namespace {

const char* kDoc = R"(openapi: 3.1.0
info: { title: rules, version: "1" }
paths: {}
components:
  schemas:
    Record: { type: object, required: [id], properties: { id: { type: string }, n: { type: integer } } }
    Enum: { type: string, enum: [open, closed] }
    Nullable30: { type: string, nullable: true }
    Nullable31: { type: [integer, "null"] }
    NullableRef: { allOf: [ { $ref: "#/components/schemas/Record" } ], nullable: true }
    List: { type: array, items: { type: number } }
    Map: { type: object, additionalProperties: { type: boolean } }
    Merged:
      allOf:
        - $ref: "#/components/schemas/Record"
        - { type: object, required: [n, extra], properties: { extra: { type: string } } }
    Int: { type: integer, format: int64 }
    Float: { type: number, format: double }
    Bool: { type: boolean }
    Date: { type: string, format: date-time }
    OneOf: { oneOf: [ { type: string }, { type: integer } ] }
    AnyOf: { anyOf: [ { type: string } ] }
    Untyped: { description: anything }
    FreeObject: { type: object }
    Tree: { type: object, properties: { children: { type: array, items: { $ref: "#/components/schemas/Tree" } } } }
)";

class SchemaRules : public ::testing::Test {
 protected:
  void SetUp() override {
    loaded_ = openapi::load_document("rules.yaml", kDoc);
    ASSERT_TRUE(loaded_.ok()) << loaded_.errors[0].to_string();
  }
  std::string type(const char* name) {
    const auto& schemas = loaded_.document->schemas;
    auto it = schemas.find(name);
    if (it == schemas.end()) return "(no schema)";
    return to_string(types_.type_of(it->second));
  }
  /// The type with each named record written out.
  std::string fields(const char* name) {
    TypeRef t = strip_optional(types_.type_of(loaded_.document->schemas.at(name)));
    std::string out;
    for (const auto& f : t->fields) out += f.name + (f.optional ? "?: " : ": ") + to_string(f.type) + "; ";
    return out;
  }
  openapi::LoadResult loaded_;
  TypeStore store_;
  SchemaTypes types_{store_};
};

TEST_F(SchemaRules, ObjectIsARecordWithRequiredAndOptionalFields) {
  EXPECT_EQ(type("Record"), "Record");
  EXPECT_EQ(fields("Record"), "id: string; n?: int; ");
}

TEST_F(SchemaRules, StringEnumIsALiteralUnion) { EXPECT_EQ(type("Enum"), "\"open\" | \"closed\""); }

TEST_F(SchemaRules, NullableAndNullTypeAreOptional) {
  EXPECT_EQ(type("Nullable30"), "string?");
  EXPECT_EQ(type("Nullable31"), "int?");
  EXPECT_EQ(type("NullableRef"), "NullableRef?");
}

TEST_F(SchemaRules, ArrayIsAListAndAdditionalPropertiesAMap) {
  EXPECT_EQ(type("List"), "[float]");
  EXPECT_EQ(type("Map"), "map<bool>");
}

TEST_F(SchemaRules, AllOfIsTheMergedRecord) {
  EXPECT_EQ(fields("Merged"), "id: string; n: int; extra: string; ");
}

TEST_F(SchemaRules, ScalarsAndFormats) {
  EXPECT_EQ(type("Int"), "int");
  EXPECT_EQ(type("Float"), "float");
  EXPECT_EQ(type("Bool"), "bool");
  EXPECT_EQ(type("Date"), "string");
}

TEST_F(SchemaRules, OneOfAnyOfAndTheRestAreJson) {
  EXPECT_EQ(type("OneOf"), "json");
  EXPECT_EQ(type("AnyOf"), "json");
  EXPECT_EQ(type("Untyped"), "json");
  EXPECT_EQ(type("FreeObject"), "json");
}

TEST_F(SchemaRules, ARecursiveSchemaIsJsonWhereItRecurs) {
  EXPECT_EQ(type("Tree"), "Tree");
  EXPECT_EQ(fields("Tree"), "children?: [json]; ");
}

TEST_F(SchemaRules, ParametersAreARecord) {
  const char* doc = R"(openapi: 3.0.0
info: { title: p, version: "1" }
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, schema: { type: integer } }
        - { name: limit, in: query, schema: { type: integer } }
        - { name: X-Trace, in: header, schema: { type: string } }
      responses: { "204": { description: none } }
)";
  auto r = openapi::load_document("p.yaml", doc);
  ASSERT_TRUE(r.ok());
  const auto* op = r.document->find_operation("getItem");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(to_string(types_.parameters_of(*op)), "{ id: int, limit?: int }");
  EXPECT_EQ(op->response_status, 204);
  EXPECT_EQ(op->response, nullptr);
}

}  // namespace
}  // namespace weft::sema
