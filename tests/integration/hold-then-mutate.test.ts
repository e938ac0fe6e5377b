// A hold in one filter and a mutation in a later one meet on the same request (the runtime issue's
// bug: the mutation was dropped when the request had been held). The KV-RPC example's real client
// and server, a module with the allow-list example (holding requests `holdMs`) before the router
// (requestMutation x-tenant=blue); the server echoes the x-tenant it received.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { TEST_MODULES } from "../host/support.ts";
import { byteSplitter, startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

async function client(port: number, calls: number, concurrency: number, method = "echo"): Promise<Array<{ ok: boolean; tenant?: string; error?: string }>> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/private-protocol/peers/client.ts", "--port", String(port),
    "--calls", String(calls), "--concurrency", String(concurrency), "--method", method, "--size", "64"], { encoding: "utf8" });
  return JSON.parse(stdout).responses;
}

const router = { name: "aeraki.meta_protocol.filters.router", config: { routes: [{ route: { cluster: "upstream" }, requestMutation: [{ key: "x-tenant", value: "blue" }] }] } };
const allowList = (holdMs: number) => ({ name: "example.allow_list", config: { key: "method", allow: ["echo"], holdMs } });

describe("a mutation made after a pause reaches the server", () => {
  let server: Peer;
  const proxies: MetaProxy[] = [];
  before(async () => {
    server = await startPeer("examples/private-protocol/peers/server.ts");
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await server?.stop();
  });

  const proxy = async (holdMs: number) => {
    const p = await startMetaProxy({
      wasm: path.join(TEST_MODULES, "kvrpc_hold.wasm"), codec: "example.kvrpc", statPrefix: `hold${holdMs}`,
      upstreamPort: server.port, filters: [allowList(holdMs), router],
    });
    proxies.push(p);
    return p;
  };

  for (const holdMs of [0, 20]) {
    test(`with holdMs ${holdMs}: every request carries x-tenant=blue, pipelined or not`, async () => {
      const p = await proxy(holdMs);
      assert.deepEqual((await client(p.port, 20, 1)).map((r) => r.tenant), Array(20).fill("blue"));
      assert.deepEqual((await client(p.port, 40, 8)).map((r) => r.tenant), Array(40).fill("blue"));
      const splitter = await byteSplitter(p.port);
      try {
        assert.deepEqual((await client(splitter.port, 5, 2)).map((r) => r.tenant), Array(5).fill("blue"));
      } finally {
        await splitter.close();
      }
      assert.equal(p.counter("request"), 65);
    });
  }
});
