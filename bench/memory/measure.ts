// One codec's (or the no-op module's) rows of the memory benchmark: memory over many messages in
// each traffic shape, and state per connection at each connection count. Every row gets a freshly
// loaded module, so rows do not inherit each other's heap.
import { PROTOCOLS } from "../frames.ts";
import type { DebugBuild } from "./debug-build.ts";
import type { Subject } from "./drive.ts";
import { connectionRun, messageRun, type ConnectionRun, type MessageRun } from "./runs.ts";
import { loadNoOp, loadProduct } from "./subjects.ts";

export interface Options {
  messages: number;
  warmup: number;
  every: number;
  /** Requests per read in each shape: 1 is each request alone in its callback. */
  shapes: number[];
  connections: number[];
}

export const FULL: Options = { messages: 1_000_000, warmup: 10_000, every: 100_000, shapes: [39, 1], connections: [1, 1_000, 10_000] };
/** The split by class runs on the slower debug module at up to this many connections. */
const SPLIT_CONNECTIONS = 1_000;
/**
 * Above this many connections a row skips closing them, and only the codecs with a target (and
 * the no-op module) run: opening and closing cost time quadratic in the connections (the module's
 * full collection every 64 callbacks walks every live object), while the bytes per connection are
 * flat from 1,000 on (within 0.1% at 10,000 for all four codecs, first full run).
 */
const LARGE = 1_000;

/** Dubbo and Thrift state per connection must stay under this (issue 12, item 3). */
export const TARGET_BYTES_PER_CONNECTION: Record<string, number> = { dubbo: 1024, thrift: 1024 };
/** The classes kept per split: the ones that explain where the bytes go. */
const CLASSES_KEPT = 15;

export type MessageRow = { module: string; codec: string; shape: string } & MessageRun;
export type ConnectionRow = { module: string; codec: string; withinTarget: boolean | null } & Omit<ConnectionRun, "classes">;
/** Where one codec's per-connection bytes go, measured on the debug build (debug-build.ts). */
export type ClassSplit = { codec: string; module: string } & ConnectionRun;

function shapeName(perCallback: number): string {
  return perCallback === 1 ? "alone" : `pipelined ${perCallback}`;
}

function rowsFor(
  module: string, codec: string, framesOf: string, load: () => Subject, o: Options,
): { messages: MessageRow[]; connections: ConnectionRow[] } {
  const frames = PROTOCOLS[framesOf];
  const messages = o.shapes.map((perCallback) => ({
    module, codec, shape: shapeName(perCallback),
    ...messageRun(load(), frames, { messages: o.messages, warmup: o.warmup, every: o.every, perCallback }),
  }));
  const target = module === "product" ? TARGET_BYTES_PER_CONNECTION[codec] : undefined;
  const counts = module === "product" && target === undefined ? o.connections.filter((n) => n <= LARGE) : o.connections;
  const connections = counts.map((n) => {
    const { classes: _ids, ...run } = connectionRun(load(), frames, n, null, n <= LARGE); // ids without names say nothing
    const measured = run.heapBytesPerConnection ?? run.memoryBytesPerConnection;
    return { module, codec, withinTarget: target === undefined ? null : measured <= target, ...run };
  });
  return { messages, connections };
}

/** build/meta_protocol.wasm with the codec and a route, a rate limit and the metrics filter. */
export function measureProduct(codec: string, o: Options, code?: Buffer) {
  return rowsFor("product", codec, codec, () => loadProduct(codec, code), o);
}

/** The same chain on the debug build, at up to SPLIT_CONNECTIONS connections, split by class. */
export function splitByClass(codec: string, o: Options, debug: DebugBuild): ClassSplit {
  const n = Math.min(SPLIT_CONNECTIONS, Math.max(...o.connections));
  const run = connectionRun(loadProduct(codec, debug.code), PROTOCOLS[codec], n, debug.classNames);
  return { codec, module: debug.path, ...run, classes: run.classes.slice(0, CLASSES_KEPT) };
}

/** The no-op module, fed Dubbo frames (it reads none of them). */
export function measureNoOp(o: Options) {
  return rowsFor("no-op", "-", "dubbo", () => loadNoOp(), o);
}
