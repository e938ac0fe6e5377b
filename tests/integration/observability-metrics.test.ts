// The metrics filter (meta_protocol.filters.metrics) in build/meta_protocol.wasm, through the local
// host with the bootstrap's stats_config from controller/translate/stats-tags.ts, the real Dubbo
// consumer and provider (their own processes), and a rate limit answering some calls: the counts
// per label set that /stats/prometheus shows are those of the calls made, histogram counts those
// of the answers; Istio's naming carries Istio's labels; a flood of method names stays bounded.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ISTIO_LABELS, META_PROTOCOL_LABELS, metaProtocolStatsConfig } from "../../controller/translate/stats-tags.ts";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { checkBootstrap } from "../envoy/envoy-api.ts";
import { bootstrapFor } from "../network/support.ts";
import { PRODUCT_MODULE, startPeer, type Peer } from "./support.ts";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const hessian = require("hessian.js");
const SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
// An Istio outbound cluster name: dots and '|' inside a label value.
const CLUSTER = "outbound|20880||org.apache.dubbo.samples.basic.api.demoservice";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of /stats/prometheus (label values have no escaped quotes here). */
async function prometheus(envoy: EnvoyServer): Promise<Sample[]> {
  const text = await (await fetch(`http://127.0.0.1:${envoy.adminPort}/stats/prometheus`)).text();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2].matchAll(/(\w+)="([^"]*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

const matches = (s: Sample, want: Record<string, string>) => Object.entries(want).every(([k, v]) => s.labels[k] === v);
const sum = (samples: Sample[], name: string, want: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && matches(s, want)).reduce((n, s) => n + s.value, 0);

async function startProxy(upstreamPort: number, metrics: object): Promise<EnvoyServer> {
  const configuration = {
    statPrefix: "dubbo",
    codec: { name: "aeraki.meta_protocol.codec.dubbo" },
    metaProtocolFilters: [
      { name: "aeraki.meta_protocol.filters.router", config: { routes: [{ name: "demo", route: { cluster: CLUSTER } }] } },
      {
        name: "aeraki.meta_protocol.filters.local_ratelimit",
        config: { conditions: [{ match: { attributes: { method: { exact: "sayHello" } } }, tokenBucket: { maxTokens: 3, tokensPerFill: 3, fillInterval: "3600s" } }] },
      },
      { name: "meta_protocol.filters.metrics", config: metrics },
    ],
  };
  const bootstrap = {
    ...bootstrapFor({
      wasm: PRODUCT_MODULE,
      clusters: { [CLUSTER]: upstreamPort },
      defaultCluster: CLUSTER,
      pluginConfiguration: JSON.stringify(configuration),
      maxEarlyDataBytes: 65536,
    }),
    stats_config: metaProtocolStatsConfig(),
  };
  checkBootstrap(bootstrap);
  return startEnvoy(bootstrap, { logLevel: LogLevel.Warn });
}

interface Calls {
  responses: Array<{ ok: boolean; error?: string }>;
}

