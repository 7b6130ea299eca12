// The one table of settings: connection settings, auth constructors, webhook `verify` schemes, retry
// and backoff fields, trigger block fields and flow options (docs/design-language.md §4–§5), each
// with where it may appear, its type, whether it is required, a one-line doc, an example and, where
// a literal value can be checked before anything runs, a validator. Read by the checker, lowering,
// the evaluator, the HTTP connector, the language server and the generated docs/settings.md, so that
// none of them keeps its own list. Modelled on stdlib/functions/signatures.h.
//
// Types use the signature syntax of stdlib/functions/signatures.h (parsed by compiler/sema).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weft::settings {

/// A block in which settings appear.
enum class Block {
  Connection,   ///< `connection name = http { ... }`
  Webhook,      ///< `on webhook "/path" { ... }`
  Schedule,     ///< `on schedule "cron" { ... }`
  Poll,         ///< `on poll conn.get(...) every 5m { ... }`
  Event,        ///< `on event "type" { ... }`
  Options,      ///< `options { ... }` in a flow
  Retry,        ///< a retry policy `{ attempts, backoff, jitter, on }`
  RateLimit,    ///< `rate_limit: { requests, per }` of a connection
  Concurrency,  ///< `concurrency: { limit, key }` in options
  Breaker,      ///< `breaker: { failure_threshold, cool_down }` of a connection
};

/// A family of constructors written as calls in a setting's value.
enum class Group {
  Auth,     ///< `auth: bearer(...)`
  Verify,   ///< webhook `verify: hmac_sha256(...)`
  Backoff,  ///< retry `backoff: exponential(...)`
};

/// How a setting's value is written, beyond its type.
enum class Shape {
  Value,        ///< any expression of `type`
  Record,       ///< an object literal whose fields are the settings of `fields` (or an expression of `type`)
  Constructor,  ///< a call to one of the constructors of `group`
  ErrorKinds,   ///< a list of error kind names: `on: [timeout, http_error]`
  Input,        ///< a trigger's `input`: the flow's arguments
  Items,        ///< a poll trigger's `items`: the list whose elements become `item`
};

/// A check of a literal value that runs before anything else does.
enum class Check {
  None,
  Cron,              ///< a 5-field cron expression or an `@hourly`-style alias
  TimeZone,          ///< an IANA time zone name, "did you mean" for near misses
  AbsoluteUrl,       ///< an absolute http(s) URL with a host
  HeaderName,        ///< an HTTP header name (RFC 7230 token)
  PositiveCount,     ///< an integer of at least 1
  PositiveDuration,  ///< a duration longer than zero
  WebhookPath,       ///< a path that starts with `/`
  HttpMethod,        ///< GET, POST, PUT, PATCH or DELETE
};

/// One setting: a named field of a block.
struct Setting {
  std::string_view name;     ///< "base_url"
  Block block;               ///< where it may appear
  std::string_view type;     ///< "string", "duration", "{ requests: int, per: duration }"
  std::string_view doc;      ///< one line: what it does (hover and docs)
  std::string_view example;  ///< as written in a flow: `timeout: 10s`
  Shape shape = Shape::Value;
  Check check = Check::None;  ///< applied to a literal value
  bool required = false;      ///< the block is incomplete without it
  Block fields = Block::Connection;  ///< Shape::Record: the block listing its fields
  Group group = Group::Auth;         ///< Shape::Constructor: the constructors allowed
};

/// One parameter of a constructor.
struct Param {
  std::string_view name;  ///< "token_url"
  std::string_view type;  ///< in the signature syntax
  bool optional = false;
  Check check = Check::None;  ///< applied to a literal argument
};

/// One constructor (`bearer(token)`, `exponential(initial, factor, max)`).
struct Constructor {
  std::string_view name;
  Group group;
  std::span<const Param> params;  ///< in positional order
  std::string_view doc;
  std::string_view example;       ///< a call as written in a flow
};

/// A trigger kind and the subject written after its keyword.
struct TriggerKind {
  std::string_view name;     ///< "webhook"
  Block block;               ///< the block of its settings
  std::string_view subject;  ///< what follows the keyword: "a path starting with `/`"
  Check check;               ///< applied to a literal subject
  std::string_view doc;
  std::string_view example;
};

/// Every setting, in documentation order (grouped by block).
std::span<const Setting> settings();
/// Every constructor, in documentation order (grouped by group).
std::span<const Constructor> constructors();
/// Every trigger kind.
std::span<const TriggerKind> trigger_kinds();

/// The settings of one block, in table order.
std::vector<const Setting*> settings_in(Block block);
/// The names of the settings of one block, in table order.
std::vector<std::string> names_in(Block block);
/// A setting by block and name; nullptr when absent.
const Setting* find_setting(Block block, std::string_view name);
/// The constructors of one group, in table order.
std::vector<const Constructor*> constructors_in(Group group);
/// A constructor by group and name; nullptr when absent.
const Constructor* find_constructor(Group group, std::string_view name);
/// A trigger kind by name ("webhook"); nullptr when absent.
const TriggerKind* find_trigger(std::string_view name);

/// How a block is named in messages and docs: "connection", "webhook trigger", "retry policy".
std::string_view block_name(Block block);
/// How a group is named in messages and docs: "auth constructor", "verify rule", "backoff".
std::string_view group_name(Group group);
/// How a setting's value is written, for completion, hover and docs: `duration`,
/// `none() | basic(...) | ...` for constructors, `{ requests, per }` for records.
std::string display_type(const Setting& s);
/// "name(p: T, q?: U)": a constructor's signature for hover and docs.
std::string signature_text(const Constructor& c);

/// What a check accepts, for docs: "an absolute http(s) URL"; empty for Check::None.
std::string_view describe(Check check);

/// What is wrong with a literal value.
struct Problem {
  std::string message;     ///< "unknown time zone `Europe/Berln`"
  std::string label;       ///< a few words under the value: "unknown time zone"
  std::size_t offset = 0;  ///< Cron: byte offset in the text where the problem starts
  std::vector<std::string> candidates;  ///< names a near miss may have meant (time zones, methods)
};

/// The IANA time zone names of the zone database ($TZDIR/tzdata.zi, else /usr/share/zoneinfo);
/// empty when there is none.
const std::vector<std::string>& time_zone_names();

/// Checks a literal string against a check (Cron, TimeZone, AbsoluteUrl, HeaderName, WebhookPath).
std::optional<Problem> check_text(Check check, std::string_view text);
/// Checks a literal integer against a check (PositiveCount).
std::optional<Problem> check_int(Check check, std::int64_t value);
/// Checks a literal duration, in milliseconds, against a check (PositiveDuration).
std::optional<Problem> check_duration(Check check, std::int64_t millis);

}  // namespace weft::settings
