// envoy/demo.yaml must be a bootstrap that a real Envoy accepts: checked against Envoy's own API
// definitions, with every typed_config resolved, and run by the local host. It is generated from
// examples/mesh by the controller, and must stay byte-equal to what the generator writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../../controller/cli.ts";
import yaml from "js-yaml";
import { checkBootstrap, EnvoyConfigError } from "./envoy-api.ts";
import { readBootstrap } from "../../host/config/bootstrap.ts";

const demo = yaml.load(readFileSync("envoy/demo.yaml", "utf8")) as any;

test("envoy/demo.yaml validates against Envoy's v3 API definitions", () => {
  checkBootstrap(demo);
});

test("envoy/demo.yaml is what `generate --dir examples/mesh --xds-address 127.0.0.1:15010 --access-log` writes", async () => {
  const out = mkdtempSync(path.join(tmpdir(), "demo-generated-"));
  try {
    const quiet = { out: () => {}, err: () => {} };
    assert.equal(await runCli(["generate", "--dir", "examples/mesh", "--xds-address", "127.0.0.1:15010", "--access-log", "--out", out], quiet), 0);
    assert.equal(readFileSync("envoy/demo.yaml", "utf8"), readFileSync(path.join(out, "envoy.yaml"), "utf8"));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("the plugin configurations in envoy/demo.yaml are JSON, one per protocol", () => {
  const codecs = demo.static_resources.listeners.map((l: any) => JSON.parse(l.filter_chains[0].filters[0].typed_config.config.configuration.value).codec.name);
  assert.deepEqual(codecs.sort(), ["aeraki.meta_protocol.codec.dubbo", "aeraki.meta_protocol.codec.redis"]);
});

test("a misspelled field is refused with its path", () => {
  const bad = structuredClone(demo);
  bad.static_resources.clusters[0].conect_timeout = "1s";
  assert.throws(() => checkBootstrap(bad), (e: Error) => e instanceof EnvoyConfigError && /clusters\[0\]\.conect_timeout: unknown field/.test(e.message));
});

test("a misspelled field inside a typed_config is refused", () => {
  const bad = structuredClone(demo);
  bad.static_resources.listeners[0].filter_chains[0].filters[1].typed_config.stat_prefx = "x";
  assert.throws(() => checkBootstrap(bad), /typed_config\.stat_prefx: unknown field of envoy\.extensions\.filters\.network\.tcp_proxy\.v3\.TcpProxy/);
});

test("an unknown enum value and an unknown @type are refused", () => {
  const badEnum = structuredClone(demo);
  badEnum.static_resources.clusters[0].type = "STATICK";
  assert.throws(() => checkBootstrap(badEnum), /STATICK is not a value/);
  const badType = structuredClone(demo);
  badType.static_resources.listeners[0].filter_chains[0].filters[1].typed_config["@type"] = "type.googleapis.com/envoy.nothing.v3.Nope";
  assert.throws(() => checkBootstrap(badType), /no such type/i);
});

test("the local host reads the same file", () => {
  const b = readBootstrap("envoy/demo.yaml");
  assert.equal(b.listeners[0].tcpProxy.cluster, "outbound|20880|v1|org.apache.dubbo.samples.basic.api.demoservice");
  assert.equal(b.listeners[0].wasm[0].rootId, "meta_protocol");
  assert.ok(b.listeners[0].wasm[0].code.length > 0);
});
