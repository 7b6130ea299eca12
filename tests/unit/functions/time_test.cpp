#include <gtest/gtest.h>

#include "helpers.h"
#include "stdlib/functions/civil.h"

using namespace weft::functions;
using namespace weft::functions::testing;

TEST(Civil, Rfc3339RoundTrip) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1709892000123), "2024-03-08T10:00:00.123Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(parse_rfc3339("2024-03-08T11:00:00+01:00"), 1709892000000);
  EXPECT_EQ(parse_rfc3339("2024-03-08t10:00:00.5z"), 1709892000500);
  EXPECT_EQ(parse_rfc3339("2024-03-08 10:00:00.123456Z"), 1709892000123);
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800000);
  EXPECT_FALSE(parse_rfc3339("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2024-03-08T10:00:00"));
  EXPECT_FALSE(parse_rfc3339("2024-03-08T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2024-3-08T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2024-03-08T10:00:00Zjunk"));
  EXPECT_EQ(format_rfc3339(kMinTimeMs), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(kMaxTimeMs), "9999-12-31T23:59:59.999Z");
}

TEST(TimeFunctions, NowUsesTheContext) {
  FixedContext ctx;
  ctx.now = 1709892000007;
  EXPECT_EQ(call("now", std::span<const boost::json::value>(), ctx), J(R"("2024-03-08T10:00:00.007Z")"));
}

