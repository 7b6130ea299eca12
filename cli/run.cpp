// `weft run FILE --flow NAME --input JSON|@file [--data DIR]` runs one execution in-process on the
// embedded store and prints its output; `weft run --resume [--data DIR]` finishes what a killed
// process left running.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "compiler/driver/driver.h"
#include "compiler/ir/serialize.h"
#include "engine/runtime/engine.h"

namespace weft::cli {
namespace json = boost::json;

int report_compilation(const char* cmd, const driver::Compilation& c);

namespace {

void run_usage(std::ostream& out) {
  out << "usage: weft run FILE --flow NAME [--input JSON|@FILE] [--data DIR] [--count N]\n"
         "       weft run --resume [--data DIR]\n\n"
         "Runs one execution of flow NAME in-process on the embedded store (default $WEFT_DATA or\n"
         "./.weft), printing each step as it completes on stderr and the output JSON on stdout.\n"
         "FILE is a .flow module (checked and compiled) or a compiled .wfc. --resume finishes every\n"
         "execution a stopped process left running and prints each one's output (or error) as\n"
         "`weft run` does. --count N starts N executions with the same input (one output line each,\n"
         "in completion order). Exit status: 0 completed, 1 failed, cancelled or paused (see\n"
         "`weft replay`), 2 usage or I/O\n"
         "error (also: a data directory that group or others can write).\n";
}

}  // namespace

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

int run_run(int argc, char** argv) {
  std::string file, flow, input_text = "{}", data;
  bool resume = false, quiet = false;
  long count = 1;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) {
        std::cerr << "weft run: `" << a << "` needs a value\n";
        return false;
      }
      dst = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      run_usage(std::cout);
      return 0;
    } else if (a == "--flow") {
      if (!value(flow)) return 2;
    } else if (a == "--input") {
      if (!value(input_text)) return 2;
    } else if (a == "--data") {
      if (!value(data)) return 2;
    } else if (a == "--count") {
      std::string c;
      if (!value(c)) return 2;
      char* end = nullptr;
      count = std::strtol(c.c_str(), &end, 10);
      if (c.empty() || *end || count < 1 || count > 1000000) {
        std::cerr << "weft run: --count needs a number from 1 to 1000000\n";
        return 2;
      }
    } else if (a == "--resume") {
      resume = true;
    } else if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "weft run: unknown option `" << a << "`\n";
      run_usage(std::cerr);
      return 2;
    } else if (file.empty()) {
      file = a;
    } else {
      std::cerr << "weft run: one file at a time\n";
      return 2;
    }
  }
  if (!resume && (file.empty() || flow.empty())) {
    run_usage(std::cerr);
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);

  std::shared_ptr<ir::Module> module;
  json::value input;
  if (!resume) {
    if (file.size() > 4 && file.substr(file.size() - 4) == ".wfc") {
      std::string text, error;
      if (!read_file(file, text)) {
        std::cerr << "weft run: cannot read `" << file << "`\n";
        return 2;
      }
      auto m = ir::parse_module(text, &error);
      if (!m) {
        std::cerr << "weft run: `" << file << "` is not a compiled module: " << error << "\n";
        return 2;
      }
      module = std::make_shared<ir::Module>(std::move(*m));
    } else {
      auto c = driver::compile_file(file);
      if (int rc = report_compilation("run", c)) return rc;
      if (!c.lowered) return 1;
      module = std::make_shared<ir::Module>(std::move(c.lowered->module));
    }
    if (!module->find_flow(flow)) {
      std::cerr << "weft run: `" << file << "` has no flow `" << flow << "`\n";
      return 2;
    }
    if (!input_text.empty() && input_text[0] == '@') {
      std::string path = input_text.substr(1);
      if (!read_file(path, input_text)) {
        std::cerr << "weft run: cannot read input file `" << path << "`\n";
        return 2;
      }
    }
    boost::system::error_code ec;
    input = json::parse(input_text, ec);
    if (ec) {
      std::cerr << "weft run: --input is not valid JSON: " << ec.message() << "\n";
      return 2;
    }
  }

  // The io_context outlives the store: the store's destruction drains pending writes whose
  // callbacks post to it.
  boost::asio::io_context io;
  std::string dir = data_dir(data), error;
  auto store = open_store(dir, error);
  if (!store) {
    std::cerr << "weft run: " << error << "\n";
    return 2;
  }
  runtime::EngineOptions opts;
  opts.secret = secret_resolver(*store, dir);
  int exit_code = 0;
  json::value result;
  opts.on_step = [quiet](const std::string&, const std::string& step) {
    if (!quiet) std::cerr << "  ✓ " << step << "\n";
  };
  runtime::Engine* engine_ptr = nullptr;
  auto running_left = [&] {
    store::ExecutionQuery q;
    q.status = store::ExecutionStatus::running;
    q.limit = 1;
    auto page = store->list_executions(q);
    return page.ok() && !page->items.empty();
  };
  std::set<std::string> targets, finished;
  // A finished execution: its output on stdout, or its error on stderr (exit status 1).
  auto report = [&](const store::ExecutionRecord& rec) {
    if (rec.status == store::ExecutionStatus::completed) {
      std::cout << json::serialize(rec.output) << "\n" << std::flush;
    } else {
      exit_code = 1;
      std::cerr << "weft run: execution " << rec.id << " " << store::status_name(rec.status) << ": "
                << json::serialize(rec.error) << "\n";
    }
  };
  opts.on_terminal = [&](const store::ExecutionRecord& rec) {
    if (resume) {
      if (!finished.insert(rec.id).second) return;
      if (!quiet) std::cerr << "execution " << rec.id << " of " << rec.flow << ": " << store::status_name(rec.status) << "\n";
      report(rec);
      if (!running_left()) io.stop();
      return;
    }
    if (!targets.count(rec.id) || !finished.insert(rec.id).second) return;
    report(rec);
    if (finished.size() == static_cast<size_t>(count)) io.stop();
  };
  opts.on_paused = opts.on_terminal;  // `on_exhausted: "pause"`: reported like a failure (exit 1)
  runtime::Engine engine(io, *store, opts);
  engine_ptr = &engine;
  if (resume) {
    if (!running_left()) {
      std::cerr << "weft run: nothing left running in `" << dir << "`\n";
      return 0;
    }
    engine.recover();
  } else {
    std::map<std::string, std::string> versions;
    if (auto err = engine.deploy(module, &versions); !err.empty()) {
      std::cerr << "weft run: cannot deploy: " << err << "\n";
      return 2;
    }
    engine.recover();
    for (long i = 0; i < count; ++i)
      engine.start(flow, input, std::nullopt, [&](std::string id, std::string err) {
        if (!err.empty()) {
          std::cerr << "weft run: cannot start: " << err << "\n";
          exit_code = 2;
          io.stop();
          return;
        }
        targets.insert(id);
        if (!quiet && count == 1) std::cerr << "execution " << id << " of " << flow << "\n";
        if (!quiet && targets.size() == static_cast<size_t>(count) && count > 1)
          std::cerr << "started " << count << " executions of " << flow << "\n";
        // It may have finished before the id came back.
        if (auto rec = engine_ptr->store().get_execution(id);
            rec && (store::is_terminal(rec->status) || rec->status == store::ExecutionStatus::paused))
          opts.on_terminal(*rec);
      });
  }
  // The store answers on its writer thread: keep io.run() alive until on_terminal stops it.
  auto guard = boost::asio::make_work_guard(io);
  io.run();
  engine.shutdown();
  return exit_code;
}

}  // namespace weft::cli
