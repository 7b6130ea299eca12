#include "engine/history/history.h"

#include <array>
#include <cstdio>
#include <map>
#include <type_traits>

#include <boost/describe/members.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include "stdlib/functions/civil.h"

namespace weft::history {
namespace json = boost::json;

namespace {

struct Entry {
  Kind kind;
  std::string_view name, summary;
};

constexpr std::array kRegistry{
#define WEFT_EVENT(name, summary) Entry{Kind::name, #name, summary},
#include "engine/history/events.def"
#undef WEFT_EVENT
};

constexpr std::array kKinds{
#define WEFT_EVENT(name, summary) Kind::name,
#include "engine/history/events.def"
#undef WEFT_EVENT
};

// The registry and Payload agree: alternative i is the struct named like Kind(i).
static_assert(std::variant_size_v<Payload> == kKinds.size(), "events.def and history::Payload differ");
#define WEFT_EVENT(name, summary)                                                                     \
  static_assert(std::is_same_v<std::variant_alternative_t<size_t(Kind::name), Payload>, name>,        \
                "history::Payload must list " #name " at its position in events.def");
#include "engine/history/events.def"
#undef WEFT_EVENT

// ---------------------------------------------------------------- one field to and from JSON

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

json::value field_to_json(const std::string& v) { return json::value(v); }
json::value field_to_json(int64_t v) { return json::value(v); }
json::value field_to_json(uint64_t v) { return json::value(v); }
json::value field_to_json(const json::value& v) { return v; }
json::value field_to_json(const errors::Error& v) { return errors::to_json(v); }

bool field_from_json(const json::value& v, std::string& out) {
  if (!v.is_string()) return false;
  out = std::string(v.get_string());
  return true;
}
bool field_from_json(const json::value& v, int64_t& out) {
  if (v.is_int64()) return out = v.get_int64(), true;
  if (v.is_uint64() && v.get_uint64() <= uint64_t(INT64_MAX)) return out = int64_t(v.get_uint64()), true;
  return false;
}
bool field_from_json(const json::value& v, uint64_t& out) {
  if (v.is_uint64()) return out = v.get_uint64(), true;
  if (v.is_int64() && v.get_int64() >= 0) return out = uint64_t(v.get_int64()), true;
  return false;
}
bool field_from_json(const json::value& v, json::value& out) {
  out = v;
  return true;
}
bool field_from_json(const json::value& v, errors::Error& out, std::string* problem) {
  auto e = errors::from_json(v, problem);
  if (e) out = std::move(*e);
  return e.has_value();
}

template <class T>
bool read_field(const json::value& v, T& out, std::string* problem) {
  if constexpr (std::is_same_v<T, errors::Error>) return field_from_json(v, out, problem);
  else return field_from_json(v, out);
}

template <class P>
json::object payload_to_json(const P& p) {
  json::object o;
  boost::mp11::mp_for_each<boost::describe::describe_members<P, boost::describe::mod_public>>([&](auto d) {
    const auto& f = p.*d.pointer;
    using F = std::decay_t<decltype(f)>;
    if constexpr (is_optional<F>::value) {
      if (f) o[d.name] = field_to_json(*f);
    } else {
      o[d.name] = field_to_json(f);
    }
  });
  return o;
}

template <class P>
std::optional<Payload> payload_from_json(const json::object& o, std::string* problem) {
  P p{};
  bool ok = true;
  boost::mp11::mp_for_each<boost::describe::describe_members<P, boost::describe::mod_public>>([&](auto d) {
    if (!ok) return;
    auto& f = p.*d.pointer;
    using F = std::decay_t<decltype(f)>;
    const json::value* v = o.if_contains(d.name);
    std::string why;
    if constexpr (is_optional<F>::value) {
      if (!v) return;
      typename F::value_type x{};
      ok = read_field(*v, x, &why);
      if (ok) f = std::move(x);
    } else if constexpr (std::is_same_v<F, json::value>) {
      if (v) f = *v;  // an absent value reads as null
      return;
    } else {
      if (!v) {
        ok = false;
        if (problem) *problem = std::string("missing field `") + d.name + "`";
        return;
      }
      ok = read_field(*v, f, &why);
    }
    if (!ok && problem) *problem = std::string("field `") + d.name + "`: " + (why.empty() ? "wrong type" : why);
  });
  if (!ok) return std::nullopt;
  return Payload(std::move(p));
}

std::string compact(const json::value& v, size_t max = 120) {
  std::string s = json::serialize(v);
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string time_text(int64_t ms) { return functions::format_rfc3339(ms); }

// The part of render_text after the kind: the event's subject first, then what matters.
struct Describe {
  std::string operator()(const ExecutionStarted& e) const { return e.flow + "  input " + compact(e.input); }
  std::string operator()(const ExecutionQueued& e) const {
    return "key " + compact(e.key) + "  limit " + std::to_string(e.limit);
  }
  std::string operator()(const ExecutionAdmitted& e) const {
    return "key " + compact(e.key) + "  limit " + std::to_string(e.limit);
  }
  std::string operator()(const StepScheduled& e) const {
    return e.step + "  attempt " + std::to_string(e.attempt) + "  " + e.method + " " + e.path;
  }
  std::string operator()(const StepRetrying& e) const {
    return e.step + "  attempt " + std::to_string(e.next_attempt) + " at " + time_text(e.next_at) + "  " +
           errors::to_text(e.error);
  }
  std::string operator()(const StepCompleted& e) const { return e.step + "  " + compact(e.result); }
  std::string operator()(const StepFailed& e) const {
    std::string s = e.step;
    if (e.error.attempt) s += "  attempt " + std::to_string(e.error.attempt);
    return s + "  " + errors::to_text(e.error);
  }
  std::string operator()(const TimerStarted& e) const {
    return e.timer + "  due " + time_text(e.due) + (e.signal ? "  signal " + *e.signal : "");
  }
  std::string operator()(const TimerFired& e) const { return e.timer + (e.signal ? "  signal " + *e.signal : ""); }
  std::string operator()(const SignalReceived& e) const {
    return e.node + "  signal " + e.signal + " #" + std::to_string(e.signal_seq) + "  " + compact(e.payload);
  }
  std::string operator()(const SideEffectRecorded& e) const { return e.key + "  " + compact(e.value); }
  std::string operator()(const EventEmitted& e) const { return e.node + "  " + e.event + "  " + compact(e.data); }
  std::string operator()(const ChildStarted& e) const { return e.step + "  " + e.flow + " " + e.child; }
  std::string operator()(const CompensationStarted& e) const { return e.step; }
  std::string operator()(const CompensationCompleted& e) const { return e.step + "  " + compact(e.result); }
  std::string operator()(const CompensationFailed& e) const { return e.step + "  " + errors::to_text(e.error); }
  std::string operator()(const ExecutionCompleted& e) const { return compact(e.output); }
  std::string operator()(const ExecutionFailed& e) const { return errors::to_text(e.error); }
  std::string operator()(const ExecutionCancelled& e) const { return errors::to_text(e.error); }
  std::string operator()(const ReplayRequested& e) const {
    std::string s = "by " + e.by + "  version " + e.version;
    if (e.from_step) s += "  from " + *e.from_step;
    if (e.input) s += "  input " + compact(*e.input);
    if (e.set) s += "  set " + compact(*e.set);
    if (e.reason) s += "  (" + *e.reason + ")";
    return s;
  }
  std::string operator()(const EventsSuperseded& e) const {
    return "events " + std::to_string(e.from_seq) + ".." + std::to_string(e.to_seq);
  }
  std::string operator()(const VersionChanged& e) const { return e.from + " -> " + e.to; }
  std::string operator()(const ExecutionPaused& e) const { return e.step + "  " + errors::to_text(e.error); }
};

}  // namespace

std::string_view to_string(Kind kind) { return kRegistry[size_t(kind)].name; }

std::optional<Kind> parse_kind(std::string_view type) {
  for (const auto& e : kRegistry)
    if (e.name == type) return e.kind;
  return std::nullopt;
}

std::string_view summary(Kind kind) { return kRegistry[size_t(kind)].summary; }

std::span<const Kind> all_kinds() { return kKinds; }

Kind kind_of(const Payload& p) { return static_cast<Kind>(p.index()); }

json::object to_json(const Payload& p) {
  return std::visit([](const auto& x) { return payload_to_json(x); }, p);
}

std::optional<Payload> from_json(Kind kind, const json::value& data, std::string* problem) {
  if (!data.is_object()) {
    if (problem) *problem = std::string(to_string(kind)) + ": the payload must be an object";
    return std::nullopt;
  }
  const json::object* o = &data.get_object();
  json::object renamed;
  if (kind == Kind::SignalReceived && !o->contains("signal_seq") && o->contains("seq")) {
    renamed = *o;  // written before the rename
    renamed["signal_seq"] = renamed["seq"];
    o = &renamed;
  }
  std::optional<Payload> out;
  std::string why;
  boost::mp11::mp_with_index<std::variant_size_v<Payload>>(size_t(kind), [&](auto i) {
    out = payload_from_json<std::variant_alternative_t<i, Payload>>(*o, &why);
  });
  if (!out && problem) *problem = std::string(to_string(kind)) + ": " + why;
  return out;
}

store::NewEvent to_event(const Payload& p) { return store::NewEvent{std::string(to_string(kind_of(p))), to_json(p)}; }

std::optional<Payload> decode(const store::HistoryEvent& e, std::string* problem) {
  auto kind = parse_kind(e.type);
  if (!kind) {
    if (problem) *problem = "unknown event type `" + e.type + "`";
    return std::nullopt;
  }
  return from_json(*kind, e.data, problem);
}

std::string render_text(const store::HistoryEvent& e) {
  std::string seq = std::to_string(e.seq);
  std::string line = std::string(seq.size() < 4 ? 4 - seq.size() : 0, ' ') + seq + "  " + time_text(e.at_ms) + "  " + e.type;
  auto p = decode(e);
  std::string rest = p ? std::visit(Describe{}, *p) : compact(e.data);
  if (!rest.empty()) line += "  " + rest;
  return line;
}

json::object render_json(const store::HistoryEvent& e) {
  json::object o{{"seq", e.seq}, {"at", time_text(e.at_ms)}, {"type", e.type}};
  if (auto p = decode(e)) {
    for (auto& [k, v] : to_json(*p)) o[k] = v;
  } else {
    o["data"] = e.data;
  }
  return o;
}

std::optional<store::HistoryEvent> from_rendered(const json::object& o) {
  auto* seq = o.if_contains("seq");
  auto* at = o.if_contains("at");
  auto* type = o.if_contains("type");
  if (!seq || !seq->is_number() || !at || !at->is_string() || !type || !type->is_string()) return std::nullopt;
  store::HistoryEvent e;
  e.seq = seq->to_number<uint64_t>();
  e.at_ms = functions::parse_rfc3339(at->get_string()).value_or(0);
  e.type = std::string(type->get_string());
  if (auto* d = o.if_contains("data"); d && !parse_kind(e.type)) {
    e.data = *d;
  } else {
    json::object data;
    for (const auto& [k, v] : o)
      if (k != "seq" && k != "at" && k != "type") data[k] = v;
    e.data = std::move(data);
  }
  return e;
}

std::string render_timeline(const std::vector<store::HistoryEvent>& events) {
  std::string out;
  int64_t start = events.empty() ? 0 : events.front().at_ms;
  std::map<std::string, int64_t> scheduled;  // step → when its last attempt was scheduled
  std::vector<std::pair<uint64_t, uint64_t>> superseded;
  for (const auto& e : events)
    if (auto p = decode(e))
      if (auto* s = std::get_if<EventsSuperseded>(&*p)) superseded.emplace_back(s->from_seq, s->to_seq);
  for (const auto& e : events) {
    bool old = false;
    for (auto [from, to] : superseded) old = old || (e.seq >= from && e.seq <= to);
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "+%.3fs", static_cast<double>(e.at_ms - start) / 1000.0);
    std::string line = std::string(old ? "~ " : "  ") + elapsed + " " + render_text(e);
    if (auto p = decode(e)) {
      if (auto* s = std::get_if<StepScheduled>(&*p)) scheduled[s->step] = e.at_ms;
      const std::string* step = nullptr;
      if (auto* c = std::get_if<StepCompleted>(&*p)) step = &c->step;
      if (auto* f = std::get_if<StepFailed>(&*p)) step = &f->step;
      if (step && scheduled.count(*step)) {
        char took[32];
        std::snprintf(took, sizeof took, "  (%.3fs)", static_cast<double>(e.at_ms - scheduled[*step]) / 1000.0);
        line += took;
      }
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace weft::history
