// `weft graph FILE [--flow NAME] [--format dot|mermaid|svg] [-o OUT]`: draw a flow's state machine.
// svg runs Graphviz `dot` (found on PATH) on the DOT text.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "compiler/ir/draw.h"
#include "compiler/driver/driver.h"

extern char** environ;

namespace weft::cli {

int report_compilation(const char* cmd, const driver::Compilation& c);

namespace {

void graph_usage(std::ostream& out) {
  out << "usage: weft graph FILE [--flow NAME] [--format dot|mermaid|svg] [-o OUT]\n\n"
         "Draws the state machine of one flow (--flow may be left out when FILE has one flow).\n"
         "dot (default) and mermaid print text; svg runs Graphviz `dot`, which must be on PATH.\n"
         "Exit status: 0 drawn, 1 errors in the file, 2 usage or I/O error.\n";
}

/// The full path of `dot` on PATH, or "".
std::string find_dot() {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    std::string p = dir + "/dot";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

/// Runs `dot -Tsvg` on the DOT text; false with `error` set on failure.
bool render_svg(const std::string& dot_path, const std::string& dot, std::string& svg, std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  std::string in = (dir / "weft-graph-XXXXXX").string();
  int fd = ::mkstemp(in.data());
  if (fd < 0) {
    error = "cannot create a temporary file";
    return false;
  }
  ::close(fd);
  std::string out = in + ".svg";
  std::ofstream(in, std::ios::binary) << dot;
  const char* args[] = {dot_path.c_str(), "-Tsvg", in.c_str(), "-o", out.c_str(), nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, dot_path.c_str(), nullptr, nullptr, const_cast<char* const*>(args), environ);
  int status = 0;
  bool ok = rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) {
    std::ifstream is(out, std::ios::binary);
    std::stringstream buf;
    buf << is.rdbuf();
    svg = buf.str();
  } else {
    error = rc != 0 ? "cannot run `" + dot_path + "`" : "`dot` failed to render the graph";
  }
  fs::remove(in, ec);
  fs::remove(out, ec);
  return ok;
}

}  // namespace

int run_graph(int argc, char** argv) {
  std::string file, flow, format = "dot", out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= argc) {
        std::cerr << "weft graph: `" << a << "` needs a value\n";
        return false;
      }
      into = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      graph_usage(std::cout);
      return 0;
    }
    if (a == "--flow") {
      if (!value(flow)) return 2;
    } else if (a == "--format") {
      if (!value(format)) return 2;
    } else if (a == "-o" || a == "--output") {
      if (!value(out)) return 2;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "weft graph: unknown option `" << a << "`\n";
      graph_usage(std::cerr);
      return 2;
    } else if (file.empty()) {
      file = a;
    } else {
      std::cerr << "weft graph: one input file only\n";
      return 2;
    }
  }
  if (file.empty()) {
    std::cerr << "weft graph: no input file\n";
    graph_usage(std::cerr);
    return 2;
  }
  if (format != "dot" && format != "mermaid" && format != "svg") {
    std::cerr << "weft graph: unknown format `" << format << "` (expected dot, mermaid or svg)\n";
    return 2;
  }
  std::string dot_path;
  if (format == "svg" && (dot_path = find_dot()).empty()) {
    std::cerr << "weft graph: --format svg needs Graphviz `dot` on PATH (Debian: apt-get install graphviz);\n"
                 "            --format dot or --format mermaid work without it\n";
    return 2;
  }
  driver::Compilation c = driver::compile_file(file);
  if (int rc = report_compilation("graph", c)) return rc;
  const ir::Module& m = c.lowered->module;
  const ir::Flow* f = nullptr;
  if (flow.empty()) {
    if (m.flows.size() == 1) f = &m.flows[0];
  } else {
    f = m.find_flow(flow);
  }
  if (!f) {
    std::cerr << "weft graph: " << (flow.empty() ? "name a flow with --flow" : "no flow `" + flow + "` in " + file);
    std::cerr << (m.flows.empty() ? " (the file has no flows)" : "; flows:");
    for (const auto& x : m.flows) std::cerr << " " << x.name;
    std::cerr << "\n";
    return 2;
  }
  std::string text;
  if (format == "mermaid") {
    text = ir::to_mermaid(*f);
  } else {
    text = ir::to_dot(*f);
    if (format == "svg") {
      std::string svg, error;
      if (!render_svg(dot_path, text, svg, error)) {
        std::cerr << "weft graph: " << error << "\n";
        return 2;
      }
      text = std::move(svg);
    }
  }
  if (out.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream os(out, std::ios::binary | std::ios::trunc);
  os << text;
  if (!os.flush()) {
    std::cerr << "weft graph: cannot write `" << out << "`\n";
    return 2;
  }
  return 0;
}

}  // namespace weft::cli
