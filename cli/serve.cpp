// `weft serve --data DIR --listen HOST:PORT [--flows DIR] [--tls-cert F --tls-key F]
// [--log-format text|json] [--insecure-no-auth] [--retention 30d]`: the server. Opens the store
// and the engine (recovering what was running), deploys and watches `--flows`, serves the API
// (server/api.h) over HTTP or HTTPS (server/http_server.h), and shuts down gracefully on
// SIGTERM/SIGINT: stop accepting, finish in-flight requests, flush the store, exit 0.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/data_dir.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/replay_check.h"
#include "engine/store/ids.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/module_source.h"
#include "server/retention.h"
#include "server/triggers.h"

namespace weft::cli {
namespace net = boost::asio;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

void serve_usage(std::ostream& out) {
  out << "usage: weft serve [--data DIR] [--listen HOST:PORT] [--flows DIR] [--tls-cert FILE --tls-key FILE]\n"
         "                  [--log-format text|json] [--insecure-no-auth] [--retention DURATION]\n"
         "                  [--max-body BYTES] [--max-in-flight N] [--store postgres://...] [--lease-ms N]\n\n"
         "Serves the JSON API (docs/api.md), webhooks, /healthz and /metrics. The management API needs\n"
         "`Authorization: Bearer <token>` (create one with `weft token create`); --insecure-no-auth\n"
         "turns that off and is refused unless HOST is a loopback address. --flows DIR deploys every\n"
         ".flow file there and redeploys a file when it changes (a file with errors is refused and the\n"
         "last good version keeps serving). --retention (default 30d; 0 = keep forever) deletes\n"
         "finished executions older than that (a flow's options { retention } overrides it).\n"
         "--listen 127.0.0.1:0 picks a free port (see the log).\n"
         "--store postgres://USER@HOST:PORT/DB (or $WEFT_STORE) keeps executions in PostgreSQL instead of\n"
         "the data directory's LMDB store; any number of nodes may share it (docs/operations.md \"Several\n"
         "nodes\"): each execution is held through a lease of --lease-ms (default 10000) and a dead\n"
         "node's executions are taken over once their leases expire.\n"
         "Defaults: --data $WEFT_DATA or ./.weft, --listen 127.0.0.1:8080.\n";
}

/// JSON lines for spdlog: {"time","level","msg"} with the message escaped.
class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    json::object o{{"time_ms", ms},
                   {"level", std::string(spdlog::level::to_string_view(msg.level).data(),
                                         spdlog::level::to_string_view(msg.level).size())},
                   {"msg", std::string(msg.payload.data(), msg.payload.size())}};
    std::string line = json::serialize(o) + "\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

bool read_text(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

/// `--flows DIR`: deploys every .flow file at start and again whenever its mtime or size changes.
/// After a redeploy, the running executions of each changed flow (they stay on their version) are
/// checked against the new one on a background thread, as `weft replay --check` does, and what
/// would diverge is logged: whether `weft replay --with` onto the new version would be safe.
class FlowWatcher {
 public:
  FlowWatcher(net::io_context& io, server::Api& api, server::Metrics& metrics, store::ExecutionStore& store,
              std::string dir)
      : timer_(io), api_(api), metrics_(metrics), store_(store), dir_(std::move(dir)) {}
  ~FlowWatcher() { stop(); }
  /// Scans now, then every second.
  void start() {
    scan();
    tick();
  }
  /// Stops scanning and waits for the running checks (each is bounded).
  void stop() {
    timer_.cancel();
    for (auto& t : checks_)
      if (t.joinable()) t.join();
    checks_.clear();
  }

  /// How many running executions of a flow one redeploy checks at most.
  static constexpr size_t kMaxChecked = 5;

 private:
  void tick() {
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      scan();
      tick();
    });
  }
  void scan() {
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".flow" || !it->is_regular_file(ec)) continue;
      auto stamp = std::make_pair(fs::last_write_time(it->path(), ec).time_since_epoch().count(),
                                  static_cast<int64_t>(fs::file_size(it->path(), ec)));
      if (ec) continue;
      auto& seen = seen_[it->path().string()];
      if (seen == stamp) continue;
      seen = stamp;
      deploy(it->path());
    }
  }
  void deploy(const fs::path& p) {
    std::string text;
    if (!read_text(p, text)) return spdlog::error("--flows: cannot read {}", p.string());
    auto c = server::compile_module_on_disk(p.string(), text);
    if (!c.module) {
      metrics_.inc("weft_deploy_failures_total");
      spdlog::error("--flows: {} refused ({}); the last good version keeps serving:\n{}", p.string(), c.message, c.text);
      return;
    }
    std::map<std::string, std::string> versions;
    if (auto err = api_.deploy(c.module, &versions); !err.empty())
      return spdlog::error("--flows: {}: cannot deploy: {}", p.string(), err);
    for (const auto& [f, v] : versions) spdlog::info("deployed flow {} version {} from {}", f, v.substr(0, 12), p.string());
    check_running(c.module, versions);
  }

  /// Checks up to kMaxChecked running executions of each deployed flow that run an older version.
  void check_running(std::shared_ptr<const ir::Module> module, const std::map<std::string, std::string>& versions) {
    std::vector<std::pair<std::string, std::string>> todo;  // (flow, execution id)
    for (const auto& [flow, version] : versions) {
      store::ExecutionQuery q;
      q.flow = flow;
      q.status = store::ExecutionStatus::running;
      q.limit = kMaxChecked;
      auto page = store_.list_executions(q);
      if (!page.ok()) continue;
      for (const auto& rec : page.value().items)
        if (rec.version != version) todo.emplace_back(flow, rec.id);
    }
    if (todo.empty()) return;
    checks_.emplace_back([this, module, todo] {
      for (const auto& [flow, id] : todo) {
        std::string error;
        auto d = runtime::check_replay(store_.history(id), module, flow, error);
        if (!error.empty())
          spdlog::warn("redeploy check of execution {} ({}): {}", id, flow, error);
        else if (d)
          spdlog::warn("redeploy check: running execution {} of {} would diverge on the new version: {}", id, flow,
                       runtime::describe(*d));
        else
          spdlog::info("redeploy check: running execution {} of {} replays on the new version without divergence",
                       id, flow);
      }
    });
  }

  net::steady_timer timer_;
  server::Api& api_;
  server::Metrics& metrics_;
  store::ExecutionStore& store_;
  std::string dir_;
  std::map<std::string, std::pair<int64_t, int64_t>> seen_;
  std::vector<std::thread> checks_;  // background redeploy checks
};

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  auto a = net::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

