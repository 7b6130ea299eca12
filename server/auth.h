// API tokens: random bearer tokens of which the store keeps only the SHA-256 (tokens keyspace,
// ExecutionStore::put_token), with a name and a creation time; checking a request's
// `Authorization: Bearer <token>` header compares hashes in constant time.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/store/execution_store.h"

namespace weft::server {

/// A stored token as listed (the token itself is never stored).
struct TokenInfo {
  std::string hash;        ///< SHA-256 of the token, lower-case hex
  std::string name;        ///< the name given at creation ("" when none)
  int64_t created_at_ms = 0;  ///< creation time
};

/// Lower-case hex SHA-256 of `token`.
std::string token_hash(std::string_view token);
/// Creates a token (`weft_` + 43 base64url characters of 32 random bytes), stores its hash
/// with `name`, and returns it; nullopt with `error` set when the RNG or the store fails.
std::optional<std::string> create_token(store::ExecutionStore& store, std::string_view name, int64_t now_ms,
                                        std::string& error);
/// Every stored token, sorted by hash.
std::vector<TokenInfo> list_tokens(store::ExecutionStore& store);
/// Revokes the tokens whose name equals `key` or whose hash starts with it (at least 8 hex
/// characters); returns how many were revoked.
std::size_t revoke_tokens(store::ExecutionStore& store, std::string_view key);
/// True when `authorization` is `Bearer <token>` (scheme case-insensitive) for a stored token.
bool check_bearer(store::ExecutionStore& store, std::string_view authorization);

}  // namespace weft::server
