#include <gtest/gtest.h>

#include "helpers.h"
#include "stdlib/functions/signatures.h"

using namespace weft::functions::testing;

TEST(MapFunctions, KeysValuesEntries) {
  EXPECT_EQ(run("keys", R"([{"b": 1, "a": 2}])"), J(R"(["b", "a"])"));
  EXPECT_EQ(run("values", R"([{"b": 1, "a": 2}])"), J("[1, 2]"));
  EXPECT_EQ(run("entries", R"([{"a": 1}])"), J(R"([{"key": "a", "value": 1}])"));
  EXPECT_EQ(run("entries", "[{}]"), J("[]"));
  EXPECT_EQ(run("from_entries", R"([[{"key": "a", "value": 1}, {"key": "b"}, {"key": "a", "value": 3}]])"),
            J(R"({"a": 3, "b": null})"));
  EXPECT_NE(error_of("from_entries", R"([[{"k": "a"}]])").find("element 0 is not a { key: string, value } object"),
            std::string::npos);
  EXPECT_NE(error_of("keys", "[[1]]").find("argument `m`: expected a map or object, got list"), std::string::npos);
}

TEST(MapFunctions, MergePickOmitHasGet) {
  EXPECT_EQ(run("merge", R"([{"a": 1, "b": 2}, {"b": 3}])"), J(R"({"a": 1, "b": 3})"));
  EXPECT_EQ(run("merge", R"([{"a": 1}, {"b": "x"}, {"a": null}])"), J(R"({"a": null, "b": "x"})"));
  EXPECT_NE(error_of("merge", R"([{"a": 1}, 2])").find("argument `maps`: expected a map or object, got int"),
            std::string::npos);
  EXPECT_NE(error_of("merge", "[]").find("expected at least 1 argument"), std::string::npos);
  EXPECT_EQ(run("pick", R"([{"a": 1, "b": 2, "c": 3}, ["a", "c", "z"]])"), J(R"({"a": 1, "c": 3})"));
  EXPECT_EQ(run("omit", R"([{"a": 1, "b": 2, "c": 3}, ["a", "c", "z"]])"), J(R"({"b": 2})"));
  EXPECT_NE(error_of("pick", R"([{}, [1]])").find("argument `keys`: element 0 is int"), std::string::npos);
  EXPECT_EQ(run("has", R"([{"a": null}, "a"])"), J("true"));
  EXPECT_EQ(run("has", R"([{"a": null}, "b"])"), J("false"));
  EXPECT_EQ(run("get", R"([{"a": 1}, "a"])"), J("1"));
  EXPECT_EQ(run("get", R"([{"a": 1}, "b"])"), J("null"));
  EXPECT_EQ(run("get", "[[1, 2, 3], -1]"), J("3"));
  EXPECT_EQ(run("get", "[[1, 2, 3], 3]"), J("null"));
  EXPECT_EQ(run("get", "[[1, 2, 3], -4]"), J("null"));
  EXPECT_NE(error_of("get", R"(["s", "a"])").find("expected a map or a list, got string"), std::string::npos);
}

TEST(NumberFunctions, AbsRoundFloorCeil) {
  EXPECT_EQ(run("abs", "[-3]"), J("3"));
  EXPECT_TRUE(run("abs", "[-3]").is_int64());
  EXPECT_EQ(run("abs", "[-2.5]"), J("2.5"));
  EXPECT_NE(error_of("abs", "[-9223372036854775808]").find("integer overflow"), std::string::npos);
  EXPECT_EQ(run("round", "[2.5]"), J("3"));
  EXPECT_EQ(run("round", "[-2.5]"), J("-3"));
  EXPECT_EQ(run("round", "[2.4]"), J("2"));
  EXPECT_TRUE(run("round", "[2.4]").is_int64());
  EXPECT_EQ(run("round", "[7]"), J("7"));
  EXPECT_EQ(run("round", "[3.14159, 2]"), J("3.14"));
  EXPECT_EQ(run("round", "[1.005, 2]"), J("1.01"));
  EXPECT_EQ(run("round", "[-1.005, 2]"), J("-1.01"));
  EXPECT_TRUE(run("round", "[3, 2]").is_double());
  EXPECT_NE(error_of("round", "[1e300]").find("not representable as an int"), std::string::npos);
  EXPECT_NE(error_of("round", "[1.5, 16]").find("must be between 0 and 15"), std::string::npos);
  EXPECT_EQ(run("floor", "[-1.5]"), J("-2"));
  EXPECT_EQ(run("ceil", "[1.2]"), J("2"));
  EXPECT_EQ(run("ceil", "[-1.2]"), J("-1"));
  EXPECT_EQ(run("floor", "[4]"), J("4"));
}

