#include <gtest/gtest.h>

#include "compiler/ir/hash.h"
#include "compiler/ir/serialize.h"
#include "tests/unit/ir/sample.h"

namespace weft::ir {
namespace {

using testing::sample_module;

TEST(IrHash, Sha256KnownAnswer) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(IrHash, SameIrSameVersion) {
  Module a = sample_module(), b = sample_module();
  EXPECT_EQ(flow_version(a, a.flows[0]), flow_version(b, b.flows[0]));
  EXPECT_EQ(flow_version(a, a.flows[0]).size(), 64u);
}

TEST(IrHash, SourcePositionsAreNotHashed) {
  Module a = sample_module(), b = sample_module();
  b.source_map["process"]["fetch"] = {99, 7};
  EXPECT_EQ(flow_version(a, a.flows[0]), flow_version(b, b.flows[0]));
}

TEST(IrHash, DependenciesAreTransitiveAndSorted) {
  Module m = sample_module();
  Dependencies d = dependencies(m, m.flows[0]);
  EXPECT_EQ(d.types, (std::vector<std::string>{"Order"}));
  EXPECT_EQ(d.fns, (std::vector<std::string>{"total"}));
  EXPECT_EQ(d.connections, (std::vector<std::string>{"shop"}));
  EXPECT_EQ(d.child_flows, (std::vector<std::string>{"billing", "refund"}));
}

TEST(IrHash, UnrelatedDeclarationsDoNotChangeTheVersion) {
  Module a = sample_module(), b = sample_module();
  b.fns[1].body = constant(2);                  // fn `unused`
  b.connections[1].settings[0].value = constant("http://elsewhere");  // connection `other`
  b.types[1].type = scalar(Type::Kind::String);  // type `Unused`
  b.consts[0].second = 11;                       // consts are folded into the flow already
  EXPECT_EQ(flow_version(a, a.flows[0]), flow_version(b, b.flows[0]));
}

TEST(IrHash, EveryDependencyChangesTheVersion) {
  const Module base = sample_module();
  const std::string v0 = flow_version(base, base.flows[0]);
  auto changed = [&](auto&& edit) {
    Module m = sample_module();
    edit(m);
    return flow_version(m, m.flows[0]);
  };
  EXPECT_NE(v0, changed([](Module& m) { m.fns[0].body = constant(0.0); }));
  EXPECT_NE(v0, changed([](Module& m) { m.types[0].type.fields[0].optional = true; }));
  EXPECT_NE(v0, changed([](Module& m) { m.connections[0].settings[2].value = constant(20000); }));
  EXPECT_NE(v0, changed([](Module& m) { m.flows[0].nodes[0].timeout = constant(16000); }));
  EXPECT_NE(v0, changed([](Module& m) { m.flows[0].slots[1].name = "fetched"; }));
  EXPECT_NE(v0, changed([](Module& m) { m.flows[0].triggers.pop_back(); }));
}

}  // namespace
}  // namespace weft::ir
