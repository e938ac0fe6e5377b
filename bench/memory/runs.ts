// The two measurements: memory over many messages on one connection, and memory per open
// connection. Both take a freshly loaded module (drive.ts) and the frames of one protocol.
import type { ProtocolFrames } from "../frames.ts";
import { BenchConnection } from "../bench-connection.ts";
import { PAGE, pages, settledHeap, type Subject } from "./drive.ts";
import type { HeapUse } from "./heap-walk.ts";

const PAYLOAD = Buffer.alloc(100, 0x61);

export interface Sample {
  /** Request/response pairs sent so far. */
  messages: number;
  pages: number;
  /** Heap bytes in use after a collection; null when the heap could not be read. */
  heapUsed: number | null;
}

export interface MessageRun {
  perCallback: number;
  messages: number;
  warmup: number;
  pagesAfterWarmup: number;
  maxPagesAfter: number;
  grew: boolean;
  heapAfterWarmup: number | null;
  maxHeapAfter: number | null;
  samples: Sample[];
  seconds: number;
}

function batch(frames: ProtocolFrames, size: number): { requests: Buffer; responses: Buffer } {
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  return {
    requests: Buffer.concat(ids.map((id) => frames.request(PAYLOAD, id))),
    responses: Buffer.concat(ids.map((id) => frames.response(id))),
  };
}

function sample(subject: Subject, messages: number): Sample {
  return { messages, pages: pages(subject), heapUsed: settledHeap(subject)?.usedBytes ?? null };
}

/**
 * Sends `messages` request/response pairs through one connection, `perCallback` requests per read
 * and their responses in the next write; samples after `warmup` pairs and every `every` after.
 */
export function messageRun(subject: Subject, frames: ProtocolFrames, o: { messages: number; warmup: number; every: number; perCallback: number }): MessageRun {
  const started = process.hrtime.bigint();
  const { requests, responses } = batch(frames, o.perCallback);
  const conn = new BenchConnection(subject.plugin);
  let sent = 0;
  const sendUntil = (target: number) => {
    while (sent < target) {
      conn.exchange(requests, responses);
      sent += o.perCallback;
    }
    if (conn.closed) throw new Error("the module closed the connection: the frames did not decode");
  };
  sendUntil(o.warmup);
  const samples = [sample(subject, sent)];
  for (let next = (Math.floor(sent / o.every) + 1) * o.every; next <= o.messages; next += o.every) {
    sendUntil(next);
    samples.push(sample(subject, sent));
  }
  const batches = sent / o.perCallback;
  if (conn.passedBytes !== requests.length * batches) throw new Error("the module held request bytes back");
  conn.close();
  const later = samples.length > 1 ? samples.slice(1) : samples;
  const heaps = later.map((s) => s.heapUsed).filter((h): h is number => h !== null);
  const maxPagesAfter = Math.max(...later.map((s) => s.pages));
  return {
    perCallback: o.perCallback, messages: sent, warmup: samples[0].messages,
    pagesAfterWarmup: samples[0].pages, maxPagesAfter, grew: maxPagesAfter > samples[0].pages,
    heapAfterWarmup: samples[0].heapUsed, maxHeapAfter: heaps.length > 0 ? Math.max(...heaps) : null,
    samples, seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

export interface ClassShare {
  name: string;
  /** Objects of the class per connection, and the heap bytes they take (headers included). */
  perConnection: number;
  bytesPerConnection: number;
}

export interface ConnectionRun {
  connections: number;
  /** Linear memory growth divided by the connections: 64 KB pages make this coarse for few of them. */
  memoryBytesPerConnection: number;
  heapBytesPerConnection: number | null;
  pagesBefore: number;
  pagesOpen: number;
  /** Heap bytes still in use after every connection closed, above the level before: a leak if large (null: not closed). */
  heapLeftAfterClose: number | null;
  /** Wall time to open (and pass one pair on) and to close each connection: a full collection walks every live object. */
  openMicrosPerConnection: number;
  closeMicrosPerConnection: number | null;
  classes: ClassShare[];
  /** ArrayBuffers added per connection, by byteLength (the largest share of `classes` as a rule). */
  arrayBuffers: Array<{ byteLength: number; perConnection: number }>;
}

/**
 * Opens `n` connections that each pass one request/response pair and stay open, and divides the
 * memory they added by `n`. A first connection passes some traffic and closes before the baseline,
 * so what the first request sets up once per VM (route binding, metric names) is not counted.
 */
export function connectionRun(subject: Subject, frames: ProtocolFrames, n: number, classNames: string[] | null, close = true): ConnectionRun {
  const one = batch(frames, 1);
  const first = new BenchConnection(subject.plugin);
  for (let i = 0; i < 100; i++) first.exchange(one.requests, one.responses);
  first.close();
  const before = settledHeap(subject);
  const pagesBefore = pages(subject);
  const open: BenchConnection[] = [];
  const opening = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const conn = new BenchConnection(subject.plugin);
    conn.exchange(one.requests, one.responses);
    if (conn.closed) throw new Error("the module closed a connection: the frames did not decode");
    open.push(conn);
  }
  const openMicros = Number(process.hrtime.bigint() - opening) / 1e3;
  const during = settledHeap(subject, n);
  const pagesOpen = pages(subject);
  const closing = process.hrtime.bigint();
  if (close) for (const conn of open) conn.close();
  const closeMicros = Number(process.hrtime.bigint() - closing) / 1e3;
  const after = close ? settledHeap(subject) : null;
  const added = before && during ? addedPerConnection(before, during, n, classNames) : { classes: [], arrayBuffers: [] };
  return {
    connections: n,
    memoryBytesPerConnection: ((pagesOpen - pagesBefore) * PAGE) / n,
    heapBytesPerConnection: before && during ? (during.usedBytes - before.usedBytes) / n : null,
    pagesBefore, pagesOpen,
    heapLeftAfterClose: before && after ? after.usedBytes - before.usedBytes : null,
    openMicrosPerConnection: openMicros / n, closeMicrosPerConnection: close ? closeMicros / n : null,
    ...added,
  };
}

/** What the heap gained from `before` to `during`, per connection, by class and by ArrayBuffer size. */
function addedPerConnection(before: HeapUse, during: HeapUse, n: number, classNames: string[] | null): Pick<ConnectionRun, "classes" | "arrayBuffers"> {
  const classes: ClassShare[] = [];
  for (const [id, use] of during.byClass) {
    const was = before.byClass.get(id) ?? { count: 0, bytes: 0 };
    if (use.bytes <= was.bytes) continue;
    classes.push({ name: classNames?.[id] ?? `class ${id}`, perConnection: (use.count - was.count) / n, bytesPerConnection: (use.bytes - was.bytes) / n });
  }
  classes.sort((a, b) => b.bytesPerConnection - a.bytesPerConnection);
  const arrayBuffers: ConnectionRun["arrayBuffers"] = [];
  for (const [byteLength, count] of during.arrayBuffers) {
    const added = count - (before.arrayBuffers.get(byteLength) ?? 0);
    if (added > 0) arrayBuffers.push({ byteLength, perConnection: added / n });
  }
  arrayBuffers.sort((a, b) => b.byteLength * b.perConnection - a.byteLength * a.perConnection);
  return { classes, arrayBuffers };
}
