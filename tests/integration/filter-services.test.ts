// A filter that waits for a gRPC service before letting each request go (a purpose-built module,
// tests/host/modules/grpc_gate.ts, on the public filter API) with the real Dubbo peers and a real
// grpc-js server: held requests resume when the answer comes; a request the service denies after
// the pause ends the connection, as the README says (Envoy lets no filter edit the client's bytes
// outside on_downstream_data), and is counted.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { TEST_MODULES } from "../host/support.ts";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

describe("a filter that asks a gRPC service", () => {
  let provider: Peer;
  let gate: grpc.Server;
  let proxy: MetaProxy;
  const asked: string[] = [];
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    gate = new grpc.Server();
    const identity = (b: Buffer) => b;
    gate.addService(
      { Check: { path: "/test.Gate/Check", requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      {
        Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
          asked.push(call.request.toString());
          done(null, Buffer.from(call.request.toString() === "sayHello" ? "allow" : "deny"));
        },
      },
    );
    const grpcPort = await new Promise<number>((resolve, reject) =>
      gate.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    proxy = await startMetaProxy({
      wasm: path.join(TEST_MODULES, "grpc_gate.wasm"),
      codec: "dubbo",
      upstreamPort: provider.port,
      clusters: { grpc: grpcPort },
      http2Clusters: ["grpc"],
      filters: [{ name: "test.grpc_gate" }],
    });
  });
  after(async () => {
    await proxy?.close();
    await provider?.stop();
    gate?.forceShutdown();
  });

  const consumer = async (method: string, calls: number, concurrency: number) =>
    JSON.parse((await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${proxy.port}`,
      "--calls", String(calls), "--concurrency", String(concurrency), "--method", method], { encoding: "utf8" })).stdout).responses as Array<{ ok: boolean; value?: string }>;

  test("held requests go on when the service allows them, 8 in flight", async () => {
    const responses = await consumer("sayHello", 30, 8);
    assert.deepEqual(responses.map((r) => r.value), Array.from({ length: 30 }, (_, i) => `Hello world-${i}`));
    assert.equal(asked.filter((m) => m === "sayHello").length, 30);
  });

  test("requests denied after the pause get Dubbo's error on the open connection, counted", async () => {
    const before = proxy.counter("local_reply");
    // Four calls on one client connection: had the first denial closed it, the others would fail
    // with a connection error instead of the provider-shaped error the module wrote.
    const responses = await consumer("echoBytes", 4, 2);
    assert.deepEqual(responses.map((r) => r.ok), [false, false, false, false]);
    for (const r of responses) assert.match(String((r as { error?: string }).error), /denied by gate/);
    assert.equal(asked.filter((m) => m === "echoBytes").length, 4);
    assert.equal(proxy.counter("local_reply") - before, 4);
    assert.equal(proxy.counter("local_reply_connection_closed"), 0);
  });
});
