// bRPC (baidu_std) through the module: our spec-built client -> the local host running
// build/meta_protocol.wasm -> our spec-built server (no bRPC peer is packaged for npm or Debian;
// see tests/peers/brpc-wire.ts). Responses equal the direct call's: 1,000 calls with 16 in flight,
// payloads far larger than a read, the stream split at every byte, error responses; the module's
// counters agree; routes match user_fields, a route's requestMutation reaches the server in
// user_fields, and local replies are brpc error responses.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface Response {
  ok: boolean;
  bytes?: number;
  sum?: number;
  attachment?: number;
  userFields?: Record<string, string>;
  code?: number;
  error?: string;
}

interface Result {
  ok: number;
  responses: Response[];
}

interface Call {
  method?: string;
  service?: string;
  calls?: number;
  concurrency?: number;
  size?: number;
  attachment?: number;
  userFields?: Record<string, string>;
}

async function client(port: number, c: Call = {}): Promise<Result> {
  const args = ["--port", String(port), "--calls", String(c.calls ?? 1), "--concurrency", String(c.concurrency ?? 1),
    "--method", c.method ?? "Echo", "--service", c.service ?? "example.EchoService", "--size", String(c.size ?? 64),
    "--attachment", String(c.attachment ?? 0)];
  for (const [k, v] of Object.entries(c.userFields ?? {})) args.push("--user-field", `${k}=${v}`);
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/brpc-client.ts", ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(stdout);
}

const COUNTERS = ["request", "response", "response_success", "response_error", "request_decoding_error", "response_decoding_error"];

/** The module's counters now, to compare what a test adds. */
function counters(proxy: MetaProxy): Record<string, number> {
  return Object.fromEntries(COUNTERS.map((n) => [n, proxy.counter(n)]));
}

function added(proxy: MetaProxy, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(COUNTERS.map((n) => [n, proxy.counter(n) - before[n]]));
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
    const before = counters(proxy);
    const call = { calls: 1000, concurrency: 16, size: 100, attachment: 10, userFields: { tenant: "blue" } };
    const [direct, proxied] = await Promise.all([client(server.port, call), client(proxy.port, call)]);
    assert.equal(proxied.ok, 1000);
    assert.deepEqual(proxied.responses, direct.responses);
    assert.deepEqual(proxied.responses[999], { i: 999, ok: true, bytes: 100, sum: direct.responses[999].sum, attachment: 10, userFields: { tenant: "blue" } });
    assert.deepEqual(added(proxy, before), {
      request: 1000, response: 1000, response_success: 1000, response_error: 0, request_decoding_error: 0, response_decoding_error: 0,
    });
  });

  test("1 MB payloads pass unread", async () => {
    const before = counters(proxy);
    const call = { method: "Payload", calls: 4, concurrency: 2, size: 1024 * 1024 };
    const [direct, proxied] = await Promise.all([client(server.port, call), client(proxy.port, call)]);
    assert.deepEqual(proxied.responses.map((r) => r.bytes), Array(4).fill(1024 * 1024));
    assert.deepEqual(proxied.responses, direct.responses);
    assert.equal(added(proxy, before).response_success, 4);
  });

  test("the stream split at every byte: 50 calls, 8 in flight", async () => {
    const before = counters(proxy);
    const call = { calls: 50, concurrency: 8, size: 32, attachment: 3, userFields: { zone: "a" } };
    const splitter = await byteSplitter(proxy.port);
    try {
      const [direct, split] = await Promise.all([client(server.port, call), client(splitter.port, call)]);
      assert.equal(split.ok, 50);
      assert.deepEqual(split.responses, direct.responses);
    } finally {
      await splitter.close();
    }
    assert.deepEqual(added(proxy, before), {
      request: 50, response: 50, response_success: 50, response_error: 0, request_decoding_error: 0, response_decoding_error: 0,
    });
  });

  test("error responses (EREQUEST, ENOMETHOD, ENOSERVICE) pass as the server wrote them and count as errors", async () => {
    const before = counters(proxy);
    const calls: Call[] = [{ method: "Fail", calls: 5, concurrency: 2 }, { method: "Nope" }, { service: "example.Missing" }];
    for (const call of calls) {
      const [direct, proxied] = await Promise.all([client(server.port, call), client(proxy.port, call)]);
      assert.deepEqual(proxied.responses, direct.responses);
    }
    const failed = await client(proxy.port, { method: "Fail", calls: 2 });
    assert.deepEqual(failed.responses.map((r) => [r.code, r.error]), [[1003, "failure 0"], [1003, "failure 1"]]);
    const nope = await client(proxy.port, { method: "Nope" });
    assert.equal(nope.responses[0].code, 1002);
    assert.deepEqual(added(proxy, before), {
      request: 10, response: 10, response_success: 0, response_error: 10, request_decoding_error: 0, response_decoding_error: 0,
    });
  });
});

describe("bRPC baidu_std with filters", () => {
  let server: Peer;
  before(async () => {
    server = await startPeer("tests/peers/brpc-server.ts");
  });
  after(async () => {
    await server?.stop();
  });

  test("routes match user_fields; a route's requestMutation reaches the server in user_fields; no route is ENOSERVICE", async () => {
    const proxy = await startMetaProxy({
      codec: "brpc",
      upstreamPort: server.port,
      filters: [{
        name: "aeraki.meta_protocol.filters.router",
        config: {
          routes: [{
            name: "blue",
            match: { attributes: { service: { exact: "example.EchoService" }, tenant: { exact: "blue" } } },
            route: { cluster: "upstream" },
            requestMutation: [{ key: "tenant", value: "blue-checked" }, { key: "served-by", value: "meta-protocol" }],
          }],
        },
      }],
    });
    try {
      const blue = await client(proxy.port, { calls: 20, concurrency: 4, userFields: { tenant: "blue", keep: "me" } });
      assert.equal(blue.ok, 20);
      for (const r of blue.responses) assert.deepEqual(r.userFields, { keep: "me", tenant: "blue-checked", "served-by": "meta-protocol" });
      const red = await client(proxy.port, { calls: 2, userFields: { tenant: "red" } });
      assert.deepEqual(red.responses.map((r) => [r.code, r.error]), [[1001, "no route for this request"], [1001, "no route for this request"]]);
    } finally {
      await proxy.close();
    }
  });

  test("over a rate limit the module answers ELIMIT with the request's correlation id, also with 8 in flight", async () => {
    const limit = (maxTokens: number) => startMetaProxy({
      codec: "brpc",
      upstreamPort: server.port,
      filters: [{ name: "aeraki.meta_protocol.filters.local_ratelimit", config: { tokenBucket: { maxTokens, fillInterval: "3600s" } } }],
    });
    const one = await limit(2);
    try {
      const r = await client(one.port, { calls: 5 });
      assert.deepEqual(r.responses.map((x) => x.code ?? "ok"), ["ok", "ok", 2004, 2004, 2004]);
      assert.equal(r.responses[2].error, "rate limited");
      assert.equal(one.counter("local_reply"), 3);
    } finally {
      await one.close();
    }
    const pipelined = await limit(5);
    try {
      const r = await client(pipelined.port, { calls: 20, concurrency: 8, size: 10 });
      assert.deepEqual(r.responses.map((x) => x.code ?? x.bytes), [...Array(5).fill(10), ...Array(15).fill(2004)]);
      assert.equal(pipelined.counter("local_reply"), 15);
      assert.equal(pipelined.counter("response_success"), 5);
    } finally {
      await pipelined.close();
    }
  });
});
