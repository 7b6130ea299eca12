// The settings table itself: lookups, well-formed entries (every type parses in the checker's
// syntax) and the literal checks.
#include <gtest/gtest.h>

#include <set>

#include "compiler/sema/types.h"
#include "stdlib/settings/settings.h"

namespace weft::settings {
namespace {

TEST(SettingsTable, NamesAreUniquePerBlockAndGroup) {
  std::set<std::pair<int, std::string_view>> seen;
  for (const auto& s : settings()) {
    EXPECT_TRUE(seen.insert({static_cast<int>(s.block), s.name}).second) << s.name;
    EXPECT_FALSE(s.doc.empty()) << s.name;
    EXPECT_EQ(s.example.substr(0, s.name.size() + 1), std::string(s.name) + ":") << s.name;
  }
  std::set<std::pair<int, std::string_view>> ctors;
  for (const auto& c : constructors()) {
    EXPECT_TRUE(ctors.insert({static_cast<int>(c.group), c.name}).second) << c.name;
    EXPECT_EQ(c.example.substr(0, c.name.size() + 1), std::string(c.name) + "(") << c.name;
  }
}

TEST(SettingsTable, EveryTypeParsesInTheCheckersSyntax) {
  sema::TypeStore store;
  for (const auto& s : settings()) {
    std::string error;
    EXPECT_NE(sema::parse_type(store, s.type, &error), nullptr) << s.name << ": " << error;
  }
  for (const auto& c : constructors())
    for (const auto& p : c.params) {
      std::string error;
      EXPECT_NE(sema::parse_type(store, p.type, &error), nullptr) << c.name << "." << p.name << ": " << error;
    }
}

TEST(SettingsTable, RecordsAndConstructorsPointAtRealBlocks) {
  for (const auto& s : settings()) {
    if (s.shape == Shape::Record) EXPECT_FALSE(settings_in(s.fields).empty()) << s.name;
    if (s.shape == Shape::Constructor) EXPECT_FALSE(constructors_in(s.group).empty()) << s.name;
  }
  for (auto kind : {"webhook", "schedule", "poll", "event"}) {
    ASSERT_NE(find_trigger(kind), nullptr) << kind;
    EXPECT_NE(find_setting(find_trigger(kind)->block, "input"), nullptr) << kind;
  }
}

TEST(SettingsTable, LookupsFindEntriesAndNothingElse) {
  ASSERT_NE(find_setting(Block::Connection, "ca_file"), nullptr);
  EXPECT_EQ(find_setting(Block::Options, "ca_file"), nullptr);
  ASSERT_NE(find_setting(Block::Options, "retention"), nullptr);
  EXPECT_EQ(find_setting(Block::Options, "retention")->check, Check::PositiveDuration);
  ASSERT_NE(find_constructor(Group::Verify, "bearer"), nullptr);
  EXPECT_EQ(find_constructor(Group::Verify, "bearer")->params[0].name, "secret");
  EXPECT_EQ(find_constructor(Group::Auth, "bearer")->params[0].name, "token");
  EXPECT_EQ(find_constructor(Group::Backoff, "bearer"), nullptr);
  EXPECT_EQ(signature_text(*find_constructor(Group::Backoff, "fixed")), "fixed(delay: duration)");
  EXPECT_EQ(names_in(Block::RateLimit), (std::vector<std::string>{"requests", "per"}));
}

TEST(SettingsChecks, Cron) {
  EXPECT_FALSE(check_text(Check::Cron, "*/15 * * * *"));
  EXPECT_FALSE(check_text(Check::Cron, "@hourly"));
  auto p = check_text(Check::Cron, "0 25 * * *");
  ASSERT_TRUE(p);
  EXPECT_NE(p->message.find("hour value 25"), std::string::npos) << p->message;
  EXPECT_EQ(p->offset, 2u);
}

TEST(SettingsChecks, TimeZoneWithCandidates) {
  EXPECT_FALSE(check_text(Check::TimeZone, "UTC"));
  if (time_zone_names().empty()) GTEST_SKIP() << "no zone database here";
  EXPECT_FALSE(check_text(Check::TimeZone, "Europe/Berlin"));
  EXPECT_FALSE(check_text(Check::TimeZone, "America/New_York"));
  auto p = check_text(Check::TimeZone, "Europe/Berln");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->message, "unknown time zone `Europe/Berln`");
  EXPECT_NE(std::find(p->candidates.begin(), p->candidates.end(), "Europe/Berlin"), p->candidates.end());
  EXPECT_TRUE(check_text(Check::TimeZone, "../../etc/passwd"));
  EXPECT_TRUE(check_text(Check::TimeZone, ""));
}

TEST(SettingsChecks, AbsoluteUrl) {
  EXPECT_FALSE(check_text(Check::AbsoluteUrl, "https://api.example.com/v1"));
  EXPECT_FALSE(check_text(Check::AbsoluteUrl, "http://127.0.0.1:9001"));
  EXPECT_FALSE(check_text(Check::AbsoluteUrl, "https://user@example.com"));
  EXPECT_TRUE(check_text(Check::AbsoluteUrl, "api.example.com"));
  EXPECT_TRUE(check_text(Check::AbsoluteUrl, "ftp://example.com"));
  EXPECT_TRUE(check_text(Check::AbsoluteUrl, "https://"));
  EXPECT_TRUE(check_text(Check::AbsoluteUrl, "https:///path"));
  EXPECT_TRUE(check_text(Check::AbsoluteUrl, "https://:80/"));
  EXPECT_TRUE(check_text(Check::AbsoluteUrl, "https://a b/"));
}

TEST(SettingsChecks, HeaderName) {
  EXPECT_FALSE(check_text(Check::HeaderName, "X-Api-Key"));
  EXPECT_FALSE(check_text(Check::HeaderName, "Idempotency-Key"));
  EXPECT_TRUE(check_text(Check::HeaderName, ""));
  auto p = check_text(Check::HeaderName, "X Key");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 1u);
  EXPECT_TRUE(check_text(Check::HeaderName, "Key:"));
  EXPECT_TRUE(check_text(Check::HeaderName, "Ключ"));
}

TEST(SettingsChecks, PathsAndMethods) {
  EXPECT_FALSE(check_text(Check::WebhookPath, "/hooks/x"));
  EXPECT_TRUE(check_text(Check::WebhookPath, "hooks/x"));
  EXPECT_FALSE(check_text(Check::HttpMethod, "PATCH"));
  auto p = check_text(Check::HttpMethod, "POTS");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->candidates.size(), 5u);
}

TEST(SettingsChecks, PositiveCountsAndDurations) {
  EXPECT_FALSE(check_int(Check::PositiveCount, 1));
  EXPECT_TRUE(check_int(Check::PositiveCount, 0));
  EXPECT_TRUE(check_int(Check::PositiveCount, -3));
  EXPECT_FALSE(check_duration(Check::PositiveDuration, 1));
  EXPECT_TRUE(check_duration(Check::PositiveDuration, 0));
  EXPECT_FALSE(check_int(Check::None, -3));
  EXPECT_FALSE(check_text(Check::PositiveCount, "x"));
}

}  // namespace
}  // namespace weft::settings
