#include "lsp/test_runs.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

extern char** environ;

namespace weft::lsp {

namespace json = boost::json;

namespace {

/// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int int_field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? static_cast<int>(v->get_int64()) : 0;
}

/// The first non-empty line of a text (for short error messages).
std::string first_line(const std::string& text) {
  size_t b = text.find_first_not_of("\r\n");
  if (b == std::string::npos) return {};
  return text.substr(b, text.find('\n', b) - b);
}

}  // namespace

TestRunResult parse_test_report(const std::string& report, const std::string& name) {
  TestRunResult r;
  size_t start = 0;
  while (start < report.size()) {
    size_t nl = report.find('\n', start);
    std::string line = report.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? report.size() : nl + 1;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.get_object();
    const json::value* n = o.if_contains("name");
    if (!n || !n->is_string() || n->get_string() != name) continue;
    r.ran = true;
    const json::value* passed = o.if_contains("passed");
    r.passed = passed && passed->is_bool() && passed->get_bool();
    if (const json::value* t = o.if_contains("time"); t && t->is_number()) r.seconds = t->to_number<double>();
    r.line = int_field(o, "line");
    if (const json::value* fs = o.if_contains("failures"); fs && fs->is_array())
      for (const auto& f : fs->get_array()) {
        if (!f.is_object()) continue;
        const json::value* m = f.get_object().if_contains("message");
        r.failures.push_back({int_field(f.get_object(), "line"), int_field(f.get_object(), "column"),
                              m && m->is_string() ? std::string(m->get_string()) : std::string("the test failed")});
      }
    if (!r.passed && r.failures.empty()) r.failures.push_back({0, 0, "the test failed"});
    return r;
  }
  r.error = "no test named \"" + name + "\" ran";
  return r;
}

TestRunResult run_weft_test(const std::string& executable, const std::string& path, const std::string& name,
                            std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
  TestRunResult failed;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    failed.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return failed;
  }
  Fd out_r{out_pipe[0]}, out_w{out_pipe[1]};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    failed.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return failed;
  }
  Fd err_r{err_pipe[0]}, err_w{err_pipe[1]};
  std::vector<std::string> args{executable, "test", path, "--filter", name, "--format", "json", "--jobs", "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    failed.error = "cannot start " + executable + ": " + std::strerror(rc);
    return failed;
  }
  ::close(out_w.fd);
  out_w.fd = -1;
  ::close(err_w.fd);
  err_w.fd = -1;

  std::string out, err;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false, stopped = false;
  char buf[8192];
  for (int open = 2; open > 0;) {
    if (stop.load()) {
      stopped = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 100)));  // wakes to see `stop`
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (i == 0 ? out : err).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        Fd& f = i == 0 ? out_r : err_r;
        ::close(f.fd);
        f.fd = -1;
        --open;
      }
    }
  }
  if (timed_out || stopped) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (stopped) {
    failed.error = "stopped";
    return failed;
  }
  if (timed_out) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", static_cast<double>(timeout.count()) / 1000);
    failed.error = std::string("timed out after ") + secs + " s";
    return failed;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 2) {  // usage error or a file that does not compile: its diagnostics are on stderr
    std::string why = first_line(err);
    failed.error = why.empty() ? "weft test failed (exit 2)" : why;
    return failed;
  }
  TestRunResult r = parse_test_report(out, name);
  if (!r.ran && code != 0 && code != 1)
    r.error = "weft test ended abnormally (" + (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                                   : "exit " + std::to_string(code)) +
              ")" + (first_line(err).empty() ? "" : ": " + first_line(err));
  return r;
}

TestRuns::TestRuns(std::string executable, std::chrono::milliseconds timeout, Done done)
    : executable_(std::move(executable)), timeout_(timeout), done_(std::move(done)) {
  thread_ = std::thread([this] { loop(); });
}

TestRuns::~TestRuns() { stop(); }

void TestRuns::submit(TestRunJob job) {
  bool queued = false;
  {
    std::lock_guard lock(mu_);
    if (!stop_) {
      queue_.push_back(std::move(job));
      queued = true;
    }
  }
  if (!queued && job.temporary) {  // stopped already: nobody will run it
    std::error_code ec;
    std::filesystem::remove(job.path, ec);
  }
  cv_.notify_all();
}

void TestRuns::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  for (const auto& job : queue_)
    if (job.temporary) {
      std::error_code ec;
      std::filesystem::remove(job.path, ec);
    }
  queue_.clear();
}

void TestRuns::loop() {
  for (;;) {
    TestRunJob job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    TestRunResult r = run_weft_test(executable_, job.path, job.name, timeout_, stop_);
    if (job.temporary) {
      std::error_code ec;
      std::filesystem::remove(job.path, ec);
    }
    if (stop_) return;
    done_(job, r);
  }
}

}  // namespace weft::lsp
