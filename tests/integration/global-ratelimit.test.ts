// The global rate limit filter (aeraki.meta_protocol.filters.ratelimit) in build/meta_protocol.wasm,
// through the local host, with the real Dubbo peers (sofa-rpc-node + dubbo-remoting) and a real
// gRPC rate limit service serving Envoy's rls.proto (tests/peers/rate-limit-service.ts). A relay
// in front of the provider counts the calls that reach it, so a rejected call is seen not to.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startRateLimitService, type RateLimitService } from "../peers/rate-limit-service.ts";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";
import { countingRelay, type CountingRelay } from "./counting-relay.ts";

const run = promisify(execFile);
const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const HELLO = `production|method=sayHello,service=${DEMO_SERVICE}`;

interface CallResult {
  i: number;
  ok: boolean;
  value?: string;
  error?: string;
}

/** The real Dubbo consumer (its own process, one connection) against the proxy. */
async function dubboCalls(port: number, method: string, calls: number, concurrency = 1): Promise<CallResult[]> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`, "--calls", String(calls), "--concurrency", String(concurrency), "--method", method],
    { encoding: "utf8" },
  );
  return JSON.parse(stdout).responses;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Aeraki's RateLimit, in proto field names as Aeraki's control plane writes them. */
function rateLimit(extra: Record<string, unknown>): unknown {
  return {
    name: "aeraki.meta_protocol.filters.ratelimit",
    config: {
      match: { metadata: [{ name: "method", exact_match: "sayHello" }] },
      domain: "production",
      rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: "rls" } }, transport_api_version: "V3" },
      descriptors: [
        { property: "method", descriptor_key: "method" },
        { property: "interface", descriptor_key: "service" },
      ],
      ...extra,
    },
  };
}

function proxyTo(relay: CountingRelay, rlsPort: number, filter: unknown): Promise<MetaProxy> {
  return startMetaProxy({ codec: "dubbo", upstreamPort: relay.port, clusters: { rls: rlsPort }, http2Clusters: ["rls"], filters: [filter] });
}

const outcome = (proxy: MetaProxy, name: string) => proxy.envoy.stats.counter(`wasmcustom.meta_protocol.ratelimit.production.${name}`);

describe("global rate limit with the real Dubbo peers and a real rate limit service", () => {
  let provider: Peer;
  let relay: CountingRelay;
  let rls: RateLimitService;
  let proxy: MetaProxy;
  const limits: Record<string, number> = { [HELLO]: 5 };
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    relay = await countingRelay(provider.port);
    rls = await startRateLimitService(limits);
    proxy = await proxyTo(relay, rls.port, rateLimit({ timeout: "2s" }));
  });
  after(async () => {
    await proxy?.close();
    rls?.close();
    await relay?.close();
    await provider?.stop();
  });

  test("the limit holds exactly: 5 of 8 calls reach the provider, 3 get Dubbo's error on the open connection", async () => {
    const calls = await dubboCalls(proxy.port, "sayHello", 8);
    assert.deepEqual(calls.slice(0, 5).map((r) => r.value), [0, 1, 2, 3, 4].map((i) => `Hello world-${i}`));
    for (const r of calls.slice(5)) {
      assert.equal(r.ok, false);
      assert.match(r.error!, /rate limited by the rate limit service/);
    }
    assert.equal(relay.count("sayHello"), 5, "the provider never saw the rejected calls");
    assert.deepEqual(rls.asked, Array.from({ length: 8 }, () => ({ domain: "production", descriptors: [`method=sayHello,service=${DEMO_SERVICE}`], hitsAddend: 1 })));
    assert.equal(outcome(proxy, "ok"), 5);
    assert.equal(outcome(proxy, "over_limit"), 3);
    assert.equal(proxy.counter("local_reply"), 3);
    assert.equal(proxy.counter("local_reply_connection_closed"), 0);
  });

  test("requests the match leaves out are not asked about", async () => {
    const asked = rls.asked.length;
    const calls = await dubboCalls(proxy.port, "echoBytes", 5);
    assert.deepEqual(calls.map((r) => r.ok), [true, true, true, true, true]);
    assert.equal(rls.asked.length, asked);
  });

  test("16 calls in flight are held together, none blocks another, and the count stays exact", async () => {
    rls.reset();
    limits[HELLO] = 25;
    rls.delayMs = 200;
    const before = relay.count("sayHello");
    const calls = await dubboCalls(proxy.port, "sayHello", 40, 16);
    rls.delayMs = 0;
    const ok = calls.filter((r) => r.ok);
    assert.equal(ok.length, 25);
    for (const r of ok) assert.equal(r.value, `Hello world-${r.i}`);
    for (const r of calls.filter((c) => !c.ok)) assert.match(r.error!, /rate limited by the rate limit service/);
    assert.equal(rls.asked.length, 40);
    assert.equal(relay.count("sayHello") - before, 25);
    assert.equal(rls.maxInFlight, 16, "the service held 16 questions at once");
  });
});

describe("global rate limit when the service fails", () => {
  let provider: Peer;
  let relay: CountingRelay;
  let slow: RateLimitService;
  let downPort: number;
  const proxies: MetaProxy[] = [];
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    relay = await countingRelay(provider.port);
    downPort = await closedPort();
    slow = await startRateLimitService({});
    // Answers OVER_LIMIT, but only after 600 ms: a call used the answer only if it waited that long.
    slow.delayMs = 600;
    slow.overLimitAlways = true;
  });
  after(async () => {
    for (const p of proxies) await p.close();
    slow?.close();
    await relay?.close();
    await provider?.stop();
  });
  const start = async (rlsPort: number, extra: Record<string, unknown>) => {
    const p = await proxyTo(relay, rlsPort, rateLimit(extra));
    proxies.push(p);
    return p;
  };

  test("down, failing open: calls go through, counted as errors allowed", async () => {
    const proxy = await start(downPort, { timeout: "1s" });
    const before = relay.count("sayHello");
    const calls = await dubboCalls(proxy.port, "sayHello", 4);
    assert.deepEqual(calls.map((r) => r.value), [0, 1, 2, 3].map((i) => `Hello world-${i}`));
    assert.equal(relay.count("sayHello") - before, 4);
    assert.equal(outcome(proxy, "error"), 4);
    assert.equal(outcome(proxy, "failure_mode_allowed"), 4);
  });

  test("down, failing closed: every call gets Dubbo's error and none reaches the provider", async () => {
    const proxy = await start(downPort, { timeout: "1s", failure_mode_deny: true });
    const before = relay.count("sayHello");
    const calls = await dubboCalls(proxy.port, "sayHello", 4);
    for (const r of calls) {
      assert.equal(r.ok, false);
      assert.match(r.error!, /rate limit service unavailable/);
    }
    assert.equal(relay.count("sayHello") - before, 0);
    assert.equal(outcome(proxy, "error"), 4);
    assert.equal(outcome(proxy, "failure_mode_allowed"), 0);
    assert.equal(proxy.counter("local_reply_connection_closed"), 0);
  });

  test("slower than the timeout, failing open: the timeout lets calls go before the late OVER_LIMIT", async () => {
    const proxy = await start(slow.port, { timeout: "0.1s" });
    const calls = await dubboCalls(proxy.port, "sayHello", 3);
    assert.deepEqual(calls.map((r) => r.value), [0, 1, 2].map((i) => `Hello world-${i}`));
    assert.equal(outcome(proxy, "error"), 3);
    assert.equal(outcome(proxy, "over_limit"), 0);
  });

  test("slower than the timeout, failing closed: calls end as failures, not as over the limit", async () => {
    const proxy = await start(slow.port, { timeout: "0.1s", failureModeDeny: true });
    const calls = await dubboCalls(proxy.port, "sayHello", 3);
    for (const r of calls) {
      assert.equal(r.ok, false);
      assert.match(r.error!, /rate limit service unavailable/);
    }
    assert.equal(outcome(proxy, "error"), 3);
    assert.equal(outcome(proxy, "over_limit"), 0);
  });
});
