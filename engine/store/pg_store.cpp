#include "engine/store/pg_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>

#include "engine/store/group_commit.h"
#include "engine/store/ids.h"

namespace weft::store {
namespace {

namespace json = boost::json;

constexpr std::size_t kDefaultPage = 50;
constexpr std::size_t kMaxPage = 1000;
constexpr std::int64_t kMigrationLock = 0x7765667401;  // advisory lock keys ("weft" + n)
constexpr std::int64_t kEventsLock = 0x7765667402;

// The schema, one entry per version (index + 1). Applied in order, each in one transaction with
// its schema_version row. Text keys use the "C" collation so that they sort bytewise as in LMDB.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE versions (hash text COLLATE "C" PRIMARY KEY, body text NOT NULL);
CREATE TABLE flows (name text COLLATE "C" PRIMARY KEY, deployed text NOT NULL, deployed_at bigint NOT NULL);
CREATE TABLE flow_versions (name text COLLATE "C", at bigint, hash text COLLATE "C",
                            PRIMARY KEY (name, at, hash));
CREATE TABLE executions (id text COLLATE "C" PRIMARY KEY, flow text COLLATE "C" NOT NULL,
  version text NOT NULL, status bigint NOT NULL, input text NOT NULL, output text NOT NULL,
  error text NOT NULL, current text NOT NULL, parent text NOT NULL, created_at bigint NOT NULL,
  updated_at bigint NOT NULL, length bigint NOT NULL);
CREATE INDEX executions_by_status ON executions (status, id);
CREATE INDEX executions_by_flow ON executions (flow, id);
CREATE TABLE history (id text COLLATE "C", seq bigint, at bigint NOT NULL, type text NOT NULL,
                      data text NOT NULL, PRIMARY KEY (id, seq));
CREATE TABLE snapshots (id text COLLATE "C" PRIMARY KEY, body bytea NOT NULL);
CREATE TABLE timers (due bigint, owner text COLLATE "C", timer_id text COLLATE "C",
                     payload bytea NOT NULL, PRIMARY KEY (due, owner, timer_id));
CREATE INDEX timers_by_owner ON timers (owner);
CREATE TABLE signals (id text COLLATE "C", seq bigint, name text NOT NULL, payload text NOT NULL,
                      at bigint NOT NULL, PRIMARY KEY (id, seq));
CREATE TABLE leases (id text COLLATE "C" PRIMARY KEY, owner text NOT NULL, expires_at bigint NOT NULL);
CREATE TABLE dedup (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL, expires_at bigint NOT NULL);
CREATE INDEX dedup_by_expiry ON dedup (expires_at);
CREATE TABLE cursors (name text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE secrets (name text COLLATE "C" PRIMARY KEY, value bytea NOT NULL);
CREATE TABLE tokens (hash text COLLATE "C" PRIMARY KEY, record bytea NOT NULL);
CREATE TABLE events ("offset" bigint PRIMARY KEY, at bigint NOT NULL, type text NOT NULL,
                     data text NOT NULL);
)sql",
    // 2: flow concurrency slots held across nodes (one row per holder).
    R"sql(
CREATE TABLE slots (slot text COLLATE "C", id text COLLATE "C", PRIMARY KEY (slot, id));
CREATE INDEX slots_by_id ON slots (id);
)sql",
    // 3: the check of a pipelined write: a condition that does not hold fails the statement (and so
    // the group's transaction, before its COMMIT), which the node then runs again one job at a time.
    R"sql(
CREATE FUNCTION weft_expect(ok boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION 'a condition of a grouped write does not hold' USING ERRCODE = 'WF001';
  END IF;
  RETURN true;
END $$;
)sql",
};
constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);
static_assert(kMigrationCount == pg_schema_version);

// ---- libpq wrappers ----

// A failed statement: the server's SQLSTATE (or "" for a connection failure) and message.
struct PgError : std::runtime_error {
  PgError(std::string state, const std::string& msg) : std::runtime_error(msg), sqlstate(std::move(state)) {}
  std::string sqlstate;
  bool unique_violation() const { return sqlstate == "23505"; }
  bool retryable() const { return sqlstate == "40001" || sqlstate == "40P01"; }
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

// A query result in binary format.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  int size() const { return PQntuples(r_.get()); }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
  std::string str(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col));
  }
  std::int64_t i64(int row, int col) const {
    const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
    if (PQgetlength(r_.get(), row, col) != 8) throw StoreError("unexpected integer width from PostgreSQL");
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return static_cast<std::int64_t>(v);
  }
  json::value json_at(int row, int col, std::string_view what) const {
    json::error_code ec;
    auto v = json::parse(std::string_view(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col)), ec);
    if (ec) throw StoreError("corrupted " + std::string(what) + ": " + ec.message());
    return v;
  }
  long affected() const {
    const char* n = PQcmdTuples(r_.get());
    return *n ? std::atol(n) : 0;
  }

 private:
  std::unique_ptr<PGresult, ResultDeleter> r_;
};

// Statement parameters: text (format 0), bytes (bytea, binary format) or NULL.
class Params {
 public:
  Params& text(std::string_view v) { return add(std::string(v), 0, false); }
  Params& bytes(std::string_view v) { return add(std::string(v), 1, false); }
  Params& i64(std::int64_t v) { return add(std::to_string(v), 0, false); }
  Params& null() { return add({}, 0, true); }
  Params& jv(const json::value& v) { return add(json::serialize(v), 0, false); }

  int count() const { return static_cast<int>(values_.size()); }
  // Pointers into the stored values (valid while this object lives and is not changed).
  void bind(std::vector<const char*>& v, std::vector<int>& len, std::vector<int>& fmt) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      v.push_back(nulls_[i] ? nullptr : values_[i].c_str());
      len.push_back(static_cast<int>(values_[i].size()));
      fmt.push_back(formats_[i]);
    }
  }

 private:
  Params& add(std::string v, int format, bool is_null) {
    values_.push_back(std::move(v));
    formats_.push_back(format);
    nulls_.push_back(is_null);
    return *this;
  }
  std::deque<std::string> values_;  // stable addresses
  std::vector<int> formats_;
  std::vector<bool> nulls_;
};

struct Stmt;

// One connection.
class Conn {
 public:
  explicit Conn(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
    if (!c_ || PQstatus(c_) != CONNECTION_OK) {
      std::string msg = c_ ? PQerrorMessage(c_) : "out of memory";
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
      if (c_) PQfinish(c_);
      c_ = nullptr;
      throw PgError("", "cannot connect to PostgreSQL: " + msg);
    }
    exec("SET client_min_messages = warning");
  }
  ~Conn() {
    if (c_) PQfinish(c_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool healthy() const { return PQstatus(c_) == CONNECTION_OK; }
  bool in_transaction() const { return PQtransactionStatus(c_) != PQTRANS_IDLE; }

  // Runs one statement (several when there is no parameter); throws PgError on failure.
  Rows exec(const char* sql, const Params& p = Params()) {
    PGresult* r;
    if (p.count() == 0) {
      r = PQexecParams(c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 1);
    } else {
      std::vector<const char*> v;
      std::vector<int> len, fmt;
      p.bind(v, len, fmt);
      const std::string* name = prepare(sql, p.count());
      r = name ? PQexecPrepared(c_, name->c_str(), p.count(), v.data(), len.data(), fmt.data(), 1)
               : PQexecParams(c_, sql, p.count(), nullptr, v.data(), len.data(), fmt.data(), 1);
    }
    return Rows(check(r));
  }
  // The name `sql` is prepared under on this connection (prepared now when new), or null when too
  // many statements are prepared already; throws PgError when the server refuses it.
  const std::string* prepare(const char* sql, int nparams) {
    if (auto it = prepared_.find(sql); it != prepared_.end()) return &it->second;
    if (prepared_.size() >= kMaxPrepared) return nullptr;
    std::string name = "w" + std::to_string(next_name_++);
    check(PQprepare(c_, name.c_str(), sql, nparams, nullptr));
    return &prepared_.emplace(sql, std::move(name)).first->second;
  }

  // Throws the PgError of a failed result `r` (freeing it); returns it when it succeeded.
  PGresult* check(PGresult* r) {
    auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    auto e = error_of(r);
    PQclear(r);
    throw e;
  }

  // The error of a failed result (null: of the connection).
  PgError error_of(const PGresult* r) const {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return PgError(state ? state : "", "PostgreSQL: " + msg);
  }

  // Runs BEGIN, `stmts` and COMMIT in one pipeline (one round trip); throws PgError on the first
  // failed statement (nothing after it ran and the transaction is aborted: roll it back).
  // Statements are prepared once per connection and run by name afterwards.
  void pipeline(const std::vector<const Stmt*>& stmts);

  // True when a notification (LISTEN) arrived since the last call, or the connection broke;
  // reads only what the socket holds already (no round trip, never blocks).
  bool notified() {
    bool any = !PQconsumeInput(c_) || !healthy();
    while (PGnotify* n = PQnotifies(c_)) {
      any = true;
      PQfreemem(n);
    }
    return any;
  }

  // Several statements without parameters in one round trip.
  void exec_script(const char* sql) { PQclear(check(PQexec(c_, sql))); }

 private:
  static constexpr std::size_t kMaxPrepared = 512;  // statements prepared per connection, at most
  PGconn* c_ = nullptr;
  std::map<std::string, std::string> prepared_;  // sql → statement name
  std::uint64_t next_name_ = 0;
};

// One statement of a pipelined job.
struct Stmt {
  std::string sql;
  Params params;
};

// The pipelined form of a job: statements that do what its synchronous form does when its
// conditions hold, and fail (weft_expect, SQLSTATE WF001) when one does not. They go to the server
// with the rest of the group and the COMMIT in one round trip; when the group fails it is rolled
// back and run again job by job (the synchronous forms, which give each job its exact status).
struct Plan {
  std::vector<Stmt> stmts;
  std::function<void()> on_ok;

  Plan& add(std::string sql, Params p) {
    stmts.push_back(Stmt{std::move(sql), std::move(p)});
    return *this;
  }
};

// An operation run by the writer inside the group transaction: ok, or a status that undoes it;
// with a Plan when it can also run pipelined.
struct Job {
  std::function<Status(Conn&)> run;
  std::shared_ptr<Plan> plan;

  template <class F>
    requires std::is_invocable_r_v<Status, F&, Conn&>
  Job(F&& f, std::shared_ptr<Plan> p = nullptr) : run(std::forward<F>(f)), plan(std::move(p)) {}
};

void Conn::pipeline(const std::vector<const Stmt*>& stmts) {
  auto fail = [&](const PGresult* r) { return error_of(r); };
  if (!PQenterPipelineMode(c_)) throw fail(nullptr);
  // What was sent, in order: -1 BEGIN or COMMIT, -2 a Prepare of the statement that follows, i statement i.
  std::vector<int> sent;
  std::vector<std::pair<std::string, std::string>> preparing;  // sql, name
  std::map<std::string_view, std::string> pending;  // prepared earlier in this pipeline (views of stmts' sql)
  bool ok = PQsendQueryParams(c_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 1);
  sent.push_back(-1);
  std::vector<const char*> v;
  std::vector<int> len, fmt;
  for (std::size_t i = 0; ok && i < stmts.size(); ++i) {
    const Stmt& s = *stmts[i];
    std::string name;
    if (auto it = prepared_.find(s.sql); it != prepared_.end()) {
      name = it->second;
    } else if (auto p = pending.find(s.sql); p != pending.end()) {
      name = p->second;
    } else if (prepared_.size() + preparing.size() < kMaxPrepared) {
      name = "w" + std::to_string(next_name_++);
      ok = PQsendPrepare(c_, name.c_str(), s.sql.c_str(), s.params.count(), nullptr);
      sent.push_back(-2);
      preparing.emplace_back(s.sql, name);
      pending.emplace(s.sql, name);
    }
    v.clear(), len.clear(), fmt.clear();
    s.params.bind(v, len, fmt);
    ok = ok && (name.empty() ? PQsendQueryParams(c_, s.sql.c_str(), s.params.count(), nullptr, v.data(), len.data(),
                                                 fmt.data(), 1)
                             : PQsendQueryPrepared(c_, name.c_str(), s.params.count(), v.data(), len.data(),
                                                   fmt.data(), 1));
    sent.push_back(static_cast<int>(i));
  }
  ok = ok && PQsendQueryParams(c_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 1);
  sent.push_back(-1);
  ok = ok && PQpipelineSync(c_);
  if (!ok) {
    auto e = fail(nullptr);
    PQfinish(c_);  // a half-sent pipeline leaves nothing usable: the caller reconnects
    c_ = nullptr;
    throw e;
  }
  std::optional<PgError> error;
  std::size_t prepare_at = 0;
  for (int what : sent) {
    PGresult* r = PQgetResult(c_);
    while (PGresult* extra = PQgetResult(c_)) PQclear(extra);  // the NULL that ends each result
    auto st = PQresultStatus(r);
    bool good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!good && !error) error = fail(r);
    if (what == -2) {
      auto& [sql, name] = preparing[prepare_at++];
      if (good) prepared_.emplace(sql, name);
    }
    PQclear(r);
  }
  PGresult* sync = PQgetResult(c_);
  bool synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || !PQexitPipelineMode(c_)) {
    auto e = error ? *error : fail(nullptr);
    PQfinish(c_);
    c_ = nullptr;
    throw e;
  }
  if (error) throw *error;
}

