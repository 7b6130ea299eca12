#include <gtest/gtest.h>

#include "compiler/ir/compat.h"
#include "tests/unit/ir/sample.h"

namespace weft::ir {
namespace {

using testing::sample_module;

Node& node(Flow& f, std::string_view id) {
  for (auto& n : f.nodes)
    if (n.id == id) return n;
  throw std::runtime_error("no node " + std::string(id));
}

const std::vector<std::string> kAll = {"fetch", "notify", "bill", "ship[0]", "ship[1]", "fetch/signal", "fetch/emit"};

/// Checks the sample against an edited copy; the edit must leave a valid flow.
template <typename F>
CompatResult against_edit(const std::vector<std::string>& completed, F&& edit) {
  Flow old_flow = sample_module().flows[0];
  Flow new_flow = old_flow;
  edit(new_flow);
  EXPECT_EQ(validate(new_flow), "");
  return check_compatible(old_flow, new_flow, completed);
}

TEST(IrCompat, ParsesRecordedIds) {
  auto r = parse_recorded_id("ship[3][12]");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "ship");
  EXPECT_EQ(r->indices, (std::vector<uint64_t>{3, 12}));
  EXPECT_TRUE(parse_recorded_id("fetch/if.then/wait"));
  for (auto bad : {"", "[1]", "a[", "a[]", "a[x]", "a[1]b", "a[-1]"}) EXPECT_FALSE(parse_recorded_id(bad)) << bad;
}

TEST(IrCompat, SameFlowIsCompatible) {
  auto r = against_edit(kAll, [](Flow&) {});
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.kind, Incompatibility::None);
}

