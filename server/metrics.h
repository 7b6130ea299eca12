// A metrics registry rendered in the Prometheus text exposition format (version 0.0.4):
// counters, gauges and histograms, each a family of series told apart by labels. Families are
// described once (name, kind, help, buckets); series appear on first use. Thread-safe.
#pragma once
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::server {

/// Label pairs of one series, in the order given.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// The registry.
class Metrics {
 public:
  /// What a family measures.
  enum class Kind { counter, gauge, histogram };

  /// Declares a family (before use); histograms take upper bounds in increasing order.
  void describe(std::string name, Kind kind, std::string help, std::vector<double> buckets = {});
  /// Adds `by` (≥ 0) to a counter series.
  void inc(std::string_view name, const Labels& labels = {}, double by = 1);
  /// Sets a gauge series.
  void set(std::string_view name, const Labels& labels, double value);
  /// Records one observation in a histogram series.
  void observe(std::string_view name, const Labels& labels, double value);
  /// The current value of a counter or gauge series (0 when absent); for tests.
  double value(std::string_view name, const Labels& labels = {}) const;
  /// Adds a function run at the start of every render() (outside the lock) to refresh gauges.
  void on_collect(std::function<void(Metrics&)> collect);
  /// The text exposition of every family, in declaration order.
  std::string render();

 private:
  struct Series {
    double value = 0;            // counter, gauge; histogram: sum
    uint64_t count = 0;          // histogram: observations
    std::vector<uint64_t> hits;  // histogram: per bucket (not cumulative)
  };
  struct Family {
    Kind kind = Kind::counter;
    std::string help;
    std::vector<double> buckets;
    std::map<std::string, Series> series;  // by rendered label text
  };
  Series* series(std::string_view name, const Labels& labels, Kind kind);

  mutable std::mutex mu_;
  std::vector<std::string> order_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void(Metrics&)>> collectors_;
};

/// `{a="x",b="y"}` with values escaped as the text format requires ("" for no labels).
std::string render_labels(const Labels& labels);

}  // namespace weft::server
