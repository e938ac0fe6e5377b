// Thrift through the module: the official thrift npm client -> the local host running
// build/meta_protocol.wasm -> the official thrift npm server, for each protocol and transport.
// Every response equals the direct call's; 1,000 calls with 16 in flight; the stream split at
// every byte; oneway calls arrive; declared exceptions count as error responses.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface Result {
  ok: number;
  failed: number;
  responses: Array<{ ok: boolean; value?: string | null; bytes?: number; sum?: number; error?: string }>;
  notified?: number;
}

async function client(port: number, wire: string[], method: string, calls: number, concurrency: number, size = 64): Promise<Result> {
  const args = ["--import", "tsx", "tests/peers/thrift-client.ts", "--port", String(port), "--calls", String(calls),
    "--concurrency", String(concurrency), "--method", method, "--size", String(size), ...wire];
  const { stdout } = await run(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(stdout);
}

const WIRES: Array<[string, string[]]> = [
  ["binary, framed", ["--protocol", "binary", "--transport", "framed"]],
  ["compact, framed", ["--protocol", "compact", "--transport", "framed"]],
  ["binary, buffered (unframed)", ["--protocol", "binary", "--transport", "buffered"]],
  ["compact, buffered, multiplexed", ["--protocol", "compact", "--transport", "buffered", "--multiplexed"]],
];

for (const [label, wire] of WIRES) {
  describe(`thrift ${label}`, () => {
    let server: Peer;
    let proxy: MetaProxy;
    before(async () => {
      server = await startPeer("tests/peers/thrift-server.ts", wire);
      proxy = await startMetaProxy({ codec: "aeraki.meta_protocol.codec.thrift", upstreamPort: server.port });
    });
    after(async () => {
      await proxy?.close();
      await server?.stop();
    });

    test("1,000 calls with 16 in flight answer as a direct call does", async () => {
      const [direct, proxied] = await Promise.all([
        client(server.port, wire, "hello", 1000, 16),
        client(proxy.port, wire, "hello", 1000, 16),
      ]);
      assert.equal(proxied.ok, 1000);
      assert.deepEqual(proxied.responses, direct.responses);
      assert.equal(proxy.counter("request"), 1000);
      assert.equal(proxy.counter("response_success"), 1000);
      assert.equal(proxy.counter("request_decoding_error") + proxy.counter("response_decoding_error"), 0);
    });

    test("binary payloads of 256 KB, and the stream split at every byte", async () => {
      const big = await client(proxy.port, wire, "echo", 8, 4, 256 * 1024);
      assert.deepEqual(big.responses.map((r) => r.bytes), Array(8).fill(256 * 1024));
      const splitter = await byteSplitter(proxy.port);
      try {
        const split = await client(splitter.port, wire, "hello", 30, 4);
        assert.deepEqual(split.responses.map((r) => r.value), Array.from({ length: 30 }, (_, i) => `Hello world-${i}`));
      } finally {
        await splitter.close();
      }
    });

    test("over a rate limit the client gets a TApplicationException from the module and keeps its connection", async () => {
      const limited = await startMetaProxy({
        codec: "thrift",
        upstreamPort: server.port,
        filters: [{ name: "aeraki.meta_protocol.filters.local_ratelimit", config: { tokenBucket: { maxTokens: 3, fillInterval: "3600s" } } }],
      });
      try {
        const r = await client(limited.port, wire, "hello", 6, 1);
        assert.deepEqual(r.responses.map((x) => x.value ?? x.error), ["Hello world-0", "Hello world-1", "Hello world-2", "rate limited", "rate limited", "rate limited"]);
        assert.equal(limited.counter("local_reply"), 3);
        assert.equal(limited.counter("local_reply_connection_closed"), 0);
      } finally {
        await limited.close();
      }
    });

    test("oneway calls arrive; declared exceptions are error responses", async () => {
      const before = proxy.counter("request_oneway");
      const notes = await client(proxy.port, wire, "notify", 20, 4);
      assert.equal(notes.notified, 20);
      assert.equal(proxy.counter("request_oneway") - before, 20);
      const errors = proxy.counter("response_error");
      const failed = await client(proxy.port, wire, "fail", 5, 2);
      assert.deepEqual(failed.responses.map((r) => r.error), [0, 1, 2, 3, 4].map((i) => `failure ${i}`));
      assert.equal(proxy.counter("response_error") - errors, 5);
    });
  });
}
