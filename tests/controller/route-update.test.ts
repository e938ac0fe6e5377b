// The controller end to end: `serve` on a folder of resources, the bootstrap `generate` writes run
// in the local host, the module discovering its routes over the real gRPC stream. Editing the
// MetaRouter file while Dubbo traffic flows moves new connections to the new route within a
// second with no client error; a regex the module would refuse is refused by the controller itself
// (it checks with the module's compiler), and one sent by a control plane without that check is
// NACKed (the xDS server sees why, the module keeps its table); the controller going away and
// coming back leaves traffic on the last good routes, then the stream reconnects and resyncs.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startController, type RunningController } from "../../controller/commands/serve.ts";
import { readYamlDirectory } from "../../controller/resources/read.ts";
import { startXdsServer } from "../../controller/xds/server.ts";
import { createSnapshot } from "../../controller/xds/snapshot.ts";
import { envoyBootstrap } from "../../controller/translate/bootstrap.ts";
import { translate } from "../../controller/translate/translate.ts";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { startPeer, type Peer } from "../integration/support.ts";
import { callOnce } from "../peers/dubbo-raw-call.ts";

const run = promisify(execFile);

const HOST = "org.apache.dubbo.samples.basic.api.demoservice";
const V1 = `outbound|20880|v1|${HOST}`;
const V2 = `outbound|20880|v2|${HOST}`;
/** What the controller reports (its problems, its versions). */
const reported: string[] = [];
const io = { out: (l: string) => void reported.push(l), err: (l: string) => void reported.push(l) };

function resources(v1: number, v2: number, routes: string): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata: {name: demo, namespace: meta-dubbo}
spec:
  hosts: [${HOST}]
  ports: [{number: 20880, name: tcp-metaprotocol-dubbo-server, protocol: TCP}]
  resolution: STATIC
  endpoints:
  - {address: 127.0.0.1, ports: {tcp-metaprotocol-dubbo-server: ${v1}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {tcp-metaprotocol-dubbo-server: ${v2}}, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: demo, namespace: meta-dubbo}
spec:
  host: ${HOST}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: demo, namespace: meta-dubbo}
spec:
  hosts: [${HOST}]
  routes:
${routes}
`;
}

const toSubset = (subset: string, match = "") => `  - name: to-${subset}
${match}    route: [{destination: {host: ${HOST}, subset: ${subset}}}]`;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("controller: live routes over route discovery", () => {
  let dir: string;
  let file: string;
  let v1: Peer;
  let v2: Peer;
  let xdsPort: number;
  let controller: RunningController | undefined;
  let envoy: EnvoyServer;
  let listener: number;
  const cx = (cluster: string) => envoy.stats.counter(`cluster.${cluster}.upstream_cx_total`);
  const module = (name: string) => envoy.stats.counter(`wasmcustom.meta_protocol.dubbo.${name}`);
  const write = (routes: string) => writeFileSync(file, resources(v1.port, v2.port, routes));
  const serve = async (port: number) => startController({ dir, xdsPort: port, httpPort: 0, host: "127.0.0.1", wasm: "build/meta_protocol.wasm" }, io);

  before(async () => {
    [v1, v2] = await Promise.all([startPeer("tests/peers/dubbo-server.ts"), startPeer("tests/peers/dubbo-server.ts")]);
    dir = mkdtempSync(path.join(tmpdir(), "meta-routes-"));
    file = path.join(dir, "demo.yaml");
    write(toSubset("v1"));
    controller = await serve(0);
    xdsPort = controller.xdsPort;
    listener = await freePort();
    const translation = translate(readYamlDirectory(dir));
    const { bootstrap } = envoyBootstrap(translation.plans, translation.mesh, {
      moduleFile: "build/meta_protocol.wasm", xdsAddress: { host: "127.0.0.1", port: xdsPort }, listenerPortOffset: listener - 20880, adminPort: 0,
    });
    envoy = await startEnvoy(bootstrap);
    await until("the first route table", () => module("rds.update_success") >= 1);
  });

  after(async () => {
    await envoy?.close();
    await controller?.close();
    await Promise.all([v1?.stop(), v2?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the real Dubbo client's calls follow the discovered route", async () => {
    const before = cx(V1);
    const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${listener}`, "--calls", "20", "--concurrency", "4"], { encoding: "utf8" });
    assert.equal(JSON.parse(stdout).ok, 20);
    assert.ok(cx(V1) > before);
    assert.equal(cx(V2), 0);
  });

  test("editing the MetaRouter moves new connections within a second, with no client error", async () => {
    let id = 1;
    const seen: Array<{ at: number; cluster: string }> = [];
    let editedAt = 0;
    let errors = 0;
    const traffic = (async () => {
      while (editedAt === 0 || Date.now() - editedAt < 1500) {
        const [a, b] = [cx(V1), cx(V2)];
        const at = Date.now();
        const status = await callOnce(listener, id++).catch(() => -1);
        if (status !== 20) errors++;
        seen.push({ at, cluster: cx(V2) > b ? "v2" : cx(V1) > a ? "v1" : "?" });
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    editedAt = Date.now();
    write(toSubset("v2"));
    await traffic;
    assert.equal(errors, 0);
    const after = seen.filter((s) => s.at >= editedAt);
    const first = after.find((s) => s.cluster === "v2");
    assert.ok(first, "no connection reached v2");
    assert.ok(first.at - editedAt < 1000, `took ${first.at - editedAt} ms`);
    assert.deepEqual(after.filter((s) => s.at >= editedAt + 1000).map((s) => s.cluster).filter((c) => c !== "v2"), []);
    assert.ok(seen.some((s) => s.at < editedAt && s.cluster === "v1"));
  });

  test("a regex the module would refuse is refused by the controller; sent by another control plane, the module NACKs it", async () => {
    const accepted = module("rds.update_success");
    const version = controller!.version();
    // RE2 refuses a repeat count over 1000 (JavaScript accepts it): the controller checks with the
    // module's own compiler, reports the field and keeps the version in force.
    reported.length = 0;
    const bad = toSubset("v1", "    match: {attributes: {method: {regex: \"a{1001}\"}}}\n");
    write(bad);
    await until("the controller's refusal", () => reported.some((l) => l.includes("keeping version")));
    assert.ok(reported.some((l) => /spec\.routes\[0\]\.match\.attributes\.method\.regex.*repetition count above 1000/.test(l)), reported.join("\n"));
    assert.equal(controller!.version(), version);

    // A control plane without that check sends the table anyway: the module NACKs it with the reason.
    await controller!.close();
    controller = undefined;
    const other = await startXdsServer({ port: xdsPort, host: "127.0.0.1", log: () => {} });
    try {
      const table = translate(readYamlDirectory(dir)).plans.flatMap((plan) => plan.ports.map((port) => port.routeConfig));
      other.setSnapshot(createSnapshot("other-1", table as never));
      await until("a NACK", () => module("rds.update_rejected") >= 1, 10000);
      await until("the NACK at the xDS server", () => other.status()[0]?.nacked !== undefined);
      const status = other.status();
      assert.match(String(status[0]?.nacked?.error), /repetition count above 1000/);
      assert.equal(status[0].node, "meta-protocol-envoy", "the module sends the bootstrap's node.id");
      assert.equal(module("rds.update_success"), accepted);
      const before = cx(V2);
      assert.equal(await callOnce(listener, 9000), 20);
      assert.equal(cx(V2), before + 1, "still on the last good table (to v2)");
    } finally {
      await other.close();
      write(toSubset("v2"));
      controller = await serve(xdsPort);
    }
  });

  test("the controller goes away: traffic keeps the last good routes; it comes back: the stream resyncs", async () => {
    write(toSubset("v2"));
    await controller!.close();
    controller = undefined;
    const before = cx(V2);
    for (let i = 0; i < 3; i++) assert.equal(await callOnce(listener, 9100 + i), 20);
    assert.equal(cx(V2), before + 3);
    write(toSubset("v1"));
    const accepted = module("rds.update_success");
    controller = await serve(xdsPort);
    await until("the resync", () => module("rds.update_success") > accepted, 10000);
    const v1Before = cx(V1);
    assert.equal(await callOnce(listener, 9200), 20);
    assert.equal(cx(V1), v1Before + 1);
  });
});
