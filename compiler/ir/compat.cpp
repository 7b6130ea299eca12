#include "compiler/ir/compat.h"

#include <charconv>

namespace weft::ir {

std::string_view incompatibility_name(Incompatibility k) {
  switch (k) {
    case Incompatibility::None: return "none";
    case Incompatibility::Malformed: return "malformed";
    case Incompatibility::Unknown: return "unknown";
    case Incompatibility::Removed: return "removed";
    case Incompatibility::KindChanged: return "kind_changed";
    case Incompatibility::ConnectionChanged: return "connection_changed";
    case Incompatibility::MethodChanged: return "method_changed";
    case Incompatibility::ChildFlowChanged: return "child_flow_changed";
    case Incompatibility::SignalChanged: return "signal_changed";
    case Incompatibility::EventChanged: return "event_changed";
    case Incompatibility::TimerChanged: return "timer_changed";
    case Incompatibility::LoopChanged: return "loop_changed";
    case Incompatibility::BranchChanged: return "branch_changed";
    case Incompatibility::BranchRenamed: return "branch_renamed";
  }
  return "?";
}

std::optional<RecordedId> parse_recorded_id(std::string_view s) {
  size_t open = s.find('[');
  RecordedId r;
  r.id = std::string(s.substr(0, open));
  if (r.id.empty()) return std::nullopt;
  while (open != std::string_view::npos && open < s.size()) {
    if (s[open] != '[') return std::nullopt;
    size_t close = s.find(']', open);
    if (close == std::string_view::npos || close == open + 1) return std::nullopt;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data() + open + 1, s.data() + close, v);
    if (ec != std::errc() || p != s.data() + close) return std::nullopt;
    r.indices.push_back(v);
    open = close + 1;
  }
  return r;
}

namespace {

/// A region step as compared across versions: owner ids may legitimately change when code is
/// inserted before the owner, so only the owner's kind and the region label count.
struct Place {
  NodeKind kind;
  std::string region;
};

std::vector<Place> places(const FlowIndex& ix, const std::string& id) {
  std::vector<Place> out;
  for (const auto& r : ix.context(id))
    if (!(r.owner_kind == NodeKind::Try && r.region == "body")) out.push_back({r.owner_kind, r.region});
  return out;
}

std::string describe(const std::vector<Place>& ps) {
  if (ps.empty()) return "the top level";
  std::string s;
  for (const auto& p : ps) {
    if (!s.empty()) s += " > ";
    switch (p.kind) {
      case NodeKind::Fork: s += "parallel branch `" + p.region + "`"; break;
      case NodeKind::Map: s += "a for loop"; break;
      case NodeKind::Try: s += "a catch handler (" + p.region + ")"; break;
      default: s += (p.region.rfind("case", 0) == 0 || p.region == "default" ? "switch " : "if ") + p.region; break;
    }
  }
  return s;
}

int loops(const std::vector<Place>& ps) {
  int n = 0;
  for (const auto& p : ps) n += p.kind == NodeKind::Map;
  return n;
}

std::string what(const Node& n) {
  std::string s = n.kind == NodeKind::Call || n.kind == NodeKind::ChildFlow ? "step" : std::string(kind_name(n.kind));
  return s + " `" + n.id + "`";
}

}  // namespace

CompatResult check_compatible(const Flow& old_flow, const Flow& new_flow, const std::vector<std::string>& completed) {
  FlowIndex old_ix(old_flow), new_ix(new_flow);
  for (const auto& rec : completed) {
    auto bad = [&](Incompatibility k, std::string msg) { return CompatResult{false, rec, k, std::move(msg)}; };
    auto parsed = parse_recorded_id(rec);
    if (!parsed) return bad(Incompatibility::Malformed, "`" + rec + "` is not a step id (expected `name` or `name[i]`)");
    const Node* o = old_ix.node(parsed->id);
    const Node* n = new_ix.node(parsed->id);
    if (!o) return bad(Incompatibility::Unknown, "`" + parsed->id + "` is not a step of the old version of flow `" + old_flow.name + "`");
    if (!n) return bad(Incompatibility::Removed, what(*o) + " was removed");
    if (o->kind != n->kind)
      return bad(Incompatibility::KindChanged, what(*o) + " was a " + std::string(kind_name(o->kind)) + ", is now a " +
                                                   std::string(kind_name(n->kind)));
    auto op = places(old_ix, o->id), np = places(new_ix, n->id);
    int nl = loops(np), ol = loops(op);
    if (static_cast<size_t>(nl) != parsed->indices.size() || nl != ol) {
      std::string where = nl > ol ? "moved into a loop" : nl < ol ? "moved out of a loop" : "moved to another loop";
      if (nl == ol && nl != static_cast<int>(parsed->indices.size()))
        where = "is recorded with " + std::to_string(parsed->indices.size()) + " loop index(es) but sits in " +
                std::to_string(nl) + " loop(s)";
      return bad(Incompatibility::LoopChanged, what(*o) + " " + where);
    }
    if (op.size() != np.size()) {
      return bad(Incompatibility::BranchChanged,
                 what(*o) + " moved from " + describe(op) + " to " + describe(np));
    }
    for (size_t i = 0; i < op.size(); ++i) {
      if (op[i].kind == np[i].kind && op[i].region == np[i].region) continue;
      if (op[i].kind == NodeKind::Map || np[i].kind == NodeKind::Map)
        return bad(Incompatibility::LoopChanged, what(*o) + " moved to another loop");
      if (op[i].kind == NodeKind::Fork && np[i].kind == NodeKind::Fork)
        return bad(Incompatibility::BranchRenamed,
                   what(*o) + ": parallel branch `" + op[i].region + "` was renamed to `" + np[i].region + "`");
      return bad(Incompatibility::BranchChanged, what(*o) + " moved from " + describe(op) + " to " + describe(np));
    }
    switch (o->kind) {
      case NodeKind::Call:
        if (o->action.connection != n->action.connection)
          return bad(Incompatibility::ConnectionChanged, what(*o) + " called connection `" + o->action.connection +
                                                             "`, now calls `" + n->action.connection + "`");
        if (o->action.method != n->action.method)
          return bad(Incompatibility::MethodChanged,
                     what(*o) + " was a " + o->action.method + " call, is now a " + n->action.method + " call");
        break;
      case NodeKind::ChildFlow:
        if (o->action.flow != n->action.flow)
          return bad(Incompatibility::ChildFlowChanged,
                     what(*o) + " ran flow `" + o->action.flow + "`, now runs `" + n->action.flow + "`");
        break;
      case NodeKind::WaitSignal:
        if (o->name != n->name)
          return bad(Incompatibility::SignalChanged,
                     what(*o) + " waited for signal \"" + o->name + "\", now waits for \"" + n->name + "\"");
        break;
      case NodeKind::Emit:
        if (o->name != n->name)
          return bad(Incompatibility::EventChanged,
                     what(*o) + " emitted \"" + o->name + "\", now emits \"" + n->name + "\"");
        break;
      case NodeKind::Timer:
        if (o->until != n->until)
          return bad(Incompatibility::TimerChanged,
                     what(*o) + std::string(o->until ? " waited until a time, now waits a duration"
                                                     : " waited a duration, now waits until a time"));
        break;
      default:
        break;
    }
  }
  return {};
}

}  // namespace weft::ir
