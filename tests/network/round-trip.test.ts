// TCP through the local host with a pass-through module built on our ABI layer: bytes arrive
// exactly as sent in both directions, for one and for a hundred concurrent connections, with
// half-close, and when the upstream refuses the connection.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { bootstrapFor, closedPort, echoServer, exchange } from "./support.ts";

const PASSTHROUGH = "build/test-modules/sdk_passthrough.wasm";

describe("pass-through module in front of tcp_proxy", () => {
  let upstream: Awaited<ReturnType<typeof echoServer>>;
  let envoy: EnvoyServer;
  before(async () => {
    upstream = await echoServer("|server-done");
    envoy = await startEnvoy(bootstrapFor({ wasm: PASSTHROUGH, clusters: { echo: upstream.port }, defaultCluster: "echo" }), { logLevel: 4 });
  });
  after(async () => {
    await envoy.close();
    await upstream.close();
  });

  test("one connection: bytes are exact both ways, and the half-close lets the server answer last", async () => {
    const payload = randomBytes(300_000);
    const { received, ended } = await exchange(envoy.listenerPort("test"), payload, 7_000);
    assert.ok(ended, "client saw the server's end of stream");
    assert.equal(received.subarray(0, payload.length).compare(payload), 0);
    assert.equal(received.subarray(payload.length).toString(), "|server-done");
  });

  test("100 concurrent connections with payloads of different sizes are each byte-exact", async () => {
    const payloads = Array.from({ length: 100 }, (_, i) => randomBytes(1 + ((i * 7919) % 50_000)));
    const results = await Promise.all(payloads.map((p) => exchange(envoy.listenerPort("test"), p, 1_000)));
    results.forEach((r, i) => {
      assert.equal(r.received.length, payloads[i].length + "|server-done".length, `connection ${i} length`);
      assert.equal(r.received.subarray(0, payloads[i].length).compare(payloads[i]), 0, `connection ${i} bytes`);
    });
    assert.ok(envoy.stats.counter("tcp.test.downstream_cx_total") >= 101);
  });
});

describe("upstream refuses the connection", () => {
  test("the client sees the close and the stats count the failure", async () => {
    const port = await closedPort();
    const envoy = await startEnvoy(bootstrapFor({ wasm: PASSTHROUGH, clusters: { gone: port }, defaultCluster: "gone" }), { logLevel: 4 });
    try {
      const { received, ended } = await exchange(envoy.listenerPort("test"), Buffer.from("hello"));
      assert.equal(received.length, 0);
      assert.equal(ended, true);
      assert.equal(envoy.stats.counter("cluster.gone.upstream_cx_connect_fail"), 1);
      assert.equal(envoy.stats.counter(`listener.127.0.0.1_${envoy.listenerPort("test")}.downstream_cx_destroy`), 1);
    } finally {
      await envoy.close();
    }
  });
});
