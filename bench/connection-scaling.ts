// The module's cost per request as the number of open connections grows, through the real ABI
// without sockets: C connections are opened on one VM (one Envoy worker) and pipelined Redis GETs
// (16 per read, their 16 responses in one read) are sent round robin over them. Reported per C:
// ns inside the module's exports per request (request + response), for the product module with
// router + local rate limit + metrics, and for the no-op module; the module's extra cost is their
// difference. Issue 12's target: that extra cost flat (within 20%) from 1 to 4,096 connections.
// One run of a row varies by up to a third on a shared machine, so every row runs REPEATS times,
// the rows interleaved (a slow minute hits every connection count alike), and the median is kept.
//   npm run bench:connections     prints a table, writes bench/results/connection-scaling.json
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StatsStore } from "../host/stats.ts";
import { SharedData } from "../host/wasm/shared-data.ts";
import { WasmPlugin } from "../host/wasm/plugin.ts";
import { LogLevel } from "../host/wasm/types.ts";
import { BenchConnection } from "./bench-connection.ts";
import { PROTOCOLS } from "./frames.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PRODUCT = process.env.MODULE ?? path.join(root, "build/meta_protocol.wasm");
const NO_OP = path.join(root, "build/test-modules/sdk_passthrough.wasm");
const CONNECTIONS = process.env.CONNECTIONS ? process.env.CONNECTIONS.split(",").map(Number) : [1, 16, 64, 256, 1024, 4096];
const PER_READ = 16;
const REQUESTS = Number(process.env.REQUESTS ?? 400_000);
const REPEATS = Number(process.env.REPEATS ?? 5);
const PAYLOAD = Buffer.alloc(100, 0x61);
const CODEC = "redis";

const CONFIGURATION = JSON.stringify({
  statPrefix: "bench", codec: { name: CODEC }, maxFrameSize: 4 * 1024 * 1024,
  meta_protocol_filters: [
    { name: "aeraki.meta_protocol.filters.local_ratelimit",
      config: { stat_prefix: "bench", token_bucket: { max_tokens: 1_000_000_000, tokens_per_fill: 1_000_000_000, fill_interval: "1s" } } },
    { name: "meta_protocol.filters.metrics" },
    { name: "aeraki.meta_protocol.filters.router" },
  ],
  route_config: { name: "bench", routes: [{ name: "default", route: { cluster: "outbound|1|v1|bench.svc" } }] },
});

function load(code: Buffer, product: boolean): { plugin: WasmPlugin; nsInside: () => bigint } {
  const plugin = WasmPlugin.load(
    {
      name: "bench", rootId: "bench", vmId: "bench", code, failOpen: false, vmConfiguration: new Uint8Array(0),
      pluginConfiguration: Buffer.from(product ? CONFIGURATION : ""),
    },
    {
      stats: new StatsStore(), log: (level, message) => level >= LogLevel.Warn && console.error(message), logLevel: LogLevel.Info,
      sharedData: new SharedData(), cluster: () => undefined,
    },
  );
  let ns = 0n;
  const vm = plugin.vm;
  const call = vm.call.bind(vm);
  vm.call = (name, contextId, ...args) => {
    const start = process.hrtime.bigint();
    const r = call(name, contextId, ...args);
    ns += process.hrtime.bigint() - start;
    return r;
  };
  return { plugin, nsInside: () => ns };
}

/** ns inside the module per request (request + response) with `connections` open, after a warm-up. */
function measure(code: Buffer, product: boolean, connections: number): { ns: number; pages: number } {
  const { plugin, nsInside } = load(code, product);
  const frames = PROTOCOLS[CODEC];
  const requests = Buffer.concat(Array.from({ length: PER_READ }, (_, i) => frames.request(PAYLOAD, i + 1)));
  const responses = Buffer.concat(Array.from({ length: PER_READ }, (_, i) => frames.response(i + 1)));
  const open = Array.from({ length: connections }, () => new BenchConnection(plugin));
  const round = (reads: number) => {
    for (let i = 0; i < reads; i++) open[i % connections].exchange(requests, responses);
  };
  // Every connection has carried traffic (its objects exist), and V8 has tiered up.
  round(Math.max(connections * 2, 2000));
  const reads = Math.ceil(REQUESTS / PER_READ);
  const before = nsInside();
  round(reads);
  const ns = Number(nsInside() - before) / (reads * PER_READ);
  return { ns, pages: plugin.vm.memory.buffer.byteLength / 65536 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const product = readFileSync(PRODUCT);
const noop = readFileSync(NO_OP);
const samples = CONNECTIONS.map(() => ({ product: [] as number[], noop: [] as number[], pages: 0 }));
for (let repeat = 0; repeat < REPEATS; repeat++) {
  CONNECTIONS.forEach((c, i) => {
    const p = measure(product, true, c);
    samples[i].product.push(p.ns);
    samples[i].noop.push(measure(noop, false, c).ns);
    samples[i].pages = Math.max(samples[i].pages, p.pages);
  });
}
const rows: Array<Record<string, unknown>> = [];
console.log(`redis GET pipelined ${PER_READ} per read, ${REQUESTS} requests per row, median of ${REPEATS} interleaved runs; ns inside the module per request (request + response)`);
console.log("connections  product  no-op  extra  extra vs 1 conn  product min-max  wasm pages");
let extraAtOne = 0;
CONNECTIONS.forEach((c, i) => {
  const s = samples[i];
  const productNs = median(s.product);
  const noopNs = median(s.noop);
  const extra = productNs - noopNs;
  if (c === 1) extraAtOne = extra;
  const spread = `${Math.min(...s.product).toFixed(0)}-${Math.max(...s.product).toFixed(0)}`;
  rows.push({ connections: c, productNs, noopNs, extraNs: extra, extraVsOneConnection: extra / extraAtOne, productSamplesNs: s.product, noopSamplesNs: s.noop, wasmPages: s.pages });
  console.log(`${String(c).padStart(11)} ${productNs.toFixed(0).padStart(8)} ${noopNs.toFixed(0).padStart(6)} ${extra.toFixed(0).padStart(6)} ${(extra / extraAtOne).toFixed(2).padStart(16)}x ${spread.padStart(16)} ${String(s.pages).padStart(11)}`);
});
const out = path.join(root, "bench/results/connection-scaling.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({
  measuredAt: new Date().toISOString(), node: process.version,
  module: createHash("sha256").update(product).digest("hex").slice(0, 16),
  codec: CODEC, perRead: PER_READ, requestsPerRow: REQUESTS, repeats: REPEATS, target: "extra ns per request within 20% from 1 to 4096 connections", rows,
}, null, 2) + "\n");
console.log(`wrote ${path.relative(root, out)}`);
