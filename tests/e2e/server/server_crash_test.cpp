// SIGKILL of the real `weft serve`, then a restart on the same data directory:
// - with executions in every state (running a step against a slow receiver, waiting on a timer,
//   waiting for a signal, queued behind a concurrency limit): each completes after the signal is
//   sent / the timer fires / the slot frees, and no step whose completion was recorded is sent again;
// - during signed webhook load (Standard Webhooks, distinct delivery ids; the flow waits 300 ms
//   before its step, so the kill finds accepted executions unfinished): every execution that
//   got a 202 completes exactly once, and a redelivery of an unanswered request starts nothing new
//   when its start had been recorded.
// The receiving servers count requests per Idempotency-Key (the engine's `<execution>/<step>` key).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "tests/e2e/engine/process.h"
#include "tests/e2e/engine/test_server.h"
#include "tests/e2e/server/server_harness.h"

namespace weft::e2e {
namespace {
namespace json = boost::json;

constexpr const char* kStatesFlow = R"FLOW(
connection slow = http {
  base_url: env("SLOW_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 50, backoff: fixed(100ms) }
}
connection api = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 50, backoff: fixed(100ms) }
}

flow in_step(n: int) -> json {
  step s = slow.post("/slow", body: { n: n })
  step done = api.post("/done", body: { n: n })
  return { s: s.body.id, done: done.body.id }
}

flow on_timer(n: int) -> json {
  step before = api.post("/before", body: { n: n })
  wait 4s
  step done = api.post("/done", body: { n: n })
  return { before: before.body.id, done: done.body.id }
}

flow on_signal(n: int) -> json {
  step before = api.post("/before", body: { n: n })
  let got = wait signal "go"
  step done = api.post("/done", body: { n: n, v: got.v })
  return { before: before.body.id, v: got.v }
}

flow limited(n: int) -> json {
  options { concurrency: { limit: 1, key: "all" } }
  step before = api.post("/before", body: { n: n })
  let got = wait signal "release"
  step done = api.post("/done", body: { n: n })
  return { before: before.body.id, done: done.body.id }
}
)FLOW";

constexpr const char* kHookFlow = R"FLOW(
connection api = http {
  base_url: env("API_URL") ?? "http://127.0.0.1:1"
  retry: { attempts: 50, backoff: fixed(100ms) }
}

flow hooked(d: string) -> json {
  on webhook "/load/in" {
    verify: standard_webhooks(secret("hook"))
    input: { d: body.d }
    respond: "async"
  }
  wait 300ms
  step effect = api.post("/effect", body: { d: d })
  return { d: d, effect: effect.body.id }
}
)FLOW";

/// Answers every request with `{"id": <its Idempotency-Key>}`, the effect a receiver that honours
/// the key would perform once.
Answer echo_key(const RecordedRequest& r) {
  return Answer{200, json::serialize(json::object{{"id", r.header("idempotency-key")}})};
}

class ServeCrashE2E : public ServeFixture {};

