// docs/settings.md carries a reference generated from the settings table, between two markers.
// This test fails when they differ; run it with WEFT_UPDATE_DOCS=1 to rewrite the section.
#include <gtest/gtest.h>

#include "stdlib/settings/settings.h"
#include "tests/unit/generated_docs.h"

namespace weft::settings {
namespace {

constexpr std::string_view kBegin =
    "<!-- BEGIN GENERATED SETTINGS REFERENCE: edit stdlib/settings/settings.cpp, then run "
    "WEFT_UPDATE_DOCS=1 build/tests/unit_settings --gtest_filter=SettingsDocs.* -->\n";
constexpr std::string_view kEnd = "<!-- END GENERATED SETTINGS REFERENCE -->\n";

/// The sections of the reference, in order: a title, what the block is, and its block.
struct Section {
  const char* title;
  const char* intro;
  Block block;
};
const Section kSections[] = {
    {"Connection settings", "`connection name = http { ... }`", Block::Connection},
    {"`rate_limit`", "`rate_limit: { ... }` in a connection", Block::RateLimit},
    {"`breaker`", "`breaker: { ... }` in a connection", Block::Breaker},
    {"Retry policy", "`retry: { ... }` in a connection or options, `retry { ... }` after a step", Block::Retry},
    {"Webhook trigger", "`on webhook \"/path\" { ... }`", Block::Webhook},
    {"Schedule trigger", "`on schedule \"cron\" { ... }`", Block::Schedule},
    {"Poll trigger", "`on poll conn.get(...) every 5m { ... }`", Block::Poll},
    {"Event trigger", "`on event \"type\" { ... }`", Block::Event},
    {"Flow options", "`options { ... }` in a flow", Block::Options},
    {"`concurrency`", "`concurrency: { ... }` in options", Block::Concurrency},
};
const std::pair<const char*, Group> kGroups[] = {
    {"Auth constructors (`auth:`)", Group::Auth},
    {"Webhook verify rules (`verify:`)", Group::Verify},
    {"Backoff (`backoff:` in a retry policy)", Group::Backoff},
};

std::string generate() {
  std::string out;
  for (const auto& sec : kSections) {
    out += "\n### " + std::string(sec.title) + "\n\n" + sec.intro + "\n\n";
    for (const auto* s : settings_in(sec.block)) {
      out += "- **`" + std::string(s->name) + "`** (`" + display_type(*s) + "`" +
             (s->required ? ", required" : "") + ") — " + std::string(s->doc);
      if (s->check != Check::None) out += " Checked before running: " + std::string(describe(s->check)) + ".";
      out += "  \n  Example: `" + std::string(s->example) + "`\n";
    }
  }
  out += "\n### Triggers\n\n";
  for (const auto& t : trigger_kinds()) {
    out += "- **`on " + std::string(t.name) + "`** " + std::string(t.subject) + " — " + std::string(t.doc);
    if (t.check != Check::None) out += " Checked before running: " + std::string(describe(t.check)) + ".";
    out += "  \n  Example: `" + std::string(t.example) + "`\n";
  }
  for (const auto& [title, group] : kGroups) {
    out += "\n### " + std::string(title) + "\n\n";
    for (const auto* c : constructors_in(group)) {
      out += "- `" + signature_text(*c) + "` — " + std::string(c->doc);
      for (const auto& p : c->params)
        if (p.check != Check::None)
          out += " `" + std::string(p.name) + "` is checked before running: " + std::string(describe(p.check)) + ".";
      out += "  \n  Example: `" + std::string(c->example) + "`\n";
    }
  }
  return out + "\n";
}

TEST(SettingsDocs, SectionsCoverEveryBlock) {
  size_t listed = 0;
  for (const auto& sec : kSections) listed += settings_in(sec.block).size();
  EXPECT_EQ(listed, settings().size());
  size_t ctors = 0;
  for (const auto& g : kGroups) ctors += constructors_in(g.second).size();
  EXPECT_EQ(ctors, constructors().size());
}

TEST(SettingsDocs, SettingsMarkdownMatchesTheTable) {
  weft::docs_testing::expect_generated_section("docs/settings.md", kBegin, kEnd, generate(),
                                          "WEFT_UPDATE_DOCS=1 build/tests/unit_settings --gtest_filter=SettingsDocs.*");
}

}  // namespace
}  // namespace weft::settings