struct Pending {
  Job job;
  std::function<void(const Status&)> done;
};

// ---- column lists and decoders ----

constexpr const char* kRecordCols =
    "id, flow, version, status, input, output, error, current, parent, created_at, updated_at, length";

// Statements shared by the synchronous and the pipelined forms of a job.
constexpr const char* kVersionExists = "SELECT 1 FROM versions WHERE hash = $1";
constexpr const char* kClaimDedup =
    "INSERT INTO dedup (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE "
    "SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at WHERE dedup.expires_at <= $4 RETURNING 1";
constexpr const char* kInsertExecution =
    "INSERT INTO executions (id, flow, version, status, input, output, error, current, parent, created_at, "
    "updated_at, length) VALUES ($1, $2, $3, $4, $5, 'null', 'null', '', $6, $7, $8, $9) ON CONFLICT DO NOTHING";
constexpr const char* kPutSnapshot =
    "INSERT INTO snapshots (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body";
constexpr const char* kPutTimer =
    "INSERT INTO timers (due, owner, timer_id, payload) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (due, owner, timer_id) DO UPDATE SET payload = EXCLUDED.payload";
constexpr const char* kDeleteTimer = "DELETE FROM timers WHERE due = $1 AND owner = $2 AND timer_id = $3";
constexpr const char* kPutLease =
    "INSERT INTO leases (id, owner, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE "
    "SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at";
constexpr const char* kEventsLockSql = "SELECT pg_advisory_xact_lock($1)";
constexpr const char* kAppendEvent =
    "INSERT INTO events (\"offset\", at, type, data) SELECT coalesce(max(\"offset\"), 0) + 1, $1, $2, $3 FROM events";


// Parameters of a statement built piece by piece: each call adds one and answers its "$n".
class Binder {
 public:
  std::string text(std::string_view v) { return next(params.text(v)); }
  std::string bytes(std::string_view v) { return next(params.bytes(v)); }
  std::string i64(std::int64_t v) { return next(params.i64(v)); }
  std::string jv(const json::value& v) { return next(params.jv(v)); }
  std::string null() { return next(params.null()); }
  std::string opt_text(const std::optional<std::string>& v) { return v ? text(*v) : null(); }
  std::string opt_json(const std::optional<json::value>& v) { return v ? jv(*v) : null(); }

  Params params;

 private:
  std::string next(Params&) { return "$" + std::to_string(++n_); }
  int n_ = 0;
};

// One INSERT of `events` into the history of `id`, numbered from `first_seq`.
std::pair<std::string, Params> history_insert(const std::string& id, std::uint64_t first_seq, std::int64_t at,
                                              const std::vector<const NewEvent*>& events) {
  std::string sql = "INSERT INTO history (id, seq, at, type, data) VALUES ";
  Params p;
  p.text(id).i64(at);
  for (std::size_t i = 0; i < events.size(); ++i) {
    int n = 3 + 3 * static_cast<int>(i);
    sql += (i ? ", ($1, $" : "($1, $") + std::to_string(n) + ", $2, $" + std::to_string(n + 1) + ", $" +
           std::to_string(n + 2) + ")";
    p.i64(static_cast<std::int64_t>(first_seq + i)).text(events[i]->type).jv(events[i]->data);
  }
  return {std::move(sql), std::move(p)};
}

ExecutionRecord decode_record(const Rows& r, int row) {
  ExecutionRecord e;
  e.id = r.str(row, 0);
  e.flow = r.str(row, 1);
  e.version = r.str(row, 2);
  auto s = r.i64(row, 3);
  if (s < 0 || s > static_cast<std::int64_t>(ExecutionStatus::paused))
    throw StoreError("corrupted execution record: " + e.id);
  e.status = static_cast<ExecutionStatus>(s);
  e.input = r.json_at(row, 4, "execution input");
  e.output = r.json_at(row, 5, "execution output");
  e.error = r.json_at(row, 6, "execution error");
  e.current = r.str(row, 7);
  e.parent_id = r.str(row, 8);
  e.created_at_ms = r.i64(row, 9);
  e.updated_at_ms = r.i64(row, 10);
  e.history_length = static_cast<std::uint64_t>(r.i64(row, 11));
  return e;
}

std::int64_t status_code(ExecutionStatus s) { return static_cast<std::int64_t>(s); }

Status conflict(std::string msg) { return Status(Errc::conflict, std::move(msg)); }

// A text[] literal of `ids` (each quoted).
std::string id_array(const std::vector<std::string>& ids) {
  std::string a = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    a += i ? ",\"" : "\"";
    for (char ch : ids[i]) {
      if (ch == '"' || ch == '\\') a += '\\';
      a += ch;
    }
    a += '"';
  }
  return a + "}";
}

// The contract's key limit (LMDB's): names and keys longer than WriteBatch::max_key_size are refused
// by every backend, so that data moves between them.
Status check_key(std::string_view k, std::string_view what) {
  if (k.empty()) return Status(Errc::invalid_argument, "empty " + std::string(what));
  if (k.size() > WriteBatch::max_key_size)
    return Status(Errc::invalid_argument, std::string(what) + " longer than " +
                                              std::to_string(WriteBatch::max_key_size) + " bytes");
  return {};
}

// ---- the store ----

class PgExecutionStore final : public ExecutionStore {
 public:
  PgExecutionStore(PgStoreOptions opts, ExecutionStoreOptions eopts)
      : opts_(std::move(opts)), eopts_(std::move(eopts)) {}

  ~PgExecutionStore() override { stop(); }

  // Connects the writer, migrates, starts the writer thread.
  Status start() {
    try {
      writer_conn_ = std::make_unique<Conn>(opts_.conninfo);
      if (auto st = migrate(*writer_conn_); !st.ok()) return st;
    } catch (const PgError& e) {
      return Status(Errc::io, e.what());
    }
    listen_flows();
    writer_ = std::thread([this] { writer_loop(); });
    writer_id_ = writer_.get_id();
    return {};
  }

  // ---- the flow cache ----
  // get_flow runs for every start; its answer is kept until a deployment changes the flows. Every
  // deploy sends NOTIFY weft_flows in its transaction; each node LISTENs on a connection of its own
  // and looks at what arrived (without a round trip) before answering from the cache. A database
  // without LISTEN/NOTIFY, or a broken listening connection, means no cache (a read every time).

  // Opens the listening connection (flows_mu_ held or not yet shared).
  void listen_flows() {
    try {
      auto c = std::make_unique<Conn>(opts_.conninfo);
      c->exec_script("LISTEN weft_flows");
      listener_ = std::move(c);
      notify_flows_ = true;
    } catch (const PgError&) {
      listener_.reset();
    }
  }

  // Drops the cache when a deployment was notified or the listener broke (reconnecting it then);
  // true when the cache may answer. flows_mu_ held.
  bool flows_cacheable() {
    if (listener_ && !listener_->notified()) return true;
    flow_cache_.clear();
    ++flows_gen_;
    if (listener_ && listener_->healthy()) return true;  // notified: the cache starts again empty
    listener_.reset();
    if (notify_flows_) listen_flows();
    return listener_ != nullptr;
  }

