// Statements and the newline rules of §2.
#include "syntax_test_util.h"

using namespace weft::syntax::testing;

TEST(Statements, EveryStatementKind) {
  EXPECT_EQ(body_dump("let x = 1"), "(let x 1)\n");
  EXPECT_EQ(body_dump("step s = crm.get(\"/a\") retry { attempts: 2 } timeout 5s compensate crm.delete(\"/a\")"),
            "(step s (call (. crm get) \"/a\") (retry (object (attempts 2))) (timeout 5000ms) "
            "(compensate (call (. crm delete) \"/a\")))\n");
  EXPECT_EQ(body_dump("step c = run child(x)"), "(step c (run (call child x)))\n");
  EXPECT_EQ(body_dump("if a { wait 1s } else if b { wait 2s } else { wait 3s }"),
            "(if a\n  (then\n    (wait 1000ms))\n  (else\n    (if b\n      (then\n        (wait 2000ms))\n"
            "      (else\n        (wait 3000ms)))))\n");
  EXPECT_EQ(body_dump("switch e { case \"a\", \"b\" => { wait 1s }\n case \"c\" => { }\n default => { return } }"),
            "(switch e\n  (case \"a\" \"b\"\n    (wait 1000ms))\n  (case \"c\")\n  (default\n    (return)))\n");
  EXPECT_EQ(body_dump("for item, i in xs concurrency 5 into out { yield item }"),
            "(for item (index i) xs (concurrency 5) (into out)\n  (yield item))\n");
  EXPECT_EQ(body_dump("for x in xs { }"), "(for x xs)\n");
  EXPECT_EQ(body_dump("parallel { branch a { let x = 1 }\n branch b { } }"),
            "(parallel\n  (branch a\n    (let x 1))\n  (branch b))\n");
  EXPECT_EQ(body_dump("wait 10m"), "(wait 600000ms)\n");
  EXPECT_EQ(body_dump("wait until t"), "(wait-until t)\n");
  EXPECT_EQ(body_dump("let v = wait signal \"approve\" timeout 24h"),
            "(let v (wait-signal \"approve\" 86400000ms))\n");
  EXPECT_EQ(body_dump("emit \"order.shipped\" { id: 1 }"), "(emit \"order.shipped\" (object (id 1)))\n");
  EXPECT_EQ(body_dump("emit \"ping\""), "(emit \"ping\")\n");
  EXPECT_EQ(body_dump("try { } catch http_error as e where e.status == 409 { } catch timeout { } catch as e { } catch { }"),
            "(try\n  (catch http_error (as e) (where (== (. e status) 409)))\n  (catch timeout)\n"
            "  (catch (as e))\n  (catch))\n");
  EXPECT_EQ(body_dump("fail \"no\" with { code: \"x\" }"), "(fail \"no\" (with (object (code \"x\"))))\n");
  EXPECT_EQ(body_dump("fail \"no\""), "(fail \"no\")\n");
  EXPECT_EQ(body_dump("return"), "(return)\n");
  EXPECT_EQ(body_dump("return { a: 1 }"), "(return (object (a 1)))\n");
  EXPECT_EQ(body_dump("f(x)"), "(expr (call f x))\n");
}

TEST(Statements, TestStatements) {
  auto r = parse_text(
      "test \"t\" {\n"
      "  mock crm.get(\"/c\") => [{ status: 200 }, { status: 500 }]\n"
      "  let h = start f({})\n"
      "  signal h \"approve\" { ok: true }\n"
      "  signal h \"go\"\n"
      "  advance 1h\n"
      "  let r = await h\n"
      "  run f({})\n"
      "  expect r.ok\n"
      "}\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  EXPECT_EQ(weft::ast::dump(r.module),
            "(test \"t\"\n"
            "  (mock (call (. crm get) \"/c\") (list (object (status 200)) (object (status 500))))\n"
            "  (let h (start (call f (object))))\n"
            "  (signal h \"approve\" (object (ok true)))\n"
            "  (signal h \"go\")\n"
            "  (advance 3600000ms)\n"
            "  (let r (await h))\n"
            "  (expr (run (call f (object))))\n"
            "  (expect (. r ok)))\n");
}

TEST(Newlines, StatementsEndAtNewlineSemicolonOrBrace) {
  EXPECT_EQ(body_dump("let a = 1; let b = 2\nlet c = 3;"), "(let a 1)\n(let b 2)\n(let c 3)\n");
  EXPECT_EQ(body_dump("let a = 1\n\n\n  let b = 2"), "(let a 1)\n(let b 2)\n");
  auto r = parse_text("flow f() { let a = 1 }\n");
  EXPECT_FALSE(r.diags.has_errors()) << rendered(r);
}

