// Fault: the upstream goes away. A server that answers one request in full, sends half of the
// next answer and closes; and an upstream that refuses the connection. Through the local host
// running build/meta_protocol.wasm. The client must see the close; the complete answer reaches its
// own caller byte-exact; the half answer is never delivered as complete; the module's
// request_active gauge is back at 0 and no connection context is left in the VM.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { closedPort } from "../network/support.ts";
import { countRedisCommands, dubboId, dubboRequest, dubboResponse, isDubboRequest, redisCommand, splitDubbo } from "./frames.ts";
import { rawServer, startFaultHost, until, type FaultHost } from "./support.ts";

const run = promisify(execFile);

/** A client connection that writes `payload` and collects every byte until the proxy closes it. */
function collectUntilClose(port: number, payload: Buffer): Promise<{ received: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let ended = false;
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => c.write(payload));
    c.on("data", (d) => parts.push(d));
    c.on("end", () => {
      ended = true;
      c.end();
    });
    c.on("error", reject);
    c.on("close", () => resolve({ received: Buffer.concat(parts), ended }));
    setTimeout(() => (c.destroy(), reject(new Error("the proxy never closed the client"))), 10_000).unref();
  });
}

/** Everything a connection left behind is gone: gauges at 0, no context, no tick. */
async function assertReleased(proxy: FaultHost): Promise<void> {
  await until(() => proxy.liveContexts() === 0, "the connection contexts to end");
  assert.equal(proxy.gauge("request_active"), 0, "request_active");
  assert.equal(proxy.gauge("connection_active"), 0, "connection_active");
  assert.equal(proxy.tickPeriodMs(), 0, "no tick left running");
  assert.equal(proxy.envoy.stats.gauge("cluster.upstream.upstream_cx_active"), 0, "no upstream connection left");
}

