// The host's filter manager against Envoy's (source/common/network/filter_manager_impl.cc,
// connection_impl.cc): filters of our own before and after the real wasm filter, through
// startEnvoy's test-only `filterChain` option.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import path from "node:path";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import type { NetworkFilterFactory } from "../../host/network/filter-chain.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { bootstrapFor, echoServer } from "./support.ts";
import { collect, CountingFilter, EchoFilter, GateFilter, TagWriteFilter } from "./test-filters.ts";

const MODULES = path.resolve(import.meta.dirname, "../../build/test-modules");

interface Run {
  envoy: EnvoyServer;
  upstream: Awaited<ReturnType<typeof echoServer>>;
  /** The host_rules module's records ("rule: ..." lines), when it is the module. */
  rules(): string[];
  close(): Promise<void>;
}

async function run(
  module: string,
  mode: string,
  chain: (fromBootstrap: NetworkFilterFactory[]) => NetworkFilterFactory[],
  maxEarlyDataBytes?: number,
): Promise<Run> {
  const upstream = await echoServer("|up");
  const lines: string[] = [];
  const envoy = await startEnvoy(
    bootstrapFor({
      wasm: path.join(MODULES, module),
      clusters: { cluster_a: upstream.port, cluster_b: upstream.port, up: upstream.port },
      defaultCluster: "up",
      pluginConfiguration: mode,
      maxEarlyDataBytes,
    }),
    { concurrency: 1, logLevel: LogLevel.Info, log: (l) => lines.push(l), filterChain: (_name, fromBootstrap) => chain(fromBootstrap) },
  );
  return {
    envoy,
    upstream,
    rules: () => lines.filter((l) => l.includes("rule: ")).map((l) => l.slice(l.indexOf("rule: ") + 6)),
    close: async () => {
      await envoy.close();
      await upstream.close();
    },
  };
}