TEST(IrCompat, EditsOutsideCompletedStepsAreCompatible) {
  auto r = against_edit(kAll, [](Flow& f) {
    node(f, "fetch").timeout = constant(99000);                    // retry/timeout tuning is fine
    node(f, "fetch").action.path = constant("/v2/orders");          // so is a new path
    node(f, "fetch/if").edges[1].guard = constant(false);           // and a changed condition
    node(f, "fetch/return").value = object({{"ok", false, constant(false)}});
  });
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(IrCompat, UnwrappingFromTryIsCompatible) {
  auto r = against_edit(kAll, [](Flow& f) {
    node(f, "fetch/parallel").branches[1].entry = "bill";
    std::erase_if(f.nodes, [](const Node& n) { return n.id == "money/try" || n.id == "money/try.catch1/let:note"; });
  });
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(IrCompat, Removed) {
  auto r = against_edit(kAll, [](Flow& f) {
    node(f, "notify").id = "notify_v2";
    node(f, "fetch/parallel").branches[0].entry = "notify_v2";
  });
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.kind, Incompatibility::Removed);
  EXPECT_EQ(r.step, "notify");
  EXPECT_EQ(r.message, "step `notify` was removed");
}

TEST(IrCompat, KindChanged) {
  auto r = against_edit(kAll, [](Flow& f) {
    Node& bill = node(f, "bill");
    bill.kind = NodeKind::Call;
    bill.action = testing::http("shop", "post", constant("/bill"));
    bill.compensate.reset();
  });
  EXPECT_EQ(r.kind, Incompatibility::KindChanged);
  EXPECT_EQ(r.step, "bill");
  EXPECT_EQ(r.message, "step `bill` was a child_flow, is now a call");
}

TEST(IrCompat, ConnectionChanged) {
  auto r = against_edit(kAll, [](Flow& f) { node(f, "fetch").action.connection = "other"; });
  EXPECT_EQ(r.kind, Incompatibility::ConnectionChanged);
  EXPECT_EQ(r.message, "step `fetch` called connection `shop`, now calls `other`");
}

TEST(IrCompat, MethodChanged) {
  auto r = against_edit(kAll, [](Flow& f) { node(f, "ship").action.method = "put"; });
  EXPECT_EQ(r.kind, Incompatibility::MethodChanged);
  EXPECT_EQ(r.step, "ship[0]");
  EXPECT_EQ(r.message, "step `ship` was a post call, is now a put call");
}

TEST(IrCompat, ChildFlowChanged) {
  auto r = against_edit(kAll, [](Flow& f) { node(f, "bill").action.flow = "billing_v2"; });
  EXPECT_EQ(r.kind, Incompatibility::ChildFlowChanged);
  EXPECT_EQ(r.message, "step `bill` ran flow `billing`, now runs `billing_v2`");
}

TEST(IrCompat, SignalChanged) {
  auto r = against_edit(kAll, [](Flow& f) { node(f, "fetch/signal").name = "approved"; });
  EXPECT_EQ(r.kind, Incompatibility::SignalChanged);
  EXPECT_EQ(r.step, "fetch/signal");
  EXPECT_EQ(r.message, "wait_signal `fetch/signal` waited for signal \"approve\", now waits for \"approved\"");
}

TEST(IrCompat, EventChanged) {
  auto r = against_edit(kAll, [](Flow& f) { node(f, "fetch/emit").name = "order.finished"; });
  EXPECT_EQ(r.kind, Incompatibility::EventChanged);
}

TEST(IrCompat, TimerChanged) {
  auto r = against_edit({"fetch/if.else/wait"}, [](Flow& f) {
    node(f, "fetch/if.else/wait").until = true;
  });
  EXPECT_EQ(r.kind, Incompatibility::TimerChanged);
  EXPECT_EQ(r.message, "timer `fetch/if.else/wait` waited a duration, now waits until a time");
}

TEST(IrCompat, MovedIntoALoop) {
  auto r = against_edit(kAll, [](Flow& f) {
    node(f, "fetch/parallel").branches[0].entry = "";
    node(f, "fetch/for").body = "notify";
    node(f, "notify").next = "ship";
  });
  EXPECT_EQ(r.kind, Incompatibility::LoopChanged);
  EXPECT_EQ(r.step, "notify");
  EXPECT_EQ(r.message, "step `notify` moved into a loop");
}

TEST(IrCompat, MovedOutOfALoop) {
  auto r = against_edit({"fetch", "ship[0]"}, [](Flow& f) {
    node(f, "fetch/for").body = "";
    node(f, "fetch/join").next = "ship";
    node(f, "ship").next = "fetch/for";
    node(f, "ship/yield").kind = NodeKind::Emit;  // a yield cannot stay outside the loop
    node(f, "ship/yield").name = "shipped";
    node(f, "ship").next = "ship/yield";
    node(f, "ship/yield").next = "fetch/for";
  });
  EXPECT_EQ(r.kind, Incompatibility::LoopChanged);
  EXPECT_EQ(r.message, "step `ship` moved out of a loop");
}

TEST(IrCompat, RecordedIndicesMustMatchLoops) {
  auto r = against_edit({"ship"}, [](Flow&) {});
  EXPECT_EQ(r.kind, Incompatibility::LoopChanged);
  EXPECT_EQ(r.message, "step `ship` is recorded with 0 loop index(es) but sits in 1 loop(s)");
}

TEST(IrCompat, MovedOutOfABranch) {
  auto r = against_edit(kAll, [](Flow& f) {
    node(f, "fetch/parallel").branches[0].entry = "";
    node(f, "fetch/join").next = "notify";
    node(f, "notify").next = "fetch/for";
  });
  EXPECT_EQ(r.kind, Incompatibility::BranchChanged);
  EXPECT_EQ(r.message, "step `notify` moved from parallel branch `mail` to the top level");
}

TEST(IrCompat, MovedBetweenIfArms) {
  auto r = against_edit({"fetch/if.else/wait"}, [](Flow& f) {
    auto& c = node(f, "fetch/if");
    c.edges[1].target = "fetch/if.else/wait";
    c.otherwise = "";
  });
  EXPECT_EQ(r.kind, Incompatibility::BranchChanged);
  EXPECT_EQ(r.message, "timer `fetch/if.else/wait` moved from if else to if elif1");
}

TEST(IrCompat, BranchRenamed) {
  auto r = against_edit(kAll, [](Flow& f) { node(f, "fetch/parallel").branches[1].name = "cash"; });
  EXPECT_EQ(r.kind, Incompatibility::BranchRenamed);
  EXPECT_EQ(r.step, "bill");
  EXPECT_EQ(r.message, "step `bill`: parallel branch `money` was renamed to `cash`");
}

TEST(IrCompat, NamesTheFirstIncompatibleStepInHistoryOrder) {
  auto edit = [](Flow& f) {
    node(f, "bill").action.flow = "other";
    node(f, "notify").action.method = "put";
  };
  EXPECT_EQ(against_edit({"fetch", "notify", "bill"}, edit).step, "notify");
  EXPECT_EQ(against_edit({"fetch", "bill", "notify"}, edit).step, "bill");
}

TEST(IrCompat, MalformedAndUnknownIds) {
  EXPECT_EQ(against_edit({"ship[x]"}, [](Flow&) {}).kind, Incompatibility::Malformed);
  auto r = against_edit({"fetch", "nope"}, [](Flow&) {});
  EXPECT_EQ(r.kind, Incompatibility::Unknown);
  EXPECT_EQ(incompatibility_name(r.kind), "unknown");
}

}  // namespace
}  // namespace weft::ir
