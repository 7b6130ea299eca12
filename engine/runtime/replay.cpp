#include "engine/runtime/replay.h"

#include <algorithm>
#include <set>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/ir/compat.h"
#include "compiler/ir/hash.h"
#include "engine/history/history.h"
#include "engine/runtime/engine.h"

namespace weft::runtime {
namespace json = boost::json;

namespace {

/// The node key an event recorded work for, or "" (SideEffectRecorded: its `<key>#<n>`).
std::string key_of_event(const store::HistoryEvent& e) {
  static const std::map<std::string, const char*, std::less<>> field = {
      {"StepScheduled", "step"},       {"StepRetrying", "step"},          {"StepCompleted", "step"},
      {"StepFailed", "step"},          {"TimerStarted", "timer"},         {"TimerFired", "timer"},
      {"SignalReceived", "node"},      {"SideEffectRecorded", "key"},     {"EventEmitted", "node"},
      {"ChildStarted", "step"},        {"CompensationStarted", "step"},   {"CompensationCompleted", "step"},
      {"CompensationFailed", "step"}};
  auto it = field.find(e.type);
  if (it == field.end() || !e.data.is_object()) return "";
  auto* v = e.data.get_object().if_contains(it->second);
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

/// The seq ranges EventsSuperseded events declared obsolete.
std::vector<std::pair<uint64_t, uint64_t>> superseded(const std::vector<store::HistoryEvent>& events) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& e : events)
    if (e.type == "EventsSuperseded")
      if (auto p = history::decode(e))
        if (auto* s = std::get_if<history::EventsSuperseded>(&*p)) out.emplace_back(s->from_seq, s->to_seq);
  return out;
}

bool in_ranges(const std::vector<std::pair<uint64_t, uint64_t>>& r, uint64_t seq) {
  return std::any_of(r.begin(), r.end(), [&](const auto& x) { return seq >= x.first && seq <= x.second; });
}

}  // namespace

std::string node_of_key(std::string_view key) {
  if (key.starts_with("compensate:")) key.remove_prefix(11);
  return std::string(key.substr(0, std::min(key.find('['), key.find('#'))));
}

ResetReport reset_failures(ExecutionState& s, const ir::FlowIndex& index, bool keep_slot) {
  ResetReport report;
  for (auto it = s.results.begin(); it != s.results.end();) {
    const ir::Node* n = index.node(node_of_key(it->first));
    bool step = n && (n->kind == ir::NodeKind::Call || n->kind == ir::NodeKind::ChildFlow);
    if (it->second.type == Outcome::Type::error && step && !it->first.starts_with("compensate:")) {
      report.failed.push_back(it->first);
      if (auto c = s.children.find(it->first); c != s.children.end()) report.children[it->first] = c->second;
      it = s.results.erase(it);
    } else {
      ++it;
    }
  }
  // A compensated step was undone: it runs again, with a new idempotency key.
  std::erase_if(s.comp, [&](const CompensationEntry& c) {
    auto undo = s.results.find("compensate:" + c.key);
    if (undo == s.results.end()) return false;
    report.compensated.push_back(c.key);
    s.results.erase(undo);
    s.results.erase(c.key);
    if (auto r = s.requests.find(c.key); r != s.requests.end()) r->second.hash.clear();
    return true;
  });
  std::erase_if(s.requests, [](const auto& r) { return r.first.starts_with("compensate:"); });
  s.attempts.clear();
  s.retry_at.clear();
  // Consumed deliveries left the store with the transition that consumed them, and the store
  // numbers the deliveries after a terminal status from 1 again: old numbers must not hide new ones.
  s.consumed.clear();
  s.suspended = false;
  s.deadline.reset();
  s.started_at.reset();
  if (!keep_slot) {
    s.slot.reset();
    s.slot_limit = 1;
    s.queued.reset();
  }
  return report;
}

