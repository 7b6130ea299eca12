#include <gtest/gtest.h>

#include "helpers.h"

using namespace weft::functions;
using namespace weft::functions::testing;
namespace json = boost::json;

namespace {

// Calls a function whose argument at position `at` is a lambda.
json::value with_lambda(std::string_view name, std::vector<json::value> before, Callable f,
                        std::vector<json::value> after = {}) {
  std::vector<Value> args(before.begin(), before.end());
  args.emplace_back(std::move(f));
  args.insert(args.end(), after.begin(), after.end());
  FixedContext ctx;
  return call(name, args, ctx);
}

std::string lambda_error(std::string_view name, std::vector<json::value> before, Callable f) {
  try {
    with_lambda(name, std::move(before), std::move(f));
  } catch (const FunctionError& e) {
    return e.what();
  }
  return "";
}

Callable times2 = [](std::span<const json::value> a) -> json::value { return a[0].as_int64() * 2; };
Callable is_even = [](std::span<const json::value> a) -> json::value { return a[0].as_int64() % 2 == 0; };

}  // namespace

TEST(ListFunctions, MapFilterReduceFind) {
  EXPECT_EQ(with_lambda("map", {J("[1, 2, 3]")}, times2), J("[2, 4, 6]"));
  EXPECT_EQ(with_lambda("map", {J("[]")}, times2), J("[]"));
  EXPECT_EQ(with_lambda("filter", {J("[1, 2, 3, 4]")}, is_even), J("[2, 4]"));
  Callable add = [](std::span<const json::value> a) -> json::value {
    return a[0].as_int64() + a[1].as_int64();
  };
  EXPECT_EQ(with_lambda("reduce", {J("[1, 2, 3]")}, add, {J("10")}), J("16"));
  EXPECT_EQ(with_lambda("reduce", {J("[]")}, add, {J("10")}), J("10"));
  EXPECT_EQ(with_lambda("find", {J("[1, 5, 8]")}, is_even), J("8"));
  EXPECT_EQ(with_lambda("find", {J("[1, 5]")}, is_even), J("null"));
  EXPECT_NE(lambda_error("filter", {J("[1]")}, times2)
                .find("filter: argument `f`: the function returned int, expected a bool"),
            std::string::npos);
  EXPECT_NE(error_of("map", "[[1], 2]").find("argument `f`: expected a function"), std::string::npos);
  EXPECT_NE(lambda_error("map", {J("{}")}, times2).find("argument `xs`: expected a list, got object"),
            std::string::npos);
}

TEST(ListFunctions, LambdaErrorsPassThrough) {
  Callable boom = [](std::span<const json::value>) -> json::value { throw std::logic_error("eval failed"); };
  EXPECT_THROW(with_lambda("map", {J("[1]")}, boom), std::logic_error);
}

TEST(ListFunctions, AnyAll) {
  EXPECT_EQ(with_lambda("any", {J("[1, 3, 4]")}, is_even), J("true"));
  EXPECT_EQ(with_lambda("any", {J("[1, 3]")}, is_even), J("false"));
  EXPECT_EQ(with_lambda("all", {J("[2, 4]")}, is_even), J("true"));
  EXPECT_EQ(with_lambda("all", {J("[2, 3]")}, is_even), J("false"));
  EXPECT_EQ(with_lambda("all", {J("[]")}, is_even), J("true"));
  EXPECT_EQ(run("any", "[[false, true]]"), J("true"));
  EXPECT_EQ(run("any", "[[]]"), J("false"));
  EXPECT_EQ(run("all", "[[true, true]]"), J("true"));
  EXPECT_EQ(run("all", "[[true, false]]"), J("false"));
  EXPECT_NE(error_of("all", "[[true, 1]]").find("element 1 is int, expected a bool"), std::string::npos);
}

TEST(ListFunctions, Sum) {
  auto s = run("sum", "[[1, 2, 3]]");
  EXPECT_TRUE(s.is_int64());
  EXPECT_EQ(s, J("6"));
  EXPECT_EQ(run("sum", "[[]]"), J("0"));
  auto f = run("sum", "[[1.5, 2]]");
  EXPECT_TRUE(f.is_double());
  EXPECT_EQ(f.as_double(), 3.5);
  EXPECT_NE(error_of("sum", "[[9223372036854775807, 1]]").find("integer overflow"), std::string::npos);
  EXPECT_NE(error_of("sum", R"([[1, "2"]])").find("element 1 is string, expected a number"), std::string::npos);
}

TEST(ListFunctions, MinMax) {
  EXPECT_EQ(run("min", "[[3, 1, 2]]"), J("1"));
  EXPECT_EQ(run("max", "[[3, 1, 2]]"), J("3"));
  EXPECT_EQ(run("max", "[[1, 2.5, 2]]"), J("2.5"));
  EXPECT_EQ(run("min", "[[]]"), J("null"));
  EXPECT_EQ(run("max", R"([["b", "c", "a"]])"), J(R"("c")"));
  EXPECT_EQ(run("max", R"([["2024-03-08T10:00:00.000Z", "2024-03-09T00:00:00.000Z"]])"),
            J(R"("2024-03-09T00:00:00.000Z")"));
  EXPECT_EQ(run("min", "[3, 1]"), J("1"));
  EXPECT_EQ(run("max", "[3, 1]"), J("3"));
  EXPECT_EQ(run("min", "[[2, 1, 1.0]]"), J("1"));  // the first of equal minima
  EXPECT_NE(error_of("min", R"([[1, "a"]])").find("cannot compare string with int"), std::string::npos);
  EXPECT_NE(error_of("max", R"([[{}, {}]])").find("cannot compare object with object"), std::string::npos);
}

