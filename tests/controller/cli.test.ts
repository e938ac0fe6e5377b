// The controller's command line: `validate` prints each problem as file:line: field: message and
// exits 1 if any; `generate` writes the bootstrap, WasmPlugins and route tables, or nothing when a
// resource has an error; bad usage exits 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1/WasmPlugin";
import { runCli } from "../../controller/cli.ts";
import { checkBootstrap } from "../envoy/envoy-api.ts";
import { readBootstrap } from "../../host/config/bootstrap.ts";

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "controller-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const broken = `apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r, namespace: ns}
spec:
  hosts: [nowhere.example]
  routes:
  - name: a
    mirror: {host: nowhere.example}
    route: [{destination: {host: nowhere.example}}]
`;

test("validate on examples/mesh, as a real process: exit 0", () => {
  const out = execFileSync(process.execPath, ["--import", "tsx", "controller/cli.ts", "validate", "--dir", "examples/mesh"], { encoding: "utf8" });
  assert.match(out, /^ok: 2 MetaRouters, 2 service ports$/m);
});

test("validate prints file:line: field: message for each problem and exits 1, as a real process", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "r.yaml"), broken);
  const r = spawnSync(process.execPath, ["--import", "tsx", "controller/cli.ts", "validate", "--dir", dir], { encoding: "utf8" });
  assert.equal(r.status, 1);
  const file = join(dir, "r.yaml").replace(`${process.cwd()}/`, "");
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines.map((l) => l.split(":").slice(0, 3).join(":")), [`${file}:5: spec.hosts[0]`, `${file}:8: spec.routes[0].mirror`]);
  assert.match(lines[1], /\(unsupported\)$/);
  assert.match(r.stderr, /2 problems/);
});

test("an unsupported field alone makes validate exit 1 too", async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, "mesh"));
  writeFileSync(join(dir, "mesh", "all.yaml"), readFileSync("examples/mesh/redis.yaml", "utf8").replace("  routes:\n", "  gateways: [istio-system/gw]\n  routes:\n"));
  const r = await run("validate", "--dir", join(dir, "mesh"));
  assert.equal(r.code, 1);
  assert.equal(r.out.length, 1);
  assert.match(r.out[0], /spec\.gateways: .*\(unsupported\)$/);
});

test("bad usage exits 2: no command, an unknown command, a missing --dir, an unknown option", async () => {
  assert.equal((await run()).code, 2);
  const unknown = await run("frobnicate");
  assert.equal(unknown.code, 2);
  assert.match(unknown.err.join("\n"), /unknown command frobnicate/);
  assert.match(unknown.err.join("\n"), /validate --dir DIR/);
  assert.equal((await run("validate")).code, 2);
  assert.equal((await run("validate", "--dir", "examples/mesh", "--bogus")).code, 2);
  assert.equal((await run("generate", "--dir", "examples/mesh")).code, 2, "--out is required");
  assert.equal((await run("generate", "--dir", "examples/mesh", "--out", "/tmp/x", "--xds-address", "nope")).code, 2);
  assert.equal((await run("generate", "--dir", "examples/mesh", "--out", "/tmp/x", "--module-url", "ftp://x")).code, 2);
  assert.equal((await run("generate", "--dir", "examples/mesh", "--out", "/tmp/x", "--module-sha256", "xyz")).code, 2);
});

test("generate writes envoy.yaml, wasmplugins.yaml and routes/ that their consumers accept", async (t) => {
  const out = tempDir(t);
  const r = await run(
    "generate", "--dir", "examples/mesh", "--out", out,
    "--xds-address", "127.0.0.1:18000", "--xds-service", "meta-protocol-controller.meta-system:18000",
    "--module-url", "oci://ghcr.io/example/meta-protocol:0.1.0", "--module-sha256", "b".repeat(64),
  );
  assert.equal(r.code, 0, r.err.join("\n"));
  // The examples' ServiceEntries list endpoints (no workload selector): the server-side rate limit is reported.
  assert.equal(r.err.filter((l) => /spec\.localRateLimit: .*\(unsupported\)$/.test(l)).length, 2);
  const bootstrap = yaml.load(readFileSync(join(out, "envoy.yaml"), "utf8"));
  checkBootstrap(bootstrap);
  assert.equal(readBootstrap(bootstrap as object).listeners.length, 2);
  const plugins = yaml.loadAll(readFileSync(join(out, "wasmplugins.yaml"), "utf8")) as any[];
  // The WasmPlugins, then the EnvoyFilters that give their tcp_proxy early data.
  assert.deepEqual(plugins.map((p) => `${p.kind}/${p.metadata.name}`), [
    "WasmPlugin/dubbo-demoservice-client", "WasmPlugin/redis-client", "EnvoyFilter/dubbo-demoservice-early-data", "EnvoyFilter/redis-early-data",
  ]);
  for (const p of plugins.filter((p) => p.kind === "WasmPlugin")) new WasmPlugin(p).validate();
  for (const p of plugins.filter((p) => p.kind === "EnvoyFilter")) new EnvoyFilter(p).validate();
  assert.equal(plugins[2].spec.configPatches[0].patch.value.typed_config.max_early_data_bytes, 65536);
  assert.equal(plugins[0].spec.sha256, "b".repeat(64));
  assert.equal(plugins[0].spec.pluginConfig.rds.config_source.api_config_source.grpc_services[0].envoy_grpc.cluster_name, "outbound|18000||meta-protocol-controller.meta-system.svc.cluster.local");
  const routes = yaml.load(readFileSync(join(out, "routes", "redis.meta-redis.svc.cluster.local_6379.yaml"), "utf8")) as any;
  assert.equal(routes.name, "redis.meta-redis.svc.cluster.local_6379");
  assert.equal(routes.routes.length, 2);
  assert.ok(existsSync(join(out, "routes", "org.apache.dubbo.samples.basic.api.demoservice_20880.yaml")));
});

test("generate without --module-url writes no wasmplugins.yaml and says so", async (t) => {
  const out = tempDir(t);
  const r = await run("generate", "--dir", "examples/mesh", "--out", out);
  assert.equal(r.code, 0);
  assert.ok(existsSync(join(out, "envoy.yaml")));
  assert.equal(existsSync(join(out, "wasmplugins.yaml")), false);
  assert.match(r.err.join("\n"), /wasmplugins\.yaml not written: give --module-url/);
});

test("generate refuses to write anything when a resource has an error", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "r.yaml"), broken);
  const out = join(dir, "out");
  const r = await run("generate", "--dir", dir, "--out", out);
  assert.equal(r.code, 1);
  assert.equal(existsSync(out), false);
  assert.match(r.err.join("\n"), /spec\.hosts\[0\]: host nowhere\.example has no MetaProtocol port/);
});
