#include "engine/runtime/state.h"

#include <boost/json.hpp>

namespace weft::runtime {
namespace json = boost::json;

namespace {

// Reads one snapshot; the first problem found stops it and names the field.
class Reader {
 public:
  explicit Reader(std::string* problem) : problem_(problem) {}
  bool ok() const { return ok_; }

  bool fail(const std::string& what) {
    if (ok_ && problem_) *problem_ = what;
    ok_ = false;
    return false;
  }
  bool integer(const json::value& v, int64_t& out, const std::string& where) {
    if (v.is_int64()) return out = v.get_int64(), true;
    if (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX)) return out = int64_t(v.get_uint64()), true;
    return fail("`" + where + "` must be an int");
  }
  bool text(const json::value& v, std::string& out, const std::string& where) {
    if (!v.is_string()) return fail("`" + where + "` must be a string");
    out = std::string(v.get_string());
    return true;
  }
  const json::object* object(const json::value& v, const std::string& where) {
    if (!v.is_object()) return fail("`" + where + "` must be an object"), nullptr;
    return &v.get_object();
  }
  template <class F>
  void each(const json::value& v, const std::string& where, F&& f) {
    if (auto* o = object(v, where))
      for (const auto& [k, x] : *o)
        if (ok_) f(std::string(k), x, where + "." + std::string(k));
  }

  void outcome(const json::value& v, Outcome& out, const std::string& where) {
    auto* o = object(v, where);
    if (!o) return;
    if (o->size() != 1) return void(fail("`" + where + "` must have one of v, e, fired, emitted"));
    if (auto* x = o->if_contains("v")) {
      out = Outcome::of_value(*x);
    } else if (auto* e = o->if_contains("e")) {
      std::string why;
      auto err = errors::from_json(*e, &why);
      if (!err) return void(fail("`" + where + ".e`: " + why));
      out = Outcome::of_error(std::move(*err));
    } else if (auto* f = o->if_contains("fired")) {
      out.type = Outcome::Type::fired;
      integer(*f, out.fired_at, where + ".fired");
    } else if (o->contains("emitted")) {
      out.type = Outcome::Type::emitted;
    } else {
      fail("`" + where + "` must have one of v, e, fired, emitted");
    }
  }

  void compensation(const json::value& v, CompensationEntry& c, const std::string& where) {
    auto* o = object(v, where);
    if (!o) return;
    for (const auto& [k, x] : *o) {
      std::string at = where + "." + std::string(k);
      if (k == "node") text(x, c.node, at);
      else if (k == "key") text(x, c.key, at);
      else if (k == "slot") integer(x, c.slot, at);
      else if (k == "result") c.result = x;
      else if (k == "slots" && x.is_array()) c.slots.assign(x.get_array().begin(), x.get_array().end());
      else fail(k == "slots" ? "`" + at + "` must be a list" : "unknown field `" + at + "`");
    }
  }

 private:
  std::string* problem_;
  bool ok_ = true;
};

json::object outcome_json(const Outcome& o) {
  switch (o.type) {
    case Outcome::Type::value: return {{"v", o.value}};
    case Outcome::Type::error: return {{"e", errors::to_json(o.error)}};
    case Outcome::Type::fired: return {{"fired", o.fired_at}};
    case Outcome::Type::emitted: return {{"emitted", true}};
  }
  return {};
}

json::array comp_json(const std::vector<CompensationEntry>& entries) {
  json::array comp;
  for (const auto& c : entries)
    comp.push_back(json::object{{"node", c.node},
                                {"key", c.key},
                                {"slots", json::array(c.slots.begin(), c.slots.end())},
                                {"slot", c.slot},
                                {"result", c.result}});
  return comp;
}

template <class M, class F>
json::object map_json(const M& m, F&& f) {
  json::object o;
  o.reserve(m.size());
  for (const auto& [k, v] : m) o[k] = f(v);
  return o;
}

}  // namespace

Outcome Outcome::of_value(json::value v) {
  Outcome o;
  o.type = Type::value;
  o.value = std::move(v);
  return o;
}

Outcome Outcome::of_error(errors::Error e) {
  Outcome o;
  o.type = Type::error;
  o.error = std::move(e);
  return o;
}

