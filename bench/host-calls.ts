// Host calls per request, through the real ABI: inside Envoy each host call crosses from Wasm into
// C++, so their number per request predicts the module's cost there better than Node's timings.
// For each codec, each filter set (none; router + local rate limit + metrics; each observability
// filter with a router), each way of flushing the counters (at the end of every callback, as
// without stats_flush_interval; from the root's tick with stats_flush_interval "1s", one tick at
// the end of each measured run, counted in it), in two traffic shapes (each request and each
// response alone in its callback; 39 requests pipelined per callback and their 39 responses
// likewise), it counts per request (request + response): the host calls by name, the bytes
// proxy_get_buffer_bytes copied into the module, the export calls and the time spent inside them
// (measured around each export call, so it includes the host functions the module called and the
// timer's own cost). The tick's host calls are reported apart, per tick (at 1 s, a cost per second
// of traffic, not per request): they send the sums of the whole run.
// Tracing exports to a collector cluster the bench host does not know: proxy_grpc_call is refused
// at once (BadArgument) and the batch is counted as dropped, so its rows count the calls a working
// collector would also see (one export call per 64 spans, one counter per batch), not the answer's
// callback.
//   npm run bench:host-calls        prints a table, writes bench/results/host-calls.json
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StatsStore } from "../host/stats.ts";
import { SharedData } from "../host/wasm/shared-data.ts";
import { WasmPlugin } from "../host/wasm/plugin.ts";
import { LogLevel } from "../host/wasm/types.ts";
import { PROTOCOLS } from "./frames.ts";
import { BenchConnection } from "./bench-connection.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PRODUCT = path.join(root, "build/meta_protocol.wasm");
const MESSAGES = 20_000;
const PIPELINED = 39;
const PAYLOAD = Buffer.alloc(100, 0x61);
/** The issue's targets, host calls per request + response. */
const TARGET = { alone: 5, pipelined: 1.5 };

const ROUTER = { name: "aeraki.meta_protocol.filters.router" };
const tracing = (samplingRate: number) => ({
  name: "meta_protocol.filters.tracing",
  config: { grpcService: { envoyGrpc: { clusterName: "otel" }, timeout: "1s" }, serviceName: "bench", generate: true, samplingRate },
});
const FILTERS: Record<string, object[]> = {
  none: [],
  "router+ratelimit+metrics": [
    {
      name: "aeraki.meta_protocol.filters.local_ratelimit",
      // Large enough that no request of the run is limited: we count the passing path.
      config: { stat_prefix: "bench", token_bucket: { max_tokens: 1_000_000_000, tokens_per_fill: 1_000_000_000, fill_interval: "1s" } },
    },
    { name: "meta_protocol.filters.metrics" },
    ROUTER,
  ],
  router: [ROUTER],
  "router+metrics": [{ name: "meta_protocol.filters.metrics" }, ROUTER],
  "router+metrics(istio)": [{ name: "meta_protocol.filters.metrics", config: { naming: "istio" } }, ROUTER],
  // Through proxy_log only, at info (the host's level), so that every line is built and written.
  "router+access_log": [{ name: "meta_protocol.filters.access_log", config: { level: "info" } }, ROUTER],
  "router+tracing(1.0)": [tracing(1), ROUTER],
  "router+tracing(0.01)": [tracing(0.01), ROUTER],
};
/** How the module's counters reach the host: absent option (every callback), or stats_flush_interval. */
const FLUSH: Record<string, string | undefined> = { "per-callback": undefined, "tick 1s": "1s" };
const ROUTES = { name: "bench", routes: [{ name: "default", route: { cluster: "outbound|1|v1|bench.svc" } }] };

/** What one measured run saw, before dividing by the requests. */
class Tally {
  enabled = false;
  calls = new Map<string, number>();
  bytesIn = 0;
  exportCalls = 0;
  exportNs = 0n;
  /** The host calls of the root tick that ends a run with stats_flush_interval. */
  inTick = false;
  tickCalls = new Map<string, number>();

  onHostCall = (name: string, bytesIn: number): void => {
    if (this.inTick) this.tickCalls.set(name, (this.tickCalls.get(name) ?? 0) + 1);
    if (!this.enabled) return;
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    this.bytesIn += bytesIn;
  };
}

function load(codec: string, filters: readonly object[], flush: string | undefined, tally: Tally): WasmPlugin {
  const configuration = JSON.stringify({
    statPrefix: "bench", codec: { name: codec }, maxFrameSize: 4 * 1024 * 1024,
    meta_protocol_filters: filters, ...(filters.length > 0 ? { route_config: ROUTES } : {}),
    ...(flush === undefined ? {} : { stats_flush_interval: flush }),
  });
  const plugin = WasmPlugin.load(
    {
      name: "bench", rootId: "bench", vmId: "bench", code: readFileSync(PRODUCT), failOpen: false,
      vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(configuration),
    },
    {
      stats: new StatsStore(), log: (level, message) => level >= LogLevel.Warn && console.error(message), logLevel: LogLevel.Info,
      sharedData: new SharedData(), cluster: () => undefined, onHostCall: tally.onHostCall,
    },
  );
  // Time each export call the host makes (the module's allocator, called from inside host calls, is not one).
  const vm = plugin.vm;
  const call = vm.call.bind(vm);
  vm.call = (name, contextId, ...args) => {
    if (!tally.enabled) return call(name, contextId, ...args);
    const start = process.hrtime.bigint();
    const r = call(name, contextId, ...args);
    tally.exportNs += process.hrtime.bigint() - start;
    tally.exportCalls++;
    return r;
  };
  return plugin;
}

