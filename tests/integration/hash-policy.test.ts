// A route's hash policy through the local host running build/meta_protocol.wasm, with ioredis
// clients and two real redis-servers as the weighted clusters `shard-a` (25) and `shard-b` (75),
// hashed on the Redis codec's `key`: Redis sharded by key. Each connection is bound by its first
// command, so where a key's data ends up shows which cluster the connection went to. Expected
// shards come from the reference xxHash64 (xxhash-wasm), independently of the module's own code.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import xxhash from "xxhash-wasm";
import { startMetaProxy, type MetaProxy } from "./support.ts";

const WEIGHTS = { "shard-a": 25, "shard-b": 75 };

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startRedis(): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((r) => net.connect(port, "127.0.0.1").on("connect", function (this: net.Socket) { this.destroy(); r(true); }).on("error", () => r(false)));
    if (up) return { port, process: child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("redis-server did not start");
}

/** A client that sends only the commands the test sends. */
function client(port: number): Redis {
  return new Redis({ port, host: "127.0.0.1", enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0 });
}

/** Runs `commands` on a fresh connection through the proxy, then closes it. */
async function onNewConnection(port: number, commands: (redis: Redis) => Promise<unknown>): Promise<void> {
  const redis = client(port);
  try {
    await commands(redis);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** `count` jobs, at most `parallel` at a time. */
async function inParallel(count: number, parallel: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await job(next++);
  }));
}

describe("hash policy: Redis sharded by key over two redis-servers", () => {
  let shards: Record<string, { port: number; process: ChildProcess }>;
  let direct: Record<string, Redis>;
  let proxy: MetaProxy;
  /** The shard the documented hash sends `key` to: XXH64(key, seed 0) mod 100, walked over the weights in order. */
  let expectedShard: (key: string) => string;
  before(async () => {
    const { h64 } = await xxhash();
    expectedShard = (key) => (Number(h64(key, 0n) % 100n) < WEIGHTS["shard-a"] ? "shard-a" : "shard-b");
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    shards = { "shard-a": a, "shard-b": b };
    direct = { "shard-a": client(a.port), "shard-b": client(b.port) };
    proxy = await startMetaProxy({
      codec: "aeraki.meta_protocol.codec.redis",
      upstreamPort: a.port,
      clusters: { "shard-a": a.port, "shard-b": b.port },
      filters: [{
        name: "aeraki.meta_protocol.filters.router",
        config: { routes: [{
          name: "sharded",
          route: { weightedClusters: Object.entries(WEIGHTS).map(([name, weight]) => ({ name, weight })), hashPolicy: ["key"] },
        }] },
      }],
    });
  });
  after(async () => {
    await proxy?.close();
    for (const redis of Object.values(direct ?? {})) redis.disconnect();
    for (const shard of Object.values(shards ?? {})) shard.process.kill();
  });

  /** Which shards hold `key`. */
  async function holders(key: string): Promise<string[]> {
    const found: string[] = [];
    for (const [name, redis] of Object.entries(direct)) if ((await redis.exists(key)) === 1) found.push(name);
    return found;
  }

  test("60 connections whose first command names the same key all land on one shard, the hash's", async () => {
    for (const key of ["sticky:alice", "sticky:bob", "sticky:carol"]) {
      await inParallel(20, 5, () => onNewConnection(proxy.port, async (redis) => {
        await redis.incr(key);
        // A later command on the connection goes where the first one went, whatever its key.
        await redis.incr(`${key}:second`);
      }));
      const shard = expectedShard(key);
      assert.deepEqual(await holders(key), [shard], key);
      assert.equal(await direct[shard].get(key), "20", `${key}: all 20 connections on ${shard}`);
      assert.equal(await direct[shard].get(`${key}:second`), "20");
    }
    // The three keys do not all hash to the same shard, so landing together is not luck.
    assert.equal(new Set(["sticky:alice", "sticky:bob", "sticky:carol"].map(expectedShard)).size, 2);
  });

  test("400 keys, one connection each, spread by the weights: every key on its hash's shard", async () => {
    const keys = Array.from({ length: 400 }, (_, i) => `user:${i}`);
    await inParallel(keys.length, 8, (i) => onNewConnection(proxy.port, (redis) => redis.set(keys[i], String(i))));
    const perShard: Record<string, number> = { "shard-a": 0, "shard-b": 0 };
    for (const key of keys) {
      const found = await holders(key);
      assert.deepEqual(found, [expectedShard(key)], key);
      perShard[found[0]]++;
    }
    // 25/75 of 400 is 100/300; this fixed key set gives 97/303 (the bound: 3 points of the weights).
    assert.ok(Math.abs(perShard["shard-a"] - 100) <= 12, JSON.stringify(perShard));
  });

  test("a first command without a key falls back to weighted round robin: 2 of 8 connections on shard-a", async () => {
    // One at a time, so the order of the picks is the order of the connections.
    for (let i = 0; i < 8; i++) {
      await onNewConnection(proxy.port, async (redis) => {
        assert.equal(await redis.ping(), "PONG");
        await redis.incr("keyless:count");
      });
    }
    assert.equal(await direct["shard-a"].get("keyless:count"), "2");
    assert.equal(await direct["shard-b"].get("keyless:count"), "6");
  });
});
