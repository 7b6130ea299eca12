#include "compiler/diagnostics/diagnostic.h"

#include <algorithm>
#include <cctype>

namespace weft::diagnostics {

const std::vector<CodeInfo>& registry() {
  static const std::vector<CodeInfo> all = {
#define WEFT_DIAG(code, sev, title) {Code::code, #code, Severity::sev, title},
#include "compiler/diagnostics/codes.def"
#undef WEFT_DIAG
  };
  return all;
}

const CodeInfo& info(Code code) { return registry()[static_cast<size_t>(code)]; }

std::optional<Code> code_from_id(std::string_view id) {
  for (const auto& c : registry())
    if (c.id == id) return c.code;
  return std::nullopt;
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

Diagnostic& Bag::add(Code code, Range range, std::string message, std::string label) {
  diags_.push_back(Diagnostic{code, info(code).severity, range, std::move(message), std::move(label), {}, {}});
  return diags_.back();
}

void Bag::append(const Bag& other) { diags_.insert(diags_.end(), other.diags_.begin(), other.diags_.end()); }

bool Bag::has_errors() const { return error_count() > 0; }

size_t Bag::error_count() const {
  return std::count_if(diags_.begin(), diags_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t Bag::warning_count() const {
  return std::count_if(diags_.begin(), diags_.end(), [](const Diagnostic& d) { return d.severity == Severity::Warning; });
}

void Bag::sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    std::string_view pa = a.range.file ? std::string_view(a.range.file->path()) : std::string_view();
    std::string_view pb = b.range.file ? std::string_view(b.range.file->path()) : std::string_view();
    if (pa != pb) return pa < pb;
    return a.range.begin < b.range.begin;
  });
}

// Optimal-string-alignment distance, case-insensitive: insertions, deletions, substitutions and
// swaps of two neighbouring letters (`titel` → `title`) each cost 1.
static size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1)});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  size_t best = SIZE_MAX;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best) best = d, pick = &c;
  }
  size_t limit = std::max<size_t>(1, std::min(name.size(), pick ? pick->size() : 0) / 3);
  if (pick && best <= limit && best < name.size()) return *pick;
  return std::nullopt;
}

std::vector<std::string> part_matches(std::string_view name, const std::vector<std::string>& candidates) {
  auto lower = [](std::string_view v) {
    std::string out(v);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string n = lower(name);
  std::vector<std::string> out;
  for (const auto& c : candidates) {
    const std::string lc = lower(c);
    if (lc == n || std::min(lc.size(), n.size()) < 3) continue;
    bool related = lc.size() < n.size() ? n.find(lc) != std::string::npos : lc.find(n) != std::string::npos;
    if (related && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  auto gap = [&](const std::string& c) { return c.size() > n.size() ? c.size() - n.size() : n.size() - c.size(); };
  std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    return gap(a) != gap(b) ? gap(a) < gap(b) : a < b;
  });
  return out;
}

}  // namespace weft::diagnostics
