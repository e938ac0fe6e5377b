// How the module cuts a stream into frames, with raw Dubbo frames against the real Dubbo server:
// many frames in one read, one byte per read, payloads far larger than a read, frames over the
// configured maximum and bytes that are not Dubbo (the connection closes, the counter says why).
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { dubboRequest } from "../../bench/frames.ts";
import { byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

/** Sends `bytes` and collects Dubbo response frames until `expected` arrived or the server closes. */
function exchange(port: number, bytes: Buffer, expected: number): Promise<{ ids: bigint[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const ids: bigint[] = [];
    let pending = Buffer.alloc(0);
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ids, closed });
    };
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 16) {
        const size = 16 + pending.readUInt32BE(12);
        if (pending.length < size) break;
        ids.push(pending.readBigUInt64BE(4));
        pending = pending.subarray(size);
      }
      if (ids.length >= expected) done(false);
    });
    socket.on("close", () => done(true));
    socket.on("error", reject);
    const timer = setTimeout(() => done(false), 20_000);
  });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("framing through the module (real Dubbo server)", () => {
  let server: Peer;
  let proxy: MetaProxy;
  before(async () => {
    server = await startPeer("tests/peers/dubbo-server.ts");
    proxy = await startMetaProxy({ codec: "dubbo", upstreamPort: server.port, maxFrameSize: 4 * 1024 * 1024 });
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  test("200 pipelined requests in one write: every response comes back, each counted once", async () => {
    const before = proxy.counter("request");
    const frames = Buffer.concat(range(200).map((id) => dubboRequest(Buffer.alloc(64, id), id)));
    const { ids } = await exchange(proxy.port, frames, 200);
    assert.deepEqual([...ids].sort((a, b) => Number(a - b)), range(200).map(BigInt));
    assert.equal(proxy.counter("request") - before, 200);
  });

  test("the same stream one byte per read", async () => {
    const splitter = await byteSplitter(proxy.port);
    try {
      const frames = Buffer.concat(range(5).map((id) => dubboRequest(Buffer.alloc(32, id), id)));
      const { ids } = await exchange(splitter.port, frames, 5);
      assert.deepEqual(ids, range(5).map(BigInt));
    } finally {
      await splitter.close();
    }
  });

  test("payloads of 1 MB pass in many reads and pair with their responses", async () => {
    const responses = proxy.counter("response");
    const frames = Buffer.concat(range(3).map((id) => dubboRequest(Buffer.alloc(1024 * 1024, id), id)));
    const { ids } = await exchange(proxy.port, frames, 3);
    assert.deepEqual(ids, range(3).map(BigInt));
    assert.equal(proxy.counter("response") - responses, 3);
    assert.equal(proxy.counter("response_unpaired"), 0);
  });
});

describe("frames the module refuses", () => {
  let server: Peer;
  let proxy: MetaProxy;
  before(async () => {
    server = await startPeer("tests/peers/dubbo-server.ts");
    proxy = await startMetaProxy({ codec: "dubbo", upstreamPort: server.port, maxFrameSize: 1024 });
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  test("a frame claiming more than maxFrameSize closes the connection and is counted", async () => {
    const header = dubboRequest(Buffer.alloc(8), 1).subarray(0, 16);
    header.writeUInt32BE(512 * 1024 * 1024, 12); // claims 512 MB: refused from the header alone
    const { ids, closed } = await exchange(proxy.port, header, 1);
    assert.equal(closed, true);
    assert.equal(ids.length, 0);
    assert.equal(proxy.counter("request_decoding_error"), 1);
  });

  test("bytes that are not Dubbo close the connection; the next connection works", async () => {
    const { closed } = await exchange(proxy.port, Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 1);
    assert.equal(closed, true);
    assert.equal(proxy.counter("request_decoding_error"), 2);
    const { ids } = await exchange(proxy.port, dubboRequest(Buffer.alloc(16), 7), 1);
    assert.deepEqual(ids, [7n]);
  });
});
