#include "compiler/ir/draw.h"

#include <algorithm>
#include <functional>
#include <map>
#include <iterator>
#include <set>
#include <utility>

#include <boost/json.hpp>

#include "compiler/ir/dump.h"

namespace weft::ir {

namespace {

enum class Shape { Box, Rounded, Diamond, Circle, DoubleCircle, Octagon, Hexagon, Bar, Note, Parallelogram };
enum class Style { Normal, Catch, Compensate, Timeout, Loop };

struct Vertex {
  std::string name;   ///< graph-local identifier (n0, start, ...)
  std::string step;   ///< the IR node id ("" for start, end, failed and undo vertices)
  std::string label;  ///< lines separated by '\n'
  Shape shape = Shape::Box;
  int cluster = -1;
};

struct GEdge {
  std::string from, to, label;
  Style style = Style::Normal;
};

struct Cluster {
  std::string label;
  int parent = -1;
};

std::string clip(std::string s, size_t max = 48) {
  if (s.size() <= max) return s;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return s.substr(0, cut) + "...";
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// Builds a renderer-neutral graph by walking the regions.
class Builder {
 public:
  explicit Builder(const Flow& f) : f_(f) {
    for (size_t i = 0; i < f.nodes.size(); ++i) names_[f.nodes[i].id] = "n" + std::to_string(i);
  }

  void build() {
    vertices_.push_back({"start", "", f_.name, Shape::Circle, -1});
    edge("start", target(f_.entry, "flow_end"));
    walk(f_.entry, "flow_end", -1);
    if (used_.count("flow_end")) vertices_.push_back({"flow_end", "", "end", Shape::DoubleCircle, -1});
    if (used_.count("flow_error")) vertices_.push_back({"flow_error", "", "failed", Shape::Octagon, -1});
  }

  std::vector<Vertex> vertices_;
  std::vector<GEdge> edges_;
  std::vector<Cluster> clusters_;

 private:
  struct TryFrame {
    const Node* node;
    std::string cont;
  };

  std::string target(const std::string& entry, const std::string& cont) const {
    return entry.empty() ? cont : names_.at(entry);
  }
  void edge(const std::string& from, const std::string& to, std::string label = {}, Style style = Style::Normal) {
    used_.insert(to);
    edges_.push_back({from, to, clip(std::move(label)), style});
  }
  int cluster(std::string label, int parent) {
    clusters_.push_back({clip(std::move(label), 60), parent});
    return static_cast<int>(clusters_.size()) - 1;
  }
  std::string slot(int s) const { return s >= 0 && s < static_cast<int>(f_.slots.size()) ? f_.slots[s].name : "?"; }
  std::string text(const ExprPtr& e) const { return clip(expr_label(e, f_.slots)); }

  std::string action_label(const Action& a) const {
    if (a.kind == Action::Kind::ChildFlow) return "run " + a.flow;
    return upper(a.method) + " " + a.connection;
  }

  Vertex vertex(const Node& n, int cl) const {
    Vertex v{names_.at(n.id), n.id, n.id, Shape::Box, cl};
    switch (n.kind) {
      case NodeKind::Call:
      case NodeKind::ChildFlow: v.label = n.id + "\n" + action_label(n.action); break;
      case NodeKind::Assign: v.label = "let " + slot(n.slot), v.shape = Shape::Parallelogram; break;
      case NodeKind::Choice: v.label = n.subject ? "switch " + text(n.subject) : "if", v.shape = Shape::Diamond; break;
      case NodeKind::Fork: v.label = "parallel", v.shape = Shape::Bar; break;
      case NodeKind::Join: v.label = "join", v.shape = Shape::Bar; break;
      case NodeKind::Map: v.label = "for each " + slot(n.item_slot) + " in " + text(n.value), v.shape = Shape::Hexagon; break;
      case NodeKind::Yield: v.label = "yield", v.shape = Shape::Rounded; break;
      case NodeKind::Timer:
        v.label = n.until ? "wait until " + text(n.value) : "wait " + duration_or_expr(n.value, f_.slots);
        v.shape = Shape::Rounded;
        break;
      case NodeKind::WaitSignal: v.label = "signal \"" + n.name + "\"", v.shape = Shape::Rounded; break;
      case NodeKind::Emit: v.label = "emit \"" + n.name + "\"", v.shape = Shape::Rounded; break;
      case NodeKind::Try: v.label = "try", v.shape = Shape::Rounded; break;
      case NodeKind::Succeed: v.label = "return", v.shape = Shape::DoubleCircle; break;
      case NodeKind::Fail: v.label = "fail " + text(n.value), v.shape = Shape::Octagon; break;
    }
    return v;
  }

  /// Where an error of `kind` raised here goes: the first catch that may take it, else failure.
  std::string error_target(const std::string& kind) {
    for (auto it = tries_.rbegin(); it != tries_.rend(); ++it)
      for (const auto& c : it->node->catches)
        if (c.kind.empty() || c.kind == kind) return target(c.entry, it->cont);
    return "flow_error";
  }

  void walk(const std::string& entry, const std::string& cont, int cl) {
    for (std::string id = entry; !id.empty();) {
      const Node* n = f_.find(id);
      if (!n) return;
      const std::string me = names_.at(n->id);
      auto jc = join_cluster_.find(n->id);
      vertices_.push_back(vertex(*n, jc == join_cluster_.end() ? cl : jc->second));
      std::string succ = target(n->next, cont);
      switch (n->kind) {
        case NodeKind::Choice: {
          auto labels = node_regions(*n);
          for (size_t i = 0; i < n->edges.size(); ++i) {
            const auto& e = n->edges[i];
            edge(me, target(e.target, succ), e.label.empty() ? labels[i].first : e.label);
            walk(e.target, succ, cl);
          }
          std::string other = n->subject ? "default" : "else";
          if (n->otherwise) {
            edge(me, target(*n->otherwise, succ), other);
            walk(*n->otherwise, succ, cl);
          } else {
            edge(me, succ, other);
          }
          break;
        }
        case NodeKind::Fork: {
          int outer = cluster("parallel", cl);
          vertices_.back().cluster = outer;
          join_cluster_[n->next] = outer;
          for (const auto& b : n->branches) {
            int inner = cluster("branch " + b.name, outer);
            edge(me, target(b.entry, succ), b.name);
            walk(b.entry, succ, inner);
          }
          break;
        }
        case NodeKind::Map: {
          int inner = cluster(n->concurrency ? "for (concurrency " + text(n->concurrency) + ")" : "for", cl);
          vertices_.back().cluster = inner;
          edge(me, target(n->body, me), "each", n->body.empty() ? Style::Loop : Style::Normal);
          loops_.push_back(me);
          walk(n->body, me, inner);
          loops_.pop_back();
          edge(me, succ, n->into_slot >= 0 ? "done: " + slot(n->into_slot) : "done");
          break;
        }
        case NodeKind::Try: {
          int body = cluster("try", cl);
          vertices_.back().cluster = body;
          edge(me, target(n->body, succ));
          tries_.push_back({n, succ});
          walk(n->body, succ, body);
          tries_.pop_back();
          for (size_t i = 0; i < n->catches.size(); ++i) {
            const auto& c = n->catches[i];
            std::string label = "catch" + (c.kind.empty() ? "" : " " + c.kind) + (c.slot >= 0 ? " as " + slot(c.slot) : "") +
                                (c.where ? " where " + text(c.where) : "");
            int handler = c.entry.empty() ? cl : cluster(label, cl);
            edge(me, target(c.entry, succ), label, Style::Catch);
            walk(c.entry, succ, handler);
          }
          break;
        }
        case NodeKind::Yield: edge(me, loops_.empty() ? cont : loops_.back(), "next", Style::Loop); break;
        case NodeKind::Succeed:
        case NodeKind::Fail: break;
        default:
          edge(me, succ);
          break;
      }
      if (n->kind == NodeKind::WaitSignal && n->timeout)
        edge(me, error_target("timeout"), "timeout " + duration_or_expr(n->timeout, f_.slots), Style::Timeout);
      if (n->compensate) {
        std::string cn = me + "_undo";
        vertices_.push_back({cn, "", "undo " + n->id + "\n" + action_label(*n->compensate), Shape::Note, cl});
        edge(me, cn, "compensate", Style::Compensate);
      }
      id = n->next;
    }
  }

  const Flow& f_;
  std::map<std::string, std::string> names_;
  std::set<std::string> used_;
  std::map<std::string, int> join_cluster_;
  std::vector<TryFrame> tries_;
  std::vector<std::string> loops_;  ///< vertices of the enclosing map nodes
};

std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

/// Per shape, in the order of `Shape`: its name in the JSON graph and its Graphviz attributes.
constexpr std::pair<std::string_view, std::string_view> kShapes[] = {
    {"box", "shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\""},
    {"rounded", "shape=box, style=rounded"},
    {"diamond", "shape=diamond"},
    {"circle", "shape=circle, style=filled, fillcolor=\"#cccccc\""},
    {"doublecircle", "shape=doublecircle"},
    {"octagon", "shape=octagon, color=\"#b00020\""},
    {"hexagon", "shape=hexagon"},
    {"bar", "shape=box, style=filled, fillcolor=black, fontcolor=white, height=0.2"},
    {"note", "shape=note, color=\"#d9534f\", fontcolor=\"#d9534f\""},
    {"parallelogram", "shape=parallelogram"},
};
static_assert(std::size(kShapes) == static_cast<size_t>(Shape::Parallelogram) + 1);

std::string dot_shape(Shape s) { return std::string(kShapes[static_cast<size_t>(s)].second); }

std::string dot_style(Style s) {
  switch (s) {
    case Style::Normal: return "";
    case Style::Catch: return ", style=dashed, color=\"#e67e22\"";
    case Style::Compensate: return ", style=dotted, color=\"#d9534f\", arrowhead=open";
    case Style::Timeout: return ", style=dashed, color=\"#8e44ad\"";
    case Style::Loop: return ", style=bold";
  }
  return "";
}

std::string mermaid_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') out += "#quot;";
    else if (c == '\n') out += "<br/>";
    else if (c == '<') out += "#lt;";
    else if (c == '>') out += "#gt;";
    else out += c;
  }
  return out;
}

std::string mermaid_node(const Vertex& v) {
  std::string l = "\"" + mermaid_escape(v.label) + "\"";
  switch (v.shape) {
    case Shape::Box: return v.name + "[" + l + "]";
    case Shape::Rounded: return v.name + "(" + l + ")";
    case Shape::Diamond: return v.name + "{" + l + "}";
    case Shape::Circle: return v.name + "((" + l + "))";
    case Shape::DoubleCircle: return v.name + "(((" + l + ")))";
    case Shape::Octagon: return v.name + "{{" + l + "}}";
    case Shape::Hexagon: return v.name + "{{" + l + "}}";
    case Shape::Bar: return v.name + "[[" + l + "]]";
    case Shape::Note: return v.name + ">" + l + "]";
    case Shape::Parallelogram: return v.name + "[/" + l + "/]";
  }
  return v.name;
}

std::string_view shape_name(Shape s) { return kShapes[static_cast<size_t>(s)].first; }

std::string_view style_name(Style s) {
  switch (s) {
    case Style::Normal: return "normal";
    case Style::Catch: return "catch";
    case Style::Compensate: return "compensate";
    case Style::Timeout: return "timeout";
    case Style::Loop: return "loop";
  }
  return "normal";
}

}  // namespace

