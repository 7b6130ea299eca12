// Shared helpers for the functions unit tests.
#pragma once
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stdlib/functions/functions.h"

namespace weft::functions::testing {

/// A deterministic context: a fixed clock, counting UUIDs and a fixed random number.
class FixedContext : public Context {
 public:
  int64_t now = 1709892000000;  // 2024-03-08T10:00:00Z
  double rnd = 0.5;
  int uuids = 0;
  int64_t now_ms() override { return now; }
  std::string uuid() override { return "00000000-0000-4000-8000-00000000000" + std::to_string(uuids++); }
  double random() override { return rnd; }
};

/// Calls a function with JSON arguments given as a JSON array text: run("len", R"(["héllo"])").
inline boost::json::value run(std::string_view name, std::string_view args_json) {
  FixedContext ctx;
  auto args = boost::json::parse(args_json).as_array();
  return call(name, std::span<const boost::json::value>(args.data(), args.size()), ctx);
}

/// Parses JSON text.
inline boost::json::value J(std::string_view text) { return boost::json::parse(text); }

/// The message of the FunctionError a call raises, or "" if it succeeds.
inline std::string error_of(std::string_view name, std::string_view args_json) {
  try {
    run(name, args_json);
  } catch (const FunctionError& e) {
    return e.what();
  }
  return "";
}

/// Reads a file of the source tree.
inline std::string read_source_file(const std::string& rel) {
  std::ifstream in(std::string(WEFT_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace weft::functions::testing
