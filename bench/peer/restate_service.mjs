// bench/peer: the Restate side of the peer benchmark (bench/peer/run.sh). A service `bench` whose
// handler `three` makes three sequential durable steps, each a `ctx.run` that POSTs to the local
// echo server (weft-standin) — the same calls as three_steps.flow makes on Weft.
//
//   PEER_NODE_MODULES=<dir with @restatedev/restate-sdk> ECHO_URL=http://127.0.0.1:N PORT=M node restate_service.mjs
// Prints `listening PORT` once the endpoint (HTTP/2, 127.0.0.1 only) accepts connections.
import { createRequire } from "node:module";
import http2 from "node:http2";

// The SDK 1.17 uses Promise.withResolvers (Node 22); Node 20 lacks it. Define it before the SDK loads.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

const require = createRequire(process.env.PEER_NODE_MODULES + "/");
const restate = require("@restatedev/restate-sdk");

const echo = process.env.ECHO_URL;
if (!echo) throw new Error("ECHO_URL is not set");

// One step: a POST to the echo server; anything but a 2xx throws, so Restate retries the step.
async function post(body) {
  const res = await fetch(echo + "/customers", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`echo server answered ${res.status}`);
  return await res.json();
}

const bench = restate.service({
  name: "bench",
  handlers: {
    three: async (ctx, input) => {
      const a = await ctx.run("a", () => post({ id: input.id, step: "a" }));
      const b = await ctx.run("b", () => post({ prev: a.id, step: "b" }));
      const c = await ctx.run("c", () => post({ prev: b.id, step: "c" }));
      return { c: c.id };
    },
  },
});

const server = http2.createServer(restate.createEndpointHandler({ services: [bench] }));
server.listen(Number(process.env.PORT), "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
