// Loading an OpenAPI document: parse (parse.cpp), resolve `$ref`s, build the model; the cache.
#include "compiler/openapi/document.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <optional>

#include "compiler/openapi/parse.h"
#include "stdlib/functions/encoding.h"

namespace weft::openapi {

namespace json = boost::json;
using detail::ParsedFile;

namespace {

constexpr int kMaxDepth = 200;
constexpr size_t kMaxErrors = 20;
const char* const kHttpMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

const json::object* obj(const json::value* v) { return v ? v->if_object() : nullptr; }
const json::value* at(const json::object* o, std::string_view k) { return o ? o->if_contains(k) : nullptr; }
/// A string value; a number (`version: 1.0` in YAML) as written by JSON; "" for anything else.
std::string str(const json::value* v) {
  if (!v) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_number()) return json::serialize(*v);
  return "";
}
bool truthy(const json::value* v) { return v && v->is_bool() && v->get_bool(); }

/// Decodes one JSON-pointer segment (`~1` → `/`, `~0` → `~`, `%XX`).
std::string pointer_segment(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '0' || s[i + 1] == '1')) {
      out += s[i + 1] == '0' ? '~' : '/';
      ++i;
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool json_media(std::string_view mt) {
  return mt.find("json") != std::string_view::npos;
}

}  // namespace

/// Builds a Document from parsed files, resolving `$ref`s (friend of Document).
class Builder {
 public:
  Builder(Document& doc, LoadResult& res, const Reader& reader) : doc_(doc), res_(res), reader_(reader) {}

  bool build(ParsedFile& root) {
    root_ = &root;
    by_path_[root.path] = &root;
    const json::object* o = obj(&root.root);
    if (!o) return fail(root, Position{root.path, 1, 1}, "an OpenAPI document must be an object");
    std::string version = str(at(o, "openapi"));
    if (version.empty()) {
      std::string swagger = str(at(o, "swagger"));
      return fail(root, Position{root.path, 1, 1},
                  swagger.empty() ? "not an OpenAPI document: it has no `openapi` version field"
                                  : "Swagger " + swagger + " is not supported: convert the document to OpenAPI 3.0 or 3.1");
    }
    if (version.rfind("3.0", 0) != 0 && version.rfind("3.1", 0) != 0)
      return fail(root, root.find_key("openapi"), "OpenAPI " + version + " is not supported (3.0 and 3.1 are)");
    doc_.openapi = version;
    const json::object* info = obj(at(o, "info"));
    doc_.title = str(at(info, "title"));
    doc_.version = str(at(info, "version"));
    servers(at(o, "servers"));
    doc_.security = requirements(at(o, "security"));
    if (const json::object* comps = obj(at(o, "components"))) {
      if (const json::object* ss = obj(at(comps, "securitySchemes")))
        for (const auto& [k, v] : *ss) security_scheme(std::string(k), Loc{&root, &v});
      if (const json::object* sc = obj(at(comps, "schemas")))
        for (const auto& [k, v] : *sc)
          if (const Schema* s = schema(Loc{&root, &v}, 0)) {
            // Built here first, so a later $ref finds it named; the store owns it, hence mutable.
            if (s->name.empty()) const_cast<Schema*>(s)->name = std::string(k);
            doc_.schemas.emplace(std::string(k), s);
          }
    }
    if (const json::object* paths = obj(at(o, "paths")))
      for (const auto& [k, v] : *paths) path_item(std::string(k), Loc{&root, &v});
    for (size_t i = 0; i < doc_.operations.size(); ++i)
      if (!doc_.operations[i].method_name.empty()) doc_.by_method_.emplace(doc_.operations[i].method_name, i);
    return res_.errors.empty();
  }

 private:
  struct Loc {
    ParsedFile* file = nullptr;
    const json::value* v = nullptr;
  };

