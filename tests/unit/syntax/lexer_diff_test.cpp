// Differential test of the hand-written lexer (detail::lex) against the generated ANTLR lexer
// (detail::lex_reference): same tokens, comments, diagnostics, covered ranges and bad literals, on
// every .flow file of the repository, on tricky hand-written inputs and on thousands of
// deterministic mutations of the files.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/syntax/internal.h"

namespace weft::syntax::detail {
namespace {

namespace fs = std::filesystem;

// Everything one lexical pass produces, one line per item.
std::vector<std::string> run(bool reference, std::string_view text, uint32_t begin, uint32_t end) {
  auto src = std::make_shared<diagnostics::SourceFile>("test.flow", std::string(text));
  ast::Module module;
  diagnostics::Bag diags;
  Context cx;
  cx.file = src.get();
  cx.text = src->text();
  cx.diags = &diags;
  cx.module = &module;
  auto toks = reference ? lex_reference(cx, begin, end) : lex(cx, begin, end);
  std::vector<std::string> out;
  for (const auto& t : toks)
    out.push_back("tok " + std::to_string(t.type) + " " + std::to_string(t.begin) + "-" + std::to_string(t.end) +
                  (t.hidden ? " hidden" : "") + (t.synthetic ? " synthetic" : ""));
  for (const auto& c : module.comments)
    out.push_back("comment " + std::to_string(c.range.begin) + "-" + std::to_string(c.range.end) +
                  (c.doc ? " doc " : " ") + c.text);
  for (const auto& d : diags.all()) {
    std::string line = "diag " + std::string(diagnostics::info(d.code).id) + " " + std::to_string(d.range.begin) +
                       "-" + std::to_string(d.range.end) + " " + d.message + " | " + d.label;
    for (const auto& n : d.notes) line += " | note " + n.message;
    out.push_back(line);
  }
  for (const auto& [b, e] : cx.covered) out.push_back("covered " + std::to_string(b) + "-" + std::to_string(e));
  std::vector<uint32_t> bad(cx.bad_literals.begin(), cx.bad_literals.end());
  std::sort(bad.begin(), bad.end());
  for (auto b : bad) out.push_back("bad literal " + std::to_string(b));
  return out;
}

// Empty when both lexers agree; else the first difference and the input.
std::string difference(std::string_view text, uint32_t begin, uint32_t end) {
  auto want = run(true, text, begin, end);
  auto got = run(false, text, begin, end);
  if (want == got) return {};
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  std::ostringstream os;
  os << "range " << begin << "-" << end << ", item " << i << ":\n  reference: "
     << (i < want.size() ? want[i] : "(none)") << "\n  hand lexer: " << (i < got.size() ? got[i] : "(none)")
     << "\ninput (" << text.size() << " bytes):\n";
  std::string_view shown = text.substr(0, std::min<size_t>(text.size(), 600));
  for (unsigned char c : shown) {
    if (c >= 0x20 && c < 0x7F) os << c;
    else if (c == '\n') os << "\\n\n";
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      os << buf;
    }
  }
  return os.str();
}

std::string difference(std::string_view text) { return difference(text, 0, static_cast<uint32_t>(text.size())); }

std::vector<std::pair<std::string, std::string>> flow_files() {
  std::vector<std::pair<std::string, std::string>> files;
  for (const char* dir : {"examples", "tests", "editors"}) {
    fs::path root = fs::path(WEFT_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".flow") continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::stringstream ss;
      ss << f.rdbuf();
      files.emplace_back(fs::relative(e.path(), WEFT_SOURCE_DIR).string(), ss.str());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LexerDiff, ComparisonSeesDifferences) {
  // The comparison itself must be able to fail: different inputs give a difference.
  auto a = run(true, "let x = 1", 0, 9);
  auto b = run(false, "let x = 2s", 0, 10);
  EXPECT_NE(a, b);
  EXPECT_GE(a.size(), 4u);
  EXPECT_FALSE(difference("flow f() { let s = \"a ${b} c\" }").size());
}

TEST(LexerDiff, HandWrittenEdgeCases) {
  const char* cases[] = {
      "", " ", "\n", "\r", "\r\n", "\r\r\n\n", "\t\f\v x", "\xEF\xBB\xBF" "flow", "\xEF\xBB", "\xEF",
      "import as type const fn connection flow test on options step let if else switch case default",
      "for in into concurrency yield parallel branch wait until signal timeout retry compensate try catch",
      "where fail with return emit run start await every mock expect advance true false null",
      "imports as_ _type Flow fn2 nullx x1 _", "( ) [ ] { } , ; : ... .. . ?. ?? ? -> => == != <= >= = < > + - * / % && || ! |",
      "& &&& ||| ==> !== ?.. ...... #@`~^\\$'", "a.b?.c??d",
      "0 12 10s 250ms 1h30m 1m 1d 5min 12abc 1.5s 1.5 1. 1.x 1e5 1e+5 1e- 1E5x 1.5e3 1.5e3s 1.5e 1h30 1ms5s 5m5",
      "1msx 1dd 007 1_000 1__ 9.9.9 1..2 1...2 3ms 3mss 3sm 3hm 3h1 4e 4e+ 4e+x 0.0e0 1.e5",
      "\"\" \"a\" \"a\\\"b\" \"a\\\\\" \"\\n\\t\\$\" \"unterminated\n\"x\\\n\"\\", "\"a\\", "\"", "\"\"\"", "\"\"\"\"",
      "\"\"\"\"\"", "\"\"\"\"\"\"", "\"\"\"\"\"\"\"", "\"\"\"a\"\"\"", "\"\"\"a\nb\"\"\" x", "\"\"\"a\"\"", "\"\"\"a\"\"b",
      "\"\"\"\\\"\"\"\"", "\"\"\"a\\\"\"\"\"", "\"\"\"${x}\"\"\"", "\"\"\"${\"\"\"}\"\"\"", "\"\"\"${\"a\"}\"\"\" tail \"\"\"",
      "\"\"\"$\"\"\"", "\"\"\"${\"\"\"", "\"\"\"${\"}\"\"\"\"", "\"\"\"\\", "\"\"\"\\\n\"\"\"",
      "\"${x}\"", "\"${}\"", "\"${\"", "\"${x\"", "\"${x}", "\"${ f(\"a\") }\"", "\"${ f(\"a\") }", "\"${\"${\"${x}\"}\"}\"",
      "\"${ {a: 1} }\"", "\"${ { }\"", "\"${ } }\"", "\"${a\nb}\"", "\"${a\nb\"", "\"$$\" \"$\" \"$ {x}\" \"${$}\"",
      "\"${\"\"\"x\"\"\"}\"", "\"${\"\"\"x\"\"\"}", "\"${\"\"\"x}\"\"\"}\"", "\"${\"\"\"}\"\"\"}\"\"", "\"${\"\"}\"",
      "\"${\"\"\"\"}\"", "\"${\\}\"", "\"${a\\}b}\"", "\"${a\\\"}\"", "\"a\\\r\nb\"", "\"${\r}\"",
      "// line\n/// doc\n//// four\n//\n///", "/* block */ /* multi\nline */ /**/ /*/ x */ /***/ /* unterminated",
      "/* a ** b *", "/*", "/*/", "a /* b */ c // d\r\n e", "x //\r", "\"/*\" /* \" */ \"*/\"",
      "\x80 \xC3\xA9 \xC3 \xE2\x82 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x90\x80\x80 \xED\xA0\x80 \xFF\xFE",
      "\"\xC3\xA9\" \"\\\xC3\xA9\" \"\xFF\" \"\\\xFF\" \"${\xFF}\" \"\"\"\xFF\"\"\"", "\xEF\xBF\xBD",
      "x\x01y\x7F", "let é = 1", "\"\"\"\n  multi ${a} \\${b} \\\" \" \"\" \n\"\"\"",
  };
  for (const char* c : cases) EXPECT_EQ(difference(c), "") << "case: " << c;
  // Embedded NUL bytes (a const char* case would stop at the first one).
  for (const std::string& nul : {std::string("a\0b", 3), std::string("a\0b\"\0\"", 6)}) EXPECT_EQ(difference(nul), "");
}

TEST(LexerDiff, EveryLiteralTokenOfTheGrammar) {
  // `KW_X : 'x' ;` and `ARROW : '->' ;`: each literal alone, glued to a name and between others.
  std::ifstream f(std::string(WEFT_SOURCE_DIR) + "/grammar/Weft.g4");
  ASSERT_TRUE(f) << "grammar/Weft.g4 not found";
  std::string line, all;
  size_t literals = 0;
  while (std::getline(f, line)) {
    if (line.empty() || !std::isupper(static_cast<unsigned char>(line[0]))) continue;
    size_t q = line.find(": '");
    if (q == std::string::npos) continue;
    size_t e = line.find("' ;", q + 3);
    if (e == std::string::npos) continue;
    std::string lit = line.substr(q + 3, e - q - 3);
    ++literals;
    for (const std::string& text : {lit, lit + "x", "x" + lit, lit + " " + lit, lit + lit, "(" + lit + ")"})
      EXPECT_EQ(difference(text), "") << text;
    all += lit + " ";
  }
  EXPECT_GE(literals, 70u);
  EXPECT_EQ(difference(all), "");
}

TEST(LexerDiff, EveryFlowFileOfTheRepository) {
  auto files = flow_files();
  ASSERT_GE(files.size(), 100u) << "the .flow files were not found under " << WEFT_SOURCE_DIR;
  size_t tokens = 0;
  for (const auto& [name, text] : files) {
    EXPECT_EQ(difference(text), "") << name;
    tokens += run(false, text, 0, static_cast<uint32_t>(text.size())).size();
  }
  EXPECT_GT(tokens, 10000u);
}

// Deterministic mutations: byte flips, truncations, inserted quotes, `${`, `/*`, invalid UTF-8...
std::string mutate(std::string text, std::mt19937& rng) {
  static const char* const kInserts[] = {"\"", "\"\"", "\"\"\"", "${", "}", "{", "/*", "*/", "//", "///", "\\",
                                         "\n", "\r", "\xFF", "\xC3", "\xE2\x82", "\xF0\x9F\x98\x80", "$",
                                         "1h", "ms", "1.5", "e+", "\\\n", "\"${", "\"\"\"${", "}\""};
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  int edits = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < edits; ++k) {
    size_t at = pick(text.size() + 1);
    switch (rng() % 6) {
      case 0:  // flip one byte
        if (!text.empty()) text[std::min(at, text.size() - 1)] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // truncate
        text.resize(at);
        break;
      case 2:  // delete a few bytes
        text.erase(at, 1 + pick(4));
        break;
      case 3:  // duplicate a piece
        text.insert(at, text.substr(pick(text.size() + 1), pick(12)));
        break;
      default:  // insert a lexically interesting piece
        text.insert(at, kInserts[pick(std::size(kInserts))]);
        break;
    }
  }
  return text;
}

TEST(LexerDiff, MutatedFiles) {
  auto files = flow_files();
  ASSERT_FALSE(files.empty());
  std::mt19937 rng(20261128);
  size_t runs = 0, failures = 0;
  for (int round = 0; round < 24; ++round) {
    for (const auto& [name, text] : files) {
      std::string m = mutate(text, rng);
      auto size = static_cast<uint32_t>(m.size());
      std::string diff;
      if (round % 3 == 2 && size > 0) {
        // A window of the file: lex() is also called on ranges.
        uint32_t b = static_cast<uint32_t>(rng() % size);
        uint32_t e = b + static_cast<uint32_t>(rng() % std::min<uint32_t>(size - b + 1, 400));
        diff = difference(m, b, e);
      } else {
        diff = difference(m);
      }
      ++runs;
      if (!diff.empty() && ++failures <= 5) ADD_FAILURE() << name << " (round " << round << "): " << diff;
    }
  }
  EXPECT_EQ(failures, 0u) << "of " << runs << " mutated inputs";
  EXPECT_GE(runs, 3000u);
}

// Inputs built from the lexically interesting pieces alone: dense strings, interpolations, comments.
TEST(LexerDiff, RandomPieces) {
  static const char* const kPieces[] = {"\"", "\"\"\"", "${", "}", "{", "$", "\\", "\n", "\r", "a", " ", "/*", "*/",
                                        "//", "*", "/", "1", "s", "m", ".", "e", "\xFF", "\xC3\xA9", "x"};
  // Only what strings are made of: dense nesting of quotes, interpolations and escapes.
  static const char* const kStringPieces[] = {"\"", "\"\"\"", "${", "}", "{", "$", "\\", "\n", "a"};
  // WEFT_LEXER_FUZZ=<count> runs more inputs (a longer local hunt); the default stays quick.
  long count = 12000;
  if (const char* env = std::getenv("WEFT_LEXER_FUZZ")) count = std::max(1L, std::atol(env));
  std::mt19937 rng(7);
  size_t failures = 0;
  for (long k = 0; k < count; ++k) {
    std::string s;
    int n = 1 + static_cast<int>(rng() % 24);
    for (int j = 0; j < n; ++j)
      s += k % 2 ? kPieces[rng() % std::size(kPieces)] : kStringPieces[rng() % std::size(kStringPieces)];
    std::string diff = difference(s);
    if (!diff.empty() && ++failures <= 5) ADD_FAILURE() << diff;
  }
  EXPECT_EQ(failures, 0u);
}

}  // namespace
}  // namespace weft::syntax::detail
