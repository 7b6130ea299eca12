// Unary and binary operators over every valid operand type pair, and invalid pairs as errors.
#include "helpers.h"

namespace weft::eval::testing {
namespace {

class Operators : public ::testing::Test, public Fixture {
 protected:
  json::value bin(std::string op, json::value a, json::value b) { return ev(B(op, C(a), C(b))); }
  Error bin_err(std::string op, json::value a, json::value b) { return err(B(op, C(a), C(b))); }
};

TEST_F(Operators, IntArithmeticStaysInt) {
  auto v = bin("+", 2, 3);
  ASSERT_TRUE(v.is_int64());
  EXPECT_EQ(v.get_int64(), 5);
  EXPECT_EQ(bin("-", 2, 3), json::value(-1));
  EXPECT_EQ(bin("*", -4, 3), json::value(-12));
  EXPECT_EQ(bin("%", 7, 3), json::value(1));
}

TEST_F(Operators, IntDivisionTruncatesTowardZero) {
  auto v = bin("/", 7, 2);
  ASSERT_TRUE(v.is_int64());
  EXPECT_EQ(v.get_int64(), 3);
  EXPECT_EQ(bin("/", -7, 2), json::value(-3));
  EXPECT_EQ(bin("/", 7, -2), json::value(-3));
  EXPECT_EQ(bin("%", -7, 2), json::value(-1));
  EXPECT_EQ(bin("%", 7, -2), json::value(1));
}

TEST_F(Operators, FloatMixingWidens) {
  auto v = bin("/", 7, 2.0);
  ASSERT_TRUE(v.is_double());
  EXPECT_DOUBLE_EQ(v.get_double(), 3.5);
  EXPECT_DOUBLE_EQ(bin("+", 1, 0.5).get_double(), 1.5);
  EXPECT_DOUBLE_EQ(bin("-", 0.5, 2).get_double(), -1.5);
  EXPECT_DOUBLE_EQ(bin("*", 1.5, 1.5).get_double(), 2.25);
  EXPECT_DOUBLE_EQ(bin("%", 7.5, 2).get_double(), 1.5);
  EXPECT_DOUBLE_EQ(bin("/", 1.0, 4.0).get_double(), 0.25);
}

TEST_F(Operators, IntOverflowIsAFailure) {
  const int64_t max = INT64_MAX, min = INT64_MIN;
  for (auto [op, a, b] : {std::tuple{"+", max, int64_t(1)}, {"-", min, int64_t(1)}, {"*", max, int64_t(2)},
                          {"/", min, int64_t(-1)}}) {
    Error e = bin_err(op, a, b);
    EXPECT_EQ(e.kind(), weft::errors::Kind::failure) << op;
    EXPECT_EQ(e.details().at("code"), "overflow") << op;
  }
  EXPECT_EQ(bin("%", min, -1), json::value(0));
  EXPECT_EQ(err(U("-", C(min))).details().at("code"), "overflow");
  EXPECT_EQ(bin("+", max, 0), json::value(max));
}

TEST_F(Operators, FloatOverflowIsAFailure) {
  EXPECT_EQ(bin_err("*", 1e308, 10.0).details().at("code"), "overflow");
}

TEST_F(Operators, DivisionByZeroIsAFailure) {
  for (auto op : {"/", "%"}) {
    EXPECT_EQ(bin_err(op, 1, 0).details().at("code"), "division_by_zero");
    EXPECT_EQ(bin_err(op, 1.5, 0).details().at("code"), "division_by_zero");
    EXPECT_EQ(bin_err(op, 1, 0.0).details().at("code"), "division_by_zero");
  }
  Error e = bin_err("/", 1, 0);
  EXPECT_EQ(e.kind(), weft::errors::Kind::failure);
  EXPECT_EQ(e.details().at("kind"), "failure");
  EXPECT_EQ(e.details().at("message"), "division by zero");
}

TEST_F(Operators, LargeUnsignedCountsAsFloat) {
  json::value big = uint64_t(18446744073709551615ull);
  EXPECT_TRUE(bin("+", big, 1).is_double());
  EXPECT_EQ(bin(">", big, INT64_MAX), json::value(true));
  EXPECT_EQ(bin("<", INT64_MIN, big), json::value(true));
}

TEST_F(Operators, UnaryMinusAndNot) {
  EXPECT_EQ(ev(U("-", C(5))), json::value(-5));
  EXPECT_DOUBLE_EQ(ev(U("-", C(2.5))).get_double(), -2.5);
  EXPECT_EQ(ev(U("!", C(true))), json::value(false));
  EXPECT_EQ(ev(U("!", C(false))), json::value(true));
  EXPECT_EQ(err(U("!", C(1))).details().at("code"), "type_error");
  EXPECT_EQ(err(U("-", C("x"))).details().at("code"), "type_error");
  EXPECT_EQ(err(U("-", C(nullptr))).details().at("code"), "type_error");
  EXPECT_EQ(err(U("~", C(1))).details().at("code"), "bad_expression");
}

TEST_F(Operators, StringsJoinAndNumbersDoNot) {
  EXPECT_EQ(bin("+", "ab", "cd"), json::value("abcd"));
  EXPECT_EQ(bin("+", "", ""), json::value(""));
  Error e = bin_err("+", "n=", 1);
  EXPECT_EQ(e.details().at("code"), "type_error");
  EXPECT_NE(std::string(e.what()).find("interpolation"), std::string::npos) << e.what();
  EXPECT_EQ(bin_err("+", 1.5, "x").details().at("code"), "type_error");
  EXPECT_EQ(bin_err("+", "x", nullptr).details().at("code"), "type_error");
  EXPECT_EQ(bin_err("-", "a", "b").details().at("code"), "type_error");
  EXPECT_EQ(bin_err("*", "a", 2).details().at("code"), "type_error");
}

TEST_F(Operators, ListsConcatenate) {
  EXPECT_EQ(bin("+", P("[1, 2]"), P("[3]")), P("[1, 2, 3]"));
  EXPECT_EQ(bin("+", P("[]"), P("[]")), P("[]"));
  EXPECT_EQ(bin("+", P("[[1]]"), P("[{\"a\": 1}]")), P("[[1], {\"a\": 1}]"));
  EXPECT_EQ(bin_err("+", P("[1]"), 1).details().at("code"), "type_error");
  EXPECT_EQ(bin_err("+", P("{}"), P("{}")).details().at("code"), "type_error");
  EXPECT_EQ(bin_err("-", P("[1]"), P("[1]")).details().at("code"), "type_error");
}

TEST_F(Operators, DurationsAreIntMilliseconds) {
  EXPECT_EQ(bin("+", 1000, 500), json::value(1500));    // 1s + 500ms
  EXPECT_EQ(bin("-", 60000, 1000), json::value(59000));  // 1m - 1s
  EXPECT_EQ(bin("*", 1000, 3), json::value(3000));
  EXPECT_EQ(bin("/", 10000, 4), json::value(2500));      // 10s / 4 stays a duration
  EXPECT_EQ(bin("<", 999, 1000), json::value(true));
}

TEST_F(Operators, TimePlusAndMinusDuration) {
  EXPECT_EQ(bin("+", "2024-03-08T10:00:00Z", 5400000), json::value("2024-03-08T11:30:00.000Z"));
  EXPECT_EQ(bin("+", 5400000, "2024-03-08T10:00:00Z"), json::value("2024-03-08T11:30:00.000Z"));
  EXPECT_EQ(bin("-", "2024-03-08T10:00:00Z", 86400000), json::value("2024-03-07T10:00:00.000Z"));
  EXPECT_EQ(bin("+", "2024-03-08T11:00:00+01:00", 0), json::value("2024-03-08T10:00:00.000Z"));
  EXPECT_EQ(bin("+", "2024-02-28T12:00:00Z", 86400000), json::value("2024-02-29T12:00:00.000Z"));
}

TEST_F(Operators, TimeMinusTimeIsADuration) {
  auto v = bin("-", "2024-03-08T11:00:00Z", "2024-03-08T10:00:00Z");
  ASSERT_TRUE(v.is_int64());
  EXPECT_EQ(v.get_int64(), 3600000);
  EXPECT_EQ(bin("-", "2024-03-08T10:00:00Z", "2024-03-08T10:00:00.250Z"), json::value(-250));
  EXPECT_EQ(bin("-", "2024-03-08T11:00:00+01:00", "2024-03-08T10:00:00Z"), json::value(0));
}

TEST_F(Operators, TimeArithmeticOutOfRangeFails) {
  EXPECT_EQ(bin_err("+", "9999-12-31T23:59:59Z", 1000).details().at("code"), "overflow");
  EXPECT_EQ(bin_err("-", "0000-01-01T00:00:00Z", 1).details().at("code"), "overflow");
  EXPECT_EQ(bin_err("+", "9999-12-31T23:59:59Z", INT64_MAX).details().at("code"), "overflow");
  // A string that is not a time plus a number is the string + number error.
  EXPECT_EQ(bin_err("+", "tomorrow", 1000).details().at("code"), "type_error");
  EXPECT_EQ(bin_err("-", "2024-03-08T10:00:00Z", "later").details().at("code"), "type_error");
  EXPECT_EQ(bin_err("+", "2024-03-08T10:00:00Z", 1.5).details().at("code"), "type_error");
}

TEST_F(Operators, ComparisonsOnNumbers) {
  EXPECT_EQ(bin("<", 1, 2), json::value(true));
  EXPECT_EQ(bin("<=", 2, 2), json::value(true));
  EXPECT_EQ(bin(">", 2, 2), json::value(false));
  EXPECT_EQ(bin(">=", 2, 2.0), json::value(true));
  EXPECT_EQ(bin("<", 1, 1.5), json::value(true));
  EXPECT_EQ(bin(">", -0.5, -1), json::value(true));
  EXPECT_EQ(bin("<", INT64_MAX - 1, INT64_MAX), json::value(true));  // exact, not via double
}

TEST_F(Operators, ComparisonsOnStringsAreByteOrder) {
  EXPECT_EQ(bin("<", "a", "b"), json::value(true));
  EXPECT_EQ(bin("<", "B", "a"), json::value(true));
  EXPECT_EQ(bin("<", "ab", "abc"), json::value(true));
  EXPECT_EQ(bin(">=", "é", "z"), json::value(true));  // UTF-8 bytes
  EXPECT_EQ(bin("<=", "", ""), json::value(true));
}

TEST_F(Operators, ComparisonsOnTimesAreInstants) {
  // Byte order would say the opposite: "11:00+01:00" > "10:30Z" as text.
  EXPECT_EQ(bin("<", "2024-03-08T11:00:00+01:00", "2024-03-08T10:30:00Z"), json::value(true));
  EXPECT_EQ(bin("<=", "2024-03-08T11:00:00+01:00", "2024-03-08T10:00:00.000Z"), json::value(true));
  EXPECT_EQ(bin(">", "2024-03-08T10:00:00.001Z", "2024-03-08T10:00:00Z"), json::value(true));
}

TEST_F(Operators, TimesAreEqualAsInstants) {
  EXPECT_EQ(bin("==", "2024-03-08T11:00:00+01:00", "2024-03-08T10:00:00Z"), json::value(true));
  EXPECT_EQ(bin("==", "2024-03-08T10:00:00Z", "2024-03-08T10:00:00.000Z"), json::value(true));
  EXPECT_EQ(bin("!=", "2024-03-08T10:00:00Z", "2024-03-08T10:00:00.001Z"), json::value(true));
  // Consistent with the ordering operators.
  EXPECT_EQ(ev(B("&&", B("<=", C("2024-03-08T11:00:00+01:00"), C("2024-03-08T10:00:00Z")),
                 B(">=", C("2024-03-08T11:00:00+01:00"), C("2024-03-08T10:00:00Z")))),
            json::value(true));
  // Non-time strings stay byte-equal.
  EXPECT_EQ(bin("==", "2024-03-08", "2024-03-08T00:00:00Z"), json::value(false));
  EXPECT_EQ(bin("==", "abc", "abc"), json::value(true));
}

TEST_F(Operators, InvalidComparisonsFail) {
  EXPECT_EQ(bin_err("<", 1, "1").details().at("code"), "type_error");
  EXPECT_EQ(bin_err("<", nullptr, 1).details().at("code"), "type_error");
  EXPECT_EQ(bin_err(">", true, false).details().at("code"), "type_error");
  EXPECT_EQ(bin_err("<=", P("[1]"), P("[2]")).details().at("code"), "type_error");
  EXPECT_EQ(bin_err(">=", P("{}"), P("{}")).details().at("code"), "type_error");
}

TEST_F(Operators, EqualityIsDeep) {
  EXPECT_EQ(bin("==", 1, 1.0), json::value(true));
  EXPECT_EQ(bin("!=", 1, 1.0), json::value(false));
  EXPECT_EQ(bin("==", P(R"({"a": [1, {"b": 2}], "c": null})"), P(R"({"c": null, "a": [1.0, {"b": 2}]})")),
            json::value(true));
  EXPECT_EQ(bin("==", P("[1, 2]"), P("[2, 1]")), json::value(false));
  EXPECT_EQ(bin("==", nullptr, nullptr), json::value(true));
  EXPECT_EQ(bin("==", nullptr, false), json::value(false));
  EXPECT_EQ(bin("==", "1", 1), json::value(false));
  EXPECT_EQ(bin("!=", "a", "b"), json::value(true));
  EXPECT_EQ(bin("==", P("{}"), P("[]")), json::value(false));
}

TEST_F(Operators, LogicNeedsBools) {
  EXPECT_EQ(bin("&&", true, true), json::value(true));
  EXPECT_EQ(bin("&&", true, false), json::value(false));
  EXPECT_EQ(bin("||", false, true), json::value(true));
  EXPECT_EQ(bin("||", false, false), json::value(false));
  EXPECT_EQ(bin_err("&&", 1, true).details().at("code"), "type_error");
  EXPECT_EQ(bin_err("||", false, "yes").details().at("code"), "type_error");
  EXPECT_EQ(bin_err("&&", nullptr, true).details().at("code"), "type_error");
}

TEST_F(Operators, ShortCircuits) {
  auto boom = B("/", C(1), C(0));  // would fail if evaluated
  EXPECT_EQ(ev(B("&&", C(false), boom)), json::value(false));
  EXPECT_EQ(ev(B("||", C(true), boom)), json::value(true));
  EXPECT_EQ(ev(B("??", C(5), boom)), json::value(5));
  EXPECT_EQ(ev(ir::cond(C(true), C("yes"), boom)), json::value("yes"));
  EXPECT_EQ(ev(ir::cond(C(false), boom, C("no"))), json::value("no"));
  // The other side is evaluated when needed.
  EXPECT_EQ(err(B("&&", C(true), boom)).details().at("code"), "division_by_zero");
  EXPECT_EQ(err(B("||", C(false), boom)).details().at("code"), "division_by_zero");
  EXPECT_EQ(err(B("??", C(nullptr), boom)).details().at("code"), "division_by_zero");
}

TEST_F(Operators, NullCoalescing) {
  EXPECT_EQ(bin("??", nullptr, "d"), json::value("d"));
  EXPECT_EQ(bin("??", false, true), json::value(false));  // only null is replaced
  EXPECT_EQ(bin("??", 0, 1), json::value(0));
  EXPECT_EQ(bin("??", "", "x"), json::value(""));
  EXPECT_EQ(bin("??", nullptr, nullptr), json::value(nullptr));
  EXPECT_EQ(ev(B("??", C(nullptr), B("??", C(nullptr), C(3)))), json::value(3));
}

TEST_F(Operators, ConditionalNeedsABool) {
  EXPECT_EQ(err(ir::cond(C(1), C(1), C(2))).details().at("code"), "type_error");
  EXPECT_EQ(err(ir::cond(C(nullptr), C(1), C(2))).details().at("code"), "type_error");
}

TEST_F(Operators, UnknownOperatorIsAnError) {
  EXPECT_EQ(bin_err("**", 2, 3).details().at("code"), "bad_expression");
}

}  // namespace
}  // namespace weft::eval::testing