  bool fail(ParsedFile& f, Position pos, std::string message) {
    if (!pos.valid()) pos.file = f.path;
    if (res_.errors.size() < kMaxErrors) res_.errors.push_back({std::move(pos), std::move(message)});
    return false;
  }

  /// The file a ref's file part names, relative to `from` (loaded through the reader once).
  ParsedFile* file_for(ParsedFile* from, const std::string& rel, const std::string& ref) {
    std::string path =
        (std::filesystem::path(from->path).parent_path() / rel).lexically_normal().generic_string();
    if (auto it = by_path_.find(path); it != by_path_.end()) return it->second;
    std::string text, error;
    if (!reader_) error = "no reader for other files";
    if (!reader_ || !reader_(path, text, error)) {
      fail(*from, from->find("$ref", ref), "cannot read `" + path + "` (from $ref `" + ref + "`): " + error);
      by_path_[path] = nullptr;
      return nullptr;
    }
    res_.dependencies.emplace_back(path, text);
    ParsedFile& f = files_.emplace_back();
    f.path = path;
    f.owned = std::move(text);
    f.text = f.owned;
    DocumentError err;
    if (!detail::parse_file(f, err)) {
      fail(f, err.pos, err.message);
      by_path_[path] = nullptr;
      return nullptr;
    }
    by_path_[path] = &f;
    return &f;
  }

  /// Where a `$ref` points; nullopt (and an error) when it points nowhere.
  std::optional<Loc> resolve(ParsedFile* from, const std::string& ref) {
    size_t hash = ref.find('#');
    std::string file_part = ref.substr(0, hash);
    std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
    ParsedFile* f = from;
    if (!file_part.empty()) {
      if (file_part.find("://") != std::string::npos) {
        fail(*from, from->find("$ref", ref), "remote $ref `" + ref + "` is not supported (only local files)");
        return std::nullopt;
      }
      f = file_for(from, file_part, ref);
      if (!f) return std::nullopt;
    }
    const json::value* v = &f->root;
    if (!pointer.empty()) {
      if (pointer[0] != '/') {
        fail(*from, from->find("$ref", ref), "unsupported $ref `" + ref + "` (expected a JSON pointer `#/...`)");
        return std::nullopt;
      }
      size_t i = 1;
      while (v && i <= pointer.size()) {
        size_t j = pointer.find('/', i);
        if (j == std::string::npos) j = pointer.size();
        std::string seg = pointer_segment(std::string_view(pointer).substr(i, j - i));
        if (const json::object* o = v->if_object()) {
          v = o->if_contains(seg);
        } else if (const json::array* a = v->if_array()) {
          size_t n = 0;
          auto r = std::from_chars(seg.data(), seg.data() + seg.size(), n);
          v = r.ec == std::errc() && n < a->size() ? &(*a)[n] : nullptr;
        } else {
          v = nullptr;
        }
        i = j + 1;
      }
    }
    if (!v) {
      fail(*from, from->find("$ref", ref), "unresolved $ref `" + ref + "`");
      return std::nullopt;
    }
    return Loc{f, v};
  }

  /// Follows `$ref`s until an object without one; nullopt on a broken or circular chain.
  std::optional<Loc> deref(Loc l) {
    for (int i = 0; i < 32; ++i) {
      const json::object* o = obj(l.v);
      const json::value* r = at(o, "$ref");
      if (!r || !r->is_string()) return l;
      auto next = resolve(l.file, std::string(r->get_string()));
      if (!next) return std::nullopt;
      l = *next;
    }
    fail(*l.file, Position{l.file->path}, "a chain of more than 32 $refs (a $ref that refers to itself?)");
    return std::nullopt;
  }

  Schema* any_schema() { return &doc_.schema_store.emplace_back(); }

