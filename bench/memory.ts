// Memory of the module, read from the host through the real ABI (no sockets), issue 12 item 3:
//  1. over 1,000,000 request/response pairs on one connection per codec, in two shapes (39
//     requests per read, each request alone): linear memory pages after a 10,000-pair warm-up and
//     every 100,000 pairs after, and whether they grew; also the heap's bytes in use.
//  2. state per connection: 1, 1,000 and 10,000 connections (10,000 for Dubbo, Thrift and the
//     no-op module only: measure.ts says why), each having passed one pair and held open: linear
//     memory and heap bytes added per connection, and (on the debug build) the classes they went to.
// build/meta_protocol.wasm runs with a route, a local rate limit that never limits and the metrics
// filter; the no-op module (build/test-modules/sdk_passthrough.wasm) is the floor.
//   npm run bench:memory [-- --messages N --connections 1,100 --codecs dubbo,thrift]
//   a full run (no options) writes bench/results/memory.json
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { PROTOCOLS } from "./frames.ts";
import { debugBuild } from "./memory/debug-build.ts";
import {
  FULL, measureNoOp, measureProduct, splitByClass, TARGET_BYTES_PER_CONNECTION,
  type ClassSplit, type ConnectionRow, type MessageRow, type Options,
} from "./memory/measure.ts";
import { NO_OP, PRODUCT, root } from "./memory/subjects.ts";

const { values } = parseArgs({
  options: { messages: { type: "string" }, connections: { type: "string" }, codecs: { type: "string" } },
});
const options: Options = {
  ...FULL,
  ...(values.messages ? { messages: Number(values.messages), every: Number(values.messages) / 10 } : {}),
  ...(values.connections ? { connections: values.connections.split(",").map(Number) } : {}),
};
const codecs = values.codecs ? values.codecs.split(",") : Object.keys(PROTOCOLS);

const started = Date.now();
const product = readFileSync(PRODUCT);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 12);
const debug = debugBuild(root);
if (!debug) console.error("no debug build with class names: the split by class is left out");

const messageRows: MessageRow[] = [];
const connectionRows: ConnectionRow[] = [];
const splits: ClassSplit[] = [];
for (const codec of codecs) {
  const rows = measureProduct(codec, options, product);
  messageRows.push(...rows.messages);
  connectionRows.push(...rows.connections);
  if (debug) splits.push(splitByClass(codec, options, debug));
  console.error(`${codec} done at ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
const noOp = measureNoOp(options);
messageRows.push(...noOp.messages);
connectionRows.push(...noOp.connections);

const kb = (n: number | null) => (n === null ? "-" : (n / 1024).toFixed(1));
console.log(`memory over ${options.messages.toLocaleString("en")} request/response pairs on one connection (pages of 64 KB; heap in use after a collection, KB)`);
console.log("module   codec   shape         | pages after warm-up  max after  grew | heap after warm-up  max after | s");
for (const r of messageRows) {
  console.log(
    `${r.module.padEnd(8)} ${r.codec.padEnd(7)} ${r.shape.padEnd(13)} | ${String(r.pagesAfterWarmup).padStart(19)} ${String(r.maxPagesAfter).padStart(10)} ${(r.grew ? "yes" : "no").padStart(5)} | ${kb(r.heapAfterWarmup).padStart(18)} ${kb(r.maxHeapAfter).padStart(10)} | ${r.seconds.toFixed(1)}`,
  );
}
console.log("\nstate per connection (bytes; linear memory growth / N is coarse below ~1,000 connections)");
console.log("module   codec   connections | memory/conn  heap/conn  target | heap left after close | µs open  close | largest ArrayBuffers per connection");
for (const r of connectionRows) {
  const target = r.withinTarget === null ? "-" : r.withinTarget ? "ok" : `>${TARGET_BYTES_PER_CONNECTION[r.codec]}`;
  const buffers = r.arrayBuffers.slice(0, 3).map((b) => `${b.perConnection.toFixed(1)} x ${b.byteLength} B`).join(", ");
  console.log(
    `${r.module.padEnd(8)} ${r.codec.padEnd(7)} ${String(r.connections).padStart(11)} | ${r.memoryBytesPerConnection.toFixed(0).padStart(11)} ${(r.heapBytesPerConnection?.toFixed(0) ?? "-").padStart(10)} ${target.padStart(7)} | ${String(r.heapLeftAfterClose ?? "-").padStart(21)} | ${r.openMicrosPerConnection.toFixed(0).padStart(7)} ${(r.closeMicrosPerConnection?.toFixed(0) ?? "-").padStart(6)} | ${buffers}`,
  );
}
for (const s of splits) {
  console.log(`\n${s.codec}: heap per connection by class, ${s.connections} connections on ${s.module} (${s.heapBytesPerConnection?.toFixed(0)} B per connection there)`);
  for (const c of s.classes) console.log(`  ${c.bytesPerConnection.toFixed(0).padStart(6)} B  ${c.perConnection.toFixed(2).padStart(6)} x ${c.name}`);
}

// Only a full run replaces the recorded results: a quick run would overwrite them with small numbers.
if (values.messages || values.connections || values.codecs) {
  console.log(`quick run in ${((Date.now() - started) / 1000).toFixed(1)} s: bench/results/memory.json left as it was`);
} else {
  const out = path.join(root, "bench/results/memory.json");
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    measuredAt: new Date().toISOString(), node: process.version,
    module: { path: path.relative(root, PRODUCT), sha256: sha(product) },
    noOpModule: { path: path.relative(root, NO_OP), sha256: sha(readFileSync(NO_OP)) },
    options, targetBytesPerConnection: TARGET_BYTES_PER_CONNECTION, messageRows, connectionRows, classSplits: splits,
  }, null, 2) + "\n");
  console.log(`written to ${path.relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
