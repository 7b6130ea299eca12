#include <gtest/gtest.h>

#include "helpers.h"

using namespace weft::functions;
using namespace weft::functions::testing;
namespace json = boost::json;

namespace {
json::value call0(std::string_view name, Context& ctx, json::array args = {}) {
  return call(name, std::span<const json::value>(args.data(), args.size()), ctx);
}
}  // namespace

TEST(Context, RecordThenReplayGivesTheSameValues) {
  SystemContext real;
  RecordingContext rec(real);
  json::value a = call0("now", rec), b = call0("uuid", rec), c = call0("random", rec),
              d = call0("random", rec, {1, 100});
  ASSERT_EQ(rec.recorded().size(), 4u);
  EXPECT_EQ(rec.recorded()[0].at("fn"), "now");

  FixedContext other;  // would give different answers
  ReplayContext replay(rec.recorded(), other);
  EXPECT_EQ(call0("now", replay), a);
  EXPECT_EQ(call0("uuid", replay), b);
  EXPECT_EQ(call0("random", replay), c);
  EXPECT_EQ(call0("random", replay, {1, 100}), d);
  EXPECT_EQ(replay.position(), 4u);
  // Past the recorded history, the fallback answers.
  EXPECT_EQ(call0("now", replay), J(R"("2024-03-08T10:00:00.000Z")"));
}

TEST(Context, ReplayDivergenceIsAnError) {
  FixedContext fixed;
  ReplayContext replay(J(R"([{"fn": "uuid", "value": "x"}])").as_array(), fixed);
  try {
    call0("now", replay);
    FAIL() << "no error";
  } catch (const FunctionError& e) {
    EXPECT_NE(std::string(e.what()).find("now: replay diverged from the recorded history: entry 0"),
              std::string::npos);
  }
  ReplayContext bad(J(R"([{"fn": "now", "value": "soon"}])").as_array(), fixed);
  EXPECT_THROW(call0("now", bad), FunctionError);
}