describe("the upstream closes mid-response", () => {
  test("Redis (ioredis): the first reply arrives, the second fails with the close, never as a value", async () => {
    // Answers once both GETs are in: "one" in full, then 3 of the 8 bytes of "$3\r\ntwo\r\n", and closes.
    const server = await rawServer((s) => {
      let got = Buffer.alloc(0);
      s.on("data", (d) => {
        got = Buffer.concat([got, d]);
        if (countRedisCommands(got) === 2) s.end("$3\r\none\r\n$3\r");
      });
    });
    const proxy = await startFaultHost({ codec: "redis", upstreamPort: server.port });
    const redis = new Redis({ port: proxy.port, host: "127.0.0.1", enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on("error", () => {});
    try {
      const [first, second] = await Promise.allSettled([redis.get("a"), redis.get("b")]);
      assert.deepEqual(first, { status: "fulfilled", value: "one" });
      assert.equal(second.status, "rejected");
      assert.match(String((second as PromiseRejectedResult).reason), /Connection is closed/);
      await assertReleased(proxy);
      assert.equal(proxy.counter("request"), 2);
      assert.equal(proxy.counter("response"), 1, "only the complete reply counts as a response");
      assert.equal(proxy.counter("response_unpaired"), 0);
    } finally {
      redis.disconnect();
      await proxy.close();
      await server.close();
    }
  });

  test("Dubbo raw frames: the complete answer is byte-exact and paired; the cut one stays incomplete", async () => {
    const server = await rawServer((s) => {
      let got = Buffer.alloc(0);
      s.on("data", (d) => {
        got = Buffer.concat([got, d]);
        const { frames } = splitDubbo(got);
        if (frames.length < 2) return;
        const [a, b] = frames.map(dubboId);
        const cut = dubboResponse(b);
        s.end(Buffer.concat([dubboResponse(a), cut.subarray(0, cut.length - 5)]));
      });
    });
    const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: server.port });
    try {
      const { received, ended } = await collectUntilClose(proxy.port, Buffer.concat([dubboRequest(7), dubboRequest(8)]));
      assert.ok(ended, "the client saw the end of stream");
      const { frames, rest } = splitDubbo(received);
      assert.equal(frames.length, 1, "one complete frame reached the client");
      assert.deepEqual(frames[0], dubboResponse(7));
      assert.ok(rest.length > 0 && rest.length < dubboResponse(8).length, "the second answer is still short of its length");
      await assertReleased(proxy);
      assert.equal(proxy.counter("request"), 2);
      assert.equal(proxy.counter("response_unpaired"), 0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  test("Dubbo with the real consumer (sofa-rpc-node): one call answered, the other fails; neither gets the other's answer", async () => {
    // Answers the first request it sees in full ("Hello world-0") and cuts the second; the real
    // client's requests are matched by the ids it chose.
    const server = await rawServer((s) => {
      let got = Buffer.alloc(0);
      let answered = 0;
      s.on("data", (d) => {
        got = Buffer.concat([got, d]);
        const { frames, rest } = splitDubbo(got);
        got = Buffer.from(rest);
        for (const f of frames.filter(isDubboRequest)) {
          const reply = dubboResponse(dubboId(f));
          if (answered++ === 0) s.write(reply);
          else s.end(reply.subarray(0, 20));
        }
      });
    });
    const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: server.port });
    try {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${proxy.port}`,
        "--calls", "2", "--concurrency", "2", "--timeout", "8000"], { encoding: "utf8" });
      const result = JSON.parse(stdout) as { ok: number; responses: Array<{ ok: boolean; value?: string; error?: string }> };
      assert.equal(result.ok, 1, JSON.stringify(result));
      const answered = result.responses.find((r) => r.ok)!;
      const failed = result.responses.find((r) => !r.ok)!;
      assert.equal(answered.value, "Hello world-0");
      assert.doesNotMatch(failed.error ?? "", /timeout/i, "the failure is the close, not a timeout");
      await assertReleased(proxy);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});

describe("the upstream closes mid-response: what is counted", () => {
  // Payload passthrough pairs a response at its header, but counts it (and shows it to the filters)
  // once its whole frame has passed, as Aeraki's decoder and Envoy's thrift_proxy (at messageEnd) do.
  test(
    "Dubbo: an answer whose body never completes is not counted as a response",
    async () => {
      const server = await rawServer((s) => {
        s.once("data", (d) => {
          const cut = dubboResponse(dubboId(d));
          s.end(cut.subarray(0, cut.length - 5));
        });
      });
      const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: server.port });
      try {
        const { received } = await collectUntilClose(proxy.port, dubboRequest(3));
        assert.equal(splitDubbo(received).frames.length, 0, "nothing complete reached the client");
        await assertReleased(proxy);
        assert.equal(proxy.counter("response"), 0);
        assert.equal(proxy.counter("response_success"), 0);
      } finally {
        await proxy.close();
        await server.close();
      }
    },
  );
});

describe("the upstream refuses the connection", () => {
  test("the client is closed with nothing sent; tcp_proxy's and the cluster's counters as Envoy's; nothing left", async () => {
    const port = await closedPort();
    const proxy = await startFaultHost({ codec: "dubbo", upstreamPort: port });
    try {
      const { received, ended } = await collectUntilClose(proxy.port, dubboRequest(1));
      assert.equal(received.length, 0);
      assert.ok(ended);
      const stats = proxy.envoy.stats;
      assert.equal(stats.counter("cluster.upstream.upstream_cx_total"), 1);
      assert.equal(stats.counter("cluster.upstream.upstream_cx_connect_fail"), 1);
      assert.equal(stats.counter("tcp.test.downstream_cx_total"), 1);
      assert.equal(stats.counter(`listener.127.0.0.1_${proxy.port}.downstream_cx_destroy`), 1);
      assert.equal(stats.gauge(`listener.127.0.0.1_${proxy.port}.downstream_cx_active`), 0);
      await assertReleased(proxy);
      assert.equal(proxy.counter("response"), 0);
    } finally {
      await proxy.close();
    }
  });
});