  /// The schema at `l` (memoised by value, so a recursive schema refers back to itself).
  const Schema* schema(Loc l, int depth) {
    if (!l.v) return any_schema();
    if (auto it = schemas_.find(l.v); it != schemas_.end()) return it->second;
    const json::object* o = obj(l.v);
    if (const json::value* r = at(o, "$ref"); r && r->is_string()) {
      std::string ref(r->get_string());
      auto target = resolve(l.file, ref);
      if (!target) return schemas_[l.v] = any_schema();
      if (auto it = schemas_.find(target->v); it != schemas_.end()) return schemas_[l.v] = it->second;
      Schema* s = &doc_.schema_store.emplace_back();
      schemas_[l.v] = s;
      static const std::string prefix = "#/components/schemas/";
      size_t hash = ref.find('#');
      std::string pointer = hash == std::string::npos ? "" : ref.substr(hash);
      if (pointer.rfind(prefix, 0) == 0 && pointer.find('/', prefix.size()) == std::string::npos)
        s->name = pointer_segment(pointer.substr(prefix.size()));
      schemas_[target->v] = s;
      fill(*s, *target, depth + 1);
      return s;
    }
    Schema* s = &doc_.schema_store.emplace_back();
    schemas_[l.v] = s;
    fill(*s, l, depth + 1);
    return s;
  }

  void fill(Schema& s, Loc l, int depth) {
    const json::object* o = obj(l.v);
    if (!o || depth > kMaxDepth) return;  // `true`, `{}`, or too deep: any value
    if (const json::value* t = at(o, "type")) {
      if (t->is_string()) {
        s.type = type_named(t->get_string());
      } else if (const json::array* ts = t->if_array()) {
        std::vector<Schema::Type> non_null;
        for (const auto& m : *ts)
          if (m.is_string()) {
            Schema::Type k = type_named(m.get_string());
            if (k == Schema::Type::Null) s.nullable = true;
            else non_null.push_back(k);
          }
        s.type = non_null.size() == 1 ? non_null[0] : non_null.empty() && s.nullable ? Schema::Type::Null : Schema::Type::Any;
      }
    }
    if (truthy(at(o, "nullable"))) s.nullable = true;
    s.format = str(at(o, "format"));
    s.description = str(at(o, "description"));
    if (s.description.empty()) s.description = str(at(o, "title"));
    if (const json::array* e = at(o, "enum") ? at(o, "enum")->if_array() : nullptr) {
      bool all_strings = !e->empty();
      for (const auto& v : *e) {
        if (v.is_string()) s.enum_values.emplace_back(v.get_string());
        else if (v.is_null()) s.nullable = true;
        else all_strings = false;
      }
      if (!all_strings) s.enum_values.clear();
    }
    const json::object* props = obj(at(o, "properties"));
    if (s.type == Schema::Type::Any && (props || at(o, "additionalProperties")) && !at(o, "type")) s.type = Schema::Type::Object;
    if (s.type == Schema::Type::Any && at(o, "items") && !at(o, "type")) s.type = Schema::Type::Array;
    std::vector<std::string>& required = s.required;
    if (const json::array* r = at(o, "required") ? at(o, "required")->if_array() : nullptr)
      for (const auto& v : *r)
        if (v.is_string()) required.emplace_back(v.get_string());
    if (props) {
      for (const auto& [k, v] : *props) {
        std::string name(k);
        bool req = std::find(required.begin(), required.end(), name) != required.end();
        s.properties.push_back({name, schema(Loc{l.file, &v}, depth), req});
      }
    }
    if (const json::value* it = at(o, "items")) s.items = schema(Loc{l.file, it}, depth);
    if (const json::value* ap = at(o, "additionalProperties")) {
      if (ap->is_object()) s.additional = schema(Loc{l.file, ap}, depth);
      else if (truthy(ap)) s.additional = any_schema();
    }
    auto members = [&](const char* k, std::vector<const Schema*>& out) {
      if (const json::array* a = at(o, k) ? at(o, k)->if_array() : nullptr)
        for (const auto& v : *a) out.push_back(schema(Loc{l.file, &v}, depth));
    };
    members("allOf", s.all_of);
    members("oneOf", s.one_of);
    members("anyOf", s.any_of);
  }

