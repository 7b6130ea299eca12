#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <random>

#include "stdlib/functions/civil.h"
#include "stdlib/functions/tz.h"

using namespace weft::functions;

namespace {

std::shared_ptr<const TimeZone> zone(const char* name) {
  std::string error;
  auto z = TimeZone::load(name, error);
  EXPECT_TRUE(z) << error;
  return z;
}

int64_t at(const char* rfc3339) { return *parse_rfc3339(rfc3339) / 1000; }

int64_t local(int64_t y, int m, int d, int h, int mi) { return civil_to_ms({y, m, d, h, mi, 0, 0}) / 1000; }

}  // namespace

TEST(TimeZone, BerlinOffsetsAndAbbreviations) {
  auto z = zone("Europe/Berlin");
  EXPECT_EQ(z->offset_at(at("2024-01-15T12:00:00Z")).utc_offset_s, 3600);
  EXPECT_EQ(z->offset_at(at("2024-01-15T12:00:00Z")).abbreviation, "CET");
  EXPECT_FALSE(z->offset_at(at("2024-01-15T12:00:00Z")).is_dst);
  EXPECT_EQ(z->offset_at(at("2024-07-15T12:00:00Z")).utc_offset_s, 7200);
  EXPECT_EQ(z->offset_at(at("2024-07-15T12:00:00Z")).abbreviation, "CEST");
  EXPECT_TRUE(z->offset_at(at("2024-07-15T12:00:00Z")).is_dst);
  // The spring-forward instant is 01:00 UTC on the last Sunday of March.
  EXPECT_EQ(z->offset_at(at("2024-03-31T00:59:59Z")).utc_offset_s, 3600);
  EXPECT_EQ(z->offset_at(at("2024-03-31T01:00:00Z")).utc_offset_s, 7200);
  // Far beyond the listed transitions, the POSIX footer rule applies.
  EXPECT_EQ(z->offset_at(at("2087-07-01T00:00:00Z")).utc_offset_s, 7200);
  EXPECT_EQ(z->offset_at(at("2087-12-01T00:00:00Z")).utc_offset_s, 3600);
  EXPECT_EQ(z->name(), "Europe/Berlin");
}

TEST(TimeZone, BerlinGapAndOverlap) {
  auto z = zone("Europe/Berlin");
  auto gap = z->to_utc(local(2024, 3, 31, 2, 30));
  EXPECT_EQ(gap.kind, LocalConversion::Kind::gap);
  EXPECT_EQ(gap.first_s, at("2024-03-31T01:00:00Z"));   // the jump
  EXPECT_EQ(gap.second_s, at("2024-03-31T01:30:00Z"));  // 03:30 CEST
  auto overlap = z->to_utc(local(2024, 10, 27, 2, 30));
  EXPECT_EQ(overlap.kind, LocalConversion::Kind::overlap);
  EXPECT_EQ(overlap.first_s, at("2024-10-27T00:30:00Z"));
  EXPECT_EQ(overlap.second_s, at("2024-10-27T01:30:00Z"));
  auto unique = z->to_utc(local(2024, 10, 27, 3, 0));
  EXPECT_EQ(unique.kind, LocalConversion::Kind::unique);
  EXPECT_EQ(unique.first_s, at("2024-10-27T02:00:00Z"));
}

TEST(TimeZone, NewYork) {
  auto z = zone("America/New_York");
  EXPECT_EQ(z->offset_at(at("2024-03-10T06:59:59Z")).abbreviation, "EST");
  EXPECT_EQ(z->offset_at(at("2024-03-10T07:00:00Z")).abbreviation, "EDT");
  EXPECT_EQ(z->offset_at(at("2024-11-03T06:00:00Z")).utc_offset_s, -5 * 3600);
  EXPECT_EQ(z->offset_at(at("2024-11-03T05:59:59Z")).utc_offset_s, -4 * 3600);
  auto gap = z->to_utc(local(2024, 3, 10, 2, 0));
  EXPECT_EQ(gap.kind, LocalConversion::Kind::gap);
  EXPECT_EQ(gap.first_s, at("2024-03-10T07:00:00Z"));
  auto overlap = z->to_utc(local(2024, 11, 3, 1, 0));
  EXPECT_EQ(overlap.kind, LocalConversion::Kind::overlap);
  EXPECT_EQ(overlap.first_s, at("2024-11-03T05:00:00Z"));
  EXPECT_EQ(overlap.second_s, at("2024-11-03T06:00:00Z"));
  // 2050: footer rule (second Sunday of March, first Sunday of November).
  EXPECT_EQ(z->to_utc(local(2050, 3, 13, 2, 30)).kind, LocalConversion::Kind::gap);
  EXPECT_EQ(z->to_utc(local(2050, 11, 6, 1, 30)).kind, LocalConversion::Kind::overlap);
}

