// The analysis cache of the workspace: one analysis per document version shared by concurrent
// callers, nothing stale cached or published, the background retirer.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "lsp/client.h"
#include "lsp/handlers.h"
#include "lsp/retirer.h"
#include "lsp/text.h"
#include "lsp/workspace.h"

namespace weft::lsp {
namespace {

namespace json = boost::json;

/// Waits (a hang guard, not a timing check) until `done` holds.
template <class F>
void wait_until(F done) {
  auto limit = std::chrono::steady_clock::now() + ScriptedClient::kWaitLimit;
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), limit) << "condition never became true";
    std::this_thread::yield();
  }
}

/// Blocks the first analysis in `after_build` until release() is called.
struct Gate {
  std::promise<void> entered;
  std::promise<void> release_promise;
  std::shared_future<void> released = release_promise.get_future().share();
  std::atomic<int> calls{0};
  void install(Workspace& ws) {
    ws.after_build = [this](const Analysis&) {
      if (calls++ == 0) {
        entered.set_value();
        released.wait();
      }
    };
  }
  void release() { release_promise.set_value(); }
};

TEST(Workspace, ConcurrentCallersShareOneAnalysis) {
  DocumentStore docs;
  docs.open("file:///tmp/ws_a.flow", "weft", 1, "fn f(x: int) -> int = x + 1\n");
  Workspace ws(docs);
  Gate gate;
  gate.install(ws);
  auto first = std::async(std::launch::async, [&] { return ws.analyse(docs.get("file:///tmp/ws_a.flow")); });
  gate.entered.get_future().wait();  // the first caller has parsed and checked, not yet published its result
  auto second = std::async(std::launch::async, [&] { return ws.analyse(docs.get("file:///tmp/ws_a.flow")); });
  wait_until([&] { return ws.stats().joined == 1; });
  gate.release();
  AnalysisPtr a = first.get(), b = second.get();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(ws.stats().builds, 1u);
  EXPECT_EQ(gate.calls.load(), 1);
  // Afterwards it is cached.
  EXPECT_EQ(ws.analyse(docs.get("file:///tmp/ws_a.flow")).get(), a.get());
  EXPECT_TRUE(ws.current(*a));
}

TEST(Workspace, VersionChangedDuringAnalysisIsNotCached) {
  DocumentStore docs;
  const std::string uri = "file:///tmp/ws_b.flow";
  docs.open(uri, "weft", 1, "const a = 1\n");
  Workspace ws(docs);
  Gate gate;
  gate.install(ws);
  auto first = std::async(std::launch::async, [&] { return ws.analyse(docs.get(uri)); });
  gate.entered.get_future().wait();
  ASSERT_FALSE(docs.change(uri, 2, {TextChange{std::nullopt, "const a = missing\n"}}));
  gate.release();
  AnalysisPtr old = first.get();
  EXPECT_EQ(old->version, 1);
  EXPECT_FALSE(ws.current(*old));
  AnalysisPtr now = ws.analyse(docs.get(uri));
  EXPECT_NE(now.get(), old.get());
  EXPECT_EQ(now->version, 2);
  EXPECT_TRUE(ws.current(*now));
  EXPECT_EQ(ws.stats().builds, 2u);
  EXPECT_FALSE(now->diagnostics.empty());  // `missing` is unknown
}

TEST(Workspace, ImportChangedDuringAnalysisIsNotCachedNorCurrent) {
  DocumentStore docs;
  const std::string lib = "file:///tmp/ws_c/lib.flow", main = "file:///tmp/ws_c/main.flow";
  docs.open(lib, "weft", 1, "const LIMIT = 1\n");
  docs.open(main, "weft", 1, "import \"./lib.flow\" as lib\nfn a() -> int = lib.LIMIT\n");
  Workspace ws(docs);
  Gate gate;
  gate.install(ws);
  auto first = std::async(std::launch::async, [&] { return ws.analyse(docs.get(main)); });
  gate.entered.get_future().wait();  // main was checked against `LIMIT = 1`
  ASSERT_FALSE(docs.change(lib, 2, {TextChange{std::nullopt, "const LIMIT = \"text\"\n"}}));
  auto deps = ws.dependents(lib);  // what Handlers does on didChange of lib
  ASSERT_EQ(deps, std::vector<std::string>{main});
  for (const auto& d : deps) ws.forget(d);
  gate.release();
  AnalysisPtr old = first.get();
  EXPECT_TRUE(old->diagnostics.empty());
  EXPECT_FALSE(ws.current(*old));  // a publisher must drop it
  AnalysisPtr now = ws.analyse(docs.get(main));
  EXPECT_NE(now.get(), old.get());
  EXPECT_TRUE(ws.current(*now));
  ASSERT_EQ(now->diagnostics.size(), 1u);  // a string is not an int
}

