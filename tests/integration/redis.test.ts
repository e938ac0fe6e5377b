// Redis through the module: ioredis -> the local host running build/meta_protocol.wasm -> a real
// redis-server. Replies equal the direct ones; 1,000 commands with 16 in flight; large values;
// the stream split at every byte; every command and reply counted and paired in order.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { byteSplitter, startMetaProxy, type MetaProxy } from "./support.ts";

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A client that sends only the commands the test sends. */
function client(port: number): Redis {
  return new Redis({ port, host: "127.0.0.1", enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0 });
}

/** `count` commands from 16 workers, each waiting for its reply: 16 in flight. */
async function workload(redis: Redis, prefix: string, count: number): Promise<unknown[]> {
  const replies: unknown[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      if (i % 4 === 0) replies[i] = await redis.set(`${prefix}:${i}`, `value-${i}`);
      else if (i % 4 === 1) replies[i] = await redis.get(`${prefix}:${i - 1}`);
      else if (i % 4 === 2) replies[i] = await redis.incr(`${prefix}:counter`);
      else replies[i] = await redis.hgetall(`${prefix}:missing`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return replies;
}

describe("Redis with redis-server and ioredis", () => {
  let server: ChildProcess;
  let port: number;
  let proxy: MetaProxy;
  before(async () => {
    port = await freePort();
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    for (let i = 0; i < 50; i++) {
      const up = await new Promise<boolean>((r) => net.connect(port, "127.0.0.1").on("connect", function (this: net.Socket) { this.destroy(); r(true); }).on("error", () => r(false)));
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    proxy = await startMetaProxy({ codec: "aeraki.meta_protocol.codec.redis", upstreamPort: port });
  });
  after(async () => {
    await proxy?.close();
    server?.kill();
  });

  test("1,000 commands with 16 in flight answer as direct ones do, each paired in order", async () => {
    const direct = client(port);
    const proxied = client(proxy.port);
    try {
      const a = await workload(direct, "direct", 1000);
      const b = await workload(proxied, "proxied", 1000);
      assert.deepEqual(b, a);
      assert.equal(proxy.counter("request"), 1000);
      assert.equal(proxy.counter("response"), 1000);
      assert.equal(proxy.counter("response_unpaired"), 0);
    } finally {
      direct.disconnect();
      proxied.disconnect();
    }
  });

  test("1 MB values, pipelines, errors, and the stream split at every byte", async () => {
    const redis = client(proxy.port);
    const splitter = await byteSplitter(proxy.port);
    const split = client(splitter.port);
    try {
      const big = "x".repeat(1024 * 1024);
      await redis.set("big", big);
      assert.equal(await redis.get("big"), big);
      const pipeline = redis.pipeline();
      for (let i = 0; i < 200; i++) pipeline.incr("piped");
      const results = (await pipeline.exec())!;
      assert.equal(results.at(-1)![1], 200);
      const errors = proxy.counter("response_error");
      await assert.rejects(redis.incr("big"), /not an integer/);
      assert.equal(proxy.counter("response_error") - errors, 1);
      assert.equal(await split.set("split", "by bytes"), "OK");
      assert.equal(await split.get("split"), "by bytes");
    } finally {
      redis.disconnect();
      split.disconnect();
      await splitter.close();
    }
  });
});