TEST(ListFunctions, SortIsStable) {
  EXPECT_EQ(run("sort", "[[3, 1, 2.5, 2]]"), J("[1, 2, 2.5, 3]"));
  EXPECT_EQ(run("sort", "[[3, 1, 2], true]"), J("[3, 2, 1]"));
  EXPECT_EQ(run("sort", R"([["b", "a", "B"]])"), J(R"(["B", "a", "b"])"));
  EXPECT_EQ(run("sort", "[[]]"), J("[]"));
  EXPECT_NE(error_of("sort", R"([[1, "a"]])").find("cannot compare"), std::string::npos);
  Callable by_n = [](std::span<const json::value> a) -> json::value { return a[0].at("n"); };
  auto xs = J(R"([{"n": 2, "id": "a"}, {"n": 1, "id": "b"}, {"n": 2, "id": "c"}, {"n": 1, "id": "d"}])");
  EXPECT_EQ(with_lambda("sort_by", {xs}, by_n),
            J(R"([{"n": 1, "id": "b"}, {"n": 1, "id": "d"}, {"n": 2, "id": "a"}, {"n": 2, "id": "c"}])"));
  EXPECT_EQ(with_lambda("sort_by", {xs}, by_n, {J("true")}),
            J(R"([{"n": 2, "id": "a"}, {"n": 2, "id": "c"}, {"n": 1, "id": "b"}, {"n": 1, "id": "d"}])"));
}

TEST(ListFunctions, GroupByUniqueFlatten) {
  Callable len_key = [](std::span<const json::value> a) -> json::value {
    return json::string(std::to_string(a[0].as_string().size()));
  };
  EXPECT_EQ(with_lambda("group_by", {J(R"(["ab", "c", "de"])")}, len_key),
            J(R"({"2": ["ab", "de"], "1": ["c"]})"));
  auto g = with_lambda("group_by", {J(R"(["ab", "c", "de"])")}, len_key).as_object();
  EXPECT_EQ(g.begin()->key(), "2");  // groups in order of first appearance
  EXPECT_NE(lambda_error("group_by", {J("[1]")}, times2).find("returned int, expected a string key"),
            std::string::npos);
  EXPECT_EQ(run("unique", "[[1, 2, 1, 3, 2, 1.0]]"), J("[1, 2, 3]"));
  EXPECT_EQ(run("unique", R"([[{"a": 1, "b": 2}, {"b": 2, "a": 1}, "x", "x"]])"), J(R"([{"a": 1, "b": 2}, "x"])"));
  EXPECT_EQ(run("flatten", "[[[1, 2], [], [3, [4]]]]"), J("[1, 2, 3, [4]]"));
  EXPECT_EQ(run("flatten", "[[]]"), J("[]"));
}

TEST(ListFunctions, FirstLastTakeSkip) {
  EXPECT_EQ(run("first", "[[7, 8]]"), J("7"));
  EXPECT_EQ(run("last", "[[7, 8]]"), J("8"));
  EXPECT_EQ(run("first", "[[]]"), J("null"));
  EXPECT_EQ(run("last", "[[]]"), J("null"));
  EXPECT_EQ(run("take", "[[1, 2, 3], 2]"), J("[1, 2]"));
  EXPECT_EQ(run("take", "[[1, 2, 3], 10]"), J("[1, 2, 3]"));
  EXPECT_EQ(run("skip", "[[1, 2, 3], 2]"), J("[3]"));
  EXPECT_EQ(run("skip", "[[1, 2, 3], 5]"), J("[]"));
  EXPECT_NE(error_of("take", "[[1], -1]").find("argument `n`: must not be negative"), std::string::npos);
}

TEST(ListFunctions, ZipIndexOf) {
  EXPECT_EQ(run("zip", R"([[1, 2], ["a", "b", "c"]])"),
            J(R"([{"left": 1, "right": "a"}, {"left": 2, "right": "b"}])"));
  EXPECT_EQ(run("zip", R"([[], [1]])"), J("[]"));
  EXPECT_EQ(run("index_of", R"([["a", "b"], "b"])"), J("1"));
  EXPECT_EQ(run("index_of", R"([["a", "b"], "z"])"), J("-1"));
  EXPECT_EQ(run("index_of", R"(["héllo", "l"])"), J("2"));
  EXPECT_EQ(run("index_of", R"(["héllo", "z"])"), J("-1"));
  EXPECT_NE(error_of("index_of", "[1, 1]").find("expected a list or a string"), std::string::npos);
}
