#include "tests/golden/runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace weft::golden {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "// >";

std::string rstrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

}  // namespace

const fs::path& source_root() {
  static const fs::path root = WEFT_SOURCE_DIR;
  return root;
}

const fs::path& golden_dir() {
  static const fs::path dir = source_root() / "tests" / "golden";
  return dir;
}

bool updating() {
  const char* v = std::getenv("WEFT_GOLDEN_UPDATE");
  return v && std::string_view(v) == "1";
}

std::vector<fs::path> case_files(const fs::path& dir, std::string_view extension, bool recursive,
                                 const std::vector<std::string>& skip) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  auto take = [&](const fs::directory_entry& e) {
    if (e.is_regular_file() && e.path().extension() == extension) out.push_back(e.path());
  };
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
      if (it.depth() == 0 && it->is_directory() &&
          std::find(skip.begin(), skip.end(), it->path().filename().string()) != skip.end()) {
        it.disable_recursion_pending();
        continue;
      }
      take(*it);
    }
  } else {
    for (const auto& e : fs::directory_iterator(dir)) take(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(const fs::path& path) {
  std::string s = fs::relative(path, golden_dir()).replace_extension().generic_string();
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(rstrip(line));
  return out;
}

TextCase read_text_case(const fs::path& path) {
  TextCase c;
  c.path = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return c;
  std::stringstream ss;
  ss << in.rdbuf();
  c.read_ok = true;
  std::string text = ss.str();
  std::vector<std::pair<size_t, std::string>> lines;  // (offset, line)
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    lines.emplace_back(pos, text.substr(pos, end - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  size_t n = lines.size();
  while (n > 0 && rstrip(lines[n - 1].second).empty()) --n;
  size_t first = n;
  while (first > 0 && lines[first - 1].second.rfind(kPrefix, 0) == 0) --first;
  for (size_t i = first; i < n; ++i) {
    std::string l = rstrip(lines[i].second.substr(kPrefix.size()));
    if (!l.empty() && l[0] == ' ') l.erase(0, 1);
    c.expected.push_back(l);
  }
  c.source = first < lines.size() ? text.substr(0, lines[first].first) : text;
  if (first < lines.size()) {  // blank lines between the code and the block are not source either
    size_t keep = c.source.size();
    while (keep > 0 && std::isspace(static_cast<unsigned char>(c.source[keep - 1]))) --keep;
    size_t nl = c.source.find('\n', keep);
    c.source.resize(nl == std::string::npos ? keep : nl + 1);
  }
  return c;
}

void check_text_case(const TextCase& c, const std::vector<std::string>& actual) {
  ASSERT_TRUE(c.read_ok) << "cannot read " << c.path;
  if (updating()) {
    if (actual == c.expected) return;
    std::string text = c.source;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    text += "\n\n";
    for (const auto& l : actual) text += std::string(kPrefix) + (l.empty() ? "" : " " + l) + "\n";
    write_file(c.path, text);
    return;
  }
  ASSERT_FALSE(c.expected.empty()) << c.path << " has no `// > ` expectation block (run with WEFT_GOLDEN_UPDATE=1)";
  expect_same(joined(c.expected), joined(actual), fs::relative(c.path, source_root()).generic_string());
}

void expect_same(const std::string& expected, const std::string& actual, const std::string& what) {
  EXPECT_EQ(expected, actual) << "golden mismatch in " << what << " (WEFT_GOLDEN_UPDATE=1 rewrites it)";
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  EXPECT_TRUE(out.flush()) << "cannot write " << path;
}

}  // namespace weft::golden
