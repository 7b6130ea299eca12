#include "lsp/knowledge.h"

#include <deque>
#include <map>
#include <string>

namespace weft::lsp {

namespace {

constexpr Fact kKeywords[] = {
    {"import", "import \"./file.flow\" as name", "Imports another file; its top-level names are used as `name.x`."},
    {"as", "as", "Names an import (`import \"...\" as common`) or a caught error (`catch as e`)."},
    {"type", "type Name { field: T } | type Name = T", "Declares a record type or an alias. Records are structural."},
    {"const", "const NAME = expr", "A compile-time constant."},
    {"fn", "fn name(p: T) -> R = expr", "A pure function: no steps, waits or calls; may call other fns and the standard library."},
    {"connection", "connection name = http { ... }", "A third-party HTTP system: base_url, auth, headers, timeout, retry, rate_limit, idempotency_header, allow_hosts."},
    {"flow", "flow name(params) -> R { ... }", "A durable workflow: triggers, options, then statements. Every step is checkpointed."},
    {"test", "test \"name\" { ... }", "A test run by `weft test` with mocks, no network and a test clock."},
    {"on", "on webhook|schedule|poll|event ...", "A trigger that starts the flow."},
    {"options", "options { timeout, retry, concurrency }", "Flow-wide defaults."},
    {"step", "step name = action", "A durable step: a connection call or `run flow(...)`. Its result is recorded before the flow moves on."},
    {"let", "let name = expr", "A pure computation, visible to the end of its block."},
    {"if", "if cond { } else { }", "Conditional."},
    {"else", "else", "The other branch of an `if`."},
    {"switch", "switch e { case \"a\" => { } default => { } }", "Branches on a value."},
    {"case", "case v1, v2 => { }", "A `switch` arm."},
    {"default", "default => { }", "The `switch` arm taken when no case matches."},
    {"for", "for item[, i] in xs [concurrency N] [into results] { yield expr }", "A durable map over a list."},
    {"in", "in", "The list a `for` iterates over."},
    {"into", "into results", "Collects the values yielded by a `for`, in input order."},
    {"concurrency", "concurrency N", "How many iterations of a `for` run at once."},
    {"yield", "yield expr", "The value an iteration of `for ... into` contributes."},
    {"parallel", "parallel { branch a { } branch b { } }", "Runs branches concurrently; the first failure cancels the others."},
    {"branch", "branch name { }", "One branch of `parallel`."},
    {"wait", "wait 10m | wait until t | wait signal \"name\"", "A durable timer or signal wait; survives restarts."},
    {"until", "wait until expr", "Waits until a `time`."},
    {"signal", "wait signal \"name\" [timeout d]", "Waits for a signal sent through the API or CLI; its value is the payload."},
    {"timeout", "timeout d", "A time limit; raises the `timeout` error kind."},
    {"retry", "retry { attempts, backoff, jitter, on }", "A retry policy. `attempts` counts every try, the first included."},
    {"compensate", "compensate action", "Undo action run (in reverse order) when the flow fails after this step."},
    {"try", "try { } catch kind as e where cond { }", "Handles errors raised in its block."},
    {"catch", "catch [kind] [as name] [where cond] { }", "An error handler; the first clause that matches runs."},
    {"where", "where cond", "A condition on a caught error or an event trigger."},
    {"fail", "fail \"message\" [with { code, details }]", "Raises the `failure` error kind."},
    {"with", "with { code, details }", "Details of a `fail`."},
    {"return", "return expr", "The flow's output, checked against its result type."},
    {"emit", "emit \"type\" { ... }", "Durably publishes an event (may start `on event` flows)."},
    {"run", "run flow(args)", "Runs a child flow (as a step) or a flow under test."},
    {"start", "start flow(args)", "Starts a flow in a test without waiting; gives a handle."},
    {"await", "await h", "Waits for the output of a flow started in a test."},
    {"every", "every 5m", "The interval of a poll trigger."},
    {"mock", "mock conn.method(path) => response", "Answers matching calls in a test."},
    {"expect", "expect cond", "Fails the test when cond is false, showing the operands."},
    {"advance", "advance 1h", "Moves the test clock."},
    {"true", "true", "bool"},
    {"false", "false", "bool"},
    {"null", "null", "The null value (type `null`)."},
};

constexpr Snippet kTopLevel[] = {
    {"type", "type ${1:Name} {\n\t${2:field}: ${3:string}\n}", "A record type."},
    {"type alias", "type ${1:Name} = ${2:string}", "A type alias."},
    {"fn", "fn ${1:name}(${2:x}: ${3:string}) -> ${4:string} = ${0:x}", "A pure function."},
    {"connection", "connection ${1:name} = http {\n\tbase_url: \"${2:https://api.example.com}\"\n\tauth: ${3:bearer(secret(\"${4:token}\"))}\n}", "An HTTP connection."},
    {"flow", "flow ${1:name}(${2:input}: ${3:json}) -> ${4:json} {\n\t$0\n\treturn ${5:input}\n}", "A durable workflow."},
    {"test", "test \"${1:does something}\" {\n\t$0\n}", "A test."},
    {"import", "import \"${1:./common.flow}\" as ${2:common}", "Imports another file."},
    {"const", "const ${1:NAME} = ${0:value}", "A constant."},
};

constexpr Snippet kFlow[] = {
    {"step", "step ${1:name} = ${2:conn}.${3|get,post,put,patch,delete|}(\"${4:/path}\")", "A durable connection call."},
    {"step run", "step ${1:name} = run ${2:child_flow}(${3})", "A durable child flow."},
    {"let", "let ${1:name} = ${0}", "A pure computation."},
    {"if", "if ${1:cond} {\n\t$0\n}", "Conditional."},
    {"if else", "if ${1:cond} {\n\t$2\n} else {\n\t$0\n}", "Conditional with else."},
    {"switch", "switch ${1:value} {\n\tcase \"${2:a}\" => {\n\t\t$0\n\t}\n\tdefault => {\n\t}\n}", "Branches on a value."},
    {"for", "for ${1:item} in ${2:items} {\n\t$0\n}", "A durable map."},
    {"for into", "for ${1:item} in ${2:items} concurrency ${3:4} into ${4:results} {\n\t$0\n\tyield ${5:item}\n}", "A durable map collecting results."},
    {"parallel", "parallel {\n\tbranch ${1:a} {\n\t\t$0\n\t}\n\tbranch ${2:b} {\n\t}\n}", "Concurrent branches."},
    {"wait", "wait ${1:10m}", "A durable timer."},
    {"wait until", "wait until ${1:time}", "Waits until a time."},
    {"wait signal", "let ${1:payload} = wait signal \"${2:approve}\" timeout ${3:24h}", "Waits for a signal."},
    {"try", "try {\n\t$1\n} catch ${2:http_error} as ${3:e} {\n\t$0\n}", "Handles errors."},
    {"fail", "fail \"${1:message}\" with { code: \"${2:code}\" }", "Raises a failure."},
    {"return", "return ${0}", "The flow's output."},
    {"emit", "emit \"${1:order.shipped}\" { $0 }", "Publishes an event."},
    {"on webhook", "on webhook \"${1:/path}\" {\n\tverify: hmac_sha256(header: \"${2:X-Signature}\", secret: secret(\"${3:hook}\"))\n\tinput: { ${4:x}: body }\n}", "A webhook trigger."},
    {"on schedule", "on schedule \"${1:0 * * * *}\" { timezone: \"${2:UTC}\", input: { $0 } }", "A cron trigger."},
    {"on poll", "on poll ${1:conn}.get(\"${2:/items}\", query: { since: cursor }) every ${3:5m} {\n\titems: response.body.${4:items}\n\tkey: item.id\n\tcursor: ${5:cursor}\n\tinput: { $0 }\n}", "A polling trigger."},
    {"on event", "on event \"${1:order.created}\" { input: { $0 } }", "An event trigger."},
    {"options", "options { timeout: ${1:1h}, retry: { attempts: ${2:3} } }", "Flow-wide defaults."},
};

constexpr Snippet kTest[] = {
    {"mock", "mock ${1:conn}.${2|get,post,put,patch,delete|}(\"${3:/path}\") => { status: ${4:200}, body: ${5:{}} }", "Answers matching calls."},
    {"let run", "let ${1:r} = run ${2:flow}(${3})", "Runs a flow to its end."},
    {"run", "run ${1:flow}(${2})", "Runs a flow, ignoring its output."},
    {"let start", "let ${1:h} = start ${2:flow}(${3})", "Starts a flow."},
    {"signal", "signal ${1:h} \"${2:approve}\" { $0 }", "Delivers a signal."},
    {"advance", "advance ${1:1h}", "Moves the test clock."},
    {"await", "let ${1:r} = await ${2:h}", "Waits for a started flow."},
    {"expect", "expect ${0}", "Asserts a condition."},
    {"let", "let ${1:name} = ${0}", "A value."},
};

constexpr Snippet kFnBody[] = {
    {"let", "let ${1:name} = ${0}", "A local value."},
    {"return", "return ${0}", "The function's result."},
    {"if", "if ${1:cond} {\n\t$0\n}", "Conditional."},
};

constexpr Fact kWebhookScope[] = {
    {"body", "body: json", "The parsed JSON body of the request."},
    {"headers", "headers: map<string>", "The request headers."},
    {"query", "query: map<string>", "The query parameters."},
    {"raw_body", "raw_body: string", "The body as received."},
};
constexpr Fact kPollScope[] = {
    {"response", "response: Response<json>", "The poll call's response."},
    {"cursor", "cursor: json", "The stored cursor (null on the first poll)."},
    {"item", "item: json", "One of `items`."},
};
constexpr Fact kEventScope[] = {
    {"event", "event: json", "The event's data."},
};
constexpr Fact kMethods[] = {
    {"get", "get<T>(path: string, query?: map<string>, headers?: map<string>, accept_status?: [int]) -> Response<T>", "HTTP GET; the body is checked against T for 2xx statuses."},
    {"post", "post<T>(path: string, body?: json, query?: map<string>, headers?: map<string>, accept_status?: [int]) -> Response<T>", "HTTP POST (retried safely with the idempotency header)."},
    {"put", "put<T>(path: string, body?: json, query?: map<string>, headers?: map<string>, accept_status?: [int]) -> Response<T>", "HTTP PUT."},
    {"patch", "patch<T>(path: string, body?: json, query?: map<string>, headers?: map<string>, accept_status?: [int]) -> Response<T>", "HTTP PATCH."},
    {"delete", "delete<T>(path: string, query?: map<string>, headers?: map<string>, accept_status?: [int]) -> Response<T>", "HTTP DELETE."},
};
constexpr Fact kBuiltins[] = {
    {"secret", "secret(name: string) -> secret", "A stored secret; may flow only into auth, headers, verify and crypto functions."},
    {"env", "env(name: string) -> string?", "An environment variable, read when the flow is deployed."},
    {"calls", "calls(conn.method) -> [{ method, path, query, headers, body }]", "In tests: the calls a flow sent, retries included."},
    {"emitted", "emitted(name: string) -> [json]", "In tests: the payloads of the events the flows emitted under that name, in order."},
};
constexpr Fact kErrorKinds[] = {
    {"http_error", "http_error { status, body, headers }", "A non-2xx response not named in accept_status."},
    {"timeout", "timeout", "A time limit was reached."},
    {"connection_error", "connection_error", "The connection failed (DNS, TLS, reset)."},
    {"validation_error", "validation_error { path, message }", "A json value did not fit the expected type."},
    {"failure", "failure { message, code, details }", "Raised by `fail`."},
    {"cancelled", "cancelled", "The execution was cancelled."},
};
constexpr Fact kTypes[] = {
    {"string", "string", "UTF-8 text."},
    {"int", "int", "64-bit integer; widens to float."},
    {"float", "float", "64-bit floating point."},
    {"bool", "bool", "true or false."},
    {"duration", "duration", "A length of time: `250ms 10s 5m 2h 1d 1h30m`."},
    {"time", "time", "An instant (RFC 3339 in JSON)."},
    {"null", "null", "The null type."},
    {"json", "json", "Any JSON value; checked at run time where a precise type is expected."},
    {"secret", "secret", "An opaque string that may not leak into bodies, paths, logs or outputs."},
    {"map", "map<T>", "A map with string keys."},
    {"Response", "Response<T>", "`{ status: int, headers: map<string>, body: T }`, what an HTTP call returns."},
};


/// Facts generated from the settings table; the labels are owned here.
struct SettingFacts {
  std::deque<std::string> text;
  std::map<settings::Block, std::vector<Fact>> blocks;
  std::map<settings::Group, std::vector<Fact>> groups;
  std::string_view keep(std::string s) { return text.emplace_back(std::move(s)); }
};

const SettingFacts& setting_table() {
  static const SettingFacts table = [] {
    SettingFacts t;
    for (const auto& s : settings::settings())
      t.blocks[s.block].push_back({s.name, t.keep(std::string(s.name) + ": " + settings::display_type(s)), s.doc});
    for (const auto& c : settings::constructors())
      t.groups[c.group].push_back({c.name, t.keep(settings::signature_text(c)), c.doc});
    return t;
  }();
  return table;
}

std::span<const Fact> block_facts(settings::Block b) {
  const auto& m = setting_table().blocks;
  auto it = m.find(b);
  return it == m.end() ? std::span<const Fact>{} : std::span<const Fact>(it->second);
}

std::span<const Fact> group_facts(settings::Group g) {
  const auto& m = setting_table().groups;
  auto it = m.find(g);
  return it == m.end() ? std::span<const Fact>{} : std::span<const Fact>(it->second);
}

}  // namespace

std::span<const Fact> keyword_facts() { return kKeywords; }

std::span<const Snippet> snippets(Place place) {
  switch (place) {
    case Place::TopLevel: return kTopLevel;
    case Place::Flow: return kFlow;
    case Place::Test: return kTest;
    case Place::FnBody: return kFnBody;
  }
  return {};
}

std::span<const Fact> setting_facts(settings::Block block) { return block_facts(block); }
std::span<const Fact> connection_fields() { return block_facts(settings::Block::Connection); }

std::span<const Fact> trigger_fields(std::string_view kind) {
  const settings::TriggerKind* t = settings::find_trigger(kind);
  return t ? block_facts(t->block) : std::span<const Fact>{};
}

std::span<const Fact> trigger_scope(std::string_view kind) {
  if (kind == "webhook") return kWebhookScope;
  if (kind == "poll") return kPollScope;
  if (kind == "event") return kEventScope;
  return {};
}

std::span<const Fact> options_fields() { return block_facts(settings::Block::Options); }
std::span<const Fact> retry_fields() { return block_facts(settings::Block::Retry); }
std::span<const Fact> rate_limit_fields() { return block_facts(settings::Block::RateLimit); }
std::span<const Fact> concurrency_fields() { return block_facts(settings::Block::Concurrency); }
std::span<const Fact> breaker_fields() { return block_facts(settings::Block::Breaker); }
std::span<const Fact> auth_constructors() { return group_facts(settings::Group::Auth); }
std::span<const Fact> verify_forms() { return group_facts(settings::Group::Verify); }
std::span<const Fact> backoff_constructors() { return group_facts(settings::Group::Backoff); }
std::span<const Fact> connection_methods() { return kMethods; }
std::span<const Fact> builtin_functions() { return kBuiltins; }
std::span<const Fact> error_kinds() { return kErrorKinds; }
std::span<const Fact> builtin_types() { return kTypes; }

const Fact* find_fact(std::span<const Fact> table, std::string_view name) {
  for (const auto& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace weft::lsp
