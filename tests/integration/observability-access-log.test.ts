// The access log filter (meta_protocol.filters.access_log) in build/meta_protocol.wasm, through the
// local host with the real Dubbo consumer and provider (their own processes), a rate limit answering
// some calls, and a real gRPC access log service (tests/peers/als-server.ts, Envoy's als.proto):
// one text line and one ALS entry per call, matching the calls made; a dropped stream is replaced;
// with the service gone, traffic goes on and entries beyond the buffer are dropped and counted.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { bootstrapFor } from "../network/support.ts";
import { startAlsServer, type AlsServer, type TcpEntry } from "../peers/als-server.ts";
import { PRODUCT_MODULE, startPeer, type Peer } from "./support.ts";

const run = promisify(execFile);
const CLUSTER = "outbound|20880||org.apache.dubbo.samples.basic.api.demoservice";
const SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";
const FORMAT = "ACCESS %PROTOCOL% %METADATA(interface)% %METADATA(method)% %ROUTE% %CLUSTER% %RESPONSE_CODE% %RESPONSE_FLAGS% %REQUEST_BYTES% %RESPONSE_BYTES% %DURATION%";
const LINE = /ACCESS (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$/;

interface Calls {
  responses: Array<{ ok: boolean; error?: string }>;
}

async function consumer(port: number, method: string, calls: number): Promise<Calls> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${port}`,
    "--calls", String(calls), "--method", method], { encoding: "utf8" });
  return JSON.parse(stdout);
}

async function until(what: string, done: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tag = (e: TcpEntry, key: string) => e.common_properties.custom_tags[key];

describe("access log lines and the gRPC access log service with the real Dubbo peers", () => {
  let provider: Peer;
  let als: AlsServer;
  let envoy: EnvoyServer;
  const lines: string[] = [];
  const counter = (name: string) => envoy.stats.counter(`wasmcustom.meta_protocol.access_log.dubbo_calls.${name}`);

  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    als = await startAlsServer();
    const configuration = {
      statPrefix: "dubbo",
      codec: { name: "aeraki.meta_protocol.codec.dubbo" },
      metaProtocolFilters: [
        { name: "aeraki.meta_protocol.filters.router", config: { routes: [{ name: "demo", route: { cluster: CLUSTER } }] } },
        {
          name: "aeraki.meta_protocol.filters.local_ratelimit",
          config: { conditions: [{ match: { attributes: { method: { exact: "sayHello" } } }, tokenBucket: { maxTokens: 3, tokensPerFill: 3, fillInterval: "3600s" } }] },
        },
        {
          name: "meta_protocol.filters.access_log",
          config: {
            format: FORMAT, level: "info", logName: "dubbo_calls", metadataKeys: ["version"],
            grpcService: { envoyGrpc: { clusterName: "als" } }, bufferSizeBytes: 1024, bufferFlushInterval: "0.1s",
          },
        },
      ],
    };
    envoy = await startEnvoy(
      bootstrapFor({
        wasm: PRODUCT_MODULE,
        clusters: { [CLUSTER]: provider.port, als: als.port },
        http2Clusters: ["als"],
        defaultCluster: CLUSTER,
        pluginConfiguration: JSON.stringify(configuration),
        maxEarlyDataBytes: 65536,
      }),
      { logLevel: LogLevel.Info, log: (line) => lines.push(line) },
    );
  });
  after(async () => {
    await envoy?.close();
    als?.close();
    await provider?.stop();
  });

  test("one line and one ALS entry per call, with what the call was and what became of it", async () => {
    const hello = await consumer(envoy.listenerPort("test"), "sayHello", 5);
    const fail = await consumer(envoy.listenerPort("test"), "fail", 2);
    assert.equal(fail.responses.filter((r) => r.ok).length, 0, "fail answers with an exception");
    const answered = hello.responses.filter((r) => r.ok).length;
    assert.equal(answered, 3, "the bucket holds 3 tokens");

    const parsed = lines.map((l) => LINE.exec(l)).filter((m) => m !== null).map((m) => m!.slice(1));
    assert.equal(parsed.length, 7);
    const codes = (method: string) => parsed.filter((p) => p[2] === method).map((p) => `${p[5]} ${p[6]}`).sort();
    assert.deepEqual(codes("sayHello"), [...Array(answered).fill("ok -"), ...Array(5 - answered).fill("over_limit RL")].sort());
    assert.deepEqual(codes("fail"), ["error -", "error -"]);
    for (const [protocol, iface, , route, cluster, code, , requestBytes, responseBytes, duration] of parsed) {
      assert.deepEqual([protocol, iface, route, cluster], ["dubbo", SERVICE, "demo", CLUSTER]);
      assert.ok(Number(requestBytes) > 16, "a Dubbo request is a 16-byte header and a body");
      // The codec's error reply takes the place of the server's bytes: their size is not known.
      if (code === "over_limit") assert.equal(responseBytes, "-");
      else assert.ok(Number(responseBytes) > 16);
      assert.match(duration, /^\d+$/);
    }

    await until("7 ALS entries", () => als.entries().length === 7);
    // One stream per worker (the host runs two, as Envoy runs one VM per worker thread).
    for (const stream of als.streams) {
      assert.equal(stream[0].identifier?.log_name, "dubbo_calls");
      assert.ok(stream[0].identifier?.node, "the identifier names the node");
      assert.ok(stream.slice(1).every((m) => m.identifier === null), "only the first message carries the identifier");
    }
    const entries = als.entries();
    // The same calls as the lines (streams may interleave: compared as sets).
    const key = (method: string, code: string, bytes: string) => `${method} ${code} ${bytes}`;
    assert.deepEqual(
      entries.map((e) => key(tag(e, "method"), tag(e, "response_code"), e.connection_properties!.received_bytes)).sort(),
      parsed.map((p) => key(p[2], p[5], p[7])).sort(),
    );
    for (const e of entries) {
      const c = e.common_properties;
      assert.equal(c.upstream_cluster, CLUSTER);
      assert.equal(c.route_name, "demo");
      assert.equal(tag(e, "protocol"), "dubbo");
      assert.equal(tag(e, "interface"), SERVICE);
      assert.ok(tag(e, "version") !== undefined, "metadataKeys are tagged too");
      assert.ok(Math.abs(Number(c.start_time!.seconds) * 1000 - Date.now()) < 60000, "start_time is wall time");
      assert.ok(c.duration !== null);
      const limited = tag(e, "response_code") === "over_limit";
      assert.equal(c.response_flags?.rate_limited ?? false, limited);
      if (limited) assert.equal(tag(e, "response_code_details"), "rate limited");
      else assert.ok(Number(e.connection_properties?.sent_bytes) > 16);
    }
    assert.equal(counter("entries_sent"), 7);
    assert.equal(counter("streams_opened"), als.streams.length);
  });

  test("a stream the service ends is replaced, and the new one identifies itself again", async () => {
    const before = als.entries().length;
    const streams = als.streams.length;
    als.dropStreams();
    await consumer(envoy.listenerPort("test"), "fail", 2);
    await until("2 more ALS entries", () => als.entries().length === before + 2);
    const replaced = als.streams.slice(streams);
    assert.equal(replaced.length, 1, "one connection, one worker, one new stream");
    assert.equal(replaced[0][0].identifier?.log_name, "dubbo_calls");
    assert.deepEqual(replaced[0].flatMap((m) => m.tcp_logs?.log_entry ?? []).map((e) => tag(e, "method")), ["fail", "fail"]);
    assert.equal(counter("streams_opened"), als.streams.length);
  });

  test("with the service gone, calls are answered and entries beyond the buffer are dropped and counted", async () => {
    als.close();
    await new Promise((r) => setTimeout(r, 200));
    const sent = counter("entries_sent");
    const calls = await consumer(envoy.listenerPort("test"), "fail", 20);
    assert.deepEqual(calls.responses.map((r) => r.error), Array.from({ length: 20 }, (_, i) => `failure ${i}`));
    await until("dropped entries", () => counter("entries_dropped") > 0);
    // What was neither sent nor dropped waits in the buffer (at most 1 KB of entries).
    const waiting = 20 - (counter("entries_sent") - sent) - counter("entries_dropped");
    assert.ok(waiting >= 0 && waiting < 20, `${waiting} waiting`);
  });
});
