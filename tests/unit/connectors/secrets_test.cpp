#include "stdlib/connectors/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace weft::connectors {
namespace {

namespace fs = std::filesystem;

MasterKey key_of(unsigned char fill) {
  MasterKey k;
  k.fill(fill);
  return k;
}

// A fresh directory under the temp dir, removed at the end; WEFT_MASTER_KEY is unset meanwhile.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("weft-secrets-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
    ::unsetenv("WEFT_MASTER_KEY");
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

TEST(Secrets, RoundTrip) {
  SecretBox box(key_of(7));
  for (std::string plain : {std::string(), std::string("s3cr3t"), std::string(5000, 'x'), std::string("a\0b", 3)}) {
    const auto blob = box.encrypt(plain);
    ASSERT_EQ(blob.size(), plain.size() + SecretBox::overhead);
    if (plain.size() > 4) {
      EXPECT_EQ(blob.find(plain), std::string::npos);
    }
    const auto back = box.decrypt(blob);
    ASSERT_TRUE(back.ok) << back.error;
    EXPECT_EQ(back.plaintext, plain);
  }
}

TEST(Secrets, NoncesDiffer) {
  SecretBox box(key_of(7));
  EXPECT_NE(box.encrypt("same"), box.encrypt("same"));
}

TEST(Secrets, WrongKeyFails) {
  const auto blob = SecretBox(key_of(1)).encrypt("token-value");
  const auto r = SecretBox(key_of(2)).decrypt(blob);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.plaintext.empty());
  EXPECT_NE(r.error.find("wrong master key"), std::string::npos);
}

TEST(Secrets, TamperingFails) {
  SecretBox box(key_of(3));
  const auto blob = box.encrypt("token-value");
  for (std::size_t i = 0; i < blob.size(); ++i) {
    std::string bad = blob;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_FALSE(box.decrypt(bad).ok) << "byte " << i;
  }
  EXPECT_FALSE(box.decrypt(blob.substr(0, blob.size() - 1)).ok);
  EXPECT_FALSE(box.decrypt(blob + "x").ok);
  EXPECT_FALSE(box.decrypt("").ok);
}

TEST(Secrets, AssociatedDataBindsTheBlob) {
  SecretBox box(key_of(4));
  const auto blob = box.encrypt("v", "crm_client_secret");
  EXPECT_TRUE(box.decrypt(blob, "crm_client_secret").ok);
  EXPECT_FALSE(box.decrypt(blob, "marketing_key").ok);
  EXPECT_FALSE(box.decrypt(blob).ok);
}

TEST(Secrets, ParseMasterKey) {
  const std::string hex(64, 'a');
  auto k = parse_master_key(" " + hex + "\n");
  ASSERT_TRUE(k);
  EXPECT_EQ((*k)[0], 0xaa);
  EXPECT_EQ(format_master_key(*k), hex);
  // base64 of 32 bytes 0x00..0x1f
  auto b = parse_master_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[0], 0);
  EXPECT_EQ((*b)[31], 31);
  EXPECT_FALSE(parse_master_key(std::string(63, 'a')));
  EXPECT_FALSE(parse_master_key(std::string(64, 'g')));
  EXPECT_FALSE(parse_master_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="));  // 31 bytes
  EXPECT_FALSE(parse_master_key(""));
}

TEST(Secrets, KeyFileCreatedWithMode0600AndReused) {
  TempDir dir;
  MasterKey first{}, second{};
  std::string error;
  KeySource source{};
  ASSERT_TRUE(load_master_key((dir.path / "data").string(), first, error, &source)) << error;
  EXPECT_EQ(source, KeySource::file_created);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path / "data" / "master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(load_master_key((dir.path / "data").string(), second, error, &source)) << error;
  EXPECT_EQ(source, KeySource::file_existing);
  EXPECT_EQ(first, second);
  // a blob encrypted with the key still decrypts after reloading
  EXPECT_TRUE(SecretBox(second).decrypt(SecretBox(first).encrypt("x")).ok);
}

TEST(Secrets, KeyFileReadableByOthersIsRefused) {
  TempDir dir;
  fs::create_directories(dir.path);
  const auto file = dir.path / "master.key";
  std::ofstream(file) << std::string(64, 'b') << "\n";
  ::chmod(file.c_str(), 0644);
  MasterKey k{};
  std::string error;
  EXPECT_FALSE(load_master_key(dir.path.string(), k, error));
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  ::chmod(file.c_str(), 0600);
  ASSERT_TRUE(load_master_key(dir.path.string(), k, error)) << error;
  EXPECT_EQ(k[0], 0xbb);
}

TEST(Secrets, EnvironmentKeyWins) {
  TempDir dir;
  ::setenv("WEFT_MASTER_KEY", std::string(64, 'c').c_str(), 1);
  MasterKey k{};
  std::string error;
  KeySource source{};
  ASSERT_TRUE(load_master_key(dir.path.string(), k, error, &source)) << error;
  EXPECT_EQ(source, KeySource::env);
  EXPECT_EQ(k[5], 0xcc);
  EXPECT_FALSE(fs::exists(dir.path / "master.key"));
  ::setenv("WEFT_MASTER_KEY", "not-a-key", 1);
  EXPECT_FALSE(load_master_key(dir.path.string(), k, error));
  EXPECT_NE(error.find("WEFT_MASTER_KEY"), std::string::npos);
  ::unsetenv("WEFT_MASTER_KEY");
}

TEST(Secrets, CorruptKeyFileIsAnError) {
  TempDir dir;
  fs::create_directories(dir.path);
  const auto file = dir.path / "master.key";
  std::ofstream(file) << "short\n";
  ::chmod(file.c_str(), 0600);
  MasterKey k{};
  std::string error;
  EXPECT_FALSE(load_master_key(dir.path.string(), k, error));
  EXPECT_NE(error.find("valid key"), std::string::npos);
}

}  // namespace
}  // namespace weft::connectors