  std::int64_t now() const { return eopts_.clock ? eopts_.clock() : now_ms(); }

  Status migrate(Conn& c) {
    c.exec("CREATE TABLE IF NOT EXISTS schema_version (version bigint PRIMARY KEY, applied_at bigint NOT NULL)");
    c.exec("SELECT pg_advisory_lock($1)", Params().i64(kMigrationLock));
    Status result;
    try {
      auto rows = c.exec("SELECT coalesce(max(version), 0) FROM schema_version");
      std::int64_t v = rows.i64(0, 0);
      if (v > pg_schema_version) {
        result = Status(Errc::invalid_argument,
                        "the database has schema version " + std::to_string(v) +
                            "; this build reads version " + std::to_string(pg_schema_version));
      }
      for (std::int64_t next = v + 1; result.ok() && next <= pg_schema_version; ++next) {
        c.exec("BEGIN");
        try {
          c.exec_script(kMigrations[next - 1]);
          c.exec("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                 Params().i64(next).i64(now_ms()));
          c.exec("COMMIT");
        } catch (const PgError&) {
          c.exec_script("ROLLBACK");
          throw;
        }
      }
    } catch (const PgError& e) {
      result = Status(Errc::io, std::string("schema migration: ") + e.what());
    }
    c.exec("SELECT pg_advisory_unlock($1)", Params().i64(kMigrationLock));
    return result;
  }

  // ---- the writer (group commit) ----

  void submit(Job job, std::function<void(const Status&)> done) {
    Pending p{std::move(job), std::move(done)};
    if (queue_.push(std::move(p))) return;  // refused: p is still ours
    if (p.done) p.done(Status(Errc::closed, "the store is closed"));
  }

  Status run_sync(Job job) {
    if (std::this_thread::get_id() == writer_id_)
      return Status(Errc::invalid_argument, "a synchronous write called from a commit callback");
    std::promise<Status> promise;
    auto future = promise.get_future();
    submit(std::move(job), [&promise](const Status& s) { promise.set_value(s); });
    return future.get();
  }

  // Runs one job inside the open transaction; a PgError becomes a status.
  static Status run_job(Conn& c, Pending& p) {
    try {
      return p.job.run(c);
    } catch (const PgError& e) {
      if (e.unique_violation() || e.retryable()) return conflict(e.what());
      return Status(Errc::io, e.what());
    } catch (const StoreError& e) {
      return Status(Errc::io, e.what());
    }
  }

  // One transaction over `group`. First in one round trip when every job has a pipelined form
  // (run_pipelined), else job by job without savepoints: when every job succeeds that is the
  // commit. When one fails (a conflict, usually), everything is rolled back and the group runs
  // again job by job, each in a savepoint, so that the failed one is undone alone (jobs only read
  // their captured inputs, so running one twice is the same).
  std::vector<Status> run_group(std::vector<Pending*>& group) {
    std::vector<Status> results(group.size());
    Conn& c = *writer_conn_;
    bool several = group.size() > 1;
    bool pipelined = std::all_of(group.begin(), group.end(), [](Pending* p) { return p->job.plan != nullptr; });
    if (pipelined && run_pipelined(c, group)) return results;
    if (several && !pipelined) {
      c.exec("BEGIN");
      bool all_ok = true;
      for (std::size_t i = 0; i < group.size() && all_ok; ++i) all_ok = run_job(c, *group[i]).ok();
      if (all_ok) {
        c.exec("COMMIT");
        return results;
      }
      c.exec_script("ROLLBACK");
    }
    c.exec("BEGIN");
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (several) c.exec("SAVEPOINT job");
      results[i] = run_job(c, *group[i]);
      if (!results[i].ok()) {
        if (!several) {
          c.exec("ROLLBACK");
          return results;
        }
        c.exec("ROLLBACK TO SAVEPOINT job");
      }
      if (several) c.exec("RELEASE SAVEPOINT job");
    }
    c.exec("COMMIT");
    return results;
  }

  // The group and its commit in one round trip: true when it committed. False, with the
  // transaction rolled back, when a statement failed (a condition that does not hold, usually):
  // run_group then runs every job in its savepoint.
  static bool run_pipelined(Conn& c, std::vector<Pending*>& group) {
    std::vector<const Stmt*> all;
    for (auto* p : group)
      for (const auto& st : p->job.plan->stmts) all.push_back(&st);
    try {
      c.pipeline(all);
    } catch (const PgError&) {
      if (!c.healthy()) throw;
      if (c.in_transaction()) c.exec_script("ROLLBACK");
      return false;
    }
    for (auto* p : group)
      if (p->job.plan->on_ok) p->job.plan->on_ok();
    return true;
  }