  static Schema::Type type_named(std::string_view t) {
    if (t == "object") return Schema::Type::Object;
    if (t == "array") return Schema::Type::Array;
    if (t == "string") return Schema::Type::String;
    if (t == "integer") return Schema::Type::Integer;
    if (t == "number") return Schema::Type::Number;
    if (t == "boolean") return Schema::Type::Boolean;
    if (t == "null") return Schema::Type::Null;
    return Schema::Type::Any;
  }

  void servers(const json::value* v) {
    const json::array* a = v ? v->if_array() : nullptr;
    if (!a) return;
    for (const auto& s : *a) {
      const json::object* so = s.if_object();
      std::string url = str(at(so, "url"));
      if (url.empty()) continue;
      if (const json::object* vars = obj(at(so, "variables")))
        for (const auto& [name, var] : *vars) {
          std::string key = "{" + std::string(name) + "}";
          std::string def = str(at(var.if_object(), "default"));
          for (size_t p = url.find(key); p != std::string::npos; p = url.find(key, p + def.size()))
            url.replace(p, key.size(), def);
        }
      doc_.servers.push_back(url);
    }
  }

  static std::vector<std::vector<std::string>> requirements(const json::value* v) {
    std::vector<std::vector<std::string>> out;
    const json::array* a = v ? v->if_array() : nullptr;
    if (!a) return out;
    for (const auto& alt : *a) {
      std::vector<std::string> names;
      if (const json::object* ao = alt.if_object())
        for (const auto& [k, _] : *ao) names.emplace_back(k);
      out.push_back(std::move(names));
    }
    return out;
  }

