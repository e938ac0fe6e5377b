// The WasmPlugin example in the README must be one Istio accepts: validate it against Istio's
// own schema (@kubernetes-models/istio), show a wrong value is refused, and check that the module
// accepts its pluginConfig.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1/WasmPlugin";
import { StatsStore } from "../../host/stats.ts";
import { WasmPlugin as WasmRuntimePlugin } from "../../host/wasm/plugin.ts";
import { SharedData } from "../../host/wasm/shared-data.ts";

const example = yaml.load(readFileSync("examples/istio/wasmplugin.yaml", "utf8")) as Record<string, any>;

test("examples/istio/wasmplugin.yaml validates against Istio's WasmPlugin schema", () => {
  assert.equal(example.spec.type, "NETWORK");
  new WasmPlugin(example as any).validate();
});

test("the schema refuses a WasmPlugin with an unknown plugin type", () => {
  const bad = structuredClone(example);
  bad.spec.type = "TCP";
  assert.throws(() => new WasmPlugin(bad as any).validate(), /type/);
});

test("the schema refuses a WasmPlugin without url", () => {
  const bad = structuredClone(example);
  delete bad.spec.url;
  assert.throws(() => new WasmPlugin(bad as any).validate(), /url/);
});

test("the module accepts the example's pluginConfig as Istio hands it over (a JSON string)", () => {
  const load = (configuration: unknown) =>
    WasmRuntimePlugin.load(
      {
        name: example.metadata.name, rootId: example.spec.pluginName, vmId: "", code: readFileSync("build/meta_protocol.wasm"),
        vmConfiguration: new Uint8Array(0), pluginConfiguration: Buffer.from(JSON.stringify(configuration)), failOpen: false,
      },
      { stats: new StatsStore(), log: () => {}, sharedData: new SharedData(), cluster: () => undefined },
    );
  load(example.spec.pluginConfig).close();
  const bad = structuredClone(example.spec.pluginConfig);
  bad.metaProtocolFilters[0].config.tokenBucket.fillInterval = "soon";
  assert.throws(() => load(bad), /rejected its configuration/);
});