boost::json::value to_graph_json(const Flow& f) {
  namespace json = boost::json;
  Builder b(f);
  b.build();
  json::array nodes, edges, clusters;
  for (const auto& v : b.vertices_)
    nodes.push_back(json::object{{"id", v.name},
                                 {"step", v.step.empty() ? json::value(nullptr) : json::value(v.step)},
                                 {"label", v.label},
                                 {"shape", shape_name(v.shape)},
                                 {"cluster", v.cluster}});
  for (const auto& e : b.edges_)
    edges.push_back(json::object{{"from", e.from}, {"to", e.to}, {"label", e.label}, {"style", style_name(e.style)}});
  for (const auto& c : b.clusters_) clusters.push_back(json::object{{"label", c.label}, {"parent", c.parent}});
  return json::object{{"flow", f.name}, {"nodes", std::move(nodes)}, {"edges", std::move(edges)}, {"clusters", std::move(clusters)}};
}

std::string to_dot(const Flow& f) {
  Builder b(f);
  b.build();
  std::string out = "digraph \"" + dot_escape(f.name) + "\" {\n";
  out += "  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=10];\n";
  std::vector<std::vector<int>> children(b.clusters_.size());
  std::vector<int> roots;
  for (size_t i = 0; i < b.clusters_.size(); ++i)
    (b.clusters_[i].parent < 0 ? roots : children[b.clusters_[i].parent]).push_back(static_cast<int>(i));
  auto vertices_in = [&](int cl, int depth) {
    std::string s;
    for (const auto& v : b.vertices_)
      if (v.cluster == cl)
        s += std::string(depth * 2, ' ') + v.name + " [label=\"" + dot_escape(v.label) + "\", " + dot_shape(v.shape) + "];\n";
    return s;
  };
  std::function<std::string(int, int)> cluster = [&](int cl, int depth) {
    std::string ind(depth * 2, ' ');
    std::string s = ind + "subgraph cluster_" + std::to_string(cl) + " {\n" + ind + "  label=\"" +
                    dot_escape(b.clusters_[cl].label) + "\"; style=\"rounded,dashed\"; color=\"#888888\";\n";
    s += vertices_in(cl, depth + 1);
    for (int c : children[cl]) s += cluster(c, depth + 1);
    return s + ind + "}\n";
  };
  out += vertices_in(-1, 1);
  for (int r : roots) out += cluster(r, 1);
  for (const auto& e : b.edges_) {
    out += "  " + e.from + " -> " + e.to;
    std::string attrs = e.label.empty() ? "" : "label=\"" + dot_escape(e.label) + "\"";
    std::string style = dot_style(e.style);
    if (attrs.empty() && !style.empty()) style = style.substr(2);
    if (!attrs.empty() || !style.empty()) out += " [" + attrs + style + "]";
    out += ";\n";
  }
  return out + "}\n";
}

