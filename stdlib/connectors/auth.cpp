#include "stdlib/connectors/auth.h"

#include <openssl/evp.h>

namespace weft::connectors {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string form_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string form_encode(const HeaderList& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += form_encode(k);
    out += '=';
    out += form_encode(v);
  }
  return out;
}

std::string basic_credentials(std::string_view user, std::string_view password) {
  std::string joined(user);
  joined += ':';
  joined += password;
  return "Basic " + base64_encode(joined);
}

void add_secrets(const Auth& auth, Redactor& redactor) {
  if (const auto* b = std::get_if<BasicAuth>(&auth)) {
    redactor.add(b->password);
    redactor.add(base64_encode(b->user + ":" + b->password));
  } else if (const auto* t = std::get_if<BearerAuth>(&auth)) {
    redactor.add(t->token);
  } else if (const auto* k = std::get_if<ApiKeyAuth>(&auth)) {
    redactor.add(k->value);
    redactor.add(form_encode(k->value));
  } else if (const auto* o = std::get_if<OAuth2ClientCredentials>(&auth)) {
    redactor.add(o->client_secret);
    redactor.add(form_encode(o->client_secret));
    redactor.add(base64_encode(form_encode(o->client_id) + ":" + form_encode(o->client_secret)));
  }
}

}  // namespace weft::connectors