TEST(Workspace, ImportedFileOnDiskIsReusedUntilItChanges) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("weft_ws_import_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [&](const std::string& text) { std::ofstream(dir / "lib.flow", std::ios::binary) << text; };
  write("const LIMIT = 1\n");
  const std::string main = path_to_uri((dir / "main.flow").string());
  DocumentStore docs;
  docs.open(main, "weft", 1, "import \"./lib.flow\" as lib\nfn a() -> int = lib.LIMIT\n");
  Workspace ws(docs);
  AnalysisPtr v1 = ws.analyse(docs.get(main));
  EXPECT_TRUE(v1->diagnostics.empty());
  ASSERT_FALSE(docs.change(main, 2, {TextChange{std::nullopt, "import \"./lib.flow\" as lib\nfn a() -> int = lib.LIMIT + 1\n"}}));
  AnalysisPtr v2 = ws.analyse(docs.get(main));
  EXPECT_TRUE(v2->diagnostics.empty());
  EXPECT_EQ(ws.import_stats().loaded, 1u);
  EXPECT_EQ(ws.import_stats().reused, 1u);
  // The file changes on disk (not open in the editor): the next analysis reads and checks it again.
  write("const LIMIT = \"text\"\n");
  ASSERT_FALSE(docs.change(main, 3, {TextChange{std::nullopt, "import \"./lib.flow\" as lib\nfn a() -> int = lib.LIMIT\n"}}));
  AnalysisPtr v3 = ws.analyse(docs.get(main));
  EXPECT_EQ(ws.import_stats().loaded, 2u);
  ASSERT_EQ(v3->diagnostics.size(), 1u) << "a string is not an int";
  EXPECT_EQ(v3->diagnostics[0].code, diagnostics::Code::E0201);
  fs::remove_all(dir);
}

TEST(Workspace, TokensAreLexedOnFirstUse) {
  DocumentStore docs;
  docs.open("file:///tmp/ws_d.flow", "weft", 1, "const a = 1 // one\n");
  Workspace ws(docs);
  AnalysisPtr a = ws.analyse(docs.get("file:///tmp/ws_d.flow"));
  const auto& t = a->tokens();
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.back().kind, Token::Kind::Comment);
  EXPECT_EQ(&a->tokens(), &t);  // computed once
}

TEST(Retirer, ReleasesOnItsThreadAndDrains) {
  struct Probe {
    std::thread::id* where;
    ~Probe() { *where = std::this_thread::get_id(); }
  };
  std::thread::id where;
  auto r = std::make_unique<Retirer>();
  auto p = std::make_shared<Probe>(Probe{&where});
  std::weak_ptr<Probe> weak = p;
  r->retire(std::move(p));
  r->retire(nullptr);
  r->drain();
  EXPECT_TRUE(weak.expired());
  EXPECT_NE(where, std::this_thread::get_id());
  // Whatever is still queued when the retirer is destroyed is released too.
  auto q = std::make_shared<int>(1);
  std::weak_ptr<int> wq = q;
  r->retire(std::move(q));
  r.reset();
  EXPECT_TRUE(wq.expired());
}

TEST(Server, FirstChangeIsAnalysedAtOnceWhateverTheDebounce) {
  ServerOptions o;
  o.debounce = std::chrono::minutes(10);  // were didOpen debounced, the wait below would give up
  o.max_delay = std::chrono::minutes(10);
  ScriptedClient c(o);
  c.initialize();
  const std::string uri = "file:///tmp/ws_e.flow";
  c.open(uri, "const a = 1\n", 1);
  auto p = c.wait_diagnostics(uri, 1);
  EXPECT_TRUE(p.at("diagnostics").as_array().empty());
  c.server().wait_idle();
  EXPECT_EQ(c.server().stats().published, 1u);
}

TEST(Handlers, StalePublicationsAreNeverSent) {
  std::vector<json::value> sent;
  std::vector<std::string> scheduled;
  Handlers h([&](const json::value& m) { sent.push_back(m); }, [&](const std::string& uri) { scheduled.push_back(uri); });
  const std::string uri = "file:///tmp/ws_h.flow";
  h.notify("textDocument/didOpen",
           json::object{{"textDocument", json::object{{"uri", uri}, {"languageId", "weft"}, {"version", 1}, {"text", "const a = 1\n"}}}});
  auto v1 = h.diagnostics(uri);
  ASSERT_TRUE(v1);
  // A newer version arrives before version 1's diagnostics go out: they are dropped.
  h.notify("textDocument/didChange",
           json::object{{"textDocument", json::object{{"uri", uri}, {"version", 2}}},
                        {"contentChanges", json::array{json::object{{"text", "const a = b\n"}}}}});
  EXPECT_FALSE(h.publish(uri, std::move(*v1)));
  EXPECT_TRUE(sent.empty());
  auto v2 = h.diagnostics(uri);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->params.at("version").as_int64(), 2);
  EXPECT_EQ(v2->params.at("diagnostics").as_array().size(), 1u);
  EXPECT_TRUE(h.publish(uri, std::move(*v2)));
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(h.diagnostics(uri)) << "the same analysis is not published twice";
  // Closed before its diagnostics go out: only the empty publication of didClose is sent.
  h.notify("textDocument/didChange",
           json::object{{"textDocument", json::object{{"uri", uri}, {"version", 3}}},
                        {"contentChanges", json::array{json::object{{"text", "const a = c\n"}}}}});
  auto v3 = h.diagnostics(uri);
  ASSERT_TRUE(v3);
  h.notify("textDocument/didClose", json::object{{"textDocument", json::object{{"uri", uri}}}});
  EXPECT_FALSE(h.publish(uri, std::move(*v3)));
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent.back().at("params").at("diagnostics").as_array().empty());
  EXPECT_EQ(scheduled.size(), 3u);  // open + two changes
}

}  // namespace
}  // namespace weft::lsp
