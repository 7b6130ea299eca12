#include "testing/history_text.h"

#include <boost/json.hpp>

namespace weft::testing {

namespace {

std::string offset(int64_t ms) {
  if (ms < 0) ms = 0;
  int64_t d = ms / 86400000, h = ms / 3600000 % 24, m = ms / 60000 % 60, s = ms / 1000 % 60, r = ms % 1000;
  std::string out = "+";
  if (d) out += std::to_string(d) + "d";
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s || r || out == "+") out += std::to_string(s) + (r ? "." + std::to_string(1000 + r).substr(1) : "") + "s";
  return out;
}

}  // namespace

std::string history_text(const std::vector<store::HistoryEvent>& events, int64_t epoch_ms) {
  std::string out;
  for (const auto& e : events) {
    std::string data = boost::json::serialize(e.data);
    if (data.size() > 240) data = data.substr(0, 240) + "…";
    std::string at = offset(e.at_ms - epoch_ms);
    out += "  " + std::to_string(e.seq) + "  " + at + std::string(at.size() < 10 ? 10 - at.size() : 1, ' ') + e.type +
           " " + data + "\n";
  }
  return out;
}

}  // namespace weft::testing
