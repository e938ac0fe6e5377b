// stats_flush_interval in build/meta_protocol.wasm: with it, counters, gauges and the metrics
// filter's labelled counters reach the host's stats from the root's tick and when a connection
// closes, equal to the traffic sent, and a tick with nothing to send makes no host call; without
// it they reach the stats at the end of every callback. Driven through the real ABI (the plugin
// with the host's call counter), then end to end through the local host with its real timer.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { describe, test } from "node:test";
import { BenchConnection } from "../../bench/bench-connection.ts";
import { PROTOCOLS } from "../../bench/frames.ts";
import { startEnvoy } from "../../host/main.ts";
import { StatsStore } from "../../host/stats.ts";
import { SharedData } from "../../host/wasm/shared-data.ts";
import { WasmPlugin } from "../../host/wasm/plugin.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { rawServer } from "../faults/support.ts";
import { bootstrapFor } from "../network/support.ts";
import { PRODUCT_MODULE } from "./support.ts";

const ROUTES = { name: "r", routes: [{ name: "all", route: { cluster: "upstream" } }] };
const FILTERS = [{ name: "meta_protocol.filters.metrics" }, { name: "aeraki.meta_protocol.filters.router" }];
const stat = (name: string) => `wasmcustom.meta_protocol.redis.${name}`;

function configuration(flush: string | undefined): string {
  return JSON.stringify({
    statPrefix: "redis", codec: { name: "aeraki.meta_protocol.codec.redis" }, meta_protocol_filters: FILTERS, route_config: ROUTES,
    ...(flush === undefined ? {} : { stats_flush_interval: flush }),
  });
}

/** The sum of the labelled request counters (one per label set). */
const labelledRequests = (stats: StatsStore) =>
  [...stats.counters].filter(([n]) => n.includes("meta_protocol_requests_total")).reduce((s, [, v]) => s + v, 0);
const labelledSamples = (stats: StatsStore) =>
  [...stats.histograms].filter(([n]) => n.includes("meta_protocol_request_duration_milliseconds")).reduce((s, [, h]) => s + h.count, 0);

/** The plugin on one detached connection, with the host calls it makes counted by name. */
function plugin(flush: string | undefined) {
  const stats = new StatsStore();
  const calls: string[] = [];
  const p = WasmPlugin.load(
    {
      name: "t", rootId: "t", vmId: "t", code: readFileSync(PRODUCT_MODULE), failOpen: false,
      vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(configuration(flush)),
    },
    {
      stats, log: (level, m) => level >= LogLevel.Warn && console.error(m), sharedData: new SharedData(),
      cluster: () => undefined, onHostCall: (name) => calls.push(name),
    },
  );
  let connection: BenchConnection | null = null;
  let sent = 0;
  return {
    stats, calls,
    open() {
      connection = new BenchConnection(p);
    },
    /** One request and its response, each alone in its callback. */
    call() {
      connection!.exchange(PROTOCOLS.redis.request(Buffer.from("v"), ++sent), PROTOCOLS.redis.response(sent));
      assert.equal(connection!.closed, false);
    },
    /** The host calls one root tick makes. */
    tick(): string[] {
      const from = calls.length;
      p.vm.call("proxy_on_tick", p.vm.rootContextId);
      return calls.slice(from);
    },
    close() {
      connection?.close();
      p.close();
    },
  };
}

