// `weft replay ID [--from STEP] [--set STEP=JSON]... [--input JSON|@FILE] [--with FILE] [--reason TEXT]
// [--server URL | --data DIR]`: resumes a failed, cancelled or paused execution from its checkpoint
// (docs/operations.md "Replay"). Against a server it calls POST /v1/executions/{id}/replay; with
// `--data DIR` (or no --server and no $WEFT_SERVER) it opens the embedded store, replays in-process
// as `weft run` runs, waits for the execution to end and prints its output.
#include <cstdlib>
#include <iostream>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "cli/http_client.h"
#include "engine/runtime/engine.h"
#include "server/module_source.h"

namespace weft::cli {
namespace json = boost::json;

namespace {

const char* kUsage =
    "usage: weft replay ID [--from STEP] [--set STEP=JSON]... [--input JSON|@FILE] [--with FILE]\n"
    "                      [--reason TEXT] [--server URL | --data DIR]\n\n"
    "Resumes a failed, cancelled or paused execution from its last checkpoint: completed steps keep\n"
    "their results and are not called again, failed steps run again with fresh attempts.\n"
    "  --from STEP      rewind to just before STEP (later history is kept, marked superseded)\n"
    "  --set STEP=JSON  patch the recorded result of a step that ran before (repeatable)\n"
    "  --input JSON     replace the flow's input (@FILE reads a file)\n"
    "  --with FILE      continue on the same-named flow of FILE when the compatibility check allows\n"
    "Without --server (and $WEFT_SERVER) it works on --data DIR (default $WEFT_DATA or ./.weft)\n"
    "in-process and prints the output once the execution ends. Exit status: 0 completed (or, with\n"
    "--server, accepted), 1 failed, cancelled or paused again, 2 refused, usage or I/O error.\n";

/// Parses JSON text (or @FILE); prints what is wrong and returns false otherwise.
bool parse_json(const std::string& what, std::string text, json::value& out) {
  if (!text.empty() && text[0] == '@' && !read_file(text.substr(1), text)) {
    std::cerr << "weft replay: " << what << ": cannot read `" << text.substr(1) << "`\n";
    return false;
  }
  boost::system::error_code ec;
  out = json::parse(text, ec);
  if (ec) std::cerr << "weft replay: " << what << " is not valid JSON: " << ec.message() << "\n";
  return !ec;
}

/// The replay in-process on the data directory `dir`.
int replay_local(const std::string& id, const std::string& dir, runtime::ReplayRequest req) {
  spdlog::set_level(spdlog::level::warn);
  std::string error;
  auto store = open_store(dir, error);
  if (!store) {
    std::cerr << "weft replay: " << error << "\n";
    return 2;
  }
  boost::asio::io_context io;
  runtime::EngineOptions opts;
  opts.secret = secret_resolver(*store, dir);
  opts.on_step = [](const std::string&, const std::string& step) { std::cerr << "  ✓ " << step << "\n"; };
  int rc = 0;
  auto ended = [&](const store::ExecutionRecord& rec) {
    if (rec.id != id) return;
    if (rec.status == store::ExecutionStatus::completed) {
      std::cout << json::serialize(rec.output) << "\n" << std::flush;
    } else {
      rc = 1;
      std::cerr << "weft replay: execution " << id << " " << store::status_name(rec.status) << ": "
                << json::serialize(rec.error) << "\n";
    }
    io.stop();
  };
  opts.on_terminal = ended;
  opts.on_paused = ended;
  runtime::Engine engine(io, *store, opts);
  boost::asio::post(io, [&] {
    auto r = engine.replay(id, req);
    if (r.problem != runtime::ReplayProblem::none) {
      std::cerr << "weft replay: " << r.message << "\n";
      rc = 2;
      io.stop();
      return;
    }
    std::cerr << "replaying " << id << " on version " << r.version.substr(0, 12) << "\n";
    // It may have ended before this line (a replay with nothing left to call).
    if (auto rec = engine.store().get_execution(id); rec && rec->status != store::ExecutionStatus::running) ended(*rec);
  });
  auto guard = boost::asio::make_work_guard(io);
  io.run();
  engine.shutdown();
  return rc;
}

}  // namespace

int run_replay(int argc, char** argv) {
  std::string id, data, server, input_text, with, from, reason;
  bool has_data = false, has_server = false;
  std::map<std::string, json::value> set;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) {
        std::cerr << "weft replay: `" << a << "` needs a value\n";
        return false;
      }
      dst = argv[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--data") {
      if (!value(data)) return 2;
      has_data = true;
    } else if (a == "--server") {
      if (!value(server)) return 2;
      has_server = true;
    } else if (a == "--input") {
      if (!value(input_text)) return 2;
    } else if (a == "--with") {
      if (!value(with)) return 2;
    } else if (a == "--from") {
      if (!value(from)) return 2;
    } else if (a == "--reason") {
      if (!value(reason)) return 2;
    } else if (a == "--set") {
      std::string s;
      if (!value(s)) return 2;
      auto eq = s.find('=');
      json::value v;
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "weft replay: --set needs STEP=JSON, got `" << s << "`\n";
        return 2;
      }
      if (!parse_json("--set " + s.substr(0, eq), s.substr(eq + 1), v)) return 2;
      set[s.substr(0, eq)] = std::move(v);
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "weft replay: unknown option `" << a << "`\n" << kUsage;
      return 2;
    } else if (id.empty()) {
      id = a;
    } else {
      std::cerr << "weft replay: one execution at a time\n";
      return 2;
    }
  }
  if (id.empty() || (has_data && has_server)) {
    if (has_data && has_server) std::cerr << "weft replay: --server and --data exclude each other\n";
    std::cerr << kUsage;
    return 2;
  }
  json::value input;
  if (!input_text.empty() && !parse_json("--input", input_text, input)) return 2;
  std::string source;
  if (!with.empty() && !read_file(with, source)) {
    std::cerr << "weft replay: cannot read `" << with << "`\n";
    return 2;
  }
  const char* env_server = std::getenv("WEFT_SERVER");
  if (has_server || (!has_data && env_server && *env_server)) {
    json::object body;
    if (!from.empty()) body["from"] = from;
    if (!input_text.empty()) body["input"] = input;
    if (!with.empty()) body["source"] = source;
    if (!reason.empty()) body["reason"] = reason;
    if (!set.empty()) body["set"] = json::object(set.begin(), set.end());
    auto r = http_call(server_url(server), "POST",
                       "/v1/executions/" + boost::urls::encode(id, boost::urls::unreserved_chars) + "/replay",
                       json::serialize(body));
    if (r.status != 202) {
      std::cerr << "weft replay: " << error_message(r) << "\n";
      return r.status == 0 || (r.status >= 400 && r.status < 500) ? 2 : 1;
    }
    std::cerr << "replaying " << id << "\n";
    return 0;
  }
  runtime::ReplayRequest req;
  req.by = "cli";
  if (!reason.empty()) req.reason = reason;
  if (!from.empty()) req.from = from;
  if (!input_text.empty()) req.input = input;
  req.set = std::move(set);
  if (!with.empty()) {
    auto compiled = server::compile_module(with, source, true);
    if (!compiled.module) {
      std::cerr << compiled.text << "weft replay: `" << with << "` does not compile: " << compiled.message << "\n";
      return 2;
    }
    req.with = compiled.module;
  }
  return replay_local(id, data_dir(data), std::move(req));
}

}  // namespace weft::cli