TEST_F(ServeCrashE2E, SigkillWithExecutionsInEveryStateThenRestartLosesNothingAndRunsNothingTwice) {
  TestServer api_server;  // fast receiver: /before, /done
  TestServer slow_server;  // holds each request 1.5 s: the step is running when the server dies
  api_server.handle_prefix("/", echo_key);
  slow_server.handle("/slow", [](const RecordedRequest& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return echo_key(r);
  });
  std::map<std::string, std::string> env = {{"API_URL", api_server.url()}, {"SLOW_URL", slow_server.url()}};

  std::string in_step, on_timer, on_signal;
  std::vector<std::string> limited;
  {
    Server s(dir_, {}, env);
    ASSERT_TRUE(s.running()) << s.log();
    uint16_t p = s.port();
    ASSERT_EQ(req(p, "POST", "/v1/modules", json::serialize(json::object{{"source", kStatesFlow}})).status, 200);
    on_timer = start(p, "on_timer", 1);
    on_signal = start(p, "on_signal", 2);
    for (int i = 0; i < 3; ++i) {
      limited.push_back(start(p, "limited", 10 + i));
      // One after the other, so that the first holds the slot and the others queue behind it.
      ASSERT_TRUE(eventually([&] { return events(p, limited.back(), "ExecutionStarted") == 1; }, 5000));
    }
    in_step = start(p, "in_step", 3);
    ASSERT_FALSE(in_step.empty() || on_timer.empty() || on_signal.empty());

    // Every state reached, durably, before the kill.
    ASSERT_TRUE(eventually([&] { return slow_server.requests("/slow").size() == 1; }, 5000));
    ASSERT_TRUE(eventually([&] { return events(p, on_timer, "TimerStarted") == 1; }, 5000));
    ASSERT_TRUE(eventually([&] { return events(p, on_signal, "StepCompleted") == 1; }, 5000));
    ASSERT_TRUE(eventually([&] { return events(p, limited[0], "StepCompleted") == 1; }, 5000));
    EXPECT_EQ(events(p, limited[1], "ExecutionQueued"), 1);
    EXPECT_EQ(events(p, limited[2], "ExecutionQueued"), 1);
    EXPECT_EQ(api_server.requests("/before").size(), 3u);  // on_timer, on_signal, limited[0]
    for (const auto& id : {in_step, on_timer, on_signal, limited[0], limited[1], limited[2]})
      EXPECT_TRUE(status_is(p, id, "running")) << id;
    s.kill9();
  }

  Server s(dir_, {}, env);
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  // The running step is sent again with its key and completes; the timer fires on its own.
  EXPECT_TRUE(eventually([&] { return status_is(p, in_step, "completed"); }, 15000)) << execution(p, in_step);
  EXPECT_TRUE(eventually([&] { return status_is(p, on_timer, "completed"); }, 15000)) << execution(p, on_timer);
  // The signal waiter waits until the signal comes.
  EXPECT_TRUE(status_is(p, on_signal, "running"));
  EXPECT_EQ(req(p, "POST", "/v1/executions/" + on_signal + "/signals/go", R"({"payload":{"v":42}})").status, 202);
  EXPECT_TRUE(eventually([&] { return status_is(p, on_signal, "completed"); }, 10000)) << execution(p, on_signal);
  EXPECT_EQ(execution(p, on_signal).at("output").at("v"), 42);
  // The queue survived: the slot holder and then each queued execution in turn; a queued one
  // starts its steps only once the slot is free.
  for (size_t i = 0; i < limited.size(); ++i) {
    ASSERT_TRUE(eventually([&] { return events(p, limited[i], "StepCompleted") == 1; }, 10000)) << i;
    EXPECT_EQ(api_server.requests("/before").size(), 3 + i);
    EXPECT_TRUE(status_is(p, limited[i], "running"));
    EXPECT_EQ(req(p, "POST", "/v1/executions/" + limited[i] + "/signals/release", "{}").status, 202);
    EXPECT_TRUE(eventually([&] { return status_is(p, limited[i], "completed"); }, 10000)) << execution(p, limited[i]);
  }

  // Nothing run twice: each step that completed before the kill was sent once; the step that was
  // running when the server died was re-sent with its idempotency key, and completed with it.
  for (const auto& [key, n] : api_server.idempotency_counts()) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(api_server.requests("/done").size(), 6u);
  auto slow_counts = slow_server.idempotency_counts();
  ASSERT_EQ(slow_counts.size(), 1u);
  EXPECT_EQ(slow_counts.begin()->first.rfind(in_step + "/", 0), 0u);
  EXPECT_LE(slow_counts.begin()->second, 2);
  EXPECT_EQ(execution(p, in_step).at("output").at("s"), slow_counts.begin()->first.c_str());
  for (const auto& id : {in_step, on_timer, on_signal, limited[0], limited[1], limited[2]})
    EXPECT_EQ(events(p, id, "ExecutionCompleted"), 1) << id;
  EXPECT_EQ(s.stop(), 0) << s.log();
}

/// One signed Standard Webhooks delivery and what it got.
struct Delivery {
  std::string id;         ///< webhook-id (distinct per delivery)
  int status = 0;         ///< 0: no answer (the server was gone)
  std::string execution;  ///< execution_id of a 202
};

