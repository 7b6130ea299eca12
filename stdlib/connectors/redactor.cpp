#include "stdlib/connectors/redactor.h"

#include <boost/json.hpp>

#include <algorithm>

namespace weft::connectors {

void Redactor::add(std::string_view secret) {
  if (secret.size() < 4) return;
  std::lock_guard lock(mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.emplace_back(secret);
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void Redactor::add_all(const Redactor& other) {
  std::vector<std::string> copy;
  {
    std::lock_guard lock(other.mu_);
    copy = other.secrets_;
  }
  for (const auto& s : copy) add(s);
}

std::string Redactor::redact(std::string_view text) const {
  std::string out(text);
  std::lock_guard lock(mu_);
  for (const auto& s : secrets_) {
    for (std::size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + mask.size()))
      out.replace(pos, s.size(), mask);
  }
  return out;
}

boost::json::value Redactor::redact_json(const boost::json::value& value) const {
  switch (value.kind()) {
    case boost::json::kind::string: return boost::json::value(redact(std::string_view(value.get_string())));
    case boost::json::kind::array: {
      boost::json::array a;
      for (const auto& v : value.get_array()) a.push_back(redact_json(v));
      return a;
    }
    case boost::json::kind::object: {
      boost::json::object o;
      for (const auto& [k, v] : value.get_object()) o[k] = redact_json(v);
      return o;
    }
    default: return value;
  }
}

std::size_t Redactor::size() const {
  std::lock_guard lock(mu_);
  return secrets_.size();
}

}  // namespace weft::connectors
