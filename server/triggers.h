// The trigger manager: starts executions from the `on webhook`, `on schedule` and `on poll`
// triggers of the deployed flows (docs/design-language.md §5; behaviour in docs/triggers.md).
// `on event` triggers are dispatched by the engine itself (Engine::dispatch_events).
//
// - Webhooks: handle_webhook() answers `ANY /hooks/<path>`: route, method, `verify`, body parsing,
//   the `input` mapping, dedup by delivery id (Standard Webhooks' webhook-id becomes the
//   execution's idempotency key), then Engine::start; `respond: "async"` answers 202 once the start
//   is durable, `"sync"` waits for the end of the execution.
// - Schedules: the next fire time of each (flow, trigger) is a timer in the store's timer index,
//   owner `$schedule:<flow>:<n>`; firing starts an execution with the idempotency key
//   `schedule:<flow>:<n>:<fire ms>` and only then moves the timer, so a crash in between cannot
//   start it twice; after downtime a missed fire runs once.
// - Polls: the call runs on the module's connection every interval; each new item (by `key`,
//   remembered with ExecutionStore::claim_dedup) starts one execution whose idempotency key is that
//   key; the cursor is stored once every start is durable; failures back off.
//
// Threading: everything runs on the engine's io_context. handle_webhook() may be called from any
// thread (it posts); the other methods must be called on the io_context's thread.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>

#include "engine/runtime/engine.h"
#include "server/http_message.h"
#include "stdlib/functions/cron.h"

namespace weft::server {

/// How the trigger manager behaves.
struct TriggerOptions {
  /// How long a `respond: "sync"` webhook waits for the execution's end before answering 504.
  int64_t sync_timeout_ms = 30000;
  /// How long a webhook delivery id (Standard Webhooks' webhook-id) is remembered.
  int64_t webhook_dedup_ttl_ms = int64_t(7) * 24 * 3600 * 1000;
  /// How long a polled item's key is remembered (items older than that may start again).
  int64_t poll_dedup_ttl_ms = int64_t(400) * 24 * 3600 * 1000;
  /// Longest wait between polls of a failing source (the wait doubles from the interval up to it).
  int64_t poll_max_backoff_ms = 30 * 60 * 1000;
  /// Shortest poll interval accepted (smaller `every` values are raised to it).
  int64_t poll_min_interval_ms = 1000;
  /// Wait before retrying a schedule whose execution could not be started.
  int64_t schedule_retry_ms = 5000;
  /// Longest sleep between two looks at the clock (bounds the effect of a wall-clock jump).
  int64_t max_sleep_ms = 1000;
};

/// A webhook route, as listed for the API and metrics.
struct WebhookRoute {
  std::string path;    ///< the trigger's path ("/crm/contacts"), served at /hooks/<path>
  std::string flow;    ///< the flow it starts
  std::string method;  ///< the accepted method ("POST" unless the trigger says otherwise)
};

/// A cron schedule in a time zone, as the trigger manager evaluates it.
class CronTrigger {
 public:
  /// Parses `expr` for `timezone` ("" = UTC); nullopt with `error` set when either is invalid.
  static std::optional<CronTrigger> make(const std::string& expr, const std::string& timezone, std::string& error);
  /// The first fire time strictly after `after_ms` (ms since the epoch); nullopt past year 9999.
  std::optional<int64_t> next_after(int64_t after_ms) const;
  /// The next fire time once a fire due at `due_ms` ran at `now_ms`: the first slot after both,
  /// so missed slots are skipped (a missed fire runs once, not once per missed slot).
  std::optional<int64_t> next_after_fire(int64_t due_ms, int64_t now_ms) const;
  /// The expression as given.
  const std::string& expr() const { return expr_; }
  /// The IANA zone name ("UTC" by default).
  const std::string& timezone() const { return zone_name_; }

 private:
  /// Built by make().
  CronTrigger(functions::CronSchedule cron, std::shared_ptr<const functions::TimeZone> zone, std::string expr,
              std::string zone_name);
  functions::CronSchedule cron_;                     ///< the parsed expression
  std::shared_ptr<const functions::TimeZone> zone_;  ///< the zone it is evaluated in
  std::string expr_;                                 ///< the expression as given
  std::string zone_name_;                            ///< the zone's name
};

/// The trigger manager over one engine (which must outlive it).
class TriggerManager {
 public:
  /// A manager for `engine`; nothing happens before deployed().
  explicit TriggerManager(runtime::Engine& engine, TriggerOptions options = {});
  ~TriggerManager();
  TriggerManager(const TriggerManager&) = delete;
  TriggerManager& operator=(const TriggerManager&) = delete;

