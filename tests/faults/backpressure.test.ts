// Fault: backpressure. A slow server (answers each pipelined request after a delay, many in
// flight) and a slow client (stops reading while large answers pour in), through the local host
// running build/meta_protocol.wasm, with raw Dubbo frames both ways (byte control: we choose the
// sizes and delays). Every answer arrives, in order, byte-exact; and the module's linear memory,
// read from its VM, does not grow once warm.
//
// The bound asserted, and why: the module reads a frame's header and the head of its body, never
// the whole body (payload passthrough), and keeps one record per request in flight. So its memory
// follows how many requests are in flight at once, not how many bytes pass. After warm-up rounds
// of the same shape, further rounds must not add a single 64 KiB page, and the whole memory stays
// within MAX_PAGES. Measured (30 rounds): with 1,000 requests in flight memory grows 16, 32, 32,
// 64 pages over the first four rounds (the allocator grows by doubling; collections run every 64
// callbacks, so garbage adds to the peak) and stays at 64 (4 MiB) from then on; the slow client's
// 13 MiB per round settle at 8 pages from the third or fourth round.
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { dubboId, dubboLargeResponse, dubboRequest, splitDubbo } from "./frames.ts";
import { rawServer, startFaultHost, type FaultHost } from "./support.ts";

const MAX_PAGES = 64;

/**
 * Writes `count` requests (ids 1..count) at once and resolves with the answers' ids and body
 * sizes in arrival order. With `pauseMs`, the client reads nothing for that long first.
 */
function pipelined(port: number, count: number, pauseMs = 0): Promise<Array<{ id: number; size: number; fill: number }>> {
  return new Promise((resolve, reject) => {
    const answers: Array<{ id: number; size: number; fill: number }> = [];
    let pending = Buffer.alloc(0);
    const c = net.connect(port, "127.0.0.1", () => {
      c.write(Buffer.concat(Array.from({ length: count }, (_, i) => dubboRequest(i + 1))));
      if (pauseMs > 0) {
        c.pause();
        setTimeout(() => c.resume(), pauseMs);
      }
    });
    c.on("data", (d) => {
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      const { frames, rest } = splitDubbo(pending);
      for (const f of frames) answers.push({ id: dubboId(f), size: f.length, fill: f[f.length - 1] });
      pending = Buffer.from(rest);
      if (answers.length === count) {
        c.end();
        resolve(answers);
      }
    });
    c.on("error", reject);
    c.on("close", () => reject(new Error(`closed after ${answers.length} of ${count} answers`)));
    setTimeout(() => (c.destroy(), reject(new Error(`${answers.length} of ${count} answers in time`))), 60_000).unref();
  });
}

/** A Dubbo server answering every request `delayMs` after it arrives with a body of `size` bytes, in arrival order. */
function delayedServer(delayMs: number, size: number) {
  return rawServer((s) => {
    let got = Buffer.alloc(0);
    s.on("data", (d) => {
      got = Buffer.concat([got, d]);
      const { frames, rest } = splitDubbo(got);
      got = Buffer.from(rest);
      for (const f of frames) {
        const id = dubboId(f);
        setTimeout(() => s.write(dubboLargeResponse(id, size)), delayMs);
      }
    });
  });
}

function assertInOrder(answers: Array<{ id: number; size: number; fill: number }>, count: number, size: number): void {
  assert.deepEqual(answers.map((a) => a.id), Array.from({ length: count }, (_, i) => i + 1), "every answer, in order");
  const expectedSize = dubboLargeResponse(1, size).length;
  for (const a of answers) {
    assert.equal(a.size, expectedSize, `answer ${a.id}'s size`);
    assert.equal(a.fill, a.id & 0xff, `answer ${a.id}'s bytes`);
  }
}

describe("backpressure", () => {
  test("a slow server: 1,000 pipelined calls answered 200 ms late; after 4 warm-up rounds, 4 more add no memory", async () => {
    const COUNT = 1000;
    const SIZE = 1024;
    const server = await delayedServer(200, SIZE);
    const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: server.port });
    try {
      for (let round = 0; round < 4; round++) assertInOrder(await pipelined(proxy.port, COUNT), COUNT, SIZE);
      const warm = proxy.memoryPages();
      for (let round = 0; round < 4; round++) {
        assertInOrder(await pipelined(proxy.port, COUNT), COUNT, SIZE);
        assert.equal(proxy.memoryPages(), warm, `round ${round + 5}: pages`);
      }
      assert.ok(warm <= MAX_PAGES, `${warm} pages`);
      assert.equal(proxy.counter("response"), 8 * COUNT);
      assert.equal(proxy.gauge("request_active"), 0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  // Memory reaches its plateau in the third or fourth round, depending on how the host's reads
  // batch the answers (4, 4, 8 pages, then 8 over 11 more rounds; under load 4, 4, 4, 8).
  test("a slow client: 200 answers of 64 KiB while it reads nothing for 500 ms; after 5 warm-up rounds, 3 more add no memory", async () => {
    const COUNT = 200;
    const SIZE = 64 * 1024;
    const server = await delayedServer(0, SIZE);
    const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: server.port });
    try {
      for (let round = 0; round < 5; round++) assertInOrder(await pipelined(proxy.port, COUNT, 500), COUNT, SIZE);
      const warm = proxy.memoryPages();
      for (let round = 0; round < 3; round++) {
        assertInOrder(await pipelined(proxy.port, COUNT, 500), COUNT, SIZE);
        assert.equal(proxy.memoryPages(), warm, `round ${round + 6}: pages`);
      }
      assert.ok(warm <= MAX_PAGES, `${warm} pages`);
      assert.ok(proxy.envoy.stats.counter("cluster.upstream.upstream_cx_rx_bytes_total") > 5 * COUNT * SIZE, "the answers passed");
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
