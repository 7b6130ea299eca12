#include "server/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace weft::server {

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {  // the shortest text that reads back as v
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string_view kind_name(Metrics::Kind k) {
  switch (k) {
    case Metrics::Kind::counter: return "counter";
    case Metrics::Kind::gauge: return "gauge";
    case Metrics::Kind::histogram: return "histogram";
  }
  return "untyped";
}

/// Labels text with one more pair appended (histogram `le`).
std::string with_le(const std::string& labels, const std::string& le) {
  std::string pair = "le=\"" + le + "\"";
  if (labels.empty()) return "{" + pair + "}";
  return labels.substr(0, labels.size() - 1) + "," + pair + "}";
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  return out + "}";
}

void Metrics::describe(std::string name, Kind kind, std::string help, std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  if (families_.count(name)) return;
  order_.push_back(name);
  Family f;
  f.kind = kind;
  f.help = std::move(help);
  f.buckets = std::move(buckets);
  families_.emplace(std::move(name), std::move(f));
}

Metrics::Series* Metrics::series(std::string_view name, const Labels& labels, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end() || it->second.kind != kind) return nullptr;
  Series& s = it->second.series[render_labels(labels)];
  if (kind == Kind::histogram && s.hits.empty()) s.hits.assign(it->second.buckets.size(), 0);
  return &s;
}

void Metrics::inc(std::string_view name, const Labels& labels, double by) {
  std::lock_guard lock(mu_);
  if (auto* s = series(name, labels, Kind::counter); s && by >= 0) s->value += by;
}

void Metrics::set(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  if (auto* s = series(name, labels, Kind::gauge)) s->value = value;
}

void Metrics::observe(std::string_view name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  auto* s = series(name, labels, Kind::histogram);
  if (!s) return;
  const auto& b = families_.find(name)->second.buckets;
  for (size_t i = 0; i < b.size(); ++i)
    if (value <= b[i]) {
      ++s->hits[i];
      break;
    }
  ++s->count;
  s->value += value;
}

double Metrics::value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  auto s = it->second.series.find(render_labels(labels));
  return s == it->second.series.end() ? 0 : s->second.value;
}

void Metrics::on_collect(std::function<void(Metrics&)> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Metrics::render() {
  std::vector<std::function<void(Metrics&)>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c(*this);
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& name : order_) {
    const Family& f = families_.find(name)->second;
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + std::string(kind_name(f.kind)) + "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.kind != Kind::histogram) {
        out += name + labels + " " + number(s.value) + "\n";
        continue;
      }
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += s.hits[i];
        out += name + "_bucket" + with_le(labels, number(f.buckets[i])) + " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + with_le(labels, "+Inf") + " " + std::to_string(s.count) + "\n";
      out += name + "_sum" + labels + " " + number(s.value) + "\n";
      out += name + "_count" + labels + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace weft::server
