// Response mutation with real clients through the local host running build/meta_protocol.wasm: a
// route's responseMutation reaches the client inside the response (Dubbo response attachments as
// the real sofa-rpc-node / dubbo-remoting client decodes them, bRPC RpcMeta.user_fields), also for
// responses far larger than a read (they wait in the module until whole, then are re-encoded),
// with 16 calls in flight; responses to requests of other routes pass untouched.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { callWithAttachments } from "../peers/dubbo-response-attachments.ts";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface BrpcResult {
  ok: number;
  responses: { i: number; ok: boolean; bytes?: number; sum?: number; userFields?: Record<string, string> }[];
}

async function brpcClient(port: number, calls: number, concurrency: number, size: number, userFields: Record<string, string>): Promise<BrpcResult> {
  const args = ["--port", String(port), "--calls", String(calls), "--concurrency", String(concurrency), "--method", "Echo",
    "--service", "example.EchoService", "--size", String(size), "--attachment", "0"];
  for (const [k, v] of Object.entries(userFields)) args.push("--user-field", `${k}=${v}`);
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/brpc-client.ts", ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  return JSON.parse(stdout);
}

describe("response mutation, bRPC", () => {
  let server: Peer;
  let proxy: MetaProxy;
  before(async () => {
    server = await startPeer("tests/peers/brpc-server.ts");
    proxy = await startMetaProxy({
      codec: "brpc",
      upstreamPort: server.port,
      filters: [{
        name: "aeraki.meta_protocol.filters.router",
        config: {
          routes: [
            {
              name: "blue",
              match: { attributes: { tenant: { exact: "blue" } } },
              route: { cluster: "upstream" },
              requestMutation: [{ key: "seen-by", value: "proxy" }],
              responseMutation: [{ key: "served-by", value: "meta-protocol" }, { key: "tenant", value: "blue-answered" }],
            },
            { name: "other", route: { cluster: "upstream" } },
          ],
        },
      }],
    });
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
  });

  // The server echoes the request's user_fields, so the response carries what the request had
  // (with the request mutation) and, from the proxy, the response mutation on top.
  const mutated = { tenant: "blue-answered", keep: "me", "seen-by": "proxy", "served-by": "meta-protocol" };

  test("small responses, 200 calls with 16 in flight, carry the route's responseMutation", async () => {
    const before = proxy.counter("response");
    const r = await brpcClient(proxy.port, 200, 16, 100, { tenant: "blue", keep: "me" });
    assert.equal(r.ok, 200);
    for (const x of r.responses) assert.deepEqual(x.userFields, mutated);
    assert.equal(proxy.counter("response") - before, 200);
  });

  test("responses of 300 KB (many reads each) are kept until whole and arrive mutated with their payload intact", async () => {
    const size = 300 * 1024;
    const [direct, proxied] = await Promise.all([
      brpcClient(server.port, 24, 8, size, { tenant: "blue", keep: "me" }),
      brpcClient(proxy.port, 24, 8, size, { tenant: "blue", keep: "me" }),
    ]);
    assert.equal(proxied.ok, 24);
    for (let i = 0; i < 24; i++) {
      assert.equal(proxied.responses[i].bytes, size);
      assert.equal(proxied.responses[i].sum, direct.responses[i].sum);
      assert.deepEqual(proxied.responses[i].userFields, mutated);
    }
  });

  test("responses to requests of another route pass untouched", async () => {
    const r = await brpcClient(proxy.port, 20, 4, 64 * 1024, { tenant: "red" });
    assert.equal(r.ok, 20);
    for (const x of r.responses) assert.deepEqual(x.userFields, { tenant: "red" });
  });
});

describe("response mutation, Dubbo", () => {
  let provider: Peer;
  let proxy: MetaProxy;
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    proxy = await startMetaProxy({
      codec: "dubbo",
      upstreamPort: provider.port,
      maxFrameSize: 2 * 1024 * 1024,
      filters: [{
        name: "aeraki.meta_protocol.filters.router",
        config: {
          routes: [
            { name: "hello", match: { attributes: { method: { exact: "sayHello" } } }, route: { cluster: "upstream" },
              responseMutation: [{ key: "served-by", value: "meta-protocol" }, { key: "zone", value: "z-1" }] },
            { name: "echo", match: { attributes: { method: { exact: "echoBytes" } } }, route: { cluster: "upstream" },
              responseMutation: [{ key: "served-by", value: "meta-protocol" }] },
          ],
        },
      }],
    });
  });
  after(async () => {
    await proxy?.close();
    await provider?.stop();
  });

  test("the real client decodes the route's responseMutation as the response's attachments", async () => {
    const direct = await callWithAttachments(`127.0.0.1:${provider.port}`);
    assert.deepEqual(direct.attachments, {});
    const proxied = await callWithAttachments(`127.0.0.1:${proxy.port}`);
    assert.equal(proxied.value, direct.value);
    assert.deepEqual(proxied.attachments, { "served-by": "meta-protocol", zone: "z-1" });
  });

  test("a 300 KB response (many reads) is kept until whole, then arrives with its attachments and its bytes intact", async () => {
    const data = Buffer.alloc(300 * 1024, 7);
    const proxied = await callWithAttachments(`127.0.0.1:${proxy.port}`, { method: "echoBytes", args: [data], timeoutMs: 10000 });
    assert.ok(Buffer.isBuffer(proxied.value));
    assert.ok(data.equals(proxied.value as Buffer));
    assert.deepEqual(proxied.attachments, { "served-by": "meta-protocol" });
  });
});