json::object to_json(const ExecutionState& s) {
  auto same = [](const auto& v) { return json::value(v); };
  json::object o;
  o["format"] = kStateFormat;
  if (!s.results.empty()) o["results"] = map_json(s.results, outcome_json);
  if (!s.effects.empty()) o["effects"] = map_json(s.effects, same);
  if (!s.timers.empty()) o["timers"] = map_json(s.timers, same);
  if (!s.retry_at.empty()) o["retry_at"] = map_json(s.retry_at, same);
  if (!s.attempts.empty()) o["attempts"] = map_json(s.attempts, same);
  if (!s.comp.empty()) o["comp"] = comp_json(s.comp);
  if (s.slot) {
    o["slot"] = *s.slot;
    o["slot_limit"] = s.slot_limit;
  }
  if (s.queued) o["queued"] = json::object{{"slot", s.queued->slot}, {"limit", s.queued->limit}};
  o["suspended"] = s.suspended;
  if (!s.children.empty()) o["children"] = map_json(s.children, same);
  if (!s.consumed.empty()) {
    json::object c;
    for (uint64_t seq : s.consumed) c[std::to_string(seq)] = true;
    o["consumed"] = std::move(c);
  }
  if (s.deadline) o["deadline"] = *s.deadline;
  if (s.started_at) o["started_at"] = *s.started_at;
  if (!s.requests.empty())
    o["requests"] = map_json(s.requests, [](const SentRequest& r) { return json::object{{"hash", r.hash}, {"key", r.key}}; });
  if (s.replays) o["replays"] = s.replays;
  return o;
}

namespace {

/// Appends the JSON text of `v` to `out` without an intermediate string.
void append_value(std::string& out, const json::value& v) {
  json::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) out.append(sr.read(buf));
}
void append_key(std::string& out, std::string_view k) {
  out += json::serialize(k);
  out += ':';
}
template <class M, class F>
void append_map(std::string& out, std::string_view name, const M& m, F&& f) {
  if (m.empty()) return;
  out += ',';
  append_key(out, name);
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    append_key(out, k);
    f(v);
  }
  out += '}';
}

}  // namespace

std::string to_text(const ExecutionState& s) {
  std::string out = "{\"format\":" + std::to_string(kStateFormat);
  out.reserve(256);
  auto number = [&](int64_t n) { out += std::to_string(n); };
  auto value = [&](const json::value& v) { append_value(out, v); };
  append_map(out, "results", s.results, [&](const Outcome& o) {
    switch (o.type) {
      case Outcome::Type::value: out += "{\"v\":"; append_value(out, o.value); break;
      case Outcome::Type::error: out += "{\"e\":"; append_value(out, errors::to_json(o.error)); break;
      case Outcome::Type::fired: out += "{\"fired\":"; number(o.fired_at); break;
      case Outcome::Type::emitted: out += "{\"emitted\":true"; break;
    }
    out += '}';
  });
  append_map(out, "effects", s.effects, value);
  append_map(out, "timers", s.timers, number);
  append_map(out, "retry_at", s.retry_at, number);
  append_map(out, "attempts", s.attempts, number);
  if (!s.comp.empty()) {  // rare (steps with a `compensate`): the tree form is fine here
    out += ",\"comp\":";
    append_value(out, comp_json(s.comp));
  }
  if (s.slot) {
    out += ",\"slot\":" + json::serialize(std::string_view(*s.slot)) + ",\"slot_limit\":";
    number(s.slot_limit);
  }
  if (s.queued) {
    out += ",\"queued\":{\"slot\":" + json::serialize(std::string_view(s.queued->slot)) + ",\"limit\":";
    number(s.queued->limit);
    out += '}';
  }
  out += s.suspended ? ",\"suspended\":true" : ",\"suspended\":false";
  append_map(out, "children", s.children, [&](const std::string& id) { out += json::serialize(std::string_view(id)); });
  if (!s.consumed.empty()) {
    out += ",\"consumed\":{";
    bool first = true;
    for (uint64_t seq : s.consumed) {
      if (!first) out += ',';
      first = false;
      out += '"' + std::to_string(seq) + "\":true";
    }
    out += '}';
  }
  if (s.deadline) {
    out += ",\"deadline\":";
    number(*s.deadline);
  }
  if (s.started_at) {
    out += ",\"started_at\":";
    number(*s.started_at);
  }
  append_map(out, "requests", s.requests, [&](const SentRequest& r) {
    out += "{\"hash\":" + json::serialize(std::string_view(r.hash)) + ",\"key\":" +
           json::serialize(std::string_view(r.key)) + "}";
  });
  if (s.replays) {
    out += ",\"replays\":";
    number(s.replays);
  }
  out += '}';
  return out;
}

