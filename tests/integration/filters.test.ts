// The built-in router and local rate limit, through the local host running build/meta_protocol.wasm,
// with the real Dubbo peers (sofa-rpc-node + dubbo-remoting): the first request of a connection
// picks its cluster; a request over the limit or without a route gets the protocol's error reply
// from the module while the connection stays usable. Configuration errors name their field.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startEnvoy } from "../../host/main.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { bootstrapFor, echoServer } from "../network/support.ts";
import { PRODUCT_MODULE, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface CallResult {
  ok: boolean;
  value?: string;
  bytes?: number;
  error?: string;
}

/** Runs the real Dubbo consumer (its own process) against `port`. */
async function dubboCalls(port: number, method: string, calls: number): Promise<CallResult[]> {
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`, "--calls", String(calls), "--method", method, "--size", "10"],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  return JSON.parse(stdout).responses;
}

describe("router and local rate limit with real Dubbo peers", () => {
  let main: Peer;
  let v2: Peer;
  let proxy: MetaProxy;
  before(async () => {
    [main, v2] = await Promise.all([startPeer("tests/peers/dubbo-server.ts"), startPeer("tests/peers/dubbo-server.ts")]);
    proxy = await startMetaProxy({
      codec: "aeraki.meta_protocol.codec.dubbo",
      upstreamPort: main.port,
      clusters: { v2: v2.port },
      filters: [
        {
          name: "aeraki.meta_protocol.filters.local_ratelimit",
          config: { conditions: [{ match: { attributes: { method: { exact: "sayHello" } } }, tokenBucket: { maxTokens: 5, tokensPerFill: 5, fillInterval: "3600s" } }] },
        },
        {
          name: "aeraki.meta_protocol.filters.router",
          config: {
            routes: [
              { name: "hello", match: { attributes: { method: { exact: "sayHello" } } }, route: { cluster: "v2" } },
              { name: "echo", match: { attributes: { method: { prefix: "echo" } } }, route: { cluster: "upstream" } },
            ],
          },
        },
      ],
    });
  });
  after(async () => {
    await proxy?.close();
    await Promise.all([main?.stop(), v2?.stop()]);
  });

  test("the first request picks the cluster; over the limit the client gets the protocol's error and keeps its connection", async () => {
    const hello = await dubboCalls(proxy.port, "sayHello", 8);
    assert.deepEqual(hello.slice(0, 5).map((r) => r.value), [0, 1, 2, 3, 4].map((i) => `Hello world-${i}`));
    for (const r of hello.slice(5)) {
      assert.equal(r.ok, false);
      assert.match(r.error!, /rate limited/);
    }
    const echo = await dubboCalls(proxy.port, "echoBytes", 5);
    assert.deepEqual(echo.map((r) => r.bytes), [10, 10, 10, 10, 10]);
    assert.equal(proxy.envoy.stats.counter("cluster.v2.upstream_cx_total"), 1, "sayHello went to v2");
    assert.equal(proxy.counter("local_reply"), 3);
    assert.equal(proxy.counter("local_reply_connection_closed"), 0);
  });

  test("a request no route matches gets RouteNotFound as a Dubbo error", async () => {
    const failed = await dubboCalls(proxy.port, "fail", 2);
    for (const r of failed) assert.match(r.error!, /no route for this request/);
  });
});

describe("configuration errors", () => {
  test("a bad filter configuration is refused with every field named", async () => {
    const lines: string[] = [];
    const configuration = JSON.stringify({
      codec: { name: "dubbo" },
      metaProtocolFilters: [
        { name: "aeraki.meta_protocol.filters.local_ratelimit", config: { tokenBucket: { maxTokens: "ten", fillInterval: "soon" } } },
        { name: "aeraki.meta_protocol.filters.router", config: { routes: [{ match: { attributes: { method: { regex: "(say" } } }, route: {} }] } },
        { name: "no.such.filter" },
      ],
    });
    await assert.rejects(
      startEnvoy(bootstrapFor({ wasm: PRODUCT_MODULE, clusters: { upstream: 1 }, defaultCluster: "upstream", pluginConfiguration: configuration }), {
        logLevel: LogLevel.Error,
        log: (line) => lines.push(line),
      }),
      /rejected its configuration/,
    );
    const log = lines.join("\n");
    assert.match(log, /metaProtocolFilters\[0\]\.config\.tokenBucket\.maxTokens: must be a number, got string/);
    assert.match(log, /metaProtocolFilters\[0\]\.config\.tokenBucket\.fillInterval: must be a duration/);
    assert.match(log, /metaProtocolFilters\[1\]\.config\.routes\[0\]\.match\.attributes\.method\.regex: '\(say': /);
    assert.match(log, /metaProtocolFilters\[1\]\.config\.routes\[0\]\.route: needs exactly one of cluster, weighted_clusters/);
    assert.match(log, /metaProtocolFilters\[2\]\.name: unknown filter 'no\.such\.filter'/);
  });
});

describe("weighted clusters", () => {
  test("connections spread over the clusters by weight, exactly over each cycle; a zero weight gets none", async () => {
    const [a, b, never] = await Promise.all([echoServer(), echoServer(), echoServer()]);
    const proxy = await startMetaProxy({
      codec: "redis",
      upstreamPort: a.port,
      clusters: { a: a.port, b: b.port, never: never.port },
      filters: [{
        name: "aeraki.meta_protocol.filters.router",
        config: { routes: [{ route: { weightedClusters: [{ name: "a", weight: 50 }, { name: "b", weight: 50 }, { name: "never", weight: 0 }] } }] },
      }],
    });
    try {
      for (let i = 0; i < 40; i++) {
        await new Promise<void>((resolve) => {
          const s = net.connect(proxy.port, "127.0.0.1", () => s.write("*1\r\n$4\r\nPING\r\n"));
          s.once("data", () => (s.destroy(), resolve()));
          s.on("error", () => resolve());
        });
      }
      const connections = (name: string) => proxy.envoy.stats.counter(`cluster.${name}.upstream_cx_total`);
      // Smooth weighted round robin per worker (connections go to the workers in turn): 50/50 is exact.
      assert.equal(connections("a"), 20);
      assert.equal(connections("b"), 20);
      assert.equal(connections("never"), 0);
    } finally {
      await proxy.close();
      await Promise.all([a.close(), b.close(), never.close()]);
    }
  });
});
