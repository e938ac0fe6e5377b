// The generated outputs are ones their consumers accept: WasmPlugins validate against Istio's
// schema (@kubernetes-models/istio), bootstraps against Envoy's API definitions
// (tests/envoy/envoy-api.ts) and the local host's bootstrap reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WasmPlugin } from "@kubernetes-models/istio/extensions.istio.io/v1alpha1/WasmPlugin";
import { readYamlDirectory, readYamlText, type ReadResult } from "../../controller/resources/read.ts";
import { translate } from "../../controller/translate/translate.ts";
import { istioXdsCluster, wasmPlugins } from "../../controller/translate/wasmplugin.ts";
import { envoyBootstrap, XDS_CLUSTER } from "../../controller/translate/bootstrap.ts";
import { checkBootstrap } from "../envoy/envoy-api.ts";
import { readBootstrap } from "../../host/config/bootstrap.ts";
import { createSnapshot } from "../../controller/xds/index.ts";

const EXAMPLES = "tests/controller/aeraki-examples";
const MODULE = "build/meta_protocol.wasm";

function dubboWith(file: string): ReadResult {
  const common = readYamlDirectory(`${EXAMPLES}/dubbo`);
  const path = `${EXAMPLES}/dubbo-metarouters/${file}`;
  const mr = readYamlText(path, readFileSync(path, "utf8"));
  return { resources: [...common.resources, ...mr.resources], problems: [...common.problems, ...mr.problems] };
}

const pluginConfigOf = (listener: any) => JSON.parse(listener.filter_chains[0].filters[0].typed_config.config.configuration.value);

test("Aeraki's local rate limit example becomes a CLIENT WasmPlugin (routes) and a SERVER one (rate limit), both valid for Istio", () => {
  const t = translate(dubboWith("metarouter-local-ratelimit.yaml"));
  const xdsCluster = istioXdsCluster("meta-protocol-controller", "meta-system", 18000);
  const { plugins, problems } = wasmPlugins(t.plans, { url: "oci://ghcr.io/example/meta-protocol:0.1.0", sha256: "a".repeat(64), xdsCluster });
  assert.deepEqual(problems, []);
  assert.deepEqual(plugins.map((p) => [p.metadata.name, p.metadata.namespace]), [
    ["test-metaprotocol-dubbo-route-client", "meta-dubbo"],
    ["test-metaprotocol-dubbo-route-server", "meta-dubbo"],
  ]);
  for (const p of plugins) new WasmPlugin(p as any).validate();
  const [client, server] = plugins.map((p) => p.spec as any);
  assert.equal(client.selector, undefined, "the consumers: every workload of the namespace");
  assert.deepEqual(client.match, [{ mode: "CLIENT", ports: [{ number: 20880 }] }]);
  assert.deepEqual(client.pluginConfig.meta_protocol_filters, [{ name: "meta_protocol.filters.metrics" }, { name: "aeraki.meta_protocol.filters.router" }]);
  assert.equal(client.pluginConfig.rds.config_source.api_config_source.grpc_services[0].envoy_grpc.cluster_name, "outbound|18000||meta-protocol-controller.meta-system.svc.cluster.local");
  assert.deepEqual(server.selector, { matchLabels: { app: "dubbo-sample-provider" } });
  assert.deepEqual(server.match, [{ mode: "SERVER", ports: [{ number: 20880 }] }]);
  assert.deepEqual(server.pluginConfig.meta_protocol_filters.map((f: any) => f.name), ["meta_protocol.filters.metrics", "aeraki.meta_protocol.filters.local_ratelimit"]);
  assert.equal(server.pluginConfig.route_config, undefined);
  for (const spec of [client, server]) {
    assert.equal(spec.type, "NETWORK");
    assert.equal(spec.pluginName, "meta_protocol");
    assert.equal(spec.failStrategy, "FAIL_CLOSE");
    assert.equal(spec.sha256, "a".repeat(64));
  }
  // The schema check is live: a wrong value is refused.
  const bad = structuredClone(plugins[0]) as any;
  bad.spec.failStrategy = "FAIL_SOMETIMES";
  assert.throws(() => new WasmPlugin(bad).validate(), /failStrategy/);
});

