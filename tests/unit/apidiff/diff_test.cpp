// The operation diff on hand-built shapes: each kind of change, breaking or safe, and the order.
#include <gtest/gtest.h>

#include "compiler/apidiff/diff.h"

namespace weft::apidiff {
namespace {

using sema::TypeStore;

std::vector<std::string> lines(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) out.push_back(render(c));
  return out;
}

class DiffTest : public ::testing::Test {
 protected:
  TypeStore ts;
  sema::TypeRef issue(bool with_title, sema::TypeRef state, bool labels_optional = true) {
    std::vector<sema::Field> f{sema::make_field("id", TypeStore::int_())};
    if (with_title) f.push_back(sema::make_field("title", TypeStore::string()));
    f.push_back(sema::make_field("state", state));
    f.push_back(sema::make_field("labels", ts.list(ts.record({sema::make_field("name", TypeStore::string())})),
                                 labels_optional));
    return ts.record(f, "issue");
  }
  sema::TypeRef states(std::vector<std::string> v) {
    std::vector<sema::TypeRef> m;
    for (auto& s : v) m.push_back(ts.literal(s));
    return ts.union_of(m);
  }
  OperationShape get(sema::TypeRef response) {
    return {"issues_get", "GET", "/issues/{n}", {{"n", "path", true, TypeStore::int_()}}, nullptr, false, response};
  }
};

TEST_F(DiffTest, SameDocumentHasNoChanges) {
  auto t = issue(true, states({"open", "closed"}));
  EXPECT_TRUE(diff({get(t)}, {get(t)}).empty());
  // Structurally equal types built twice compare equal too.
  EXPECT_TRUE(diff({get(issue(true, states({"open", "closed"})))}, {get(issue(true, states({"open", "closed"})))}).empty());
}

TEST_F(DiffTest, OperationsRemovedAndAdded) {
  OperationShape list{"issues_list", "GET", "/issues", {}, nullptr, false, nullptr};
  auto changes = diff({get(nullptr)}, {list});
  EXPECT_EQ(lines(changes), (std::vector<std::string>{"breaking: issues_get: operation removed (GET /issues/{n})",
                                                      "safe: issues_list: operation added (GET /issues)"}));
}

TEST_F(DiffTest, MovedOperationIsBreaking) {
  auto b = get(nullptr);
  b.path = "/tickets/{n}";
  EXPECT_EQ(lines(diff({get(nullptr)}, {b})),
            std::vector<std::string>{"breaking: issues_get: moved from GET /issues/{n} to GET /tickets/{n}"});
}

TEST_F(DiffTest, ResponseFieldRemovedRetypedAndAdded) {
  auto a = issue(true, states({"open", "closed"}));
  // `title` removed, `id` now a string, `labels[].name` now optional, a new `body`.
  auto b = ts.record({sema::make_field("id", TypeStore::string()), sema::make_field("state", states({"open", "closed"})),
                      sema::make_field("labels", ts.list(ts.record({sema::make_field("name", TypeStore::string(), true)})), true),
                      sema::make_field("body", TypeStore::string(), true)},
                     "issue");
  EXPECT_EQ(lines(diff({get(a)}, {get(b)})),
            (std::vector<std::string>{"breaking: issues_get: response field `id` changed type from `int` to `string`",
                                      "breaking: issues_get: response field `labels[].name` is now optional",
                                      "breaking: issues_get: response field `title` removed",
                                      "safe: issues_get: new response field `body`"}));
}

TEST_F(DiffTest, ResponseWideningIsBreakingNarrowingIsSafe) {
  auto num = [&](sema::TypeRef t) { return ts.record({sema::make_field("n", t)}); };
  EXPECT_EQ(lines(diff({get(num(TypeStore::int_()))}, {get(num(TypeStore::float_()))})),
            std::vector<std::string>{"breaking: issues_get: response field `n` changed type from `int` to `float`"});
  EXPECT_EQ(lines(diff({get(num(TypeStore::float_()))}, {get(num(TypeStore::int_()))})),
            std::vector<std::string>{"safe: issues_get: response field `n` changed type from `float` to `int`"});
  EXPECT_EQ(lines(diff({get(num(TypeStore::int_()))}, {get(num(ts.optional(TypeStore::int_())))})),
            std::vector<std::string>{"breaking: issues_get: response field `n` may now be null"});
}

TEST_F(DiffTest, EnumValuesRemovedAndAdded) {
  auto a = issue(true, states({"open", "closed"}));
  auto b = issue(true, states({"open", "draft"}));
  EXPECT_EQ(lines(diff({get(a)}, {get(b)})),
            (std::vector<std::string>{"breaking: issues_get: enum value \"closed\" of response field `state` removed",
                                      "safe: issues_get: enum value \"draft\" of response field `state` added"}));
}

TEST_F(DiffTest, Parameters) {
  OperationShape a{"issues_list", "GET", "/issues",
                   {{"state", "query", false, states({"open", "closed", "all"})}, {"page", "query", false, TypeStore::int_()},
                    {"sort", "query", false, TypeStore::string()}},
                   nullptr, false, nullptr};
  OperationShape b = a;
  b.params = {{"state", "query", false, states({"open", "closed"})}, {"page", "query", true, TypeStore::int_()},
              {"org", "query", true, TypeStore::string()}, {"per_page", "query", false, TypeStore::int_()}};
  EXPECT_EQ(lines(diff({a}, {b})),
            (std::vector<std::string>{"breaking: issues_list: enum value \"all\" of parameter `state` removed",
                                      "breaking: issues_list: new required parameter `org` (query)",
                                      "breaking: issues_list: parameter `page` is now required",
                                      "breaking: issues_list: parameter `sort` removed",
                                      "safe: issues_list: new optional parameter `per_page` (query)"}));
  // A parameter's type: what flows pass must still fit (int → float is safe, float → int is not).
  a.params = {{"n", "query", false, TypeStore::int_()}};
  b.params = {{"n", "query", false, TypeStore::float_()}};
  EXPECT_EQ(lines(diff({a}, {b})), std::vector<std::string>{"safe: issues_list: parameter `n` changed type from `int` to `float`"});
  EXPECT_EQ(lines(diff({b}, {a})), std::vector<std::string>{"breaking: issues_list: parameter `n` changed type from `float` to `int`"});
}

TEST_F(DiffTest, RequestBodyFields) {
  auto body = [&](std::vector<sema::Field> f) { return ts.record(std::move(f), "new_issue"); };
  OperationShape a{"issues_create", "POST", "/issues", {},
                   body({sema::make_field("title", TypeStore::string()), sema::make_field("labels", ts.list(TypeStore::string()), true),
                         sema::make_field("milestone", TypeStore::int_(), true)}),
                   true, nullptr};
  OperationShape b = a;
  b.request = body({sema::make_field("title", TypeStore::string()), sema::make_field("milestone", TypeStore::int_()),
                    sema::make_field("assignee", TypeStore::string(), true), sema::make_field("repo", TypeStore::string())});
  EXPECT_EQ(lines(diff({a}, {b})),
            (std::vector<std::string>{"breaking: issues_create: new required request field `repo`",
                                      "breaking: issues_create: request field `labels` removed",
                                      "breaking: issues_create: request field `milestone` is now required",
                                      "safe: issues_create: new optional request field `assignee`"}));
  OperationShape none = a;
  none.request = nullptr;
  EXPECT_EQ(lines(diff({a}, {none})), std::vector<std::string>{"breaking: issues_create: the request body was removed"});
  EXPECT_EQ(lines(diff({none}, {a})), std::vector<std::string>{"breaking: issues_create: a required request body was added"});
}

TEST_F(DiffTest, RecursiveRecordsTerminate) {
  auto make = [&](bool with_name) {
    sema::Type* node = ts.new_named_record("node");
    node->fields.push_back(sema::make_field("children", ts.list(node)));
    if (with_name) node->fields.push_back(sema::make_field("name", TypeStore::string()));
    return static_cast<sema::TypeRef>(node);
  };
  EXPECT_EQ(lines(diff({get(make(true))}, {get(make(false))})),
            std::vector<std::string>{"breaking: issues_get: response field `name` removed"});
}

TEST_F(DiffTest, JsonIsNeverRetyped) {
  auto rec = [&](sema::TypeRef t) { return ts.record({sema::make_field("x", t)}); };
  EXPECT_TRUE(diff({get(rec(TypeStore::json()))}, {get(rec(TypeStore::int_()))}).empty());
  EXPECT_TRUE(diff({get(rec(TypeStore::int_()))}, {get(rec(TypeStore::json()))}).empty());
}

}  // namespace
}  // namespace weft::apidiff
