// Secrets at rest: AES-256-GCM encryption of secret values under a master key. The master key
// comes from env WEFT_MASTER_KEY (64 hex chars or base64 of 32 bytes) or from
// `<data dir>/master.key`, created with mode 0600 and a random key on first use. The store of
// encrypted blobs is the engine's job.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace weft::connectors {

/// A 256-bit key.
using MasterKey = std::array<unsigned char, 32>;

/// Name of the environment variable holding the master key.
inline constexpr std::string_view master_key_env = "WEFT_MASTER_KEY";

/// Parses a key written as 64 hex digits or as base64 of 32 bytes (surrounding whitespace ignored).
std::optional<MasterKey> parse_master_key(std::string_view text);

/// 64 lower-case hex digits.
std::string format_master_key(const MasterKey& key);

/// Where a loaded key came from.
enum class KeySource { env, file_existing, file_created };

/// Loads the master key: WEFT_MASTER_KEY if set (an invalid value is an error, not a fallback),
/// else `<data_dir>/master.key` (which must be 0600-private), creating the directory and the file
/// (mode 0600, a fresh random key) when missing. Returns false with `error` set on failure.
bool load_master_key(const std::string& data_dir, MasterKey& key, std::string& error, KeySource* source = nullptr);

/// Result of a decryption.
struct Decrypted {
  bool ok = false;         ///< the tag verified
  std::string plaintext;   ///< the secret value, when ok
  std::string error;       ///< why not, otherwise
};

/// AES-256-GCM with a random 96-bit nonce per encryption. Blob layout:
/// `0x01 | nonce (12) | ciphertext | tag (16)`; the version byte and the optional associated data
/// (e.g. the secret's name, binding a blob to it) are authenticated.
class SecretBox {
 public:
  /// Bytes added to the plaintext length by encrypt().
  static constexpr std::size_t overhead = 1 + 12 + 16;
  /// A box for `key` (copied; wiped on destruction).
  explicit SecretBox(const MasterKey& key);
  ~SecretBox();
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;
  /// Encrypts; returns the blob (empty only if the system RNG or OpenSSL fails).
  std::string encrypt(std::string_view plaintext, std::string_view associated = {}) const;
  /// Decrypts and verifies; a wrong key, a wrong `associated`, or any tampering gives !ok.
  Decrypted decrypt(std::string_view blob, std::string_view associated = {}) const;

 private:
  MasterKey key_;
};

}  // namespace weft::connectors