TEST(TimeZone, LordHoweHalfHourDaylightSaving) {
  auto z = zone("Australia/Lord_Howe");
  EXPECT_EQ(z->offset_at(at("2024-07-01T00:00:00Z")).utc_offset_s, 10 * 3600 + 1800);
  EXPECT_EQ(z->offset_at(at("2024-12-01T00:00:00Z")).utc_offset_s, 11 * 3600);
  // Spring forward 2024-10-06 02:00 -> 02:30 local (15:30 UTC the day before).
  auto gap = z->to_utc(local(2024, 10, 6, 2, 15));
  EXPECT_EQ(gap.kind, LocalConversion::Kind::gap);
  EXPECT_EQ(gap.first_s, at("2024-10-05T15:30:00Z"));
  EXPECT_EQ(gap.second_s, at("2024-10-05T15:45:00Z"));
  EXPECT_EQ(z->to_utc(local(2024, 10, 6, 2, 30)).kind, LocalConversion::Kind::unique);
  // Fall back 2024-04-07 02:00 -> 01:30 local.
  auto overlap = z->to_utc(local(2024, 4, 7, 1, 45));
  EXPECT_EQ(overlap.kind, LocalConversion::Kind::overlap);
  EXPECT_EQ(overlap.first_s, at("2024-04-06T14:45:00Z"));
  EXPECT_EQ(overlap.second_s, at("2024-04-06T15:15:00Z"));
  EXPECT_EQ(z->to_utc(local(2024, 4, 7, 1, 15)).kind, LocalConversion::Kind::unique);
}

// glibc reads the same files with its own code: an independent check of every zone's offsets.
TEST(TimeZone, AgreesWithGlibc) {
  const char* zones[] = {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                         "America/Sao_Paulo", "Pacific/Apia", "Africa/Casablanca", "Europe/London",
                         "America/Havana", "Asia/Tehran"};
  const char* old_tz = std::getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  for (const char* name : zones) {
    auto z = zone(name);
    setenv("TZ", (std::string(":") + name).c_str(), 1);
    tzset();
    int mismatches = 0;
    for (int64_t t = 0; t < at("2060-01-01T00:00:00Z"); t += 86400 * 3 + 3607) {
      std::time_t tt = static_cast<std::time_t>(t);
      std::tm tm{};
      localtime_r(&tt, &tm);
      auto off = z->offset_at(t);
      if (off.utc_offset_s != tm.tm_gmtoff || off.is_dst != (tm.tm_isdst > 0)) {
        if (++mismatches < 5)
          ADD_FAILURE() << name << " at " << format_rfc3339(t * 1000) << ": " << off.utc_offset_s
                        << " vs glibc " << tm.tm_gmtoff;
      }
    }
    EXPECT_EQ(mismatches, 0) << name;
  }
  if (old_tz) setenv("TZ", saved.c_str(), 1);
  else unsetenv("TZ");
  tzset();
}

TEST(TimeZone, UnknownOrInvalidNames) {
  std::string error;
  EXPECT_FALSE(TimeZone::load("Mars/Olympus_Mons", error));
  EXPECT_EQ(error, "unknown time zone `Mars/Olympus_Mons`");
  EXPECT_FALSE(TimeZone::load("../../etc/passwd", error));
  EXPECT_FALSE(TimeZone::load("/etc/localtime", error));
  EXPECT_FALSE(TimeZone::load("", error));
  EXPECT_FALSE(TimeZone::load("zone.tab", error));
  EXPECT_FALSE(TimeZone::load("Europe", error));  // a directory
  EXPECT_TRUE(TimeZone::load("UTC", error));
  EXPECT_EQ(TimeZone::utc()->offset_at(at("2024-07-01T00:00:00Z")).utc_offset_s, 0);
  EXPECT_EQ(TimeZone::utc()->to_utc(12345).first_s, 12345);
}