std::optional<uint64_t> first_event_of(const std::vector<store::HistoryEvent>& events, const std::string& step) {
  auto gone = superseded(events);
  for (const auto& e : events) {
    if (in_ranges(gone, e.seq)) continue;
    std::string k = key_of_event(e);
    if (k.starts_with("compensate:")) continue;
    if (e.type == "SideEffectRecorded") k = k.substr(0, k.find('#'));
    if (k == step || (k.starts_with(step) && k.size() > step.size() && k[step.size()] == '[')) return e.seq;
  }
  return std::nullopt;
}

void rewind(ExecutionState& s, const std::vector<store::HistoryEvent>& events, uint64_t from_seq) {
  for (const auto& e : events) {
    if (e.seq < from_seq) continue;
    std::string k = key_of_event(e);
    if (k.empty()) continue;
    if (e.type == "SideEffectRecorded") {
      s.effects.erase(k);
      continue;
    }
    if (e.type.starts_with("Compensation")) {
      s.results.erase("compensate:" + k);
      continue;
    }
    s.results.erase(k);
    s.timers.erase(k);
    s.children.erase(k);
    std::erase_if(s.comp, [&](const CompensationEntry& c) { return c.key == k; });
  }
}

std::vector<std::string> completed_keys(const ExecutionState& s, const std::vector<store::HistoryEvent>& events) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : events) {
    if (e.type == "SideEffectRecorded" || e.type.starts_with("Compensation")) continue;
    std::string k = key_of_event(e);
    if (k.empty() || !s.results.count(k) || !seen.insert(k).second) continue;
    out.push_back(k);
  }
  return out;
}

