#include "compiler/diagnostics/source.h"

#include <algorithm>

namespace weft::diagnostics {

SourceFile::SourceFile(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

LineCol SourceFile::line_col(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin());
  return {line, offset - line_starts_[line - 1] + 1};
}

uint32_t SourceFile::offset_of(LineCol lc) const {
  if (lc.line == 0) return 0;
  if (lc.line > line_starts_.size()) return static_cast<uint32_t>(text_.size());
  uint32_t start = line_starts_[lc.line - 1];
  uint32_t len = static_cast<uint32_t>(line_text(lc.line).size());
  return start + std::min(lc.column > 0 ? lc.column - 1 : 0, len);
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  uint32_t start = line_starts_[line - 1];
  uint32_t end = line < line_starts_.size() ? line_starts_[line] : static_cast<uint32_t>(text_.size());
  std::string_view v(text_.data() + start, end - start);
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

}  // namespace weft::diagnostics