  std::vector<Status> run_group_safely(std::vector<Pending*>& group) {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!writer_conn_ || !writer_conn_->healthy()) writer_conn_ = std::make_unique<Conn>(opts_.conninfo);
        auto results = run_group(group);
        ++n_txn_;
        return results;
      } catch (const PgError& e) {
        try {
          if (writer_conn_ && writer_conn_->healthy() && writer_conn_->in_transaction())
            writer_conn_->exec_script("ROLLBACK");
        } catch (const PgError&) {
          writer_conn_.reset();
        }
        // A whole-transaction failure (serialization, deadlock, lost connection): the transaction
        // did not commit, so running it again is safe. Do it a few times, then give up.
        if (attempt < 3 && (e.retryable() || !writer_conn_ || !writer_conn_->healthy())) continue;
        return std::vector<Status>(group.size(), Status(Errc::io, e.what()));
      }
    }
  }

  void writer_loop() {
    detail::GroupOptions run_opts;
    run_opts.linger = std::chrono::microseconds(opts_.group_linger_us);
    queue_.run(opts_.max_batch, counters_, [this](std::vector<Pending*>& group) { return run_group_safely(group); },
               run_opts);
  }

  void stop() {
    queue_.stop();
    if (writer_.joinable() && std::this_thread::get_id() != writer_id_) writer_.join();
    else if (writer_.joinable()) writer_.detach();
  }

  // ---- the read pool ----

  template <class Fn>
  auto read(Fn&& fn) {
    std::unique_ptr<Conn> c;
    {
      std::unique_lock lock(pool_mu_);
      pool_cv_.wait(lock, [&] { return !idle_.empty() || open_reads_ < std::max<std::size_t>(1, opts_.read_connections); });
      if (!idle_.empty()) {
        c = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_reads_;
      }
    }
    struct Return {
      PgExecutionStore& self;
      std::unique_ptr<Conn>& c;
      ~Return() {
        std::lock_guard lock(self.pool_mu_);
        if (c && c->healthy() && !c->in_transaction()) self.idle_.push_back(std::move(c));
        else --self.open_reads_;
        self.pool_cv_.notify_one();
      }
    } give_back{*this, c};
    try {
      if (!c) c = std::make_unique<Conn>(opts_.conninfo);
      return fn(*c);
    } catch (const PgError& e) {
      throw StoreError(e.what());
    }
  }

  // ---- ExecutionStore ----

  int schema_version() override {
    return static_cast<int>(read([](Conn& c) {
      return c.exec("SELECT coalesce(max(version), 0) FROM schema_version").i64(0, 0);
    }));
  }

  StoreStats stats() override {
    StoreStats s;
    s.transactions = n_txn_;
    s.batches = counters_.batches;
    s.conflicts = counters_.conflicts;
    s.failed = counters_.failed;
    s.largest_group = counters_.largest;
    return s;
  }

  Status backup(const std::string&) override {
    return Status(Errc::invalid_argument,
                  "a PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, base backups)");
  }

  // -- flows --

  Status deploy(const std::vector<FlowDeployment>& flows) override {
    std::set<std::string> seen;
    for (const auto& f : flows) {
      if (f.flow.empty() || f.hash.empty() || f.canonical_json.empty())
        return Status(Errc::invalid_argument, "a deployment needs a flow, a hash and its IR");
      if (f.deploy && !seen.insert(f.flow).second)
        return Status(Errc::invalid_argument, "flow " + f.flow + " deployed twice in one call");
      if (auto st = check_key(f.flow, "flow name"); !st.ok()) return st;
      if (auto st = check_key(f.hash, "version hash"); !st.ok()) return st;
    }
    std::int64_t at = now();
    auto st = run_sync([flows, at, notify = notify_flows_](Conn& c) -> Status {
      if (notify) c.exec_script("NOTIFY weft_flows");  // delivered at commit, to every node's cache
      for (const auto& f : flows) {
        auto v = c.exec("SELECT body FROM versions WHERE hash = $1", Params().text(f.hash));
        if (v.size() && v.str(0, 0) != f.canonical_json)
          return Status(Errc::invalid_argument, "version " + f.hash + " is already stored with a different graph");
        if (!v.size())
          c.exec("INSERT INTO versions (hash, body) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                 Params().text(f.hash).text(f.canonical_json));
        if (!f.deploy) continue;
        auto head = c.exec("SELECT deployed FROM flows WHERE name = $1 FOR UPDATE", Params().text(f.flow));
        if (head.size() && head.str(0, 0) == f.hash) continue;
        c.exec("INSERT INTO flows (name, deployed, deployed_at) VALUES ($1, $2, $3) ON CONFLICT (name) "
               "DO UPDATE SET deployed = EXCLUDED.deployed, deployed_at = EXCLUDED.deployed_at",
               Params().text(f.flow).text(f.hash).i64(at));
        c.exec("INSERT INTO flow_versions (name, at, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
               Params().text(f.flow).i64(at).text(f.hash));
      }
      return {};
    });
    std::lock_guard lock(flows_mu_);  // this node's own deployment is seen at once
    flow_cache_.clear();
    ++flows_gen_;
    return st;
  }

  std::optional<std::string> get_version(std::string_view hash) override {
    return read([&](Conn& c) -> std::optional<std::string> {
      auto r = c.exec("SELECT body FROM versions WHERE hash = $1", Params().text(hash));
      if (!r.size()) return std::nullopt;
      return r.str(0, 0);
    });
  }

  std::vector<FlowInfo> read_flows(std::optional<std::string_view> name) {
    return read([&](Conn& c) {
      const char* sql =
          "SELECT f.name, f.deployed, f.deployed_at, v.hash, v.at FROM flows f JOIN flow_versions v "
          "ON v.name = f.name WHERE $1::text IS NULL OR f.name = $1 ORDER BY f.name, v.at DESC, v.hash DESC";
      Params p;
      if (name) p.text(*name);
      else p.null();
      auto r = c.exec(sql, p);
      std::vector<FlowInfo> out;
      std::set<std::string> seen;
      for (int i = 0; i < r.size(); ++i) {
        std::string n = r.str(i, 0);
        if (out.empty() || out.back().name != n) {
          out.push_back(FlowInfo{n, r.str(i, 1), r.i64(i, 2), {}});
          seen.clear();
        }
        std::string hash = r.str(i, 3);
        if (seen.insert(hash).second) out.back().versions.push_back(FlowVersionInfo{hash, r.i64(i, 4)});
      }
      return out;
    });
  }

  std::vector<FlowInfo> list_flows() override { return read_flows(std::nullopt); }

  std::optional<FlowInfo> get_flow(std::string_view name) override {
    if (name.empty()) return std::nullopt;
    std::uint64_t gen;
    {
      std::lock_guard lock(flows_mu_);
      if (flows_cacheable())
        if (auto it = flow_cache_.find(name); it != flow_cache_.end()) return it->second;
      gen = flows_gen_;
    }
    auto flows = read_flows(name);
    std::optional<FlowInfo> out;
    if (!flows.empty()) out = std::move(flows.front());
    std::lock_guard lock(flows_mu_);
    // Kept only when no deployment was notified since before the read.
    if (flows_cacheable() && gen == flows_gen_) flow_cache_.insert_or_assign(std::string(name), out);
    return out;
  }

  // -- executions --

  // Validates `e` and gives it an id (before the job runs).
  static Status prepare_new(NewExecution& e) {
    if (e.flow.empty() || e.version.empty())
      return Status(Errc::invalid_argument, "an execution needs a flow and a version");
    if (e.id.empty()) e.id = new_id();
    else if (!is_valid_id(e.id)) return Status(Errc::invalid_argument, "malformed execution id " + e.id);
    if (!e.parent_id.empty() && !is_valid_id(e.parent_id))
      return Status(Errc::invalid_argument, "malformed parent execution id " + e.parent_id);
    if (e.idempotency_key) return check_key(*e.idempotency_key, "idempotency key");
    return {};
  }

  static Params dedup_params(std::string_view key, std::string_view value, std::int64_t at, std::int64_t ttl) {
    return std::move(Params().text(key).bytes(value).i64(at + std::max<std::int64_t>(ttl, 1)).i64(at));
  }

  // Claims `key` for `value` unless a live entry exists; returns the live winner then.
  static std::optional<std::string> claim_dedup_in(Conn& c, std::string_view key, std::string_view value,
                                                   std::int64_t at, std::int64_t ttl) {
    if (c.exec(kClaimDedup, dedup_params(key, value, at, ttl)).size()) return std::nullopt;
    auto w = c.exec("SELECT value FROM dedup WHERE key = $1", Params().text(key));
    if (!w.size()) throw PgError("40001", "dedup key " + std::string(key) + " vanished");
    return w.str(0, 0);
  }

  static void put_timers(Conn& c, const std::vector<Timer>& timers) {
    for (const auto& t : timers) c.exec(kPutTimer, timer_params(t));
  }

  static Params timer_params(const Timer& t) {
    return std::move(Params().i64(t.key.due_ms).text(t.key.owner).text(t.key.timer_id).bytes(t.payload));
  }

  static Params new_execution_params(const NewExecution& e, std::int64_t at) {
    return std::move(Params().text(e.id).text(e.flow).text(e.version).i64(status_code(ExecutionStatus::running))
                         .jv(e.input).text(e.parent_id).i64(*id_time_ms(e.id)).i64(at)
                         .i64(1 + static_cast<std::int64_t>(e.more_events.size())));
  }

  // The events a creation writes first: ExecutionStarted (or the given first event), then the
  // first walk's.
  static std::vector<NewEvent> first_events(const NewExecution& e) {
    std::vector<NewEvent> out{e.first_event ? *e.first_event
                                            : NewEvent{"ExecutionStarted", json::object{{"flow", e.flow},
                                                                                        {"version", e.version},
                                                                                        {"input", e.input}}}};
    out.insert(out.end(), e.more_events.begin(), e.more_events.end());
    return out;
  }

  static std::pair<std::string, Params> first_history(const NewExecution& e, std::int64_t at,
                                                      const std::vector<NewEvent>& events) {
    std::vector<const NewEvent*> ptrs;
    for (const auto& ev : events) ptrs.push_back(&ev);
    return history_insert(e.id, 1, at, ptrs);
  }

  // Writes the start of `e` (prepared by prepare_new) in the open transaction.
  static Result<Created> create_in(Conn& c, const NewExecution& e, std::int64_t at) {
    if (!c.exec(kVersionExists, Params().text(e.version)).size())
      return Status(Errc::not_found, "unknown flow version " + e.version);
    if (e.idempotency_key)
      if (auto winner = claim_dedup_in(c, *e.idempotency_key, e.id, at, e.idempotency_ttl_ms))
        return Created{*winner, true};
    if (c.exec(kInsertExecution, new_execution_params(e, at)).affected() != 1)
      return conflict("execution " + e.id + " already exists");
    auto events = first_events(e);
    auto [sql, p] = first_history(e, at, events);
    c.exec(sql.c_str(), p);
    if (e.snapshot) c.exec(kPutSnapshot, Params().text(e.id).bytes(*e.snapshot));
    put_timers(c, e.timers);
    if (e.lease_owner) c.exec(kPutLease, Params().text(e.id).text(*e.lease_owner).i64(at + e.lease_ttl_ms));
    return Created{e.id, false};
  }

  // The pipelined form of create_in: what a fresh creation writes, in one statement (but a key's
  // claim and timers), answering 1 when the version exists and the id was new.
  static void plan_create(Plan& plan, const NewExecution& e, std::int64_t at) {
    if (e.idempotency_key)
      plan.add(std::string("WITH d AS (") + kClaimDedup + ") SELECT weft_expect(count(*) = 1) FROM d",
               dedup_params(*e.idempotency_key, e.id, at, e.idempotency_ttl_ms));
    Binder b;
    std::string idp = b.text(e.id), atp = b.i64(at), verp = b.text(e.version);
    std::string sql = "WITH x AS (INSERT INTO executions (id, flow, version, status, input, output, error, current, "
                      "parent, created_at, updated_at, length) SELECT " +
                      idp + ", " + b.text(e.flow) + ", " + verp + ", " + b.i64(status_code(ExecutionStatus::running)) +
                      ", " + b.jv(e.input) + ", 'null', 'null', '', " + b.text(e.parent_id) + ", " +
                      b.i64(*id_time_ms(e.id)) + ", " + atp + ", " +
                      b.i64(1 + static_cast<std::int64_t>(e.more_events.size())) +
                      " WHERE EXISTS (SELECT 1 FROM versions WHERE hash = " + verp +
                      ") ON CONFLICT DO NOTHING RETURNING 1), h AS (INSERT INTO history (id, seq, at, type, data) VALUES ";
    auto events = first_events(e);
    for (std::size_t i = 0; i < events.size(); ++i) {
      std::string seq = b.i64(static_cast<std::int64_t>(i + 1)), type = b.text(events[i].type);
      sql += (i ? ", (" : "(") + idp + ", " + seq + ", " + atp + ", " + type + ", " + b.jv(events[i].data) + ")";
    }
    sql += ")";
    if (e.snapshot)
      sql += ", s AS (INSERT INTO snapshots (id, body) VALUES (" + idp + ", " + b.bytes(*e.snapshot) +
             ") ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body)";
    if (e.lease_owner)
      sql += ", l AS (INSERT INTO leases (id, owner, expires_at) VALUES (" + idp + ", " + b.text(*e.lease_owner) +
             ", " + b.i64(at + e.lease_ttl_ms) +
             ") ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at)";
    sql += " SELECT weft_expect(count(*) = 1) FROM x";
    plan.add(std::move(sql), std::move(b.params));
    for (const auto& t : e.timers) plan.add(kPutTimer, timer_params(t));
  }

  // The job of a create; its outcome lands in `out`.
  Job create_job(NewExecution e, std::shared_ptr<Result<Created>> out) {
    std::int64_t at = now();
    auto plan = std::make_shared<Plan>();
    plan_create(*plan, e, at);
    plan->on_ok = [out, id = e.id] { *out = Created{id, false}; };
    return Job(
        [e = std::move(e), out, at](Conn& c) -> Status {
          *out = create_in(c, e, at);
          if (!out->ok()) return out->status();
          // A repeated key writes nothing; its (empty) savepoint is kept.
          return {};
        },
        std::move(plan));
  }

  void create(NewExecution e, CreateCallback done) override {
    if (auto st = prepare_new(e); !st.ok()) {
      if (done) done(st);
      return;
    }
    auto out = std::make_shared<Result<Created>>(Status(Errc::io, "not run"));
    submit(create_job(std::move(e), out), [out, done = std::move(done)](const Status& st) {
      if (!done) return;
      if (st.ok()) done(*out);
      else done(st);
    });
  }

  Result<Created> create_sync(NewExecution e) override {
    if (auto st = prepare_new(e); !st.ok()) return st;
    auto out = std::make_shared<Result<Created>>(Status(Errc::io, "not run"));
    auto st = run_sync(create_job(std::move(e), out));
    if (!st.ok()) return st;
    return *out;
  }

  // Takes (ttl) or drops (nullopt) the lease of `id` for `owner`; conflict when another owner
  // holds it (live, or at all when must_be_ours).
  static Status lease_in(Conn& c, std::string_view id, std::string_view owner, std::int64_t at,
                         std::optional<std::int64_t> ttl, bool must_be_ours) {
    if (owner.empty()) return Status(Errc::invalid_argument, "empty lease owner");
    if (!ttl) {
      auto r = c.exec("DELETE FROM leases WHERE id = $1 AND owner = $2", Params().text(id).text(owner));
      if (r.affected() == 1) return {};
      auto other = c.exec("SELECT owner FROM leases WHERE id = $1", Params().text(id));
      if (other.size()) return conflict("lease of " + std::string(id) + " held by " + other.str(0, 0));
      return {};
    }
    if (must_be_ours) {
      auto r = c.exec("UPDATE leases SET expires_at = $3 WHERE id = $1 AND owner = $2",
                      Params().text(id).text(owner).i64(at + *ttl));
      if (r.affected() == 1) return {};
      auto other = c.exec("SELECT owner FROM leases WHERE id = $1", Params().text(id));
      if (other.size()) return conflict("lease of " + std::string(id) + " held by " + other.str(0, 0));
      return conflict("no lease on " + std::string(id) + " to renew");
    }
    auto r = c.exec(
        "INSERT INTO leases (id, owner, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET "
        "owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at WHERE leases.owner = $2 OR leases.expires_at <= $4 "
        "RETURNING 1",
        Params().text(id).text(owner).i64(at + *ttl).i64(at));
    if (r.size()) return {};
    auto other = c.exec("SELECT owner FROM leases WHERE id = $1", Params().text(id));
    return conflict("lease of " + std::string(id) + " held by " + (other.size() ? other.str(0, 0) : "another owner"));
  }

  // The statement that writes a transition's history, snapshot, signals, lease and record together
  // once its checks passed; `length` is the history length before it, `status` the status after it
  // (nullopt: unchanged and not terminal). Its result row: how many of the consumed signals it
  // deleted and, with a lease owner, whether the lease is ours (see transition_written). `checked`
  // (the pipelined form) makes it fail (weft_expect) instead when a signal is gone or the lease is
  // another's; and, for a transition that does not end the execution, it also does the row lock's
  // checks: the record is updated only when its history length is `length`, it has not ended and
  // (on a re-pin) its version is the one asked. (A terminal transition keeps its separate row lock:
  // the signals it drops must be read after the lock is held.)
  static std::pair<std::string, Params> transition_write(const Transition& t, std::uint64_t length,
                                                         std::optional<ExecutionStatus> status, std::int64_t at,
                                                         bool checked = false) {
    const std::string& id = t.execution_id;
    bool terminal = status && is_terminal(*status);
    std::set<std::uint64_t> consumed(t.consume_signals.begin(), t.consume_signals.end());
    Binder b;
    std::string idp = b.text(id);
    std::string atp = b.i64(at);
    std::uint64_t before = length;
    std::string sql = "WITH ";
    if (!t.events.empty()) {
      sql += "h AS (INSERT INTO history (id, seq, at, type, data) VALUES ";
      for (std::size_t i = 0; i < t.events.size(); ++i) {
        const auto& ev = t.events[i];
        std::string seq = b.i64(static_cast<std::int64_t>(++length));
        std::string type = b.text(ev.type);
        sql += (i ? ", (" : "(") + idp + ", " + seq + ", " + atp + ", " + type + ", " + b.jv(ev.data) + ")";
      }
      sql += "), ";
    }
    if (t.snapshot)
      sql += "s AS (INSERT INTO snapshots (id, body) VALUES (" + idp + ", " + b.bytes(*t.snapshot) +
             ") ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body), ";
    // Signals: the consumed ones must still be there; a terminal status drops every pending one.
    std::string seqs = "{";
    for (auto seq : consumed) seqs += (seqs.size() > 1 ? "," : "") + std::to_string(seq);
    seqs += "}";
    std::string seqp = b.text(seqs);
    if (terminal)
      sql += "g AS (DELETE FROM signals WHERE id = " + idp + " RETURNING seq), ";
    else if (!consumed.empty())
      sql += "g AS (DELETE FROM signals WHERE id = " + idp + " AND seq = ANY(" + seqp + "::bigint[]) RETURNING seq), ";
    else
      sql += "g AS (SELECT NULL::bigint AS seq WHERE false), ";
    std::string owner = t.lease_owner ? *t.lease_owner : "";
    if (t.lease_owner && !terminal) {
      std::string op = b.text(owner);
      std::string expires = b.i64(at + t.lease_ttl_ms);
      sql += "l AS (INSERT INTO leases (id, owner, expires_at) VALUES (" + idp + ", " + op + ", " + expires +
             ") ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at WHERE "
             "leases.owner = " + op + " OR leases.expires_at <= " + atp + " RETURNING 1), ";
    } else if (t.lease_owner) {
      // A terminal status drops the lease: ours, an expired one, or none.
      std::string op = b.text(owner);
      sql += "l AS (DELETE FROM leases WHERE id = " + idp + " AND (owner = " + op + " OR expires_at <= " + atp +
             ") RETURNING 1), lx AS (SELECT 1 FROM leases WHERE id = " + idp + " AND owner <> " + op +
             " AND expires_at > " + atp + "), ";
    }
    std::string statusp = status ? b.i64(status_code(*status)) : b.null();
    std::string lengthp = b.i64(static_cast<std::int64_t>(length));
    std::string outp = b.opt_json(t.output), errp = b.opt_json(t.error), curp = b.opt_text(t.current);
    std::string verp = b.opt_text(t.version), inp = b.opt_json(t.input);
    sql += "u AS (UPDATE executions SET status = coalesce(" + statusp + "::bigint, status), updated_at = " + atp +
           ", length = " + lengthp + ", output = coalesce(" + outp + ", output), error = coalesce(" + errp +
           ", error), current = coalesce(" + curp + ", current), version = coalesce(" + verp +
           ", version), input = coalesce(" + inp + ", input) WHERE id = " + idp;
    if (checked && !terminal) {
      sql += " AND length = " + b.i64(static_cast<std::int64_t>(before));
      if (!status)
        sql += " AND status IN (" + std::to_string(status_code(ExecutionStatus::running)) + ", " +
               std::to_string(status_code(ExecutionStatus::paused)) + ")";
      if (t.version) sql += " AND version = " + verp;
    }
    std::string signals = "(SELECT count(*) FROM g WHERE seq = ANY(" + seqp + "::bigint[]))";
    std::string lease = !t.lease_owner ? "" : terminal ? "(SELECT count(*) FROM lx)" : "(SELECT count(*) FROM l)";
    if (!checked) {
      sql += " RETURNING 1) SELECT " + signals + (lease.empty() ? "" : ", " + lease);
    } else {
      sql += " RETURNING 1) SELECT weft_expect(" + signals + " = " +
             b.i64(static_cast<std::int64_t>(consumed.size()));
      if (!lease.empty()) sql += " AND " + lease + (terminal ? " = 0" : " = 1");
      if (!terminal) sql += " AND (SELECT count(*) FROM u) = 1";
      sql += ")";
    }
    return {std::move(sql), std::move(b.params)};
  }

  // The conflict a transition_write result shows, or ok.
  static Status transition_written(const Rows& r, const Transition& t, bool terminal) {
    std::set<std::uint64_t> consumed(t.consume_signals.begin(), t.consume_signals.end());
    if (static_cast<std::size_t>(r.i64(0, 0)) != consumed.size())
      return conflict("a consumed signal of " + t.execution_id + " is gone");
    if (t.lease_owner && r.i64(0, 1) != (terminal ? 0 : 1))
      return conflict("lease of " + t.execution_id + " held by another owner");
    return {};
  }

  static constexpr const char* kLockExecution = "SELECT status, length, version FROM executions WHERE id = $1 FOR UPDATE";

  // Two round trips for a usual transition: the row lock with the checks, then one statement that
  // writes the history, snapshot, signals, lease and record together; a failed lease or a gone
  // signal there makes the job fail after writing, which the group undoes (see run_group).
  static Status transition_in(Conn& c, Transition& t, std::int64_t at) {
    const std::string& id = t.execution_id;
    auto cur = c.exec(kLockExecution, Params().text(id));
    if (!cur.size()) return Status(Errc::not_found, "no execution " + id);
    auto old_status = static_cast<ExecutionStatus>(cur.i64(0, 0));
    auto length = static_cast<std::uint64_t>(cur.i64(0, 1));
    if (t.expected_length && *t.expected_length != length)
      return conflict("execution " + id + " has " + std::to_string(length) + " history events, expected " +
                      std::to_string(*t.expected_length));
    if (t.version && *t.version != cur.str(0, 2) &&
        (t.version->empty() || !c.exec(kVersionExists, Params().text(*t.version)).size()))
      return Status(Errc::not_found, "unknown flow version " + *t.version);
    ExecutionStatus status = t.status ? *t.status : old_status;
    auto [sql, p] = transition_write(t, length, status, at);
    if (auto st = transition_written(c.exec(sql.c_str(), p), t, is_terminal(status)); !st.ok()) return st;
    for (const auto& k : t.remove_timers) c.exec(kDeleteTimer, timer_key_params(k));
    put_timers(c, t.add_timers);
    for (const auto& ev : t.publish) append_event_in(c, ev, at);
    for (auto& child : t.spawn) {
      if (child.parent_id.empty()) child.parent_id = id;
      auto cr = create_in(c, child, at);
      if (!cr.ok()) return cr.status();
    }
    return {};
  }

  // The pipelined form of transition_in, when the transition names the history length it expects
  // (the engine's always do): the same statements, expecting the checks to pass. Without a new
  // status the execution must not have ended (the synchronous form then tells what happens).
  static std::shared_ptr<Plan> plan_transition(Transition& t, std::int64_t at) {
    if (!t.expected_length) return nullptr;
    auto plan = std::make_shared<Plan>();
    std::uint64_t length = *t.expected_length;
    bool terminal = t.status && is_terminal(*t.status);
    // A re-pin to another version (replays) does not match and goes through the synchronous form.
    if (terminal) {
      Binder b;
      std::string sql = "SELECT weft_expect(count(*) = 1) FROM (SELECT 1 FROM executions WHERE id = " +
                        b.text(t.execution_id) + " AND length = " + b.i64(static_cast<std::int64_t>(length));
      if (t.version) sql += " AND version = " + b.text(*t.version);
      plan->add(sql + " FOR UPDATE) r", std::move(b.params));
    }
    auto [sql, p] = transition_write(t, length, t.status, at, true);
    plan->add(std::move(sql), std::move(p));
    for (const auto& k : t.remove_timers) plan->add(kDeleteTimer, timer_key_params(k));
    for (const auto& tm : t.add_timers) plan->add(kPutTimer, timer_params(tm));
    for (const auto& ev : t.publish) {
      plan->add(kEventsLockSql, std::move(Params().i64(kEventsLock)));
      plan->add(kAppendEvent, std::move(Params().i64(at).text(ev.type).jv(ev.data)));
    }
    for (auto& child : t.spawn) {
      if (child.parent_id.empty()) child.parent_id = t.execution_id;
      plan_create(*plan, child, at);
    }
    return plan;
  }

  static Params timer_key_params(const TimerKey& k) {
    return std::move(Params().i64(k.due_ms).text(k.owner).text(k.timer_id));
  }

  static void append_event_in(Conn& c, const NewEvent& ev, std::int64_t at) {
    // One writer at a time across nodes, so that offsets increase in commit order without gaps.
    c.exec(kEventsLockSql, Params().i64(kEventsLock));
    c.exec(kAppendEvent, Params().i64(at).text(ev.type).jv(ev.data));
  }

  Status prepare_transition(Transition& t) {
    if (!is_valid_id(t.execution_id)) return Status(Errc::not_found, "no execution " + t.execution_id);
    for (auto& child : t.spawn)
      if (auto st = prepare_new(child); !st.ok()) return st;
    return {};
  }

  Job transition_job(Transition t) {
    std::int64_t at = now();
    auto plan = plan_transition(t, at);
    return Job([t = std::move(t), at](Conn& c) mutable { return transition_in(c, t, at); }, std::move(plan));
  }

  void transition(Transition t, Callback done) override {
    if (auto st = prepare_transition(t); !st.ok()) {
      if (done) done(st);
      return;
    }
    submit(transition_job(std::move(t)), std::move(done));
  }

  Status transition_sync(Transition t) override {
    if (auto st = prepare_transition(t); !st.ok()) return st;
    return run_sync(transition_job(std::move(t)));
  }

  std::optional<ExecutionRecord> get_execution(std::string_view id) override {
    if (!is_valid_id(id)) return std::nullopt;
    return read([&](Conn& c) -> std::optional<ExecutionRecord> {
      auto r = c.exec((std::string("SELECT ") + kRecordCols + " FROM executions WHERE id = $1").c_str(),
                      Params().text(id));
      if (!r.size()) return std::nullopt;
      return decode_record(r, 0);
    });
  }

  std::optional<std::string> get_snapshot(std::string_view id) override {
    if (!is_valid_id(id)) return std::nullopt;
    return read([&](Conn& c) -> std::optional<std::string> {
      auto r = c.exec("SELECT body FROM snapshots WHERE id = $1", Params().text(id));
      if (!r.size()) return std::nullopt;
      return r.str(0, 0);
    });
  }

  std::vector<HistoryEvent> history(std::string_view id, std::uint64_t from_seq, std::size_t limit) override {
    std::vector<HistoryEvent> out;
    if (!is_valid_id(id)) return out;
    return read([&](Conn& c) {
      Params p;
      p.text(id).i64(static_cast<std::int64_t>(std::max<std::uint64_t>(from_seq, 1)));
      limit ? p.i64(static_cast<std::int64_t>(limit)) : p.null();
      auto r = c.exec("SELECT seq, at, type, data FROM history WHERE id = $1 AND seq >= $2 ORDER BY seq LIMIT $3", p);
      for (int i = 0; i < r.size(); ++i)
        out.push_back(HistoryEvent{static_cast<std::uint64_t>(r.i64(i, 0)), r.i64(i, 1), r.str(i, 2),
                                   r.json_at(i, 3, "history event")});
      return out;
    });
  }

  Result<ExecutionPage> list_executions(const ExecutionQuery& q) override {
    if (!q.cursor.empty() && !is_valid_id(q.cursor)) return Status(Errc::invalid_argument, "malformed cursor");
    if (q.flow && q.flow->empty()) return Status(Errc::invalid_argument, "empty flow filter");
    std::size_t limit = q.limit == 0 ? kDefaultPage : std::min(q.limit, kMaxPage);
    std::string hi = q.until_ms ? id_floor(*q.until_ms) : std::string();
    if (!q.cursor.empty() && (hi.empty() || q.cursor < hi)) hi = q.cursor;
    std::string lo = q.since_ms ? id_floor(*q.since_ms) : std::string();
    Params p;
    q.flow ? p.text(*q.flow) : p.null();
    q.status ? p.i64(status_code(*q.status)) : p.null();
    p.text(lo);
    hi.empty() ? p.null() : p.text(hi);
    p.i64(static_cast<std::int64_t>(limit + 1));
    try {
      return read([&](Conn& c) -> Result<ExecutionPage> {
        auto r = c.exec((std::string("SELECT ") + kRecordCols +
                         " FROM executions WHERE ($1::text IS NULL OR flow = $1) AND ($2::bigint IS NULL OR "
                         "status = $2) AND id >= $3 AND ($4::text IS NULL OR id < $4) ORDER BY id DESC LIMIT $5")
                            .c_str(),
                        p);
        ExecutionPage page;
        for (int i = 0; i < r.size() && page.items.size() < limit; ++i) page.items.push_back(decode_record(r, i));
        if (static_cast<std::size_t>(r.size()) > limit) page.next_cursor = page.items.back().id;
        return page;
      });
    } catch (const StoreError& e) {
      return Status(Errc::io, e.what());
    }
  }

  StatusCount count_status(ExecutionStatus status, std::size_t limit) override {
    return read([&](Conn& c) {
      Params p;
      p.i64(status_code(status));
      limit ? p.i64(static_cast<std::int64_t>(limit) + 1) : p.null();
      auto r = c.exec("SELECT count(*), min(id) FROM (SELECT id FROM executions WHERE status = $1 ORDER BY id "
                      "LIMIT $2) s",
                      p);
      StatusCount out;
      out.count = static_cast<std::size_t>(r.i64(0, 0));
      if (limit && out.count > limit) {
        out.count = limit;
        out.capped = true;
      }
      if (!r.null(0, 1)) out.oldest_id = r.str(0, 1);
      return out;
    });
  }

  Status delete_execution(std::string_view sid) override {
    std::string id(sid);
    if (!is_valid_id(id)) return Status(Errc::not_found, "no execution " + id);
    return run_sync([id](Conn& c) -> Status {
      auto r = c.exec("SELECT status FROM executions WHERE id = $1 FOR UPDATE", Params().text(id));
      if (!r.size()) return Status(Errc::not_found, "no execution " + id);
      if (!is_terminal(static_cast<ExecutionStatus>(r.i64(0, 0))))
        return conflict("execution " + id + " has not finished");
      for (const char* sql : {"DELETE FROM executions WHERE id = $1", "DELETE FROM history WHERE id = $1",
                              "DELETE FROM slots WHERE id = $1",
                              "DELETE FROM snapshots WHERE id = $1", "DELETE FROM leases WHERE id = $1",
                              "DELETE FROM signals WHERE id = $1", "DELETE FROM timers WHERE owner = $1"})
        c.exec(sql, Params().text(id));
      return {};
    });
  }

  // -- timers --

  Status update_timers(const std::vector<Timer>& add, const std::vector<TimerKey>& remove) override {
    for (const auto& t : add)
      if (auto st = check_key(t.key.owner + t.key.timer_id, "timer key"); !st.ok()) return st;
    return run_sync([add, remove](Conn& c) -> Status {
      for (const auto& k : remove)
        c.exec(kDeleteTimer, timer_key_params(k));
      put_timers(c, add);
      return {};
    });
  }

  std::vector<Timer> due_timers(std::int64_t at, std::size_t limit) override {
    return read([&](Conn& c) {
      Params p;
      p.i64(at);
      limit ? p.i64(static_cast<std::int64_t>(limit)) : p.null();
      auto r = c.exec("SELECT due, owner, timer_id, payload FROM timers WHERE due <= $1 ORDER BY due, owner, "
                      "timer_id LIMIT $2",
                      p);
      std::vector<Timer> out;
      for (int i = 0; i < r.size(); ++i)
        out.push_back(Timer{TimerKey{r.i64(i, 0), r.str(i, 1), r.str(i, 2)}, r.str(i, 3)});
      return out;
    });
  }

  std::optional<std::int64_t> next_timer_due(std::string_view skip_owner_prefix) override {
    return read([&](Conn& c) -> std::optional<std::int64_t> {
      auto r = c.exec("SELECT min(due) FROM timers WHERE $1 = '' OR NOT starts_with(owner, $1)",
                      Params().text(skip_owner_prefix));
      if (r.null(0, 0)) return std::nullopt;
      return r.i64(0, 0);
    });
  }

  // -- signals --

  Job signal_job(std::string_view sid, std::string_view sname, const json::value& payload) {
    std::int64_t at = now();
    return [id = std::string(sid), name = std::string(sname), data = json::serialize(payload), at](Conn& c) -> Status {
      // The row lock orders the signal with the execution's transitions (a terminal one wins).
      auto r = c.exec("SELECT status FROM executions WHERE id = $1 FOR UPDATE", Params().text(id));
      if (!r.size()) return Status(Errc::not_found, "no execution " + id);
      auto s = static_cast<ExecutionStatus>(r.i64(0, 0));
      if (is_terminal(s)) return conflict("execution " + id + " is " + std::string(status_name(s)));
      c.exec("INSERT INTO signals (id, seq, name, payload, at) SELECT $1, coalesce(max(seq), 0) + 1, $2, $3, $4 "
             "FROM signals WHERE id = $1",
             Params().text(id).text(name).text(data).i64(at));
      return {};
    };
  }

  Status check_signal(std::string_view id, std::string_view name) {
    if (name.empty()) return Status(Errc::invalid_argument, "empty signal name");
    if (!is_valid_id(id)) return Status(Errc::not_found, "no execution " + std::string(id));
    return {};
  }

  void enqueue_signal(std::string_view id, std::string_view name, json::value payload, Callback done) override {
    if (auto st = check_signal(id, name); !st.ok()) {
      if (done) done(st);
      return;
    }
    submit(signal_job(id, name, payload), std::move(done));
  }

  Status enqueue_signal_sync(std::string_view id, std::string_view name, json::value payload) override {
    if (auto st = check_signal(id, name); !st.ok()) return st;
    return run_sync(signal_job(id, name, payload));
  }

  std::vector<Signal> pending_signals(std::string_view id, std::size_t limit) override {
    std::vector<Signal> out;
    if (!is_valid_id(id)) return out;
    return read([&](Conn& c) {
      Params p;
      p.text(id);
      limit ? p.i64(static_cast<std::int64_t>(limit)) : p.null();
      auto r = c.exec("SELECT seq, name, payload, at FROM signals WHERE id = $1 ORDER BY seq LIMIT $2", p);
      for (int i = 0; i < r.size(); ++i)
        out.push_back(Signal{std::string(id), static_cast<std::uint64_t>(r.i64(i, 0)), r.str(i, 1),
                             r.json_at(i, 2, "signal"), r.i64(i, 3)});
      return out;
    });
  }

  // -- dedup --

  Result<DedupClaim> claim_dedup(std::string_view key, std::string_view value, std::int64_t ttl_ms) override {
    if (auto st = check_key(key, "dedup key"); !st.ok()) return st;
    auto out = std::make_shared<DedupClaim>();
    std::int64_t at = now();
    auto st = run_sync([out, k = std::string(key), v = std::string(value), at, ttl_ms](Conn& c) -> Status {
      if (auto winner = claim_dedup_in(c, k, v, at, ttl_ms)) *out = DedupClaim{false, *winner};
      else *out = DedupClaim{true, v};
      return {};
    });
    if (!st.ok()) return st;
    return *out;
  }

  std::optional<std::string> get_dedup(std::string_view key) override {
    if (key.empty()) return std::nullopt;
    return read([&](Conn& c) -> std::optional<std::string> {
      auto r = c.exec("SELECT value FROM dedup WHERE key = $1 AND expires_at > $2", Params().text(key).i64(now()));
      if (!r.size()) return std::nullopt;
      return r.str(0, 0);
    });
  }

  Result<std::size_t> sweep_dedup(std::int64_t at, std::size_t limit) override {
    auto n = std::make_shared<std::size_t>(0);
    auto st = run_sync([n, at, limit](Conn& c) -> Status {
      Params p;
      p.i64(at);
      limit ? p.i64(static_cast<std::int64_t>(limit)) : p.null();
      auto r = c.exec("DELETE FROM dedup WHERE key IN (SELECT key FROM dedup WHERE expires_at <= $1 ORDER BY "
                      "expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                      p);
      *n = static_cast<std::size_t>(r.affected());
      return {};
    });
    if (!st.ok()) return st;
    return *n;
  }

  // -- cursors, events, secrets, tokens (name → bytes tables) --

  std::optional<std::string> get_plain(const char* sql, std::string_view k) {
    if (k.empty()) return std::nullopt;
    return read([&](Conn& c) -> std::optional<std::string> {
      auto r = c.exec(sql, Params().text(k));
      if (!r.size()) return std::nullopt;
      return r.str(0, 0);
    });
  }

  Status put_plain(const char* sql, std::string_view k, std::string_view v, std::string_view what) {
    if (auto st = check_key(k, std::string(what) + " name"); !st.ok()) return st;
    return run_sync([sql, k = std::string(k), v = std::string(v)](Conn& c) -> Status {
      c.exec(sql, Params().text(k).bytes(v));
      return {};
    });
  }

  Status delete_plain(const char* sql, std::string_view k, std::string_view what) {
    return run_sync([sql, k = std::string(k), what = std::string(what)](Conn& c) -> Status {
      if (c.exec(sql, Params().text(k)).affected() == 0) return Status(Errc::not_found, "no " + what + " " + k);
      return {};
    });
  }

  std::optional<std::string> get_cursor(std::string_view name) override {
    return get_plain("SELECT value FROM cursors WHERE name = $1", name);
  }
  Status put_cursor(std::string_view name, std::string_view value) override {
    return put_plain("INSERT INTO cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = "
                     "EXCLUDED.value",
                     name, value, "cursor");
  }

  Status append_event(std::string_view type, json::value data) override {
    if (type.empty()) return Status(Errc::invalid_argument, "empty event type");
    std::int64_t at = now();
    return run_sync([ev = NewEvent{std::string(type), std::move(data)}, at](Conn& c) -> Status {
      append_event_in(c, ev, at);
      return {};
    });
  }

  std::vector<QueuedEvent> read_events(std::uint64_t after, std::size_t limit) override {
    std::vector<QueuedEvent> out;
    if (after >= static_cast<std::uint64_t>(INT64_MAX)) return out;
    return read([&](Conn& c) {
      Params p;
      p.i64(static_cast<std::int64_t>(after));
      limit ? p.i64(static_cast<std::int64_t>(limit)) : p.null();
      auto r = c.exec("SELECT \"offset\", at, type, data FROM events WHERE \"offset\" > $1 ORDER BY \"offset\" LIMIT $2", p);
      for (int i = 0; i < r.size(); ++i)
        out.push_back(QueuedEvent{static_cast<std::uint64_t>(r.i64(i, 0)), r.i64(i, 1), r.str(i, 2),
                                  r.json_at(i, 3, "event")});
      return out;
    });
  }

  Status trim_events(std::uint64_t upto) override {
    std::int64_t bound = static_cast<std::int64_t>(std::min<std::uint64_t>(upto, INT64_MAX));
    return run_sync([bound](Conn& c) -> Status {
      // The newest event stays, so that appends continue its numbering.
      c.exec("DELETE FROM events WHERE \"offset\" <= $1 AND \"offset\" < (SELECT max(\"offset\") FROM events)",
             Params().i64(bound));
      return {};
    });
  }

  Status put_secret(std::string_view name, std::string_view sealed) override {
    return put_plain("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = "
                     "EXCLUDED.value",
                     name, sealed, "secret");
  }
  std::optional<std::string> get_secret(std::string_view name) override {
    return get_plain("SELECT value FROM secrets WHERE name = $1", name);
  }
  Status delete_secret(std::string_view name) override {
    return delete_plain("DELETE FROM secrets WHERE name = $1", name, "secret");
  }
  std::vector<std::string> list_secrets() override {
    return read([](Conn& c) {
      auto r = c.exec("SELECT name FROM secrets ORDER BY name");
      std::vector<std::string> out;
      for (int i = 0; i < r.size(); ++i) out.push_back(r.str(i, 0));
      return out;
    });
  }

  Status put_token(std::string_view hash, std::string_view record) override {
    return put_plain("INSERT INTO tokens (hash, record) VALUES ($1, $2) ON CONFLICT (hash) DO UPDATE SET record = "
                     "EXCLUDED.record",
                     hash, record, "token");
  }
  std::optional<std::string> get_token(std::string_view hash) override {
    return get_plain("SELECT record FROM tokens WHERE hash = $1", hash);
  }
  Status delete_token(std::string_view hash) override {
    return delete_plain("DELETE FROM tokens WHERE hash = $1", hash, "token");
  }
  std::vector<Entry> list_tokens() override {
    return read([](Conn& c) {
      auto r = c.exec("SELECT hash, record FROM tokens ORDER BY hash");
      std::vector<Entry> out;
      for (int i = 0; i < r.size(); ++i) out.push_back(Entry{r.str(i, 0), r.str(i, 1)});
      return out;
    });
  }

  // -- leases --

  Status lease_op(std::string_view sid, std::string_view sowner, std::optional<std::int64_t> ttl, bool must_be_ours) {
    std::string id(sid), owner(sowner);
    if (!is_valid_id(id)) return Status(Errc::not_found, "no execution " + id);
    std::int64_t at = now();
    return run_sync([id, owner, ttl, must_be_ours, at](Conn& c) -> Status {
      if (!c.exec("SELECT 1 FROM executions WHERE id = $1", Params().text(id)).size())
        return Status(Errc::not_found, "no execution " + id);
      return lease_in(c, id, owner, at, ttl, must_be_ours);
    });
  }

  Status acquire_lease(std::string_view id, std::string_view owner, std::int64_t ttl) override {
    return lease_op(id, owner, ttl, false);
  }
  Status renew_lease(std::string_view id, std::string_view owner, std::int64_t ttl) override {
    return lease_op(id, owner, ttl, true);
  }
  Status release_lease(std::string_view id, std::string_view owner) override {
    return lease_op(id, owner, std::nullopt, true);
  }

  std::optional<Lease> get_lease(std::string_view id) override {
    if (!is_valid_id(id)) return std::nullopt;
    return read([&](Conn& c) -> std::optional<Lease> {
      auto r = c.exec("SELECT owner, expires_at FROM leases WHERE id = $1", Params().text(id));
      if (!r.size()) return std::nullopt;
      return Lease{r.str(0, 0), r.i64(0, 1)};
    });
  }

  Result<bool> acquire_slot(std::string_view sslot, std::int64_t limit, std::string_view sid) override {
    if (sslot.empty() || !is_valid_id(sid) || limit < 1) return Status(Errc::invalid_argument, "bad slot request");
    if (auto st = check_key(sslot, "slot name"); !st.ok()) return st;
    auto taken = std::make_shared<bool>(false);
    auto st = run_sync([slot = std::string(sslot), id = std::string(sid), limit, taken](Conn& c) -> Status {
      // One admission at a time per slot across nodes: the count and the insert under one lock.
      c.exec("SELECT pg_advisory_xact_lock(hashtext($1))", Params().text(slot));
      auto r = c.exec("SELECT count(*), count(*) FILTER (WHERE id = $2) FROM slots WHERE slot = $1",
                      Params().text(slot).text(id));
      if (r.i64(0, 1) > 0) *taken = true;
      else if (r.i64(0, 0) < limit) {
        c.exec("INSERT INTO slots (slot, id) VALUES ($1, $2)", Params().text(slot).text(id));
        *taken = true;
      }
      return {};
    });
    if (!st.ok()) return st;
    return *taken;
  }

  Status release_slot(std::string_view slot, std::string_view id) override {
    if (slot.empty() || !is_valid_id(id)) return Status(Errc::invalid_argument, "bad slot request");
    return run_sync([slot = std::string(slot), id = std::string(id)](Conn& c) -> Status {
      c.exec("DELETE FROM slots WHERE slot = $1 AND id = $2", Params().text(slot).text(id));
      return {};
    });
  }

  Result<std::vector<std::string>> renew_leases(std::string_view sowner, const std::vector<std::string>& ids,
                                                std::int64_t ttl) override {
    if (sowner.empty()) return Status(Errc::invalid_argument, "empty lease owner");
    std::vector<std::string> valid, lost;
    for (const auto& id : ids)
      if (is_valid_id(id)) valid.push_back(id);
    if (valid.empty()) return ids;
    std::string array = id_array(valid);
    auto kept = std::make_shared<std::set<std::string>>();
    std::int64_t at = now();
    auto st = run_sync([owner = std::string(sowner), array, at, ttl, kept](Conn& c) -> Status {
      auto r = c.exec("UPDATE leases SET expires_at = $3 WHERE owner = $1 AND id = ANY($2::text[]) RETURNING id",
                      Params().text(owner).text(array).i64(at + ttl));
      for (int i = 0; i < r.size(); ++i) kept->insert(r.str(i, 0));
      return {};
    });
    if (!st.ok()) return st;
    for (const auto& id : ids)
      if (!kept->count(id)) lost.push_back(id);
    return lost;  // in the order asked
  }

  std::vector<std::string> claimable_executions(std::string_view owner, std::size_t limit) override {
    return read([&](Conn& c) {
      Params p;
      p.text(owner).i64(now()).i64(status_code(ExecutionStatus::running)).i64(status_code(ExecutionStatus::paused));
      limit ? p.i64(static_cast<std::int64_t>(limit)) : p.null();
      auto r = c.exec("SELECT e.id FROM executions e LEFT JOIN leases l ON l.id = e.id WHERE e.status IN ($3, $4) "
                      "AND (l.id IS NULL OR l.owner = $1 OR l.expires_at <= $2) ORDER BY e.id LIMIT $5",
                      p);
      std::vector<std::string> out;
      for (int i = 0; i < r.size(); ++i) out.push_back(r.str(i, 0));
      return out;
    });
  }

 private:
  PgStoreOptions opts_;
  ExecutionStoreOptions eopts_;
  std::unique_ptr<Conn> writer_conn_;

  detail::GroupQueue<Pending> queue_;
  std::thread writer_;
  std::thread::id writer_id_;

  std::mutex flows_mu_;
  std::unique_ptr<Conn> listener_;  // LISTEN weft_flows
  bool notify_flows_ = false;       // the database has LISTEN/NOTIFY (deployments notify)
  std::uint64_t flows_gen_ = 0;     // counts cache drops
  std::map<std::string, std::optional<FlowInfo>, std::less<>> flow_cache_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::size_t open_reads_ = 0;

  std::atomic<std::uint64_t> n_txn_{0};
  detail::GroupCounters counters_;
};

// Runs `fn` in one transaction on `c` (rolled back when it throws).
template <class Fn>
void in_transaction(Conn& c, Fn&& fn) {
  c.exec("BEGIN");
  try {
    fn();
    c.exec("COMMIT");
  } catch (...) {
    if (c.healthy()) c.exec_script("ROLLBACK");
    throw;
  }
}

Status mismatch(const char* what, std::size_t source, std::int64_t copied) {
  return Status(Errc::conflict, std::string("after the copy the database holds ") + std::to_string(copied) + " of the " +
                                    std::to_string(source) + " " + what + " of the source");
}

}  // namespace

