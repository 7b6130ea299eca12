#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "compiler/ir/draw.h"
#include "compiler/ir/dump.h"
#include "tests/unit/ir/sample.h"

namespace weft::ir {
namespace {

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(IrDraw, DotHasStepsBranchesCatchesCompensationsAndClusters) {
  std::string dot = to_dot(testing::sample_module().flows[0]);
  EXPECT_TRUE(has(dot, "digraph \"process\" {")) << dot;
  EXPECT_TRUE(has(dot, "n0 [label=\"fetch\\nGET shop\"")) << dot;
  EXPECT_TRUE(has(dot, "n8 [label=\"bill\\nrun billing\"")) << dot;
  EXPECT_TRUE(has(dot, "n2 -> n3 [label=\"fetch.status == 404\"]")) << dot;
  EXPECT_TRUE(has(dot, "n2 -> n4 [label=\"else\"]")) << dot;
  EXPECT_TRUE(has(dot, "n15 -> n16 [label=\"\\\"new\\\", \\\"paid\\\"\"]")) << dot;
  EXPECT_TRUE(has(dot, "n7 -> n9 [label=\"catch http_error as e where e.status == 409\", style=dashed")) << dot;
  EXPECT_TRUE(has(dot, "n0 -> n0_undo [label=\"compensate\", style=dotted, color=\"#d9534f\"")) << dot;
  EXPECT_TRUE(has(dot, "n14 -> flow_error [label=\"timeout 1d\", style=dashed")) << dot;
  EXPECT_TRUE(has(dot, "label=\"branch money\"")) << dot;
  EXPECT_TRUE(has(dot, "label=\"for (concurrency 4)\"")) << dot;
  EXPECT_TRUE(has(dot, "n13 -> n11 [label=\"next\", style=bold]")) << dot;
  EXPECT_TRUE(has(dot, "n4 [label=\"wait 10m\"")) << dot;
  EXPECT_FALSE(has(dot, "flow_end")) << "every path of the sample ends in return or fail";
}

TEST(IrDraw, DotIsAcceptedByGraphviz) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz `dot` not installed";
  std::string path = ::testing::TempDir() + "weft_ir_draw_test.dot";
  std::ofstream(path) << to_dot(testing::sample_module().flows[0]);
  EXPECT_EQ(std::system(("dot -Tsvg " + path + " -o /dev/null").c_str()), 0);
  std::remove(path.c_str());
}

TEST(IrDraw, MermaidFlowchart) {
  std::string m = to_mermaid(testing::sample_module().flows[0]);
  EXPECT_EQ(m.rfind("flowchart TD\n", 0), 0u);
  EXPECT_TRUE(has(m, "  n0[\"fetch<br/>GET shop\"]\n")) << m;
  EXPECT_TRUE(has(m, "subgraph c1 [\"branch mail\"]")) << m;
  EXPECT_TRUE(has(m, "n2 -->|\"amount #gt; LIMIT\"| n5")) << m;
  EXPECT_TRUE(has(m, "n7 -.->|\"catch\"| n10")) << m;
  EXPECT_TRUE(has(m, "n0 -.->|\"compensate\"| n0_undo")) << m;
  EXPECT_TRUE(has(m, "linkStyle 2 stroke:#d9534f")) << m;
  EXPECT_FALSE(has(m, " end\n  ") && has(m, "--> end")) << "`end` is reserved in Mermaid";
}

TEST(IrDraw, FallingOffTheEndDrawsAnEndNode) {
  Flow f;
  f.name = "tiny";
  f.slots = {{"x", Slot::Kind::Let}};
  Node a;
  a.id = "let:x";
  a.kind = NodeKind::Assign;
  a.slot = 0;
  a.value = constant(1);
  f.nodes = {a};
  f.entry = "let:x";
  std::string dot = to_dot(f);
  EXPECT_TRUE(has(dot, "n0 -> flow_end;")) << dot;
  EXPECT_TRUE(has(dot, "flow_end [label=\"end\"")) << dot;
}

TEST(IrDump, Durations) {
  EXPECT_EQ(duration_text(250), "250ms");
  EXPECT_EQ(duration_text(90000), "1m30s");
  EXPECT_EQ(duration_text(86400000 + 3600000), "1d1h");
  EXPECT_EQ(duration_text(0), "0ms");
}

}  // namespace
}  // namespace weft::ir
