#include "compiler/apidiff/diff.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace weft::apidiff {

namespace {

using sema::Type;
using sema::TypeRef;

enum class Dir { Request, Response };

/// Compares the types of one operation, collecting its changes.
struct Differ {
  std::vector<Change>& out;
  std::string op;
  std::set<std::pair<TypeRef, TypeRef>> seen;  ///< record pairs already compared (recursive schemas)

  void add(bool breaking, std::string text) { out.push_back({breaking, op, std::move(text)}); }

  // "response field `a.b`", "request field `a`", "parameter `p`", or the whole body.
  static std::string label(Dir dir, bool param, const std::string& path) {
    if (param) return "parameter `" + path + "`";
    if (path.empty()) return dir == Dir::Response ? "response body" : "request body";
    return std::string(dir == Dir::Response ? "response" : "request") + " field `" + path + "`";
  }

  static std::string join(const std::string& path, const std::string& name) { return path.empty() ? name : path + "." + name; }

  // A short spelling of a type: records by name (or `{...}`), so a line stays one line.
  static std::string brief(TypeRef t) {
    if (!t) return "none";
    switch (t->kind) {
      case Type::Kind::Record: return t->name.empty() ? "{...}" : t->name;
      case Type::Kind::List: return "[" + brief(t->arg()) + "]";
      case Type::Kind::Map: return "map<" + brief(t->arg()) + ">";
      case Type::Kind::Optional: return brief(t->arg()) + "?";
      default: return sema::to_string(t);
    }
  }

  // The values of a string enum (a literal or a union of literals); empty for anything else.
  static std::vector<std::string> enum_values(TypeRef t) {
    std::vector<std::string> v;
    if (t->kind == Type::Kind::Literal) v.push_back(t->name);
    if (t->kind == Type::Kind::Union)
      for (TypeRef m : t->args) {
        if (m->kind != Type::Kind::Literal) return {};
        v.push_back(m->name);
      }
    return v;
  }

  void compare(TypeRef a, TypeRef b, const std::string& path, Dir dir, bool param) {
    if (!a || !b || a == b) return;
    bool oa = a->kind == Type::Kind::Optional, ob = b->kind == Type::Kind::Optional;
    TypeRef a0 = sema::strip_optional(a), b0 = sema::strip_optional(b);
    if (dir == Dir::Response && !oa && ob) add(true, label(dir, param, path) + " may now be null");
    if (dir == Dir::Request && oa && !ob) add(true, label(dir, param, path) + " no longer accepts null");
    if (a0->kind == Type::Kind::Json || b0->kind == Type::Kind::Json) return;  // checked at run time either way
    if (a0->kind == Type::Kind::Record && b0->kind == Type::Kind::Record) {
      if (!seen.insert({a0, b0}).second) return;
      compare_records(a0, b0, path, dir);
      return;
    }
    if ((a0->kind == Type::Kind::List && b0->kind == Type::Kind::List) ||
        (a0->kind == Type::Kind::Map && b0->kind == Type::Kind::Map)) {
      compare(a0->arg(), b0->arg(), path + (a0->kind == Type::Kind::List ? "[]" : "{}"), dir, param);
      return;
    }
    auto ea = enum_values(a0), eb = enum_values(b0);
    if (!ea.empty() && !eb.empty()) {
      for (const auto& v : ea)
        if (std::find(eb.begin(), eb.end(), v) == eb.end())
          add(true, "enum value \"" + v + "\" of " + label(dir, param, path) + " removed");
      for (const auto& v : eb)
        if (std::find(ea.begin(), ea.end(), v) == ea.end())
          add(false, "enum value \"" + v + "\" of " + label(dir, param, path) + " added");
      return;
    }
    // What flows hold must still fit: what they send (request) or what they read (response).
    bool fits = dir == Dir::Request ? sema::assignable(a0, b0) : sema::assignable(b0, a0);
    if (brief(a0) != brief(b0) || !fits)
      add(!fits, label(dir, param, path) + " changed type from `" + brief(a0) + "` to `" + brief(b0) + "`");
  }

