#include "engine/store/execution_store.h"

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "engine/store/ids.h"
#include "engine/store/keys.h"

namespace weft::store {
namespace {

namespace json = boost::json;

constexpr std::string_view kSchemaKey = "schema_version";
constexpr std::size_t kDefaultPage = 50;
constexpr std::size_t kMaxPage = 1000;
constexpr char kFlowHead = 'h';
constexpr char kFlowVersion = 'v';
constexpr char kDedupEntry = '\x00';
constexpr char kDedupExpiry = '\x01';

// ---- the key layout of each keyspace ----
//   executions  id                         → record JSON
//               id 0x01                    → snapshot text
//               id 0x02 u64(seq)           → history event {"type","at","data"}
//     (schema 2: an execution's record, snapshot and history sit side by side in one B-tree, so a
//     step's commit rewrites one path of pages instead of three; schema 1 kept the snapshot and the
//     history in the keyspaces `snapshots` and `history`, moved here by migrate_to_v2())
//   by_status   u8(status) id              → ""
//   by_flow     str(flow) id               → ""
//   timers      i64(due) str(owner) str(timer_id) → payload
//   signals     id u64(seq)                → {"name","payload","at"}   (seq assigned by append)
//   leases      id                         → {"owner","expires_at"}
//   flows       str(flow) 'h'              → {"deployed","deployed_at"}
//               str(flow) 'v' i64(at) hash → ""
//   versions    hash                       → canonical JSON
//   dedup       0x00 key                   → {"value","expires_at"};  0x01 i64(expires) key → ""
//   events      u64(offset)                → {"type","at","data"}     (offset assigned by append)
//   cursors/secrets/tokens: name → value;  meta: "schema_version" → "1"
//   meta        "slot" str(slot) 'c'        → count of holders;  "slot" str(slot) 'h' id → ""

constexpr char kSnapshotTag = '\x01';
constexpr char kHistoryTag = '\x02';
std::string snapshot_key(std::string_view id) {
  std::string k(id);
  k.push_back(kSnapshotTag);
  return k;
}
std::string history_prefix(std::string_view id) {
  std::string k(id);
  k.push_back(kHistoryTag);
  return k;
}
std::string history_key(std::string_view id, std::uint64_t seq) {
  std::string k = history_prefix(id);
  key::append_u64(k, seq);
  return k;
}
/// The key of a pending signal (assigned by WriteBatch::append under the prefix `id`).
std::string signal_key(std::string_view id, std::uint64_t seq) {
  std::string k(id);
  key::append_u64(k, seq);
  return k;
}
std::string status_key(ExecutionStatus s, std::string_view id) {
  std::string k(1, static_cast<char>(s));
  k.append(id);
  return k;
}
std::string flow_prefix(std::string_view flow) {
  std::string k;
  key::append_str(k, flow);
  return k;
}
std::string timer_key(const TimerKey& t) {
  std::string k;
  key::append_i64(k, t.due_ms);
  key::append_str(k, t.owner);
  key::append_str(k, t.timer_id);
  return k;
}
std::optional<TimerKey> parse_timer_key(std::string_view k) {
  key::Reader r(k);
  TimerKey t;
  if (!r.i64(t.due_ms) || !r.str(t.owner) || !r.str(t.timer_id) || !r.done()) return std::nullopt;
  return t;
}
std::string dedup_entry_key(std::string_view key) { return std::string(1, kDedupEntry) + std::string(key); }
std::string dedup_expiry_key(std::int64_t expires, std::string_view key) {
  std::string k(1, kDedupExpiry);
  key::append_i64(k, expires);
  k.append(key);
  return k;
}

// ---- JSON encodings ----

[[noreturn]] void corrupted(std::string_view what, std::string_view detail) {
  throw StoreError("corrupted " + std::string(what) + ": " + std::string(detail));
}

json::object parse_object(std::string_view raw, std::string_view what) {
  json::error_code ec;
  auto v = json::parse(raw, ec);
  if (ec || !v.is_object()) corrupted(what, ec ? ec.message() : "not an object");
  return std::move(v.as_object());
}

std::string str_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return {};
  return std::string(v->get_string());
}
std::int64_t int_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}
json::value any_field(const json::object& o, std::string_view name) {
  auto* v = o.if_contains(name);
  return v ? *v : json::value(nullptr);
}

std::string encode_record(const ExecutionRecord& r) {
  json::object o;
  o["flow"] = r.flow;
  o["version"] = r.version;
  o["status"] = status_name(r.status);
  o["input"] = r.input;
  o["output"] = r.output;
  o["error"] = r.error;
  o["current"] = r.current;
  if (!r.parent_id.empty()) o["parent"] = r.parent_id;
  o["created_at"] = r.created_at_ms;
  o["updated_at"] = r.updated_at_ms;
  o["length"] = r.history_length;
  return json::serialize(o);
}

ExecutionRecord decode_record(std::string_view id, std::string_view raw) {
  auto o = parse_object(raw, "execution record");
  ExecutionRecord r;
  r.id = std::string(id);
  r.flow = str_field(o, "flow");
  r.version = str_field(o, "version");
  auto status = parse_status(str_field(o, "status"));
  if (!status) corrupted("execution record", r.id);
  r.status = *status;
  r.input = any_field(o, "input");
  r.output = any_field(o, "output");
  r.error = any_field(o, "error");
  r.current = str_field(o, "current");
  r.parent_id = str_field(o, "parent");
  r.created_at_ms = int_field(o, "created_at");
  r.updated_at_ms = int_field(o, "updated_at");
  r.history_length = static_cast<std::uint64_t>(int_field(o, "length"));
  return r;
}

std::string encode_event(const NewEvent& e, std::int64_t at) {
  json::object o;
  o["type"] = e.type;
  o["at"] = at;
  o["data"] = e.data;
  return json::serialize(o);
}

std::string encode_lease(std::string_view owner, std::int64_t expires) {
  json::object o;
  o["owner"] = owner;
  o["expires_at"] = expires;
  return json::serialize(o);
}
Lease decode_lease(std::string_view raw) {
  auto o = parse_object(raw, "lease");
  return Lease{str_field(o, "owner"), int_field(o, "expires_at")};
}