TEST(Newlines, ContinuationAfterOperatorsAndCommas) {
  EXPECT_EQ(body_dump("let a = 1 +\n  2"), "(let a (+ 1 2))\n");
  EXPECT_EQ(body_dump("let a =\n  2"), "(let a 2)\n");
  EXPECT_EQ(body_dump("let a = x ==\n y"), "(let a (== x y))\n");
  EXPECT_EQ(body_dump("let f = x =>\n x"), "(let f (=> (x) x))\n");
  EXPECT_EQ(body_dump("let a = f(1,\n 2,\n)"), "(let a (call f 1 2))\n");
}

TEST(Newlines, ContinuationOntoLinesStartingWithAnOperator) {
  EXPECT_EQ(body_dump("let a = items\n  .map(x => x)\n  .len()"), "(let a (call (. (call (. items map) (=> (x) x)) len)))\n");
  EXPECT_EQ(body_dump("let a = x\n  ?.y\n  ?? z"), "(let a (?? (?. x y) z))\n");
  EXPECT_EQ(body_dump("let a = x\n  && y\n  || z"), "(let a (|| (&& x y) z))\n");
}

TEST(Newlines, NoContinuationOntoAnOrdinaryLine) {
  EXPECT_EQ(body_dump("let a = x\n-1"), "(let a x)\n(expr (- 1))\n");
  EXPECT_EQ(body_dump("let a = x\n(y)"), "(let a x)\n(expr y)\n");
}

TEST(Newlines, IgnoredInsideParenthesesAndBrackets) {
  EXPECT_EQ(body_dump("let a = f(\n  1\n  ,\n  2\n)"), "(let a (call f 1 2))\n");
  EXPECT_EQ(body_dump("let a = [\n  1\n  ,2\n]"), "(let a (list 1 2))\n");
  EXPECT_EQ(body_dump("let a = (1\n + 2)"), "(let a (+ 1 2))\n");
}

TEST(Newlines, EntriesInBracesSeparatedByNewlinesOrCommas) {
  EXPECT_EQ(body_dump("let a = {\n  x: 1\n  y: 2,\n  z: 3,\n}"), "(let a (object (x 1) (y 2) (z 3)))\n");
  EXPECT_EQ(body_dump("let a = f({\n  x: 1\n  y: 2\n})"), "(let a (call f (object (x 1) (y 2))))\n");
}

TEST(Newlines, ElseAndCatchContinueTheStatement) {
  EXPECT_EQ(body_dump("if a {\n}\nelse {\n  wait 1s\n}"), "(if a\n  (then)\n  (else\n    (wait 1000ms)))\n");
  EXPECT_EQ(body_dump("try {\n}\ncatch timeout {\n}"), "(try\n  (catch timeout))\n");
}

TEST(Newlines, StepModifiersOnFollowingLinesInAnyOrder) {
  EXPECT_EQ(body_dump("step s = crm.post(\"/a\")\n  timeout 15s\n  compensate crm.delete(\"/a\")\n  retry { attempts: 8 }"),
            "(step s (call (. crm post) \"/a\") (retry (object (attempts 8))) (timeout 15000ms) "
            "(compensate (call (. crm delete) \"/a\")))\n");
  // As keys, the same words start a new entry.
  auto r = parse_text("connection c = http {\n  base_url: \"x\"\n  timeout: 10s\n  retry: { attempts: 2 }\n}\n");
  ASSERT_FALSE(r.diags.has_errors()) << rendered(r);
  ASSERT_EQ(r.module.decls[0].settings.size(), 3u);
  EXPECT_EQ(r.module.decls[0].settings[1].name.name, "timeout");
  EXPECT_EQ(r.module.decls[0].settings[2].name.name, "retry");
}

TEST(Newlines, StepModifierTwiceIsE0010) {
  auto r = parse_text("flow f() {\n  step s = crm.get(\"/a\")\n    timeout 1s\n    timeout 2s\n}\n");
  ASSERT_EQ(r.diags.all().size(), 1u) << rendered(r);
  const auto& d = r.diags.all()[0];
  EXPECT_EQ(d.code, weft::diagnostics::Code::E0010);
  EXPECT_EQ(lc(d.range), "4:5");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(lc(*d.notes[0].range), "3:5");
  // The first one is kept.
  EXPECT_EQ(r.module.decls[0].body->stmts[0]->timeout->duration_ms, 1000);
}

TEST(Statements, StatementRangesAndNames) {
  auto r = parse_text("flow f() {\n  step fetch = crm.get(\"/a\")\n}\n");
  ASSERT_FALSE(r.diags.has_errors());
  const auto& s = *r.module.decls[0].body->stmts[0];
  EXPECT_EQ(lc(s.range), "2:3");
  EXPECT_EQ(s.range.end, 39u);
  EXPECT_EQ(s.name.name, "fetch");
  EXPECT_EQ(lc(s.name.range), "2:8");
  EXPECT_EQ(lc(r.module.decls[0].body->range), "1:10");
}
