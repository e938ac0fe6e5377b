// The WasmPlugin example in the README must be one Istio accepts: validate it against Istio's
// own schema (@kubernetes-models/istio), and show a wrong value is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1/WasmPlugin";

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