/** A client that keeps what it receives; `ended` resolves when the server half-closes or closes. */
function client(port: number) {
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  const got: Buffer[] = [];
  socket.on("data", (d) => got.push(d));
  socket.on("error", () => {});
  const ended = new Promise<void>((r) => {
    socket.once("end", () => r());
    socket.once("close", () => r());
  });
  return { socket, received: () => Buffer.concat(got).toString(), ended, connected: new Promise((r) => socket.once("connect", r)) };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("without early data, tcp_proxy read-disables the client when the chain is built: a filter before it that stops in onNewConnection gets no bytes", async () => {
  const gates = collect(() => new GateFilter());
  const r = await run("host_rules.wasm", "", (chain) => [gates.factory, ...chain]);
  try {
    const c = client(r.envoy.listenerPort("test"));
    await c.connected;
    c.socket.write("hello");
    await until(() => gates.made.length === 1, "the connection's chain");
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(gates.made[0].seen, [], "Filter::initialize disabled reads before any onNewConnection");
    assert.equal(r.upstream.accepted(), 0, "tcp_proxy has not started");
    c.socket.destroy();
  } finally {
    await r.close();
  }
});

test("with early data, a filter before the wasm filter that stops holds it back; once it continues, the wasm filter starts and sees the bytes once", async () => {
  const gates = collect(() => new GateFilter());
  const r = await run("host_rules.wasm", "", (chain) => [gates.factory, ...chain], 65536);
  try {
    const atStart = r.rules().length; // the root context's records
    const c = client(r.envoy.listenerPort("test"));
    await c.connected;
    c.socket.write("hello");
    await until(() => gates.made[0]?.seen.length === 1, "the gate's onData");
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(r.rules().slice(atStart), [], "the wasm filter has not been reached: no context, no data");
    assert.equal(r.upstream.accepted(), 0, "tcp_proxy has not started");

    gates.made[0].open();
    await until(() => c.received() === "hello", "the echo through tcp_proxy");
    await new Promise((res) => setTimeout(res, 50));
    const rules = r.rules().slice(atStart);
    const id = /^new_connection (\d+)$/.exec(rules[1] ?? "")?.[1];
    assert.ok(id, `the wasm filter's context starts on continueReading: ${rules.join(" / ")}`);
    assert.deepEqual(
      rules,
      [`create ${id} 1`, `new_connection ${id}`, `downstream ${id} 5 0`, `upstream ${id} 5 0`],
      "it sees the 5 bytes the gate held once (tcp_proxy keeps them as early data, nothing is dispatched again), then the echo",
    );
    assert.deepEqual(gates.made[0].seen, ["hello"], "continueReading resumed after the gate");
    c.socket.end();
    await c.ended;
  } finally {
    await r.close();
  }
});

test("a filter after the wasm filter, in tcp_proxy's place, receives what the wasm filter passes on", async () => {
  const echoes = collect(() => new EchoFilter());
  // host_rules "buffers": pauses on the first bytes, then rewrites the whole buffer to "AB" + rest + "!".
  const r = await run("host_rules.wasm", "buffers", ([wasm]) => [wasm, echoes.factory]);
  try {
    const c = client(r.envoy.listenerPort("test"));
    await c.connected;
    c.socket.write("abc");
    await until(() => r.rules().some((l) => /^downstream \d+ 3 0$/.test(l)), "the first onData");
    assert.deepEqual(echoes.made[0].received, [], "the wasm filter paused: nothing passed on");
    c.socket.write("defgh");
    await until(() => c.received() === "ABcdefgh!", "the echo filter's answer");
    assert.deepEqual(echoes.made[0].received, ["ABcdefgh!"], "the echo filter got the wasm filter's edited bytes once");
    assert.ok(r.rules().some((l) => /^upstream \d+ 9 0$/.test(l)), "its answer went through the wasm filter as a write filter");
    c.socket.end();
    await c.ended;
    assert.equal(r.upstream.accepted(), 0, "no tcp_proxy in this chain");
  } finally {
    await r.close();
  }
});

test("with early data, a filter before a module that pauses and routes sees each byte once, before and after tcp_proxy connects", async () => {
  const counters = collect(() => new CountingFilter());
  // pause_then_route: pauses on_new_connection, routes on the first byte ("A" -> cluster_a), continue_stream.
  const r = await run("pause_then_route.wasm", "", (chain) => [counters.factory, ...chain], 65536);
  try {
    const c = client(r.envoy.listenerPort("test"));
    await c.connected;
    c.socket.write("Alpha");
    await until(() => c.received() === "Alpha", "the echo");
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(counters.made[0].calls, [{ bytes: "Alpha", endStream: false }], "no fake read event: tcp_proxy never read-disabled the client");
    c.socket.write("Bravo");
    await until(() => c.received() === "AlphaBravo", "the second echo");
    assert.deepEqual(counters.made[0].calls.map((x) => x.bytes), ["Alpha", "Bravo"], "later bytes pass once");
    c.socket.end();
    await c.ended;
  } finally {
    await r.close();
  }
});

test("write filters run in the reverse of the chain's order", async () => {
  const echoes = collect(() => new EchoFilter());
  const r = await run("host_rules.wasm", "", () => [
    (m) => m.addFilter(new TagWriteFilter("[first]")),
    (m) => m.addFilter(new TagWriteFilter("[second]")),
    echoes.factory,
  ]);
  try {
    const c = client(r.envoy.listenerPort("test"));
    await c.connected;
    c.socket.write("x");
    await until(() => c.received().length > 0 && c.received().endsWith("]") && c.received().split("[").length === 3, "the tagged echo");
    assert.equal(c.received(), "x[second][first]");
    c.socket.end();
    await c.ended;
  } finally {
    await r.close();
  }
});

test("a chain without read filters closes the connection (ActiveTcpListener::newConnection)", async () => {
  const r = await run("host_rules.wasm", "", () => []);
  try {
    const c = client(r.envoy.listenerPort("test"));
    await c.ended;
    assert.equal(c.received(), "");
    assert.equal(r.envoy.stats.counter(`listener.127.0.0.1_${r.envoy.listenerPort("test")}.downstream_cx_destroy`), 1);
  } finally {
    await r.close();
  }
});