describe("stats_flush_interval through the ABI", () => {
  test("counts wait for the tick, arrive whole, and an idle tick makes no host call", () => {
    const t = plugin("60s");
    assert.deepEqual(t.tick(), [], "a tick before any connection");
    t.open();
    assert.equal(t.stats.gauge(stat("connection_active")), 0, "the open waits for the tick");
    assert.deepEqual(t.tick(), ["proxy_increment_metric"]);
    assert.equal(t.stats.gauge(stat("connection_active")), 1);
    for (let i = 0; i < 10; i++) t.call();
    assert.equal(t.stats.counter(stat("request")), 0, "nothing flushed per callback");
    assert.equal(labelledRequests(t.stats), 0);
    assert.equal(labelledSamples(t.stats), 10, "duration samples are sent when taken");
    assert.equal(t.stats.histograms.has(stat("request_time_ms")), false, "the metrics filter's histogram stands for it");
    const flushed = t.tick();
    assert.ok(flushed.length > 0 && flushed.every((n) => n === "proxy_increment_metric"), flushed.join());
    assert.equal(t.stats.counter(stat("request")), 10);
    assert.equal(t.stats.counter(stat("response")), 10);
    assert.equal(t.stats.counter(stat("response_success")), 10);
    assert.equal(t.stats.gauge(stat("connection_active")), 1);
    assert.equal(t.stats.gauge(stat("request_active")), 0);
    assert.equal(labelledRequests(t.stats), 10);
    assert.deepEqual(t.tick(), [], "nothing moved since the last tick");
    // A closing connection sends its counts without waiting for a tick.
    for (let i = 0; i < 5; i++) t.call();
    t.close();
    assert.equal(t.stats.counter(stat("request")), 15);
    assert.equal(t.stats.counter(stat("response")), 15);
    assert.equal(labelledRequests(t.stats), 15);
    assert.equal(t.stats.gauge(stat("connection_active")), 0);
  });

  test("without it, each callback's counts arrive at its end and the core histogram is the filter's", () => {
    const t = plugin(undefined);
    t.open();
    assert.equal(t.stats.gauge(stat("connection_active")), 1);
    for (let i = 1; i <= 3; i++) {
      t.call();
      assert.equal(t.stats.counter(stat("request")), i);
      assert.equal(t.stats.counter(stat("response")), i);
      assert.equal(labelledRequests(t.stats), i);
    }
    assert.equal(t.stats.gauge(stat("connection_active")), 1);
    assert.equal(t.stats.histograms.has(stat("request_time_ms")), false);
    assert.equal(labelledSamples(t.stats), 3);
    t.close();
  });

  test("a bad value is refused, naming the field", () => {
    const lines: string[] = [];
    assert.throws(() =>
      WasmPlugin.load(
        {
          name: "t", rootId: "t", vmId: "t", code: readFileSync(PRODUCT_MODULE), failOpen: false,
          vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(configuration("soon")),
        },
        { stats: new StatsStore(), log: (_l, m) => lines.push(m), sharedData: new SharedData(), cluster: () => undefined },
      ),
    );
    assert.ok(lines.some((l) => l.includes("statsFlushInterval")), lines.join("\n"));
  });
});

/** An upstream that answers each 3-line Redis command (as PROTOCOLS.redis writes them) with +OK. */
function okServer() {
  return rawServer((s) => {
    s.on("end", () => s.end()); // rawServer allows half-open sockets: close when the proxy does
    let text = "";
    s.on("data", (chunk) => {
      text += chunk.toString("latin1");
      let end: number;
      // A request ends after its value line: "*3", "$3", "SET", "$n", key, "$n", value = 7 lines.
      while ((end = nthLineEnd(text, 7)) >= 0) {
        text = text.slice(end);
        s.write("+OK\r\n");
      }
    });
  });
}

function nthLineEnd(text: string, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const crlf = text.indexOf("\r\n", at);
    if (crlf < 0) return -1;
    at = crlf + 2;
  }
  return at;
}

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("end to end: the host's tick brings the counts of an open connection, its close the gauge", async () => {
  const upstream = await okServer();
  const envoy = await startEnvoy(
    bootstrapFor({
      wasm: PRODUCT_MODULE, clusters: { upstream: upstream.port }, defaultCluster: "upstream",
      pluginConfiguration: configuration("0.05s"), maxEarlyDataBytes: 65536,
    }),
    { logLevel: LogLevel.Warn },
  );
  const socket = net.connect(envoy.listenerPort("test"), "127.0.0.1");
  try {
    const n = 25;
    let replies = 0;
    socket.on("data", (chunk) => (replies += chunk.toString("latin1").split("+OK\r\n").length - 1));
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(Buffer.concat(Array.from({ length: n }, (_, i) => PROTOCOLS.redis.request(Buffer.from("v"), i))));
    await until("the replies", () => replies === n);
    await until("the tick's flush", () => envoy.stats.counter(stat("request")) === n && labelledRequests(envoy.stats) === n);
    assert.equal(envoy.stats.counter(stat("response_success")), n);
    assert.equal(envoy.stats.gauge(stat("connection_active")), 1);
    assert.equal(envoy.stats.gauge(stat("request_active")), 0);
    socket.destroy();
    await until("the close", () => envoy.stats.gauge(stat("connection_active")) === 0);
    assert.equal(envoy.stats.counter(stat("request")), n);
  } finally {
    socket.destroy();
    await envoy.close();
    await upstream.close();
  }
});
