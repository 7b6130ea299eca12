// Random and truncated input never crashes the server, and it still answers afterwards.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <random>
#include <sstream>

#include "lsp/client.h"
#include "lsp/transport.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;

std::vector<std::string> seed_messages() {
  std::string text = "/// doc\ntype A { x: int, y?: [string] }\nflow f(a: A) -> json {\n  step s = c.get(\"/${a.x}\")\n  return { ok: true }\n}\n";
  std::vector<json::value> v = {
      json::object{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", json::object{}}},
      json::object{{"jsonrpc", "2.0"}, {"method", "textDocument/didOpen"},
                   {"params", json::object{{"textDocument", json::object{{"uri", "file:///f.flow"}, {"languageId", "weft"}, {"version", 1}, {"text", text}}}}}},
      json::object{{"jsonrpc", "2.0"}, {"method", "textDocument/didChange"},
                   {"params", json::object{{"textDocument", json::object{{"uri", "file:///f.flow"}, {"version", 2}}},
                                           {"contentChanges", json::array{json::object{{"range", json::object{{"start", json::object{{"line", 1}, {"character", 5}}}, {"end", json::object{{"line", 1}, {"character", 6}}}}}, {"text", "Bé"}}}}}}},
      json::object{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "textDocument/foldingRange"},
                   {"params", json::object{{"textDocument", json::object{{"uri", "file:///f.flow"}}}}}},
      json::object{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "textDocument/hover"},
                   {"params", json::object{{"textDocument", json::object{{"uri", "file:///f.flow"}}}, {"position", json::object{{"line", 3}, {"character", 10}}}}}},
      json::object{{"jsonrpc", "2.0"}, {"id", 4}, {"method", "textDocument/completion"},
                   {"params", json::object{{"textDocument", json::object{{"uri", "file:///f.flow"}}}, {"position", json::object{{"line", 3}, {"character", 16}}}}}},
      json::object{{"jsonrpc", "2.0"}, {"method", "$/cancelRequest"}, {"params", json::object{{"id", 4}}}},
  };
  std::vector<std::string> out;
  for (auto& m : v) out.push_back(json::serialize(m));
  return out;
}

std::string mutate(std::string s, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 5);
  int n = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < n && !s.empty(); ++k) {
    size_t at = rng() % s.size();
    switch (op(rng)) {
      case 0: s[at] = static_cast<char>(rng() % 256); break;
      case 1: s.erase(at, 1 + rng() % 8); break;
      case 2: s.insert(at, std::string(1 + rng() % 3, "{}[]\",:0-9aé\\"[rng() % 14])); break;
      case 3: s = s.substr(0, at); break;
      case 4: s.insert(at, "\"line\":-1,"); break;
      default: s.insert(at, "99999999999999999999"); break;
    }
  }
  return s;
}

TEST(Fuzz, MutatedMessagesNeverCrashTheServer) {
  std::mt19937 rng(12345);
  auto seeds = seed_messages();
  ScriptedClient c;
  for (int round = 0; round < 3000; ++round) c.send_raw(mutate(seeds[rng() % seeds.size()], rng));
  // Valid messages after the noise still work.
  c.server().wait_idle();
  c.discard_responses();
  // initialize may or may not have survived the mutations; either way the server answers.
  auto init = c.request("initialize", json::object{});
  ASSERT_TRUE(init.as_object().contains("result") || init.as_object().contains("error"));
  c.open("file:///g.flow", "flow g() -> json {\n  return {}\n}\n", 1);
  auto r = c.call("textDocument/foldingRange", json::object{{"textDocument", json::object{{"uri", "file:///g.flow"}}}});
  EXPECT_EQ(r.as_array().size(), 1u);
}

TEST(Fuzz, RandomBytesThroughTheFramedTransport) {
  std::mt19937 rng(777);
  auto seeds = seed_messages();
  for (int round = 0; round < 200; ++round) {
    std::string input;
    for (int k = 0; k < 10; ++k) {
      std::string body = rng() % 3 == 0 ? mutate(seeds[rng() % seeds.size()], rng) : seeds[rng() % seeds.size()];
      std::string framed = frame(body);
      if (rng() % 4 == 0) framed = mutate(framed, rng);
      input += framed;
    }
    if (rng() % 2) input = input.substr(0, rng() % (input.size() + 1));  // truncated stream
    std::istringstream in(input);
    std::ostringstream out;
    int status = serve(in, out);
    EXPECT_TRUE(status == 0 || status == 1);
  }
}

}  // namespace
}  // namespace weft::lsp
