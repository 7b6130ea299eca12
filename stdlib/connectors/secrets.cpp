#include "stdlib/connectors/secrets.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

namespace weft::connectors {

namespace {

constexpr unsigned char blob_version = 0x01;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct CipherCtx {
  EVP_CIPHER_CTX* p = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(p); }
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::optional<MasterKey> parse_master_key(std::string_view text) {
  text = trim(text);
  MasterKey key{};
  if (text.size() == 64) {
    bool ok = true;
    for (std::size_t i = 0; i < 32 && ok; ++i) {
      const int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      key[i] = static_cast<unsigned char>(hi * 16 + lo);
    }
    if (ok) return key;
  }
  if (text.size() == 44) {  // base64 of 32 bytes: 43 characters + one '='
    for (char c : text)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) return std::nullopt;
    unsigned char out[48];
    const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n == 33 && text.back() == '=' && text[text.size() - 2] != '=') {  // EVP_DecodeBlock counts padding as bytes
      std::memcpy(key.data(), out, 32);
      OPENSSL_cleanse(out, sizeof out);
      return key;
    }
    OPENSSL_cleanse(out, sizeof out);
  }
  return std::nullopt;
}

std::string format_master_key(const MasterKey& key) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : key) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool load_master_key(const std::string& data_dir, MasterKey& key, std::string& error, KeySource* source) {
  if (const char* env = std::getenv(std::string(master_key_env).c_str()); env && *env) {
    auto parsed = parse_master_key(env);
    if (!parsed) {
      error = std::string(master_key_env) + " must be 64 hex digits or the base64 of 32 bytes";
      return false;
    }
    key = *parsed;
    if (source) *source = KeySource::env;
    return true;
  }
  if (data_dir.empty()) {
    error = "no data directory for master.key and " + std::string(master_key_env) + " is not set";
    return false;
  }
  const std::filesystem::path path = std::filesystem::path(data_dir) / "master.key";
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
      struct stat st {};
      if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        error = path.string() + " is not a regular file";
        return false;
      }
      if ((st.st_mode & 077) != 0) {
        ::close(fd);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        error = path.string() + " is accessible by other users (mode " + mode + "); run chmod 600 on it";
        return false;
      }
      char buf[256];
      const ssize_t n = ::read(fd, buf, sizeof buf);
      ::close(fd);
      if (n < 0) {
        error = "cannot read " + path.string() + ": " + errno_text();
        return false;
      }
      auto parsed = parse_master_key(std::string_view(buf, static_cast<std::size_t>(n)));
      OPENSSL_cleanse(buf, sizeof buf);
      if (!parsed) {
        error = path.string() + " does not hold a valid key (64 hex digits or base64 of 32 bytes)";
        return false;
      }
      key = *parsed;
      if (source) *source = KeySource::file_existing;
      return true;
    }
    if (errno != ENOENT) {
      error = "cannot open " + path.string() + ": " + errno_text();
      return false;
    }
    std::error_code ec;
    const bool made = std::filesystem::create_directories(data_dir, ec);
    if (ec) {
      error = "cannot create " + data_dir + ": " + ec.message();
      return false;
    }
    if (made) ::chmod(data_dir.c_str(), 0700);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;  // another process created it: read theirs
      error = "cannot create " + path.string() + ": " + errno_text();
      return false;
    }
    ::fchmod(fd, 0600);
    MasterKey fresh{};
    if (RAND_bytes(fresh.data(), static_cast<int>(fresh.size())) != 1) {
      ::close(fd);
      ::unlink(path.c_str());
      error = "the system random generator failed";
      return false;
    }
    std::string text = format_master_key(fresh) + "\n";
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    OPENSSL_cleanse(text.data(), text.size());
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      error = "cannot write " + path.string() + ": " + errno_text();
      return false;
    }
    key = fresh;
    OPENSSL_cleanse(fresh.data(), fresh.size());
    if (source) *source = KeySource::file_created;
    return true;
  }
  error = "cannot read or create " + path.string();
  return false;
}

SecretBox::SecretBox(const MasterKey& key) : key_(key) {}

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string SecretBox::encrypt(std::string_view plaintext, std::string_view associated) const {
  std::string blob(overhead + plaintext.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  out[0] = blob_version;
  unsigned char* nonce = out + 1;
  if (RAND_bytes(nonce, nonce_size) != 1) return {};
  CipherCtx ctx;
  int len = 0;
  if (!ctx.p || EVP_EncryptInit_ex(ctx.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.p, nullptr, nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.p, nullptr, &len, out, 1) != 1)
    return {};
  if (!associated.empty() &&
      EVP_EncryptUpdate(ctx.p, nullptr, &len, reinterpret_cast<const unsigned char*>(associated.data()),
                        static_cast<int>(associated.size())) != 1)
    return {};
  unsigned char* ct = out + 1 + nonce_size;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.p, ct, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1)
    return {};
  if (EVP_EncryptFinal_ex(ctx.p, ct + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_GET_TAG, tag_size, ct + plaintext.size()) != 1)
    return {};
  return blob;
}

Decrypted SecretBox::decrypt(std::string_view blob, std::string_view associated) const {
  Decrypted r;
  if (blob.size() < overhead) {
    r.error = "encrypted secret is truncated";
    return r;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(blob.data());
  if (in[0] != blob_version) {
    r.error = "unknown encrypted secret format version " + std::to_string(in[0]);
    return r;
  }
  const unsigned char* nonce = in + 1;
  const unsigned char* ct = in + 1 + nonce_size;
  const std::size_t ct_len = blob.size() - overhead;
  unsigned char tag[tag_size];
  std::memcpy(tag, ct + ct_len, tag_size);
  std::string plain(ct_len, '\0');
  CipherCtx ctx;
  int len = 0;
  bool ok = ctx.p && EVP_DecryptInit_ex(ctx.p, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_SET_IVLEN, nonce_size, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.p, nullptr, nullptr, key_.data(), nonce) == 1 &&
            EVP_DecryptUpdate(ctx.p, nullptr, &len, in, 1) == 1;
  if (ok && !associated.empty())
    ok = EVP_DecryptUpdate(ctx.p, nullptr, &len, reinterpret_cast<const unsigned char*>(associated.data()),
                           static_cast<int>(associated.size())) == 1;
  if (ok && ct_len > 0)
    ok = EVP_DecryptUpdate(ctx.p, reinterpret_cast<unsigned char*>(plain.data()), &len, ct, static_cast<int>(ct_len)) == 1;
  if (ok) ok = EVP_CIPHER_CTX_ctrl(ctx.p, EVP_CTRL_GCM_SET_TAG, tag_size, tag) == 1;
  if (ok) ok = EVP_DecryptFinal_ex(ctx.p, reinterpret_cast<unsigned char*>(plain.data()) + ct_len, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    r.error = "cannot decrypt secret: wrong master key or corrupted data (authentication failed)";
    return r;
  }
  r.ok = true;
  r.plaintext = std::move(plain);
  return r;
}

}  // namespace weft::connectors