async function consumer(port: number, method: string, calls: number): Promise<Calls> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`,
    "--calls", String(calls), "--method", method], { encoding: "utf8" });
  return JSON.parse(stdout);
}

/** A two-way Dubbo request for `method(String)` with id `id`, as hessian.js (dubbo-remoting's encoder) writes it. */
function requestFrame(id: number, method: string): Buffer {
  const body = Buffer.concat([
    hessian.encode("2.0.2", "2.0"), hessian.encode(SERVICE, "2.0"), hessian.encode("1.0", "2.0"), hessian.encode(method, "2.0"),
    hessian.encode("Ljava/lang/String;", "2.0"), hessian.encode("x", "2.0"), hessian.encode({ path: SERVICE, interface: SERVICE, version: "1.0" }, "2.0"),
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt16BE(0xdabb, 0);
  header[2] = 0xc2; // request, two-way, hessian2
  header.writeBigUInt64BE(BigInt(id), 4);
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

/** Sends every frame on one connection and waits for as many responses. */
function pipeline(port: number, frames: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(Buffer.concat(frames)));
    let got = Buffer.alloc(0);
    let answered = 0;
    socket.setTimeout(20000, () => socket.destroy(new Error(`timeout after ${answered} responses`)));
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      while (got.length >= 16 && got.length >= 16 + got.readUInt32BE(12)) {
        got = got.subarray(16 + got.readUInt32BE(12));
        if (++answered === frames.length) {
          socket.destroy();
          resolve(answered);
        }
      }
    });
    socket.once("error", reject);
  });
}

describe("labelled request metrics with the real Dubbo peers", () => {
  let provider: Peer;
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
  });
  after(async () => {
    await provider?.stop();
  });

  test("meta_protocol_requests_total and the duration histogram count the calls per label set", async () => {
    const envoy = await startProxy(provider.port, {});
    try {
      const hello = await consumer(envoy.listenerPort("test"), "sayHello", 5);
      const fail = await consumer(envoy.listenerPort("test"), "fail", 2);
      const answered = hello.responses.filter((r) => r.ok).length;
      const limited = hello.responses.filter((r) => !r.ok).length;
      assert.equal(answered, 3, "the bucket holds 3 tokens");
      assert.equal(fail.responses.filter((r) => !r.ok).length, 2);

      const samples = await prometheus(envoy);
      const series = samples.filter((s) => s.name === "meta_protocol_requests_total");
      for (const s of series) assert.deepEqual(Object.keys(s.labels).sort(), [...META_PROTOCOL_LABELS].sort());
      const base = { protocol: "dubbo", route: "demo", cluster: CLUSTER };
      const expected: Array<[Record<string, string>, number]> = [
        [{ ...base, method: "sayHello", response_code: "ok" }, answered],
        [{ ...base, method: "sayHello", response_code: "over_limit" }, limited],
        [{ ...base, method: "fail", response_code: "error" }, 2],
      ];
      for (const [labels, count] of expected) {
        assert.equal(sum(samples, "meta_protocol_requests_total", labels), count, JSON.stringify(labels));
        assert.equal(sum(samples, "meta_protocol_request_duration_milliseconds_count", labels), count, JSON.stringify(labels));
      }
      // Nothing else was counted (heartbeats are not requests).
      assert.equal(sum(samples, "meta_protocol_requests_total"), 7);
    } finally {
      await envoy.close();
    }
  });

  test("naming istio: istio_requests_total with Istio's labels", async () => {
    const envoy = await startProxy(provider.port, { naming: "istio" });
    try {
      const hello = await consumer(envoy.listenerPort("test"), "sayHello", 4);
      const samples = await prometheus(envoy);
      const series = samples.filter((s) => s.name === "istio_requests_total");
      assert.ok(series.length > 0);
      for (const s of series) assert.deepEqual(Object.keys(s.labels).sort(), [...ISTIO_LABELS].sort());
      const common = {
        reporter: "source",
        request_protocol: "dubbo",
        destination_service: "org.apache.dubbo.samples.basic.api.demoservice",
        destination_service_name: "org.apache.dubbo.samples.basic.api.demoservice",
        source_workload: "unknown",
      };
      assert.equal(sum(samples, "istio_requests_total", { ...common, response_code: "ok", response_flags: "-" }), hello.responses.filter((r) => r.ok).length);
      assert.equal(sum(samples, "istio_requests_total", { ...common, response_code: "over_limit", response_flags: "RL" }), hello.responses.filter((r) => !r.ok).length);
      assert.equal(sum(samples, "istio_request_duration_milliseconds_count", common), 4);
      assert.equal(sum(samples, "meta_protocol_requests_total"), 0);
    } finally {
      await envoy.close();
    }
  });

  test("1,000 random method names stay within maxValuesPerLabel (the rest count as `other`)", async () => {
    const bound = 10;
    const envoy = await startProxy(provider.port, { maxValuesPerLabel: bound });
    try {
      const methods = Array.from({ length: 1000 }, () => `m${Math.random().toString(36).slice(2)}`);
      assert.equal(await pipeline(envoy.listenerPort("test"), methods.map((m, i) => requestFrame(i + 1, m))), 1000);
      const samples = await prometheus(envoy);
      const series = samples.filter((s) => s.name === "meta_protocol_requests_total");
      const names = new Set(series.map((s) => s.labels.method));
      assert.ok(names.has("other"));
      assert.ok(names.size <= bound + 1, `${names.size} method values`);
      // The first `bound` distinct names keep their own series, in the order they came.
      for (const m of [...new Set(methods)].slice(0, bound)) assert.ok(names.has(m), m);
      assert.equal(sum(samples, "meta_protocol_requests_total"), 1000);
      assert.equal(sum(samples, "meta_protocol_requests_total", { method: "other" }), 1000 - bound);
      assert.equal(sum(samples, "meta_protocol_request_duration_milliseconds_count"), 1000);
    } finally {
      await envoy.close();
    }
  });
});
