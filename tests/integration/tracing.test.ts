// The tracing filter (meta_protocol.filters.tracing) in build/meta_protocol.wasm, through the local
// host, with real Dubbo peers that carry attachments (tests/peers/dubbo-trace-client.ts sends
// them, tests/peers/dubbo-server.ts answers with what it received) and a real OTLP/gRPC
// collector (tests/peers/otlp-server.ts, decoding with .proto files written from the OTLP spec).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startOtlpCollector, type OtlpCollector, type ReceivedSpan } from "../peers/otlp-server.ts";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);
const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

interface CallResult {
  i: number;
  ok: boolean;
  /** For echoAttachments: the attachments the provider received. */
  seen?: Record<string, string>;
  error?: string;
}

interface CallOptions {
  calls?: number;
  method?: string;
  attachments?: Record<string, string>;
  lingerMs?: number;
}

/** The Dubbo consumer (its own process, one connection) against the proxy. */
async function dubboCalls(port: number, o: CallOptions = {}): Promise<CallResult[]> {
  const args = ["--import", "tsx", "tests/peers/dubbo-trace-client.ts", "--address", `127.0.0.1:${port}`, "--calls", String(o.calls ?? 1), "--method", o.method ?? "echoAttachments", "--linger", String(o.lingerMs ?? 0)];
  for (const [k, v] of Object.entries(o.attachments ?? {})) args.push("--attachment", `${k}=${v}`);
  const { stdout } = await run(process.execPath, args, { encoding: "utf8" });
  const responses: Array<{ i: number; ok: boolean; value?: string; error?: string }> = JSON.parse(stdout).responses;
  return responses.map((r) => (r.ok && r.value?.startsWith("{") ? { i: r.i, ok: true, seen: JSON.parse(r.value) } : r));
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function tracing(config: Record<string, unknown>): unknown {
  return {
    name: "meta_protocol.filters.tracing",
    config: { grpcService: { envoyGrpc: { clusterName: "otel" }, timeout: "1s" }, serviceName: "dubbo-sidecar", rpcSystem: "dubbo", flushInterval: "0.1s", ...config },
  };
}
const router = { name: "aeraki.meta_protocol.filters.router", config: { routes: [{ name: "all", route: { cluster: "upstream" } }] } };

const tracingCounter = (proxy: MetaProxy, name: string) => proxy.envoy.stats.counter(`wasmcustom.meta_protocol.tracing.${name}`);

describe("tracing with real Dubbo peers and a real OTLP collector", () => {
  let provider: Peer;
  let collector: OtlpCollector;
  const proxies: MetaProxy[] = [];
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    collector = await startOtlpCollector();
  });
  after(async () => {
    for (const p of proxies) await p.close();
    collector?.close();
    await provider?.stop();
  });
  const proxyWith = async (filters: unknown[], otelPort = collector.port) => {
    const p = await startMetaProxy({ codec: "dubbo", upstreamPort: provider.port, clusters: { otel: otelPort }, http2Clusters: ["otel"], filters });
    proxies.push(p);
    return p;
  };
  /** The spans that arrive after `from` spans had, once `count` more are in. */
  const newSpans = async (from: number, count: number): Promise<ReceivedSpan[]> => (await collector.waitForSpans(from + count)).slice(from);

  test("a W3C parent: the provider gets the child context, the span the parent and the request's facts", async () => {
    const proxy = await proxyWith([tracing({ spanKind: "SERVER", attributes: ["group", "absent-key"] }), router]);
    const from = collector.spans.length;
    const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const before = BigInt(Date.now()) * 1_000_000n;
    // The connection stays open a while: the collector's answer comes back to it.
    const [call] = await dubboCalls(proxy.port, { attachments: { traceparent: parent, tracestate: "congo=t61rcWkgMzE" }, lingerMs: 500 });
    const after = BigInt(Date.now()) * 1_000_000n;
    assert.equal(tracingCounter(proxy, "spans_exported"), 1);
    const sent = TRACEPARENT.exec(call.seen!.traceparent);
    assert.ok(sent, `the provider got a valid traceparent: ${call.seen!.traceparent}`);
    assert.equal(sent[1], "4bf92f3577b34da6a3ce929d0e0e4736", "same trace");
    assert.notEqual(sent[2], "00f067aa0ba902b7", "a new span id");
    assert.equal(sent[3], "01");
    assert.equal(call.seen!.tracestate, "congo=t61rcWkgMzE", "tracestate passes unchanged");

    const [span] = await newSpans(from, 1);
    assert.equal(span.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(span.parentSpanId, "00f067aa0ba902b7");
    assert.equal(span.spanId, sent[2], "the provider's parent is this span");
    assert.equal(span.traceState, "congo=t61rcWkgMzE");
    assert.equal(span.flags, 1, "W3C trace flags: sampled");
    assert.equal(span.name, `${DEMO_SERVICE}/echoAttachments`);
    assert.equal(span.kind, "SPAN_KIND_SERVER");
    assert.equal(span.status.code, "STATUS_CODE_UNSET");
    assert.deepEqual(span.attributes, { "rpc.system": "dubbo", "rpc.service": DEMO_SERVICE, "rpc.method": "echoAttachments", group: "SOFA", upstream_cluster: "upstream" });
    assert.deepEqual(span.resource, { "service.name": "dubbo-sidecar" });
    assert.equal(span.scope, "meta_protocol.filters.tracing");
    assert.ok(span.startNanos >= before - 1_000_000n && span.startNanos <= span.endNanos && span.endNanos <= after + 1_000_000n, `${before} <= ${span.startNanos} <= ${span.endNanos} <= ${after}`);
  });

  test("B3 attachments as Brave's Dubbo filter sends them: the child goes out in B3, no traceparent added", async () => {
    const proxy = await proxyWith([tracing({ spanKind: "CLIENT" }), router]);
    const from = collector.spans.length;
    const [call] = await dubboCalls(proxy.port, {
      attachments: { "X-B3-TraceId": "463ac35c9f6413ad48485a3953bb6124", "X-B3-SpanId": "a2fb4a1d1a96d312", "X-B3-Sampled": "1" },
    });
    const seen = call.seen!;
    assert.equal(seen.traceparent, undefined);
    assert.equal(seen["X-B3-TraceId"], "463ac35c9f6413ad48485a3953bb6124");
    assert.match(seen["X-B3-SpanId"], /^[0-9a-f]{16}$/);
    assert.notEqual(seen["X-B3-SpanId"], "a2fb4a1d1a96d312");
    assert.equal(seen["X-B3-ParentSpanId"], "a2fb4a1d1a96d312");
    assert.equal(seen["X-B3-Sampled"], "1");
    const [span] = await newSpans(from, 1);
    assert.equal(span.traceId, "463ac35c9f6413ad48485a3953bb6124");
    assert.equal(span.spanId, seen["X-B3-SpanId"]);
    assert.equal(span.parentSpanId, "a2fb4a1d1a96d312");
    assert.equal(span.kind, "SPAN_KIND_CLIENT");
  });

  test("no context and generate: a new trace per request, the span its root", async () => {
    const proxy = await proxyWith([tracing({ generate: true }), router]);
    const from = collector.spans.length;
    const calls = await dubboCalls(proxy.port, { calls: 3 });
    const sent = calls.map((c) => TRACEPARENT.exec(c.seen!.traceparent ?? ""));
    for (const s of sent) assert.ok(s && s[3] === "01" && !/^0+$/.test(s[1]) && !/^0+$/.test(s[2]));
    assert.equal(new Set(sent.map((s) => s![1])).size, 3, "three different trace ids");
    const spans = await newSpans(from, 3);
    assert.deepEqual(spans.map((s) => [s.traceId, s.spanId, s.parentSpanId]), sent.map((s) => [s![1], s![2], ""]));
  });

  test("no context and no generate: nothing written, nothing recorded", async () => {
    const proxy = await proxyWith([tracing({}), router]);
    const exports = collector.exports;
    const [call] = await dubboCalls(proxy.port, { lingerMs: 300 });
    assert.equal(call.seen!.traceparent, undefined);
    assert.equal(collector.exports, exports);
  });

  test("sampling 0 sends no span and says so downstream; an unsampled parent is honoured at rate 1", async () => {
    const none = await proxyWith([tracing({ generate: true, samplingRate: 0 }), router]);
    const exports = collector.exports;
    const calls = await dubboCalls(none.port, { calls: 3, lingerMs: 300 });
    for (const c of calls) assert.equal(TRACEPARENT.exec(c.seen!.traceparent)![3], "00");
    const all = await proxyWith([tracing({ samplingRate: 1 }), router]);
    const [call] = await dubboCalls(all.port, { attachments: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" }, lingerMs: 300 });
    assert.match(call.seen!.traceparent, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/);
    assert.equal(collector.exports, exports, "no export at all");
  });

  test("error responses and local replies end in error spans", async () => {
    const limit = { name: "aeraki.meta_protocol.filters.local_ratelimit", config: { tokenBucket: { maxTokens: 1, tokensPerFill: 1, fillInterval: "3600s" } } };
    const proxy = await proxyWith([tracing({ generate: true }), limit, router]);
    const from = collector.spans.length;
    const calls = await dubboCalls(proxy.port, { calls: 2, method: "fail" });
    assert.match(calls[0].error!, /call-0/, "the provider's own exception");
    assert.match(calls[1].error!, /rate limit/i, "the module's local reply");
    const spans = await newSpans(from, 2);
    assert.deepEqual(spans[0].status, { code: "STATUS_CODE_ERROR", message: "error response" });
    assert.equal(spans[1].status.code, "STATUS_CODE_ERROR");
    assert.match(spans[1].status.message, /^local reply OverLimit: /);
    assert.equal(spans[1].attributes["meta_protocol.local_reply"], "OverLimit");
  });

  test("batches: full batches go at once, the rest after the flush interval", async () => {
    const proxy = await proxyWith([tracing({ generate: true, batchSize: 4, flushInterval: "1s" }), router]);
    const exports = collector.exports;
    const from = collector.spans.length;
    await dubboCalls(proxy.port, { calls: 6, lingerMs: 1600 });
    const spans = await newSpans(from, 6);
    assert.equal(collector.exports - exports, 2, "one batch of 4, one flush of 2");
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 6);
    assert.equal(tracingCounter(proxy, "spans_exported"), 6);
  });
});

describe("tracing when the collector cannot keep up", () => {
  let provider: Peer;
  const proxies: MetaProxy[] = [];
  const collectors: OtlpCollector[] = [];
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
  });
  after(async () => {
    for (const p of proxies) await p.close();
    for (const c of collectors) c.close();
    await provider?.stop();
  });
  const proxyTo = async (otelPort: number, config: Record<string, unknown>) => {
    const p = await startMetaProxy({ codec: "dubbo", upstreamPort: provider.port, clusters: { otel: otelPort }, http2Clusters: ["otel"], filters: [tracing({ generate: true, ...config }), router] });
    proxies.push(p);
    return p;
  };

  test("down: every call answered, every span dropped and counted", async () => {
    const proxy = await proxyTo(await closedPort(), { batchSize: 1 });
    const calls = await dubboCalls(proxy.port, { calls: 4, lingerMs: 1500 });
    assert.deepEqual(calls.map((c) => c.ok), [true, true, true, true]);
    for (const c of calls) assert.match(c.seen!.traceparent, TRACEPARENT, "propagation goes on");
    assert.equal(tracingCounter(proxy, "spans_dropped"), 4);
    assert.equal(tracingCounter(proxy, "export_errors"), 4);
    assert.equal(tracingCounter(proxy, "spans_exported"), 0);
  });

  test("failing exports: the spans are dropped and counted", async () => {
    const collector = await startOtlpCollector();
    collectors.push(collector);
    collector.failWith = 14; // UNAVAILABLE
    // Only full batches go (the flush interval is far off): two exports of two.
    const proxy = await proxyTo(collector.port, { batchSize: 2, flushInterval: "60s" });
    await dubboCalls(proxy.port, { calls: 4, lingerMs: 800 });
    assert.equal(collector.exports, 2);
    assert.equal(tracingCounter(proxy, "spans_dropped"), 4);
    assert.equal(tracingCounter(proxy, "export_errors"), 2);
  });

  test("slow: calls do not wait for it; past the queue's bound spans are dropped", async () => {
    const collector = await startOtlpCollector();
    collectors.push(collector);
    collector.delayMs = 1500;
    // One span per export, at most 4 exports in flight, 1 span queued: of 8, 3 find no room.
    const proxy = await proxyTo(collector.port, { batchSize: 1, maxQueued: 1, flushInterval: "5s", grpcService: { envoyGrpc: { clusterName: "otel" }, timeout: "5s" } });
    const started = Date.now();
    const calls = await dubboCalls(proxy.port, { calls: 8 });
    const took = Date.now() - started;
    assert.deepEqual(calls.map((c) => c.ok), Array(8).fill(true));
    // Held for the collector, 8 calls one after another would take 12 s.
    assert.ok(took < 6000, `the calls took ${took} ms`);
    assert.equal(tracingCounter(proxy, "spans_dropped"), 3);
    await sleep(300);
    assert.equal(collector.maxInFlight, 4);
  });
});
