// A forwarding ExecutionStore for the test runner: every call goes to the real (LMDB) store, and
// the asynchronous writes (create, transition, enqueue_signal) are counted while in flight, their
// callbacks delivered through the test's io_context. The runner knows the engine is quiescent —
// and may move the test clock — only when the io_context has nothing ready and no write is in
// flight.
#pragma once
#include <atomic>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "engine/store/execution_store.h"

namespace weft::testing {

/// The counting store (see the file comment).
class CountingStore final : public store::ExecutionStore {
 public:
  /// Wraps `inner`; callbacks of its asynchronous writes are posted to `io`.
  CountingStore(std::unique_ptr<store::ExecutionStore> inner, boost::asio::io_context& io)
      : inner_(std::move(inner)), io_(io) {}
  /// Asynchronous writes submitted whose callback has not run yet.
  int in_flight() const { return in_flight_.load(); }

  /// Forwarded; counted while in flight.
  void create(store::NewExecution e, CreateCallback done) override;
  /// Forwarded; counted while in flight.
  void transition(store::Transition t, Callback done) override;
  /// Forwarded; counted while in flight.
  void enqueue_signal(std::string_view execution_id, std::string_view name, boost::json::value payload,
                      Callback done) override;
  /// Forwarded to the wrapped store.
  int schema_version() override { return inner_->schema_version(); }
  /// Forwarded to the wrapped store.
  store::StoreStats stats() override { return inner_->stats(); }
  /// Forwarded to the wrapped store.
  store::Status backup(const std::string& dir) override { return inner_->backup(dir); }
  /// Forwarded to the wrapped store.
  store::Status delete_execution(std::string_view id) override { return inner_->delete_execution(id); }
  /// Forwarded to the wrapped store.
  store::StatusCount count_status(store::ExecutionStatus status, std::size_t limit) override {
    return inner_->count_status(status, limit);
  }
  /// Forwarded to the wrapped store.
  store::Status deploy(const std::vector<store::FlowDeployment>& flows) override { return inner_->deploy(flows); }
  /// Forwarded to the wrapped store.
  std::optional<std::string> get_version(std::string_view hash) override { return inner_->get_version(hash); }
  /// Forwarded to the wrapped store.
  std::vector<store::FlowInfo> list_flows() override { return inner_->list_flows(); }
  /// Forwarded to the wrapped store.
  std::optional<store::FlowInfo> get_flow(std::string_view name) override { return inner_->get_flow(name); }
  /// Forwarded to the wrapped store.
  store::Result<store::Created> create_sync(store::NewExecution e) override { return inner_->create_sync(std::move(e)); }
  /// Forwarded to the wrapped store.
  store::Status transition_sync(store::Transition t) override { return inner_->transition_sync(std::move(t)); }
  /// Forwarded to the wrapped store.
  std::optional<store::ExecutionRecord> get_execution(std::string_view id) override { return inner_->get_execution(id); }
  /// Forwarded to the wrapped store.
  std::optional<std::string> get_snapshot(std::string_view id) override { return inner_->get_snapshot(id); }
  /// Forwarded to the wrapped store.
  std::vector<store::HistoryEvent> history(std::string_view id, std::uint64_t from_seq = 1, std::size_t limit = 0) override { return inner_->history(id, from_seq, limit); }
  /// Forwarded to the wrapped store.
  store::Result<store::ExecutionPage> list_executions(const store::ExecutionQuery& q) override { return inner_->list_executions(q); }
  /// Forwarded to the wrapped store.
  store::Status update_timers(const std::vector<store::Timer>& add, const std::vector<store::TimerKey>& remove) override { return inner_->update_timers(add, remove); }
  /// Forwarded to the wrapped store.
  std::vector<store::Timer> due_timers(std::int64_t now_ms, std::size_t limit) override { return inner_->due_timers(now_ms, limit); }
  /// Forwarded to the wrapped store.
  std::optional<std::int64_t> next_timer_due(std::string_view skip_owner_prefix = {}) override {
    return inner_->next_timer_due(skip_owner_prefix);
  }
  /// Forwarded to the wrapped store.
  store::Status enqueue_signal_sync(std::string_view execution_id, std::string_view name, boost::json::value payload) override { return inner_->enqueue_signal_sync(execution_id, name, std::move(payload)); }
  /// Forwarded to the wrapped store.
  std::vector<store::Signal> pending_signals(std::string_view execution_id, std::size_t limit = 0) override { return inner_->pending_signals(execution_id, limit); }
  /// Forwarded to the wrapped store.
  store::Result<store::DedupClaim> claim_dedup(std::string_view key, std::string_view value, std::int64_t ttl_ms) override { return inner_->claim_dedup(key, value, ttl_ms); }
  /// Forwarded to the wrapped store.
  std::optional<std::string> get_dedup(std::string_view key) override { return inner_->get_dedup(key); }
  /// Forwarded to the wrapped store.
  store::Result<std::size_t> sweep_dedup(std::int64_t now_ms, std::size_t limit) override { return inner_->sweep_dedup(now_ms, limit); }
  /// Forwarded to the wrapped store.
  std::optional<std::string> get_cursor(std::string_view name) override { return inner_->get_cursor(name); }
  /// Forwarded to the wrapped store.
  store::Status put_cursor(std::string_view name, std::string_view value) override { return inner_->put_cursor(name, value); }
  /// Forwarded to the wrapped store.
  store::Status append_event(std::string_view type, boost::json::value data) override { return inner_->append_event(type, std::move(data)); }
  /// Forwarded to the wrapped store.
  std::vector<store::QueuedEvent> read_events(std::uint64_t after, std::size_t limit) override { return inner_->read_events(after, limit); }
  /// Forwarded to the wrapped store.
  store::Status trim_events(std::uint64_t upto) override { return inner_->trim_events(upto); }
  /// Forwarded to the wrapped store.
  store::Status put_secret(std::string_view name, std::string_view sealed) override { return inner_->put_secret(name, sealed); }
  /// Forwarded to the wrapped store.
  std::optional<std::string> get_secret(std::string_view name) override { return inner_->get_secret(name); }
  /// Forwarded to the wrapped store.
  store::Status delete_secret(std::string_view name) override { return inner_->delete_secret(name); }
  /// Forwarded to the wrapped store.
  std::vector<std::string> list_secrets() override { return inner_->list_secrets(); }
  /// Forwarded to the wrapped store.
  store::Status put_token(std::string_view hash, std::string_view record) override { return inner_->put_token(hash, record); }
  /// Forwarded to the wrapped store.
  std::optional<std::string> get_token(std::string_view hash) override { return inner_->get_token(hash); }
  /// Forwarded to the wrapped store.
  store::Status delete_token(std::string_view hash) override { return inner_->delete_token(hash); }
  /// Forwarded to the wrapped store.
  std::vector<store::Entry> list_tokens() override { return inner_->list_tokens(); }
  /// Forwarded to the wrapped store.
  store::Status acquire_lease(std::string_view execution_id, std::string_view owner, std::int64_t ttl_ms) override { return inner_->acquire_lease(execution_id, owner, ttl_ms); }
  /// Forwarded to the wrapped store.
  store::Status renew_lease(std::string_view execution_id, std::string_view owner, std::int64_t ttl_ms) override { return inner_->renew_lease(execution_id, owner, ttl_ms); }
  /// Forwarded to the wrapped store.
  store::Status release_lease(std::string_view execution_id, std::string_view owner) override { return inner_->release_lease(execution_id, owner); }
  /// Forwarded to the wrapped store.
  std::optional<store::Lease> get_lease(std::string_view execution_id) override { return inner_->get_lease(execution_id); }
  /// Forwarded to the wrapped store.
  store::Result<bool> acquire_slot(std::string_view slot, std::int64_t limit, std::string_view id) override {
    return inner_->acquire_slot(slot, limit, id);
  }
  /// Forwarded to the wrapped store.
  store::Status release_slot(std::string_view slot, std::string_view id) override {
    return inner_->release_slot(slot, id);
  }
  /// Forwarded to the wrapped store.
  store::Result<std::vector<std::string>> renew_leases(std::string_view owner, const std::vector<std::string>& ids,
                                                       std::int64_t ttl_ms) override {
    return inner_->renew_leases(owner, ids, ttl_ms);
  }
  /// Forwarded to the wrapped store.
  std::vector<std::string> claimable_executions(std::string_view owner, std::size_t limit) override { return inner_->claimable_executions(owner, limit); }

 private:
  std::unique_ptr<store::ExecutionStore> inner_;
  boost::asio::io_context& io_;
  std::atomic<int> in_flight_{0};
};

}  // namespace weft::testing
