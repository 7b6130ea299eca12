#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "helpers.h"
#include "stdlib/functions/encoding.h"

using namespace weft::functions;
using namespace weft::functions::testing;
namespace json = boost::json;

TEST(JsonFunctions, ToAndParseJson) {
  EXPECT_EQ(run("to_json", R"([{"a": [1, "x", null, true, 1.5]}])"), J(R"("{\"a\":[1,\"x\",null,true,1.5]}")"));
  EXPECT_EQ(to_json_text(J("[3.0, 0.1, -2.5e-7, 1e21, 12345678901234567890]")),
            "[3.0,0.1,-2.5e-07,1e+21,12345678901234567890]");
  EXPECT_EQ(to_json_text(boost::json::value(std::nan(""))), "null");
  EXPECT_EQ(J(to_json_text(J("[0.30000000000000004]"))), J("[0.30000000000000004]"));
  EXPECT_EQ(run("to_json", R"(["é\n"])"), J(R"("\"é\\n\"")"));
  EXPECT_EQ(run("parse_json", R"(["{\"a\": 1}"])"), J(R"({"a": 1})"));
  EXPECT_EQ(run("parse_json", R"(["[1, 2]"])"), J("[1, 2]"));
  EXPECT_NE(error_of("parse_json", R"(["{\"a\": "])").find("parse_json: argument `s`: invalid JSON"),
            std::string::npos);
  EXPECT_NE(error_of("parse_json", R"(["1 2"])").find("invalid JSON"), std::string::npos);
  EXPECT_NE(error_of("parse_json", "[\"" + std::string(1000, '[') + "\"]").find("invalid JSON"), std::string::npos);
}

TEST(EncodingFunctions, Base64) {
  EXPECT_EQ(run("base64_encode", R"(["hi!"])"), J(R"("aGkh")"));
  EXPECT_EQ(run("base64_encode", R"(["h"])"), J(R"("aA==")"));
  EXPECT_EQ(run("base64_encode", R"(["hé"])"), J(R"("aMOp")"));
  EXPECT_EQ(run("base64_encode", R"([""])"), J(R"("")"));
  EXPECT_EQ(run("base64_encode", "[\"\\u00ff\\u00fe\", true]"), J(R"("w7_Dvg")"));
  EXPECT_EQ(run("base64_decode", R"(["aGkh"])"), J(R"("hi!")"));
  EXPECT_EQ(run("base64_decode", R"(["aA=="])"), J(R"("h")"));
  EXPECT_EQ(run("base64_decode", R"(["aA"])"), J(R"("h")"));
  EXPECT_EQ(run("base64_decode", R"(["w7_Dvg"])"), J("\"\\u00ff\\u00fe\""));
  EXPECT_NE(error_of("base64_decode", R"(["a*b="])").find("argument `s`: invalid base64"), std::string::npos);
  EXPECT_NE(error_of("base64_decode", R"(["abcde"])").find("invalid base64"), std::string::npos);
  // RFC 4648 test vectors.
  const char* vec[][2] = {{"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
                          {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto& v : vec) {
    EXPECT_EQ(base64_encode(v[0]), v[1]);
    EXPECT_EQ(base64_decode(v[1]), v[0]);
  }
}

TEST(EncodingFunctions, UrlAndHex) {
  EXPECT_EQ(run("url_encode", R"(["a b&c/é~"])"), J(R"("a%20b%26c%2F%C3%A9~")"));
  EXPECT_EQ(run("url_encode", R"([{"q": "a b", "n": "1", "ok": true}])"), J(R"("q=a%20b&n=1&ok=true")"));
  EXPECT_NE(error_of("url_encode", R"([{"q": [1]}])").find("value of `q` is list"), std::string::npos);
  EXPECT_EQ(run("hex_encode", R"(["hi"])"), J(R"("6869")"));
  EXPECT_EQ(run("hex_encode", R"(["é"])"), J(R"("c3a9")"));
}

TEST(CryptoFunctions, Sha256AndHmac) {
  EXPECT_EQ(run("sha256", R"(["abc"])"), J(R"("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")"));
  EXPECT_EQ(run("sha256", R"([""])"), J(R"("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")"));
  EXPECT_EQ(run("sha256", R"(["abc", "base64"])"), J(R"("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")"));
  EXPECT_EQ(run("hmac_sha256", R"(["key", "The quick brown fox jumps over the lazy dog"])"),
            J(R"("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")"));
  EXPECT_EQ(run("hmac_sha256", R"(["", ""])"),
            J(R"("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")"));
  // The per-thread HMAC context is re-keyed on every call: back from the empty key to "key".
  EXPECT_EQ(run("hmac_sha256", R"(["key", "The quick brown fox jumps over the lazy dog"])"),
            J(R"("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")"));
  EXPECT_NE(error_of("sha256", R"(["abc", "base32"])").find("argument `encoding`: expected \"hex\" or \"base64\""),
            std::string::npos);
}

TEST(CryptoFunctions, WebhookSignatureVectors) {
  auto data = json::parse(read_source_file("tests/data/webhook_signatures.json"));
  ASSERT_TRUE(data.as_object().contains("about"));
  int checked = 0;
  for (const auto& v : data.at("hmac_sha256").as_array()) {
    json::array args{v.at("secret"), v.at("payload")};
    FixedContext ctx;
    auto sig = call("hmac_sha256", std::span<const json::value>(args.data(), args.size()), ctx);
    EXPECT_EQ("sha256=" + std::string(sig.as_string()), v.at("signature").as_string());
    ++checked;
  }
  // Standard Webhooks: base64_decode(secret after "whsec_"), HMAC over "id.timestamp.payload", base64.
  for (const auto& v : data.at("standard_webhooks").as_array()) {
    FixedContext ctx;
    std::string secret(v.at("secret").as_string());
    json::array dec{json::string(secret.substr(6))};
    auto key = call("base64_decode", std::span<const json::value>(dec.data(), dec.size()), ctx);
    std::string content = std::string(v.at("id").as_string()) + "." +
                          std::to_string(v.at("timestamp").as_int64()) + "." +
                          std::string(v.at("payload").as_string());
    json::array args{key, json::string(content), "base64"};
    auto sig = call("hmac_sha256", std::span<const json::value>(args.data(), args.size()), ctx);
    EXPECT_EQ("v1," + std::string(sig.as_string()), v.at("signature").as_string()) << v.at("id");
    ++checked;
  }
  EXPECT_EQ(checked, 4);
}

TEST(CryptoFunctions, UuidAndRandom) {
  FixedContext ctx;
  EXPECT_EQ(call("uuid", std::span<const json::value>(), ctx), J(R"("00000000-0000-4000-8000-000000000000")"));
  ctx.rnd = 0.25;
  EXPECT_EQ(call("random", std::span<const json::value>(), ctx), J("0.25"));
  json::array dice{1, 6};
  ctx.rnd = 0.0;
  EXPECT_EQ(call("random", std::span<const json::value>(dice.data(), 2), ctx), J("1"));
  ctx.rnd = 0.999999999;
  EXPECT_EQ(call("random", std::span<const json::value>(dice.data(), 2), ctx), J("6"));
  ctx.rnd = 0.5;
  EXPECT_EQ(call("random", std::span<const json::value>(dice.data(), 2), ctx), J("4"));
  json::array wide{INT64_MIN, INT64_MAX};
  EXPECT_TRUE(call("random", std::span<const json::value>(wide.data(), 2), ctx).is_int64());
  EXPECT_NE(error_of("random", "[6, 1]").find("argument `hi`: must not be less than lo"), std::string::npos);

  SystemContext sys;
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = sys.uuid(), b = sys.uuid();
  EXPECT_TRUE(std::regex_match(a, v4)) << a;
  EXPECT_NE(a, b);
  for (int i = 0; i < 100; ++i) {
    double r = sys.random();
    EXPECT_GE(r, 0.0);
    EXPECT_LT(r, 1.0);
  }
}

TEST(CryptoFunctions, UuidV7IsTimeOrdered) {
  std::array<uint8_t, 10> r{};
  r.fill(0xFF);
  EXPECT_EQ(make_uuid_v7(0x017F22E279B0, r), "017f22e2-79b0-7fff-bfff-ffffffffffff");
  std::array<uint8_t, 16> r16{};
  EXPECT_EQ(make_uuid_v4(r16), "00000000-0000-4000-8000-000000000000");
  std::regex v7("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = uuid_v7();
  EXPECT_TRUE(std::regex_match(a, v7)) << a;
  EXPECT_LT(make_uuid_v7(1000, r), make_uuid_v7(1001, std::array<uint8_t, 10>{}));
}