/// `weft serve`'s command line, checked.
struct ServeConfig {
  std::string data, flows, log_format = "text", store_flag;
  long long lease_ms = 10000;
  bool no_auth = false;
  int64_t retention = 0;  // ms of --retention (0: keep forever)
  server::HttpServerOptions hopts;
  server::ApiOptions aopts;
};

/// Parses and checks the arguments into `c`; an exit code when serve must not go on (0 after
/// --help; 2 after a message on stderr), else nullopt.
std::optional<int> parse_serve_args(int argc, char** argv, ServeConfig& c) {
  std::string listen = "127.0.0.1:8080", cert, key, retention_text = "30d";
  server::HttpServerOptions& hopts = c.hopts;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) {
        std::cerr << "weft serve: `" << a << "` needs a value\n";
        return false;
      }
      dst = argv[++i];
      return true;
    };
    std::string n;
    if (a == "--help" || a == "-h") {
      serve_usage(std::cout);
      return 0;
    } else if (a == "--data") {
      if (!value(c.data)) return 2;
    } else if (a == "--listen") {
      if (!value(listen)) return 2;
    } else if (a == "--flows") {
      if (!value(c.flows)) return 2;
    } else if (a == "--tls-cert") {
      if (!value(cert)) return 2;
    } else if (a == "--tls-key") {
      if (!value(key)) return 2;
    } else if (a == "--log-format") {
      if (!value(c.log_format)) return 2;
    } else if (a == "--retention") {
      if (!value(retention_text)) return 2;
    } else if (a == "--store") {
      if (!value(c.store_flag)) return 2;
    } else if (a == "--lease-ms") {
      if (!value(n)) return 2;
      char* end = nullptr;
      long long v = std::strtoll(n.c_str(), &end, 10);
      if (n.empty() || *end || v < 100 || v > 3600000) {
        std::cerr << "weft serve: --lease-ms needs a number of milliseconds from 100 to 3600000\n";
        return 2;
      }
      c.lease_ms = v;
    } else if (a == "--insecure-no-auth") {
      c.no_auth = true;
    } else if (a == "--max-body" || a == "--max-in-flight") {
      if (!value(n)) return 2;
      char* end = nullptr;
      unsigned long long v = std::strtoull(n.c_str(), &end, 10);
      if (n.empty() || *end || v == 0) {
        std::cerr << "weft serve: " << a << " needs a positive number\n";
        return 2;
      }
      (a == "--max-body" ? hopts.body_limit : c.aopts.max_in_flight) = static_cast<size_t>(v);
    } else {
      std::cerr << "weft serve: unknown argument `" << a << "`\n";
      serve_usage(std::cerr);
      return 2;
    }
  }
  if (c.log_format != "text" && c.log_format != "json") {
    std::cerr << "weft serve: --log-format is text or json\n";
    return 2;
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "weft serve: --listen needs HOST:PORT\n";
    return 2;
  }
  hopts.host = listen.substr(0, colon);
  if (hopts.host.size() > 2 && hopts.host.front() == '[' && hopts.host.back() == ']')
    hopts.host = hopts.host.substr(1, hopts.host.size() - 2);
  {
    std::string p = listen.substr(colon + 1);
    char* end = nullptr;
    long port = std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end || port < 0 || port > 65535) {
      std::cerr << "weft serve: bad port in --listen `" << listen << "`\n";
      return 2;
    }
    hopts.port = static_cast<uint16_t>(port);
  }
  if (c.no_auth && !is_loopback(hopts.host)) {
    std::cerr << "weft serve: --insecure-no-auth is refused unless --listen is a loopback address (got `"
              << hopts.host << "`)\n";
    return 2;
  }
  auto retention = server::parse_retention(retention_text);
  if (!retention) {
    std::cerr << "weft serve: --retention needs a duration like 30d, 12h or 0 (got `" << retention_text << "`)\n";
    return 2;
  }
  c.retention = *retention;
  hopts.tls_cert = cert;
  hopts.tls_key = key;
  return std::nullopt;
}