test("a local rate limit for a service without workload selector cannot go server side: reported, not dropped", () => {
  const t = translate(readYamlDirectory("examples/mesh"));
  const { plugins, problems } = wasmPlugins(t.plans, { url: "https://example.com/meta_protocol.wasm" });
  assert.deepEqual(plugins.map((p) => p.metadata.name), ["dubbo-demoservice-client", "redis-client"]);
  for (const p of plugins) new WasmPlugin(p as any).validate();
  assert.deepEqual(problems.map((p) => [p.file, p.field, p.severity]), [
    ["examples/mesh/dubbo.yaml", "spec.localRateLimit", "unsupported"],
    ["examples/mesh/redis.yaml", "spec.localRateLimit", "unsupported"],
  ]);
});

test("examples/mesh: the bootstrap passes Envoy's API definitions and the local host's reader", () => {
  const t = translate(readYamlDirectory("examples/mesh"));
  assert.deepEqual(t.problems, []);
  const { bootstrap } = envoyBootstrap(t.plans, t.mesh, { moduleFile: MODULE, xdsAddress: { host: "127.0.0.1", port: 18000 } });
  checkBootstrap(bootstrap);
  const host = readBootstrap(bootstrap);
  assert.deepEqual(host.listeners.map((l) => [l.name, l.address.port]), [
    ["org.apache.dubbo.samples.basic.api.demoservice_20880", 40880],
    ["redis.meta-redis.svc.cluster.local_6379", 26379],
  ]);
  assert.ok(host.clusters.get(XDS_CLUSTER)!.http2, "the xDS cluster speaks HTTP/2");
  // Subset clusters hold the ServiceEntry endpoints whose labels match the subset.
  const endpoints = (name: string) => host.clusters.get(name)!.endpoints.map((e) => `${e.host}:${e.port}`);
  assert.deepEqual(endpoints("outbound|20880|v1|org.apache.dubbo.samples.basic.api.demoservice"), ["127.0.0.1:20880"]);
  assert.deepEqual(endpoints("outbound|20880|v2|org.apache.dubbo.samples.basic.api.demoservice"), ["127.0.0.1:20881"]);
  assert.deepEqual(endpoints("outbound|6379|cache|redis.meta-redis.svc.cluster.local"), ["127.0.0.1:16380"]);
  assert.deepEqual(endpoints("outbound|6379|server|redis.meta-redis.svc.cluster.local"), ["127.0.0.1:16379"]);
  assert.equal(host.listeners[0].tcpProxy.cluster, "outbound|20880|v1|org.apache.dubbo.samples.basic.api.demoservice", "the first route's first cluster");
});

test("examples/mesh redis: routing by the first key and a rate limit on INCR, to the demo's two redis-servers", () => {
  const t = translate(readYamlDirectory("examples/mesh"));
  const bootstrap = envoyBootstrap(t.plans, t.mesh, { moduleFile: MODULE }).bootstrap as any;
  const redis = bootstrap.static_resources.listeners.find((l: any) => l.name.startsWith("redis"));
  const config = pluginConfigOf(redis);
  assert.equal("rds" in config, false, "no xDS address, no rds");
  assert.equal(config.codec.name, "aeraki.meta_protocol.codec.redis");
  const [metrics, limit, router] = config.meta_protocol_filters;
  assert.equal(metrics.name, "meta_protocol.filters.metrics");
  assert.deepEqual(limit.config.conditions, [
    { match: { metadata: [{ name: "method", string_match: { exact: "INCR" } }] }, token_bucket: { max_tokens: 50, tokens_per_fill: 50, fill_interval: "3600s" } },
  ]);
  assert.equal(router.name, "aeraki.meta_protocol.filters.router");
  assert.deepEqual(config.route_config.routes.map((r: any) => [r.match?.metadata ?? null, r.route.cluster]), [
    [[{ name: "key", string_match: { prefix: "cache:" } }], "outbound|6379|cache|redis.meta-redis.svc.cluster.local"],
    [null, "outbound|6379|server|redis.meta-redis.svc.cluster.local"],
  ]);
  // The demo's upstreams (scripts/demo.ts): redis-server on 16379, its cache on 16380.
  const generated = readBootstrap(bootstrap);
  assert.deepEqual(generated.clusters.get("outbound|6379|server|redis.meta-redis.svc.cluster.local")!.endpoints, [{ host: "127.0.0.1", port: 16379 }]);
  assert.deepEqual(generated.clusters.get("outbound|6379|cache|redis.meta-redis.svc.cluster.local")!.endpoints, [{ host: "127.0.0.1", port: 16380 }]);
});

