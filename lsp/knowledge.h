// Static facts about the language the editor features need (docs/design-language.md): keywords with their
// meaning, snippets, the fields of connection/trigger/options/retry blocks, constructors, the
// connection methods, and the standard library (stdlib/functions/signatures.h). Setting names, their
// labels and docs and the constructors come from the settings table (stdlib/settings/settings.h).
#pragma once
#include <span>
#include <string_view>
#include <vector>

#include "stdlib/settings/settings.h"

namespace weft::lsp {

/// A named thing with a signature-like label and a one-line doc.
struct Fact {
  std::string_view name;
  std::string_view label;  ///< "timeout: duration", "bearer(token: string | secret)"
  std::string_view doc;
};

/// A snippet offered by completion: `label` is what the user types, `body` uses $1/${1:x} syntax.
struct Snippet {
  std::string_view label;
  std::string_view body;
  std::string_view doc;
};

/// Where a snippet or keyword applies.
enum class Place { TopLevel, Flow, Test, FnBody };

/// Keyword docs for hover (every keyword of docs/design-language.md §2).
std::span<const Fact> keyword_facts();
/// The keywords and statement snippets for a place.
std::span<const Snippet> snippets(Place place);
/// The settings of a block of the settings table as facts (`timeout: duration` and its doc).
std::span<const Fact> setting_facts(settings::Block block);
/// Fields of a `connection name = http { ... }` block.
std::span<const Fact> connection_fields();
/// Fields of a trigger block by kind ("webhook", "schedule", "poll", "event").
std::span<const Fact> trigger_fields(std::string_view kind);
/// Names in scope inside a trigger block by kind (`body`, `headers`, `item`, `event`, ...).
std::span<const Fact> trigger_scope(std::string_view kind);
/// Fields of `options { ... }`.
std::span<const Fact> options_fields();
/// Fields of a retry policy `{ attempts, backoff, jitter, on }`.
std::span<const Fact> retry_fields();
/// Fields of `rate_limit: { ... }` and `concurrency: { ... }`.
std::span<const Fact> rate_limit_fields();
std::span<const Fact> concurrency_fields();
/// Fields of `breaker: { ... }` of a connection.
std::span<const Fact> breaker_fields();
/// Auth constructors (`none basic bearer api_key oauth2_client_credentials`).
std::span<const Fact> auth_constructors();
/// Webhook `verify` forms.
std::span<const Fact> verify_forms();
/// Backoff constructors (`exponential fixed`).
std::span<const Fact> backoff_constructors();
/// HTTP connection methods `get post put patch delete`.
std::span<const Fact> connection_methods();
/// Language built-ins that are not in the stdlib table (`secret`, `env`, `calls`).
std::span<const Fact> builtin_functions();
/// Error kinds for `catch` and retry `on:` (`http_error`, `timeout`, ...).
std::span<const Fact> error_kinds();
/// Scalar and built-in type names (`string int ... json secret Response map`).
std::span<const Fact> builtin_types();

/// Looks a name up in one of the tables above; nullptr when absent.
const Fact* find_fact(std::span<const Fact> table, std::string_view name);

}  // namespace weft::lsp
