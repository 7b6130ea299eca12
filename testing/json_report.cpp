#include "testing/json_report.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace weft::testing {

namespace json = boost::json;

std::string json_lines(const std::vector<TestOutcome>& outcomes) {
  std::string out;
  for (const auto& o : outcomes) {
    json::array failures;
    if (!o.passed)
      failures.push_back(json::object{{"file", o.file},
                                      {"line", o.failure_line},
                                      {"column", o.failure_column},
                                      {"message", o.message}});
    json::object test{{"file", o.file}, {"name", o.name},         {"line", o.line},
                      {"passed", o.passed}, {"time", o.seconds}, {"failures", std::move(failures)}};
    if (!o.passed && !o.history.empty()) test["history"] = o.history;
    out += json::serialize(test);
    out += '\n';
  }
  return out;
}

}  // namespace weft::testing
