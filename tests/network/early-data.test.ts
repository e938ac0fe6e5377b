// tcp_proxy's early data against Envoy's (source/common/tcp_proxy/tcp_proxy.cc: Filter::initialize,
// onNewConnection, onData, onUpstreamConnection), with a module that pauses in on_new_connection
// and routes by the first client bytes (tests/host/modules/route_on_first_data.ts).
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import path from "node:path";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { Cluster } from "../../host/network/cluster.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { bootstrapFor, echoServer } from "./support.ts";

const MODULE = path.resolve(import.meta.dirname, "../../build/test-modules/route_on_first_data.wasm");

interface Run {
  envoy: EnvoyServer;
  a: Awaited<ReturnType<typeof echoServer>>;
  b: Awaited<ReturnType<typeof echoServer>>;
  /** The module's records: "new_connection <id>" and "data <id> <length> <eos> <bytes>". */
  seen(): string[];
  /** Its data callbacks only, as "<length> <eos> <bytes>". */
  data(): string[];
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function run(maxEarlyDataBytes?: number): Promise<Run> {
  const a = await echoServer("|from-a");
  cleanups.push(() => a.close());
  const b = await echoServer("|from-b");
  cleanups.push(() => b.close());
  const lines: string[] = [];
  const envoy = await startEnvoy(
    bootstrapFor({ wasm: MODULE, clusters: { cluster_a: a.port, cluster_b: b.port }, defaultCluster: "cluster_b", maxEarlyDataBytes }),
    { concurrency: 1, logLevel: LogLevel.Info, log: (l) => lines.push(l) },
  );
  cleanups.push(() => envoy.close());
  const seen = () => lines.filter((l) => l.includes("seen: ")).map((l) => l.slice(l.indexOf("seen: ") + 6));
  return { envoy, a, b, seen, data: () => seen().filter((s) => s.startsWith("data ")).map((s) => s.split(" ").slice(2).join(" ")) };
}

/** A client that keeps what it receives and whether the proxy closed or half-closed it. */
function client(port: number) {
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  cleanups.push(() => void socket.destroy());
  const got: Buffer[] = [];
  let closedByServer = false;
  socket.on("data", (d) => got.push(d));
  socket.on("end", () => (closedByServer = true));
  socket.on("error", () => {});
  const closed = new Promise<void>((r) => socket.once("close", () => r()));
  return {
    socket,
    received: () => Buffer.concat(got).toString(),
    closedByServer: () => closedByServer,
    closed,
    connected: new Promise((r) => socket.once("connect", r)),
  };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds every upstream connect until `release()`, as a slow upstream would: Cluster.connect is
 * wrapped for this test only (the real connect runs on release).
 */
function holdUpstreamConnects(): { held: () => number; release: () => void } {
  const original = Cluster.prototype.connect;
  const waiting: Array<() => void> = [];
  Cluster.prototype.connect = function (this: Cluster, ...args: Parameters<Cluster["connect"]>) {
    waiting.push(() => original.apply(this, args));
  };
  cleanups.push(() => void (Cluster.prototype.connect = original));
  return { held: () => waiting.length, release: () => waiting.splice(0).forEach((go) => go()) };
}

test("without max_early_data_bytes, a module pausing in on_new_connection never gets the client's bytes: the connection stalls", async () => {
  const r = await run();
  const c = client(r.envoy.listenerPort("test"));
  await c.connected;
  await until(() => r.seen().length === 1, "on_new_connection");
  c.socket.write("Alpha");
  await settle(300);
  c.socket.write("Bravo");
  await settle(300);
  assert.deepEqual(r.data(), [], "on_downstream_data is never called: tcp_proxy read-disabled the client when the chain was built");
  assert.equal(r.a.accepted() + r.b.accepted(), 0, "no cluster was picked, no upstream connection opened");
  assert.equal(r.envoy.stats.counter("tcp.test.downstream_cx_total"), 1, "tcp_proxy counted the connection in Filter::initialize");
  assert.equal(c.closedByServer(), false, "the proxy keeps the connection open");
  assert.equal(c.socket.destroyed, false);
  c.socket.destroy(); // the client gives up
  await c.closed;
});

test("with max_early_data_bytes, the module sees the first bytes once, routes, and they reach the chosen upstream exactly once", async () => {
  const r = await run(65536);
  const c = client(r.envoy.listenerPort("test"));
  await c.connected;
  c.socket.write("Alpha");
  await until(() => c.received() === "Alpha", "the echo from cluster_a");
  assert.equal(r.a.accepted(), 1);
  assert.equal(r.b.accepted(), 0);
  await settle(100); // room for a second dispatch of the same bytes, were there one
  assert.deepEqual(r.data(), ["5 0 Alpha"], "one on_downstream_data for the first bytes: no re-dispatch after tcp_proxy connected");
  c.socket.write("Bravo");
  await until(() => c.received() === "AlphaBravo", "the second echo");
  assert.deepEqual(r.data(), ["5 0 Alpha", "5 0 Bravo"], "later bytes pass once");
  c.socket.end();
  await c.closed;
  assert.equal(c.received(), "AlphaBravo|from-a", "the upstream got each byte once, in order, then the half-close");
  assert.deepEqual(r.data().at(-1), "0 1 ", "the end of stream reached the module too");
});

test("with max_early_data_bytes, the first byte picks the cluster", async () => {
  const r = await run(65536);
  const c = client(r.envoy.listenerPort("test"));
  await c.connected;
  c.socket.end("Bravo");
  await c.closed;
  assert.equal(c.received(), "Bravo|from-b");
  assert.equal(r.a.accepted(), 0);
  assert.equal(r.b.accepted(), 1);
});

test("early data read-disables the client at max_early_data_bytes until the upstream is connected; then everything arrives in order", async () => {
  const upstream = holdUpstreamConnects();
  const r = await run(8);
  const c = client(r.envoy.listenerPort("test"));
  await c.connected;
  c.socket.write("A1234");
  await until(() => r.data().length === 1 && upstream.held() === 1, "the first bytes and tcp_proxy's connect");
  c.socket.write("567");
  await until(() => r.data().length === 2, "more early data below the limit (reads stay on)");
  c.socket.write("tail");
  await settle(300);
  assert.deepEqual(r.data(), ["5 0 A1234", "3 0 567"], "8 bytes buffered in tcp_proxy: the client is read-disabled, 'tail' waits");
  assert.equal(r.a.accepted(), 0, "the upstream connection is still pending");

  upstream.release();
  await until(() => c.received() === "A1234567tail", "every byte echoed, in order");
  assert.deepEqual(r.data(), ["5 0 A1234", "3 0 567", "4 0 tail"], "reads came back on after the early data went upstream; each byte seen once");
  c.socket.end();
  await c.closed;
  assert.equal(c.received(), "A1234567tail|from-a");
});