  void compare_records(TypeRef a, TypeRef b, const std::string& path, Dir dir) {
    for (const auto& f : a->fields) {
      const sema::Field* g = b->field(f.name);
      std::string p = join(path, f.name);
      if (!g) {
        add(true, label(dir, false, p) + " removed");
        continue;
      }
      if (dir == Dir::Response && !f.optional && g->optional) add(true, label(dir, false, p) + " is now optional");
      if (dir == Dir::Request && f.optional && !g->optional) add(true, label(dir, false, p) + " is now required");
      compare(f.type, g->type, p, dir, false);
    }
    for (const auto& g : b->fields) {
      if (a->field(g.name)) continue;
      std::string p = join(path, g.name);
      if (dir == Dir::Request && !g.optional) add(true, "new required " + label(dir, false, p));
      else add(false, "new " + std::string(dir == Dir::Request ? "optional " : "") + label(dir, false, p));
    }
  }

  void compare_operations(const OperationShape& a, const OperationShape& b) {
    if (a.http_method != b.http_method || a.path != b.path)
      add(true, "moved from " + a.http_method + " " + a.path + " to " + b.http_method + " " + b.path);
    std::map<std::string, const ParamShape*> after;
    for (const auto& p : b.params) after[p.name] = &p;
    for (const auto& p : a.params) {
      auto it = after.find(p.name);
      if (it == after.end()) {
        add(true, "parameter `" + p.name + "` removed");
        continue;
      }
      if (!p.required && it->second->required) add(true, "parameter `" + p.name + "` is now required");
      compare(p.type, it->second->type, p.name, Dir::Request, true);
      after.erase(it);
    }
    for (const auto& p : b.params)
      if (after.count(p.name))
        add(p.required, std::string(p.required ? "new required" : "new optional") + " parameter `" + p.name + "` (" + p.in + ")");
    if (a.request && !b.request) add(true, "the request body was removed");
    if (!a.request && b.request) add(b.request_required, std::string(b.request_required ? "a required" : "an optional") + " request body was added");
    if (a.request && b.request) {
      if (!a.request_required && b.request_required) add(true, "the request body is now required");
      compare(a.request, b.request, "", Dir::Request, false);
    }
    if (a.response && !b.response) add(true, "the JSON response was removed");
    if (!a.response && b.response) add(false, "a JSON response was added");
    if (a.response && b.response) compare(a.response, b.response, "", Dir::Response, false);
  }
};

}  // namespace

std::vector<Change> diff(const std::vector<OperationShape>& before, const std::vector<OperationShape>& after) {
  std::vector<Change> out;
  std::map<std::string, const OperationShape*> by_name;
  for (const auto& op : after) by_name[op.name] = &op;
  std::set<std::string> old_names;
  for (const auto& op : before) {
    old_names.insert(op.name);
    auto it = by_name.find(op.name);
    if (it == by_name.end()) {
      out.push_back({true, op.name, "operation removed (" + op.http_method + " " + op.path + ")"});
      continue;
    }
    Differ{out, op.name, {}}.compare_operations(op, *it->second);
  }
  for (const auto& op : after)
    if (!old_names.count(op.name)) out.push_back({false, op.name, "operation added (" + op.http_method + " " + op.path + ")"});
  std::stable_sort(out.begin(), out.end(), [](const Change& x, const Change& y) {
    return std::tie(y.breaking, x.operation, x.text) < std::tie(x.breaking, y.operation, y.text);
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Change& x, const Change& y) {
                          return x.breaking == y.breaking && x.operation == y.operation && x.text == y.text;
                        }),
            out.end());
  return out;
}

std::string render(const Change& c) {
  return std::string(c.breaking ? "breaking" : "safe") + ": " + c.operation + ": " + c.text;
}

}  // namespace weft::apidiff
