// The router's mismatch policies and connection recycling in build/meta_protocol.wasm, through the
// local host, with two real Dubbo providers (sofa-rpc-node + dubbo-remoting) as clusters `v1` and
// `v2`, each behind a relay that counts the calls reaching it. Routes by method: sayHello -> v1,
// echoBytes -> v2, so a connection whose first request is sayHello is bound to v1 and a later
// echoBytes on it is a mismatch. The client writes raw Dubbo frames captured from the real
// consumer (tests/fixtures/dubbo), each with its own request id (bytes 4..11).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";
import { countingRelay, type CountingRelay } from "./counting-relay.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/dubbo/${name}.bin`, import.meta.url));
const SAY_HELLO = fixture("say_hello_request");
const ECHO_BYTES = fixture("echo_bytes_request");
const DUBBO_OK = 20;

/** A captured request frame with request id `id`. */
function withId(frame: Buffer, id: number): Buffer {
  const copy = Buffer.from(frame);
  copy.writeBigUInt64BE(BigInt(id), 4);
  return copy;
}

interface Reply {
  id: number;
  status: number;
  body: Buffer;
}

/** One client connection that writes raw frames and cuts the answers into Dubbo frames. */
class DubboConnection {
  readonly socket: net.Socket;
  readonly replies: Reply[] = [];
  readonly closed: Promise<void>;
  private pending = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  isClosed = false;

  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.setNoDelay(true);
    this.socket.on("error", () => {});
    this.socket.on("data", (chunk) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 16 && this.pending.length >= 16 + this.pending.readUInt32BE(12)) {
        const size = 16 + this.pending.readUInt32BE(12);
        const frame = this.pending.subarray(0, size);
        this.replies.push({ id: Number(frame.readBigUInt64BE(4)), status: frame[3], body: Buffer.from(frame.subarray(16)) });
        this.pending = this.pending.subarray(size);
      }
      this.wake();
    });
    this.closed = new Promise((r) => this.socket.once("close", () => {
      this.isClosed = true;
      this.wake();
      r();
    }));
  }

  /** Writes `frame` and waits for the reply with its id: the reply, or null when the connection closes first. */
  async call(frame: Buffer, timeoutMs = 3000): Promise<Reply | null> {
    const id = Number(frame.readBigUInt64BE(4));
    this.socket.write(frame);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.replies.find((r) => r.id === id);
      if (reply) return reply;
      if (this.isClosed) return null;
      if (Date.now() > deadline) throw new Error(`no reply to request ${id} within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

const BY_METHOD = [
  { name: "hello", match: { attributes: { method: { exact: "sayHello" } } }, route: { cluster: "v1" } },
  { name: "echo", match: { attributes: { method: { exact: "echoBytes" } } }, route: { cluster: "v2" } },
];

describe("router mismatch policies and recycling with two real Dubbo providers", () => {
  const providers: Peer[] = [];
  let v1: CountingRelay;
  let v2: CountingRelay;
  const proxies: MetaProxy[] = [];
  const connections: DubboConnection[] = [];

  before(async () => {
    providers.push(...(await Promise.all([startPeer("tests/peers/dubbo-server.ts"), startPeer("tests/peers/dubbo-server.ts")])));
    [v1, v2] = await Promise.all(providers.map((p) => countingRelay(p.port)));
  });
  after(async () => {
    for (const c of connections) c.close();
    for (const p of proxies) await p.close();
    await Promise.all([v1?.close(), v2?.close()]);
    await Promise.all(providers.map((p) => p.stop()));
  });

  /** A fresh proxy (fresh counters) whose router has `config`; tcp_proxy's own cluster points at v1 and must stay unused. */
  async function proxyWith(config: Record<string, unknown>): Promise<MetaProxy> {
    const proxy = await startMetaProxy({
      codec: "dubbo",
      upstreamPort: v1.port,
      clusters: { v1: v1.port, v2: v2.port },
      filters: [{ name: "aeraki.meta_protocol.filters.router", config }],
    });
    proxies.push(proxy);
    return proxy;
  }
  const connect = (proxy: MetaProxy) => {
    const c = new DubboConnection(proxy.port);
    connections.push(c);
    return c;
  };
  const upstreamConnections = (proxy: MetaProxy, cluster: string) => proxy.envoy.stats.counter(`cluster.${cluster}.upstream_cx_total`);

  test("forward: echoBytes on a connection bound to v1 is answered by v1, counted as a mismatch", async () => {
    const proxy = await proxyWith({ routes: BY_METHOD, mismatch: "forward" });
    const [hello1, echo1, echo2] = [v1.count("sayHello"), v1.count("echoBytes"), v2.count("echoBytes")];
    const c = connect(proxy);
    const replies = [await c.call(withId(SAY_HELLO, 1))];
    for (const id of [2, 3, 4]) replies.push(await c.call(withId(ECHO_BYTES, id)));
    assert.deepEqual(replies.map((r) => [r?.id, r?.status]), [[1, DUBBO_OK], [2, DUBBO_OK], [3, DUBBO_OK], [4, DUBBO_OK]]);
    assert.equal(v1.count("sayHello") - hello1, 1);
    assert.equal(v1.count("echoBytes") - echo1, 3, "the mismatched calls went to the bound cluster");
    assert.equal(v2.count("echoBytes") - echo2, 0);
    assert.equal(proxy.counter("route_mismatch"), 3);
    assert.equal(upstreamConnections(proxy, "v1"), 1);
    assert.equal(upstreamConnections(proxy, "v2"), 0, "v2 got no connection");
    assert.equal(c.isClosed, false);
  });

  test("reject: the mismatched calls get Dubbo's error naming both clusters, the connection stays open", async () => {
    const proxy = await proxyWith({ routes: BY_METHOD, mismatch: "reject" });
    const [hello1, echo1, echo2] = [v1.count("sayHello"), v1.count("echoBytes"), v2.count("echoBytes")];
    const c = connect(proxy);
    const first = await c.call(withId(SAY_HELLO, 11));
    assert.equal(first?.status, DUBBO_OK);
    for (const id of [12, 13, 14]) {
      const r = await c.call(withId(ECHO_BYTES, id));
      assert.ok(r, `request ${id} answered`);
      assert.notEqual(r.status, DUBBO_OK);
      const text = r.body.toString("latin1");
      assert.match(text, /\bv2\b/, `the error names the route's cluster: ${text}`);
      assert.match(text, /\bv1\b/, `the error names the bound cluster: ${text}`);
    }
    const fifth = await c.call(withId(SAY_HELLO, 15));
    assert.equal(fifth?.status, DUBBO_OK, "the connection stayed open and still serves");
    assert.equal(c.isClosed, false);
    assert.equal(v1.count("sayHello") - hello1, 2);
    assert.equal(v1.count("echoBytes") - echo1, 0, "no rejected call reached a provider");
    assert.equal(v2.count("echoBytes") - echo2, 0);
    assert.equal(proxy.counter("route_mismatch"), 3);
    assert.equal(proxy.counter("local_reply"), 3);
    assert.equal(proxy.counter("local_reply_connection_closed"), 0);
  });

  test("drain: the in-flight sayHello is answered, echoBytes is dropped, the connection closes, and the retry lands on v2", async () => {
    const proxy = await proxyWith({ routes: BY_METHOD, mismatch: "drain" });
    const [echo1, echo2] = [v1.count("echoBytes"), v2.count("echoBytes")];
    const c = connect(proxy);
    await new Promise<void>((r) => c.socket.once("connect", () => r()));
    // One write: sayHello is still in flight when echoBytes is decoded.
    c.socket.write(Buffer.concat([withId(SAY_HELLO, 21), withId(ECHO_BYTES, 22)]));
    await Promise.race([c.closed, new Promise((_, reject) => setTimeout(() => reject(new Error("connection not closed")), 3000))]);
    assert.deepEqual(c.replies.map((r) => [r.id, r.status]), [[21, DUBBO_OK]], "only the in-flight call was answered");
    assert.equal(v1.count("echoBytes") - echo1, 0, "the drained call was not forwarded");
    assert.equal(v2.count("echoBytes") - echo2, 0);

    const retry = connect(proxy);
    const r = await retry.call(withId(ECHO_BYTES, 22));
    assert.equal(r?.status, DUBBO_OK);
    assert.equal(v2.count("echoBytes") - echo2, 1);
    assert.equal(upstreamConnections(proxy, "v1"), 1);
    assert.equal(upstreamConnections(proxy, "v2"), 1, "the new connection went to v2");
    assert.equal(proxy.counter("route_mismatch"), 1);
    assert.equal(proxy.counter("request_drained"), 1);
    assert.equal(proxy.counter("connection_drained"), 1);
  });

  const SPLIT = [{ name: "split", match: { attributes: { method: { exact: "sayHello" } } }, route: { weightedClusters: [{ name: "v1", weight: 80 }, { name: "v2", weight: 20 }] } }];

  /** One long-lived client: `calls` sayHello one after another, reconnecting (and resending) when the proxy closes. */
  async function longLivedClient(proxy: MetaProxy, calls: number): Promise<{ reconnects: number }> {
    let c = connect(proxy);
    let reconnects = 0;
    for (let id = 1; id <= calls; ) {
      const r = await c.call(withId(SAY_HELLO, 1000 + id));
      if (r === null) {
        c.close();
        c = connect(proxy);
        reconnects++;
        continue;
      }
      assert.equal(r.status, DUBBO_OK, `call ${id}`);
      id++;
    }
    c.close();
    return { reconnects };
  }

  test("recycling: maxRequestsPerConnection 10 makes one client's 1,000 calls follow an 80/20 split", async (t) => {
    const proxy = await proxyWith({ routes: SPLIT, maxRequestsPerConnection: 10 });
    const [a, b] = [v1.count("sayHello"), v2.count("sayHello")];
    const { reconnects } = await longLivedClient(proxy, 1000);
    const viaV1 = v1.count("sayHello") - a;
    const viaV2 = v2.count("sayHello") - b;
    assert.equal(viaV1 + viaV2, 1000, "every call reached a provider exactly once");
    const share = viaV1 / 1000;
    t.diagnostic(`recycling: ${viaV1} of 1000 calls via v1 (${(share * 100).toFixed(1)}%), ${reconnects} reconnects`);
    assert.ok(Math.abs(share - 0.8) <= 0.05, `share via v1 ${share}`);
    assert.equal(reconnects, 99, "a new connection every 10 calls");
    assert.equal(upstreamConnections(proxy, "v1") + upstreamConnections(proxy, "v2"), 100);
    assert.equal(upstreamConnections(proxy, "v1") * 10, viaV1);
    assert.equal(proxy.counter("connection_drained"), 99);
    assert.equal(proxy.counter("request_drained"), 99);
  });

  test("without recycling the same client's 1,000 calls all stay on one cluster", async () => {
    const proxy = await proxyWith({ routes: SPLIT });
    const [a, b] = [v1.count("sayHello"), v2.count("sayHello")];
    const { reconnects } = await longLivedClient(proxy, 1000);
    const counts = [v1.count("sayHello") - a, v2.count("sayHello") - b];
    assert.equal(reconnects, 0);
    assert.deepEqual([...counts].sort((x, y) => x - y), [0, 1000], `calls per cluster (v1, v2): ${counts}`);
    assert.equal(upstreamConnections(proxy, "v1") + upstreamConnections(proxy, "v2"), 1);
    assert.equal(proxy.counter("connection_drained"), 0);
  });
});