  /// Rebuilds the routes, schedules and polls from the flows deployed in the store. Call once at
  /// start (after Engine::recover) and after every deploy. Schedules whose cron and time zone are
  /// unchanged keep their stored next fire; changed ones are replaced; removed ones are deleted.
  void deployed();

  /// Answers a request for `/hooks/<path>` (the `/hooks` prefix of `req.path` is optional).
  /// `respond` is called exactly once, on the io_context's thread. Any thread may call this.
  void handle_webhook(const HttpRequest& req, Respond respond);

  /// Tells a waiting `respond: "sync"` webhook that its execution ended (wire it to
  /// EngineOptions::on_terminal for prompt answers; without it the manager polls the store).
  void execution_ended(const store::ExecutionRecord& rec);

  /// Stops the schedule and poll timers and answers waiting sync webhooks with 503.
  void stop();

  /// The webhook routes of the deployed flows, by path.
  std::vector<WebhookRoute> webhooks() const;

  /// The store's timer owner of a schedule trigger: `$schedule:<flow>:<n>` (n = trigger index).
  static std::string schedule_owner(const std::string& flow, size_t n);
  /// The store's cursor name of a poll trigger: `$poll:<flow>:<n>`.
  static std::string poll_cursor(const std::string& flow, size_t n);

 private:
  struct Route;     ///< a webhook trigger of a deployed flow
  struct Schedule;  ///< a schedule trigger and its stored next fire
  struct Poll;      ///< a poll trigger and its timing
  struct SyncWait;  ///< a `respond: "sync"` request waiting for its execution

  /// handle_webhook on the io thread: route, method, verify, body, input, then start.
  void serve_webhook(const HttpRequest& req, const Respond& respond);
  /// Starts the route's flow (deduplicated by `key`) and answers as the route's respond mode says.
  void start_from_webhook(const Route& route, boost::json::value input, std::optional<std::string> key,
                          const Respond& respond);
  /// Answers `respond` once execution `id` ends, or with 504 after the sync timeout.
  void wait_sync(const std::string& id, const Respond& respond);
  /// Looks at execution `id` for its waiting sync requests (reads its record unless it runs on
  /// this engine, whose end comes through execution_ended); re-arms their timers.
  void check_sync(const std::string& id);

  /// Makes the stored schedule timers match `next` (kept, replaced, added, removed).
  void sync_schedules(std::map<std::string, std::shared_ptr<Schedule>> next);
  /// Starts the execution of a due schedule, then moves its timer to the next fire.
  void fire(const std::shared_ptr<Schedule>& s);
  /// Sends a poll trigger's call.
  void run_poll(const std::shared_ptr<Poll>& p);
  /// Starts one execution per new item of a poll's response, then stores the cursor.
  void poll_answered(const std::shared_ptr<Poll>& p, const std::shared_ptr<runtime::LoadedFlow>& lf,
                     boost::json::value cursor, boost::json::value response);
  /// Logs a failed poll and backs off.
  void poll_failed(const std::shared_ptr<Poll>& p, const std::string& why);
  /// Sets the timer to the earliest schedule fire or poll (at most max_sleep_ms away).
  void arm();
  /// Fires what is due.
  void tick();

  runtime::Engine& engine_;                                       ///< the engine (outlives us)
  TriggerOptions opts_;                                           ///< options
  std::map<std::string, std::shared_ptr<Route>> routes_;         ///< webhook routes by path
  std::map<std::string, std::shared_ptr<Schedule>> schedules_;   ///< schedules by timer owner
  std::map<std::string, std::shared_ptr<Poll>> polls_;           ///< polls by cursor name
  std::map<std::string, std::vector<std::shared_ptr<SyncWait>>> sync_;  ///< sync requests by execution id
  boost::asio::steady_timer timer_;                               ///< wakes tick()
  bool stopped_ = false;                                          ///< stop() was called
  std::shared_ptr<bool> alive_;                                   ///< false once destroyed (for callbacks)
};

}  // namespace weft::server
