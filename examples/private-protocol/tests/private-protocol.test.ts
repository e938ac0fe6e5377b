// The private-protocol example, built from its own folder as a user would, in the local host with
// its own client and server: pipelined calls answer as direct ones do, the stream splits at any
// byte, oneway calls arrive, a rate limit answers with the protocol's error, a mutation reaches
// the server, a response mutation reaches the client, and an oversize frame closes the connection and is counted.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { buildAsUser, byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "../../../tests/integration/support.ts";

const run = promisify(execFile);
const CODEC = "example.kvrpc";

interface Result {
  ok: number;
  responses: Array<{ ok: boolean; bytes?: number; sum?: number; servedBy?: string; tenant?: string; error?: string }>;
  notes?: number;
}

async function client(port: number, method: string, calls: number, concurrency: number, size = 32): Promise<Result> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/private-protocol/peers/client.ts", "--port", String(port),
    "--calls", String(calls), "--concurrency", String(concurrency), "--method", method, "--size", String(size)], { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(stdout);
}

describe("examples/private-protocol built as a user builds it", () => {
  let module: { wasm: string; cleanup(): void };
  let server: Peer;
  let proxy: MetaProxy;
  before(async () => {
    module = buildAsUser("examples/private-protocol");
    server = await startPeer("examples/private-protocol/peers/server.ts");
    proxy = await startMetaProxy({ wasm: module.wasm, codec: CODEC, statPrefix: "kvrpc", upstreamPort: server.port, maxFrameSize: 2 * 1024 * 1024 });
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    module?.cleanup();
  });

  test("1,000 calls with 16 in flight answer as direct calls do, each counted", async () => {
    const [direct, proxied] = await Promise.all([client(server.port, "echo", 1000, 16), client(proxy.port, "echo", 1000, 16)]);
    assert.equal(proxied.ok, 1000);
    assert.deepEqual(proxied.responses, direct.responses);
    assert.equal(proxy.counter("request"), 1000);
    assert.equal(proxy.counter("response_success"), 1000);
  });

  test("1 MB bodies; the stream split at every byte; oneway calls arrive", async () => {
    const big = await client(proxy.port, "echo", 4, 2, 1024 * 1024);
    assert.deepEqual(big.responses.map((r) => r.bytes), Array(4).fill(1024 * 1024));
    const splitter = await byteSplitter(proxy.port);
    try {
      const split = await client(splitter.port, "echo", 20, 4);
      assert.equal(split.ok, 20);
    } finally {
      await splitter.close();
    }
    const notes = await client(proxy.port, "note", 25, 1);
    assert.equal(notes.notes, 25);
    assert.equal(proxy.counter("request_oneway"), 25);
  });

  test("an unknown method is an error response; a frame over maxFrameSize closes the connection", async () => {
    const missing = await client(proxy.port, "nope", 3, 1);
    assert.deepEqual(missing.responses.map((r) => r.error), Array(3).fill("no method nope"));
    assert.equal(proxy.counter("response_error"), 3);
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(proxy.port, "127.0.0.1", () => {
        const fixed = Buffer.alloc(18);
        fixed.write("KV", 0, "latin1");
        fixed[2] = 1;
        fixed.writeUInt32BE(0x7fffffff, 14); // claims a 2 GB body
        s.write(fixed);
      });
      s.on("close", () => resolve(true));
      s.on("error", () => {});
      setTimeout(() => resolve(false), 5000).unref();
    });
    assert.equal(closed, true);
    assert.equal(proxy.counter("request_decoding_error"), 1);
  });

  test("a route's requestMutation is written into each request by the codec and reaches the server", async () => {
    const routed = await startMetaProxy({
      wasm: module.wasm, codec: CODEC, statPrefix: "routed", upstreamPort: server.port,
      filters: [{ name: "aeraki.meta_protocol.filters.router", config: { routes: [{ route: { cluster: "upstream" }, requestMutation: [{ key: "x-tenant", value: "blue" }] }] } }],
    });
    try {
      const r = await client(routed.port, "echo", 50, 8, 64);
      assert.equal(r.ok, 50);
      assert.deepEqual(r.responses.map((x) => x.tenant), Array(50).fill("blue"));
      assert.deepEqual(r.responses.map((x) => x.bytes), Array(50).fill(64), "bodies unchanged");
      // Frames that arrive in pieces wait in Envoy's buffer until whole, then are re-encoded.
      const big = await client(routed.port, "echo", 3, 2, 512 * 1024);
      assert.deepEqual(big.responses.map((x) => [x.tenant, x.bytes]), Array(3).fill(["blue", 512 * 1024]));
      const splitter = await byteSplitter(routed.port);
      try {
        const split = await client(splitter.port, "echo", 5, 2, 16);
        assert.deepEqual(split.responses.map((x) => x.tenant), Array(5).fill("blue"));
      } finally {
        await splitter.close();
      }
    } finally {
      await routed.close();
    }
  });

  test("a route's responseMutation is written into each response, also one of 512 KB that arrives in many reads", async () => {
    const routed = await startMetaProxy({
      wasm: module.wasm, codec: CODEC, statPrefix: "answered", upstreamPort: server.port, maxFrameSize: 2 * 1024 * 1024,
      filters: [{ name: "aeraki.meta_protocol.filters.router", config: { routes: [{ route: { cluster: "upstream" }, responseMutation: [{ key: "served-by", value: "meta-protocol" }] }] } }],
    });
    try {
      const direct = await client(server.port, "echo", 20, 8, 64);
      assert.deepEqual(direct.responses.map((x) => x.servedBy), Array(20).fill("kvrpc-example-server"));
      const r = await client(routed.port, "echo", 20, 8, 64);
      assert.deepEqual(r.responses.map((x) => [x.servedBy, x.bytes, x.sum]), direct.responses.map((x) => ["meta-protocol", x.bytes, x.sum]));
      const big = await client(routed.port, "echo", 4, 2, 512 * 1024);
      assert.deepEqual(big.responses.map((x) => [x.servedBy, x.bytes]), Array(4).fill(["meta-protocol", 512 * 1024]));
    } finally {
      await routed.close();
    }
  });

  test("a rate limit answers with the protocol's error frame through the heartbeat probe", async () => {
    const limited = await startMetaProxy({
      wasm: module.wasm, codec: CODEC, statPrefix: "limited", upstreamPort: server.port,
      filters: [{ name: "aeraki.meta_protocol.filters.local_ratelimit", config: { tokenBucket: { maxTokens: 2, fillInterval: "3600s" } } }],
    });
    try {
      const r = await client(limited.port, "echo", 4, 1);
      assert.deepEqual(r.responses.map((x) => x.error ?? x.servedBy), ["kvrpc-example-server", "kvrpc-example-server", "rate limited", "rate limited"]);
      assert.equal(limited.counter("local_reply"), 2);
    } finally {
      await limited.close();
    }
  });
});
