// The server's request handler: the JSON API under /v1 (one route table, from which the OpenAPI
// description at /v1/openapi.json is generated), /healthz, /metrics, the web console at /ui (server/console.h), and /hooks/... handed to the
// webhook handler. A function over typed requests (server/http_message.h), tested without sockets.
// Contract: docs/design-architecture.md "Server"; examples: docs/api.md.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "engine/runtime/engine.h"
#include "server/http_message.h"
#include "server/metrics.h"

namespace weft::server {

/// How the API behaves.
struct ApiOptions {
  bool require_auth = true;          ///< management routes need `Authorization: Bearer <token>`
  std::size_t max_in_flight = 4096;  ///< writes started by the API and not yet durable; beyond: 503
  std::string data_dir;              ///< the data directory (its master key seals secrets)
  /// Handles `/hooks/...` (webhook triggers); null: those paths answer 404.
  std::function<void(HttpRequest, Respond)> hooks;
  /// Called with every deployed module (after the engine stored it): the triggers re-read flows.
  std::function<void()> on_deploy;
};

class Api;

/// Path parameters of a matched route, by name (`{id}` → "id").
using PathParams = std::map<std::string, std::string, std::less<>>;

/// One call of a route handler.
struct RouteCall {
  HttpRequest req;        ///< the request
  PathParams params;      ///< the path parameters
  boost::json::value body;  ///< the parsed body (null when the route takes none)
  Respond respond;        ///< completion
};

/// One entry of the route table: dispatch, authentication and its OpenAPI description.
struct Route {
  std::string_view method;       ///< "GET", "POST", "PUT", "DELETE"
  std::string_view pattern;      ///< "/v1/executions/{id}"; a `{name}` matches one segment
  bool auth;                     ///< requires a bearer token
  int status;                    ///< the success status
  std::string_view operation;    ///< OpenAPI operationId
  std::string_view summary;      ///< one line for the OpenAPI description
  std::string_view request;      ///< JSON Schema of the body ("" when it takes none)
  std::string_view response;     ///< JSON Schema of the success body ("" for text)
  void (Api::*handler)(RouteCall&);  ///< the handler
};

/// `{"error":{"code":code,"message":message}}` with `status`.
HttpResponse error_response(int status, std::string_view code, std::string_view message);

/// The API. All calls on the engine's io_context thread.
class Api {
 public:
  /// An API over `engine` (and its store), recording into `metrics`.
  Api(runtime::Engine& engine, Metrics& metrics, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  /// Answers one request (routing, auth, body parsing, metrics).
  void handle(HttpRequest req, Respond respond);
  /// The route table (also read by the OpenAPI generator and the docs test).
  static const std::vector<Route>& routes();
  /// The OpenAPI 3.1 description of routes().
  static boost::json::value openapi();
  /// Writes started by the API that are not durable yet.
  std::size_t in_flight() const { return *in_flight_; }
  /// Sets the gauges read from the engine and the store at scrape time: circuit-breaker states per
  /// connection, running executions and the age of the oldest (GET /metrics calls it).
  void refresh_gauges();
  /// Deploys `module` (flows of `name`); returns "" or an error (used by the API and `--flows`).
  std::string deploy(std::shared_ptr<const ir::Module> module, std::map<std::string, std::string>* versions);

  // -- route handlers (see routes()) --
  void healthz(RouteCall& c);
  void get_metrics(RouteCall& c);
  void get_openapi(RouteCall& c);
  void post_module(RouteCall& c);
  void list_flows(RouteCall& c);
  void get_flow(RouteCall& c);
  void get_graph(RouteCall& c);
  void start_execution(RouteCall& c);
  void list_executions(RouteCall& c);
  void get_execution(RouteCall& c);
  void get_history(RouteCall& c);
  void post_signal(RouteCall& c);
  void post_cancel(RouteCall& c);
  void post_replay(RouteCall& c);
  void post_replays(RouteCall& c);
  void post_event(RouteCall& c);
  void put_secret(RouteCall& c);
  void list_secrets(RouteCall& c);
  void delete_secret(RouteCall& c);

 private:
  /// True (and a 503 answered) when too many writes are pending.
  bool overloaded(const Respond& respond);
  /// Wraps `respond` so the in-flight count drops when it is called.
  Respond tracked(Respond respond);
  /// The JSON description of a flow (versions, parameters, triggers).
  boost::json::value flow_json(const store::FlowInfo& info);

  runtime::Engine& engine_;
  store::ExecutionStore& store_;
  Metrics& metrics_;
  ApiOptions opts_;
  std::shared_ptr<std::size_t> in_flight_;
};

/// The JSON form of an execution record as the API answers it.
boost::json::value execution_json(const store::ExecutionRecord& r);
/// Matches `path` against a route pattern, filling `params`; false when it does not match.
bool match_pattern(std::string_view pattern, std::string_view path, PathParams& params);
/// Describes the metric families the server records (call once per registry).
void describe_server_metrics(Metrics& m);

}  // namespace weft::server
