#include <gtest/gtest.h>

#include "helpers.h"
#include "stdlib/functions/unicode.h"

using namespace weft::functions::testing;

TEST(StringFunctions, LenCountsCodePoints) {
  EXPECT_EQ(run("len", R"(["héllo"])"), J("5"));
  EXPECT_EQ(run("len", R"(["日本語"])"), J("3"));
  EXPECT_EQ(run("len", R"(["😀a"])"), J("2"));
  EXPECT_EQ(run("len", R"([""])"), J("0"));
  EXPECT_EQ(run("len", R"([[1, 2, 3]])"), J("3"));
  EXPECT_EQ(run("len", R"([{"a": 1, "b": 2}])"), J("2"));
  EXPECT_NE(error_of("len", "[42]").find("len: argument `s`: expected a string, a list or a map, got int"),
            std::string::npos);
  EXPECT_NE(error_of("len", "[]").find("expected 1 argument, got 0"), std::string::npos);
}

TEST(StringFunctions, LowerUpperLatinGreekCyrillic) {
  EXPECT_EQ(run("lower", R"(["ÀÉÎ ΑΒΓ ДЖ"])"), J(R"("àéî αβγ дж")"));
  EXPECT_EQ(run("upper", R"(["àéî αβγ дж"])"), J(R"("ÀÉÎ ΑΒΓ ДЖ")"));
  EXPECT_EQ(run("upper", R"(["straße"])"), J(R"("STRASSE")"));
  EXPECT_EQ(run("lower", R"(["ŁÓDŹ ŒUVRE ĞİŞ"])"), J("\"łódź œuvre ği\u0307ş\""));
  EXPECT_EQ(run("upper", R"(["łódź œuvre ğış ÿ"])"), J(R"("ŁÓDŹ ŒUVRE ĞIŞ Ÿ")"));
  EXPECT_EQ(run("upper", R"(["ёжик їжак ђ"])"), J(R"("ЁЖИК ЇЖАК Ђ")"));
  EXPECT_EQ(run("lower", R"(["ЁЖИК ЇЖАК Ђ Ѣ Ӂ"])"), J(R"("ёжик їжак ђ ѣ ӂ")"));
  EXPECT_EQ(run("upper", R"(["άέήίόύώ ς"])"), J(R"("ΆΈΉΊΌΎΏ Σ")"));
  EXPECT_EQ(run("lower", R"(["ΆΈΉΊΌΎΏ"])"), J(R"("άέήίόύώ")"));
  // Final sigma at the end of a word, medial sigma elsewhere.
  EXPECT_EQ(run("lower", R"(["ΟΔΥΣΣΕΥΣ Σ"])"), J(R"("οδυσσευς σ")"));
  EXPECT_EQ(run("lower", R"(["MiXeD 123 ÑAND"])"), J(R"("mixed 123 ñand")"));
  EXPECT_EQ(run("upper", R"(["µ × ÷"])"), J(R"("Μ × ÷")"));
  EXPECT_EQ(run("upper", R"(["ệ ẞ"])"), J(R"("Ệ ẞ")"));
  EXPECT_EQ(run("lower", R"(["Ệ ẞ"])"), J(R"("ệ ß")"));
  EXPECT_NE(error_of("lower", "[null]").find("expected a string, got null"), std::string::npos);
}

TEST(StringFunctions, Trim) {
  EXPECT_EQ(run("trim", R"(["  a b \n\t"])"), J(R"("a b")"));
  EXPECT_EQ(run("trim", "[\"\u00a0\u3000x\u2003\"]"), J(R"("x")"));
  EXPECT_EQ(run("trim", R"(["   "])"), J(R"("")"));
}

TEST(StringFunctions, SplitAndJoin) {
  EXPECT_EQ(run("split", R"(["a,b,,c", ","])"), J(R"(["a", "b", "", "c"])"));
  EXPECT_EQ(run("split", R"(["abc", "--"])"), J(R"(["abc"])"));
  EXPECT_EQ(run("split", R"(["", ","])"), J(R"([""])"));
  EXPECT_EQ(run("split", R"(["héj", ""])"), J(R"(["h", "é", "j"])"));
  EXPECT_EQ(run("split", R"(["a--b--", "--"])"), J(R"(["a", "b", ""])"));
  EXPECT_EQ(run("join", R"([["a", "b", "c"], ", "])"), J(R"("a, b, c")"));
  EXPECT_EQ(run("join", R"([["a", "b"]])"), J(R"("ab")"));
  EXPECT_EQ(run("join", R"([[], "-"])"), J(R"("")"));
  EXPECT_NE(error_of("join", R"([["a", 1], ","])").find("argument `xs`: element 1 is int, expected a string"),
            std::string::npos);
}

