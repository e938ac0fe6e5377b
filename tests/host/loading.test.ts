// Loading as Envoy loads: the host refuses what Envoy refuses, naming the import (purpose-built
// modules in tests/host/modules), and build/meta_protocol.wasm imports only what Envoy registers,
// with Envoy's signatures, and exports what Envoy calls.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ENVOY_IMPORTS } from "../../host/wasm/envoy-imports.ts";
import { importedFunctions } from "../../host/wasm/module-check.ts";
import { PluginLoadError, WasmPlugin } from "../../host/wasm/plugin.ts";
import { SharedData } from "../../host/wasm/shared-data.ts";
import { StatsStore } from "../../host/stats.ts";
import { PRODUCT_MODULE } from "../integration/support.ts";
import { TEST_MODULES } from "./support.ts";

function load(file: string): WasmPlugin {
  return WasmPlugin.load(
    { name: "t", rootId: "t", vmId: "t", code: readFileSync(file), vmConfiguration: new Uint8Array(0), pluginConfiguration: new Uint8Array(0), failOpen: false },
    { stats: new StatsStore(), log: () => {}, sharedData: new SharedData(), cluster: () => undefined },
  );
}

const refusals: Array<[string, RegExp]> = [
  ["refused_no_abi_marker", /ABI version/i],
  ["refused_unknown_import", /missing import: env\.seed/],
  ["refused_wrong_signature", /env\.proxy_log/],
  ["refused_env_abort", /missing import: env\.abort/],
];

for (const [name, message] of refusals) {
  test(`refuses ${name.replace("refused_", "").replaceAll("_", " ")} as Envoy does`, () => {
    assert.throws(() => load(path.join(TEST_MODULES, `${name}.wasm`)), (e: Error) => e instanceof PluginLoadError && message.test(e.message));
  });
}

test("build/meta_protocol.wasm imports only Envoy's host functions, with Envoy's signatures", () => {
  const imports = importedFunctions(readFileSync(PRODUCT_MODULE));
  assert.ok(imports.length > 5);
  for (const i of imports) {
    const expected = ENVOY_IMPORTS[i.module]?.[i.name];
    assert.ok(expected, `${i.module}.${i.name} is not registered by Envoy`);
    assert.deepEqual(i.signature, expected, `${i.module}.${i.name} signature`);
  }
  const names = imports.map((i) => i.name);
  for (const forbidden of ["abort", "seed", "trace"]) assert.ok(!names.includes(forbidden), `imports env.${forbidden}`);
});

test("build/meta_protocol.wasm exports the ABI marker, malloc, memory and every callback Envoy calls for a network filter", () => {
  const module = new WebAssembly.Module(readFileSync(PRODUCT_MODULE));
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  assert.equal(exports.get("memory"), "memory");
  for (const name of [
    "proxy_abi_version_0_2_1", "malloc", "_initialize", "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure",
    "proxy_on_tick", "proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data",
    "proxy_on_downstream_connection_close", "proxy_on_upstream_connection_close", "proxy_on_done", "proxy_on_log", "proxy_on_delete",
    "proxy_on_grpc_receive_initial_metadata", "proxy_on_grpc_receive", "proxy_on_grpc_receive_trailing_metadata", "proxy_on_grpc_close",
  ]) {
    assert.equal(exports.get(name), "function", `${name} exported`);
  }
});
