// Client commands against a running server (`--server URL`, $WEFT_SERVER, $WEFT_TOKEN):
// `weft deploy FILE`, `start FLOW --input JSON [--idempotency-key K]`, `ls [--flow F] [--status S]`,
// `status ID`, `history ID [--json]`, `signal ID NAME --data JSON`, `cancel ID`. With `--data DIR`,
// `ls`, `status` and `history` read that store directly and read-only (no server needed).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "cli/commands.h"
#include "engine/history/history.h"
#include "cli/data_dir.h"
#include "cli/http_client.h"
#include "server/api.h"
#include "server/module_source.h"
#include "stdlib/functions/civil.h"

namespace weft::cli {
namespace json = boost::json;

namespace {

/// Parsed arguments: positionals and `--name value` options (flags listed in `switches`).
struct Args {
  std::vector<std::string> pos;
  std::map<std::string, std::string> opt;
  bool help = false;
  std::string error;
};

Args parse_args(int argc, char** argv, std::initializer_list<std::string_view> options,
                std::initializer_list<std::string_view> switches = {}) {
  Args a;
  for (int i = 0; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      a.help = true;
    } else if (s.size() > 2 && s.rfind("--", 0) == 0) {
      bool is_switch = std::find(switches.begin(), switches.end(), s) != switches.end();
      bool is_option = std::find(options.begin(), options.end(), s) != options.end();
      if (is_switch) {
        a.opt[s] = "1";
      } else if (!is_option) {
        a.error = "unknown option `" + s + "`";
      } else if (i + 1 >= argc) {
        a.error = "`" + s + "` needs a value";
      } else {
        a.opt[s] = argv[++i];
      }
    } else {
      a.pos.push_back(std::move(s));
    }
  }
  return a;
}

/// -1 to go on; else the exit status after printing the usage (--help: 0, a bad call: 2).
int usage(const Args& a, const char* cmd, bool malformed, const char* text) {
  if (!a.help && a.error.empty() && !malformed) return -1;
  if (!a.error.empty()) std::cerr << "weft " << cmd << ": " << a.error << "\n";
  (a.help ? std::cout : std::cerr) << text;
  return a.help ? 0 : 2;
}

std::string get(const Args& a, const std::string& k) {
  auto it = a.opt.find(k);
  return it == a.opt.end() ? std::string() : it->second;
}

std::string seg(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

/// Prints the error of a failed call; exit status 2 for transport errors and 4xx, 1 otherwise.
int fail(const char* cmd, const ClientResponse& r) {
  std::cerr << "weft " << cmd << ": " << error_message(r) << "\n";
  return r.status == 0 || (r.status >= 400 && r.status < 500) ? 2 : 1;
}

bool json_arg(const char* cmd, const std::string& text, json::value& out) {
  std::string t = text;
  if (!t.empty() && t[0] == '@') {
    std::ifstream in(t.substr(1), std::ios::binary);
    if (!in) {
      std::cerr << "weft " << cmd << ": cannot read `" << t.substr(1) << "`\n";
      return false;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    t = ss.str();
  }
  boost::system::error_code ec;
  out = json::parse(t, ec);
  if (ec) std::cerr << "weft " << cmd << ": not valid JSON: " << ec.message() << "\n";
  return !ec;
}

/// Opens `--data DIR` for reading; nullptr (message printed) when it is not a data directory.
std::unique_ptr<store::ExecutionStore> open_local(const char* cmd, const std::string& dir) {
  if (store_location("").empty() && !std::filesystem::exists(std::filesystem::path(dir) / "data.mdb")) {
    std::cerr << "weft " << cmd << ": `" << dir << "` is not a data directory\n";
    return nullptr;
  }
  std::string error;
  auto s = open_store(dir, error, store_location(""));
  if (!s) std::cerr << "weft " << cmd << ": " << error << "\n";
  return s;
}

/// A JSON string's text (other values as JSON).
std::string text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : json::serialize(v); }

void print_execution_line(const json::value& e) {
  const auto& o = e.as_object();
  std::cout << text(o.at("id")) << "  " << text(o.at("flow")) << "  " << text(o.at("status")) << "  "
            << text(o.at("created_at")) << "\n";
}

/// `status`: the execution, and its output or error.
int print_status(const json::value& e) {
  const auto& o = e.as_object();
  std::cout << "id:       " << text(o.at("id")) << "\n"
            << "flow:     " << text(o.at("flow")) << " (version " << text(o.at("version")).substr(0, 12) << ")\n"
            << "status:   " << text(o.at("status")) << "\n"
            << "created:  " << text(o.at("created_at")) << "\n"
            << "updated:  " << text(o.at("updated_at")) << "\n";
  if (auto* c = o.if_contains("current"); c && c->is_string()) std::cout << "current:  " << text(*c) << "\n";
  std::cout << "input:    " << json::serialize(o.at("input")) << "\n";
  if (!o.at("output").is_null()) std::cout << "output:   " << json::serialize(o.at("output")) << "\n";
  if (!o.at("error").is_null()) std::cout << "error:    " << json::serialize(o.at("error")) << "\n";
  std::string s(o.at("status").as_string());
  return s == "failed" || s == "cancelled" ? 1 : 0;
}

}  // namespace

int run_deploy(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server", "--name"});
  if (int rc = usage(a, "deploy", a.pos.size() != 1,
                     "usage: weft deploy FILE [--name NAME] [--server URL]\n"); rc >= 0) return rc;
  std::ifstream in(a.pos[0], std::ios::binary);
  if (!in) {
    std::cerr << "weft deploy: cannot read `" << a.pos[0] << "`\n";
    return 2;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string name = get(a, "--name");
  if (name.empty()) name = std::filesystem::path(a.pos[0]).filename().string();
  json::object body{{"source", ss.str()}, {"name", name}};
  // What the module reads besides itself (imports, OpenAPI documents) travels with it.
  if (auto files = server::module_files(a.pos[0], ss.str()); !files.empty())
    body["files"] = json::value_from(files);
  auto r = http_call(server_url(get(a, "--server")), "POST", "/v1/modules", json::serialize(body));
  if (r.status == 422) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    std::cerr << "weft deploy: " << error_message(r) << "\n";
    if (!ec && v.is_object())
      if (auto* d = v.as_object().at("error").as_object().if_contains("diagnostics"); d && d->is_array())
        for (const auto& x : d->as_array()) std::cerr << "  " << json::serialize(x) << "\n";
    return 1;
  }
  if (r.status != 200) return fail("deploy", r);
  auto v = json::parse(r.body);
  for (const auto& f : v.as_object().at("flows").as_array())
    std::cout << text(f.as_object().at("name")) << " " << text(f.as_object().at("version")) << "\n";
  return 0;
}

int run_start(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server", "--input", "--idempotency-key"});
  if (int rc = usage(a, "start", a.pos.size() != 1,
                     "usage: weft start FLOW [--input JSON|@FILE] [--idempotency-key K] [--server URL]\n"); rc >= 0) return rc;
  json::value input = json::object{};
  if (a.opt.count("--input") && !json_arg("start", get(a, "--input"), input)) return 2;
  json::object body{{"input", input}};
  if (a.opt.count("--idempotency-key")) body["idempotency_key"] = get(a, "--idempotency-key");
  auto r = http_call(server_url(get(a, "--server")), "POST", "/v1/flows/" + seg(a.pos[0]) + "/executions",
                     json::serialize(body));
  if (r.status != 201 && r.status != 200) return fail("start", r);
  std::cout << text(json::parse(r.body).as_object().at("id")) << "\n";
  return 0;
}

int run_ls(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server", "--data", "--flow", "--status", "--limit"});
  if (int rc = usage(a, "ls", !a.pos.empty(),
                     "usage: weft ls [--flow F] [--status running|completed|failed|cancelled|paused] [--limit N]\n"
                     "              [--server URL | --data DIR]\n");
      rc >= 0) return rc;
  if (a.opt.count("--data")) {
    auto store = open_local("ls", get(a, "--data"));
    if (!store) return 2;
    store::ExecutionQuery q;
    if (a.opt.count("--flow")) q.flow = get(a, "--flow");
    if (a.opt.count("--status")) {
      q.status = store::parse_status(get(a, "--status"));
      if (!q.status) {
        std::cerr << "weft ls: unknown status `" << get(a, "--status") << "`\n";
        return 2;
      }
    }
    if (a.opt.count("--limit")) q.limit = std::strtoul(get(a, "--limit").c_str(), nullptr, 10);
    auto page = store->list_executions(q);
    if (!page.ok()) {
      std::cerr << "weft ls: " << page.status().to_string() << "\n";
      return 2;
    }
    for (const auto& rec : page->items) print_execution_line(server::execution_json(rec));
    return 0;
  }
  std::string query;
  for (const char* k : {"flow", "status", "limit"})
    if (a.opt.count(std::string("--") + k))
      query += std::string(query.empty() ? "?" : "&") + k + "=" + seg(get(a, std::string("--") + k));
  auto r = http_call(server_url(get(a, "--server")), "GET", "/v1/executions" + query, "");
  if (r.status != 200) return fail("ls", r);
  json::value page = json::parse(r.body);
  for (const auto& e : page.as_object().at("items").as_array()) print_execution_line(e);
  return 0;
}

int run_status(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server", "--data"}, {"--json"});
  if (int rc = usage(a, "status", a.pos.size() != 1,
                     "usage: weft status ID [--json] [--server URL | --data DIR]\n"); rc >= 0) return rc;
  json::value e;
  if (a.opt.count("--data")) {
    auto store = open_local("status", get(a, "--data"));
    if (!store) return 2;
    auto rec = store->get_execution(a.pos[0]);
    if (!rec) {
      std::cerr << "weft status: no execution `" << a.pos[0] << "`\n";
      return 2;
    }
    e = server::execution_json(*rec);
  } else {
    auto r = http_call(server_url(get(a, "--server")), "GET", "/v1/executions/" + seg(a.pos[0]), "");
    if (r.status != 200) return fail("status", r);
    e = json::parse(r.body);
  }
  if (a.opt.count("--json")) {
    std::cout << json::serialize(e) << "\n";
    std::string s(e.as_object().at("status").as_string());
    return s == "failed" || s == "cancelled" ? 1 : 0;
  }
  return print_status(e);
}

int run_history(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server", "--data"}, {"--json"});
  if (int rc = usage(a, "history", a.pos.size() != 1,
                     "usage: weft history ID [--json] [--server URL | --data DIR]\n"); rc >= 0) return rc;
  std::vector<store::HistoryEvent> events;
  if (a.opt.count("--data")) {
    auto store = open_local("history", get(a, "--data"));
    if (!store) return 2;
    if (!store->get_execution(a.pos[0])) {
      std::cerr << "weft history: no execution `" << a.pos[0] << "`\n";
      return 2;
    }
    events = store->history(a.pos[0]);
  } else {
    auto r = http_call(server_url(get(a, "--server")), "GET", "/v1/executions/" + seg(a.pos[0]) + "/history", "");
    if (r.status != 200) return fail("history", r);
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    const json::value* list = !ec && body.is_object() ? body.as_object().if_contains("events") : nullptr;
    if (!list || !list->is_array()) {
      std::cerr << "weft history: the server's answer has no `events` list\n";
      return 2;
    }
    for (const auto& v : list->as_array())
      if (auto e = v.is_object() ? history::from_rendered(v.as_object()) : std::nullopt) events.push_back(std::move(*e));
  }
  if (a.opt.count("--json")) {
    json::array out;
    for (const auto& e : events) out.push_back(history::render_json(e));
    std::cout << json::serialize(json::object{{"events", out}}) << "\n";
    return 0;
  }
  std::cout << history::render_timeline(events);
  return 0;
}

int run_signal(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server", "--data"});
  if (int rc = usage(a, "signal", a.pos.size() != 2,
                     "usage: weft signal ID NAME [--data JSON|@FILE] [--server URL]\n"); rc >= 0) return rc;
  json::value payload = nullptr;
  if (a.opt.count("--data") && !json_arg("signal", get(a, "--data"), payload)) return 2;
  auto r = http_call(server_url(get(a, "--server")), "POST",
                     "/v1/executions/" + seg(a.pos[0]) + "/signals/" + seg(a.pos[1]),
                     json::serialize(json::object{{"payload", payload}}));
  if (r.status != 202) return fail("signal", r);
  std::cerr << "signal `" << a.pos[1] << "` delivered to " << a.pos[0] << "\n";
  return 0;
}

int run_cancel(int argc, char** argv) {
  auto a = parse_args(argc, argv, {"--server"});
  if (int rc = usage(a, "cancel", a.pos.size() != 1,
                     "usage: weft cancel ID [--server URL]\n"); rc >= 0) return rc;
  auto r = http_call(server_url(get(a, "--server")), "POST", "/v1/executions/" + seg(a.pos[0]) + "/cancel", "");
  if (r.status != 202) return fail("cancel", r);
  std::cerr << "cancelling " << a.pos[0] << "\n";
  return 0;
}

}  // namespace weft::cli
