// Small helpers shared by the benchmarks: option values, comma lists, the machine line, memory.
#pragma once
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace weft::bench {

/// "1,64,1024" → {1, 64, 1024}.
inline std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::atoi(item.c_str()));
  return out;
}

/// The value after option argv[i] (advancing i); exits with status 2 when it is missing.
inline std::string option_value(const char* program, int& i, int argc, char** argv) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "%s: %s needs a value\n", program, argv[i]);
    std::exit(2);
  }
  return argv[++i];
}

/// The three load averages of /proc/loadavg, e.g. "0.76 1.41 2.32".
inline std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

/// "<host>, <n> CPUs, load <loadavg>": where and under what load a number was measured.
inline std::string machine_line() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs, load " + loadavg();
}

/// A "Name:  N kB" field of /proc/self/status (VmRSS = RssAnon + RssFile + RssShmem), or -1.
inline long status_kb(const std::string& field = "VmRSS") {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
  return -1;
}

/// `dir`, or a fresh directory named `<prefix><pid>` under the system temp directory when empty;
/// created either way.
inline std::string work_dir(const std::string& dir, const std::string& prefix) {
  std::string d = dir.empty() ? (std::filesystem::temp_directory_path() / (prefix + std::to_string(getpid()))).string() : dir;
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace weft::bench
