#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "helpers.h"
#include "stdlib/functions/cron.h"

using namespace weft::functions;
using namespace weft::functions::testing;
namespace json = boost::json;

namespace {

CronSchedule parse_ok(std::string_view expr) {
  auto r = CronSchedule::parse(expr);
  if (auto* e = std::get_if<CronError>(&r)) {
    ADD_FAILURE() << expr << ": " << e->message << " at column " << e->column;
    return std::get<CronSchedule>(CronSchedule::parse("* * * * *"));
  }
  return std::get<CronSchedule>(r);
}

CronError parse_err(std::string_view expr) {
  auto r = CronSchedule::parse(expr);
  if (auto* e = std::get_if<CronError>(&r)) return *e;
  ADD_FAILURE() << expr << " parsed";
  return {};
}

std::shared_ptr<const TimeZone> zone(const std::string& name) {
  std::string error;
  auto z = TimeZone::load(name, error);
  EXPECT_TRUE(z) << error;
  return z ? z : TimeZone::utc();
}

int64_t ms(const char* t) { return *parse_rfc3339(t); }

// Reference semantics by brute force over every UTC minute: fire at minute t when some matching
// local wall time lies in (latest local time seen before t, local time at t]. This covers skipped
// wall times (fire at the jump) and repeated ones (only the first occurrence) without to_utc().
std::vector<int64_t> brute_force(const CronSchedule& c, const TimeZone& z, int64_t from_ms, int count) {
  std::vector<int64_t> out;
  int64_t t = (from_ms / 60000 + 1) * 60;
  int64_t max_local = t - 60 + z.offset_at(t - 60).utc_offset_s;
  for (int guard = 0; guard < 60 * 24 * 800 && int(out.size()) < count; ++guard, t += 60) {
    int64_t l = t + z.offset_at(t).utc_offset_s;
    bool fire = false;
    for (int64_t m = max_local + 60; m <= l && !fire; m += 60) fire = c.matches(ms_to_civil(m * 1000));
    max_local = std::max(max_local, l);
    if (fire) out.push_back(t * 1000);
  }
  return out;
}

}  // namespace

TEST(Cron, ReferenceVectors) {
  auto data = json::parse(read_source_file("tests/data/cron_next_fire.json"));
  ASSERT_TRUE(data.as_object().contains("about"));
  const auto& cases = data.at("cases").as_array();
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    std::string expr(c.at("expr").as_string());
    auto sched = parse_ok(expr);
    auto z = zone(std::string(c.at("timezone").as_string()));
    int64_t t = ms(c.at("after").as_string().c_str());
    for (const auto& want : c.at("next").as_array()) {
      auto got = sched.next_after(t, *z);
      ASSERT_TRUE(got) << expr;
      EXPECT_EQ(format_rfc3339(*got), format_rfc3339(ms(want.as_string().c_str())))
          << expr << " in " << c.at("timezone").as_string() << " after " << format_rfc3339(t);
      t = *got;
    }
  }
}

TEST(Cron, AgreesWithBruteForceAcrossDaylightSaving) {
  struct Case {
    const char* zone;
    const char* from;
  } windows[] = {
      {"Europe/Berlin", "2024-03-30T20:00:00Z"},      {"Europe/Berlin", "2024-10-26T20:00:00Z"},
      {"America/New_York", "2024-03-09T20:00:00Z"},   {"America/New_York", "2024-11-02T20:00:00Z"},
      {"Australia/Lord_Howe", "2024-10-05T08:00:00Z"}, {"Australia/Lord_Howe", "2024-04-06T08:00:00Z"},
      {"America/Havana", "2024-03-09T20:00:00Z"},     {"Asia/Kolkata", "2024-06-01T00:00:00Z"},
      {"Europe/Berlin", "2047-03-30T20:00:00Z"},
  };
  const char* exprs[] = {"*/15 * * * *", "30 2 * * *", "0 2 * * *", "15,45 1-3 * * *", "0 * * * *",
                         "5 0 * * *",    "*/7 2 * * *", "0 0 * * SUN", "59 1 * * *", "* * * * *"};
  for (const auto& w : windows) {
    auto z = zone(w.zone);
    for (const char* e : exprs) {
      auto c = parse_ok(e);
      auto want = brute_force(c, *z, ms(w.from), 6);
      ASSERT_EQ(want.size(), 6u) << e;
      int64_t t = ms(w.from);
      for (int64_t expected : want) {
        auto got = c.next_after(t, *z);
        ASSERT_TRUE(got);
        EXPECT_EQ(format_rfc3339(*got), format_rfc3339(expected)) << e << " in " << w.zone;
        t = *got;
      }
    }
  }
}

