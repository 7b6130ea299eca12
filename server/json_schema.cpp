#include "server/json_schema.h"

#include <boost/json.hpp>

namespace weft::server {
namespace json = boost::json;

namespace {

bool has_type(std::string_view t, const json::value& v) {
  if (t == "null") return v.is_null();
  if (t == "boolean") return v.is_bool();
  if (t == "integer") return v.is_int64() || v.is_uint64() || (v.is_double() && v.get_double() == static_cast<double>(static_cast<long long>(v.get_double())));
  if (t == "number") return v.is_number();
  if (t == "string") return v.is_string();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  return false;
}

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "value";
}

std::string at(std::string_view path) { return path.empty() ? std::string("body") : std::string(path); }

std::string child(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

}  // namespace

std::optional<std::string> validate_schema(const json::value& schema, const json::value& value, std::string_view path,
                                           const json::value* root) {
  if (!schema.is_object()) return std::nullopt;  // `true` / `{}`: anything
  const auto& s = schema.get_object();
  if (auto* ref = s.if_contains("$ref"); ref && ref->is_string() && root) {
    std::string_view r = ref->get_string();
    constexpr std::string_view prefix = "#/components/schemas/";
    if (r.substr(0, prefix.size()) == prefix) {
      const json::value* target = nullptr;
      if (auto* c = root->as_object().if_contains("components"))
        if (auto* ss = c->as_object().if_contains("schemas"))
          target = ss->as_object().if_contains(r.substr(prefix.size()));
      if (target) return validate_schema(*target, value, path, root);
    }
    return "schema reference " + std::string(r) + " not found";
  }
  if (auto* t = s.if_contains("type")) {
    bool ok = false;
    std::string names;
    if (t->is_string()) {
      ok = has_type(t->get_string(), value);
      names = t->get_string();
    } else if (t->is_array()) {
      for (const auto& n : t->get_array())
        if (n.is_string()) {
          ok = ok || has_type(n.get_string(), value);
          names += (names.empty() ? "" : " or ") + std::string(n.get_string());
        }
    }
    if (!ok) return at(path) + ": expected " + names + ", got " + kind_of(value);
  }
  if (auto* e = s.if_contains("enum"); e && e->is_array()) {
    bool found = false;
    for (const auto& x : e->get_array()) found = found || x == value;
    if (!found) return at(path) + ": not one of the allowed values " + json::serialize(*e);
  }
  if (value.is_string()) {
    if (auto* m = s.if_contains("minLength"); m && m->is_int64() && static_cast<int64_t>(value.get_string().size()) < m->get_int64())
      return at(path) + ": shorter than " + std::to_string(m->get_int64()) + " characters";
  }
  if (value.is_number()) {
    double d = value.to_number<double>();
    if (auto* m = s.if_contains("minimum"); m && m->is_number() && d < m->to_number<double>())
      return at(path) + ": less than " + json::serialize(*m);
    if (auto* m = s.if_contains("maximum"); m && m->is_number() && d > m->to_number<double>())
      return at(path) + ": more than " + json::serialize(*m);
  }
  if (value.is_object()) {
    const auto& o = value.get_object();
    const json::object* props = nullptr;
    if (auto* p = s.if_contains("properties"); p && p->is_object()) props = &p->get_object();
    if (auto* r = s.if_contains("required"); r && r->is_array())
      for (const auto& n : r->get_array())
        if (n.is_string() && !o.contains(n.get_string())) return child(path, n.get_string()) + ": required";
    const json::value* extra = s.if_contains("additionalProperties");
    for (const auto& [k, v] : o) {
      if (props && props->contains(k)) {
        if (auto err = validate_schema(props->at(k), v, child(path, k), root)) return err;
      } else if (extra && extra->is_bool() && !extra->get_bool()) {
        return child(path, k) + ": unknown field";
      } else if (extra && extra->is_object()) {
        if (auto err = validate_schema(*extra, v, child(path, k), root)) return err;
      }
    }
  }
  if (value.is_array()) {
    if (auto* items = s.if_contains("items")) {
      const auto& a = value.get_array();
      for (size_t i = 0; i < a.size(); ++i)
        if (auto err = validate_schema(*items, a[i], at(path) + "[" + std::to_string(i) + "]", root)) return err;
    }
  }
  return std::nullopt;
}

}  // namespace weft::server
