// Byte encodings and digests used by the encoding and crypto functions (OpenSSL for SHA-256/HMAC).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace weft::functions {

/// Base64 of bytes: standard alphabet with padding, or the URL-safe alphabet without padding.
std::string base64_encode(std::string_view bytes, bool url_safe = false);
/// Decodes base64 in either alphabet, padding optional; nullopt on invalid input.
std::optional<std::string> base64_decode(std::string_view text);
/// Lower-case hexadecimal of bytes.
std::string hex_encode(std::string_view bytes);
/// RFC 3986 percent-encoding: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex).
std::string url_encode(std::string_view text);
/// Raw 32-byte SHA-256 digest.
std::string sha256_raw(std::string_view bytes);
/// Raw 32-byte HMAC-SHA256 of message under key.
std::string hmac_sha256_raw(std::string_view key, std::string_view message);
/// Fills a buffer with bytes from OpenSSL's CSPRNG; false if the generator fails.
bool random_bytes(unsigned char* out, std::size_t n);

}  // namespace weft::functions
