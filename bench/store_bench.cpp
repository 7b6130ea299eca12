// store_bench: durable transitions per second through the execution store, fsync on.
// N concurrent executions ("submitters") each loop: submit a transition, wait until it is durable,
// submit the next — as the runtime does (one strand per execution). Callbacks hand the execution
// to a small worker pool (like the runtime's Asio threads) that prepares its next transition.
// Runs every concurrency level with group commit and with max_batch=1 (one transaction per batch).
//
//   store_bench [--seconds S] [--dir DIR] [--concurrency 1,64,1024] [--workers W] [--nosync]
//               [--pg postgres://...]   (the PostgreSQL store instead of LMDB; see bench/pg_bench.sh)
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <deque>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "bench/bench_util.h"
#include "engine/store/execution_store.h"
#include "engine/store/ids.h"
#include "engine/store/pg_store.h"

using namespace weft::store;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  double seconds = 3;
  std::string dir;
  std::vector<int> concurrency = {1, 64, 1024};
  int workers = 2;
  bool sync = true;
  std::string pg;  // a PostgreSQL URL: measure the PostgreSQL store
};

struct RunResult {
  double tps = 0;
  double seconds = 0;
  std::uint64_t transitions = 0;
  StoreStats stats;
};

// A queue of execution indexes ready for their next transition, drained by the worker pool.
class Ready {
 public:
  void push(std::size_t i) {
    {
      std::lock_guard lock(mu_);
      q_.push_back(i);
    }
    cv_.notify_one();
  }
  bool pop(std::size_t& i) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_ || !q_.empty(); });
    if (q_.empty()) return false;
    i = q_.front();
    q_.pop_front();
    return true;
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::size_t> q_;
  bool stop_ = false;
};