TEST(TimeFunctions, ParseTime) {
  EXPECT_EQ(run("parse_time", R"(["2024-03-08T11:00:00+01:00"])"), J(R"("2024-03-08T10:00:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["2024-03-08"])"), J(R"("2024-03-08T00:00:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["2024-03-08T10:30", null, "Europe/Berlin"])"),
            J(R"("2024-03-08T09:30:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["08.03.2024 11:00", "%d.%m.%Y %H:%M", "Europe/Berlin"])"),
            J(R"("2024-03-08T10:00:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["Fri, 08 Mar 2024 10:00:00 +0000", "%a, %d %b %Y %H:%M:%S %z"])"),
            J(R"("2024-03-08T10:00:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["March 8, 2024 3:05 PM", "%B %d, %Y %I:%M %p", "America/New_York"])"),
            J(R"("2024-03-08T20:05:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["1709892000", "%s"])"), J(R"("2024-03-08T10:00:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["2024-068", "%Y-%j"])"), J(R"("2024-03-08T00:00:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["12:30:15.25", "%T.%f"])"), J(R"("1970-01-01T12:30:15.250Z")"));
  // A wall time skipped by spring-forward is shifted forward by the gap; a repeated one is the first.
  EXPECT_EQ(run("parse_time", R"(["2024-03-10 02:30", "%Y-%m-%d %H:%M", "America/New_York"])"),
            J(R"("2024-03-10T07:30:00.000Z")"));
  EXPECT_EQ(run("parse_time", R"(["2024-11-03 01:30", "%Y-%m-%d %H:%M", "America/New_York"])"),
            J(R"("2024-11-03T05:30:00.000Z")"));
  EXPECT_NE(error_of("parse_time", R"(["yesterday"])").find("`yesterday` is not an RFC 3339 time"),
            std::string::npos);
  EXPECT_NE(error_of("parse_time", R"(["31.02.2024", "%d.%m.%Y"])").find("day 31 does not exist"),
            std::string::npos);
  EXPECT_NE(error_of("parse_time", R"(["2024-03-08x", "%Y-%m-%d"])").find("unexpected text at position 11"),
            std::string::npos);
  EXPECT_NE(error_of("parse_time", R"(["2024", "%Q"])").find("directive `%Q` is not supported"),
            std::string::npos);
  EXPECT_NE(error_of("parse_time", R"(["2024-03-08", null, "Mars/Base"])").find("unknown time zone `Mars/Base`"),
            std::string::npos);
}

TEST(TimeFunctions, FormatTime) {
  const char* t = R"("2024-03-08T10:00:00.042Z")";
  auto fmt = [&](std::string pattern, std::string tz = "") {
    std::string args = std::string("[") + t + ", \"" + pattern + "\"" + (tz.empty() ? "" : ", \"" + tz + "\"") + "]";
    return std::string(run("format_time", args).as_string());
  };
  EXPECT_EQ(fmt("%Y-%m-%d %H:%M:%S.%L"), "2024-03-08 10:00:00.042");
  EXPECT_EQ(fmt("%Y-%m-%d %H:%M %Z", "Europe/Berlin"), "2024-03-08 11:00 CET");
  EXPECT_EQ(fmt("%FT%T%:z", "America/New_York"), "2024-03-08T05:00:00-05:00");
  EXPECT_EQ(fmt("%a %A %b %B %e %j %u %w %y %C", "UTC"), "Fri Friday Mar March  8 068 5 5 24 20");
  EXPECT_EQ(fmt("%I:%M %p %z", "Australia/Lord_Howe"), "09:00 PM +1100");
  EXPECT_EQ(fmt("%G-W%V"), "2024-W10");
  EXPECT_EQ(fmt("%s %% %R"), "1709892000 % 10:00");
  EXPECT_EQ(fmt("%H:%M %Z", "Asia/Kolkata"), "15:30 IST");
  EXPECT_NE(error_of("format_time", R"(["2024-03-08T10:00:00Z", "%Q"])").find("unknown directive `%Q`"),
            std::string::npos);
  EXPECT_NE(error_of("format_time", R"(["not a time", "%Y"])").find("argument `t`: `not a time` is not an RFC 3339 time"),
            std::string::npos);
  EXPECT_NE(error_of("format_time", R"(["2024-03-08T10:00:00Z", "%Y", "../../etc/passwd"])").find("unknown time zone"),
            std::string::npos);
}

TEST(TimeFunctions, IsoWeekAtYearBoundaries) {
  EXPECT_EQ(run("format_time", R"(["2021-01-03T12:00:00Z", "%G-W%V-%u"])"), J(R"("2020-W53-7")"));
  EXPECT_EQ(run("format_time", R"(["2024-12-30T12:00:00Z", "%G-W%V-%u"])"), J(R"("2025-W01-1")"));
}

TEST(TimeFunctions, DurationsAndUnix) {
  EXPECT_EQ(run("add_duration", R"(["2024-03-08T10:00:00Z", 5400000])"), J(R"("2024-03-08T11:30:00.000Z")"));
  EXPECT_EQ(run("add_duration", R"(["2024-03-01T00:00:00Z", -1])"), J(R"("2024-02-29T23:59:59.999Z")"));
  EXPECT_NE(error_of("add_duration", R"(["9999-12-31T23:00:00Z", 7200000])").find("outside the years 0000-9999"),
            std::string::npos);
  EXPECT_EQ(run("diff", R"(["2024-03-08T11:00:00Z", "2024-03-08T10:00:00Z"])"), J("3600000"));
  EXPECT_EQ(run("diff", R"(["2024-03-08T10:00:00Z", "2024-03-08T11:00:00+01:00"])"), J("0"));
  EXPECT_EQ(run("diff", R"(["2024-03-08T10:00:00Z", "2024-03-08T10:00:01Z"])"), J("-1000"));
  EXPECT_EQ(run("to_unix", R"(["2024-01-01T00:00:00Z"])"), J("1704067200"));
  EXPECT_EQ(run("to_unix", R"(["1969-12-31T23:59:59.500Z"])"), J("-1"));
  EXPECT_EQ(run("from_unix", "[1704067200]"), J(R"("2024-01-01T00:00:00.000Z")"));
  EXPECT_EQ(run("from_unix", "[1.5]"), J(R"("1970-01-01T00:00:01.500Z")"));
  EXPECT_NE(error_of("from_unix", "[1e15]").find("outside the years"), std::string::npos);
}

TEST(TimeFunctions, StartOf) {
  auto so = [](const char* t, const char* unit, const char* tz = nullptr) {
    std::string args = std::string("[\"") + t + "\", \"" + unit + "\"" + (tz ? std::string(", \"") + tz + "\"" : "") + "]";
    return std::string(run("start_of", args).as_string());
  };
  EXPECT_EQ(so("2024-03-08T10:42:31.5Z", "minute"), "2024-03-08T10:42:00.000Z");
  EXPECT_EQ(so("2024-03-08T10:42:31Z", "hour"), "2024-03-08T10:00:00.000Z");
  EXPECT_EQ(so("2024-03-08T10:42:31Z", "day"), "2024-03-08T00:00:00.000Z");
  EXPECT_EQ(so("2024-03-08T10:42:31Z", "week"), "2024-03-04T00:00:00.000Z");  // Monday
  EXPECT_EQ(so("2024-03-10T10:42:31Z", "week"), "2024-03-04T00:00:00.000Z");  // Sunday belongs to it
  EXPECT_EQ(so("2024-03-08T10:42:31Z", "month"), "2024-03-01T00:00:00.000Z");
  EXPECT_EQ(so("2024-03-08T10:42:31Z", "year"), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(so("2024-03-08T23:30:00Z", "day", "Europe/Berlin"), "2024-03-08T23:00:00.000Z");
  EXPECT_EQ(so("2024-03-08T10:00:00Z", "hour", "Asia/Kolkata"), "2024-03-08T09:30:00.000Z");
  EXPECT_EQ(so("2024-07-15T12:00:00Z", "month", "America/New_York"), "2024-07-01T04:00:00.000Z");
  // Days across DST changes: 23 and 25 hours long.
  EXPECT_EQ(so("2024-03-31T20:00:00Z", "day", "Europe/Berlin"), "2024-03-30T23:00:00.000Z");
  EXPECT_EQ(so("2024-10-27T20:00:00Z", "day", "Europe/Berlin"), "2024-10-26T22:00:00.000Z");
  // America/Havana skips midnight on its spring-forward day: the day starts at the jump (01:00 CDT).
  EXPECT_EQ(so("2024-03-10T12:00:00Z", "day", "America/Havana"), "2024-03-10T05:00:00.000Z");
  EXPECT_NE(error_of("start_of", R"(["2024-03-08T10:00:00Z", "fortnight"])").find("argument `unit`"),
            std::string::npos);
}
