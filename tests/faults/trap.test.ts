// Fault: a filter traps. build/test-modules/trap_filter.wasm (tests/faults/modules/trap_filter.ts)
// is the product framework plus a filter that executes `unreachable` on a request whose method is
// "boom", before the fault filter, which holds INCR for 300 ms (a held request and a tick). Through
// the local host, one worker (one VM), to a real redis-server.
//
// What the host copies from Envoy: a trap fails the VM for good (proxy-wasm-cpp-host's
// WasmBase::fail, host/wasm/vm.ts); then
// - fail_open: FilterConfig::createFilter in source/extensions/filters/network/wasm/wasm_filter.h
//   returns no filter for a failed VM, so new connections run without the module
//   (host/network/filter-chain.ts wasmFilterFactory, WasmPlugin.createFilter); an existing
//   connection's next callback answers Continue (CHECK_FAIL in proxy-wasm-cpp-host src/context.cc,
//   ContextBase::onDownstreamData), so its bytes, held ones included, go on to tcp_proxy;
// - fail closed: the same CHECK_FAIL calls failStream (Envoy's Context::failStream in
//   source/extensions/common/wasm/context.cc closes the connection) once per connection, on its
//   next callback, new connections included, before tcp_proxy starts (WasmNetworkFilter.result).
// Neither closes an idle connection at the moment of the trap: a connection whose request is held
// is released on its next event. The root's tick keeps firing into the failed VM, as Envoy's
// Wasm::tickHandler re-arms it whatever the VM's state (source/extensions/common/wasm/wasm.cc); the
// calls are not made (Vm.call).
import assert from "node:assert/strict";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { TEST_MODULES } from "../host/support.ts";
import { redisCommand } from "./frames.ts";
import { sleep, startFaultHost, startRedis, until, type FaultHost } from "./support.ts";

const TRAP_MODULE = path.join(TEST_MODULES, "trap_filter.wasm");
const HOLD_MS = 300;
const FILTERS = [
  { name: "test.trap" },
  { name: "meta_protocol.filters.fault", config: { faults: [{ match: { attributes: { method: { exact: "INCR" } } }, delay: { fixedDelay: `${HOLD_MS}ms` } }] } },
];

/** A client connection that keeps what it receives and knows when the proxy closed it. */
class Session {
  readonly socket: net.Socket;
  private parts: Buffer[] = [];
  closed = false;
  readonly ready: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect({ port, host: "127.0.0.1" });
    this.socket.on("data", (d) => this.parts.push(d));
    this.socket.on("error", () => {});
    this.socket.on("close", () => (this.closed = true));
    this.ready = new Promise((r) => this.socket.once("connect", () => r()));
  }

  get received(): string {
    return Buffer.concat(this.parts).toString();
  }

  async send(...words: string[]): Promise<void> {
    await this.ready;
    this.socket.write(redisCommand(...words));
  }
}

function setup(failOpen: boolean) {
  const ctx = {} as { redis: Awaited<ReturnType<typeof startRedis>>; proxy: FaultHost; log: string[] };
  before(async () => {
    ctx.redis = await startRedis();
    ctx.log = [];
    ctx.proxy = await startFaultHost({ codec: "redis", upstreamPort: ctx.redis.port, wasm: TRAP_MODULE, filters: FILTERS, failOpen, log: (l) => ctx.log.push(l) });
  });
  after(async () => {
    await ctx.proxy?.close();
    await ctx.redis?.stop();
  });
  return ctx;
}

/** Connection `held` has an INCR held by the fault filter; connection `trapper` then sends BOOM. */
async function holdThenTrap(proxy: FaultHost, key: string): Promise<{ held: Session; trapper: Session }> {
  const held = new Session(proxy.port);
  await held.send("INCR", key);
  await until(() => proxy.tickPeriodMs() > 0 && proxy.liveContexts() === 1, "the INCR to be held");
  const trapper = new Session(proxy.port);
  await trapper.send("BOOM");
  await until(() => proxy.vms()[0]?.failed === true, "the trap");
  return { held, trapper };
}

const upstreamConnections = (proxy: FaultHost) => proxy.envoy.stats.counter("cluster.upstream.upstream_cx_total");
const listenerStat = (proxy: FaultHost, name: string) => proxy.envoy.stats.counter(`listener.127.0.0.1_${proxy.port}.${name}`);

