// UTF-8 decoding/encoding and simple Unicode case mapping for the string functions.
// Case mapping covers Basic Latin, Latin-1 Supplement, Latin Extended-A, Latin Extended
// Additional, Greek and Cyrillic (incl. ß -> SS and the Greek final sigma); other code points
// are left unchanged.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace weft::functions::unicode {

/// Decodes UTF-8 into code points; each byte of an invalid sequence becomes U+FFFD.
std::vector<char32_t> decode(std::string_view s);
/// Encodes code points as UTF-8 (surrogates and values above U+10FFFF become U+FFFD).
std::string encode(const std::vector<char32_t>& cps);
/// Appends one code point as UTF-8.
void append(std::string& out, char32_t cp);
/// Number of code points (an invalid byte counts as one).
std::size_t length(std::string_view s);
/// Byte offsets of every code point start, plus s.size() at the end.
std::vector<std::size_t> boundaries(std::string_view s);
/// Whether s is well-formed UTF-8.
bool valid(std::string_view s);
/// Full lower-case mapping of a string (final sigma aware).
std::string to_lower(std::string_view s);
/// Full upper-case mapping of a string (ß -> SS).
std::string to_upper(std::string_view s);
/// Whether cp is Unicode White_Space.
bool is_space(char32_t cp);

}  // namespace weft::functions::unicode