TEST(Cron, LordHoweSkippedAndRepeatedHalfHours) {
  auto z = zone("Australia/Lord_Howe");
  // 02:15 does not exist on 2024-10-06: it fires once at the jump (02:30 local).
  auto c = parse_ok("15 2 * * *");
  EXPECT_EQ(format_rfc3339(*c.next_after(ms("2024-10-05T00:00:00Z"), *z)), "2024-10-05T15:30:00.000Z");
  // 01:45 happens twice on 2024-04-07: only the first occurrence fires.
  auto d = parse_ok("45 1 * * *");
  int64_t first = *d.next_after(ms("2024-04-06T00:00:00Z"), *z);
  EXPECT_EQ(format_rfc3339(first), "2024-04-06T14:45:00.000Z");
  EXPECT_EQ(format_rfc3339(*d.next_after(first, *z)), "2024-04-07T15:15:00.000Z");
}

TEST(Cron, StrictlyAfterAndSubMinuteInstants) {
  auto c = parse_ok("0 * * * *");
  auto z = TimeZone::utc();
  EXPECT_EQ(format_rfc3339(*c.next_after(ms("2024-01-01T10:00:00Z"), *z)), "2024-01-01T11:00:00.000Z");
  EXPECT_EQ(format_rfc3339(*c.next_after(ms("2024-01-01T09:59:59.999Z"), *z)), "2024-01-01T10:00:00.000Z");
  EXPECT_EQ(format_rfc3339(*c.next_after(ms("2024-01-01T10:00:00.001Z"), *z)), "2024-01-01T11:00:00.000Z");
  EXPECT_EQ(format_rfc3339(*parse_ok("59 23 31 12 *").next_after(ms("1969-06-01T00:00:00Z"), *z)),
            "1969-12-31T23:59:00.000Z");
  EXPECT_FALSE(parse_ok("0 0 1 1 *").next_after(ms("9999-06-01T00:00:00Z"), *z));
}

TEST(Cron, DayOfMonthOrDayOfWeek) {
  // Both restricted: either matches (13th or any Friday).
  auto c = parse_ok("0 0 13 * FRI");
  EXPECT_TRUE(c.matches({2024, 10, 4}));   // Friday
  EXPECT_TRUE(c.matches({2024, 10, 13}));  // Sunday the 13th
  EXPECT_FALSE(c.matches({2024, 10, 14}));
  // A field starting with `*` does not restrict, so both must match.
  auto d = parse_ok("0 0 */2 * 1");
  EXPECT_TRUE(d.matches({2024, 10, 7}));   // Monday the 7th
  EXPECT_FALSE(d.matches({2024, 10, 14}));  // Monday the 14th (even)
  EXPECT_FALSE(d.matches({2024, 10, 9}));   // Wednesday
}

TEST(Cron, SyntaxForms) {
  EXPECT_TRUE(parse_ok("0-10/5 8-9 * * *").matches({2024, 1, 1, 9, 10}));
  EXPECT_FALSE(parse_ok("0-10/5 8-9 * * *").matches({2024, 1, 1, 9, 11}));
  EXPECT_TRUE(parse_ok("5/20 * * * *").matches({2024, 1, 1, 0, 45}));  // 5, 25, 45
  EXPECT_TRUE(parse_ok("0 0 * jan,Jul *").matches({2024, 7, 1}));
  EXPECT_TRUE(parse_ok("0 0 * * mon-FRI").matches({2024, 3, 8}));
  EXPECT_FALSE(parse_ok("0 0 * * MON-FRI").matches({2024, 3, 9}));
  EXPECT_TRUE(parse_ok("0 0 * * 5-7").matches({2024, 3, 10}));  // 7 = Sunday in a range
  EXPECT_TRUE(parse_ok("0 0 * * 7").matches({2024, 3, 10}));
  EXPECT_TRUE(parse_ok("0 0 * * 0").matches({2024, 3, 10}));
  EXPECT_TRUE(parse_ok("0 0 * FEB-APR *").matches({2024, 3, 10}));
  EXPECT_TRUE(parse_ok("  @Daily ").matches({2024, 3, 10}));
  EXPECT_TRUE(parse_ok("@annually").matches({2024, 1, 1}));
  EXPECT_TRUE(parse_ok("@midnight").matches({2024, 5, 5}));
  EXPECT_EQ(parse_ok(" @hourly ").text(), "@hourly");
}

