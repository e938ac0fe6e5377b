// The first request of a connection binds it, exactly: a first read that holds several requests
// whose routes differ (Dubbo frames captured from the real peers: echoBytes, routed to `second`,
// then two sayHello, routed by the catch-all to `first`) sends the whole connection to `second`,
// whether the bytes come all at once, one byte per read, or in reads of random size.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { startMetaProxy, type MetaProxy } from "./support.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/dubbo/${name}.bin`, import.meta.url));
const STREAM = Buffer.concat([fixture("echo_bytes_request"), fixture("say_hello_request"), fixture("say_hello_request")]);

/** An upstream that records what reaches it, per connection. */
async function recorder(): Promise<{ port: number; received: () => Buffer[]; close(): Promise<void> }> {
  const connections: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    const chunks: Buffer[] = [];
    connections.push(chunks);
    sockets.add(s);
    s.on("data", (d) => chunks.push(d));
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => connections.map((c) => Buffer.concat(c)),
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** Writes `bytes` in reads of the given sizes (yielding between them), then waits and closes. */
async function send(port: number, sizes: (i: number) => number): Promise<void> {
  const socket = net.connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once("connect", () => r()));
  for (let at = 0, i = 0; at < STREAM.length; i++) {
    const n = Math.min(sizes(i), STREAM.length - at);
    socket.write(STREAM.subarray(at, at + n));
    at += n;
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 150));
  socket.destroy();
}

/** A fixed-seed generator of read sizes from 1 to 200 bytes (xorshift32). */
function randomSizes(seed: number): (i: number) => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return 1 + ((x >>> 0) % 200);
  };
}

describe("the first request binds the connection", () => {
  let first: Awaited<ReturnType<typeof recorder>>;
  let second: Awaited<ReturnType<typeof recorder>>;
  let proxy: MetaProxy;
  before(async () => {
    [first, second] = await Promise.all([recorder(), recorder()]);
    proxy = await startMetaProxy({
      codec: "dubbo",
      upstreamPort: first.port,
      clusters: { first: first.port, second: second.port },
      filters: [{
        name: "aeraki.meta_protocol.filters.router",
        config: { routes: [
          { name: "echo", match: { attributes: { method: { exact: "echoBytes" } } }, route: { cluster: "second" } },
          { name: "rest", route: { cluster: "first" } },
        ] },
      }],
    });
  });
  after(async () => {
    await proxy?.close();
    await Promise.all([first?.close(), second?.close()]);
  });

  const cases: Array<[string, (i: number) => number]> = [
    ["all at once", () => STREAM.length],
    ["one byte per read", () => 1],
    ["reads of random size (seed 7)", randomSizes(7)],
    ["reads of random size (seed 99)", randomSizes(99)],
  ];
  for (const [name, sizes] of cases) {
    test(name, async () => {
      const before = second.received().length;
      await send(proxy.port, sizes);
      assert.equal(first.received().length, 0, "no connection reached the catch-all's cluster");
      const got = second.received();
      assert.equal(got.length, before + 1);
      assert.ok(got.at(-1)!.equals(STREAM), "the three requests went on, byte-exact, to the first request's cluster");
    });
  }
});