struct DedupEntry {
  std::string value;
  std::int64_t expires_at = 0;
};
std::string encode_dedup(std::string_view value, std::int64_t expires) {
  json::object o;
  o["value"] = value;
  o["expires_at"] = expires;
  return json::serialize(o);
}
DedupEntry decode_dedup(std::string_view raw) {
  auto o = parse_object(raw, "dedup entry");
  return DedupEntry{str_field(o, "value"), int_field(o, "expires_at")};
}

std::string encode_flow_head(std::string_view hash, std::int64_t at) {
  json::object o;
  o["deployed"] = hash;
  o["deployed_at"] = at;
  return json::serialize(o);
}

// ---- the implementation ----

class LmdbExecutionStore final : public ExecutionStore {
 public:
  LmdbExecutionStore(Store& store, std::unique_ptr<Store> owned, ExecutionStoreOptions opts)
      : store_(store), owned_(std::move(owned)), opts_(std::move(opts)) {}

  ~LmdbExecutionStore() override {
    if (owned_) owned_->close();
  }

  std::int64_t now() const { return opts_.clock ? opts_.clock() : now_ms(); }

  Status backup(const std::string& dir) override { return store_.backup(dir); }

  int schema_version() override {
    auto txn = store_.read();
    auto v = txn.get(Keyspace::meta, kSchemaKey);
    if (!v) return 0;
    try {
      return std::stoi(std::string(*v));
    } catch (const std::exception&) {
      corrupted("schema version", *v);
    }
  }

  StoreStats stats() override { return store_.stats(); }

