// Text utilities shared by the document store, the core and the protocol layer:
// LSP positions (0-based line, UTF-16 code units) <-> byte offsets, and file URIs <-> paths.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::lsp {

/// An LSP position: 0-based line and 0-based character counted in UTF-16 code units.
struct Position {
  uint32_t line = 0;
  uint32_t character = 0;
  friend bool operator==(const Position&, const Position&) = default;
  friend auto operator<=>(const Position&, const Position&) = default;
};

/// An LSP range: [start, end) in positions.
struct Range {
  Position start;
  Position end;
  friend bool operator==(const Range&, const Range&) = default;
};

/// Maps byte offsets of one text to positions and back. Lines end at "\n", "\r\n" or "\r" (as LSP
/// says); invalid UTF-8 bytes count as one UTF-16 unit each. Keeps a view: the text must outlive it.
class LineIndex {
 public:
  /// Indexes `text`'s line starts.
  explicit LineIndex(std::string_view text);
  /// The position of a byte offset (clamped to the text; an offset inside a UTF-8 sequence
  /// counts from the start of that sequence).
  Position position(uint32_t offset) const;
  /// The byte offset of a position; a character past the line's end clamps to the line's end
  /// (before its terminator), a line past the last clamps to the end of the text.
  uint32_t offset(Position p) const;
  /// Number of lines (at least 1).
  uint32_t line_count() const { return static_cast<uint32_t>(starts_.size()); }
  /// Byte offset where a 0-based line starts (clamped).
  uint32_t line_start(uint32_t line) const;
  /// Byte offset of the end of a 0-based line's content (before its terminator).
  uint32_t line_end(uint32_t line) const;
  /// The indexed text.
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;
};

/// Length in UTF-16 code units of a UTF-8 string (invalid bytes count one each).
uint32_t utf16_length(std::string_view utf8);

/// The local path of a `file:` URI (percent-decoded); nullopt for other schemes or malformed URIs.
std::optional<std::string> uri_to_path(std::string_view uri);
/// The `file://` URI of an absolute path (percent-encoding what RFC 3986 requires).
std::string path_to_uri(std::string_view path);

}  // namespace weft::lsp
