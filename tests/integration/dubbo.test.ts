// Dubbo through the module: the real consumer (sofa-rpc-node + dubbo-remoting, its own process)
// -> the local host running build/meta_protocol.wasm -> the real provider (its own process).
// Responses equal the direct call's; 1,000 calls with 16 in flight; large arguments; the stream
// split at every byte; heartbeats pass; exception results count as errors.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface Result {
  ok: number;
  responses: Array<{ ok: boolean; value?: string; bytes?: number; sum?: number; error?: string }>;
}

async function consumer(port: number, method: string, calls: number, concurrency: number, size = 16): Promise<Result> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`,
    "--calls", String(calls), "--concurrency", String(concurrency), "--method", method, "--size", String(size)], { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(stdout);
}

describe("Dubbo (hessian2) with the real provider and consumer", () => {
  let provider: Peer;
  let proxy: MetaProxy;
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    proxy = await startMetaProxy({ codec: "aeraki.meta_protocol.codec.dubbo", upstreamPort: provider.port });
  });
  after(async () => {
    await proxy?.close();
    await provider?.stop();
  });

  test("1,000 calls with 16 in flight answer as a direct call does", async () => {
    const direct = await consumer(provider.port, "sayHello", 1000, 16);
    const proxied = await consumer(proxy.port, "sayHello", 1000, 16);
    assert.equal(proxied.ok, 1000);
    assert.deepEqual(proxied.responses, direct.responses);
    assert.equal(proxy.counter("request"), 1000);
    assert.equal(proxy.counter("response_success"), 1000);
  });

  test("512 KB arguments, and the stream split at every byte", async () => {
    const big = await consumer(proxy.port, "echoBytes", 6, 3, 512 * 1024);
    assert.deepEqual(big.responses.map((r) => r.bytes), Array(6).fill(512 * 1024));
    const splitter = await byteSplitter(proxy.port);
    try {
      const split = await consumer(splitter.port, "sayHello", 20, 4);
      assert.deepEqual(split.responses.map((r) => r.value), Array.from({ length: 20 }, (_, i) => `Hello world-${i}`));
    } finally {
      await splitter.close();
    }
  });

  test("a heartbeat passes and is answered; exception results count as errors", async () => {
    const heartbeat = Buffer.from([0xda, 0xbb, 0xe2, 0, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1, 0x4e]);
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(proxy.port, "127.0.0.1", () => s.write(heartbeat));
      s.once("data", (d) => (s.destroy(), resolve(d)));
      s.on("error", reject);
    });
    assert.equal(answer[2] & 0x20, 0x20, "an event (heartbeat) response");
    assert.equal(answer.readBigUInt64BE(4), 42n);
    assert.ok(proxy.counter("heartbeat") >= 2, "the request and its answer");
    const errors = proxy.counter("response_error");
    const failed = await consumer(proxy.port, "fail", 5, 2);
    assert.deepEqual(failed.responses.map((r) => r.error), [0, 1, 2, 3, 4].map((i) => `failure ${i}`));
    assert.equal(proxy.counter("response_error") - errors, 5);
  });
});
