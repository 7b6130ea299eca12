#include "tests/support/pg_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace weft::testsupport {
namespace {

namespace fs = std::filesystem;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string pg_bin() {
  if (const char* e = std::getenv("WEFT_PG_BIN"); e && *e) return e;
  return "/usr/lib/postgresql/15/bin";
}

// Forks `argv` as uid/gid (when running as root), output to `log`; returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, uid_t uid, gid_t gid, bool die_with_parent) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  if (::getuid() == 0) {
    if (::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(126);
  }
  // After the uid change (which clears it): die with the test process.
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

}  // namespace

PgServer::~PgServer() { stop(); }

bool PgServer::available() { return fs::exists(pg_bin() + "/postgres") && fs::exists(pg_bin() + "/initdb"); }

std::string PgServer::log_tail() const {
  std::ifstream in(dir_ + "/log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > 2000) s = s.substr(s.size() - 2000);
  return s;
}

std::string PgServer::run(const std::vector<std::string>& argv) {
  pid_t pid = spawn(argv, dir_ + "/log", uid_, gid_, true);
  if (pid < 0) return "cannot fork";
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return argv[0] + " failed:\n" + log_tail();
}

std::string PgServer::start() {
  bin_ = pg_bin();
  if (!available()) return "PostgreSQL binaries not found in " + bin_;
  static std::atomic<int> counter{0};
  dir_ = (fs::temp_directory_path() / ("weft_pg_" + std::to_string(::getpid()) + "_" + std::to_string(counter++))).string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  uid_ = ::getuid();
  gid_ = ::getgid();
  if (uid_ == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) pw = ::getpwnam("nobody");
    if (!pw) return "running as root and there is no postgres or nobody user to run PostgreSQL as";
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    if (::chown(dir_.c_str(), uid_, gid_) != 0) return "cannot chown " + dir_;
  }
  if (auto e = run({bin_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U", "weft", "-E", "UTF8", "--locale=C",
                    "--no-sync"});
      !e.empty())
    return e;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    pid_ = spawn({bin_ + "/postgres", "-D", dir_ + "/data", "-k", dir_, "-c", "listen_addresses=127.0.0.1", "-p",
                  std::to_string(port_), "-c", "fsync=on", "-c", "max_connections=200", "-c", "shared_buffers=64MB"},
                 dir_ + "/log", uid_, gid_, true);
    // Ready once postmaster.pid's status line says so.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        break;
      }
      std::ifstream in(dir_ + "/data/postmaster.pid");
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str().find("ready") != std::string::npos) return "";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = 0;
      return "PostgreSQL did not become ready in 30 s:\n" + log_tail();
    }
    // It exited: most likely the port was taken meanwhile; try another.
  }
  return "PostgreSQL did not start:\n" + log_tail();
}

void PgServer::stop() {
  if (pid_) {
    ::kill(pid_, SIGINT);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = 0;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string PgServer::url(const std::string& db) const {
  return "postgresql://weft@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PgServer::create_database(const std::string& name) {
  return psql("postgres", "CREATE DATABASE \"" + name + "\"");
}

std::string PgServer::psql(const std::string& db, const std::string& sql) {
  return run({bin_ + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url(db), "-c", sql});
}

PgServer& shared_pg_server() {
  static PgServer server;
  static bool started = [] {
    if (auto e = server.start(); !e.empty()) {
      std::fprintf(stderr, "cannot start PostgreSQL for the tests: %s\n", e.c_str());
      std::exit(1);
    }
    return true;
  }();
  (void)started;
  return server;
}

}  // namespace weft::testsupport
