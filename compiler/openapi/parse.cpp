// JSON (Boost.JSON) and YAML (yaml-cpp) files → boost::json values, with error places.
#include "compiler/openapi/parse.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

namespace weft::openapi::detail {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 256;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// A plain (unquoted) YAML scalar typed by the YAML 1.2 core schema.
json::value plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* b = s.data();
  const char* e = b + s.size();
  const char* digits = (*b == '-' || *b == '+') ? b + 1 : b;
  if (digits < e && std::all_of(digits, e, [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t v = 0;
    auto r = std::from_chars(*b == '+' ? b + 1 : b, e, v);
    if (r.ec == std::errc() && r.ptr == e) return v;
  }
  if (digits < e && (std::isdigit(static_cast<unsigned char>(*digits)) || *digits == '.')) {
    bool numeric = std::all_of(digits, e, [](char c) {
      return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    });
    if (numeric) {
      double d = 0;
      auto r = std::from_chars(*b == '+' ? b + 1 : b, e, d);
      if (r.ec == std::errc() && r.ptr == e) return d;
    }
  }
  if (s == ".inf" || s == "+.inf" || s == ".Inf") return std::numeric_limits<double>::infinity();
  if (s == "-.inf" || s == "-.Inf") return -std::numeric_limits<double>::infinity();
  return json::string(s);
}

struct YamlConverter {
  ParsedFile& f;
  DocumentError& err;

  Position mark(const YAML::Mark& m) const {
    return Position{f.path, static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
  }

  bool convert(const YAML::Node& n, json::value& out, int depth) {
    if (depth > kMaxDepth) {
      err = {mark(n.Mark()), "nested too deeply (more than 256 levels, or an alias that contains itself)"};
      return false;
    }
    switch (n.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: out = nullptr; return true;
      case YAML::NodeType::Scalar:
        out = n.Tag() == "?" ? plain_scalar(n.Scalar()) : json::value(json::string(n.Scalar()));
        return true;
      case YAML::NodeType::Sequence: {
        json::array& a = out.emplace_array();
        a.reserve(n.size());
        for (const auto& item : n) {
          a.emplace_back(nullptr);
          if (!convert(item, a.back(), depth + 1)) return false;
        }
        return true;
      }
      case YAML::NodeType::Map: {
        json::object& o = out.emplace_object();
        o.reserve(n.size());
        for (auto it = n.begin(); it != n.end(); ++it) {
          if (!it->first.IsScalar()) {
            err = {mark(it->first.Mark()), "a mapping key must be a plain value"};
            return false;
          }
          const std::string& key = it->first.Scalar();
          if ((key == "operationId" || key == "$ref") && it->second.IsScalar())
            f.marks.emplace(key + '\x1f' + it->second.Scalar(), mark(it->second.Mark()));
          else if (!key.empty() && key[0] == '/')
            f.marks.emplace('\x1f' + key, mark(it->first.Mark()));
          json::value v;
          if (!convert(it->second, v, depth + 1)) return false;
          o[key] = std::move(v);
        }
        return true;
      }
    }
    out = nullptr;
    return true;
  }
};

}  // namespace

Position ParsedFile::at(size_t offset) {
  if (line_starts.empty()) {
    line_starts.push_back(0);
    for (const char* p = text.data(), *end = p + text.size();
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) != nullptr; ++p)
      line_starts.push_back(static_cast<uint32_t>(p - text.data() + 1));
  }
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), static_cast<uint32_t>(offset));
  size_t line = static_cast<size_t>(it - line_starts.begin());  // 1-based
  return Position{path, static_cast<uint32_t>(line), static_cast<uint32_t>(offset - line_starts[line - 1] + 1)};
}

void ParsedFile::index(std::string_view key) {
  if (yaml || !indexed.insert(std::string(key)).second) return;
  // JSON: one pass over the text for every `"key": "value"` (values without escapes), or for
  // every object key that starts with `/` when `key` is empty.
  std::string needle = key.empty() ? std::string("\"/") : "\"" + std::string(key) + "\"";
  for (size_t p = text.find(needle); p != std::string_view::npos; p = text.find(needle, p + 1)) {
    if (p > 0 && text[p - 1] == '\\') continue;
    if (key.empty()) {
      size_t close = text.find('"', p + 1);
      if (close == std::string_view::npos) break;
      size_t i = close + 1;
      while (i < text.size() && is_space(text[i])) ++i;
      if (i < text.size() && text[i] == ':') marks.emplace('\x1f' + std::string(text.substr(p + 1, close - p - 1)), at(p));
      continue;
    }
    size_t i = p + needle.size();
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size() || text[i] != ':') continue;
    ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size() || text[i] != '"') continue;
    size_t close = text.find('"', i + 1);
    if (close == std::string_view::npos) break;
    marks.emplace(std::string(key) + '\x1f' + std::string(text.substr(i + 1, close - i - 1)), at(i));
  }
}

Position ParsedFile::find(std::string_view key, std::string_view value) {
  index(key);
  auto it = marks.find(std::string(key) + '\x1f' + std::string(value));
  return it == marks.end() ? Position{path} : it->second;
}

Position ParsedFile::find_key(std::string_view key) {
  index("");
  auto it = marks.find('\x1f' + std::string(key));
  return it == marks.end() ? Position{path} : it->second;
}

bool parse_file(ParsedFile& f, DocumentError& error) {
  size_t first = 0;
  while (first < f.text.size() && is_space(f.text[first])) ++first;
  f.yaml = !(first < f.text.size() && (f.text[first] == '{' || f.text[first] == '['));
  if (!f.yaml) {
    json::parse_options opts;
    opts.max_depth = kMaxDepth;
    json::stream_parser p(json::storage_ptr(), opts);
    p.reset(f.arena.get());
    json::error_code ec;
    size_t n = p.write_some(f.text.data(), f.text.size(), ec);
    if (!ec && n < f.text.size()) ec = json::error::extra_data;
    if (!ec) {
      p.finish(ec);
      n = f.text.size();
    }
    if (ec) {
      error = {f.at(std::min(n, f.text.size())), "invalid JSON: " + ec.message()};
      return false;
    }
    f.root = p.release();
    return true;
  }
  try {
    YAML::Node n = YAML::Load(std::string(f.text));
    YamlConverter c{f, error};
    f.root = json::value(f.arena.get());
    return c.convert(n, f.root, 0);
  } catch (const YAML::Exception& e) {
    error = {Position{f.path, static_cast<uint32_t>(e.mark.line + 1), static_cast<uint32_t>(e.mark.column + 1)},
             "invalid YAML: " + e.msg};
    if (e.mark.is_null()) error.pos.line = error.pos.column = 0;
    return false;
  }
}

}  // namespace weft::openapi::detail