TEST(NumberFunctions, Conversions) {
  EXPECT_EQ(run("to_int", "[-2.7]"), J("-2"));
  EXPECT_EQ(run("to_int", "[2.7]"), J("2"));
  EXPECT_EQ(run("to_int", "[5]"), J("5"));
  EXPECT_NE(error_of("to_int", "[1e20]").find("not representable"), std::string::npos);
  EXPECT_NE(error_of("to_int", R"(["5"])").find("expected a number, got string"), std::string::npos);
  auto f = run("to_float", "[3]");
  EXPECT_TRUE(f.is_double());
  EXPECT_EQ(f.as_double(), 3.0);
  EXPECT_EQ(run("parse_int", R"(["42"])"), J("42"));
  EXPECT_EQ(run("parse_int", R"([" -17 "])"), J("-17"));
  EXPECT_EQ(run("parse_int", R"(["+5"])"), J("5"));
  EXPECT_EQ(run("parse_int", R"(["ff", 16])"), J("255"));
  EXPECT_EQ(run("parse_int", R"(["101", 2])"), J("5"));
  EXPECT_EQ(run("parse_int", R"(["12a"])"), J("null"));
  EXPECT_EQ(run("parse_int", R"([""])"), J("null"));
  EXPECT_EQ(run("parse_int", R"(["1.5"])"), J("null"));
  EXPECT_EQ(run("parse_int", R"(["99999999999999999999"])"), J("null"));
  EXPECT_NE(error_of("parse_int", R"(["1", 1])").find("argument `base`: must be between 2 and 36"),
            std::string::npos);
  EXPECT_EQ(run("parse_float", R"(["2.5e3"])"), J("2500.0"));
  EXPECT_EQ(run("parse_float", R"([" -0.25 "])"), J("-0.25"));
  EXPECT_EQ(run("parse_float", R"(["7"])"), J("7.0"));
  EXPECT_EQ(run("parse_float", R"(["abc"])"), J("null"));
  EXPECT_EQ(run("parse_float", R"(["inf"])"), J("null"));
  EXPECT_EQ(run("parse_float", R"(["nan"])"), J("null"));
  EXPECT_EQ(run("parse_float", R"(["1e999"])"), J("null"));
}

TEST(MiscFunctions, TypeOfCoalesce) {
  EXPECT_EQ(run("type_of", "[null]"), J(R"("null")"));
  EXPECT_EQ(run("type_of", "[true]"), J(R"("bool")"));
  EXPECT_EQ(run("type_of", "[1]"), J(R"("int")"));
  EXPECT_EQ(run("type_of", "[1.5]"), J(R"("float")"));
  EXPECT_EQ(run("type_of", R"(["s"])"), J(R"("string")"));
  EXPECT_EQ(run("type_of", "[[1]]"), J(R"("list")"));
  EXPECT_EQ(run("type_of", "[{}]"), J(R"("object")"));
  EXPECT_EQ(run("coalesce", "[null, 2, 3]"), J("2"));
  EXPECT_EQ(run("coalesce", "[false, 2]"), J("false"));
  EXPECT_NE(error_of("coalesce", "[null, null]").find("coalesce: every argument is null"), std::string::npos);
}

TEST(Dispatch, UnknownFunctionAndArity) {
  EXPECT_NE(error_of("nope", "[]").find("nope: unknown function"), std::string::npos);
  EXPECT_NE(error_of("split", R"(["a"])").find("split: expected 2 arguments, got 1"), std::string::npos);
  EXPECT_NE(error_of("substring", R"(["a", 1, 2, 3])").find("expected 2 to 3 arguments, got 4"),
            std::string::npos);
  EXPECT_TRUE(weft::functions::has_function("lower"));
  EXPECT_FALSE(weft::functions::has_function("env"));
}

TEST(Dispatch, EveryTableNameIsImplemented) {
  for (const auto& s : weft::functions::signatures()) EXPECT_TRUE(weft::functions::has_function(s.name)) << s.name;
}

TEST(Robustness, HugeOrOddInputsGiveErrorsNotCrashes) {
  EXPECT_EQ(run("parse_int", R"(["+-5"])"), J("null"));
  EXPECT_EQ(run("parse_float", R"(["+-5"])"), J("null"));
  EXPECT_EQ(run("parse_float", R"(["+"])"), J("null"));
  EXPECT_EQ(run("format_number", "[18446744073709551615]"), J(R"("18,446,744,073,709,551,616")"));
  std::string big(100000, 'a');
  EXPECT_NE(error_of("replace", "[\"" + big + "\", \"a\", \"" + std::string(1000, 'b') + "\"]")
                .find("larger than 64 MiB"),
            std::string::npos);
  EXPECT_NE(error_of("pad_left", R"(["x", 99999999999])").find("must be at most 1000000"), std::string::npos);
  EXPECT_NE(error_of("len", R"([1, 2])").find("expected 1 argument, got 2"), std::string::npos);
}