std::vector<store::ExecutionRecord> replay_candidates(store::ExecutionStore& store, const std::string& flow,
                                                      store::ExecutionStatus status, std::optional<int64_t> since_ms,
                                                      size_t limit, std::string& error) {
  using S = store::ExecutionStatus;
  std::vector<store::ExecutionRecord> out;
  if (status != S::failed && status != S::cancelled && status != S::paused) {
    error = "only failed, cancelled or paused executions can be replayed, not " + std::string(store::status_name(status));
    return out;
  }
  store::ExecutionQuery q;
  q.flow = flow;
  q.status = status;
  q.since_ms = since_ms;
  q.limit = 1000;
  for (;;) {
    auto page = store.list_executions(q);
    if (!page.ok()) {
      error = page.status().to_string();
      return {};
    }
    out.insert(out.end(), page->items.begin(), page->items.end());
    if (!page->next_cursor || out.size() >= limit) break;
    q.cursor = *page->next_cursor;
  }
  std::reverse(out.begin(), out.end());  // oldest first
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

std::string request_hash(const std::string& method, const std::string& url, const json::value& query,
                         const json::value& body) {
  json::array a{json::value(method), json::value(url), query, body};
  return ir::sha256_hex(json::serialize(a));
}

std::string idempotency_key(ExecutionState& s, const std::string& execution_id, const std::string& key,
                            const std::string& hash) {
  std::string base = execution_id + "/" + key;
  std::string chosen = base;
  if (auto it = s.requests.find(key); it != s.requests.end())
    chosen = it->second.hash == hash ? it->second.key : base + "#r" + std::to_string(s.replays);
  s.requests[key] = SentRequest{hash, chosen};
  return chosen;
}

// ------------------------------------------------------------------ Engine::replay

ReplayOutcome Engine::replay(const std::string& id, const ReplayRequest& req) {
  using P = ReplayProblem;
  auto refuse = [](P p, std::string m) { return ReplayOutcome{p, std::move(m), ""}; };
  auto rec = store_.get_execution(id);
  if (!rec) return refuse(P::not_found, "no execution `" + id + "`");
  using S = store::ExecutionStatus;
  if (rec->status == S::running || rec->status == S::completed)
    return refuse(P::conflict, "execution " + id + " is " + std::string(store::status_name(rec->status)) +
                                   "; only failed, cancelled or paused executions can be replayed");
  auto flow = version(rec->version, rec->flow);
  if (!flow) return refuse(P::store, "flow version " + rec->version + " of `" + rec->flow + "` is not available");
  std::string problem;
  auto parsed = parse_snapshot(store_.get_snapshot(id).value_or(""), id, problem);
  if (!parsed) return refuse(P::store, problem);
  ExecutionState state = std::move(*parsed);
  auto events = store_.history(id);

  std::vector<history::Payload> added;
  ResetReport reset = reset_failures(state, *flow->index, rec->status == S::paused);
  if (req.from) {
    if (!flow->index->node(*req.from))
      return refuse(P::invalid, "--from: flow `" + rec->flow + "` has no step `" + *req.from + "`");
    auto from_seq = first_event_of(events, *req.from);
    if (!from_seq) return refuse(P::invalid, "--from: step `" + *req.from + "` has not run in execution " + id);
    rewind(state, events, *from_seq);
    for (auto it = reset.children.begin(); it != reset.children.end();)  // rewound children start afresh
      it = state.children.count(it->first) ? std::next(it) : reset.children.erase(it);
    added.push_back(history::EventsSuperseded{*from_seq, rec->history_length});
  }
  for (const auto& [step, value] : req.set) {
    auto it = state.results.find(step);
    if (it == state.results.end() || it->second.type != Outcome::Type::value)
      return refuse(P::invalid, "--set: step `" + step + "` has no recorded result" +
                                    (req.from ? " before `" + *req.from + "`" : std::string()));
    it->second.value = value;
  }

  // --with: the compatibility check decides; nothing is written when it refuses.
  std::optional<store::FlowDeployment> dep;
  if (req.with) {
    const ir::Flow* nf = req.with->find_flow(rec->flow);
    if (!nf) return refuse(P::invalid, "--with: the module has no flow `" + rec->flow + "`");
    auto verdict = ir::check_compatible(*flow->flow, *nf, completed_keys(state, events));
    if (!verdict.ok)
      return refuse(P::incompatible, "--with: step `" + verdict.step + "`: " + verdict.message + " (" +
                                         std::string(ir::incompatibility_name(verdict.kind)) + ")");
    store::FlowDeployment d{rec->flow, "", ir::version_input(*req.with, *nf), false};
    d.hash = ir::sha256_hex(d.canonical_json);
    if (d.hash != rec->version) dep = std::move(d);
  }

  // Failed child flows are replayed in place (their completed steps are not called again); a
  // child that cannot be replayed is started afresh.
  for (const auto& [key, child] : reset.children) {
    ReplayRequest sub;
    sub.by = req.by;
    sub.reason = "parent " + id + " replayed";
    auto r = replay(child, sub);
    if (r.problem != P::none) {
      spdlog::warn("execution {}: child {} of step {} starts afresh: {}", id, child, key, r.message);
      state.children.erase(key);
    }
  }

  ++state.replays;
  std::string new_version = dep ? dep->hash : rec->version;
  history::ReplayRequested rr{req.by, req.reason, req.from, req.input, new_version, std::nullopt};
  if (!req.set.empty()) {
    json::object set;
    for (const auto& [k, v] : req.set) set[k] = v;
    rr.set = json::value(std::move(set));
  }
  added.push_back(rr);
  if (dep) {
    if (auto st = store_.deploy({*dep}); !st.ok()) return refuse(P::store, st.to_string());
    added.push_back(history::VersionChanged{rec->version, dep->hash});
  }
  store::Transition tr;
  tr.execution_id = id;
  tr.expected_length = rec->history_length;
  for (const auto& p : added) tr.events.push_back(history::to_event(p));
  tr.snapshot = json::serialize(to_json(state));
  tr.status = S::running;
  tr.error = json::value(nullptr);
  tr.output = json::value(nullptr);
  if (dep) tr.version = dep->hash;
  if (req.input) tr.input = *req.input;
  // Waits that were pending when it stopped wait on: their timers go back into the index.
  for (const auto& [k, due] : state.timers) tr.add_timers.push_back(store::Timer{store::TimerKey{due, id, k}, ""});
  if (auto st = store_.transition_sync(std::move(tr)); !st.ok())
    return refuse(st.code() == store::Errc::conflict ? P::conflict : P::store, st.to_string());
  for (const auto& t : state.timers) timer_added(t.second);
  refused_.erase(id);
  load(id);
  return ReplayOutcome{P::none, "", new_version};
}

}  // namespace weft::runtime