test("Aeraki's examples without endpoints give valid bootstraps too (a subset with no endpoint is an empty cluster)", () => {
  for (const file of ["metarouter-v1.yaml", "traffic-split.yaml", "metarouter-header-mutation.yaml", "metarouter-local-ratelimit.yaml"]) {
    const t = translate(dubboWith(file));
    const { bootstrap } = envoyBootstrap(t.plans, t.mesh, { moduleFile: MODULE, xdsAddress: { host: "localhost", port: 18000 }, listenerPortOffset: 1000 });
    checkBootstrap(bootstrap);
    const host = readBootstrap(bootstrap);
    assert.equal(host.listeners[0].address.port, 21880);
    assert.equal(host.clusters.get(XDS_CLUSTER)!.type, "STRICT_DNS", "a host name is resolved");
  }
  const t = translate(readYamlDirectory(`${EXAMPLES}/brpc`, { defaultNamespace: "meta-brpc" }));
  const { bootstrap } = envoyBootstrap(t.plans, t.mesh, { moduleFile: MODULE });
  checkBootstrap(bootstrap);
  assert.equal(readBootstrap(bootstrap).clusters.get("outbound|8000|v1|brpc-echo-server.meta-brpc.svc.cluster.local")!.endpoints.length, 0);
});

test("every route table encodes as Aeraki's RouteConfiguration proto (through the xDS server's snapshot)", () => {
  const tables = [
    ...["metarouter-v1.yaml", "traffic-split.yaml", "metarouter-header-mutation.yaml", "metarouter-local-ratelimit.yaml", "traffic-mirroring.yaml"].map((f) => translate(dubboWith(f))),
    translate(readYamlDirectory(`${EXAMPLES}/brpc`, { defaultNamespace: "meta-brpc" })),
    translate(readYamlDirectory("examples/mesh")),
  ].flatMap((t) => t.plans.flatMap((p) => p.ports.map((port) => port.routeConfig)));
  // Every matcher kind and both route actions, with response mutation.
  const every = translate(
    readYamlText(
      "all.yaml",
      `apiVersion: v1
kind: Service
metadata: {name: s, namespace: n}
spec: {ports: [{name: tcp-metaprotocol-thrift, port: 9090}]}
---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r, namespace: n}
spec:
  hosts: [s.n.svc.cluster.local]
  routes:
  - name: all
    match: {attributes: {a: {exact: x}, b: {prefix: y}, c: {regex: "z+"}, d: {}}}
    route: [{destination: {host: s.n.svc.cluster.local}}]
    responseMutation: [{key: k, value: v}]
`,
    ),
  );
  assert.deepEqual(every.problems, []);
  const all = every.plans[0].ports[0].routeConfig;
  assert.deepEqual(all.routes[0].match!.metadata.map((m) => m.string_match ?? m), [{ exact: "x" }, { prefix: "y" }, { safe_regex: { regex: "z+" } }, { name: "d", present_match: true }]);
  assert.equal(tables.length, 8);
  for (const table of [...tables, all]) {
    const snapshot = createSnapshot("1", [table as any]);
    assert.ok(snapshot.routeConfigurations.get(table.name)!.packed.value.length > 0);
  }
});

test("two services on one port cannot both have a plain-Envoy listener: the second is reported and left out", () => {
  const twoRedis = readFileSync("examples/mesh/redis.yaml", "utf8");
  const other = twoRedis.replaceAll("redis.meta-redis.svc.cluster.local", "redis2.meta-redis.svc.cluster.local").replace(/name: redis\n/g, "name: redis2\n");
  const t = translate(readYamlText("two.yaml", `${twoRedis}---\n${other}`));
  assert.deepEqual(t.problems, []);
  const { bootstrap, problems } = envoyBootstrap(t.plans, t.mesh, { moduleFile: MODULE });
  assert.equal(readBootstrap(bootstrap).listeners.length, 1);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].severity, "unsupported");
  assert.equal(problems[0].field, "spec.hosts[0]");
  assert.match(problems[0].message, /listener port 26379 is already redis\.meta-redis\.svc\.cluster\.local_6379's/);
  assert.equal(envoyBootstrap(t.plans, t.mesh, { moduleFile: MODULE, listenerPortOffset: 60000 }).problems.length, 2, "ports above 65535");
});
