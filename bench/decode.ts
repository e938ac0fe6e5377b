// Decode cost per message, through the real ABI: the local host calls proxy_on_downstream_data
// with batches of pipelined request frames, as Envoy does when a client pipelines, and drains
// what the module passed (as tcp_proxy would). The figure for each codec sits beside the same
// bytes through a module that does nothing (the floor: the host's own cost per call).
//   npm run bench:decode            prints a table, writes bench/results/decode.json
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ByteBuffer } from "../host/network/buffer.ts";
import type { FilterCallbacks } from "../host/network/filter.ts";
import { StatsStore } from "../host/stats.ts";
import { SharedData } from "../host/wasm/shared-data.ts";
import { WasmPlugin } from "../host/wasm/plugin.ts";
import { LogLevel } from "../host/wasm/types.ts";
import { FRAME_BUILDERS } from "./frames.ts";

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

function callbacks(): FilterCallbacks & { closed: boolean } {
  return {
    connectionId: 1, remoteAddress: "127.0.0.1:1", localAddress: "127.0.0.1:2", upstreamAddress: () => "127.0.0.1:3",
    filterState: new Map(), continueReading() {}, closed: false,
    closeConnection() {
      this.closed = true;
    },
  };
}

/** Nanoseconds per message for `frames` (one batch) sent again and again on one connection. */
function measure(plugin: WasmPlugin, batch: Buffer, framesPerBatch: number): number {
  const filter = plugin.createFilter()!;
  const cb = callbacks();
  filter.initializeCallbacks(cb);
  filter.onNewConnection();
  const data = new ByteBuffer();
  const run = (batches: number) => {
    for (let i = 0; i < batches; i++) {
      data.add(batch);
      filter.onData(data, false);
      data.drain(data.length);
    }
    if (cb.closed) throw new Error("the module closed the connection: the frames did not decode");
  };
  run(Math.max(2, Math.ceil(200 / framesPerBatch))); // warm-up
  let batches = Math.max(1, Math.ceil(MIN_MESSAGES / framesPerBatch));
  for (;;) {
    const start = process.hrtime.bigint();
    run(batches);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (seconds >= MIN_SECONDS) {
      filter.onDestroy();
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
  nsPerMessage: number;
  floorNsPerMessage: number;
}

const rows: Row[] = [];
const skipped: string[] = [];
for (const [codec, build] of Object.entries(FRAME_BUILDERS)) {
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
    const frameBytes = build(payload, 1).length;
    const framesPerBatch = Math.max(1, Math.floor(BATCH_BYTES / frameBytes));
    const batch = Buffer.concat(Array.from({ length: framesPerBatch }, (_, i) => build(payload, i + 1)));
    rows.push({
      codec, payloadBytes: size, frameBytes, framesPerCall: framesPerBatch,
      nsPerMessage: measure(plugin, batch, framesPerBatch),
      floorNsPerMessage: measure(floor, batch, framesPerBatch),
    });
  }
  plugin.close();
  floor.close();
}

const label = (n: number) => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : n >= 1024 ? `${n / 1024} KB` : `${n} B`);
console.log("codec   payload  frames/call   ns/msg   no-op ns/msg   1MB / 100B");
for (const r of rows) {
  const small = rows.find((x) => x.codec === r.codec && x.payloadBytes === SIZES[0])!;
  const ratio = r.payloadBytes === SIZES[SIZES.length - 1] ? (r.nsPerMessage / small.nsPerMessage).toFixed(2) : "";
  console.log(
    `${r.codec.padEnd(7)} ${label(r.payloadBytes).padStart(7)} ${String(r.framesPerCall).padStart(11)} ${r.nsPerMessage.toFixed(0).padStart(8)} ${r.floorNsPerMessage.toFixed(0).padStart(14)} ${ratio.padStart(12)}`,
  );
}
for (const s of skipped) console.log(`skipped ${s}`);
const out = path.join(root, "bench/results/decode.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, rows, skipped }, null, 2) + "\n");
console.log(`written to ${path.relative(root, out)}`);
