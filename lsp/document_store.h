// The open documents: text and version of every buffer the editor has opened, with full and
// incremental synchronisation. Thread-safe; readers get immutable snapshots.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lsp/text.h"

namespace weft::lsp {

/// One version of an open document. Immutable once published by the store.
struct Document {
  std::string uri;
  std::string language_id;
  int64_t version = 0;
  std::string text;
};

using DocumentPtr = std::shared_ptr<const Document>;

/// One content change: replaces `range` (UTF-16 positions in the text as it is before this change)
/// with `text`, or the whole document when `range` is empty.
struct TextChange {
  std::optional<Range> range;
  std::string text;
};

class DocumentStore {
 public:
  /// Opens (or re-opens, replacing) a document.
  void open(const std::string& uri, std::string language_id, int64_t version, std::string text);
  /// Applies changes in order and sets the new version. Returns an error message (and changes
  /// nothing) when the document is not open or a range is out of order; nullopt on success.
  std::optional<std::string> change(const std::string& uri, int64_t version,
                                    const std::vector<TextChange>& changes);
  /// Forgets a document; true when it was open.
  bool close(const std::string& uri);
  /// The current snapshot of a document, or null when it is not open.
  DocumentPtr get(const std::string& uri) const;
  /// Snapshots of every open document, ordered by URI.
  std::vector<DocumentPtr> all() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, DocumentPtr> docs_;
};

/// Applies one change to a text in place; false when the range is reversed.
bool apply_change(std::string& text, const TextChange& change);

}  // namespace weft::lsp