std::optional<ExecutionState> from_json(const json::value& v, std::string* problem) {
  Reader r(problem);
  ExecutionState s;
  const json::object* o = r.object(v, "snapshot");
  if (!o) return std::nullopt;
  int64_t format = 1;
  if (auto* f = o->if_contains("format"); f && r.integer(*f, format, "format") && (format < 1 || format > kStateFormat))
    r.fail("format " + std::to_string(format) + " is not one this weft reads (1 to " + std::to_string(kStateFormat) + ")");
  for (const auto& [key, x] : *o) {
    if (!r.ok()) break;
    std::string k(key);
    if (k == "format") {
    } else if (k == "results") {
      r.each(x, k, [&](std::string n, const json::value& y, const std::string& at) { r.outcome(y, s.results[n], at); });
    } else if (k == "effects") {
      r.each(x, k, [&](std::string n, const json::value& y, const std::string&) { s.effects[n] = y; });
    } else if (k == "timers" || k == "retry_at" || k == "attempts") {
      auto& m = k == "timers" ? s.timers : k == "retry_at" ? s.retry_at : s.attempts;
      r.each(x, k, [&](std::string n, const json::value& y, const std::string& at) { r.integer(y, m[n], at); });
    } else if (k == "comp") {
      if (!x.is_array()) {
        r.fail("`comp` must be a list");
        break;
      }
      for (size_t i = 0; i < x.get_array().size() && r.ok(); ++i)
        r.compensation(x.get_array()[i], s.comp.emplace_back(), "comp[" + std::to_string(i) + "]");
    } else if (k == "slot") {
      r.text(x, s.slot.emplace(), k);
    } else if (k == "slot_limit") {
      r.integer(x, s.slot_limit, k);
    } else if (k == "queued") {
      auto* q = r.object(x, k);
      if (!q) break;
      QueuedSlot qs;
      auto* slot = q->if_contains("slot");
      auto* limit = q->if_contains("limit");
      if (!slot || !limit) r.fail("`queued` needs slot and limit");
      else if (r.text(*slot, qs.slot, "queued.slot") && r.integer(*limit, qs.limit, "queued.limit")) s.queued = qs;
    } else if (k == "suspended") {
      if (!x.is_bool()) r.fail("`suspended` must be a bool");
      else s.suspended = x.get_bool();
    } else if (k == "children") {
      r.each(x, k, [&](std::string n, const json::value& y, const std::string& at) { r.text(y, s.children[n], at); });
    } else if (k == "consumed") {
      r.each(x, k, [&](std::string n, const json::value&, const std::string& at) {
        char* end = nullptr;
        uint64_t seq = std::strtoull(n.c_str(), &end, 10);
        if (n.empty() || *end) r.fail("`" + at + "`: not a signal number");
        else s.consumed.insert(seq);
      });
    } else if (k == "deadline") {
      r.integer(x, s.deadline.emplace(), k);
    } else if (k == "started_at") {
      r.integer(x, s.started_at.emplace(), k);
    } else if (k == "replays") {
      r.integer(x, s.replays, k);
    } else if (k == "requests") {
      r.each(x, k, [&](std::string n, const json::value& y, const std::string& at) {
        auto* q = r.object(y, at);
        auto* hash = q ? q->if_contains("hash") : nullptr;
        auto* key = q ? q->if_contains("key") : nullptr;
        if (q && (!hash || !key)) r.fail("`" + at + "` needs hash and key");
        else if (q) r.text(*hash, s.requests[n].hash, at + ".hash") && r.text(*key, s.requests[n].key, at + ".key");
      });
    } else {
      r.fail("unknown field `" + k + "`");
    }
  }
  if (!r.ok()) return std::nullopt;
  return s;
}

std::optional<ExecutionState> parse_snapshot(std::string_view text, std::string_view execution_id, std::string& error) {
  if (text.empty()) return ExecutionState{};
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  std::string id(execution_id);
  if (ec) {
    error = "execution " + id + ": its snapshot is not JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  int64_t format = 1;
  if (auto* f = v.is_object() ? v.get_object().if_contains("format") : nullptr) {
    if (!f->is_int64()) {
      error = "execution " + id + ": its snapshot format is not a number";
      return std::nullopt;
    }
    format = f->get_int64();
  }
  if (format > kStateFormat || format < 1) {
    error = "execution " + id + ": snapshot format " + std::to_string(format) + " is " +
            (format > kStateFormat ? "newer than" : "not one") + " this weft reads (up to " +
            std::to_string(kStateFormat) + "); run it with a newer weft";
    return std::nullopt;
  }
  std::string why;
  auto s = from_json(v, &why);
  if (!s) error = "execution " + id + ": snapshot (format " + std::to_string(format) + ") is malformed: " + why;
  return s;
}

}  // namespace weft::runtime
