// bRPC (baidu_std) through the module: our spec-built client -> the local host running
// build/meta_protocol.wasm -> our spec-built server (no bRPC peer is packaged for npm or Debian;
// see tests/peers/brpc-wire.ts). Responses equal the direct call's; 1,000 calls with 16 in
// flight; payloads far larger than a read; the stream split at every byte; error responses and
// local replies.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface Result {
  ok: number;
  responses: Array<{ ok: boolean; bytes?: number; sum?: number; attachment?: number; code?: number; error?: string }>;
}

async function client(port: number, method: string, calls: number, concurrency: number, size = 64, attachment = 0): Promise<Result> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "tests/peers/brpc-client.ts", "--port", String(port), "--calls", String(calls), "--concurrency", String(concurrency),
      "--method", method, "--size", String(size), "--attachment", String(attachment)],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  return JSON.parse(stdout);
}

describe("bRPC baidu_std", () => {
  let server: Peer;
  let proxy: MetaProxy;
  before(async () => {
    server = await startPeer("tests/peers/brpc-server.ts");
    proxy = await startMetaProxy({ codec: "aeraki.meta_protocol.codec.brpc", upstreamPort: server.port });
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  test("1,000 calls with 16 in flight answer as a direct call does", async () => {
    const [direct, proxied] = await Promise.all([client(server.port, "Echo", 1000, 16, 100, 10), client(proxy.port, "Echo", 1000, 16, 100, 10)]);
    assert.equal(proxied.ok, 1000);
    assert.deepEqual(proxied.responses, direct.responses);
    assert.equal(proxy.counter("request"), 1000);
    assert.equal(proxy.counter("response_success"), 1000);
  });

  test("1 MB payloads, and the stream split at every byte", async () => {
    const big = await client(proxy.port, "Payload", 4, 2, 1024 * 1024);
    assert.deepEqual(big.responses.map((r) => r.bytes), Array(4).fill(1024 * 1024));
    const splitter = await byteSplitter(proxy.port);
    try {
      const split = await client(splitter.port, "Echo", 20, 4, 32, 3);
      assert.equal(split.ok, 20);
      assert.deepEqual(split.responses.map((r) => r.attachment), Array(20).fill(3));
    } finally {
      await splitter.close();
    }
  });

  test("error responses count as errors; over a rate limit the module answers ELIMIT", async () => {
    const errors = proxy.counter("response_error");
    const failed = await client(proxy.port, "Fail", 5, 2);
    assert.deepEqual(failed.responses.map((r) => r.code), Array(5).fill(1003));
    assert.equal(proxy.counter("response_error") - errors, 5);
    const limited = await startMetaProxy({
      codec: "brpc",
      upstreamPort: server.port,
      filters: [{ name: "aeraki.meta_protocol.filters.local_ratelimit", config: { tokenBucket: { maxTokens: 2, fillInterval: "3600s" } } }],
    });
    try {
      const r = await client(limited.port, "Echo", 5, 1);
      assert.deepEqual(r.responses.map((x) => x.code ?? "ok"), ["ok", "ok", 2004, 2004, 2004]);
      assert.equal(r.responses[2].error, "rate limited");
      assert.equal(limited.counter("local_reply"), 3);
    } finally {
      await limited.close();
    }
  });
});