  Status init_schema() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      int v = schema_version();
      if (v == execution_schema_version) return {};
      if (v == 1) {
        if (auto st = migrate_to_v2(); !st.ok() && st.code() != Errc::conflict) return st;
        continue;
      }
      if (v != 0)
        return Status(Errc::invalid_argument,
                      "the data directory has schema version " + std::to_string(v) +
                          "; this build reads version " + std::to_string(execution_schema_version));
      WriteBatch b;
      b.expect_absent(Keyspace::meta, kSchemaKey)
          .put(Keyspace::meta, kSchemaKey, std::to_string(execution_schema_version));
      auto st = store_.commit_sync(std::move(b));
      if (st.code() != Errc::conflict) return st;
    }
    return Status(Errc::conflict, "could not initialise the schema version");
  }

  // Schema 1 → 2: moves every snapshot and history event into `executions`, next to its record,
  // a bounded chunk per transaction (at most 1,024 entries or ~8 MiB, so a data directory of any
  // size fits), then writes version 2. Safe to interrupt and to run from several processes at once:
  // a chunk is copied and deleted in one transaction, and a copy made twice writes the same value.
  Status migrate_to_v2() {
    constexpr std::size_t kChunkEntries = 1024, kChunkBytes = 8u << 20;
    auto move_all = [&](Keyspace from, auto new_key) -> Status {
      for (;;) {
        WriteBatch b;
        std::optional<std::size_t> bad;  // the size of a key schema 1 could not have written
        {
          auto txn = store_.read();
          txn.scan(from, Range::all(), {}, [&](std::string_view k, std::string_view v) {
            auto moved = new_key(k);
            if (!moved) {
              bad = k.size();
              return false;
            }
            b.put(Keyspace::executions, *moved, v);
            b.del(from, k);
            return b.size() < 2 * kChunkEntries && b.bytes() < kChunkBytes;
          });
        }
        if (bad)
          return Status(Errc::invalid_argument, "schema 1 → 2: a key of " + std::to_string(*bad) + " bytes in " +
                                                    std::string(keyspace_name(from)) + " is not an execution's");
        if (b.empty()) return {};
        if (auto st = store_.commit_sync(std::move(b)); !st.ok()) return st;
      }
    };
    auto st = move_all(Keyspace::snapshots, [](std::string_view k) -> std::optional<std::string> {
      if (k.size() != id_length) return std::nullopt;
      return snapshot_key(k);
    });
    if (st.ok())
      st = move_all(Keyspace::history, [](std::string_view k) -> std::optional<std::string> {
        if (k.size() != id_length + 8) return std::nullopt;
        return history_key(k.substr(0, id_length), key::decode_u64(k.substr(id_length)));
      });
    if (!st.ok()) return st;
    WriteBatch b;
    b.expect_value(Keyspace::meta, kSchemaKey, "1").put(Keyspace::meta, kSchemaKey, "2");
    return store_.commit_sync(std::move(b));
  }

  // ---- flows ----

  Status deploy(const std::vector<FlowDeployment>& flows) override {
    return guarded([&]() -> Status {
      WriteBatch b;
      std::int64_t at = now();
      {
        auto txn = store_.read();
        std::set<std::string> seen;
        for (const auto& f : flows) {
          if (f.flow.empty() || f.hash.empty() || f.canonical_json.empty())
            return Status(Errc::invalid_argument, "a deployment needs a flow, a hash and its IR");
          if (f.deploy && !seen.insert(f.flow).second)
            return Status(Errc::invalid_argument, "flow " + f.flow + " deployed twice in one call");
          auto existing = txn.get(Keyspace::versions, f.hash);
          if (existing && *existing != f.canonical_json)
            return Status(Errc::invalid_argument,
                          "version " + f.hash + " is already stored with a different graph");
          if (!existing) b.put(Keyspace::versions, f.hash, f.canonical_json);
          if (!f.deploy) continue;
          std::string head = flow_prefix(f.flow) + kFlowHead;
          auto raw = txn.get(Keyspace::flows, head);
          if (raw) {
            if (str_field(parse_object(*raw, "flow"), "deployed") == f.hash) continue;
            b.expect_value(Keyspace::flows, head, *raw);
          } else {
            b.expect_absent(Keyspace::flows, head);
          }
          b.put(Keyspace::flows, head, encode_flow_head(f.hash, at));
          std::string log = flow_prefix(f.flow) + kFlowVersion;
          key::append_i64(log, at);
          log += f.hash;
          b.put(Keyspace::flows, log, "");
        }
      }
      if (b.empty()) return Status{};
      return store_.commit_sync(std::move(b));
    });
  }

  std::optional<std::string> get_version(std::string_view hash) override {
    auto txn = store_.read();
    auto v = txn.get(Keyspace::versions, hash);
    if (!v) return std::nullopt;
    return std::string(*v);
  }

  std::vector<FlowInfo> list_flows() override { return read_flows(Range::all()); }

  std::optional<FlowInfo> get_flow(std::string_view name) override {
    if (name.empty()) return std::nullopt;
    auto flows = read_flows(Range::prefix(flow_prefix(name)));
    if (flows.empty()) return std::nullopt;
    return std::move(flows.front());
  }

  std::vector<FlowInfo> read_flows(const Range& range) {
    std::map<std::string, FlowInfo> by_name;
    auto txn = store_.read();
    txn.scan(Keyspace::flows, range, {}, [&](std::string_view k, std::string_view v) {
      key::Reader r(k);
      std::string name;
      std::string_view tag;
      if (!r.str(name) || !r.raw(1, tag)) corrupted("flow key", k);
      auto& info = by_name[name];
      info.name = name;
      if (tag[0] == kFlowHead) {
        auto o = parse_object(v, "flow");
        info.deployed_hash = str_field(o, "deployed");
        info.deployed_at_ms = int_field(o, "deployed_at");
      } else {
        std::int64_t at = 0;
        if (!r.i64(at)) corrupted("flow key", k);
        info.versions.push_back(FlowVersionInfo{std::string(r.rest()), at});
      }
      return true;
    });
    std::vector<FlowInfo> out;
    for (auto& [name, info] : by_name) {
      if (info.deployed_hash.empty()) continue;
      std::reverse(info.versions.begin(), info.versions.end());
      std::set<std::string> seen;
      std::erase_if(info.versions, [&](const FlowVersionInfo& v) { return !seen.insert(v.hash).second; });
      out.push_back(std::move(info));
    }
    return out;
  }

  // ---- executions ----

  // Adds the writes that start `e` to `b`; existing=true means the idempotency key already named
  // an execution and nothing was added.
  Result<Created> stage_create(const ReadTxn& txn, NewExecution& e, WriteBatch& b, std::int64_t at) {
    if (e.flow.empty() || e.version.empty())
      return Status(Errc::invalid_argument, "an execution needs a flow and a version");
    if (!txn.get(Keyspace::versions, e.version))
      return Status(Errc::not_found, "unknown flow version " + e.version);
    if (e.id.empty()) e.id = new_id();
    else if (!is_valid_id(e.id)) return Status(Errc::invalid_argument, "malformed execution id " + e.id);
    if (!e.parent_id.empty() && !is_valid_id(e.parent_id))
      return Status(Errc::invalid_argument, "malformed parent execution id " + e.parent_id);
    if (e.idempotency_key) {
      if (e.idempotency_key->empty()) return Status(Errc::invalid_argument, "empty idempotency key");
      if (auto winner = stage_dedup(txn, b, *e.idempotency_key, e.id, at, e.idempotency_ttl_ms))
        return Created{*winner, true};
    }
    ExecutionRecord r;
    r.id = e.id;
    r.flow = e.flow;
    r.version = e.version;
    r.input = e.input;
    r.parent_id = e.parent_id;
    r.created_at_ms = *id_time_ms(e.id);
    r.updated_at_ms = at;
    r.history_length = 1 + e.more_events.size();
    NewEvent first = e.first_event ? *e.first_event
                                   : NewEvent{"ExecutionStarted", json::object{{"flow", e.flow},
                                                                               {"version", e.version},
                                                                               {"input", e.input}}};
    b.expect_absent(Keyspace::executions, e.id);
    b.put(Keyspace::executions, e.id, encode_record(r));
    b.put(Keyspace::by_status, status_key(ExecutionStatus::running, e.id), "");
    b.put(Keyspace::by_flow, flow_prefix(e.flow) + e.id, "");
    b.put(Keyspace::executions, history_key(e.id, 1), encode_event(first, at));
    for (std::size_t i = 0; i < e.more_events.size(); ++i)
      b.put(Keyspace::executions, history_key(e.id, i + 2), encode_event(e.more_events[i], at));
    if (e.snapshot) b.put(Keyspace::executions, snapshot_key(e.id), *e.snapshot);
    for (const auto& t : e.timers) b.put(Keyspace::timers, timer_key(t.key), t.payload);
    if (e.lease_owner) b.put(Keyspace::leases, e.id, encode_lease(*e.lease_owner, at + e.lease_ttl_ms));
    return Created{e.id, false};
  }

  // Stages a claim of `key` for `value`; returns the live winner instead when there is one.
  std::optional<std::string> stage_dedup(const ReadTxn& txn, WriteBatch& b, std::string_view key,
                                         std::string_view value, std::int64_t at, std::int64_t ttl) {
    std::string entry = dedup_entry_key(key);
    auto raw = txn.get(Keyspace::dedup, entry);
    if (raw) {
      auto d = decode_dedup(*raw);
      if (d.expires_at > at) return d.value;
      b.expect_value(Keyspace::dedup, entry, *raw);
      b.del(Keyspace::dedup, dedup_expiry_key(d.expires_at, key));
    } else {
      b.expect_absent(Keyspace::dedup, entry);
    }
    std::int64_t expires = at + std::max<std::int64_t>(ttl, 1);
    b.put(Keyspace::dedup, entry, encode_dedup(value, expires));
    b.put(Keyspace::dedup, dedup_expiry_key(expires, key), "");
    return std::nullopt;
  }

  Result<Created> prepare_create(NewExecution& e, WriteBatch& b) {
    try {
      auto txn = store_.read();
      return stage_create(txn, e, b, now());
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
  }

  // After a conflicting create: the execution named by the idempotency key, if that was the cause.
  // Static, so that a callback does not depend on this object (only on the Store).
  static Result<Created> resolve_create(Store& store, std::int64_t at, const Status& st,
                                        const Created& c,
                                        const std::optional<std::string>& idempotency_key) {
    if (st.ok()) return c;
    if (st.code() == Errc::conflict && idempotency_key) {
      try {
        if (auto winner = lookup_dedup(store, *idempotency_key, at)) return Created{*winner, true};
      } catch (const StoreError& ex) {
        return Status(Errc::io, ex.what());
      }
    }
    return st;
  }

  void create(NewExecution e, CreateCallback done) override {
    WriteBatch b;
    auto staged = prepare_create(e, b);
    if (!staged.ok() || staged->existing) {
      if (done) done(staged);
      return;
    }
    store_.commit(std::move(b), [&store = store_, at = now(), c = *staged, key = e.idempotency_key,
                                 done = std::move(done)](const Status& st) {
      if (done) done(resolve_create(store, at, st, c, key));
    }, mode(e.alone));
  }

  Result<Created> create_sync(NewExecution e) override {
    WriteBatch b;
    auto staged = prepare_create(e, b);
    if (!staged.ok() || staged->existing) return staged;
    return resolve_create(store_, now(), store_.commit_sync(std::move(b)), *staged,
                          e.idempotency_key);
  }

  // Checks the lease of `id` for `owner` (free, expired or ours) and stages taking it for `ttl`
  // (or dropping it when ttl is nullopt).
  Status stage_lease(const ReadTxn& txn, WriteBatch& b, std::string_view id, std::string_view owner,
                     std::int64_t at, std::optional<std::int64_t> ttl, bool must_be_ours) {
    if (owner.empty()) return Status(Errc::invalid_argument, "empty lease owner");
    auto raw = txn.get(Keyspace::leases, id);
    if (raw) {
      auto l = decode_lease(*raw);
      if (l.owner != owner && (must_be_ours || l.expires_at_ms > at))
        return Status(Errc::conflict, "lease of " + std::string(id) + " held by " + l.owner);
      b.expect_value(Keyspace::leases, id, *raw);
    } else {
      if (must_be_ours && ttl)
        return Status(Errc::conflict, "no lease on " + std::string(id) + " to renew");
      b.expect_absent(Keyspace::leases, id);
    }
    if (ttl) b.put(Keyspace::leases, id, encode_lease(owner, at + *ttl));
    else if (raw) b.del(Keyspace::leases, id);
    return {};
  }

  Status stage_transition(const ReadTxn& txn, Transition& t, WriteBatch& b, std::int64_t at) {
    const std::string& id = t.execution_id;
    auto raw = is_valid_id(id) ? txn.get(Keyspace::executions, id) : std::nullopt;
    if (!raw) return Status(Errc::not_found, "no execution " + id);
    auto r = decode_record(id, *raw);
    if (t.expected_length && *t.expected_length != r.history_length)
      return Status(Errc::conflict, "execution " + id + " has " + std::to_string(r.history_length) +
                                        " history events, expected " +
                                        std::to_string(*t.expected_length));
    b.expect_value(Keyspace::executions, id, *raw);
    for (const auto& ev : t.events)
      b.put(Keyspace::executions, history_key(id, ++r.history_length), encode_event(ev, at));
    if (t.snapshot) b.put(Keyspace::executions, snapshot_key(id), *t.snapshot);
    if (t.status && *t.status != r.status) {
      b.del(Keyspace::by_status, status_key(r.status, id));
      b.put(Keyspace::by_status, status_key(*t.status, id), "");
      r.status = *t.status;
    }
    if (t.output) r.output = *t.output;
    if (t.error) r.error = *t.error;
    if (t.current) r.current = *t.current;
    if (t.input) r.input = *t.input;
    if (t.version && *t.version != r.version) {
      if (t.version->empty() || !txn.get(Keyspace::versions, *t.version))
        return Status(Errc::not_found, "unknown flow version " + *t.version);
      r.version = *t.version;
    }
    r.updated_at_ms = at;
    b.put(Keyspace::executions, id, encode_record(r));
    for (const auto& k : t.remove_timers) b.del(Keyspace::timers, timer_key(k));
    for (const auto& tm : t.add_timers) b.put(Keyspace::timers, timer_key(tm.key), tm.payload);
    for (auto seq : t.consume_signals) {
      auto k = signal_key(id, seq);
      b.expect_present(Keyspace::signals, k);
      b.del(Keyspace::signals, k);
    }
    if (is_terminal(r.status)) {
      // Signals nobody will consume any more.
      txn.scan(Keyspace::signals, Range::prefix(id), {}, [&](std::string_view k, std::string_view) {
        b.del(Keyspace::signals, k);
        return true;
      });
    }
    for (const auto& ev : t.publish) b.append(Keyspace::events, "", encode_event(ev, at));
    for (auto& child : t.spawn) {
      if (child.parent_id.empty()) child.parent_id = id;
      auto c = stage_create(txn, child, b, at);
      if (!c.ok()) return c.status();
    }
    if (t.lease_owner) {
      std::optional<std::int64_t> ttl;
      if (!is_terminal(r.status)) ttl = t.lease_ttl_ms;
      if (auto st = stage_lease(txn, b, id, *t.lease_owner, at, ttl, false); !st.ok()) return st;
    }
    return {};
  }

  Status prepare_transition(Transition& t, WriteBatch& b) {
    try {
      auto txn = store_.read();
      return stage_transition(txn, t, b, now());
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
  }

  void transition(Transition t, Callback done) override {
    WriteBatch b;
    if (auto st = prepare_transition(t, b); !st.ok()) {
      if (done) done(st);
      return;
    }
    store_.commit(std::move(b), std::move(done), mode(t.alone));
  }

  static Store::Mode mode(bool alone) { return alone ? Store::Mode::inline_when_idle : Store::Mode::queued; }

  Status transition_sync(Transition t) override {
    WriteBatch b;
    if (auto st = prepare_transition(t, b); !st.ok()) return st;
    return store_.commit_sync(std::move(b));
  }

  std::optional<ExecutionRecord> get_execution(std::string_view id) override {
    if (!is_valid_id(id)) return std::nullopt;
    auto txn = store_.read();
    auto raw = txn.get(Keyspace::executions, id);
    if (!raw) return std::nullopt;
    return decode_record(id, *raw);
  }

  std::optional<std::string> get_snapshot(std::string_view id) override {
    if (!is_valid_id(id)) return std::nullopt;
    auto txn = store_.read();
    auto raw = txn.get(Keyspace::executions, snapshot_key(id));
    if (!raw) return std::nullopt;
    return std::string(*raw);
  }

  std::vector<HistoryEvent> history(std::string_view id, std::uint64_t from_seq,
                                    std::size_t limit) override {
    std::vector<HistoryEvent> out;
    if (!is_valid_id(id)) return out;
    auto txn = store_.read();
    auto upper = key::prefix_end(history_prefix(id));
    txn.scan(Keyspace::executions, Range{history_key(id, std::max<std::uint64_t>(from_seq, 1)), upper},
             ScanOptions{limit, false}, [&](std::string_view k, std::string_view v) {
               auto o = parse_object(v, "history event");
               out.push_back(HistoryEvent{key::decode_u64(k.substr(id.size() + 1)),
                                          int_field(o, "at"), str_field(o, "type"),
                                          any_field(o, "data")});
               return true;
             });
    return out;
  }

  Result<ExecutionPage> list_executions(const ExecutionQuery& q) override {
    if (!q.cursor.empty() && !is_valid_id(q.cursor))
      return Status(Errc::invalid_argument, "malformed cursor");
    if (q.flow && q.flow->empty()) return Status(Errc::invalid_argument, "empty flow filter");
    std::size_t limit = q.limit == 0 ? kDefaultPage : std::min(q.limit, kMaxPage);
    std::string hi = q.until_ms ? id_floor(*q.until_ms) : std::string();
    if (!q.cursor.empty() && (hi.empty() || q.cursor < hi)) hi = q.cursor;
    std::string lo = q.since_ms ? id_floor(*q.since_ms) : std::string();

    Keyspace ks = Keyspace::executions;
    std::string prefix;
    if (q.status) {
      ks = Keyspace::by_status;
      prefix = status_key(*q.status, "");
    } else if (q.flow) {
      ks = Keyspace::by_flow;
      prefix = flow_prefix(*q.flow);
    }
    Range range{prefix + lo, hi.empty() ? (prefix.empty() ? std::nullopt : key::prefix_end(prefix))
                                        : std::optional<std::string>(prefix + hi)};
    ExecutionPage page;
    try {
      auto txn = store_.read();
      bool more = false;
      txn.scan(ks, range, ScanOptions{0, true}, [&](std::string_view k, std::string_view v) {
        std::string_view id = k.substr(prefix.size());
        if (id.size() != id_length) return true;
        std::optional<std::string_view> raw = ks == Keyspace::executions ? std::optional(v)
                                                                         : txn.get(Keyspace::executions, id);
        if (!raw) return true;
        auto r = decode_record(id, *raw);
        if ((q.flow && r.flow != *q.flow) || (q.status && r.status != *q.status)) return true;
        if (page.items.size() == limit) {
          more = true;
          return false;
        }
        page.items.push_back(std::move(r));
        return true;
      });
      if (more) page.next_cursor = page.items.back().id;
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
    return page;
  }

  StatusCount count_status(ExecutionStatus status, std::size_t limit) override {
    StatusCount out;
    std::string prefix = status_key(status, "");
    auto txn = store_.read();
    txn.scan(Keyspace::by_status, Range::prefix(prefix), {}, [&](std::string_view k, std::string_view) {
      if (limit && out.count == limit) {
        out.capped = true;
        return false;
      }
      if (!out.oldest_id) out.oldest_id = std::string(k.substr(prefix.size()));  // ids are time-ordered
      ++out.count;
      return true;
    });
    return out;
  }

  // ---- timers ----

  Status update_timers(const std::vector<Timer>& add, const std::vector<TimerKey>& remove) override {
    WriteBatch b;
    for (const auto& k : remove) b.del(Keyspace::timers, timer_key(k));
    for (const auto& t : add) b.put(Keyspace::timers, timer_key(t.key), t.payload);
    return store_.commit_sync(std::move(b));
  }

  std::vector<Timer> due_timers(std::int64_t now, std::size_t limit) override {
    std::vector<Timer> out;
    std::optional<std::string> upper;  // unbounded for INT64_MAX
    if (now != INT64_MAX) key::append_i64(upper.emplace(), now + 1);
    auto txn = store_.read();
    txn.scan(Keyspace::timers, Range{"", upper}, ScanOptions{limit, false},
             [&](std::string_view k, std::string_view v) {
               auto tk = parse_timer_key(k);
               if (!tk) corrupted("timer key", k);
               out.push_back(Timer{std::move(*tk), std::string(v)});
               return true;
             });
    return out;
  }

  std::optional<std::int64_t> next_timer_due(std::string_view skip_owner_prefix) override {
    auto txn = store_.read();
    std::optional<std::int64_t> due;
    txn.scan(Keyspace::timers, Range::all(), ScanOptions{0, false},
             [&](std::string_view k, std::string_view) {
               auto tk = parse_timer_key(k);
               if (!tk) corrupted("timer key", k);
               if (!skip_owner_prefix.empty() && tk->owner.starts_with(skip_owner_prefix)) return true;
               due = tk->due_ms;
               return false;
             });
    return due;
  }

  // ---- signals ----

  Status prepare_signal(std::string_view id, std::string_view name, const json::value& payload,
                        WriteBatch& b) {
    if (name.empty()) return Status(Errc::invalid_argument, "empty signal name");
    try {
      auto txn = store_.read();
      auto raw = is_valid_id(id) ? txn.get(Keyspace::executions, id) : std::nullopt;
      if (!raw) return Status(Errc::not_found, "no execution " + std::string(id));
      auto r = decode_record(id, *raw);
      if (is_terminal(r.status))
        return Status(Errc::conflict, "execution " + std::string(id) + " is " +
                                          std::string(status_name(r.status)));
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
    b.expect_present(Keyspace::executions, id);
    for (auto s : {ExecutionStatus::completed, ExecutionStatus::failed, ExecutionStatus::cancelled})
      b.expect_absent(Keyspace::by_status, status_key(s, id));
    json::object o;
    o["name"] = name;
    o["payload"] = payload;
    o["at"] = now();
    b.append(Keyspace::signals, id, json::serialize(o));
    return {};
  }

  void enqueue_signal(std::string_view id, std::string_view name, json::value payload,
                      Callback done) override {
    WriteBatch b;
    if (auto st = prepare_signal(id, name, payload, b); !st.ok()) {
      if (done) done(st);
      return;
    }
    store_.commit(std::move(b), std::move(done));
  }

  Status enqueue_signal_sync(std::string_view id, std::string_view name,
                             json::value payload) override {
    WriteBatch b;
    if (auto st = prepare_signal(id, name, payload, b); !st.ok()) return st;
    return store_.commit_sync(std::move(b));
  }

  std::vector<Signal> pending_signals(std::string_view id, std::size_t limit) override {
    std::vector<Signal> out;
    if (!is_valid_id(id)) return out;
    auto txn = store_.read();
    txn.scan(Keyspace::signals, Range::prefix(id), ScanOptions{limit, false},
             [&](std::string_view k, std::string_view v) {
               if (k.size() != id.size() + 8) corrupted("signal key", k);
               auto o = parse_object(v, "signal");
               out.push_back(Signal{std::string(id), key::decode_u64(k.substr(id.size())),
                                    str_field(o, "name"), any_field(o, "payload"),
                                    int_field(o, "at")});
               return true;
             });
    return out;
  }

  // ---- dedup ----

  Result<DedupClaim> claim_dedup(std::string_view key, std::string_view value,
                                 std::int64_t ttl_ms) override {
    if (key.empty()) return Status(Errc::invalid_argument, "empty dedup key");
    for (int attempt = 0; attempt < 8; ++attempt) {
      WriteBatch b;
      try {
        auto txn = store_.read();
        if (auto winner = stage_dedup(txn, b, key, value, now(), ttl_ms))
          return DedupClaim{false, *winner};
      } catch (const StoreError& ex) {
        return Status(Errc::io, ex.what());
      }
      auto st = store_.commit_sync(std::move(b));
      if (st.ok()) return DedupClaim{true, std::string(value)};
      if (st.code() != Errc::conflict) return st;
    }
    return Status(Errc::conflict, "dedup key keeps changing");
  }

  std::optional<std::string> get_dedup(std::string_view key) override {
    return lookup_dedup(store_, key, now());
  }

  // The live value under a dedup key at time `at`.
  static std::optional<std::string> lookup_dedup(Store& store, std::string_view key, std::int64_t at) {
    if (key.empty()) return std::nullopt;
    auto txn = store.read();
    auto raw = txn.get(Keyspace::dedup, dedup_entry_key(key));
    if (!raw) return std::nullopt;
    auto d = decode_dedup(*raw);
    if (d.expires_at <= at) return std::nullopt;
    return d.value;
  }

  Result<std::size_t> sweep_dedup(std::int64_t now, std::size_t limit) override {
    std::vector<WriteBatch> batches;
    try {
      auto txn = store_.read();
      // Entries with expires_at ≤ now are expired (as in get_dedup).
      std::string upper(1, kDedupExpiry);
      if (now == INT64_MAX) upper = std::string(1, kDedupExpiry + 1);
      else key::append_i64(upper, now + 1);
      txn.scan(Keyspace::dedup, Range{std::string(1, kDedupExpiry), upper}, ScanOptions{limit, false},
               [&](std::string_view k, std::string_view) {
                 key::Reader r(k.substr(1));
                 std::int64_t expires = 0;
                 if (!r.i64(expires)) corrupted("dedup key", k);
                 std::string user_key(r.rest());
                 WriteBatch b;
                 b.del(Keyspace::dedup, k);
                 auto entry = dedup_entry_key(user_key);
                 auto raw = txn.get(Keyspace::dedup, entry);
                 // Delete the entry only if it is still the claim this index line belongs to.
                 if (raw && decode_dedup(*raw).expires_at == expires) {
                   b.expect_value(Keyspace::dedup, entry, *raw);
                   b.del(Keyspace::dedup, entry);
                 }
                 batches.push_back(std::move(b));
                 return true;
               });
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
    // One batch per key, so that a key claimed again meanwhile only skips itself; group commit
    // merges them into few transactions.
    struct Wait {
      std::mutex mu;
      std::condition_variable cv;
      std::size_t pending = 0, ok = 0;
      Status error;
    } w;
    w.pending = batches.size();
    for (auto& b : batches)
      store_.commit(std::move(b), [&w](const Status& st) {
        std::lock_guard lock(w.mu);
        if (st.ok()) ++w.ok;
        else if (st.code() != Errc::conflict && w.error.ok()) w.error = st;
        if (--w.pending == 0) w.cv.notify_all();
      });
    std::unique_lock lock(w.mu);
    w.cv.wait(lock, [&] { return w.pending == 0; });
    if (!w.error.ok()) return w.error;
    return w.ok;
  }

  // ---- cursors, events, secrets, tokens ----

  std::optional<std::string> get_plain(Keyspace ks, std::string_view k) {
    if (k.empty()) return std::nullopt;
    auto txn = store_.read();
    auto v = txn.get(ks, k);
    if (!v) return std::nullopt;
    return std::string(*v);
  }

  Status put_plain(Keyspace ks, std::string_view k, std::string_view v, std::string_view what) {
    if (k.empty()) return Status(Errc::invalid_argument, "empty " + std::string(what) + " name");
    return store_.commit_sync(WriteBatch().put(ks, k, v));
  }

  Status delete_plain(Keyspace ks, std::string_view k, std::string_view what) {
    return guarded([&]() -> Status {
      if (!get_plain(ks, k)) return Status(Errc::not_found, "no " + std::string(what) + " " + std::string(k));
      auto st = store_.commit_sync(WriteBatch().expect_present(ks, k).del(ks, k));
      if (st.code() == Errc::conflict)
        return Status(Errc::not_found, "no " + std::string(what) + " " + std::string(k));
      return st;
    });
  }

  std::optional<std::string> get_cursor(std::string_view name) override {
    return get_plain(Keyspace::cursors, name);
  }
  Status put_cursor(std::string_view name, std::string_view value) override {
    return put_plain(Keyspace::cursors, name, value, "cursor");
  }

  Status append_event(std::string_view type, json::value data) override {
    if (type.empty()) return Status(Errc::invalid_argument, "empty event type");
    return store_.commit_sync(
        WriteBatch().append(Keyspace::events, "", encode_event(NewEvent{std::string(type), std::move(data)}, now())));
  }

  std::vector<QueuedEvent> read_events(std::uint64_t after, std::size_t limit) override {
    std::vector<QueuedEvent> out;
    if (after == UINT64_MAX) return out;
    auto txn = store_.read();
    txn.scan(Keyspace::events, Range{key::u64(after + 1), std::nullopt}, ScanOptions{limit, false},
             [&](std::string_view k, std::string_view v) {
               if (k.size() != 8) corrupted("event key", k);
               auto o = parse_object(v, "event");
               out.push_back(QueuedEvent{key::decode_u64(k), int_field(o, "at"),
                                         str_field(o, "type"), any_field(o, "data")});
               return true;
             });
    return out;
  }

  Status trim_events(std::uint64_t upto) override {
    return guarded([&]() -> Status {
      WriteBatch b;
      {
        auto txn = store_.read();
        auto last = txn.last(Keyspace::events, Range::all());
        if (!last) return Status{};
        // The newest event stays, so that appends continue its numbering.
        std::uint64_t keep = key::decode_u64(last->key);
        std::uint64_t end = std::min(upto, keep - 1);
        if (end == 0) return Status{};
        txn.scan(Keyspace::events, Range{"", key::u64(end + 1)}, {},
                 [&](std::string_view k, std::string_view) {
                   b.del(Keyspace::events, k);
                   return true;
                 });
      }
      return store_.commit_sync(std::move(b));
    });
  }

  Status delete_execution(std::string_view id) override {
    return guarded([&]() -> Status {
      WriteBatch b;
      {
        auto txn = store_.read();
        auto raw = txn.get(Keyspace::executions, id);
        if (!raw) return Status(Errc::not_found, "no execution " + std::string(id));
        ExecutionRecord r = decode_record(id, *raw);
        if (!is_terminal(r.status))
          return Status(Errc::conflict, "execution " + std::string(id) + " has not finished");
        b.expect_value(Keyspace::executions, id, *raw);  // it did not change since it was read
        b.del(Keyspace::by_status, status_key(r.status, id));
        b.del(Keyspace::by_flow, flow_prefix(r.flow) + std::string(id));
        b.del(Keyspace::leases, id);
        auto drop_prefix = [&](Keyspace ks) {
          txn.scan(ks, Range::prefix(std::string(id)), {}, [&](std::string_view k, std::string_view) {
            b.del(ks, k);
            return true;
          });
        };
        drop_prefix(Keyspace::executions);  // the record, its snapshot and its history
        drop_prefix(Keyspace::signals);
        // Timers are ordered by due time: find the execution's own by owner.
        txn.scan(Keyspace::timers, Range::all(), {}, [&](std::string_view k, std::string_view) {
          if (auto t = parse_timer_key(k); t && t->owner == id) b.del(Keyspace::timers, k);
          return true;
        });
      }
      return store_.commit_sync(std::move(b));
    });
  }

  Status put_secret(std::string_view name, std::string_view sealed) override {
    return put_plain(Keyspace::secrets, name, sealed, "secret");
  }
  std::optional<std::string> get_secret(std::string_view name) override {
    return get_plain(Keyspace::secrets, name);
  }
  Status delete_secret(std::string_view name) override {
    return delete_plain(Keyspace::secrets, name, "secret");
  }
  std::vector<std::string> list_secrets() override {
    std::vector<std::string> out;
    auto txn = store_.read();
    txn.scan(Keyspace::secrets, Range::all(), {}, [&](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return true;
    });
    return out;
  }

  Status put_token(std::string_view hash, std::string_view record) override {
    return put_plain(Keyspace::tokens, hash, record, "token");
  }
  std::optional<std::string> get_token(std::string_view hash) override {
    return get_plain(Keyspace::tokens, hash);
  }
  Status delete_token(std::string_view hash) override {
    return delete_plain(Keyspace::tokens, hash, "token");
  }
  std::vector<Entry> list_tokens() override {
    auto txn = store_.read();
    return txn.collect(Keyspace::tokens, Range::all());
  }

  // ---- leases ----

  Status lease_op(std::string_view id, std::string_view owner, std::optional<std::int64_t> ttl,
                  bool must_be_ours) {
    return guarded([&]() -> Status {
      WriteBatch b;
      {
        auto txn = store_.read();
        if (!is_valid_id(id) || !txn.get(Keyspace::executions, id))
          return Status(Errc::not_found, "no execution " + std::string(id));
        if (auto st = stage_lease(txn, b, id, owner, now(), ttl, must_be_ours); !st.ok()) return st;
      }
      return store_.commit_sync(std::move(b));
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
    auto txn = store_.read();
    auto raw = txn.get(Keyspace::leases, id);
    if (!raw) return std::nullopt;
    return decode_lease(*raw);
  }

  // The keys of a concurrency slot: its holder count and one holder.
  static std::string slot_key(std::string_view slot, char tag, std::string_view id = {}) {
    std::string k = "slot";
    key::append_str(k, slot);
    k.push_back(tag);
    k.append(id);
    return k;
  }

  // Changes a slot's holder count by `delta` with `id` added (+1) or removed (-1), conditional on
  // the count read; Ok(false) when full, conflict when it changed meanwhile.
  Result<bool> change_slot(std::string_view slot, std::int64_t limit, std::string_view id, int delta) {
    auto count_key = slot_key(slot, 'c'), holder = slot_key(slot, 'h', id);
    WriteBatch b;
    std::int64_t count = 0;
    {
      auto txn = store_.read();
      bool held = txn.get(Keyspace::meta, holder).has_value();
      if ((delta > 0) == held) return true;  // already held / already free
      auto raw = txn.get(Keyspace::meta, count_key);
      if (raw) {
        count = std::stoll(std::string(*raw));
        b.expect_value(Keyspace::meta, count_key, *raw);
      } else {
        b.expect_absent(Keyspace::meta, count_key);
      }
    }
    if (delta > 0 && count >= limit) return false;
    count += delta;
    if (delta > 0) b.expect_absent(Keyspace::meta, holder).put(Keyspace::meta, holder, "");
    else b.expect_present(Keyspace::meta, holder).del(Keyspace::meta, holder);
    if (count > 0) b.put(Keyspace::meta, count_key, std::to_string(count));
    else b.del(Keyspace::meta, count_key);
    auto st = store_.commit_sync(std::move(b));
    if (!st.ok()) return st;
    return true;
  }

  Result<bool> acquire_slot(std::string_view slot, std::int64_t limit, std::string_view id) override {
    if (slot.empty() || !is_valid_id(id) || limit < 1) return Status(Errc::invalid_argument, "bad slot request");
    for (int attempt = 0; attempt < 16; ++attempt) {
      try {
        auto r = change_slot(slot, limit, id, +1);
        if (r.ok() || r.status().code() != Errc::conflict) return r;
      } catch (const StoreError& ex) {
        return Status(Errc::io, ex.what());
      }
    }
    return Status(Errc::conflict, "slot " + std::string(slot) + " keeps changing");
  }

  Status release_slot(std::string_view slot, std::string_view id) override {
    if (slot.empty() || !is_valid_id(id)) return Status(Errc::invalid_argument, "bad slot request");
    for (int attempt = 0; attempt < 16; ++attempt) {
      try {
        auto r = change_slot(slot, 0, id, -1);
        if (r.ok() || r.status().code() != Errc::conflict) return r.status();
      } catch (const StoreError& ex) {
        return Status(Errc::io, ex.what());
      }
    }
    return Status(Errc::conflict, "slot " + std::string(slot) + " keeps changing");
  }

  Result<std::vector<std::string>> renew_leases(std::string_view owner, const std::vector<std::string>& ids,
                                                std::int64_t ttl) override {
    if (owner.empty()) return Status(Errc::invalid_argument, "empty lease owner");
    std::vector<std::string> lost;
    WriteBatch b;
    try {
      auto txn = store_.read();
      std::int64_t at = now();
      for (const auto& id : ids) {
        auto raw = is_valid_id(id) ? txn.get(Keyspace::leases, id) : std::nullopt;
        if (!raw || decode_lease(*raw).owner != owner) {
          lost.push_back(id);
          continue;
        }
        b.expect_value(Keyspace::leases, id, *raw);
        b.put(Keyspace::leases, id, encode_lease(owner, at + ttl));
      }
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
    if (b.empty()) return lost;
    // A lease changed since it was read (taken over): renew one by one to learn which.
    if (auto st = store_.commit_sync(std::move(b)); st.code() == Errc::conflict) {
      lost.clear();
      for (const auto& id : ids)
        if (!renew_lease(id, owner, ttl).ok()) lost.push_back(id);
    } else if (!st.ok()) {
      return st;
    }
    return lost;
  }

  std::vector<std::string> claimable_executions(std::string_view owner, std::size_t limit) override {
    std::vector<std::string> out;
    std::int64_t at = now();
    auto txn = store_.read();
    for (auto s : {ExecutionStatus::running, ExecutionStatus::paused}) {
      std::string prefix = status_key(s, "");
      std::size_t found = 0;
      txn.scan(Keyspace::by_status, Range::prefix(prefix), {},
               [&](std::string_view k, std::string_view) {
                 std::string_view id = k.substr(prefix.size());
                 auto raw = txn.get(Keyspace::leases, id);
                 if (raw) {
                   auto l = decode_lease(*raw);
                   if (l.owner != owner && l.expires_at_ms > at) return true;
                 }
                 out.emplace_back(id);
                 return limit == 0 || ++found < limit;
               });
    }
    std::sort(out.begin(), out.end());
    if (limit && out.size() > limit) out.resize(limit);
    return out;
  }

 private:
  // Runs `fn`, turning an environment failure into an io Status.
  template <class Fn>
  Status guarded(Fn&& fn) {
    try {
      return fn();
    } catch (const StoreError& ex) {
      return Status(Errc::io, ex.what());
    }
  }

  Store& store_;
  std::unique_ptr<Store> owned_;
  ExecutionStoreOptions opts_;
};

}  // namespace

std::string_view status_name(ExecutionStatus s) {
  switch (s) {
    case ExecutionStatus::running: return "running";
    case ExecutionStatus::completed: return "completed";
    case ExecutionStatus::failed: return "failed";
    case ExecutionStatus::cancelled: return "cancelled";
    case ExecutionStatus::paused: return "paused";
  }
  return "running";
}

std::optional<ExecutionStatus> parse_status(std::string_view name) {
  for (auto s : {ExecutionStatus::running, ExecutionStatus::completed, ExecutionStatus::failed,
                 ExecutionStatus::cancelled, ExecutionStatus::paused})
    if (status_name(s) == name) return s;
  return std::nullopt;
}

bool is_terminal(ExecutionStatus s) {
  return s == ExecutionStatus::completed || s == ExecutionStatus::failed ||
         s == ExecutionStatus::cancelled;
}

Result<std::unique_ptr<ExecutionStore>> make_execution_store(Store& store, ExecutionStoreOptions opts) {
  auto es = std::make_unique<LmdbExecutionStore>(store, nullptr, std::move(opts));
  Status st;
  try {
    st = es->init_schema();
  } catch (const StoreError& ex) {
    st = Status(Errc::io, ex.what());
  }
  if (!st.ok()) return st;
  return std::unique_ptr<ExecutionStore>(std::move(es));
}

Result<std::unique_ptr<ExecutionStore>> open_execution_store(const StoreOptions& opts,
                                                             ExecutionStoreOptions eopts) {
  auto store = Store::open(opts);
  if (!store.ok()) return store.status();
  Store& ref = *store.value();
  auto es = std::make_unique<LmdbExecutionStore>(ref, std::move(store.value()), std::move(eopts));
  Status st;
  try {
    st = es->init_schema();
  } catch (const StoreError& ex) {
    st = Status(Errc::io, ex.what());
  }
  if (!st.ok()) return st;
  return std::unique_ptr<ExecutionStore>(std::move(es));
}

}  // namespace weft::store
