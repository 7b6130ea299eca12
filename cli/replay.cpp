// `weft replay ID [--from STEP] [--set STEP=JSON]... [--input JSON|@FILE] [--with FILE] [--reason TEXT]
// [--server URL | --data DIR]`: resumes a failed, cancelled or paused execution from its checkpoint
// (docs/operations.md "Replay"). Against a server it calls POST /v1/executions/{id}/replay; with
// `--data DIR` (or no --server and no $WEFT_SERVER) it opens the embedded store, replays in-process
// as `weft run` runs, waits for the execution to end and prints its output. `weft replay --flow NAME
// --status S [--since TIME] [--dry-run]` replays many (POST /v1/replays on a server). `weft replay
// --check FILE [ID | --flow NAME --status S] [--data DIR]` re-runs recorded histories against FILE
// with no side effects and reports each first divergence.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

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
#include "engine/runtime/replay_check.h"
#include "server/module_source.h"
#include "stdlib/functions/civil.h"

namespace weft::cli {
namespace json = boost::json;

namespace {

const char* kUsage =
    "usage: weft replay ID [--from STEP] [--set STEP=JSON]... [--input JSON|@FILE] [--with FILE]\n"
    "                      [--reason TEXT] [--server URL | --data DIR]\n"
    "       weft replay --flow NAME --status failed|cancelled|paused [--since TIME] [--dry-run]\n"
    "                      [--reason TEXT] [--server URL | --data DIR]\n"
    "       weft replay --check FILE [ID | --flow NAME --status running] [--data DIR]\n\n"
    "Resumes a failed, cancelled or paused execution from its last checkpoint: completed steps keep\n"
    "their results and are not called again, failed steps run again with fresh attempts.\n"
    "  --from STEP      rewind to just before STEP (later history is kept, marked superseded)\n"
    "  --set STEP=JSON  patch the recorded result of a step that ran before (repeatable)\n"
    "  --input JSON     replace the flow's input (@FILE reads a file)\n"
    "  --with FILE      continue on the same-named flow of FILE when the compatibility check allows\n"
    "Without --server (and $WEFT_SERVER) it works on --data DIR (default $WEFT_DATA or ./.weft)\n"
    "in-process and prints the output once the execution ends. Exit status: 0 completed (or, with\n"
    "--server, accepted), 1 failed, cancelled or paused again, 2 refused, usage or I/O error.\n"
    "The second form replays every execution of flow NAME with that status (created since TIME,\n"
    "RFC 3339), oldest first, at most 1000; it lists them first, and --dry-run only lists them.\n"
    "The third form changes nothing: it re-runs the recorded history of each execution selected\n"
    "against the same-named flow of FILE (steps answered from the recorded results, timers and\n"
    "signals as recorded) and prints the first divergence of each (step, expected vs got). Exit\n"
    "status: 0 none diverges, 1 some do, 2 usage, compile or I/O error.\n";

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

/// The store of data directory `dir` with the engine's logging quietened; null (after saying why) when it cannot be opened.
std::unique_ptr<store::ExecutionStore> open_quiet(const std::string& dir) {
  spdlog::set_level(spdlog::level::warn);
  std::string error;
  auto store = open_store(dir, error, store_location(""));
  if (!store) std::cerr << "weft replay: " << error << "\n";
  return store;
}

/// The replay of `id` — or, with bulk.flow set, of every execution bulk selects — in-process on
/// the data directory `dir`; waits until each ended (or paused again) and prints its output.
struct Bulk {
  std::string flow;                        ///< "" = one execution
  store::ExecutionStatus status = store::ExecutionStatus::failed;  ///< which ones
  std::optional<int64_t> since_ms;         ///< created at or after
  bool dry_run = false;                    ///< only list them
};

int replay_local(const std::string& id, const std::string& dir, runtime::ReplayRequest req, const Bulk& bulk) {
  // The io_context outlives the store: the store's destruction drains pending writes whose
  // callbacks post to it.
  boost::asio::io_context io;
  auto store = open_quiet(dir);
  if (!store) return 2;
  std::vector<std::string> ids{id};
  if (!bulk.flow.empty()) {
    std::string error;
    ids.clear();
    for (const auto& rec : runtime::replay_candidates(*store, bulk.flow, bulk.status, bulk.since_ms, 1000, error)) {
      ids.push_back(rec.id);
      std::cout << rec.id << "  " << store::status_name(rec.status) << "  " << json::serialize(rec.error) << "\n";
    }
    if (!error.empty()) {
      std::cerr << "weft replay: " << error << "\n";
      return 2;
    }
    std::cerr << (bulk.dry_run ? "would replay " : "replaying ") << ids.size() << " execution(s)\n";
    if (bulk.dry_run || ids.empty()) return 0;
  }
  runtime::EngineOptions opts;
  opts.secret = secret_resolver(*store, dir);
  opts.on_step = [](const std::string&, const std::string& step) { std::cerr << "  ✓ " << step << "\n"; };
  int rc = 0;
  std::set<std::string> waiting(ids.begin(), ids.end());
  auto ended = [&](const store::ExecutionRecord& rec) {
    if (!waiting.erase(rec.id)) return;
    if (rec.status == store::ExecutionStatus::completed) {
      std::cout << (bulk.flow.empty() ? "" : rec.id + "  ") << json::serialize(rec.output) << "\n" << std::flush;
    } else {
      rc = std::max(rc, 1);
      std::cerr << "weft replay: execution " << rec.id << " " << store::status_name(rec.status) << ": "
                << json::serialize(rec.error) << "\n";
    }
    if (waiting.empty()) io.stop();
  };
  opts.on_terminal = ended;
  opts.on_paused = ended;
  runtime::Engine engine(io, *store, opts);
  boost::asio::post(io, [&] {
    for (const auto& one : ids) {
      auto r = engine.replay(one, req);
      if (r.problem != runtime::ReplayProblem::none) {
        std::cerr << "weft replay: " << r.message << "\n";
        rc = 2;
        waiting.erase(one);
        continue;
      }
      std::cerr << "replaying " << one << " on version " << r.version.substr(0, 12) << "\n";
      // It may have ended before this line (a replay with nothing left to call).
      if (auto rec = engine.store().get_execution(one); rec && rec->status != store::ExecutionStatus::running) ended(*rec);
    }
    if (waiting.empty()) io.stop();
  });
  auto guard = boost::asio::make_work_guard(io);
  io.run();
  engine.shutdown();
  return rc;
}

/// `weft replay --check FILE`: the executions selected (`id`, or every one of `flow` with
/// `status`) re-run against `module` with no side effects; prints one line each.
int check_local(const std::string& id, const std::string& dir, const std::string& flow, store::ExecutionStatus status,
                const std::shared_ptr<const ir::Module>& module) {
  auto store = open_quiet(dir);
  if (!store) return 2;
  std::vector<store::ExecutionRecord> recs;
  if (!id.empty()) {
    auto rec = store->get_execution(id);
    if (!rec) {
      std::cerr << "weft replay: no execution `" << id << "`\n";
      return 2;
    }
    recs.push_back(*rec);
  } else {
    store::ExecutionQuery q;
    q.flow = flow;
    q.status = status;
    q.limit = 1000;
    auto page = store->list_executions(q);
    if (!page.ok()) {
      std::cerr << "weft replay: " << page.status().to_string() << "\n";
      return 2;
    }
    recs = page.value().items;
    std::reverse(recs.begin(), recs.end());  // oldest first
  }
  int rc = 0;
  for (const auto& rec : recs) {
    std::string err;
    auto d = runtime::check_replay(store->history(rec.id), module, rec.flow, err);
    if (!err.empty()) {
      std::cout << rec.id << "  error  " << err << "\n";
      rc = 2;
    } else if (d) {
      std::cout << rec.id << "  diverges  " << runtime::describe(*d) << "\n";
      rc = std::max(rc, 1);
    } else {
      std::cout << rec.id << "  ok\n";
    }
  }
  std::cerr << "checked " << recs.size() << " execution(s)\n";
  return rc;
}

}  // namespace

int run_replay(int argc, char** argv) {
  std::string id, data, server, input_text, with, from, reason, status_text, since_text, check;
  bool has_data = false, has_server = false;
  Bulk bulk;
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
    } else if (a == "--check") {
      if (!value(check)) return 2;
    } else if (a == "--from") {
      if (!value(from)) return 2;
    } else if (a == "--reason") {
      if (!value(reason)) return 2;
    } else if (a == "--flow") {
      if (!value(bulk.flow)) return 2;
    } else if (a == "--status") {
      if (!value(status_text)) return 2;
    } else if (a == "--since") {
      if (!value(since_text)) return 2;
    } else if (a == "--dry-run") {
      bulk.dry_run = true;
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
  if (!check.empty()) {
    bool bad = has_server || !from.empty() || !input_text.empty() || !with.empty() || !set.empty() || !reason.empty() ||
               !since_text.empty() || bulk.dry_run || (id.empty() == bulk.flow.empty()) ||
               (!bulk.flow.empty() && status_text.empty());
    if (bad) {
      std::cerr << "weft replay: --check FILE takes ID or --flow NAME --status S, and --data DIR only\n" << kUsage;
      return 2;
    }
    auto st = store::parse_status(status_text.empty() ? "running" : status_text);
    if (!st) {
      std::cerr << "weft replay: --status: `" << status_text << "` is not a status\n";
      return 2;
    }
    std::string text;
    if (!read_file(check, text)) {
      std::cerr << "weft replay: cannot read `" << check << "`\n";
      return 2;
    }
    auto compiled = server::compile_module_on_disk(check, text);
    if (!compiled.module) {
      std::cerr << compiled.text << "weft replay: `" << check << "` does not compile: " << compiled.message << "\n";
      return 2;
    }
    return check_local(id, data_dir(data), bulk.flow, *st, compiled.module);
  }
  bool is_bulk = !bulk.flow.empty();
  bool bulk_misuse = is_bulk ? (!id.empty() || status_text.empty() || !from.empty() || !input_text.empty() ||
                                !with.empty() || !set.empty())
                             : (!status_text.empty() || !since_text.empty() || bulk.dry_run);
  if ((id.empty() && !is_bulk) || bulk_misuse || (has_data && has_server)) {
    if (has_data && has_server) std::cerr << "weft replay: --server and --data exclude each other\n";
    if (bulk_misuse) std::cerr << "weft replay: either ID [--from/--set/--input/--with] or --flow NAME --status S [--since T] [--dry-run]\n";
    std::cerr << kUsage;
    return 2;
  }
  if (is_bulk) {
    auto st = store::parse_status(status_text);
    if (!st) {
      std::cerr << "weft replay: --status: `" << status_text << "` is not a status\n";
      return 2;
    }
    bulk.status = *st;
    if (!since_text.empty() && !(bulk.since_ms = functions::parse_rfc3339(since_text))) {
      std::cerr << "weft replay: --since: `" << since_text << "` is not an RFC 3339 time\n";
      return 2;
    }
  }
  json::value input;
  if (!input_text.empty() && !parse_json("--input", input_text, input)) return 2;
  std::string source;
  if (!with.empty() && !read_file(with, source)) {
    std::cerr << "weft replay: cannot read `" << with << "`\n";
    return 2;
  }
  const char* env_server = std::getenv("WEFT_SERVER");
  if (is_bulk && (has_server || (!has_data && env_server && *env_server))) {
    json::object body{{"flow", bulk.flow}, {"status", status_text}, {"dry_run", bulk.dry_run}};
    if (!since_text.empty()) body["since"] = since_text;
    if (!reason.empty()) body["reason"] = reason;
    auto r = http_call(server_url(server), "POST", "/v1/replays", json::serialize(body));
    if (r.status != 200) {
      std::cerr << "weft replay: " << error_message(r) << "\n";
      return r.status == 0 || (r.status >= 400 && r.status < 500) ? 2 : 1;
    }
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    const json::value* list = !ec && v.is_object() ? v.as_object().if_contains("executions") : nullptr;
    if (!list || !list->is_array()) {
      std::cerr << "weft replay: the server's answer has no `executions` list\n";
      return 2;
    }
    int rc = 0;
    for (const auto& e : list->as_array()) {
      const auto& o = e.as_object();
      std::cout << o.at("id").as_string() << "  " << o.at("status").as_string();
      if (!bulk.dry_run) std::cout << (o.at("replayed").as_bool() ? "  replaying" : "  refused");
      if (auto* err = o.if_contains("error")) {
        std::cout << "  " << err->as_string();
        rc = 2;
      }
      std::cout << "\n";
    }
    std::cerr << (bulk.dry_run ? "would replay " : "replayed ") << list->as_array().size() << " execution(s)\n";
    return rc;
  }
  if (has_server || (!has_data && env_server && *env_server)) {
    json::object body;
    if (!from.empty()) body["from"] = from;
    if (!input_text.empty()) body["input"] = input;
    if (!with.empty()) {
      body["source"] = source;
      body["name"] = std::filesystem::path(with).filename().string();
      if (auto files = server::module_files(with, source); !files.empty())
        body["files"] = json::value_from(files);
    }
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
    auto compiled = server::compile_module_on_disk(with, source);
    if (!compiled.module) {
      std::cerr << compiled.text << "weft replay: `" << with << "` does not compile: " << compiled.message << "\n";
      return 2;
    }
    req.with = compiled.module;
  }
  return replay_local(id, data_dir(data), std::move(req), bulk);
}

}  // namespace weft::cli