TEST(TimeZone, MalformedTzifIsAnError) {
  std::string error;
  EXPECT_FALSE(TimeZone::from_tzif("X", "", error));
  EXPECT_FALSE(TimeZone::from_tzif("X", "TZif2 garbage", error));
  EXPECT_NE(error.find("not a valid TZif file"), std::string::npos);
  // A header that promises more data than the file holds.
  std::string h = "TZif2" + std::string(15, '\0');
  for (uint32_t count : {0u, 0u, 0u, 1000u, 1u, 4u})
    for (int s = 24; s >= 0; s -= 8) h += static_cast<char>((count >> s) & 0xFF);
  EXPECT_FALSE(TimeZone::from_tzif("X", h, error));
}

TEST(PosixRule, ParsesAndEvaluates) {
  PosixRule r;
  ASSERT_TRUE(r.parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"));
  EXPECT_EQ(r.standard.utc_offset_s, 37800);
  EXPECT_EQ(r.daylight.utc_offset_s, 39600);
  EXPECT_EQ(r.daylight.abbreviation, "+11");
  EXPECT_EQ(r.offset_at(at("2030-01-01T00:00:00Z")).utc_offset_s, 39600);
  EXPECT_EQ(r.offset_at(at("2030-07-01T00:00:00Z")).utc_offset_s, 37800);
  ASSERT_TRUE(r.parse("EST5EDT,M3.2.0,M11.1.0"));
  EXPECT_EQ(r.offset_at(at("2030-03-10T06:59:59Z")).utc_offset_s, -18000);
  EXPECT_EQ(r.offset_at(at("2030-03-10T07:00:00Z")).utc_offset_s, -14400);
  ASSERT_TRUE(r.parse("CET-1CEST,M3.5.0,M10.5.0/3"));
  EXPECT_EQ(r.offset_at(at("2030-10-27T00:59:59Z")).utc_offset_s, 7200);
  EXPECT_EQ(r.offset_at(at("2030-10-27T01:00:00Z")).utc_offset_s, 3600);
  ASSERT_TRUE(r.parse("<-03>3"));
  EXPECT_FALSE(r.has_dst);
  EXPECT_EQ(r.offset_at(0).utc_offset_s, -10800);
  ASSERT_TRUE(r.parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"));  // negative transition time (RFC 8536)
  EXPECT_EQ(r.offset_at(at("2030-03-31T00:59:59Z")).utc_offset_s, -7200);
  EXPECT_EQ(r.offset_at(at("2030-03-31T01:00:00Z")).utc_offset_s, -3600);
  ASSERT_TRUE(r.parse("XXX3YYY,J60/2,300"));
  EXPECT_EQ(r.start.kind, 'J');
  EXPECT_EQ(r.end.kind, 'D');
  for (const char* bad : {"", "AB3", "CET", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.5.0", "<+10", "CET-1CEST,M3.5.0,M10.5.0x"})
    EXPECT_FALSE(PosixRule().parse(bad)) << bad;
}

TEST(TimeZone, ExtremeInstantsDoNotOverflow) {
  auto z = zone("Europe/Berlin");
  EXPECT_EQ(z->offset_at(INT64_MAX).utc_offset_s, z->offset_at(int64_t(1) << 40).utc_offset_s);
  EXPECT_EQ(z->offset_at(INT64_MIN).utc_offset_s, z->offset_at(-(int64_t(1) << 40)).utc_offset_s);
  z->to_utc(int64_t(1) << 39);
  z->to_utc(-(int64_t(1) << 39));
}

// Mutated copies of a real zone file must be rejected or read, never crash (run under ASan too).
TEST(TimeZone, MutatedTzifNeverCrashes) {
  std::ifstream in("/usr/share/zoneinfo/Australia/Lord_Howe", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  std::mt19937 rng(42);
  int read = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string m = bytes;
    int edits = 1 + int(rng() % 4);
    for (int k = 0; k < edits; ++k) m[rng() % m.size()] = static_cast<char>(rng());
    if (i % 7 == 0) m.resize(rng() % m.size());
    std::string error;
    if (auto z = TimeZone::from_tzif("X", m, error)) {
      ++read;
      for (int64_t t : {int64_t(-4e9), int64_t(0), int64_t(1.7e9), int64_t(4e9)}) {
        z->offset_at(t);
        z->to_utc(t);
      }
    } else {
      EXPECT_FALSE(error.empty());
    }
  }
  EXPECT_GT(read, 0);
}
