// The custom-filter example, built from its own folder as a user would, in the local host with
// the real Dubbo peers (sofa-rpc-node + dubbo-remoting): allowed calls answer as direct ones do,
// others get a Dubbo error from the module; a bad configuration is refused, its field named.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startEnvoy } from "../../../host/main.ts";
import { LogLevel } from "../../../host/wasm/types.ts";
import { bootstrapFor } from "../../../tests/network/support.ts";
import { buildAsUser, startMetaProxy, startPeer, type MetaProxy, type Peer } from "../../../tests/integration/support.ts";

const run = promisify(execFile);

async function dubboCalls(port: number, method: string, calls: number): Promise<Array<{ ok: boolean; value?: string; error?: string }>> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`,
    "--calls", String(calls), "--method", method, "--size", "8"], { encoding: "utf8" });
  return JSON.parse(stdout).responses;
}

describe("examples/custom-filter built as a user builds it", () => {
  let module: { wasm: string; cleanup(): void };
  let server: Peer;
  let proxy: MetaProxy;
  before(async () => {
    module = buildAsUser("examples/custom-filter");
    server = await startPeer("tests/peers/dubbo-server.ts");
    proxy = await startMetaProxy({
      wasm: module.wasm, codec: "aeraki.meta_protocol.codec.dubbo", upstreamPort: server.port,
      filters: [{ name: "example.allow_list", config: { key: "method", allow: ["sayHello"] } }],
    });
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    module?.cleanup();
  });

  test("allowed calls pass; others get a Dubbo error naming the method, on the same connection", async () => {
    const hello = await dubboCalls(proxy.port, "sayHello", 3);
    assert.deepEqual(hello.map((r) => r.value), ["Hello world-0", "Hello world-1", "Hello world-2"]);
    const echo = await dubboCalls(proxy.port, "echoBytes", 3);
    for (const r of echo) {
      assert.equal(r.ok, false);
      assert.match(r.error!, /method echoBytes is not allowed/);
    }
    assert.equal(proxy.counter("local_reply"), 3);
    assert.equal(proxy.counter("local_reply_connection_closed"), 0);
  });

  test("allowed requests held by the filter go on when its wake-up resumes them, pipelined or not", async () => {
    const held = await startMetaProxy({
      wasm: module.wasm, codec: "aeraki.meta_protocol.codec.dubbo", statPrefix: "held", upstreamPort: server.port,
      filters: [{ name: "example.allow_list", config: { key: "method", allow: ["sayHello"], holdMs: 30 } }],
    });
    try {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${held.port}`,
        "--calls", "40", "--concurrency", "8"], { encoding: "utf8" });
      const responses: Array<{ value?: string }> = JSON.parse(stdout).responses;
      assert.deepEqual(responses.map((r) => r.value), Array.from({ length: 40 }, (_, i) => `Hello world-${i}`));
      assert.equal(held.counter("request"), 40);
      assert.equal(held.counter("local_reply_connection_closed"), 0);
    } finally {
      await held.close();
    }
  });

  test("a bad configuration is refused and the log names the field", async () => {
    const lines: string[] = [];
    const configuration = JSON.stringify({ codec: { name: "dubbo" }, metaProtocolFilters: [{ name: "example.allow_list", config: { key: "method", allow: ["a", 7] } }] });
    await assert.rejects(
      startEnvoy(bootstrapFor({ wasm: module.wasm, clusters: { upstream: server.port }, defaultCluster: "upstream", pluginConfiguration: configuration }), {
        logLevel: LogLevel.Error,
        log: (line) => lines.push(line),
      }),
      /rejected its configuration/,
    );
    assert.match(lines.join("\n"), /metaProtocolFilters\[0\]\.config\.allow\[1\]: must be a string/);
  });
});
