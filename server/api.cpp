#include "server/api.h"

#include "engine/history/history.h"

#include <algorithm>
#include <chrono>
#include <set>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/ir/draw.h"
#include "compiler/ir/dump.h"
#include "engine/eval/eval.h"
#include "engine/store/ids.h"
#include "server/auth.h"
#include "server/console.h"
#include "server/json_schema.h"
#include "server/module_source.h"
#include "server/triggers.h"
#include "stdlib/connectors/secrets.h"
#include "stdlib/functions/civil.h"

namespace weft::server {
namespace json = boost::json;

namespace {

/// At most this many running executions are counted at a scrape (the gauge then reads this).
constexpr std::size_t kRunningCountLimit = 100000;

// ---------------------------------------------------------------- schemas of the route table

constexpr std::string_view kExecution = R"({"type":"object","required":["id","flow","version","status","created_at","updated_at"],
 "properties":{"id":{"type":"string"},"flow":{"type":"string"},"version":{"type":"string"},
 "status":{"enum":["running","completed","failed","cancelled","paused"]},"input":{},"output":{},"error":{},
 "current":{"type":["string","null"]},"parent_id":{"type":["string","null"]},
 "created_at":{"type":"string"},"updated_at":{"type":"string"}}})";

constexpr std::string_view kFlow = R"({"type":"object","required":["name","version","deployed_at","versions"],
 "properties":{"name":{"type":"string"},"version":{"type":"string"},"deployed_at":{"type":"string"},
 "versions":{"type":"array","items":{"type":"object","required":["version","deployed_at"],
   "properties":{"version":{"type":"string"},"deployed_at":{"type":"string"}}}},
 "params":{"type":"array","items":{"type":"object","required":["name","type","required"],
   "properties":{"name":{"type":"string"},"type":{"type":"string"},"required":{"type":"boolean"}}}},
 "triggers":{"type":"array","items":{"type":"object","required":["kind"],
   "properties":{"kind":{"type":"string"},"subject":{},"timezone":{"type":"string"},"next_fire_at":{"type":"string"}}}}}})";

constexpr std::string_view kGraph = R"({"type":"object","required":["flow","version","nodes","edges","clusters"],
 "properties":{"flow":{"type":"string"},"version":{"type":"string"},
 "nodes":{"type":"array","items":{"type":"object","required":["id","step","label","shape","cluster"],
   "properties":{"id":{"type":"string"},"step":{"type":["string","null"]},"label":{"type":"string"},
   "shape":{"enum":["box","rounded","diamond","circle","doublecircle","octagon","hexagon","bar","note","parallelogram"]},
   "cluster":{"type":"integer"}}}},
 "edges":{"type":"array","items":{"type":"object","required":["from","to","label","style"],
   "properties":{"from":{"type":"string"},"to":{"type":"string"},"label":{"type":"string"},
   "style":{"enum":["normal","catch","compensate","timeout","loop"]}}}},
 "clusters":{"type":"array","items":{"type":"object","required":["label","parent"],
   "properties":{"label":{"type":"string"},"parent":{"type":"integer"}}}}}})";

std::string schema_text(std::string_view t) { return std::string(t); }

/// Adds a schedule trigger's time zone and next fire time (when its cron and zone are constants).
void schedule_json(const ir::Trigger& t, int64_t now_ms, json::object& out) {
  if (!t.subject || t.subject->op != ir::Expr::Op::Const || !t.subject->value.is_string()) return;
  std::string zone = "UTC";
  for (const auto& s : t.settings)
    if (s.name == "timezone") {
      if (!s.value || s.value->op != ir::Expr::Op::Const || !s.value->value.is_string()) return;
      zone = std::string(s.value->value.get_string());
    }
  std::string error;
  auto cron = CronTrigger::make(std::string(t.subject->value.get_string()), zone, error);
  if (!cron) return;
  out["timezone"] = cron->timezone();
  if (auto next = cron->next_after(now_ms)) out["next_fire_at"] = functions::format_rfc3339(*next);
}

}  // namespace