RunResult run(const Config& cfg, int concurrency, std::size_t max_batch, bool wal) {
  std::string dir = cfg.dir + "/run-" + std::to_string(concurrency) + "-" + std::to_string(max_batch) + (wal ? "-log" : "");
  std::filesystem::remove_all(dir);
  StoreOptions opts;
  opts.path = dir;
  opts.sync = cfg.sync;
  opts.max_batch = max_batch;
  opts.wal = wal;
  opts.initial_map_size = std::size_t{1} << 30;
  std::unique_ptr<Store> store_holder;
  Result<std::unique_ptr<ExecutionStore>> es_r = Status(Errc::closed, "");
  if (cfg.pg.empty()) {
    auto store_r = Store::open(opts);
    if (!store_r.ok()) {
      std::fprintf(stderr, "open: %s\n", store_r.status().to_string().c_str());
      std::exit(2);
    }
    store_holder = std::move(store_r.value());
    es_r = make_execution_store(*store_holder);
  } else {
    PgStoreOptions po;
    po.conninfo = cfg.pg;
    po.max_batch = std::min<std::size_t>(max_batch, PgStoreOptions{}.max_batch);
    es_r = open_pg_execution_store(po);
  }
  if (!es_r.ok()) {
    std::fprintf(stderr, "open: %s\n", es_r.status().to_string().c_str());
    std::exit(2);
  }
  auto& es = *es_r.value();
  es.deploy({{"bench", "h-bench", R"({"flow":"bench"})"}});

  struct Exec {
    std::string id;
    std::uint64_t length = 1;
  };
  std::vector<Exec> execs(concurrency);
  {
    // Set-up: all creates at once (group commit merges them).
    std::mutex mu;
    std::condition_variable cv;
    int created = 0;
    for (auto& e : execs) {
      NewExecution ne;
      ne.flow = "bench";
      ne.version = "h-bench";
      ne.input = json::object{{"customer", "c-123"}, {"amount", 42.5}};
      ne.id = new_id();
      e.id = ne.id;
      es.create(std::move(ne), [&](const Result<Created>& r) {
        if (!r.ok()) std::exit(2);
        std::lock_guard lock(mu);
        ++created;
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return created == concurrency; });
  }
  StoreStats before = es.stats();

  Ready ready;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> done{0};
  std::atomic<int> in_flight{0};
  std::mutex fin_mu;
  std::condition_variable fin_cv;

  auto submit = [&](std::size_t i) {
    auto& e = execs[i];
    Transition t;
    t.execution_id = e.id;
    t.expected_length = e.length;
    t.events = {{"StepCompleted",
                 {{"step", "call_crm"}, {"attempt", 1},
                  {"result", {{"status", 200}, {"body", {{"id", "c-123"}, {"ok", true}}}}}}}};
    t.snapshot = R"({"pc":"call_crm","vars":{"customer":"c-123","amount":42.5},"seq":)" +
                 std::to_string(e.length) + "}";
    t.current = "call_crm";
    es.transition(std::move(t), [&, i](const Status& st) {
      if (!st.ok()) {
        std::fprintf(stderr, "transition: %s\n", st.to_string().c_str());
        std::exit(2);
      }
      ++execs[i].length;
      ++done;
      if (!stopping) {
        ready.push(i);
      } else if (--in_flight == 0) {
        std::lock_guard lock(fin_mu);
        fin_cv.notify_all();
      }
    });
  };

  std::vector<std::thread> workers;
  for (int w = 0; w < cfg.workers; ++w)
    workers.emplace_back([&] {
      std::size_t i;
      while (ready.pop(i)) submit(i);
    });
  auto start = Clock::now();
  in_flight = concurrency;
  for (int i = 0; i < concurrency; ++i) ready.push(i);
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.seconds));
  // Stop: each chain ends at its next completion; the counters are read at the stop time.
  stopping = true;
  std::uint64_t counted = done.load();
  StoreStats after = es.stats();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::unique_lock lock(fin_mu);
    fin_cv.wait(lock, [&] { return in_flight.load() == 0; });
  }
  ready.stop();
  for (auto& w : workers) w.join();
  es_r.value().reset();
  store_holder.reset();
  std::filesystem::remove_all(dir);

  RunResult r;
  r.seconds = elapsed;
  r.transitions = counted;
  r.tps = counted / elapsed;
  r.stats.transactions = after.transactions - before.transactions;
  r.stats.batches = after.batches - before.batches;
  r.stats.largest_group = after.largest_group;
  return r;
}


}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return weft::bench::option_value("store_bench", i, argc, argv); };
    if (a == "--seconds") cfg.seconds = std::atof(next().c_str());
    else if (a == "--dir") cfg.dir = next();
    else if (a == "--concurrency") cfg.concurrency = weft::bench::parse_list(next());
    else if (a == "--workers") cfg.workers = std::atoi(next().c_str());
    else if (a == "--nosync") cfg.sync = false;
    else if (a == "--pg") cfg.pg = next();
    else {
      std::fprintf(stderr,
                   "usage: store_bench [--seconds S] [--dir DIR] [--concurrency 1,64,1024] "
                   "[--workers W] [--nosync] [--pg postgres://...]\n");
      return 2;
    }
  }
  cfg.dir = weft::bench::work_dir(cfg.dir, "weft_store_bench_");
  std::printf("store_bench (%s) on %s, fsync %s\n\n", cfg.pg.empty() ? "LMDB" : "PostgreSQL",
              weft::bench::machine_line().c_str(), cfg.sync ? "on" : "OFF");

  std::printf("| submitters | mode | transitions/s | txns/s | batches per txn | largest group |\n");
  std::printf("|---:|---|---:|---:|---:|---:|\n");
  // LMDB: group commit through the write-ahead log (the default), without it, and without either.
  struct Mode {
    const char* name;
    std::size_t max_batch;
    bool wal;
  };
  std::vector<Mode> modes = {{"log + group commit", 4096, true}, {"group commit", 4096, false}, {"max_batch=1", 1, false}};
  if (!cfg.pg.empty()) modes = {{"group commit", 4096, false}, {"max_batch=1", 1, false}};
  for (int c : cfg.concurrency) {
    for (const Mode& m : modes) {
      auto r = run(cfg, c, m.max_batch, m.wal);
      double per_txn = r.stats.transactions ? double(r.stats.batches) / r.stats.transactions : 0;
      std::printf("| %d | %s | %.0f | %.0f | %.1f | %llu |\n", c, m.name, r.tps,
                  r.stats.transactions / r.seconds, per_txn,
                  static_cast<unsigned long long>(r.stats.largest_group));
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(cfg.dir);
  return 0;
}
