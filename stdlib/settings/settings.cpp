// The settings table (docs/design-language.md §4–§5). docs/settings.md is generated from it and a unit
// test keeps the two in step; tests/unit/settings checks that every reader knows every entry.
#include "stdlib/settings/settings.h"

#include <cctype>
#include <cstdlib>
#include <fstream>

#include "stdlib/functions/cron.h"
#include "stdlib/functions/tz.h"

namespace weft::settings {
namespace {

using B = Block;
using S = Shape;
using C = Check;

constexpr Setting kSettings[] = {
    // ---- connection name = http { ... }
    {"base_url", B::Connection, "string", "Prefix of every relative path.", R"(base_url: "https://api.example.com/v1")",
     S::Value, C::AbsoluteUrl, true},
    {"auth", B::Connection, "json", "How requests authenticate.", R"(auth: bearer(secret("crm_token")))",
     S::Constructor, C::None, false, B::Connection, Group::Auth},
    {"headers", B::Connection, "map<string>", "Headers sent with every request (secrets allowed).",
     R"(headers: { "X-Tenant": "acme" })", S::Value, C::HeaderName},
    {"timeout", B::Connection, "duration", "Per-request time limit.", "timeout: 10s", S::Value, C::PositiveDuration},
    {"retry", B::Connection, "json", "Default retry policy of calls on this connection.",
     "retry: { attempts: 5, backoff: exponential(initial: 1s, factor: 2, max: 1m) }", S::Record, C::None, false,
     B::Retry},
    {"rate_limit", B::Connection, "{ requests: int, per: duration }", "Client-side rate limit.",
     "rate_limit: { requests: 10, per: 1s }", S::Record, C::None, false, B::RateLimit},
    {"idempotency_header", B::Connection, "string",
     "Header carrying the step's idempotency key (default \"Idempotency-Key\"); `none()` sends none.",
     R"(idempotency_header: "X-Request-Id")", S::Value, C::HeaderName},
    {"allow_hosts", B::Connection, "[string]", "Hosts allowed for absolute URLs (`*.example.com` matches subdomains).",
     R"(allow_hosts: ["files.example.com"])"},
    {"ca_file", B::Connection, "string", "Extra CA bundle (PEM file) trusted besides the system store.",
     R"(ca_file: "/etc/weft/internal-ca.pem")"},
    {"breaker", B::Connection, "{ failure_threshold: int, cool_down: duration }",
     "Circuit breaker: after `failure_threshold` failures in a row, calls fail fast for `cool_down`.",
     "breaker: { failure_threshold: 5, cool_down: 30s }", S::Record, C::None, false, B::Breaker},
    {"max_response_bytes", B::Connection, "int", "Largest response body accepted (default 16 MiB).",
     "max_response_bytes: 1048576", S::Value, C::PositiveCount},
    {"max_request_bytes", B::Connection, "int", "Largest request body sent (default 16 MiB).",
     "max_request_bytes: 1048576", S::Value, C::PositiveCount},
    // ---- rate_limit: { ... }
    {"requests", B::RateLimit, "int", "Requests allowed per window.", "requests: 10", S::Value, C::PositiveCount, true},
    {"per", B::RateLimit, "duration", "The window.", "per: 1s", S::Value, C::PositiveDuration, true},
    // ---- breaker: { ... }
    {"failure_threshold", B::Breaker, "int", "Failures in a row that open the breaker (default 5; 0 disables it).",
     "failure_threshold: 5"},
    {"cool_down", B::Breaker, "duration", "How long an open breaker fails calls fast (default 30s).",
     "cool_down: 30s"},
    // ---- retry policy { ... }
    {"attempts", B::Retry, "int", "Tries in all, the first included (1 means no retry).", "attempts: 3", S::Value,
     C::PositiveCount},
    {"backoff", B::Retry, "json", "Delay between tries.", "backoff: exponential(initial: 1s, factor: 2, max: 1m)",
     S::Constructor, C::None, false, B::Retry, Group::Backoff},
    {"jitter", B::Retry, "bool", "Randomises delays.", "jitter: true"},
    {"on", B::Retry, "[string]", "Error kinds retried (bare names: `on: [timeout, http_error]`).",
     "on: [timeout, http_error]", S::ErrorKinds},
    // ---- on webhook "/path" { ... }
    {"method", B::Webhook, "string", "HTTP method accepted (default POST).", R"(method: "POST")", S::Value,
     C::HttpMethod},
    {"verify", B::Webhook, "json", "Request verification; failures answer 401 and start nothing.",
     R"(verify: hmac_sha256(header: "X-Signature", secret: secret("hook"), prefix: "sha256="))", S::Constructor,
     C::None, false, B::Webhook, Group::Verify},
    {"input", B::Webhook, "json", "The flow's arguments, built from the request.", "input: { contact: body }",
     S::Input},
    {"respond", B::Webhook, "\"async\" | \"sync\"",
     "Answer 202 with the execution id (async, default) or wait for the result (sync).", R"(respond: "sync")"},
    // ---- on schedule "cron" { ... }
    {"timezone", B::Schedule, "string", "IANA time zone of the cron expression (default UTC).",
     R"(timezone: "Europe/Berlin")", S::Value, C::TimeZone},
    {"input", B::Schedule, "json", "The flow's arguments.", "input: { day: \"today\" }", S::Input},
    // ---- on poll conn.get(...) every 5m { ... }
    {"items", B::Poll, "[json]", "The new items in the poll response.", "items: response.body.items", S::Items,
     C::None, true},
    {"key", B::Poll, "string", "Deduplicates items across polls.", "key: item.id", S::Value},
    {"cursor", B::Poll, "json", "The next cursor, stored durably between polls.",
     "cursor: response.body.next ?? cursor"},
    {"input", B::Poll, "json", "The flow's arguments for one item.", "input: { contact: item }", S::Input},
    // ---- on event "type" { ... }
    {"where", B::Event, "bool", "Only events for which this holds start the flow.", "where: event.total > 0"},
    {"input", B::Event, "json", "The flow's arguments, built from the event.", "input: { order: event }", S::Input},
    // ---- options { ... }
    {"timeout", B::Options, "duration", "Time limit of the whole execution.", "timeout: 1h", S::Value,
     C::PositiveDuration},
    {"retry", B::Options, "json", "Default retry policy of the flow's steps.", "retry: { attempts: 3 }", S::Record,
     C::None, false, B::Retry},
    {"concurrency", B::Options, "int", "At most `limit` executions at once per key (an int is the limit).",
     "concurrency: { limit: 10, key: contact.id }", S::Record, C::None, false, B::Concurrency},
    {"retention", B::Options, "duration", "How long a finished execution is kept.", "retention: 7d", S::Value,
     C::PositiveDuration},
    {"on_exhausted", B::Options, "\"fail\" | \"pause\"",
     "What an execution does when a step's retries run out: fail (default) or pause for a replay.",
     R"(on_exhausted: "pause")"},
    // ---- concurrency: { ... }
    {"limit", B::Concurrency, "int", "Executions allowed at once.", "limit: 10", S::Value, C::PositiveCount},
    {"key", B::Concurrency, "string", "Executions sharing a key share the limit.", "key: contact.id"},
};

constexpr Param kNone[] = {{"", ""}};
constexpr Param kBasic[] = {{"user", "string"}, {"password", "string"}};
constexpr Param kBearer[] = {{"token", "string"}};
constexpr Param kApiKey[] = {{"header", "string", true, C::HeaderName}, {"query", "string", true}, {"value", "string"}};
constexpr Param kOAuth2[] = {{"token_url", "string", false, C::AbsoluteUrl},
                             {"client_id", "string"},
                             {"client_secret", "string"},
                             {"scopes", "[string]", true},
                             {"client_auth", "\"client_secret_basic\" | \"client_secret_post\"", true}};
constexpr Param kHmac[] = {{"header", "string", false, C::HeaderName},
                           {"secret", "string"},
                           {"prefix", "string", true},
                           {"encoding", "\"hex\" | \"base64\"", true}};
constexpr Param kSecret[] = {{"secret", "string"}};
constexpr Param kExponential[] = {{"initial", "duration", true}, {"factor", "float", true}, {"max", "duration", true}};
constexpr Param kFixed[] = {{"delay", "duration"}};

const Constructor kConstructors[] = {
    {"none", Group::Auth, std::span<const Param>(kNone, 0), "No authentication.", "none()"},
    {"basic", Group::Auth, kBasic, "HTTP basic authentication.", R"(basic("weft", secret("crm_password")))"},
    {"bearer", Group::Auth, kBearer, "`Authorization: Bearer <token>`.", R"(bearer(secret("crm_token")))"},
    {"api_key", Group::Auth, kApiKey, "An API key in a header or a query parameter (exactly one of the two).",
     R"(api_key(header: "X-Api-Key", value: secret("crm_key")))"},
    {"oauth2_client_credentials", Group::Auth, kOAuth2,
     "OAuth2 client credentials; tokens are cached and refreshed by the engine.",
     R"(oauth2_client_credentials(token_url: "https://auth.example.com/token", client_id: "weft", client_secret: secret("crm_oauth")))"},
    {"hmac_sha256", Group::Verify, kHmac, "Checks an HMAC-SHA256 signature header.",
     R"(hmac_sha256(header: "X-Signature", secret: secret("hook"), prefix: "sha256="))"},
    {"standard_webhooks", Group::Verify, kSecret,
     "Standard Webhooks signatures (webhook-id/-timestamp/-signature, 5-minute tolerance).",
     R"(standard_webhooks(secret("hook")))"},
    {"bearer", Group::Verify, kSecret, "Requires `Authorization: Bearer <secret>`.", R"(bearer(secret("hook")))"},
    {"exponential", Group::Backoff, kExponential, "Delays growing by `factor`, capped at `max`.",
     "exponential(initial: 1s, factor: 2, max: 1m)"},
    {"fixed", Group::Backoff, kFixed, "The same delay between tries.", "fixed(5s)"},
};

constexpr TriggerKind kTriggers[] = {
    {"webhook", B::Webhook, "a path starting with `/`", C::WebhookPath,
     "Starts the flow for each HTTP request to `/hooks/<path>`.", R"(on webhook "/crm/contacts" { input: { contact: body } })"},
    {"schedule", B::Schedule, "a 5-field cron expression or an alias such as `@hourly`", C::Cron,
     "Starts the flow on a cron schedule, evaluated in `timezone`.", R"(on schedule "*/15 * * * *" { timezone: "Europe/Berlin" })"},
    {"poll", B::Poll, "a `get` call on a connection, then `every <duration>`", C::None,
     "Polls a connection and starts the flow once per new item.",
     R"(on poll crm.get("/contacts") every 5m { items: response.body.items, key: item.id })"},
    {"event", B::Event, "an event type", C::None, "Starts the flow for each matching event (`emit` or the API).",
     R"(on event "order.created" { where: event.total > 0 })"},
};

bool is_tchar(char c) {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::optional<Problem> problem(std::string message, std::string label, std::size_t offset = 0) {
  return Problem{std::move(message), std::move(label), offset, {}};
}

std::optional<Problem> check_url(std::string_view text) {
  std::string_view rest;
  if (text.substr(0, 8) == "https://") rest = text.substr(8);
  else if (text.substr(0, 7) == "http://") rest = text.substr(7);
  else
    return problem("`" + std::string(text) + "` is not an absolute http(s) URL", "expected `https://host/...`");
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  if (host.empty() || host[0] == ':')
    return problem("URL `" + std::string(text) + "` has no host", "missing host");
  for (char c : host)
    if (std::isspace(static_cast<unsigned char>(c)))
      return problem("URL `" + std::string(text) + "` has a space in its host", "invalid host");
  return std::nullopt;
}

std::optional<Problem> check_zone(std::string_view text) {
  if (text == "UTC") return std::nullopt;
  const auto& names = time_zone_names();
  bool known = false;
  for (const auto& n : names) known = known || n == text;
  if (known) return std::nullopt;
  std::string error;
  if (functions::TimeZone::load(text, error)) return std::nullopt;
  if (names.empty()) return std::nullopt;  // no zone database here: nothing to check against
  auto p = problem("unknown time zone `" + std::string(text) + "`", "unknown time zone");
  p->candidates = names;
  return p;
}

}  // namespace

std::span<const Setting> settings() { return kSettings; }
std::span<const Constructor> constructors() { return kConstructors; }
std::span<const TriggerKind> trigger_kinds() { return kTriggers; }

std::vector<const Setting*> settings_in(Block block) {
  std::vector<const Setting*> out;
  for (const auto& s : kSettings)
    if (s.block == block) out.push_back(&s);
  return out;
}

std::vector<std::string> names_in(Block block) {
  std::vector<std::string> out;
  for (const auto* s : settings_in(block)) out.emplace_back(s->name);
  return out;
}

const Setting* find_setting(Block block, std::string_view name) {
  for (const auto& s : kSettings)
    if (s.block == block && s.name == name) return &s;
  return nullptr;
}

std::vector<const Constructor*> constructors_in(Group group) {
  std::vector<const Constructor*> out;
  for (const auto& c : kConstructors)
    if (c.group == group) out.push_back(&c);
  return out;
}

const Constructor* find_constructor(Group group, std::string_view name) {
  for (const auto& c : kConstructors)
    if (c.group == group && c.name == name) return &c;
  return nullptr;
}

const TriggerKind* find_trigger(std::string_view name) {
  for (const auto& t : kTriggers)
    if (t.name == name) return &t;
  return nullptr;
}

std::string_view block_name(Block block) {
  switch (block) {
    case B::Connection: return "connection";
    case B::Webhook: return "webhook trigger";
    case B::Schedule: return "schedule trigger";
    case B::Poll: return "poll trigger";
    case B::Event: return "event trigger";
    case B::Options: return "flow options";
    case B::Retry: return "retry policy";
    case B::RateLimit: return "rate_limit";
    case B::Concurrency: return "concurrency";
    case B::Breaker: return "breaker";
  }
  return "";
}

std::string_view group_name(Group group) {
  switch (group) {
    case Group::Auth: return "auth constructor";
    case Group::Verify: return "verify rule";
    case Group::Backoff: return "backoff";
  }
  return "";
}

std::string display_type(const Setting& s) {
  std::string out;
  switch (s.shape) {
    case S::Constructor:
      for (const auto* c : constructors_in(s.group))
        out += (out.empty() ? "" : " | ") + std::string(c->name) + (c->params.empty() ? "()" : "(...)");
      return out;
    case S::Record:
      for (const auto* f : settings_in(s.fields)) out += (out.empty() ? "" : ", ") + std::string(f->name);
      return s.type == "json" || s.type.front() == '{' ? "{ " + out + " }" : std::string(s.type) + " | { " + out + " }";
    case S::Input: return "{ ...the flow's parameters }";
    default: return std::string(s.type);
  }
}

std::string signature_text(const Constructor& c) {
  std::string out = std::string(c.name) + "(";
  for (size_t i = 0; i < c.params.size(); ++i) {
    const Param& p = c.params[i];
    out += (i ? ", " : "") + std::string(p.name) + (p.optional ? "?: " : ": ") + std::string(p.type);
  }
  return out + ")";
}

const std::vector<std::string>& time_zone_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    const char* dir = std::getenv("TZDIR");
    std::ifstream in(std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/tzdata.zi");
    std::string line;
    // "Z Europe/Berlin ..." declares a zone, "L Europe/Berlin Arctic/Longyearbyen" a link to one.
    while (std::getline(in, line)) {
      if (line.size() < 3 || line[1] != ' ' || (line[0] != 'Z' && line[0] != 'L')) continue;
      std::string_view rest = std::string_view(line).substr(2);
      if (line[0] == 'L') rest = rest.substr(rest.find(' ') == std::string_view::npos ? rest.size() : rest.find(' ') + 1);
      std::string_view name = rest.substr(0, rest.find(' '));
      if (!name.empty()) out.emplace_back(name);
    }
    return out;
  }();
  return names;
}

std::string_view describe(Check check) {
  switch (check) {
    case C::None: return "";
    case C::Cron: return "a valid 5-field cron expression or alias";
    case C::TimeZone: return "a known IANA time zone name";
    case C::AbsoluteUrl: return "an absolute http(s) URL with a host";
    case C::HeaderName: return "a valid header name (RFC 7230 token)";
    case C::PositiveCount: return "at least 1";
    case C::PositiveDuration: return "longer than zero";
    case C::WebhookPath: return "starts with `/`";
    case C::HttpMethod: return "GET, POST, PUT, PATCH or DELETE";
  }
  return "";
}

std::optional<Problem> check_text(Check check, std::string_view text) {
  switch (check) {
    case C::Cron: {
      auto parsed = functions::CronSchedule::parse(text);
      if (const auto* err = std::get_if<functions::CronError>(&parsed))
        return problem("invalid cron expression `" + std::string(text) + "`: " + err->message, "invalid schedule",
                       err->column > 0 ? err->column - 1 : 0);
      return std::nullopt;
    }
    case C::TimeZone: return check_zone(text);
    case C::AbsoluteUrl: return check_url(text);
    case C::HeaderName:
      if (text.empty()) return problem("a header name cannot be empty", "empty header name");
      for (size_t i = 0; i < text.size(); ++i)
        if (!is_tchar(text[i]))
          return problem("`" + std::string(text) + "` is not a valid header name (RFC 7230 token)",
                         "invalid character in a header name", i);
      return std::nullopt;
    case C::WebhookPath:
      if (text.empty() || text[0] != '/') return problem("a webhook path starts with `/`", "expected `/...`");
      return std::nullopt;
    case C::HttpMethod: {
      static const std::vector<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
      for (const auto& m : methods)
        if (m == text) return std::nullopt;
      auto p = problem("unknown HTTP method `" + std::string(text) + "`", "expected GET, POST, PUT, PATCH or DELETE");
      p->candidates = methods;
      return p;
    }
    default: return std::nullopt;
  }
}

std::optional<Problem> check_int(Check check, std::int64_t value) {
  if (check == C::PositiveCount && value < 1)
    return problem("must be at least 1, found " + std::to_string(value), "must be ≥ 1");
  return std::nullopt;
}

std::optional<Problem> check_duration(Check check, std::int64_t millis) {
  if (check == C::PositiveDuration && millis <= 0) return problem("must be longer than zero", "must be > 0");
  return std::nullopt;
}

}  // namespace weft::settings
