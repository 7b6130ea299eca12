#include "engine/store/keys.h"

namespace weft::store::key {

void append_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void append_i64(std::string& out, std::int64_t v) {
  append_u64(out, static_cast<std::uint64_t>(v) ^ (std::uint64_t{1} << 63));
}

void append_str(std::string& out, std::string_view s) {
  for (char c : s) {
    out.push_back(c);
    if (c == '\0') out.push_back('\xFF');
  }
  out.push_back('\0');
  out.push_back('\x01');
}

void append_raw(std::string& out, std::string_view s) { out.append(s); }

std::string u64(std::uint64_t v) {
  std::string out;
  append_u64(out, v);
  return out;
}

std::uint64_t decode_u64(std::string_view bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

std::optional<std::string> prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xFF) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

bool Reader::u64(std::uint64_t& v) {
  if (!ok_ || rest_.size() < 8) return ok_ = false;
  v = decode_u64(rest_);
  rest_.remove_prefix(8);
  return true;
}

bool Reader::i64(std::int64_t& v) {
  std::uint64_t u = 0;
  if (!u64(u)) return false;
  v = static_cast<std::int64_t>(u ^ (std::uint64_t{1} << 63));
  return true;
}

bool Reader::str(std::string& s) {
  if (!ok_) return false;
  s.clear();
  for (std::size_t i = 0; i + 1 < rest_.size(); ++i) {
    if (rest_[i] != '\0') {
      s.push_back(rest_[i]);
      continue;
    }
    if (rest_[i + 1] == '\x01') {
      rest_.remove_prefix(i + 2);
      return true;
    }
    if (rest_[i + 1] != '\xFF') break;
    s.push_back('\0');
    ++i;
  }
  return ok_ = false;
}

bool Reader::raw(std::size_t n, std::string_view& s) {
  if (!ok_ || rest_.size() < n) return ok_ = false;
  s = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return true;
}

}  // namespace weft::store::key
