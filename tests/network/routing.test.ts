// A filter that pauses in on_new_connection keeps tcp_proxy from connecting until it has chosen
// the cluster (envoy.tcp_proxy.cluster through set_envoy_filter_state) and continued; tcp_proxy's
// max_early_data_bytes lets the client's first bytes reach it before tcp_proxy has started.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { bootstrapFor, echoServer, exchange } from "./support.ts";

let a: Awaited<ReturnType<typeof echoServer>>;
let b: Awaited<ReturnType<typeof echoServer>>;
let envoy: EnvoyServer;
before(async () => {
  a = await echoServer("|from-a");
  b = await echoServer("|from-b");
  envoy = await startEnvoy(
    bootstrapFor({ wasm: "build/test-modules/pause_then_route.wasm", clusters: { cluster_a: a.port, cluster_b: b.port }, defaultCluster: "cluster_b", maxEarlyDataBytes: 65536 }),
    { logLevel: 4 },
  );
});
after(async () => {
  await envoy.close();
  await a.close();
  await b.close();
});

test("no upstream connection exists before the module continues", async () => {
  const c = net.connect(envoy.listenerPort("test"), "127.0.0.1");
  await new Promise((r) => c.once("connect", r));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(a.accepted() + b.accepted(), 0);
  // Envoy counts the connection when the chain is built (Filter::initialize), not when tcp_proxy starts.
  assert.equal(envoy.stats.counter("tcp.test.downstream_cx_total"), 1);
  c.destroy();
});

test("the first byte picks the cluster; the buffered bytes reach it intact", async () => {
  const toA = await exchange(envoy.listenerPort("test"), Buffer.from("Alpha"));
  const toB = await exchange(envoy.listenerPort("test"), Buffer.from("Bravo"));
  assert.equal(toA.received.toString(), "Alpha|from-a");
  assert.equal(toB.received.toString(), "Bravo|from-b");
  assert.equal(a.accepted(), 1);
  assert.equal(b.accepted(), 1);
});