TEST_F(ServeCrashE2E, SigkillDuringWebhookLoadEveryAcceptedExecutionCompletesExactlyOnce) {
  TestServer api_server;
  api_server.handle("/effect", echo_key);
  std::map<std::string, std::string> env = {{"API_URL", api_server.url()}};
  const std::string key = "e2e-load-signing-key-0123456789";
  const std::string secret = "whsec_" + base64(key);

  auto send = [&](uint16_t port, Delivery& d) {
    std::string body = R"({"d":")" + d.id + R"("})";
    std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
    std::string sig = "v1," + hmac_base64(key, d.id + "." + ts + "." + body);
    auto r = parse_raw(send_raw(port,
                                "POST /hooks/load/in HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                                "application/json\r\nwebhook-id: " + d.id + "\r\nwebhook-timestamp: " + ts +
                                    "\r\nwebhook-signature: " + sig + "\r\nContent-Length: " +
                                    std::to_string(body.size()) + "\r\n\r\n" + body,
                                3000));
    d.status = r.status;
    if (r.status == 202) d.execution = std::string(json::parse(r.body).at("execution_id").as_string());
  };

  std::vector<std::vector<Delivery>> sent(8);
  size_t effects_at_kill = 0;
  {
    Server s(dir_, {}, env);
    ASSERT_TRUE(s.running()) << s.log();
    uint16_t p = s.port();
    ASSERT_EQ(req(p, "PUT", "/v1/secrets/hook", json::serialize(json::object{{"value", secret}})).status, 204);
    ASSERT_EQ(req(p, "POST", "/v1/modules", json::serialize(json::object{{"source", kHookFlow}})).status, 200);
    // Eight clients on loopback for at most ~2 s; the server is SIGKILLed after ~1 s, mid-load.
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (size_t t = 0; t < sent.size(); ++t)
      clients.emplace_back([&, t] {
        for (int i = 0; !stop; ++i) {
          Delivery d;
          d.id = "msg_t" + std::to_string(t) + "_" + std::to_string(i);
          send(p, d);
          sent[t].push_back(d);
          if (d.status == 0) break;  // the server is gone: this one is redelivered after the restart
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    s.kill9();
    effects_at_kill = api_server.requests("/effect").size();
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    stop = true;
    for (auto& c : clients) c.join();
  }
  std::vector<Delivery*> all;
  size_t accepted = 0;
  for (auto& v : sent)
    for (auto& d : v) {
      all.push_back(&d);
      ASSERT_TRUE(d.status == 0 || d.status == 202) << d.id << " got " << d.status;
      accepted += d.status == 202;
    }
  ASSERT_GT(accepted, 20u) << "the load did not get going before the kill";
  ASSERT_LT(accepted, all.size()) << "the kill did not land mid-load";
  // The flow waits 300 ms before its step: the executions accepted last were still running.
  EXPECT_LT(effects_at_kill, accepted);
  std::cout << "[ load     ] " << all.size() << " deliveries sent, " << accepted << " accepted before the kill, "
            << effects_at_kill << " steps had reached the receiver\n";

  Server s(dir_, {}, env);
  ASSERT_TRUE(s.running()) << s.log();
  uint16_t p = s.port();
  // The sender redelivers what got no answer, and (as senders do) some that did: a delivery whose
  // start was recorded answers its first execution and starts nothing.
  size_t redelivered_accepted = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    Delivery* d = all[i];
    bool was_accepted = d->status == 202;
    if (was_accepted && i % 7 != 0) continue;
    Delivery again;
    again.id = d->id;
    send(p, again);
    ASSERT_EQ(again.status, 202) << d->id;
    if (was_accepted) {
      EXPECT_EQ(again.execution, d->execution) << d->id;
      ++redelivered_accepted;
    }
    *d = again;
  }
  EXPECT_GT(redelivered_accepted, 0u);

  // Every delivery now has exactly one execution, and each completes.
  std::map<std::string, std::string> delivery_of;  // execution → delivery
  for (auto* d : all) {
    auto [it, fresh] = delivery_of.emplace(d->execution, d->id);
    EXPECT_TRUE(fresh) << d->execution << " answered for " << it->second << " and " << d->id;
  }
  std::vector<json::object> listed;
  ASSERT_TRUE(eventually(
      [&] {
        listed = all_executions(p, "hooked");
        return std::all_of(listed.begin(), listed.end(), [](const json::object& e) { return e.at("status") != "running"; });
      },
      60000))
      << "executions still running";
  EXPECT_EQ(listed.size(), all.size());  // one execution per delivery, none started twice
  for (const auto& e : listed) {
    std::string id(e.at("id").as_string());
    ASSERT_TRUE(delivery_of.count(id)) << "an execution no delivery was answered with: " << id;
    EXPECT_EQ(e.at("status"), "completed") << id;
    EXPECT_EQ(e.at("output").at("d"), delivery_of[id].c_str()) << id;
  }
  // The receiver saw one effect (one idempotency key) per execution; a key sent twice is a step
  // that was in flight at the kill, re-sent once with the same key.
  std::map<std::string, int> keys_per_execution;
  for (const auto& [k, n] : api_server.idempotency_counts()) {
    ++keys_per_execution[k.substr(0, k.find('/'))];
    EXPECT_LE(n, 2) << k;
  }
  EXPECT_EQ(keys_per_execution.size(), all.size());
  for (const auto& [exec, n] : keys_per_execution) {
    EXPECT_EQ(n, 1) << exec;
    EXPECT_TRUE(delivery_of.count(exec)) << exec;
  }
  EXPECT_EQ(s.stop(), 0) << s.log();
}

}  // namespace
}  // namespace weft::e2e
