#include "tests/e2e/engine/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace weft::e2e {

std::string weft_binary() {
#ifdef WEFT_BINARY
  return WEFT_BINARY;
#else
  return "weft";
#endif
}

Proc spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
           const std::string& stdin_text, const std::string& out_prefix) {
  Proc p;
  p.out_path = out_prefix + ".out";
  p.err_path = out_prefix + ".err";
  std::string in_path = out_prefix + ".in";
  write_all(in_path, stdin_text);
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(p.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(p.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  p.pid = pid;
  return p;
}

bool exited(const Proc& p, int& code) {
  int status = 0;
  pid_t r = waitpid(p.pid, &status, WNOHANG);
  if (r != p.pid) return false;
  code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return true;
}

ProcResult wait(const Proc& p, int timeout_ms) {
  ProcResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  for (;;) {
    pid_t w = waitpid(p.pid, &status, WNOHANG);
    if (w == p.pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(p.pid, SIGKILL);
      waitpid(p.pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_all(p.out_path);
  r.err = read_all(p.err_path);
  return r;
}

void kill_now(const Proc& p) {
  ::kill(p.pid, SIGKILL);
  int status = 0;
  waitpid(p.pid, &status, 0);
}

ProcResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& stdin_text, const std::string& out_prefix, int timeout_ms) {
  return wait(spawn(argv, env, stdin_text, out_prefix), timeout_ms);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string make_temp_dir(const std::string& tag) {
  std::string tmpl = (std::filesystem::temp_directory_path() / ("weft-e2e-" + tag + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* d = mkdtemp(buf.data());
  return d ? std::string(d) : std::string();
}

}  // namespace weft::e2e