/// Logs to stderr, one line per record: text, or JSON objects (`--log-format json`).
void install_serve_logger(const std::string& format) {
  auto logger = spdlog::stderr_logger_mt("weft-serve");
  if (format == "json") logger->set_formatter(std::make_unique<JsonFormatter>());
  else logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::info);
}

/// Registers the gauges and counters /metrics reads from the engine, its store, the API and the
/// HTTP server at each scrape (all of which must outlive `metrics`' collections).
void collect_serve_metrics(server::Metrics& metrics, runtime::Engine& engine, server::Api& api,
                           server::HttpServer& http) {
  metrics.on_collect([&engine, &api](server::Metrics& m) {
    auto s = engine.store().stats();
    m.set("weft_store_batch_size_max", {}, static_cast<double>(s.largest_group));
    m.set("weft_executions_loaded", {}, static_cast<double>(engine.loaded()));
    m.set("weft_api_writes_in_flight", {}, static_cast<double>(api.in_flight()));
    uint64_t offset = 0;
    if (auto c = engine.store().get_cursor("$events")) offset = std::strtoull(c->c_str(), nullptr, 10);
    m.set("weft_events_queue_depth", {}, static_cast<double>(engine.store().read_events(offset, 10000).size()));
  });
  // Store counters are cumulative in the store: expose them as counters by adding the difference.
  auto last_stats = std::make_shared<store::StoreStats>();
  metrics.on_collect([&engine, last_stats](server::Metrics& m) {
    auto s = engine.store().stats();
    m.inc("weft_store_transactions_total", {}, static_cast<double>(s.transactions - last_stats->transactions));
    m.inc("weft_store_batches_total", {}, static_cast<double>(s.batches - last_stats->batches));
    m.inc("weft_store_conflicts_total", {}, static_cast<double>(s.conflicts - last_stats->conflicts));
    *last_stats = s;
  });
  auto last_rejected = std::make_shared<uint64_t>(0);
  metrics.on_collect([&http, last_rejected](server::Metrics& m) {
    auto s = http.stats();
    m.set("weft_http_connections_open", {}, static_cast<double>(s.connections_open));
    m.inc("weft_http_rejected_total", {}, static_cast<double>(s.rejected - *last_rejected));
    *last_rejected = s.rejected;
  });
}

}  // namespace