const std::vector<Route>& Api::routes() {
  static const std::string execution = schema_text(kExecution);
  static const std::string flow = schema_text(kFlow);
  static const std::string graph = schema_text(kGraph);
  static const std::string flows = R"({"type":"object","required":["flows"],"properties":{"flows":{"type":"array","items":)" + flow + "}}}";
  static const std::string executions = R"({"type":"object","required":["items"],"properties":{"items":{"type":"array","items":)" +
                                        execution + R"(},"next_cursor":{"type":["string","null"]}}})";
  static const std::vector<Route> table = {
      {"GET", "/healthz", false, 200, "healthz", "Liveness: answers while the server runs", "",
       R"({"type":"object","required":["status"],"properties":{"status":{"enum":["ok"]}}})", &Api::healthz},
      {"GET", "/metrics", false, 200, "metrics", "Prometheus text exposition of the server's metrics", "", "",
       &Api::get_metrics},
      {"GET", "/v1/openapi.json", false, 200, "openapi", "This description (OpenAPI 3.1)", "",
       R"({"type":"object","required":["openapi","paths"]})", &Api::get_openapi},
      {"POST", "/v1/modules", true, 200, "deployModule",
       "Compile a module from source and deploy its flows; 422 with the diagnostics on errors",
       R"({"type":"object","required":["source"],"additionalProperties":false,
           "properties":{"source":{"type":"string"},"name":{"type":"string","minLength":1},
                         "files":{"type":"object","additionalProperties":{"type":"string"}}}})",
       R"({"type":"object","required":["flows"],"properties":{"flows":{"type":"array","items":{"type":"object",
           "required":["name","version"],"properties":{"name":{"type":"string"},"version":{"type":"string"}}}},
           "diagnostics":{"type":"array"}}})",
       &Api::post_module},
      {"GET", "/v1/flows", true, 200, "listFlows", "Deployed flows, their versions and triggers", "", flows,
       &Api::list_flows},
      {"GET", "/v1/flows/{flow}", true, 200, "getFlow", "One deployed flow: versions, parameters, triggers", "",
       flow, &Api::get_flow},
      {"GET", "/v1/flows/{flow}/versions/{version}/graph", true, 200, "getFlowGraph",
       "The state graph of a flow version as nodes, edges and clusters (what `weft graph` draws); a node's step "
       "is the name history events use",
       "", graph, &Api::get_graph},
      {"POST", "/v1/flows/{flow}/executions", true, 201, "startExecution",
       "Start an execution of the deployed version; 200 with the same id for a repeated idempotency_key",
       R"({"type":"object","additionalProperties":false,
           "properties":{"input":{"type":"object"},"idempotency_key":{"type":"string","minLength":1}}})",
       R"({"type":"object","required":["id","status"],"properties":{"id":{"type":"string"},"status":{"type":"string"}}})",
       &Api::start_execution},
      {"GET", "/v1/executions", true, 200, "listExecutions",
       "Executions newest first; query: flow, status, since, until (RFC 3339), limit (1-1000), cursor", "",
       executions, &Api::list_executions},
      {"GET", "/v1/executions/{id}", true, 200, "getExecution", "One execution", "", execution,
       &Api::get_execution},
      {"GET", "/v1/executions/{id}/history", true, 200, "getHistory", "The execution's history events, in order: seq, at, type and the kind's payload fields (docs/api.md)",
       "",
       R"({"type":"object","required":["events"],"properties":{"events":{"type":"array","items":{"type":"object",
           "required":["seq","at","type"],"properties":{"seq":{"type":"integer"},"at":{"type":"string"},
           "type":{"type":"string"}}}}}})",
       &Api::get_history},
      {"POST", "/v1/executions/{id}/signals/{name}", true, 202, "sendSignal", "Deliver a signal (durably)",
       R"({"type":"object","additionalProperties":false,"properties":{"payload":{}}})",
       R"({"type":"object","required":["id","signal"],"properties":{"id":{"type":"string"},"signal":{"type":"string"}}})",
       &Api::post_signal},
      {"POST", "/v1/executions/{id}/cancel", true, 202, "cancelExecution",
       "Cancel a running execution: its compensations run, then it ends cancelled",
       R"({"type":"object","additionalProperties":false,"properties":{}})",
       R"({"type":"object","required":["id"],"properties":{"id":{"type":"string"}}})", &Api::post_cancel},
      {"POST", "/v1/executions/{id}/replay", true, 202, "replayExecution",
       "Replay a failed, cancelled or paused execution from its checkpoint (docs/operations.md): from rewinds to "
       "before a step, set patches recorded results, input replaces the input, source continues on that "
       "module's same-named flow when compatible (422 naming the step otherwise)",
       R"({"type":"object","additionalProperties":false,
           "properties":{"from":{"type":"string","minLength":1},"input":{"type":"object"},
           "source":{"type":"string"},"name":{"type":"string","minLength":1},
           "files":{"type":"object","additionalProperties":{"type":"string"}},
           "set":{"type":"object"},"reason":{"type":"string"}}})",
       R"({"type":"object","required":["id","status","version"],"properties":{"id":{"type":"string"},
           "status":{"type":"string"},"version":{"type":"string"}}})",
       &Api::post_replay},
      {"POST", "/v1/replays", true, 200, "replayExecutions",
       "Bulk replay: every execution of a flow with a status (failed, cancelled or paused) created since a "
       "time, oldest first, at most 1000; dry_run lists them without replaying",
       R"({"type":"object","required":["flow","status"],"additionalProperties":false,
           "properties":{"flow":{"type":"string","minLength":1},"status":{"enum":["failed","cancelled","paused"]},
           "since":{"type":"string"},"dry_run":{"type":"boolean"},"reason":{"type":"string"}}})",
       R"({"type":"object","required":["executions","dry_run"],"properties":{"dry_run":{"type":"boolean"},
           "executions":{"type":"array","items":{"type":"object","required":["id","status","replayed"],
           "properties":{"id":{"type":"string"},"status":{"type":"string"},"replayed":{"type":"boolean"},
           "error":{"type":"string"}}}}}})",
       &Api::post_replays},
      {"POST", "/v1/events", true, 202, "publishEvent", "Publish an event for `on event` triggers",
       R"({"type":"object","required":["type"],"additionalProperties":false,
           "properties":{"type":{"type":"string","minLength":1},"data":{}}})",
       R"({"type":"object","required":["accepted"],"properties":{"accepted":{"type":"boolean"}}})",
       &Api::post_event},
      {"GET", "/v1/secrets", true, 200, "listSecrets", "Secret names (values are never returned)", "",
       R"({"type":"object","required":["secrets"],"properties":{"secrets":{"type":"array","items":{"type":"string"}}}})",
       &Api::list_secrets},
      {"PUT", "/v1/secrets/{name}", true, 204, "putSecret", "Store a secret, encrypted under the master key",
       R"({"type":"object","required":["value"],"additionalProperties":false,"properties":{"value":{"type":"string"}}})",
       "", &Api::put_secret},
      {"DELETE", "/v1/secrets/{name}", true, 204, "deleteSecret", "Delete a secret", "", "", &Api::delete_secret},
  };
  return table;
}

