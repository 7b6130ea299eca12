#include "server/retention.h"

#include <algorithm>
#include <chrono>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "compiler/ir/serialize.h"
#include "engine/eval/eval.h"
#include "stdlib/functions/functions.h"

namespace weft::server {
namespace json = boost::json;

std::optional<int64_t> parse_retention(std::string_view text) {
  if (text == "0") return 0;
  size_t i = 0;
  int64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (n > 1'000'000'000) return std::nullopt;
    n = n * 10 + (text[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = text.substr(i);
  int64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000
                  : unit == "d" ? 86'400'000 : 0;
  if (!scale) return std::nullopt;
  return n * scale;
}

namespace {

/// Deletes, up to `limit` in all, the executions with status `status` (and of `flow` when given)
/// created before `until_ms` for which `expired` holds; counts them per flow in `swept`.
std::size_t sweep_query(store::ExecutionStore& store, std::optional<std::string> flow, int64_t until_ms,
                        std::size_t limit, const std::function<bool(const store::ExecutionRecord&)>& expired,
                        std::map<std::string, std::size_t>* swept) {
  std::size_t deleted = 0;
  for (auto status : {store::ExecutionStatus::completed, store::ExecutionStatus::failed,
                      store::ExecutionStatus::cancelled}) {
    store::ExecutionQuery q;
    q.flow = flow;
    q.status = status;
    q.until_ms = until_ms;  // created before the cutoff: a necessary condition
    q.limit = 1000;
    while (deleted < limit) {
      auto page = store.list_executions(q);
      if (!page.ok()) break;
      for (const auto& r : page->items) {
        if (deleted >= limit) break;
        if (!expired(r) || !store.delete_execution(r.id).ok()) continue;
        ++deleted;
        if (swept) ++(*swept)[r.flow];
      }
      if (!page->next_cursor) break;
      q.cursor = *page->next_cursor;
    }
  }
  return deleted;
}

}  // namespace

std::size_t sweep_finished(store::ExecutionStore& store, int64_t cutoff_ms, std::size_t limit) {
  return sweep_query(store, std::nullopt, cutoff_ms, limit,
                     [&](const store::ExecutionRecord& r) { return r.updated_at_ms < cutoff_ms; }, nullptr);
}

RetentionPolicy::RetentionPolicy(store::ExecutionStore& store, int64_t default_ms)
    : store_(store), default_ms_(default_ms) {}

int64_t RetentionPolicy::of(const std::string& hash, const std::string& flow) {
  std::string k = hash + "/" + flow;
  if (auto it = cache_.find(k); it != cache_.end()) return it->second;
  int64_t ms = default_ms_;
  std::string error;
  auto text = store_.get_version(hash);
  auto mod = text ? ir::module_from_stored(*text, &error) : std::nullopt;
  const ir::Flow* f = mod ? mod->find_flow(flow) : nullptr;
  if (!text || !f) {
    spdlog::warn("retention: flow {} version {} cannot be read ({}); the default retention applies", flow, hash,
                 text ? (error.empty() ? "no such flow in it" : error) : "not stored");
  } else if (f->options.retention) {
    functions::SystemContext sys;
    eval::Env env;
    env.module = &*mod;
    env.fctx = &sys;
    eval::Frame frame;
    json::value v;
    try {
      v = eval::evaluate(*f->options.retention, frame, env);
    } catch (const std::exception& e) {
      v = json::string(e.what());
    }
    if (v.is_int64() && v.get_int64() >= 0) ms = v.get_int64();
    else if (v.is_uint64()) ms = static_cast<int64_t>(std::min<uint64_t>(v.get_uint64(), INT64_MAX));
    else
      spdlog::warn("retention: flow {} version {}: options.retention is not a duration ({}); the default applies",
                   flow, hash, json::serialize(v));
  }
  cache_[k] = ms;
  return ms;
}

std::size_t sweep_by_policy(store::ExecutionStore& store, RetentionPolicy& policy, int64_t now_ms, std::size_t limit,
                            std::map<std::string, std::size_t>* swept) {
  std::size_t deleted = 0;
  for (const auto& info : store.list_flows()) {
    if (deleted >= limit) break;
    // The shortest retention among the flow's versions bounds which executions can be expired.
    int64_t shortest = 0;
    for (const auto& v : info.versions)
      if (int64_t r = policy.of(v.hash, info.name); r > 0 && (shortest == 0 || r < shortest)) shortest = r;
    if (shortest == 0) continue;  // every version keeps its executions forever
    deleted += sweep_query(
        store, info.name, now_ms - shortest, limit - deleted,
        [&](const store::ExecutionRecord& r) {
          int64_t keep = policy.of(r.version, r.flow);
          return keep > 0 && r.updated_at_ms < now_ms - keep;
        },
        swept);
  }
  return deleted;
}

RetentionSweeper::RetentionSweeper(store::ExecutionStore& store, Metrics& metrics, int64_t retention_ms,
                                   int64_t interval_ms, std::function<int64_t()> clock)
    : store_(store), metrics_(metrics), policy_(store, retention_ms), interval_ms_(interval_ms),
      clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
}

RetentionSweeper::~RetentionSweeper() { stop(); }

void RetentionSweeper::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void RetentionSweeper::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::size_t n = 0;
    std::map<std::string, std::size_t> swept;
    try {
      n = sweep_by_policy(store_, policy_, clock_(), 10000, &swept);
    } catch (const std::exception& e) {
      spdlog::error("retention sweep: {}", e.what());
    }
    for (const auto& [flow, count] : swept) {
      metrics_.inc("weft_executions_swept_total", {{"flow", flow}}, static_cast<double>(count));
      spdlog::info("retention sweep: deleted {} finished execution(s) of flow {}", count, flow);
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(n >= 10000 ? 0 : interval_ms_), [this] { return stopping_; });
  }
}

}  // namespace weft::server