int run_serve(int argc, char** argv) {
  ServeConfig cfg;
  if (auto rc = parse_serve_args(argc, argv, cfg)) return *rc;
  const std::string& data = cfg.data;
  const std::string& flows = cfg.flows;
  const bool no_auth = cfg.no_auth;
  server::HttpServerOptions& hopts = cfg.hopts;
  server::ApiOptions& aopts = cfg.aopts;

  install_serve_logger(cfg.log_format);

  // The io_context outlives the store: the store's destruction drains pending writes whose
  // callbacks post to it.
  net::io_context io;
  std::string dir = data_dir(data), error;
  std::string location = store_location(cfg.store_flag);
  auto store = open_store(dir, error, location);
  if (!store) {
    spdlog::error("{}", error);
    return 2;
  }
  server::Metrics metrics;
  server::describe_server_metrics(metrics);
  runtime::EngineOptions eopts;
  eopts.secret = secret_resolver(*store, dir);
  if (!location.empty()) {
    // Several nodes may share the database: hold executions through leases, one owner id per process.
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    eopts.owner = std::string(host) + ":" + std::to_string(::getpid()) + ":" + store::new_id().substr(16);
    eopts.lease_ms = cfg.lease_ms;
    spdlog::info("PostgreSQL store; node {} holds executions through leases of {} ms", eopts.owner, cfg.lease_ms);
  }
  std::map<std::string, std::chrono::steady_clock::time_point> last_step;
  eopts.on_step = [&](const std::string& id, const std::string&) {
    auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = last_step.emplace(id, now);
    if (!fresh) {
      metrics.observe("weft_step_duration_seconds", {}, std::chrono::duration<double>(now - it->second).count());
      it->second = now;
    }
    if (last_step.size() > 100000) last_step.clear();  // executions unloaded while waiting
  };
  std::unique_ptr<server::TriggerManager> triggers;  // set once the engine exists
  eopts.on_terminal = [&](const store::ExecutionRecord& rec) {
    last_step.erase(rec.id);
    if (triggers) triggers->execution_ended(rec);
    const char* family = rec.status == store::ExecutionStatus::completed ? "weft_executions_completed_total"
                         : rec.status == store::ExecutionStatus::failed  ? "weft_executions_failed_total"
                                                                         : "weft_executions_cancelled_total";
    metrics.inc(family, {{"flow", rec.flow}});
  };
  // A paused execution (options.on_exhausted: "pause") answers its waiting sync webhooks too.
  eopts.on_paused = [&](const store::ExecutionRecord& rec) {
    last_step.erase(rec.id);
    if (triggers) triggers->execution_ended(rec);
    metrics.inc("weft_executions_paused_total", {{"flow", rec.flow}});
  };
  runtime::Engine engine(io, *store, eopts);
  engine.recover();
  triggers = std::make_unique<server::TriggerManager>(engine);
  triggers->deployed();

  aopts.require_auth = !no_auth;
  aopts.data_dir = dir;
  aopts.hooks = [&triggers](server::HttpRequest req, server::Respond respond) {
    triggers->handle_webhook(req, std::move(respond));
  };
  aopts.on_deploy = [&triggers] { triggers->deployed(); };
  server::Api api(engine, metrics, aopts);
  server::HttpServer http(io, hopts, [&api](server::HttpRequest req, server::Respond respond) {
    api.handle(std::move(req), std::move(respond));
  });
  collect_serve_metrics(metrics, engine, api, http);
  if (auto err = http.start(); !err.empty()) {
    spdlog::error("{}", err);
    return 2;
  }
  std::unique_ptr<FlowWatcher> watcher;
  if (!flows.empty()) {
    if (!fs::is_directory(flows)) {
      spdlog::error("--flows `{}` is not a directory", flows);
      return 2;
    }
    watcher = std::make_unique<FlowWatcher>(io, api, metrics, *store, flows);
    watcher->start();
  }
  server::RetentionSweeper sweeper(*store, metrics, cfg.retention);
  sweeper.start();

  if (no_auth)
    spdlog::warn("!!! --insecure-no-auth: the management API accepts requests WITHOUT a token (loopback only) !!!");
  spdlog::info("weft serve: data {}, listening on {}://{}:{}", dir, http.tls() ? "https" : "http", hopts.host, http.port());

  net::signal_set signals(io, SIGINT, SIGTERM);
  net::steady_timer deadline(io);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down (finishing in-flight requests)", sig);
    if (watcher) watcher->stop();
    sweeper.stop();
    triggers->stop();
    auto finish = [&] {
      engine.shutdown();
      io.stop();
    };
    http.stop(finish);
    deadline.expires_after(std::chrono::seconds(10));
    deadline.async_wait([&, finish](boost::system::error_code e) {
      if (!e) {
        spdlog::warn("shutdown: connections still open after 10 s; closing them");
        finish();
      }
    });
  });
  io.run();
  spdlog::info("weft serve: stopped; flushing the store");
  return 0;
}

}  // namespace weft::cli