// ---------------------------------------------------------------- helpers

HttpResponse error_response(int status, std::string_view code, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(json::object{{"error", json::object{{"code", code}, {"message", message}}}});
  return r;
}

namespace {

HttpResponse json_response(int status, const json::value& v) {
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(v);
  return r;
}

std::string time_text(int64_t ms) { return functions::format_rfc3339(ms); }

/// The `files` of a request that carries a module (imports and OpenAPI documents by path relative
/// to the module's directory; the request schema has checked that they are strings).
ModuleFiles module_files_of(const json::object& body) {
  ModuleFiles files;
  if (auto* f = body.if_contains("files"))
    for (const auto& [path, text] : f->as_object()) files.emplace(path, text.as_string());
  return files;
}

/// The HTTP status for an engine or store error text ("not_found: ...").
int status_of(std::string_view error) {
  if (error.rfind("not_found", 0) == 0) return 404;
  if (error.rfind("conflict", 0) == 0) return 409;
  if (error.rfind("invalid_argument", 0) == 0) return 400;
  return 500;
}

std::string_view code_of(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 409: return "conflict";
    default: return "internal";
  }
}

bool valid_name(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_';
}

const json::value& parsed_schema(std::string_view text) {
  static std::map<std::string, json::value, std::less<>> cache;
  auto it = cache.find(text);
  if (it == cache.end()) it = cache.emplace(std::string(text), json::parse(text)).first;
  return it->second;
}

}  // namespace

json::value execution_json(const store::ExecutionRecord& r) {
  json::object o;
  o["id"] = r.id;
  o["flow"] = r.flow;
  o["version"] = r.version;
  o["status"] = store::status_name(r.status);
  o["input"] = r.input;
  o["output"] = r.output;
  o["error"] = r.error;
  o["current"] = r.current.empty() ? json::value(nullptr) : json::value(r.current);
  o["parent_id"] = r.parent_id.empty() ? json::value(nullptr) : json::value(r.parent_id);
  o["created_at"] = time_text(r.created_at_ms);
  o["updated_at"] = time_text(r.updated_at_ms);
  return o;
}

bool match_pattern(std::string_view pattern, std::string_view path, PathParams& params) {
  params.clear();
  while (true) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    size_t pe = pattern.find('/'), se = path.find('/');
    std::string_view p = pattern.substr(0, pe), s = path.substr(0, se);
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (s.empty()) return false;
      params[std::string(p.substr(1, p.size() - 2))] = std::string(s);
    } else if (p != s) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
}