TEST(StringFunctions, ReplaceContainsStartsEnds) {
  EXPECT_EQ(run("replace", R"(["a-b-c", "-", "+"])"), J(R"("a+b+c")"));
  EXPECT_EQ(run("replace", R"(["aaa", "a", "aa"])"), J(R"("aaaaaa")"));
  EXPECT_EQ(run("replace", R"(["héllo", "é", "e"])"), J(R"("hello")"));
  EXPECT_NE(error_of("replace", R"(["abc", "", "x"])").find("argument `old`: must not be empty"),
            std::string::npos);
  EXPECT_EQ(run("contains", R"(["hello", "ell"])"), J("true"));
  EXPECT_EQ(run("contains", R"(["hello", "xyz"])"), J("false"));
  EXPECT_EQ(run("contains", R"([[1, 2, 3], 2])"), J("true"));
  EXPECT_EQ(run("contains", R"([[1, 2, 3], 2.0])"), J("true"));
  EXPECT_EQ(run("contains", R"([[{"a": [1]}], {"a": [1]}])"), J("true"));
  EXPECT_EQ(run("contains", R"([[1, 2, 3], "2"])"), J("false"));
  EXPECT_NE(error_of("contains", R"([5, 5])").find("expected a string or a list"), std::string::npos);
  EXPECT_EQ(run("starts_with", R"(["sha256=ab", "sha256="])"), J("true"));
  EXPECT_EQ(run("starts_with", R"(["ab", "abc"])"), J("false"));
  EXPECT_EQ(run("ends_with", R"(["report.csv", ".csv"])"), J("true"));
  EXPECT_EQ(run("ends_with", R"(["report.csv", ".txt"])"), J("false"));
}

TEST(StringFunctions, SubstringByCodePoints) {
  EXPECT_EQ(run("substring", R"(["héllo", 1, 3])"), J(R"("él")"));
  EXPECT_EQ(run("substring", R"(["héllo", 2])"), J(R"("llo")"));
  EXPECT_EQ(run("substring", R"(["héllo", -3])"), J(R"("llo")"));
  EXPECT_EQ(run("substring", R"(["héllo", 0, -1])"), J(R"("héll")"));
  EXPECT_EQ(run("substring", R"(["héllo", 3, 1])"), J(R"("")"));
  EXPECT_EQ(run("substring", R"(["héllo", 2, 100])"), J(R"("llo")"));
  EXPECT_EQ(run("substring", R"(["日本語テキスト", 2, 4])"), J(R"("語テ")"));
  EXPECT_EQ(run("substring", R"(["abc", 1, null])"), J(R"("bc")"));
  EXPECT_NE(error_of("substring", R"(["abc", "1"])").find("argument `start`: expected an int, got string"),
            std::string::npos);
}

TEST(StringFunctions, PadLeft) {
  EXPECT_EQ(run("pad_left", R"(["7", 3, "0"])"), J(R"("007")"));
  EXPECT_EQ(run("pad_left", R"(["é", 3])"), J(R"("  é")"));
  EXPECT_EQ(run("pad_left", R"(["x", 3, "·"])"), J(R"("··x")"));
  EXPECT_EQ(run("pad_left", R"(["long", 2])"), J(R"("long")"));
  EXPECT_NE(error_of("pad_left", R"(["x", 3, "ab"])").find("argument `fill`: must be exactly one character"),
            std::string::npos);
}

TEST(StringFunctions, FormatNumber) {
  EXPECT_EQ(run("format_number", "[1234567.891, 2]"), J(R"("1,234,567.89")"));
  EXPECT_EQ(run("format_number", "[1234567]"), J(R"("1,234,567")"));
  EXPECT_EQ(run("format_number", "[-1234.5]"), J(R"("-1,234.5")"));
  EXPECT_EQ(run("format_number", "[2.675, 2]"), J(R"("2.68")"));
  EXPECT_EQ(run("format_number", "[999.996, 2]"), J(R"("1,000.00")"));
  EXPECT_EQ(run("format_number", "[12, 2]"), J(R"("12.00")"));
  EXPECT_EQ(run("format_number", "[0.5, 0]"), J(R"("1")"));
  EXPECT_EQ(run("format_number", "[-0.001, 2]"), J(R"("0.00")"));
  EXPECT_EQ(run("format_number", R"([1234567.891, 1, ".", ","])"), J(R"("1.234.567,9")"));
  EXPECT_EQ(run("format_number", R"([1234, null, ""])"), J(R"("1234")"));
  EXPECT_NE(error_of("format_number", "[1, -1]").find("argument `decimals`: must be between 0 and 20"),
            std::string::npos);
  EXPECT_NE(error_of("format_number", R"(["1"])").find("expected a number, got string"), std::string::npos);
}

TEST(Unicode, DecodeInvalidAndEncode) {
  using namespace weft::functions::unicode;
  EXPECT_EQ(length("a\xff" "b"), 3u);
  EXPECT_FALSE(valid("a\xc3"));
  EXPECT_TRUE(valid("aé😀"));
  EXPECT_EQ(encode(decode("aé😀")), "aé😀");
  EXPECT_EQ(decode("\xed\xa0\x80").front(), U'\xFFFD');  // an encoded surrogate is invalid
}
