// The one golden-test runner. Every golden suite (diagnostics, IR dumps, language-server sessions)
// keeps its expectations in the test file itself and rewrites them from the actual output when
// run with WEFT_GOLDEN_UPDATE=1:
//  - text cases (`.flow`): the file ends with a block of `// > ` lines, the expected output; the
//    text before the block is the case's source; a blank expected line is written `// >`;
//  - structured cases (`.json` sessions): the suite compares and rewrites its own fields through
//    expect_same() and write_file().
#pragma once
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace weft::golden {

/// The repository root (WEFT_SOURCE_DIR).
const std::filesystem::path& source_root();
/// tests/golden under the repository root.
const std::filesystem::path& golden_dir();

/// True when WEFT_GOLDEN_UPDATE=1: expectations are rewritten from the actual output, not compared.
bool updating();

/// The regular files of `dir` ending in `extension`, sorted; `recursive` descends into
/// subdirectories except those named in `skip` (names of direct children of `dir`).
std::vector<std::filesystem::path> case_files(const std::filesystem::path& dir, std::string_view extension,
                                              bool recursive, const std::vector<std::string>& skip = {});

/// A gtest-safe test name for a case: its path relative to golden_dir(), extension dropped,
/// every other character than a letter or digit replaced by `_`.
std::string test_name(const std::filesystem::path& path);

/// The text lines of `text`, each right-trimmed of spaces, tabs and carriage returns.
std::vector<std::string> lines_of(const std::string& text);

/// A text case split into its source and its expectation block.
struct TextCase {
  std::filesystem::path path;
  bool read_ok = false;               ///< false when the file could not be read
  std::string source;                 ///< the text before the block (trailing blank lines dropped)
  std::vector<std::string> expected;  ///< the block's lines without the `// > ` prefix
};

/// Reads and splits a text case.
TextCase read_text_case(const std::filesystem::path& path);

/// Compares `actual` (right-trimmed lines) with the case's block as a gtest expectation, or, when
/// updating(), rewrites the block of the file when they differ. An empty block fails the test.
void check_text_case(const TextCase& c, const std::vector<std::string>& actual);

/// Compares an expected and an actual text as a gtest expectation naming `what` (for structured cases).
void expect_same(const std::string& expected, const std::string& actual, const std::string& what);

/// Replaces the content of a case file (for structured cases when updating()).
void write_file(const std::filesystem::path& path, const std::string& text);

}  // namespace weft::golden
