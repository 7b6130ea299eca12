// JSON Lines for `weft test --format json`: one JSON object per test, one per line, for tools
// (the language server's "run test" lens): {"file", "name", "line", "passed", "time" (seconds),
// "failures": [{"file", "line", "column", "message"}], "history"} — `failures` is empty when the
// test passed; `line`/`column` of a failure are 1-based (0: unknown), `history` only on failure.
#pragma once
#include <string>
#include <vector>

#include "testing/runner.h"

namespace weft::testing {

/// The outcomes as JSON Lines (one object per test, in the order given, each ending in '\n').
std::string json_lines(const std::vector<TestOutcome>& outcomes);

}  // namespace weft::testing