void describe_server_metrics(Metrics& m) {
  const std::vector<double> latency = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  m.describe("weft_http_requests_total", Metrics::Kind::counter, "HTTP requests by route, method and status");
  m.describe("weft_http_request_duration_seconds", Metrics::Kind::histogram, "HTTP request latency by route",
             latency);
  m.describe("weft_webhook_requests_total", Metrics::Kind::counter, "Webhook requests by path and status");
  m.describe("weft_executions_started_total", Metrics::Kind::counter, "Executions started by flow");
  m.describe("weft_executions_completed_total", Metrics::Kind::counter, "Executions completed by flow");
  m.describe("weft_executions_failed_total", Metrics::Kind::counter, "Executions failed by flow");
  m.describe("weft_executions_cancelled_total", Metrics::Kind::counter, "Executions cancelled by flow");
  m.describe("weft_executions_paused_total", Metrics::Kind::counter,
             "Executions paused by flow (a step's retries ran out under options.on_exhausted: \"pause\")");
  m.describe("weft_step_duration_seconds", Metrics::Kind::histogram,
             "Time from an execution's previous transition to a step's completion", latency);
  m.describe("weft_store_commit_seconds", Metrics::Kind::histogram,
             "Latency of the API's store writes from submission to durability", latency);
  m.describe("weft_store_transactions_total", Metrics::Kind::counter, "LMDB write transactions committed");
  m.describe("weft_store_batches_total", Metrics::Kind::counter, "Write batches committed");
  m.describe("weft_store_batch_size_max", Metrics::Kind::gauge, "Most batches merged into one transaction");
  m.describe("weft_store_conflicts_total", Metrics::Kind::counter, "Write batches skipped by a failed condition");
  m.describe("weft_executions_loaded", Metrics::Kind::gauge, "Executions loaded in memory");
  m.describe("weft_api_writes_in_flight", Metrics::Kind::gauge, "API writes submitted and not yet durable");
  m.describe("weft_events_queue_depth", Metrics::Kind::gauge, "Events waiting in the events queue");
  m.describe("weft_executions_swept_total", Metrics::Kind::counter,
             "Finished executions deleted by the retention sweep, by flow");
  m.describe("weft_circuit_breaker_state", Metrics::Kind::gauge,
             "Circuit breaker of each connection by flow version: 0 closed, 1 half-open, 2 open");
  m.describe("weft_executions_running", Metrics::Kind::gauge,
             "Executions with status running (counted up to 100000 at each scrape)");
  m.describe("weft_oldest_running_execution_age_seconds", Metrics::Kind::gauge,
             "Age of the oldest running execution (0 when none)");
  m.describe("weft_deploy_failures_total", Metrics::Kind::counter, "Modules refused at deployment");
  m.describe("weft_http_connections_open", Metrics::Kind::gauge, "HTTP connections open");
  m.describe("weft_http_rejected_total", Metrics::Kind::counter,
             "Requests refused by the connection layer before routing (400 malformed, 413, 431)");
}

// ---------------------------------------------------------------- the API

Api::Api(runtime::Engine& engine, Metrics& metrics, ApiOptions options)
    : engine_(engine), store_(engine.store()), metrics_(metrics), opts_(std::move(options)),
      in_flight_(std::make_shared<std::size_t>(0)) {
  describe_server_metrics(metrics_);
}

Api::~Api() = default;

