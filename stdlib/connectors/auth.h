// Authentication of an HTTP connection (docs/design-language.md §4 auth constructors).
#pragma once
#include "stdlib/connectors/connection.h"
#include "stdlib/connectors/redactor.h"

#include <string>
#include <variant>
#include <vector>

namespace weft::connectors {

/// `none()`: no authentication.
struct NoAuth {};

/// `basic(user, password)`: `Authorization: Basic base64(user:password)`.
struct BasicAuth {
  std::string user;      ///< user name
  std::string password;  ///< password (a secret)
};

/// `bearer(token)`: `Authorization: Bearer <token>`.
struct BearerAuth {
  std::string token;  ///< the token (a secret)
};

/// `api_key(header: H | query: Q, value: V)`: the value in a header or a query parameter.
struct ApiKeyAuth {
  std::string header;  ///< header name; empty when `query` is used
  std::string query;   ///< query parameter name; empty when `header` is used
  std::string value;   ///< the key (a secret)
};

/// How the OAuth2 client authenticates at the token endpoint (RFC 6749 §2.3.1).
enum class ClientAuthMethod {
  client_secret_basic,  ///< HTTP Basic with url-encoded client_id:client_secret (the default)
  client_secret_post,   ///< client_id and client_secret in the form body
};

/// `oauth2_client_credentials(token_url, client_id, client_secret, scopes)`.
struct OAuth2ClientCredentials {
  std::string token_url;      ///< absolute URL of the token endpoint
  std::string client_id;      ///< client id
  std::string client_secret;  ///< client secret (a secret)
  std::vector<std::string> scopes;  ///< sent space-separated as `scope` (omitted when empty)
  ClientAuthMethod method = ClientAuthMethod::client_secret_basic;  ///< client authentication
  Millis refresh_margin{60000};  ///< a cached token is refreshed this long before it expires
};

/// One of the auth kinds.
using Auth = std::variant<NoAuth, BasicAuth, BearerAuth, ApiKeyAuth, OAuth2ClientCredentials>;

/// Adds every secret value of `auth` (and derived forms such as the Basic credential) to `redactor`.
void add_secrets(const Auth& auth, Redactor& redactor);

/// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);

/// `application/x-www-form-urlencoded` encoding of one component (space as '+').
std::string form_encode(std::string_view text);

/// Encodes a whole form body.
std::string form_encode(const HeaderList& fields);

/// The `Authorization` header value for HTTP Basic.
std::string basic_credentials(std::string_view user, std::string_view password);

}  // namespace weft::connectors
