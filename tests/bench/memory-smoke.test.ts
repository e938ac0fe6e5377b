// The memory benchmark (bench/memory.ts) at small numbers for Dubbo: its rows are filled, linear
// memory does not grow after the warm-up, connections cost heap while open and give it back when
// closed, and the split by class names the framework's own classes. No timing is asserted.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTOCOLS } from "../../bench/frames.ts";
import { debugBuild } from "../../bench/memory/debug-build.ts";
import { BenchConnection } from "../../bench/bench-connection.ts";
import { settledHeap } from "../../bench/memory/drive.ts";
import { findTlsfRoot, walkHeap } from "../../bench/memory/heap-walk.ts";
import { measureProduct, splitByClass, type Options } from "../../bench/memory/measure.ts";
import { loadProduct, root } from "../../bench/memory/subjects.ts";

// The warm-up spans several collections (one per 64 callbacks) in both shapes.
const SMALL: Options = { messages: 10_000, warmup: 4_000, every: 2_000, shapes: [39, 1], connections: [100] };

test("the heap walk finds the TLSF root and tiles linear memory", () => {
  const subject = loadProduct("dubbo");
  const memory = subject.plugin.vm.memory;
  assert.equal(findTlsfRoot(memory), subject.heapRoot);
  assert.notEqual(subject.heapRoot, null);
  const heap = walkHeap(memory, subject.heapRoot!);
  assert.ok(heap);
  assert.ok(heap.usedBytes > 0 && heap.usedBlocks > 0);
  assert.ok(heap.usedBytes + heap.freeBytes <= memory.buffer.byteLength - subject.heapRoot!);
  // Memory the allocator has not taken in (grown behind its back) is not tiled: the walk refuses it.
  memory.grow(1);
  assert.equal(walkHeap(memory, subject.heapRoot!), null);
});

test("dubbo over 10,000 messages and 100 connections: rows filled, memory flat after warm-up", () => {
  const { messages, connections } = measureProduct("dubbo", SMALL);
  assert.equal(messages.length, 2);
  for (const row of messages) {
    assert.ok(row.messages >= SMALL.messages, `${row.shape}: sent ${row.messages}`);
    assert.ok(row.pagesAfterWarmup > 0);
    assert.ok(row.samples.length >= 4, `${row.shape}: ${row.samples.length} samples`);
    assert.ok(row.heapAfterWarmup !== null && row.heapAfterWarmup > 0);
    assert.equal(row.grew, false, `${row.shape}: pages ${row.samples.map((s) => s.pages).join(", ")}`);
    assert.equal(row.maxPagesAfter, row.pagesAfterWarmup);
  }
  const [row] = connections;
  assert.equal(row.connections, 100);
  assert.ok(row.heapBytesPerConnection !== null && row.heapBytesPerConnection > 0);
  assert.ok(row.pagesOpen >= row.pagesBefore);
  assert.equal(typeof row.withinTarget, "boolean");
  assert.ok(row.arrayBuffers.length > 0);
  // Closing every connection gives back (nearly) all they took.
  assert.ok(row.heapLeftAfterClose !== null && row.heapLeftAfterClose < (row.heapBytesPerConnection * 100) / 10, `left ${row.heapLeftAfterClose} B`);
});

test("no connection outlives its close, also when its answered requests are kept for reuse", (t) => {
  const debug = debugBuild(root);
  if (!debug) return t.skip("no debug build");
  const managers = () => {
    const id = debug.classNames.findIndex((name) => name.endsWith("/ConnectionManager"));
    const heap = settledHeap(subject, open.length);
    assert.ok(heap && id >= 0);
    return heap.byClass.get(id)?.count ?? 0;
  };
  const subject = loadProduct("dubbo", debug.code);
  const frames = PROTOCOLS.dubbo;
  const payload = Buffer.alloc(100, 0x61);
  const open: BenchConnection[] = [];
  // Every connection has a request in flight at once, so the requests the module keeps for reuse
  // come from 50 different connections.
  for (let i = 0; i < 50; i++) open.push(new BenchConnection(subject.plugin));
  open.forEach((c, i) => c.send(frames.request(payload, i + 1)));
  open.forEach((c, i) => c.answer(frames.response(i + 1)));
  assert.equal(managers(), 50);
  for (const c of open) c.close();
  open.length = 0;
  assert.equal(managers(), 0);
});

test("the split by class names framework classes and adds up to at most the heap per connection", (t) => {
  const debug = debugBuild(root);
  if (!debug) return t.skip("no debug build");
  const split = splitByClass("dubbo", SMALL, debug);
  assert.equal(split.connections, 100);
  assert.ok(split.classes.some((c) => c.name.endsWith("/ConnectionManager")), split.classes.map((c) => c.name).join(", "));
  const total = split.classes.reduce((sum, c) => sum + c.bytesPerConnection, 0);
  assert.ok(total > 0 && total <= split.heapBytesPerConnection! + 1e-9);
});