Result<MigrationReport> copy_into_postgres(ExecutionStore& from, const PgStoreOptions& to) {
  // Opening the store applies the schema migrations.
  auto target = open_pg_execution_store(to);
  if (!target.ok()) return target.status();
  target.value().reset();
  MigrationReport rep;
  try {
    Conn c(to.conninfo);
    // Flows and versions (deployment log with its times).
    auto flows = from.list_flows();
    std::set<std::string> hashes;
    for (const auto& f : flows)
      for (const auto& v : f.versions) hashes.insert(v.hash);
    in_transaction(c, [&] {
      for (const auto& h : hashes) {
        auto body = from.get_version(h);
        if (!body) throw StoreError("version " + h + " is listed but not stored");
        c.exec("INSERT INTO versions (hash, body) VALUES ($1, $2) ON CONFLICT DO NOTHING", Params().text(h).text(*body));
      }
      for (const auto& f : flows) {
        c.exec("INSERT INTO flows (name, deployed, deployed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
               Params().text(f.name).text(f.deployed_hash).i64(f.deployed_at_ms));
        for (const auto& v : f.versions)
          c.exec("INSERT INTO flow_versions (name, at, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 Params().text(f.name).i64(v.deployed_at_ms).text(v.hash));
      }
    });
    try {  // nodes already running on the database drop their flow caches (where LISTEN works)
      c.exec_script("NOTIFY weft_flows");
    } catch (const PgError&) {
    }
    rep.flows = flows.size();
    rep.versions = hashes.size();
    // Executions, a page at a time (newest first), each page in one transaction.
    std::vector<std::string> all_ids;
    ExecutionQuery q;
    q.limit = 500;
    for (;;) {
      auto page = from.list_executions(q);
      if (!page.ok()) return page.status();
      in_transaction(c, [&] {
        for (const auto& r : page->items) {
          all_ids.push_back(r.id);
          Params p;
          p.text(r.id).text(r.flow).text(r.version).i64(status_code(r.status)).jv(r.input).jv(r.output).jv(r.error)
              .text(r.current).text(r.parent_id).i64(r.created_at_ms).i64(r.updated_at_ms)
              .i64(static_cast<std::int64_t>(r.history_length));
          c.exec("INSERT INTO executions (id, flow, version, status, input, output, error, current, parent, created_at, "
                 "updated_at, length) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
                 p);
          auto events = from.history(r.id);
          rep.events += events.size();
          for (const auto& ev : events)
            c.exec("INSERT INTO history (id, seq, at, type, data) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                   Params().text(r.id).i64(static_cast<std::int64_t>(ev.seq)).i64(ev.at_ms).text(ev.type).jv(ev.data));
          if (auto snap = from.get_snapshot(r.id)) {
            ++rep.snapshots;
            c.exec("INSERT INTO snapshots (id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                   Params().text(r.id).bytes(*snap));
          }
          for (const auto& sig : from.pending_signals(r.id)) {
            ++rep.signals;
            c.exec("INSERT INTO signals (id, seq, name, payload, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                   Params().text(r.id).i64(static_cast<std::int64_t>(sig.seq)).text(sig.name).jv(sig.payload)
                       .i64(sig.received_at_ms));
          }
        }
      });
      if (!page->next_cursor) break;
      q.cursor = *page->next_cursor;
    }
    rep.executions = all_ids.size();
    auto timers = from.due_timers(INT64_MAX, 0);
    auto secrets = from.list_secrets();
    auto tokens = from.list_tokens();
    in_transaction(c, [&] {
      for (const auto& t : timers)
        c.exec("INSERT INTO timers (due, owner, timer_id, payload) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
               Params().i64(t.key.due_ms).text(t.key.owner).text(t.key.timer_id).bytes(t.payload));
      for (const auto& name : secrets) {
        auto v = from.get_secret(name);
        if (!v) continue;  // deleted meanwhile
        ++rep.secrets;
        c.exec("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING", Params().text(name).bytes(*v));
      }
      for (const auto& t : tokens)
        c.exec("INSERT INTO tokens (hash, record) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               Params().text(t.key).bytes(t.value));
    });
    rep.timers = timers.size();
    rep.tokens = tokens.size();
    // The check: everything copied is in the database.
    std::vector<std::string> flow_names, secret_names, token_hashes;
    for (const auto& f : flows) flow_names.push_back(f.name);
    for (const auto& t : tokens) token_hashes.push_back(t.key);
    auto count = [&](const char* sql, const std::vector<std::string>& keys) {
      return c.exec(sql, Params().text(id_array(keys))).i64(0, 0);
    };
    if (auto n = count("SELECT count(*) FROM flows WHERE name = ANY($1::text[])", flow_names);
        n != static_cast<std::int64_t>(rep.flows))
      return mismatch("flows", rep.flows, n);
    if (auto n = count("SELECT count(*) FROM versions WHERE hash = ANY($1::text[])",
                       std::vector<std::string>(hashes.begin(), hashes.end()));
        n != static_cast<std::int64_t>(rep.versions))
      return mismatch("flow versions", rep.versions, n);
    if (auto n = count("SELECT count(*) FROM executions WHERE id = ANY($1::text[])", all_ids);
        n != static_cast<std::int64_t>(rep.executions))
      return mismatch("executions", rep.executions, n);
    if (auto n = count("SELECT count(*) FROM history WHERE id = ANY($1::text[])", all_ids);
        n < static_cast<std::int64_t>(rep.events))
      return mismatch("history events", rep.events, n);
    if (auto n = count("SELECT count(*) FROM snapshots WHERE id = ANY($1::text[])", all_ids);
        n != static_cast<std::int64_t>(rep.snapshots))
      return mismatch("snapshots", rep.snapshots, n);
    if (auto n = count("SELECT count(*) FROM tokens WHERE hash = ANY($1::text[])", token_hashes);
        n != static_cast<std::int64_t>(rep.tokens))
      return mismatch("tokens", rep.tokens, n);
    if (auto n = count("SELECT count(*) FROM secrets WHERE name = ANY($1::text[])", secrets);
        n < static_cast<std::int64_t>(rep.secrets))
      return mismatch("secrets", rep.secrets, n);
  } catch (const PgError& e) {
    return Status(Errc::io, e.what());
  } catch (const StoreError& e) {
    return Status(Errc::io, e.what());
  }
  return rep;
}

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgres://") || location.starts_with("postgresql://");
}

Result<std::unique_ptr<ExecutionStore>> open_pg_execution_store(const PgStoreOptions& opts,
                                                                ExecutionStoreOptions eopts) {
  if (opts.conninfo.empty()) return Status(Errc::invalid_argument, "no PostgreSQL connection string given");
  auto es = std::make_unique<PgExecutionStore>(opts, std::move(eopts));
  if (auto st = es->start(); !st.ok()) return st;
  return std::unique_ptr<ExecutionStore>(std::move(es));
}

}  // namespace weft::store
