#include "testing/junit.h"

#include <cstdio>
#include <map>

namespace weft::testing {

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (c < 0x20) break;  // not allowed in XML 1.0
        out += static_cast<char>(c);
    }
  }
  return out;
}

std::string junit_xml(const std::vector<TestOutcome>& outcomes, double total_seconds) {
  std::map<std::string, std::vector<const TestOutcome*>> by_file;
  size_t failures = 0;
  for (const auto& o : outcomes) {
    by_file[o.file].push_back(&o);
    if (!o.passed) ++failures;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"weft test\" tests=\"" + std::to_string(outcomes.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" time=\"" + seconds(total_seconds) + "\">\n";
  for (const auto& [file, tests] : by_file) {
    size_t f = 0;
    double t = 0;
    for (const auto* o : tests) {
      if (!o->passed) ++f;
      t += o->seconds;
    }
    out += "  <testsuite name=\"" + xml_escape(file) + "\" tests=\"" + std::to_string(tests.size()) + "\" failures=\"" +
           std::to_string(f) + "\" errors=\"0\" skipped=\"0\" time=\"" + seconds(t) + "\">\n";
    for (const auto* o : tests) {
      out += "    <testcase name=\"" + xml_escape(o->name) + "\" classname=\"" + xml_escape(file) + "\" file=\"" +
             xml_escape(file) + "\" line=\"" + std::to_string(o->line) + "\" time=\"" + seconds(o->seconds) + "\"";
      if (o->passed) {
        out += "/>\n";
        continue;
      }
      std::string first = o->message.substr(0, o->message.find('\n'));
      out += ">\n      <failure message=\"" + xml_escape(first) + "\" type=\"expectation\">";
      std::string body = (o->failure_line ? file + ":" + std::to_string(o->failure_line) + ": " : std::string()) + o->message;
      if (!o->history.empty()) body += "\n" + o->history;
      // Character data: newlines stay readable.
      std::string esc = xml_escape(body);
      size_t pos = 0;
      while ((pos = esc.find("&#10;", pos)) != std::string::npos) esc.replace(pos, 5, "\n");
      out += esc + "</failure>\n    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace weft::testing
