// envoy/demo.yaml must be a bootstrap that a real Envoy accepts: checked against Envoy's own API
// definitions, with every typed_config resolved, and run by the local host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { checkBootstrap, EnvoyConfigError } from "./envoy-api.ts";
import { readBootstrap } from "../../host/config/bootstrap.ts";

const demo = yaml.load(readFileSync("envoy/demo.yaml", "utf8")) as any;

test("envoy/demo.yaml validates against Envoy's v3 API definitions", () => {
  checkBootstrap(demo);
});

test("the plugin configuration in envoy/demo.yaml is JSON", () => {
  const value = demo.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config.configuration.value;
  assert.equal(JSON.parse(value).codec.name, "aeraki.meta_protocol.codec.redis");
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
  assert.equal(b.listeners[0].tcpProxy.cluster, "redis_server");
  assert.equal(b.listeners[0].wasm[0].rootId, "meta_protocol");
  assert.ok(b.listeners[0].wasm[0].code.length > 0);
});
