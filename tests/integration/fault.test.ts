// The fault filter (meta_protocol.filters.fault) in build/meta_protocol.wasm, through the local host,
// with the real Dubbo peers (sofa-rpc-node + dubbo-remoting). Delays are measured by the real
// client library, per call, against a proxy without the filter; aborts are read from the real
// consumer's own report, and a relay in front of the provider counts the calls that reach it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";
import { countingRelay, type CountingRelay } from "./counting-relay.ts";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const { RpcClient } = require("sofa-rpc-node").client;
const protocol = require("dubbo-remoting");
const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const DELAY_MS = 200;

interface CallResult {
  i: number;
  ok: boolean;
  value?: string;
  error?: string;
}

/** The real Dubbo consumer (its own process, one connection) against the proxy. */
async function dubboCalls(port: number, method: string, calls: number): Promise<CallResult[]> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`, "--calls", String(calls), "--method", method],
    { encoding: "utf8" },
  );
  return JSON.parse(stdout).responses;
}

interface Timed {
  ms: number;
  value: unknown;
}

/**
 * The same client library in this process, timing each call from invoke to answer (the consumer
 * script reports no latencies). One connection; `concurrency` calls in flight.
 */
async function timedCalls(port: number, method: string, args: (i: number) => unknown[], calls: number, concurrency = 1): Promise<Timed[]> {
  const quiet = { info() {}, warn() {}, debug() {}, error() {} };
  const client = new RpcClient({ logger: quiet, protocol });
  try {
    const consumer = client.createConsumer({ interfaceName: DEMO_SERVICE, serverHost: `127.0.0.1:${port}`, group: "SOFA" });
    await consumer.ready();
    const out: Timed[] = new Array(calls);
    let next = 0;
    const worker = async () => {
      while (next < calls) {
        const i = next++;
        const start = performance.now();
        const value = await consumer.invoke(method, args(i), { responseTimeout: 5000 });
        out[i] = { ms: performance.now() - start, value };
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return out;
  } finally {
    await client.close();
  }
}

const hello = (i: number) => [`world-${i}`];
const bytes = (i: number) => [Buffer.alloc(64, i)];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const injected = (proxy: MetaProxy, name: string) => proxy.envoy.stats.counter(`wasmcustom.meta_protocol.fault.${name}`);

describe("fault injection with the real Dubbo peers", () => {
  let provider: Peer;
  let relay: CountingRelay;
  let plain: MetaProxy;
  let delaying: MetaProxy;
  let aborting: MetaProxy;
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    relay = await countingRelay(provider.port);
    plain = await startMetaProxy({ codec: "dubbo", upstreamPort: relay.port, filters: [] });
    delaying = await startMetaProxy({
      codec: "dubbo",
      upstreamPort: relay.port,
      filters: [{ name: "meta_protocol.filters.fault", config: { faults: [{ match: { attributes: { method: { exact: "sayHello" } } }, delay: { fixedDelay: `${DELAY_MS}ms` } }] } }],
    });
    aborting = await startMetaProxy({
      codec: "dubbo",
      upstreamPort: relay.port,
      // Proto field names this time; the HeaderMatcher shape of match.
      filters: [{ name: "meta_protocol.filters.fault", config: { faults: [{ match: { metadata: [{ name: "method", exact_match: "sayHello" }] },
        abort: { error_kind: "Unspecified", detail: "injected by the fault filter", percentage: 50 } }] } }],
    });
  });
  after(async () => {
    await aborting?.close();
    await delaying?.close();
    await plain?.close();
    await relay?.close();
    await provider?.stop();
  });

  test(`a ${DELAY_MS} ms delay on sayHello adds at least ${DELAY_MS} ms to each call, as the client measures it`, async () => {
    const without = await timedCalls(plain.port, "sayHello", hello, 5);
    const withDelay = await timedCalls(delaying.port, "sayHello", hello, 5);
    assert.deepEqual(withDelay.map((c) => c.value), [0, 1, 2, 3, 4].map((i) => `Hello world-${i}`));
    for (const c of withDelay) assert.ok(c.ms >= DELAY_MS, `a delayed call took ${c.ms.toFixed(1)} ms`);
    // Medians: a run's first call also pays for the connection. The host's clock counts whole
    // milliseconds, so a due time can come up to 1 ms short of the wall clock.
    const added = median(withDelay.map((c) => c.ms)) - median(without.map((c) => c.ms));
    assert.ok(added >= DELAY_MS - 1, `the filter added ${added.toFixed(1)} ms (medians)`);
    assert.equal(injected(delaying, "delays_injected"), 5);
    assert.equal(injected(delaying, "aborts_injected"), 0);
  });

  test("eight calls held together on one connection each wait their own delay", async () => {
    const before = injected(delaying, "delays_injected");
    const calls = await timedCalls(delaying.port, "sayHello", hello, 8, 8);
    assert.deepEqual(calls.map((c) => c.value), Array.from({ length: 8 }, (_, i) => `Hello world-${i}`));
    for (const c of calls) assert.ok(c.ms >= DELAY_MS, `a delayed call took ${c.ms.toFixed(1)} ms`);
    assert.equal(injected(delaying, "delays_injected") - before, 8);
  });

  test("echoBytes, which the match leaves out, is not delayed and comes back intact", async () => {
    const before = injected(delaying, "delays_injected");
    const calls = await timedCalls(delaying.port, "echoBytes", bytes, 5);
    calls.forEach((c, i) => assert.deepEqual(c.value, Buffer.alloc(64, i)));
    assert.equal(injected(delaying, "delays_injected"), before);
  });

  test("an abort at 50% over 20 calls: exactly 10 Dubbo errors with the detail, exactly 10 calls reach the provider", async () => {
    const reached = relay.count("sayHello");
    const calls = await dubboCalls(aborting.port, "sayHello", 20);
    const failed = calls.filter((c) => !c.ok);
    assert.equal(failed.length, 10);
    // Every second call, decided by the accumulator, not by chance.
    assert.deepEqual(failed.map((c) => c.i), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    for (const c of failed) assert.match(c.error!, /injected by the fault filter/);
    for (const c of calls.filter((c) => c.ok)) assert.equal(c.value, `Hello world-${c.i}`);
    assert.equal(relay.count("sayHello") - reached, 10, "the provider never saw the aborted calls");
    assert.equal(injected(aborting, "aborts_injected"), 10);
    assert.equal(aborting.counter("local_reply"), 10);
    assert.equal(aborting.counter("local_reply_connection_closed"), 0);
  });
});