  void security_scheme(std::string name, Loc l) {
    auto d = deref(l);
    if (!d) return;
    const json::object* o = obj(d->v);
    SecurityScheme s;
    s.name = name;
    s.type = str(at(o, "type"));
    s.scheme = str(at(o, "scheme"));
    std::transform(s.scheme.begin(), s.scheme.end(), s.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    s.in = str(at(o, "in"));
    s.param_name = str(at(o, "name"));
    if (s.type == "http" && s.scheme == "basic") s.auth_kinds = {"basic"};
    else if (s.type == "http") s.auth_kinds = {"bearer"};
    else if (s.type == "apiKey") s.auth_kinds = {"api_key"};
    else if (s.type == "oauth2" || s.type == "openIdConnect") s.auth_kinds = {"oauth2_client_credentials", "bearer"};
    doc_.security_schemes.emplace(std::move(name), std::move(s));
  }

  Parameter parameter(Loc l) {
    Parameter p;
    auto d = deref(l);
    if (!d) return p;
    const json::object* o = obj(d->v);
    p.name = str(at(o, "name"));
    p.in = str(at(o, "in"));
    p.required = p.in == "path" || truthy(at(o, "required"));
    p.description = str(at(o, "description"));
    if (const json::value* s = at(o, "schema")) {
      p.schema = schema(Loc{d->file, s}, 0);
    } else if (const json::object* c = obj(at(o, "content"))) {
      for (const auto& [mt, m] : *c)
        if (const json::value* s = at(m.if_object(), "schema")) {
          p.schema = schema(Loc{d->file, s}, 0);
          break;
        }
    }
    if (!p.schema) p.schema = any_schema();
    return p;
  }

  /// The JSON schema of a `content` map: `application/json` first, else any JSON media type.
  const Schema* content_schema(Loc l, std::string* media) {
    const json::object* c = obj(l.v);
    if (!c) return nullptr;
    const json::value* pick = nullptr;
    std::string pick_mt;
    for (const auto& [mt, m] : *c)
      if (mt == "application/json" || (!pick && json_media(mt))) {
        pick = &m;
        pick_mt = std::string(mt);
      }
    if (!pick) return nullptr;
    if (media) *media = pick_mt;
    const json::value* s = at(pick->if_object(), "schema");
    return s ? schema(Loc{l.file, s}, 0) : any_schema();
  }

  void path_item(const std::string& path, Loc l) {
    auto d = deref(l);
    if (!d) return;
    const json::object* item = obj(d->v);
    if (!item) return;
    std::vector<Parameter> common;
    if (const json::array* ps = at(item, "parameters") ? at(item, "parameters")->if_array() : nullptr)
      for (const auto& p : *ps) common.push_back(parameter(Loc{d->file, &p}));
    for (const char* m : kHttpMethods) {
      const json::value* ov = at(item, m);
      if (!ov || !ov->is_object()) continue;
      operation(path, m, Loc{d->file, ov}, common);
    }
  }

  void operation(const std::string& path, const char* method, Loc l, const std::vector<Parameter>& common) {
    const json::object* o = obj(l.v);
    Operation op;
    op.path = path;
    op.http_method = method;
    op.operation_id = str(at(o, "operationId"));
    if (!op.operation_id.empty()) op.method_name = method_name(op.operation_id);
    op.summary = str(at(o, "summary"));
    op.description = str(at(o, "description"));
    op.deprecated = truthy(at(o, "deprecated"));
    op.parameters = common;
    if (const json::array* ps = at(o, "parameters") ? at(o, "parameters")->if_array() : nullptr)
      for (const auto& pv : *ps) {
        Parameter p = parameter(Loc{l.file, &pv});
        auto same = std::find_if(op.parameters.begin(), op.parameters.end(),
                                 [&](const Parameter& q) { return q.name == p.name && q.in == p.in; });
        if (same != op.parameters.end()) *same = std::move(p);
        else op.parameters.push_back(std::move(p));
      }
    if (const json::value* rb = at(o, "requestBody")) {
      if (auto d = deref(Loc{l.file, rb})) {
        const json::object* rbo = obj(d->v);
        op.body_required = truthy(at(rbo, "required"));
        if (const json::value* c = at(rbo, "content")) op.request_body = content_schema(Loc{d->file, c}, &op.request_content_type);
        if (!op.request_body) op.request_body = any_schema();  // a body that is not JSON: any value
      }
    }
    if (const json::object* rs = obj(at(o, "responses"))) {
      std::string best;
      for (const auto& [code, _] : *rs) {
        std::string c(code);
        if (c.size() == 3 && c[0] == '2' && (best.empty() || c < best)) best = c;
      }
      if (!best.empty()) {
        op.response_status = std::isdigit(static_cast<unsigned char>(best[1])) ? std::stoi(best) : 200;
        if (auto d = deref(Loc{l.file, &rs->at(best)}))
          if (const json::value* c = at(obj(d->v), "content")) op.response = content_schema(Loc{d->file, c}, nullptr);
      }
    }
    op.security = at(o, "security") ? requirements(at(o, "security")) : doc_.security;
    op.pos = !op.operation_id.empty() ? l.file->find("operationId", op.operation_id) : l.file->find_key(path);
    if (!op.pos.valid()) op.pos = l.file->find_key(path);
    doc_.operations.push_back(std::move(op));
  }

  Document& doc_;
  LoadResult& res_;
  const Reader& reader_;
  ParsedFile* root_ = nullptr;
  std::deque<ParsedFile> files_;
  std::unordered_map<std::string, ParsedFile*> by_path_;
  std::unordered_map<const json::value*, const Schema*> schemas_;
};

const Schema::Property* Schema::property(std::string_view n) const {
  for (const auto& p : properties)
    if (p.name == n) return &p;
  return nullptr;
}

const Parameter* Operation::parameter(std::string_view name, std::string_view in) const {
  for (const auto& p : parameters)
    if (p.name == name && (in.empty() || p.in == in)) return &p;
  return nullptr;
}

const Operation* Document::find_operation(std::string_view name) const {
  auto it = by_method_.find(std::string(name));
  return it == by_method_.end() ? nullptr : &operations[it->second];
}

namespace {

/// True when a concrete path or a template matches a template segment by segment.
bool path_fits(std::string_view tmpl, std::string_view path) {
  path = path.substr(0, path.find('?'));
  if (tmpl == path) return true;
  size_t i = 0, j = 0;
  while (i <= tmpl.size() && j <= path.size()) {
    size_t ti = tmpl.find('/', i), pj = path.find('/', j);
    if (ti == std::string_view::npos) ti = tmpl.size();
    if (pj == std::string_view::npos) pj = path.size();
    std::string_view ts = tmpl.substr(i, ti - i), ps = path.substr(j, pj - j);
    bool param = ts.size() >= 2 && ts.front() == '{' && ts.back() == '}';
    if (param ? ps.empty() : ts != ps) return false;
    bool tend = ti == tmpl.size(), pend = pj == path.size();
    if (tend || pend) return tend && pend;
    i = ti + 1;
    j = pj + 1;
  }
  return false;
}

}  // namespace

const Operation* Document::find_path(std::string_view http_method, std::string_view path) const {
  const Operation* fitting = nullptr;
  for (const auto& op : operations) {
    if (op.http_method != http_method) continue;
    if (op.path == path) return &op;  // a template as written wins over a pattern match
    if (!fitting && path_fits(op.path, path)) fitting = &op;
  }
  return fitting;
}

bool Document::has_path(std::string_view path) const {
  for (const auto& op : operations)
    if (op.path == path || path_fits(op.path, path)) return true;
  return false;
}

std::vector<std::string> Document::method_names() const {
  std::vector<std::string> out;
  for (const auto& op : operations)
    if (!op.method_name.empty()) out.push_back(op.method_name);
  return out;
}

std::vector<std::string> Document::paths() const {
  std::vector<std::string> out;
  for (const auto& op : operations)
    if (out.empty() || out.back() != op.path)
      if (std::find(out.begin(), out.end(), op.path) == out.end()) out.push_back(op.path);
  return out;
}

std::string DocumentError::to_string() const {
  std::string out = pos.file;
  if (pos.valid()) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return out + ": " + message;
}

std::string method_name(std::string_view id) {
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
  return out;
}

LoadResult load_document(const std::string& path, std::string_view text, const Reader& reader) {
  LoadResult res;
  auto doc = std::make_shared<Document>();
  doc->path = path;
  ParsedFile root;
  root.path = path;
  root.text = text;  // the caller's text outlives loading
  DocumentError err;
  if (!detail::parse_file(root, err)) {
    res.errors.push_back(std::move(err));
    return res;
  }
  Builder b(*doc, res, reader);
  if (b.build(root)) res.document = std::move(doc);
  return res;
}

std::shared_ptr<const LoadResult> DocumentCache::get(const std::string& path, std::string_view text, const Reader& reader) {
  std::string key = path + '\x1f' + functions::sha256_raw(text);
  {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(key); it != entries_.end()) {
      bool fresh = true;
      for (const auto& [dep, dep_text] : it->second->dependencies) {
        std::string now, error;
        if (!reader || !reader(dep, now, error) || now != dep_text) {
          fresh = false;
          break;
        }
      }
      if (fresh) {
        ++stats_.reused;
        return it->second;
      }
    }
  }
  auto loaded = std::make_shared<const LoadResult>(load_document(path, text, reader));
  std::lock_guard lock(mu_);
  ++stats_.loaded;
  // One entry per path: an edited document replaces its older versions.
  for (auto it = entries_.begin(); it != entries_.end();)
    it = it->first.compare(0, path.size() + 1, path + '\x1f') == 0 ? entries_.erase(it) : std::next(it);
  entries_[key] = loaded;
  return loaded;
}

DocumentCache::Stats DocumentCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void DocumentCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

DocumentCache& DocumentCache::shared() {
  static DocumentCache cache;
  return cache;
}

}  // namespace weft::openapi
