// Source text and locations shared by every compiler stage, the LSP and the renderers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::diagnostics {

/// A 1-based line and column (column counts bytes of UTF-8) used for human output.
struct LineCol {
  uint32_t line = 1;
  uint32_t column = 1;
};

/// One source file: its path as given, its text and an index of line starts.
class SourceFile {
 public:
  SourceFile(std::string path, std::string text);
  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  /// Line and column (both 1-based) of a byte offset; offsets past the end clamp to the end.
  LineCol line_col(uint32_t offset) const;
  /// Byte offset of a 1-based line and column (clamped to the text).
  uint32_t offset_of(LineCol lc) const;
  /// The text of a 1-based line without its line terminator.
  std::string_view line_text(uint32_t line) const;
  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }

 private:
  std::string path_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

using SourcePtr = std::shared_ptr<const SourceFile>;

/// A half-open byte range [begin, end) within one source file.
struct Range {
  const SourceFile* file = nullptr;
  uint32_t begin = 0;
  uint32_t end = 0;
  bool valid() const { return file != nullptr; }
  /// The smallest range covering both (same file assumed).
  Range to(const Range& other) const { return Range{file, begin, other.end > end ? other.end : end}; }
  bool contains(uint32_t offset) const { return offset >= begin && offset <= end; }
};

}  // namespace weft::diagnostics
