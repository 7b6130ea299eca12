#include "tests/e2e/server/server_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <thread>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace weft::e2e {

std::string send_raw(uint16_t port, const std::string& bytes, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[65536];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Raw parse_raw(const std::string& text) {
  Raw r;
  auto end = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(text.c_str() + 9);
  r.head = text.substr(0, end);
  r.body = text.substr(end + 4);
  return r;
}

Server::Server(const std::string& dir, std::vector<std::string> extra, std::map<std::string, std::string> env) {
  std::vector<std::string> argv = {weft_binary(), "serve", "--data", dir + "/data", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  proc_ = spawn(argv, env, "", dir + "/serve" + std::to_string(++count_));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = read_all(proc_.err_path);
    auto at = log.find("listening on http");
    if (at != std::string::npos) {
      auto colon = log.find(':', log.find("127.0.0.1", at));
      port_ = static_cast<uint16_t>(std::atoi(log.c_str() + colon + 1));
      if (port_) break;
    }
    int code = 0;
    if (exited(proc_, code)) {
      exit_code_ = code;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Server::~Server() {
  if (running()) stop();
}

bool Server::running() { return port_ != 0 && exit_code_ == kRunning; }

std::string Server::log() const { return read_all(proc_.err_path); }

int Server::stop() {
  ::kill(proc_.pid, SIGTERM);
  auto r = wait(proc_, 20000);
  exit_code_ = r.exit_code;
  return r.exit_code;
}

void Server::kill9() {
  kill_now(proc_);
  exit_code_ = -SIGKILL;
}

int Server::exit_code() {
  if (exit_code_ == kRunning) exit_code_ = wait(proc_, 10000).exit_code;
  return exit_code_;
}

void ServeFixture::SetUp() {
  dir_ = make_temp_dir("serve");
  auto r = run({weft_binary(), "token", "create", "--name", "e2e", "--data", dir_ + "/data"}, {}, "", dir_ + "/token");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  token_ = r.out.substr(0, r.out.find('\n'));
  ASSERT_EQ(token_.rfind("weft_", 0), 0u);
}

void ServeFixture::TearDown() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Raw ServeFixture::req(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                      bool auth) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (auth) r += "Authorization: Bearer " + token_ + "\r\n";
  if (!body.empty()) r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return parse_raw(send_raw(port, r + "\r\n" + body));
}

std::string ServeFixture::start(uint16_t port, const std::string& flow, int n) {
  auto r = req(port, "POST", "/v1/flows/" + flow + "/executions", R"({"input":{"n":)" + std::to_string(n) + "}}");
  if (r.status != 201) return "";
  return std::string(boost::json::parse(r.body).at("id").as_string());
}

boost::json::value ServeFixture::execution(uint16_t port, const std::string& id) {
  auto r = req(port, "GET", "/v1/executions/" + id);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  return r.status == 200 && !ec ? v : boost::json::value(nullptr);
}

int ServeFixture::events(uint16_t port, const std::string& id, const std::string& type) {
  auto r = req(port, "GET", "/v1/executions/" + id + "/history");
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (r.status != 200 || ec) return -1;
  int n = 0;
  for (const auto& e : v.at("events").as_array()) n += e.at("type") == type.c_str();
  return n;
}

bool ServeFixture::status_is(uint16_t port, const std::string& id, const char* status) {
  auto e = execution(port, id);
  return e.is_object() && e.at("status") == status;
}

std::vector<boost::json::object> ServeFixture::all_executions(uint16_t port, const std::string& flow) {
  std::vector<boost::json::object> out;
  std::string cursor;
  for (;;) {
    auto r = req(port, "GET", "/v1/executions?flow=" + flow + "&limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (r.status != 200) return out;
    auto page = boost::json::parse(r.body);
    for (const auto& e : page.at("items").as_array()) out.push_back(e.as_object());
    if (!page.at("next_cursor").is_string()) return out;
    cursor = std::string(page.at("next_cursor").as_string());
  }
}

namespace {
std::string hmac_raw(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
       msg.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}
}  // namespace

std::string hmac_hex(const std::string& key, const std::string& msg) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : hmac_raw(key, msg)) (out += hex[c >> 4]) += hex[c & 15];
  return out;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string hmac_base64(const std::string& key, const std::string& msg) { return base64(hmac_raw(key, msg)); }

bool eventually(const std::function<bool()>& done, int ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace weft::e2e
