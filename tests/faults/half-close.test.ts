// Fault: a client that writes its requests and half-closes at once (socket.end()), through the
// local host running build/meta_protocol.wasm to the real servers (redis-server; the sofa-rpc-node
// Dubbo provider). Every answer must still arrive, in order and paired with its request, and
// then the connection closes; also when the module holds the requests (the fault filter's delay)
// past the client's end of stream. Nothing is left in the VM afterwards.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { startPeer, type Peer } from "../integration/support.ts";
import { dubboId, dubboRequest, redisCommand, splitDubbo } from "./frames.ts";
import { startFaultHost, startRedis, until, type FaultHost } from "./support.ts";

/** Writes `payload`, half-closes, and collects everything until the proxy ends the connection. */
function writeThenEnd(port: number, payload: Buffer): Promise<{ received: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let ended = false;
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => c.end(payload));
    c.on("data", (d) => parts.push(d));
    c.on("end", () => (ended = true));
    c.on("error", reject);
    c.on("close", () => resolve({ received: Buffer.concat(parts), ended }));
    setTimeout(() => (c.destroy(), reject(new Error("the connection never closed"))), 10_000).unref();
  });
}

async function assertReleased(proxy: FaultHost): Promise<void> {
  await until(() => proxy.liveContexts() === 0, "the connection contexts to end");
  assert.equal(proxy.gauge("request_active"), 0, "request_active");
  assert.equal(proxy.gauge("connection_active"), 0, "connection_active");
  await until(() => proxy.tickPeriodMs() === 0, "the tick to stop");
}

const delaysInjected = (proxy: FaultHost) => proxy.envoy.stats.counter("wasmcustom.meta_protocol.fault.delays_injected");
const delayAll = (ms: number) => [{ name: "meta_protocol.filters.fault", config: { faults: [{ delay: { fixedDelay: `${ms}ms` } }] } }];

describe("half-close: Redis (redis-server)", () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  before(async () => (redis = await startRedis()));
  after(async () => redis?.stop());

  // INCR on a fresh key answers 1, 2, 3...: the replies say their own order.
  const commands = (key: string, n: number) => Buffer.concat(Array.from({ length: n }, () => redisCommand("INCR", key)));
  const expected = (n: number) => Array.from({ length: n }, (_, i) => `:${i + 1}\r\n`).join("");

  for (const [label, filters] of [["passing through", []], ["held 50 ms each by the fault filter", delayAll(50)]] as const) {
    test(`50 pipelined commands then end(), ${label}: 50 replies in order, then the close`, async () => {
      const proxy = await startFaultHost({ codec: "redis", upstreamPort: redis.port, filters: [...filters] });
      try {
        const key = `half-close:${label.length}:${Date.now()}`;
        const { received, ended } = await writeThenEnd(proxy.port, commands(key, 50));
        assert.ok(ended, "the client saw the end of stream");
        assert.equal(received.toString(), expected(50));
        await assertReleased(proxy);
        assert.equal(proxy.counter("request"), 50);
        assert.equal(proxy.counter("response"), 50);
        assert.equal(delaysInjected(proxy), filters.length > 0 ? 50 : 0);
      } finally {
        await proxy.close();
      }
    });
  }
});

describe("half-close: Dubbo raw frames (sofa-rpc-node provider)", () => {
  let provider: Peer;
  before(async () => (provider = await startPeer("tests/peers/dubbo-server.ts")));
  after(async () => provider?.stop());

  for (const [label, filters] of [["passing through", []], ["held 50 ms each by the fault filter", delayAll(50)]] as const) {
    test(`20 pipelined calls then end(), ${label}: 20 answers, each to its own id, then the close`, async () => {
      const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: provider.port, filters: [...filters] });
      try {
        const ids = Array.from({ length: 20 }, (_, i) => 100 + i);
        const { received, ended } = await writeThenEnd(proxy.port, Buffer.concat(ids.map((id) => dubboRequest(id, "sayHello", `w${id}`))));
        assert.ok(ended, "the client saw the end of stream");
        const { frames, rest } = splitDubbo(received);
        assert.equal(rest.length, 0, "no partial frame");
        assert.deepEqual(frames.map(dubboId).sort((a, b) => a - b), ids);
        for (const f of frames) assert.ok(f.includes(Buffer.from(`Hello w${dubboId(f)}`)), `answer ${dubboId(f)} is its own`);
        await assertReleased(proxy);
        assert.equal(proxy.counter("response"), 20);
        assert.equal(delaysInjected(proxy), filters.length > 0 ? 20 : 0);
      } finally {
        await proxy.close();
      }
    });
  }
});
