// Decode cost per call, through the real ABI: the local host calls proxy_on_downstream_data with
// request frames and proxy_on_upstream_data with their (small) responses, as Envoy does, and
// drains what the module passed (as tcp_proxy would). Responses keep the module's table of
// requests in flight as small as it is in real traffic; the figure is a request and its response.
// Two figures per codec and payload size: "pipelined", reads of up to 64 KB holding as many
// frames as fit (the cost per message when a client pipelines), and "one per read", each call
// carrying one frame (the cost per message when the per-read work cannot be shared; a 64 KB or
// 1 MB frame is always alone in its read, so this is the figure that compares sizes fairly).
// Beside each: the same bytes through a module that does nothing (the host's own cost).
//   npm run bench:decode            prints a table, writes bench/results/decode.json
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
const NO_OP = path.join(root, "build/test-modules/sdk_passthrough.wasm");
const SIZES = [100, 1024, 64 * 1024, 1024 * 1024];
/** Bytes handed to the module per call (many small frames, or one large frame). */
const BATCH_BYTES = 64 * 1024;
const MIN_MESSAGES = 2000;
const MIN_SECONDS = 0.4;

function load(file: string, codec: string): WasmPlugin {
  const configuration = JSON.stringify({ statPrefix: "bench", codec: { name: codec }, maxFrameSize: 4 * 1024 * 1024 });
  return WasmPlugin.load(
    {
      name: "bench", rootId: "bench", vmId: "bench", code: readFileSync(file), failOpen: false,
      vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(configuration),
    },
    { stats: new StatsStore(), log: (level, message) => level >= LogLevel.Warn && console.error(message), sharedData: new SharedData(), cluster: () => undefined },
  );
}

/** Nanoseconds per call for `batch` (requests) and `answers` (their responses), again and again on one connection. */
function measure(plugin: WasmPlugin, batch: Buffer, answers: Buffer, framesPerBatch: number): number {
  const connection = new BenchConnection(plugin);
  const run = (batches: number) => {
    for (let i = 0; i < batches; i++) connection.exchange(batch, answers);
    if (connection.closed) throw new Error(`${plugin.vm.spec.name}: the module closed the connection: the frames did not decode`);
  };
  run(Math.max(2, Math.ceil(200 / framesPerBatch))); // warm-up
  let batches = Math.max(1, Math.ceil(MIN_MESSAGES / framesPerBatch));
  for (;;) {
    const start = process.hrtime.bigint();
    run(batches);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (seconds >= MIN_SECONDS) {
      connection.close();
      return (seconds * 1e9) / (batches * framesPerBatch);
    }
    batches *= 2;
  }
}

interface Row {
  codec: string;
  payloadBytes: number;
  frameBytes: number;
  framesPerCall: number;
  pipelinedNsPerMessage: number;
  pipelinedFloorNsPerMessage: number;
  onePerReadNsPerMessage: number;
  onePerReadFloorNsPerMessage: number;
}

const rows: Row[] = [];
const skipped: string[] = [];
for (const [codec, frames] of Object.entries(PROTOCOLS)) {
  let plugin: WasmPlugin;
  try {
    plugin = load(PRODUCT, codec);
  } catch (err) {
    skipped.push(`${codec}: ${(err as Error).message}`);
    continue;
  }
  const floor = load(NO_OP, codec);
  for (const size of SIZES) {
    const payload = Buffer.alloc(size, 0x61);
    const frameBytes = frames.request(payload, 1).length;
    const framesPerBatch = Math.max(1, Math.floor(BATCH_BYTES / frameBytes));
    const ids = Array.from({ length: framesPerBatch }, (_, i) => i + 1);
    const batch = Buffer.concat(ids.map((id) => frames.request(payload, id)));
    const answers = Buffer.concat(ids.map((id) => frames.response(id)));
    const single = frames.request(payload, 1);
    const answer = frames.response(1);
    rows.push({
      codec, payloadBytes: size, frameBytes, framesPerCall: framesPerBatch,
      pipelinedNsPerMessage: measure(plugin, batch, answers, framesPerBatch),
      pipelinedFloorNsPerMessage: measure(floor, batch, answers, framesPerBatch),
      onePerReadNsPerMessage: measure(plugin, single, answer, 1),
      onePerReadFloorNsPerMessage: measure(floor, single, answer, 1),
    });
  }
  plugin.close();
  floor.close();
}

const label = (n: number) => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : n >= 1024 ? `${n / 1024} KB` : `${n} B`);
const ns = (n: number) => n.toFixed(0).padStart(9);
console.log("ns per call (request + response)\ncodec   payload | pipelined: frames/read  module  no-op | one per read: module  no-op | 1 MB / 100 B");
for (const r of rows) {
  const small = rows.find((x) => x.codec === r.codec && x.payloadBytes === SIZES[0])!;
  const ratio = r.payloadBytes === SIZES[SIZES.length - 1] ? (r.onePerReadNsPerMessage / small.onePerReadNsPerMessage).toFixed(2) : "";
  console.log(
    `${r.codec.padEnd(7)} ${label(r.payloadBytes).padStart(7)} | ${String(r.framesPerCall).padStart(21)} ${ns(r.pipelinedNsPerMessage)} ${ns(r.pipelinedFloorNsPerMessage)} | ${ns(r.onePerReadNsPerMessage)} ${ns(r.onePerReadFloorNsPerMessage)} | ${ratio.padStart(12)}`,
  );
}
for (const s of skipped) console.log(`skipped ${s}`);
const out = path.join(root, "bench/results/decode.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, rows, skipped }, null, 2) + "\n");
console.log(`written to ${path.relative(root, out)}`);
