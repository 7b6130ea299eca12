// Every function rejects arguments of the wrong kind with a FunctionError that names the function
// and the offending argument; none crashes or returns a value.
#include <gtest/gtest.h>

#include "helpers.h"

using namespace weft::functions::testing;

TEST(Errors, WrongArgumentKindsNameTheFunctionAndArgument) {
  struct Case {
    const char* name;
    const char* args;
    const char* message;
  } cases[] = {
      {"lower", "[1]", "lower: argument `s`: expected a string, got int"},
      {"upper", "[[]]", "upper: argument `s`: expected a string, got list"},
      {"trim", "[{}]", "trim: argument `s`: expected a string, got object"},
      {"split", R"(["a", 1])", "split: argument `sep`: expected a string, got int"},
      {"join", R"(["a", ","])", "join: argument `xs`: expected a list, got string"},
      {"replace", R"(["a", "b", null])", "replace: argument `new`: expected a string, got null"},
      {"starts_with", R"([1, "a"])", "starts_with: argument `s`: expected a string, got int"},
      {"ends_with", R"(["a", true])", "ends_with: argument `suffix`: expected a string, got bool"},
      {"substring", R"(["abc", 1.5])", "substring: argument `start`: expected an int, got float"},
      {"pad_left", R"(["a", "3"])", "pad_left: argument `width`: expected an int, got string"},
      {"reduce", R"([[1], 1, 0])", "reduce: argument `f`: expected a function (a lambda such as `x => ...`)"},
      {"find", R"([{}, 1])", "find: argument `xs`: expected a list, got object"},
      {"group_by", R"([[1], "k"])", "group_by: argument `f`: expected a function (a lambda such as `x => ...`)"},
      {"any", R"([1])", "any: argument `xs`: expected a list, got int"},
      {"sort", R"([[1], "yes"])", "sort: argument `desc`: expected a bool, got string"},
      {"unique", R"(["abc"])", "unique: argument `xs`: expected a list, got string"},
      {"flatten", R"([null])", "flatten: argument `xs`: expected a list, got null"},
      {"first", R"(["abc"])", "first: argument `xs`: expected a list, got string"},
      {"last", R"([{}])", "last: argument `xs`: expected a list, got object"},
      {"skip", R"([[1], "1"])", "skip: argument `n`: expected an int, got string"},
      {"zip", R"([[1], 2])", "zip: argument `b`: expected a list, got int"},
      {"values", R"([[1]])", "values: argument `m`: expected a map or object, got list"},
      {"entries", R"(["x"])", "entries: argument `m`: expected a map or object, got string"},
      {"omit", R"([{}, "a"])", "omit: argument `keys`: expected a list, got string"},
      {"has", R"([{}, 1])", "has: argument `key`: expected a string, got int"},
      {"get", R"([[1], "0"])", "get: argument `index`: expected an int, got string"},
      {"abs", R"(["1"])", "abs: argument `x`: expected a number, got string"},
      {"floor", R"([null])", "floor: argument `x`: expected a number, got null"},
      {"ceil", R"([1e300])", "ceil: argument `x`: the value is not representable as an int"},
      {"to_float", R"(["1"])", "to_float: argument `x`: expected a number, got string"},
      {"parse_float", R"([1.5])", "parse_float: argument `s`: expected a string, got float"},
      {"now", R"([1])", "now: expected 0 arguments, got 1"},
      {"add_duration", R"(["2024-01-01T00:00:00Z", "1h"])", "add_duration: argument `d`: expected an int, got string"},
      {"diff", R"(["2024-01-01T00:00:00Z", 5])", "diff: argument `b`: expected a time (RFC 3339 string), got int"},
      {"to_unix", R"(["2024-13-01T00:00:00Z"])", "to_unix: argument `t`: `2024-13-01T00:00:00Z` is not an RFC 3339 time"},
      {"from_unix", R"(["0"])", "from_unix: argument `seconds`: expected a number, got string"},
      {"start_of", R"(["2024-01-01T00:00:00Z", "day", "Nowhere/City"])", "start_of: argument `tz`: unknown time zone `Nowhere/City`"},
      {"format_time", R"(["2024-01-01T00:00:00Z", "%Y %"])", "format_time: argument `pattern`: pattern ends with a lone `%`"},
      {"parse_json", R"([1])", "parse_json: argument `s`: expected a string, got int"},
      {"base64_encode", R"([1])", "base64_encode: argument `s`: expected a string, got int"},
      {"url_encode", R"([1])", "url_encode: argument `s`: expected a string or a map of strings, got int"},
      {"hex_encode", R"([[]])", "hex_encode: argument `s`: expected a string, got list"},
      {"hmac_sha256", R"([null, "m"])", "hmac_sha256: argument `key`: expected a string, got null"},
      {"sha256", R"([{}])", "sha256: argument `s`: expected a string, got object"},
      {"uuid", R"([1])", "uuid: expected 0 arguments, got 1"},
      {"random", R"([1])", "random: argument `hi`: missing"},
      {"type_of", R"([])", "type_of: expected 1 argument, got 0"},
      {"coalesce", R"([])", "coalesce: expected at least 1 argument, got 0"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of(c.name, c.args), c.message) << c.name << c.args;
}