describe("a trap in a filter, fail closed", () => {
  const ctx = setup(false);

  test("the trapping connection and every later one are closed before reaching the upstream; the held one on its next event; nothing is left", async () => {
    const { proxy } = ctx;
    const { held, trapper } = await holdThenTrap(proxy, `trap-closed:${Date.now()}`);
    await until(() => trapper.closed, "the trapping connection to close");
    assert.equal(trapper.received, "", "no answer to BOOM");
    assert.ok(ctx.log.some((l) => /proxy_on_downstream_data failed/.test(l)), "the trap is logged as Envoy logs it");

    // New connections: closed at once, counted by the listener, no upstream connection made.
    const upstreamBefore = upstreamConnections(proxy);
    const destroyedBefore = listenerStat(proxy, "downstream_cx_destroy");
    const later = [new Session(proxy.port), new Session(proxy.port)];
    for (const s of later) await s.send("GET", "x");
    await until(() => later.every((s) => s.closed), "new connections to be closed");
    assert.ok(later.every((s) => s.received === ""));
    assert.equal(upstreamConnections(proxy), upstreamBefore, "fail closed opens no upstream connection");
    assert.equal(listenerStat(proxy, "downstream_cx_destroy"), destroyedBefore + 2);

    // The held INCR's wake-up passes without effect; its connection closes on its next event.
    await sleep(HOLD_MS + 100);
    assert.equal(held.closed, false, "an idle connection is not closed at the trap (Envoy's CHECK_FAIL acts per callback)");
    await held.send("INCR", "other");
    await until(() => held.closed, "the held connection to close on its next event");
    assert.equal(held.received, "", "the held request never went on");

    await until(() => proxy.liveContexts() === 0, "every context to be gone");
    assert.equal(proxy.envoy.stats.gauge(`listener.127.0.0.1_${proxy.port}.downstream_cx_active`), 0);
    assert.equal(proxy.envoy.stats.gauge("cluster.upstream.upstream_cx_active"), 0, "the held connection's upstream is closed too");
  });
});

describe("a trap in a filter, two workers", () => {
  test("only the trapping worker's VM fails: the other worker's connections keep the module", async () => {
    const redis = await startRedis();
    // Connections go to the workers in turn: the 1st and 3rd to worker 0, the 2nd to worker 1.
    const proxy = await startFaultHost({ codec: "redis", upstreamPort: redis.port, wasm: TRAP_MODULE, filters: FILTERS, concurrency: 2 });
    try {
      const trapper = new Session(proxy.port);
      await trapper.send("BOOM");
      await until(() => trapper.closed, "the trapping connection to close");
      const other = new Session(proxy.port);
      await other.send("GET", "nothing-here");
      await until(() => other.received.length > 0, "an answer from the healthy worker");
      assert.equal(other.received, "$-1\r\n");
      const third = new Session(proxy.port);
      await third.send("GET", "nothing-here");
      await until(() => third.closed, "the failed worker to close its next connection");
      assert.deepEqual(proxy.vms().map((vm) => vm.failed).sort(), [false, true]);
      assert.equal(proxy.counter("request"), 1, "the healthy worker's module counted its request");
      other.socket.end();
      await until(() => proxy.liveContexts() === 0, "every context to be gone");
    } finally {
      await proxy.close();
      await redis.stop();
    }
  });
});

describe("a trap in a filter, fail open", () => {
  const ctx = setup(true);

  test("traffic passes without the module: the trapping request, new connections, and the held request on its next event", async () => {
    const { proxy } = ctx;
    const key = `trap-open:${Date.now()}`;
    const { held, trapper } = await holdThenTrap(proxy, key);
    // BOOM went on to redis-server, which does not know it.
    await until(() => trapper.received.length > 0, "redis-server's answer to BOOM");
    assert.match(trapper.received, /^-ERR unknown command 'BOOM'/);
    assert.equal(trapper.closed, false);

    // A new connection has no wasm filter: redis-server answers directly.
    const fresh = new Session(proxy.port);
    await fresh.send("INCR", `${key}:fresh`);
    await until(() => fresh.received.length > 0, "an answer on a new connection");
    assert.equal(fresh.received, ":1\r\n");
    assert.equal(proxy.vms()[0].connections.size, 2, "the new connection made no context in the failed VM");

    // The held INCR is still in the host's read buffer; the next event passes it on, in order.
    await sleep(HOLD_MS + 100);
    assert.equal(held.received, "", "the held request waits for its connection's next event");
    await held.send("INCR", key);
    await until(() => held.received === ":1\r\n:2\r\n", "both INCRs answered in order");

    for (const s of [held, trapper, fresh]) s.socket.end();
    await until(() => proxy.liveContexts() === 0, "every context to be gone");
    await until(() => proxy.envoy.stats.gauge("cluster.upstream.upstream_cx_active") === 0, "upstream connections to close");
  });
});