TEST(Cron, ParseErrorsAreDataWithColumns) {
  auto e = parse_err("61 * * * *");
  EXPECT_EQ(e.message, "minute value 61 is out of range 0-59");
  EXPECT_EQ(e.column, 1u);
  e = parse_err("0 9 * * MON-FRY");
  EXPECT_EQ(e.message, "unknown day-of-week name `FRY`");
  EXPECT_EQ(e.column, 13u);
  e = parse_err("0 9 * *");
  EXPECT_NE(e.message.find("has 5 fields"), std::string::npos);
  EXPECT_EQ(e.column, 8u);
  e = parse_err("0 9 * * * *");
  EXPECT_EQ(e.column, 11u);
  e = parse_err("*/0 * * * *");
  EXPECT_NE(e.message.find("step in the minute field"), std::string::npos);
  EXPECT_EQ(e.column, 3u);
  e = parse_err("0 5-2 * * *");
  EXPECT_EQ(e.message, "hour range 5-2 ends before it starts");
  EXPECT_EQ(e.column, 3u);
  e = parse_err("0 0 0 * *");
  EXPECT_EQ(e.message, "day-of-month value 0 is out of range 1-31");
  e = parse_err("0 0 1 13 *");
  EXPECT_EQ(e.message, "month value 13 is out of range 1-12");
  e = parse_err("0 0 * * 8");
  EXPECT_EQ(e.column, 9u);
  e = parse_err("1,,2 * * * *");
  EXPECT_NE(e.message.find("expected a number"), std::string::npos);
  EXPECT_EQ(e.column, 3u);
  e = parse_err("1, * * * *");
  EXPECT_EQ(e.column, 3u);
  e = parse_err("1x * * * *");
  EXPECT_EQ(e.message, "unexpected `x` in the minute field");
  EXPECT_EQ(e.column, 2u);
  e = parse_err("0 0 JAN * *");
  EXPECT_EQ(e.message, "unknown day-of-month name `JAN`");
  e = parse_err("@reboot");
  EXPECT_NE(e.message.find("unknown cron alias"), std::string::npos);
  e = parse_err("   ");
  EXPECT_EQ(e.message, "empty cron expression");
  e = parse_err("0 0 30 2 *");
  EXPECT_NE(e.message.find("never fires"), std::string::npos);
  EXPECT_EQ(e.column, 5u);
  e = parse_err("  0 0 31 4,6 *");
  EXPECT_EQ(e.column, 7u);
  parse_ok("0 0 31 4,7 *");
  parse_ok("0 0 30 2 MON");  // day of month OR Monday
  parse_ok("0 0 29 2 *");
}

// Random expressions over the cron alphabet: parsing never crashes, and any schedule that parses
// fires strictly after the given instant, at a matching local time.
TEST(Cron, RandomExpressionsNeverCrash) {
  const std::string alphabet = "0123456789*/-, ,@MONJAFRSUTEDCYhlyx";
  std::mt19937 rng(7);
  auto berlin = zone("Europe/Berlin");
  int parsed = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string expr;
    int len = 5 + int(rng() % 20);
    for (int k = 0; k < len; ++k) expr += alphabet[rng() % alphabet.size()];
    if (i % 3 == 0) expr = std::to_string(rng() % 70) + " " + std::to_string(rng() % 30) + " " +
                           std::to_string(rng() % 35) + " " + std::to_string(rng() % 14) + "/" +
                           std::to_string(1 + rng() % 5) + " " + std::to_string(rng() % 9);
    auto r = CronSchedule::parse(expr);
    if (auto* e = std::get_if<CronError>(&r)) {
      EXPECT_GE(e->column, 1u) << expr;
      EXPECT_LE(e->column, expr.size() + 1) << expr;
      continue;
    }
    ++parsed;
    const auto& c = std::get<CronSchedule>(r);
    int64_t after = ms("2024-03-31T00:30:00Z");
    auto next = c.next_after(after, *berlin);
    ASSERT_TRUE(next) << expr;
    EXPECT_GT(*next, after) << expr;
  }
  EXPECT_GT(parsed, 100);
}

TEST(Cron, SkipsTheNonLeapYear2100) {
  auto c = parse_ok("0 0 29 2 *");
  auto next = c.next_after(ms("2097-03-01T00:00:00Z"), *TimeZone::utc());
  ASSERT_TRUE(next);
  EXPECT_EQ(format_rfc3339(*next), "2104-02-29T00:00:00.000Z");
}