void Api::handle(HttpRequest req, Respond respond) {
  auto t0 = std::chrono::steady_clock::now();
  // Label values stay bounded: unknown methods (any token is valid HTTP) count as "other".
  static const std::set<std::string, std::less<>> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::string method = methods.count(req.method) ? req.method : "other";
  auto finish = [this, t0, respond = std::move(respond), method](std::string route) {
    return [this, t0, respond, method, route](HttpResponse r) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      bool hook = route.rfind("/hooks/", 0) == 0;
      metrics_.inc(hook ? "weft_webhook_requests_total" : "weft_http_requests_total",
                   {{hook ? "path" : "route", route}, {"method", method}, {"status", std::to_string(r.status)}});
      if (!hook) metrics_.observe("weft_http_request_duration_seconds", {{"route", route}}, secs);
      respond(std::move(r));
    };
  };
  if (req.path.rfind("/hooks/", 0) == 0) {
    // Webhooks are counted by their path (a deployed trigger's, not a secret), unknown ones together.
    auto known = finish(req.path), unknown = finish("/hooks/{unknown}");
    Respond done = [known, unknown](HttpResponse r) { (r.status == 404 ? unknown : known)(std::move(r)); };
    if (!opts_.hooks) return done(error_response(404, "not_found", "no webhook trigger at this path"));
    return opts_.hooks(std::move(req), std::move(done));
  }
  if (is_console_path(req.path)) return finish("/ui")(console_response(req));
  const Route* route = nullptr;
  PathParams params;
  std::string allow;
  for (const auto& r : routes()) {
    PathParams p;
    if (!match_pattern(r.pattern, req.path, p)) continue;
    if (r.method == req.method) {
      route = &r;
      params = std::move(p);
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  if (!route) {
    if (allow.empty()) return finish("other")(error_response(404, "not_found", "no such path"));
    auto r = error_response(405, "method_not_allowed", "method " + req.method + " is not allowed here");
    r.headers.emplace_back("Allow", allow);
    return finish("other")(std::move(r));
  }
  Respond done = finish(std::string(route->pattern));
  if (route->auth && opts_.require_auth) {
    const std::string* h = req.header("authorization");
    if (!h || !check_bearer(store_, *h)) {
      auto r = error_response(401, "unauthorized", "a valid `Authorization: Bearer <token>` is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return done(std::move(r));
    }
  }
  RouteCall call{std::move(req), std::move(params), nullptr, std::move(done)};
  if (!route->request.empty()) {
    std::string_view text = call.req.body;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    if (text.empty()) text = "{}";  // routes whose fields are all optional take no body
    boost::system::error_code ec;
    call.body = json::parse(text, ec);
    if (ec) return call.respond(error_response(400, "malformed_json", "the body is not valid JSON: " + ec.message()));
    if (auto err = validate_schema(parsed_schema(route->request), call.body, ""))
      return call.respond(error_response(400, "invalid_body", *err));
  }
  try {
    (this->*route->handler)(call);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", call.req.method, route->pattern, e.what());
    call.respond(error_response(500, "internal", "internal error"));
  }
}

bool Api::overloaded(const Respond& respond) {
  if (*in_flight_ < opts_.max_in_flight) return false;
  auto r = error_response(503, "overloaded", "the store is behind; retry shortly");
  r.headers.emplace_back("Retry-After", "1");
  respond(std::move(r));
  return true;
}

Respond Api::tracked(Respond respond) {
  ++*in_flight_;
  auto count = in_flight_;
  auto t0 = std::chrono::steady_clock::now();
  Metrics* m = &metrics_;
  return [count, respond = std::move(respond), t0, m](HttpResponse r) {
    --*count;
    m->observe("weft_store_commit_seconds", {},
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    respond(std::move(r));
  };
}

std::string Api::deploy(std::shared_ptr<const ir::Module> module, std::map<std::string, std::string>* versions) {
  auto err = engine_.deploy(std::move(module), versions);
  if (err.empty() && opts_.on_deploy) opts_.on_deploy();
  return err;
}

void Api::healthz(RouteCall& c) { c.respond(json_response(200, json::object{{"status", "ok"}})); }

void Api::refresh_gauges() {
  for (const auto& c : engine_.connection_states()) {
    double v = c.breaker == connectors::BreakerState::open ? 2 : c.breaker == connectors::BreakerState::half_open ? 1 : 0;
    metrics_.set("weft_circuit_breaker_state", {{"version", c.version}, {"connection", c.name}}, v);
  }
  auto running = store_.count_status(store::ExecutionStatus::running, kRunningCountLimit);
  metrics_.set("weft_executions_running", {}, static_cast<double>(running.count));
  double age = 0;
  if (running.oldest_id)
    if (auto t = store::id_time_ms(*running.oldest_id)) age = std::max<double>(0, (engine_.now() - *t) / 1000.0);
  metrics_.set("weft_oldest_running_execution_age_seconds", {}, age);
}

void Api::get_metrics(RouteCall& c) {
  HttpResponse r;
  refresh_gauges();
  r.body = metrics_.render();
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  c.respond(std::move(r));
}

void Api::get_openapi(RouteCall& c) { c.respond(json_response(200, openapi())); }

void Api::post_module(RouteCall& c) {
  const auto& b = c.body.as_object();
  std::string name = "module.flow";
  if (auto* n = b.if_contains("name")) name = std::string(n->as_string());
  auto compiled = compile_module(name, std::string(b.at("source").as_string()), module_files_of(b));
  if (!compiled.module) {
    metrics_.inc("weft_deploy_failures_total");
    json::object err{{"code", "compile_error"}, {"message", compiled.message}, {"diagnostics", compiled.diagnostics}};
    return c.respond(json_response(422, json::object{{"error", err}}));
  }
  if (compiled.module->flows.empty())
    return c.respond(error_response(422, "no_flows", "the module declares no flow"));
  std::map<std::string, std::string> versions;
  if (auto err = deploy(compiled.module, &versions); !err.empty())
    return c.respond(error_response(500, "deploy_failed", err));
  json::array flows;
  for (const auto& [f, v] : versions) flows.push_back(json::object{{"name", f}, {"version", v}});
  spdlog::info("deployed module `{}`: {} flow(s)", name, versions.size());
  c.respond(json_response(200, json::object{{"flows", flows}, {"diagnostics", compiled.diagnostics}}));
}

json::value Api::flow_json(const store::FlowInfo& info) {
  json::object o;
  o["name"] = info.name;
  o["version"] = info.deployed_hash;
  o["deployed_at"] = time_text(info.deployed_at_ms);
  json::array versions;
  for (const auto& v : info.versions)
    versions.push_back(json::object{{"version", v.hash}, {"deployed_at", time_text(v.deployed_at_ms)}});
  o["versions"] = std::move(versions);
  json::array params, triggers;
  if (auto lf = engine_.version(info.deployed_hash, info.name)) {
    for (const auto& p : lf->flow->params)
      params.push_back(json::object{{"name", p.name},
                                    {"type", ir::type_text(p.type)},
                                    {"required", !p.default_value && p.type.kind != ir::Type::Kind::Optional}});
    for (const auto& t : lf->flow->triggers) {
      json::object tj{{"kind", t.kind}};
      if (t.subject && t.subject->op == ir::Expr::Op::Const) tj["subject"] = t.subject->value;
      if (t.kind == "schedule") schedule_json(t, engine_.now(), tj);
      triggers.push_back(std::move(tj));
    }
  }
  o["params"] = std::move(params);
  o["triggers"] = std::move(triggers);
  return o;
}

void Api::list_flows(RouteCall& c) {
  json::array flows;
  for (const auto& f : store_.list_flows()) flows.push_back(flow_json(f));
  c.respond(json_response(200, json::object{{"flows", flows}}));
}

void Api::get_flow(RouteCall& c) {
  auto info = store_.get_flow(c.params["flow"]);
  if (!info) return c.respond(error_response(404, "not_found", "no deployed flow `" + c.params["flow"] + "`"));
  c.respond(json_response(200, flow_json(*info)));
}

void Api::get_graph(RouteCall& c) {
  const std::string& flow = c.params["flow"];
  const std::string& version = c.params["version"];
  auto info = store_.get_flow(flow);
  bool known = info && std::any_of(info->versions.begin(), info->versions.end(),
                                   [&](const auto& v) { return v.hash == version; });
  auto lf = known ? engine_.version(version, flow) : nullptr;
  if (!lf) return c.respond(error_response(404, "not_found", "no version `" + version + "` of flow `" + flow + "`"));
  json::value g = ir::to_graph_json(*lf->flow);
  g.as_object()["version"] = version;
  c.respond(json_response(200, g));
}

void Api::start_execution(RouteCall& c) {
  const std::string flow = c.params["flow"];
  auto info = store_.get_flow(flow);
  if (!info) return c.respond(error_response(404, "not_found", "no deployed flow `" + flow + "`"));
  auto lf = engine_.version(info->deployed_hash, flow);
  if (!lf) return c.respond(error_response(500, "internal", "the deployed version cannot be loaded"));
  const auto& body = c.body.as_object();
  json::value input = json::object{};
  if (auto* i = body.if_contains("input")) input = *i;
  // The input against the flow's declared parameters: no unknown field, required ones present,
  // each of its declared type.
  for (const auto& [k, v] : input.as_object()) {
    bool known = false;
    for (const auto& p : lf->flow->params) known = known || p.name == k;
    if (!known)
      return c.respond(error_response(422, "invalid_input", "input." + std::string(k) + ": the flow `" + flow +
                                                                "` has no parameter `" + std::string(k) + "`"));
  }
  for (const auto& p : lf->flow->params) {
    const json::value* v = input.as_object().if_contains(p.name);
    if (!v) {
      if (!p.default_value && p.type.kind != ir::Type::Kind::Optional)
        return c.respond(error_response(422, "invalid_input", "input." + p.name + ": required (" + ir::type_text(p.type) + ")"));
      continue;  // the engine applies its default (or null)
    }
    if (auto err = eval::validate(p.type, *v, *lf->module, "input." + p.name))
      return c.respond(error_response(422, "invalid_input", *err));
  }
  std::optional<std::string> key;
  if (auto* k = body.if_contains("idempotency_key")) {
    key = "api:" + flow + ":" + std::string(k->as_string());
    if (auto id = store_.get_dedup(*key)) {
      auto rec = store_.get_execution(*id);
      std::string status = rec ? std::string(store::status_name(rec->status)) : "running";
      return c.respond(json_response(200, json::object{{"id", *id}, {"status", status}}));
    }
  }
  if (overloaded(c.respond)) return;
  auto respond = tracked(std::move(c.respond));
  Metrics* m = &metrics_;
  engine_.start(flow, std::move(input), key, [respond, flow, m](std::string id, std::string err) {
    if (!err.empty()) return respond(error_response(status_of(err), code_of(status_of(err)), err));
    m->inc("weft_executions_started_total", {{"flow", flow}});
    respond(json_response(201, json::object{{"id", id}, {"status", "running"}}));
  });
}

void Api::list_executions(RouteCall& c) {
  static const std::set<std::string, std::less<>> known = {"flow", "status", "since", "until", "limit", "cursor"};
  store::ExecutionQuery q;
  for (const auto& [k, v] : c.req.query) {
    if (!known.count(k)) return c.respond(error_response(400, "bad_query", "unknown query parameter `" + k + "`"));
    if (k == "flow") {
      q.flow = v;
    } else if (k == "status") {
      q.status = store::parse_status(v);
      if (!q.status) return c.respond(error_response(400, "bad_query", "status: not one of running, completed, failed, cancelled, paused"));
    } else if (k == "since" || k == "until") {
      auto t = functions::parse_rfc3339(v);
      if (!t) return c.respond(error_response(400, "bad_query", k + ": expected an RFC 3339 time"));
      (k == "since" ? q.since_ms : q.until_ms) = *t;
    } else if (k == "limit") {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 1 || n > 1000) return c.respond(error_response(400, "bad_query", "limit: expected 1 to 1000"));
      q.limit = static_cast<size_t>(n);
    } else {
      q.cursor = v;
    }
  }
  auto page = store_.list_executions(q);
  if (!page.ok()) return c.respond(error_response(400, "bad_query", page.status().message()));
  json::array items;
  for (const auto& r : page->items) items.push_back(execution_json(r));
  json::value next = page->next_cursor ? json::value(*page->next_cursor) : json::value(nullptr);
  c.respond(json_response(200, json::object{{"items", items}, {"next_cursor", next}}));
}

void Api::get_execution(RouteCall& c) {
  auto rec = store_.get_execution(c.params["id"]);
  if (!rec) return c.respond(error_response(404, "not_found", "no execution `" + c.params["id"] + "`"));
  c.respond(json_response(200, execution_json(*rec)));
}

void Api::get_history(RouteCall& c) {
  if (!store_.get_execution(c.params["id"]))
    return c.respond(error_response(404, "not_found", "no execution `" + c.params["id"] + "`"));
  json::array events;
  for (const auto& e : store_.history(c.params["id"])) events.push_back(history::render_json(e));
  c.respond(json_response(200, json::object{{"events", events}}));
}

void Api::post_signal(RouteCall& c) {
  std::string id = c.params["id"], name = c.params["name"];
  if (!valid_name(name, 128)) return c.respond(error_response(400, "bad_signal", "a signal name is letters, digits and _ . -"));
  if (!store_.get_execution(id)) return c.respond(error_response(404, "not_found", "no execution `" + id + "`"));
  if (overloaded(c.respond)) return;
  json::value payload = nullptr;
  if (auto* p = c.body.as_object().if_contains("payload")) payload = *p;
  auto respond = tracked(std::move(c.respond));
  engine_.signal(id, name, std::move(payload), [respond, id, name](std::string err) {
    if (!err.empty()) {
      int s = status_of(err);
      return respond(error_response(s, s == 409 ? "execution_ended" : code_of(s), err));
    }
    respond(json_response(202, json::object{{"id", id}, {"signal", name}}));
  });
}

void Api::post_cancel(RouteCall& c) {
  std::string id = c.params["id"];
  auto rec = store_.get_execution(id);
  if (!rec) return c.respond(error_response(404, "not_found", "no execution `" + id + "`"));
  if (store::is_terminal(rec->status))
    return c.respond(error_response(409, "execution_ended", "the execution already ended " + std::string(store::status_name(rec->status))));
  if (overloaded(c.respond)) return;
  auto respond = tracked(std::move(c.respond));
  engine_.cancel(id, [respond, id](std::string err) {
    if (!err.empty()) {
      int s = status_of(err);
      return respond(error_response(s, s == 409 ? "execution_ended" : code_of(s), err));
    }
    respond(json_response(202, json::object{{"id", id}}));
  });
}

void Api::post_replay(RouteCall& c) {
  std::string id = c.params["id"];
  const auto& b = c.body.as_object();
  runtime::ReplayRequest req;
  req.by = "api";
  if (auto* r = b.if_contains("reason")) req.reason = std::string(r->as_string());
  if (auto* f = b.if_contains("from")) req.from = std::string(f->as_string());
  if (auto* i = b.if_contains("input")) req.input = *i;
  if (auto* s = b.if_contains("set"))
    for (const auto& [step, value] : s->as_object()) req.set[std::string(step)] = value;
  if (auto* s = b.if_contains("source")) {
    std::string name = "replay.flow";
    if (auto* n = b.if_contains("name")) name = std::string(n->as_string());
    auto compiled = compile_module(name, std::string(s->as_string()), module_files_of(b));
    if (!compiled.module) {
      json::object err{{"code", "compile_error"}, {"message", compiled.message}, {"diagnostics", compiled.diagnostics}};
      return c.respond(json_response(422, json::object{{"error", err}}));
    }
    req.with = compiled.module;
  }
  auto r = engine_.replay(id, req);
  using P = runtime::ReplayProblem;
  switch (r.problem) {
    case P::none: break;
    case P::not_found: return c.respond(error_response(404, "not_found", r.message));
    case P::conflict: return c.respond(error_response(409, "not_replayable", r.message));
    case P::invalid: return c.respond(error_response(400, "bad_replay", r.message));
    case P::incompatible: return c.respond(error_response(422, "incompatible", r.message));
    case P::store: return c.respond(error_response(500, "internal", r.message));
  }
  c.respond(json_response(202, json::object{{"id", id}, {"status", "running"}, {"version", r.version}}));
}

void Api::post_replays(RouteCall& c) {
  const auto& b = c.body.as_object();
  std::optional<int64_t> since;
  if (auto* s = b.if_contains("since")) {
    since = functions::parse_rfc3339(s->as_string());
    if (!since) return c.respond(error_response(400, "bad_request", "since: not an RFC 3339 time"));
  }
  bool dry = b.contains("dry_run") && b.at("dry_run").as_bool();
  std::string error;
  auto list = runtime::replay_candidates(store_, std::string(b.at("flow").as_string()),
                                         *store::parse_status(b.at("status").as_string()), since, 1000, error);
  if (!error.empty()) return c.respond(error_response(500, "internal", error));
  json::array out;
  for (const auto& rec : list) {
    json::object o{{"id", rec.id}, {"status", store::status_name(rec.status)}, {"replayed", false}};
    if (!dry) {
      runtime::ReplayRequest req;
      req.by = "api";
      if (auto* r = b.if_contains("reason")) req.reason = std::string(r->as_string());
      auto r = engine_.replay(rec.id, req);
      o["replayed"] = r.problem == runtime::ReplayProblem::none;
      if (r.problem != runtime::ReplayProblem::none) o["error"] = r.message;
    }
    out.push_back(std::move(o));
  }
  c.respond(json_response(200, json::object{{"executions", out}, {"dry_run", dry}}));
}

void Api::post_event(RouteCall& c) {
  const auto& b = c.body.as_object();
  json::value data = nullptr;
  if (auto* d = b.if_contains("data")) data = *d;
  std::string err = engine_.publish(b.at("type").as_string(), std::move(data));
  if (!err.empty()) return c.respond(error_response(500, "internal", err));
  c.respond(json_response(202, json::object{{"accepted", true}}));
}

void Api::list_secrets(RouteCall& c) {
  json::array names;
  for (const auto& n : store_.list_secrets()) names.push_back(json::value(n));
  c.respond(json_response(200, json::object{{"secrets", names}}));
}

void Api::put_secret(RouteCall& c) {
  std::string name = c.params["name"];
  if (!valid_name(name, 128)) return c.respond(error_response(400, "bad_name", "a secret name is letters, digits and _ . -"));
  connectors::MasterKey key;
  std::string error;
  if (!connectors::load_master_key(opts_.data_dir, key, error))
    return c.respond(error_response(500, "no_master_key", error));
  connectors::SecretBox box(key);
  std::string blob = box.encrypt(c.body.at("value").as_string(), name);
  if (blob.empty()) return c.respond(error_response(500, "internal", "encryption failed"));
  auto st = store_.put_secret(name, blob);
  if (!st.ok()) return c.respond(error_response(500, "internal", st.to_string()));
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  c.respond(std::move(r));
}

void Api::delete_secret(RouteCall& c) {
  auto st = store_.delete_secret(c.params["name"]);
  if (!st.ok()) return c.respond(error_response(404, "not_found", "no secret `" + c.params["name"] + "`"));
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  c.respond(std::move(r));
}

json::value Api::openapi() {
  json::object paths;
  for (const auto& r : routes()) {
    json::object op;
    op["operationId"] = r.operation;
    op["summary"] = r.summary;
    op["security"] = r.auth ? json::array{json::object{{"bearer", json::array{}}}} : json::array{};
    json::array params;
    PathParams names;
    for (size_t at = r.pattern.find('{'); at != std::string_view::npos; at = r.pattern.find('{', at + 1)) {
      auto end = r.pattern.find('}', at);
      params.push_back(json::object{{"name", r.pattern.substr(at + 1, end - at - 1)},
                                    {"in", "path"},
                                    {"required", true},
                                    {"schema", json::object{{"type", "string"}}}});
    }
    if (r.pattern == "/v1/executions")
      for (std::string_view q : {"flow", "status", "since", "until", "limit", "cursor"})
        params.push_back(json::object{{"name", q}, {"in", "query"}, {"required", false},
                                      {"schema", q == "limit" ? json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}
                                                              : json::object{{"type", "string"}}}});
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!r.request.empty())
      op["requestBody"] = json::object{
          {"required", true}, {"content", json::object{{"application/json", json::object{{"schema", json::parse(r.request)}}}}}};
    json::object ok{{"description", "success"}};
    if (!r.response.empty())
      ok["content"] = json::object{{"application/json", json::object{{"schema", json::parse(r.response)}}}};
    else if (r.status == 200)
      ok["content"] = json::object{{"text/plain", json::object{{"schema", json::object{{"type", "string"}}}}}};
    json::object responses;
    responses[std::to_string(r.status)] = std::move(ok);
    if (r.operation == "startExecution")
      responses["200"] = json::object{{"description", "an earlier execution with the same idempotency_key"},
                                      {"content", responses[std::to_string(r.status)].as_object()["content"]}};
    responses["default"] = json::object{
        {"description", "an error"},
        {"content", json::object{{"application/json", json::object{{"schema", json::object{{"$ref", "#/components/schemas/Error"}}}}}}}};
    std::string method(r.method);
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    op["responses"] = std::move(responses);
    auto& path = paths[r.pattern];
    if (!path.is_object()) path = json::object{};
    path.as_object()[method] = std::move(op);
  }
  json::object error_schema = json::parse(R"({"type":"object","required":["error"],"properties":{"error":{"type":"object",
      "required":["code","message"],"properties":{"code":{"type":"string"},"message":{"type":"string"}}}}})").as_object();
  return json::object{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", "Weft API"}, {"version", "1"}}},
      {"paths", std::move(paths)},
      {"components", json::object{{"schemas", json::object{{"Error", std::move(error_schema)}}},
                                  {"securitySchemes", json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace weft::server
