// Designated initializers leave the other config fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "test_server.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace weft::connectors {
namespace {

using namespace test_support;

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(TestPki::generate()); }
  static void TearDownTestSuite() {
    std::filesystem::remove(pki_->ca_file);
    delete pki_;
  }
  static TestPki* pki_;
};
TestPki* Tls::pki_ = nullptr;

TEST_F(Tls, UnknownIssuerIsACertificateError) {
  TestServer server([](const Seen&) { return Reply{}; }, pki_->cert_pem, pki_->key_pem);
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url()});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::connection_error);
  EXPECT_EQ(res.error().reason, ErrorReason::tls_certificate) << res.error().message;
  EXPECT_NE(res.error().message.find("TLS certificate verification failed"), std::string::npos);
  EXPECT_NE(res.error().message.find("issuer"), std::string::npos) << res.error().message;
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(Tls, TrustedWithCaFileAndReusesTheConnection) {
  TestServer server(
      [](const Seen&) {
        Reply r;
        r.body = R"({"secure":true})";
        return r;
      },
      pki_->cert_pem, pki_->key_pem);
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .ca_file = pki_->ca_file});
  for (int i = 0; i < 3; ++i) {
    auto res = run_call(io, *conn, get("/x"));
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res.response().body.at("secure"), true);
  }
  EXPECT_EQ(server.connections(), 1);
  // by DNS name (subjectAltName DNS:localhost)
  auto by_name = make_http(io, {.base_url = "https://localhost:" + std::to_string(server.port()),
                                .ca_file = pki_->ca_file});
  auto res = run_call(io, *by_name, get("/y"));
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(server.requests().back().headers.at("host"), "localhost:" + std::to_string(server.port()));
}

TEST_F(Tls, HostNameMismatchIsACertificateError) {
  const auto other = TestPki::generate({"api.other.example"}, {});
  TestServer server([](const Seen&) { return Reply{}; }, other.cert_pem, other.key_pem);
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .ca_file = other.ca_file});
  auto res = run_call(io, *conn, get("/x"));
  std::filesystem::remove(other.ca_file);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().reason, ErrorReason::tls_certificate) << res.error().message;
  EXPECT_NE(res.error().message.find("127.0.0.1"), std::string::npos) << res.error().message;
}

TEST_F(Tls, PlainHttpServerIsAHandshakeError) {
  TestServer plain([](const Seen&) { return Reply{}; });
  asio::io_context io;
  auto conn = make_http(io, {.base_url = "https://127.0.0.1:" + std::to_string(plain.port()),
                             .ca_file = pki_->ca_file});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::connection_error);
  EXPECT_EQ(res.error().reason, ErrorReason::tls_handshake) << res.error().message;
}

TEST_F(Tls, TimeoutOverTls) {
  TestServer server(
      [](const Seen&) {
        Reply r;
        r.mode = Reply::Mode::hang;
        return r;
      },
      pki_->cert_pem, pki_->key_pem);
  asio::io_context io;
  auto conn = make_http(io, {.base_url = server.url(), .timeout = Millis(200), .ca_file = pki_->ca_file});
  auto res = run_call(io, *conn, get("/x"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::timeout) << res.error().message;
}

}  // namespace
}  // namespace weft::connectors
