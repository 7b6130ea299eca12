#include "test_server.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace weft::connectors::test_support {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto tok = asio::as_tuple(asio::use_awaitable);
}

TestServer::TestServer(Handler handler) : handler_(std::move(handler)) { start(); }

TestServer::TestServer(Handler handler, const std::string& cert_pem, const std::string& key_pem)
    : handler_(std::move(handler)), tls_(true) {
  ctx_.use_certificate_chain(asio::buffer(cert_pem));
  ctx_.use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
  start();
}

void TestServer::start() {
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

TestServer::~TestServer() {
  io_.stop();
  thread_.join();
}

std::string TestServer::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::vector<Seen> TestServer::requests() const {
  std::lock_guard lock(mu_);
  return seen_;
}

asio::awaitable<void> TestServer::accept_loop() {
  for (;;) {
    auto [ec, sock] = co_await acceptor_.async_accept(tok);
    if (ec) co_return;
    const int id = ++connections_;
    if (tls_) asio::co_spawn(io_, session_tls(std::move(sock), id), asio::detached);
    else asio::co_spawn(io_, session_plain(std::move(sock), id), asio::detached);
  }
}

asio::awaitable<void> TestServer::session_plain(tcp::socket s, int id) { co_await serve(s, s, id); }

asio::awaitable<void> TestServer::session_tls(tcp::socket s, int id) {
  asio::ssl::stream<tcp::socket> stream(std::move(s), ctx_);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tok);
  if (hec) co_return;
  co_await serve(stream, stream.next_layer(), id);
}

template <class Stream>
asio::awaitable<void> TestServer::serve(Stream& stream, tcp::socket& raw, int id) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, tok);
    if (ec) co_return;
    Seen seen;
    seen.method = std::string(req.method_string());
    seen.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      seen.headers[name] = std::string(f.value());
    }
    seen.body = req.body();
    seen.connection = id;
    {
      std::lock_guard lock(mu_);
      seen_.push_back(seen);
    }
    const Reply reply = handler_(seen);
    if (reply.mode == Reply::Mode::hang) {
      asio::steady_timer forever(io_);
      forever.expires_at(asio::steady_timer::time_point::max());
      co_await forever.async_wait(tok);
      co_return;
    }
    if (reply.mode == Reply::Mode::reset_mid_response) {
      static const std::string head =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"partial\": ";
      co_await asio::async_write(stream, asio::buffer(head), tok);
      boost::system::error_code ignored;
      raw.set_option(tcp::socket::linger(true, 0), ignored);
      raw.close(ignored);
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
    if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
    for (const auto& [k, v] : reply.headers) res.insert(k, v);
    res.body() = reply.body;
    res.keep_alive(!reply.close && req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, tok);
    if (wec || !res.keep_alive()) {
      boost::system::error_code ignored;
      raw.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

namespace {

std::string to_pem(X509* cert) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

std::string private_key_pem(EVP_PKEY* key) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(b);
  return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  (void)issuer_key;
  return x;
}

}  // namespace

TestPki TestPki::generate(const std::vector<std::string>& dns_names, const std::vector<std::string>& ips) {
  static int counter = 0;
  TestPki pki;
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  X509* ca = make_cert(ca_key, "Weft Test CA", nullptr, nullptr, 1);
  add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(ca, ca, NID_subject_key_identifier, "hash");
  X509_sign(ca, ca_key, EVP_sha256());

  EVP_PKEY* leaf_key = EVP_EC_gen("P-256");
  X509* leaf = make_cert(leaf_key, dns_names.empty() ? "server" : dns_names.front(), ca, ca_key, 2);
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + ("DNS:" + d);
  for (const auto& ip : ips) san += (san.empty() ? "" : ",") + ("IP:" + ip);
  add_ext(leaf, ca, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(leaf, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  add_ext(leaf, ca, NID_ext_key_usage, "serverAuth");
  add_ext(leaf, ca, NID_authority_key_identifier, "keyid:always");
  if (!san.empty()) add_ext(leaf, ca, NID_subject_alt_name, san);
  X509_sign(leaf, ca_key, EVP_sha256());

  pki.ca_pem = to_pem(ca);
  pki.cert_pem = to_pem(leaf);
  pki.key_pem = private_key_pem(leaf_key);
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(leaf_key);
  EVP_PKEY_free(ca_key);

  pki.ca_file = (std::filesystem::temp_directory_path() /
                 ("weft-test-ca-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".pem"))
                    .string();
  std::ofstream(pki.ca_file) << pki.ca_pem;
  return pki;
}

}  // namespace weft::connectors::test_support
