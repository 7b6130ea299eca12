#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <boost/json.hpp>
#include <cctype>

#include "stdlib/functions/encoding.h"

namespace weft::server {
namespace json = boost::json;

std::string token_hash(std::string_view token) { return functions::hex_encode(functions::sha256_raw(token)); }

std::optional<std::string> create_token(store::ExecutionStore& store, std::string_view name, int64_t now_ms,
                                        std::string& error) {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    error = "the system random generator failed";
    return std::nullopt;
  }
  static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token = "weft_";
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      token += b64[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits) token += b64[(acc << (6 - bits)) & 63];
  OPENSSL_cleanse(raw, sizeof raw);
  json::object rec{{"name", name}, {"created_at_ms", now_ms}};
  auto st = store.put_token(token_hash(token), json::serialize(rec));
  if (!st.ok()) {
    error = st.to_string();
    return std::nullopt;
  }
  return token;
}

std::vector<TokenInfo> list_tokens(store::ExecutionStore& store) {
  std::vector<TokenInfo> out;
  for (const auto& e : store.list_tokens()) {
    TokenInfo t;
    t.hash = e.key;
    boost::system::error_code ec;
    auto v = json::parse(e.value, ec);
    if (!ec && v.is_object()) {
      if (auto* n = v.as_object().if_contains("name"); n && n->is_string()) t.name = n->as_string();
      if (auto* c = v.as_object().if_contains("created_at_ms"); c && c->is_int64()) t.created_at_ms = c->as_int64();
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::size_t revoke_tokens(store::ExecutionStore& store, std::string_view key) {
  std::size_t n = 0;
  for (const auto& t : list_tokens(store)) {
    bool by_hash = key.size() >= 8 && t.hash.compare(0, key.size(), key) == 0;
    if ((t.name == key && !key.empty()) || by_hash)
      if (store.delete_token(t.hash).ok()) ++n;
  }
  return n;
}

bool check_bearer(store::ExecutionStore& store, std::string_view authorization) {
  if (authorization.size() < 8) return false;
  std::string scheme(authorization.substr(0, 7));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return false;
  std::string_view token = authorization.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return false;
  std::string h = token_hash(token);
  // Every stored hash is compared in constant time (there are few tokens).
  for (const auto& e : store.list_tokens())
    if (e.key.size() == h.size() && CRYPTO_memcmp(e.key.data(), h.data(), h.size()) == 0) return true;
  return false;
}

}  // namespace weft::server