std::string to_mermaid(const Flow& f) {
  Builder b(f);
  b.build();
  std::string out = "flowchart TD\n";
  std::vector<std::vector<int>> children(b.clusters_.size());
  std::vector<int> roots;
  for (size_t i = 0; i < b.clusters_.size(); ++i)
    (b.clusters_[i].parent < 0 ? roots : children[b.clusters_[i].parent]).push_back(static_cast<int>(i));
  auto vertices_in = [&](int cl, int depth) {
    std::string s;
    for (const auto& v : b.vertices_)
      if (v.cluster == cl) s += std::string(depth * 2, ' ') + mermaid_node(v) + "\n";
    return s;
  };
  std::function<std::string(int, int)> cluster = [&](int cl, int depth) {
    std::string ind(depth * 2, ' ');
    std::string s = ind + "subgraph c" + std::to_string(cl) + " [\"" + mermaid_escape(b.clusters_[cl].label) + "\"]\n";
    s += vertices_in(cl, depth + 1);
    for (int c : children[cl]) s += cluster(c, depth + 1);
    return s + ind + "end\n";
  };
  out += vertices_in(-1, 1);
  for (int r : roots) out += cluster(r, 1);
  std::string styles;
  for (size_t i = 0; i < b.edges_.size(); ++i) {
    const auto& e = b.edges_[i];
    bool dashed = e.style == Style::Catch || e.style == Style::Compensate || e.style == Style::Timeout;
    std::string arrow = dashed ? "-.->" : e.style == Style::Loop ? "==>" : "-->";
    out += "  " + e.from + " " + arrow + (e.label.empty() ? "" : "|\"" + mermaid_escape(e.label) + "\"|") + " " + e.to + "\n";
    if (e.style == Style::Compensate)
      styles += "  linkStyle " + std::to_string(i) + " stroke:#d9534f,stroke-dasharray:2 3\n";
    else if (e.style == Style::Catch)
      styles += "  linkStyle " + std::to_string(i) + " stroke:#e67e22\n";
    else if (e.style == Style::Timeout)
      styles += "  linkStyle " + std::to_string(i) + " stroke:#8e44ad\n";
  }
  return out + styles;
}

}  // namespace weft::ir
