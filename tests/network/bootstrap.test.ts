// The local host refuses what it cannot run faithfully, naming the field, and serves admin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readBootstrap, BootstrapError } from "../../host/config/bootstrap.ts";
import { startEnvoy } from "../../host/main.ts";
import { bootstrapFor } from "./support.ts";

const base = () => bootstrapFor({ wasm: "build/test-modules/sdk_passthrough.wasm", clusters: { up: 1 }, defaultCluster: "up" }) as any;

test("an unsupported field is a startup error naming its path", () => {
  const b = base();
  b.static_resources.listeners[0].filter_chains[0].filter_chain_match = { destination_port: 1 };
  assert.throws(() => readBootstrap(b), (e: Error) => e instanceof BootstrapError && e.message === "static_resources.listeners[0].filter_chains[0].filter_chain_match: not supported by the local host");
});

test("an unsupported cluster type and a filter other than wasm/tcp_proxy are refused", () => {
  const b = base();
  b.static_resources.clusters[0].type = "EDS";
  assert.throws(() => readBootstrap(b), /static_resources\.clusters\[0\]\.type \(EDS\): not supported/);
  const c = base();
  c.static_resources.listeners[0].filter_chains[0].filters.unshift({ name: "envoy.filters.network.echo", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.echo.v3.Echo" } });
  assert.throws(() => readBootstrap(c), /filters\[0\]\.typed_config\.@type \(type\.googleapis\.com\/envoy\.extensions\.filters\.network\.echo\.v3\.Echo\): not supported/);
});

test("a module Envoy would refuse stops startup with the import named", async () => {
  const b = base();
  b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config.vm_config.code.local.filename = "build/test-modules/refused_unknown_import.wasm";
  await assert.rejects(startEnvoy(b, { logLevel: 5 }), /Failed to load Wasm module due to a missing import: env\.seed/);
});

test("admin serves /ready, /stats, /stats/prometheus and /clusters", async () => {
  const s = await startEnvoy(base(), { logLevel: 5 });
  try {
    const get = async (p: string) => (await fetch(`http://127.0.0.1:${s.adminPort}${p}`)).text();
    assert.equal(await get("/ready"), "LIVE\n");
    s.stats.inc("tcp.test.downstream_cx_total", 3);
    assert.match(await get("/stats"), /^tcp\.test\.downstream_cx_total: 3$/m);
    assert.match(await get("/stats/prometheus"), /^envoy_tcp_downstream_cx_total\{envoy_tcp_prefix="test"\} 3$/m);
    assert.match(await get("/clusters"), /^up::127\.0\.0\.1:1::health_flags::healthy$/m);
  } finally {
    await s.close();
  }
});
