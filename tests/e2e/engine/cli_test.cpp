// `weft run` through the real binary: `--resume` prints each finished execution's output or error
// as `weft run` does, and the data directory is private (0700, files 0600) and refused when group
// or others can write it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/e2e/engine/process.h"

namespace weft::e2e {
namespace {

const char* kWaitingFlow = R"FLOW(
flow f(x: int) -> int {
  wait 1500ms
  if x < 0 { fail "boom ${x}" with { code: "negative" } }
  return x * 2
}
)FLOW";

unsigned mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

// Starts `weft run` with `input` and kills it once the execution is durable (its id printed).
void start_and_kill(const std::string& dir, const std::string& data, const std::string& input, const std::string& tag) {
  Proc p = spawn({weft_binary(), "run", dir + "/f.flow", "--flow", "f", "--input", input, "--data", data}, {}, "",
                 dir + "/" + tag);
  int code = 0;
  for (int waited = 0; read_all(p.err_path).find("execution ") == std::string::npos; waited += 5) {
    ASSERT_FALSE(exited(p, code)) << "exit " << code << ": " << read_all(p.err_path);
    ASSERT_LT(waited, 30000) << "no execution started: " << read_all(p.err_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_now(p);
}

}  // namespace

TEST(RunE2E, ResumePrintsEachFinishedExecutionsOutputOrError) {
  std::string dir = make_temp_dir("resume");
  std::string data = dir + "/data";
  write_all(dir + "/f.flow", kWaitingFlow);
  start_and_kill(dir, data, R"({"x":21})", "ok");
  start_and_kill(dir, data, R"({"x":-1})", "bad");
  ProcResult r = run({weft_binary(), "run", "--resume", "--data", data}, {}, "", dir + "/resume", 60000);
  ASSERT_FALSE(r.timed_out) << r.err;
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one of them failed
  EXPECT_EQ(r.out, "42\n");
  EXPECT_NE(r.err.find(": completed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" failed: {\"kind\":\"failure\",\"message\":\"boom -1\",\"code\":\"negative\""), std::string::npos)
      << r.err;
}

TEST(RunE2E, DataDirectoryIsPrivateAndAWritableOneIsRefused) {
  std::string dir = make_temp_dir("perms");
  std::string data = dir + "/data";
  write_all(dir + "/f.flow", "flow g() -> int {\n  return 1\n}\n");
  ProcResult r = run({weft_binary(), "run", dir + "/f.flow", "--flow", "g", "--data", data}, {}, "", dir + "/first");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
  EXPECT_EQ(mode_of(data), 0700u);
  EXPECT_EQ(mode_of(data + "/data.mdb"), 0600u);
  EXPECT_EQ(mode_of(data + "/lock.mdb"), 0600u);

  std::filesystem::permissions(data, std::filesystem::perms(0777), std::filesystem::perm_options::replace);
  r = run({weft_binary(), "run", dir + "/f.flow", "--flow", "g", "--data", data}, {}, "", dir + "/open");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("is writable by others (mode 0777)"), std::string::npos) << r.err;
  std::filesystem::permissions(data, std::filesystem::perms(0770), std::filesystem::perm_options::replace);
  r = run({weft_binary(), "run", "--resume", "--data", data}, {}, "", dir + "/group");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is writable by its group (mode 0770)"), std::string::npos) << r.err;
}

}  // namespace weft::e2e