/**
 * Sends `messages` requests in batches of `perCallback`, each batch's responses after it, counting
 * the steady state; with `tick`, one root tick follows the measured run (its calls counted apart).
 */
function measure(plugin: WasmPlugin, tally: Tally, codec: string, perCallback: number, tick: boolean): void {
  const frames = PROTOCOLS[codec];
  const ids = Array.from({ length: perCallback }, (_, i) => i + 1);
  const requests = Buffer.concat(ids.map((id) => frames.request(PAYLOAD, id)));
  const responses = Buffer.concat(ids.map((id) => frames.response(id)));
  const connection = new BenchConnection(plugin);
  const run = (batches: number) => {
    for (let i = 0; i < batches; i++) connection.exchange(requests, responses);
    if (connection.closed) throw new Error(`${codec}: the module closed the connection: the frames did not decode`);
  };
  run(Math.max(2, Math.ceil(200 / perCallback))); // warm-up: the first request binds the route
  const passedBefore = connection.passedBytes;
  tally.enabled = true;
  run(Math.ceil(MESSAGES / perCallback));
  tally.enabled = false;
  if (tick) {
    tally.inTick = true;
    plugin.vm.call("proxy_on_tick", plugin.vm.rootContextId);
    tally.inTick = false;
  }
  // A module that held bytes back would make the counts look cheaper than they are (tracing adds
  // the child context to every request it samples: more bytes pass, never fewer).
  const passedBytes = connection.passedBytes - passedBefore;
  if (passedBytes < requests.length * Math.ceil(MESSAGES / perCallback)) throw new Error(`${codec}: requests were held back: ${passedBytes} bytes passed of ${requests.length * Math.ceil(MESSAGES / perCallback)}`);
  connection.close();
}

interface Row {
  codec: string;
  filters: string;
  /** "per-callback", or "tick 1s" (stats_flush_interval, one tick per measured run). */
  flush: string;
  shape: "alone" | "pipelined";
  requestsPerCallback: number;
  requests: number;
  hostCallsPerRequest: number;
  hostCallsByName: Record<string, number>;
  bytesInPerRequest: number;
  exportCallsPerRequest: number;
  exportNsPerRequest: number;
  withinTarget: boolean;
  /** With stats_flush_interval: the host calls of the one tick after the run (absolute, not per request). */
  tickHostCalls: Record<string, number>;
}

/** One row: a fresh plugin for `codec` with `filters`, flushing as `flush` says, in one traffic shape. */
function measureRow(codec: string, filterName: string, flushName: string, shape: "alone" | "pipelined"): Row {
  const tally = new Tally();
  const flush = FLUSH[flushName];
  const plugin = load(codec, FILTERS[filterName], flush, tally);
  const perCallback = shape === "alone" ? 1 : PIPELINED;
  measure(plugin, tally, codec, perCallback, flush !== undefined);
  plugin.close();
  const requests = Math.ceil(MESSAGES / perCallback) * perCallback;
  const per = (n: number) => n / requests;
  const total = [...tally.calls.values()].reduce((a, b) => a + b, 0);
  return {
    codec, filters: filterName, flush: flushName, shape, requestsPerCallback: perCallback, requests,
    hostCallsPerRequest: per(total),
    hostCallsByName: Object.fromEntries([...tally.calls].sort((a, b) => b[1] - a[1]).map(([n, c]) => [n, per(c)])),
    bytesInPerRequest: per(tally.bytesIn),
    exportCallsPerRequest: per(tally.exportCalls),
    exportNsPerRequest: per(Number(tally.exportNs)),
    withinTarget: per(total) <= TARGET[shape],
    tickHostCalls: Object.fromEntries(tally.tickCalls),
  };
}

const rows: Row[] = [];
const started = Date.now();
for (const codec of Object.keys(PROTOCOLS)) {
  for (const filterName of Object.keys(FILTERS)) {
    for (const flushName of Object.keys(FLUSH)) {
      for (const shape of ["alone", "pipelined"] as const) rows.push(measureRow(codec, filterName, flushName, shape));
    }
  }
}

const f = (n: number, width: number, digits = 2) => n.toFixed(digits).padStart(width);
console.log(`per request (request + response), ${MESSAGES} requests of ${PAYLOAD.length} B payload per row; target: <= ${TARGET.alone} alone, <= ${TARGET.pipelined} pipelined`);
console.log("codec   filters                   flush        shape     | host calls  target | bytes in | exports  ns in exports | host calls by name | in the tick after the run");
for (const r of rows) {
  const names = Object.entries(r.hostCallsByName).map(([n, c]) => `${n.replace(/^proxy_/, "")} ${c.toFixed(2)}`).join(", ");
  const tick = Object.entries(r.tickHostCalls).map(([n, c]) => `${n.replace(/^proxy_/, "")} ${c}`).join(", ");
  console.log(
    `${r.codec.padEnd(7)} ${r.filters.padEnd(25)} ${r.flush.padEnd(12)} ${r.shape.padEnd(9)} | ${f(r.hostCallsPerRequest, 10)} ${(r.withinTarget ? "ok" : "over").padStart(7)} | ${f(r.bytesInPerRequest, 8, 1)} | ${f(r.exportCallsPerRequest, 7)} ${f(r.exportNsPerRequest, 14, 0)} | ${names}${r.flush === "per-callback" ? "" : ` | ${tick || "none"}`}`,
  );
}
const out = path.join(root, "bench/results/host-calls.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, messages: MESSAGES, payloadBytes: PAYLOAD.length, target: TARGET, ticksPerRunWithFlushInterval: 1, rows }, null, 2) + "\n");
console.log(`written to ${path.relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
