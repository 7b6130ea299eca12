// JUnit XML for `weft test --format junit`: one <testsuite> per .flow file, one <testcase> per
// test (classname = the file, time in seconds), a <failure> with the message and the history.
#pragma once
#include <string>
#include <vector>

#include "testing/runner.h"

namespace weft::testing {

/// The outcomes as a JUnit XML document (`total_seconds`: the whole run's wall time).
std::string junit_xml(const std::vector<TestOutcome>& outcomes, double total_seconds);

/// `text` escaped for XML attribute values and character data; characters XML 1.0 forbids are dropped.
std::string xml_escape(const std::string& text);

}  // namespace weft::testing
