// Aeraki's own documented MetaRouter examples (tests/controller/aeraki-examples/, each file names
// its source), fed through the translator unchanged: the route tables and the module's plugin
// configuration come out as Aeraki's RouteConfiguration / MetaProtocolProxy; and every semantic
// problem is reported at the right file, line and field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readYamlDirectory, readYamlText, type ReadResult } from "../../controller/resources/read.ts";
import { translate } from "../../controller/translate/translate.ts";
import { pluginConfiguration } from "../../controller/translate/plugin-config.ts";

const EXAMPLES = "tests/controller/aeraki-examples";
const HOST = "org.apache.dubbo.samples.basic.api.demoservice";
const cluster = (subset: string) => `outbound|20880|${subset}|${HOST}`;

/** The Dubbo demo's ServiceEntry and DestinationRule plus one of Aeraki's MetaRouter files. */
function dubboWith(metaRouterFile: string): ReadResult {
  const common = readYamlDirectory(`${EXAMPLES}/dubbo`);
  const path = `${EXAMPLES}/dubbo-metarouters/${metaRouterFile}`;
  const mr = readYamlText(path, readFileSync(path, "utf8"));
  return { resources: [...common.resources, ...mr.resources], problems: [...common.problems, ...mr.problems] };
}

function lineOf(file: string, needle: string): number {
  const i = readFileSync(file, "utf8").split("\n").findIndex((l) => l.includes(needle));
  assert.ok(i >= 0);
  return i + 1;
}

test("Aeraki routing example (metarouter-v1.yaml): attributes become metadata matchers, the subset an Istio cluster", () => {
  const t = translate(dubboWith("metarouter-v1.yaml"));
  assert.deepEqual(t.problems, []);
  assert.equal(t.plans.length, 1);
  const [port] = t.plans[0].ports;
  assert.equal(port.port.codec, "aeraki.meta_protocol.codec.dubbo");
  assert.deepEqual(port.routeConfig, {
    name: `${HOST}_20880`,
    routes: [
      {
        name: "v1",
        match: { metadata: [{ name: "foo", string_match: { exact: "bar" } }, { name: "method", string_match: { exact: "sayHello" } }] },
        route: { cluster: cluster("v1") },
      },
    ],
  });
});

test("Aeraki traffic split example: weighted clusters with the written weights", () => {
  const t = translate(dubboWith("traffic-split.yaml"));
  assert.deepEqual(t.problems, []);
  const route = t.plans[0].ports[0].routeConfig.routes[0];
  assert.equal(route.match!.metadata.length, 3);
  assert.deepEqual(route.route, { weighted_clusters: { clusters: [{ name: cluster("v1"), weight: 20 }, { name: cluster("v2"), weight: 80 }] } });
});

test("Aeraki header mutation example: request_mutation, and a destination without subset or port uses the service port", () => {
  const t = translate(dubboWith("metarouter-header-mutation.yaml"));
  assert.deepEqual(t.problems, []);
  assert.deepEqual(t.plans[0].ports[0].routeConfig.routes, [
    { name: "header-mutation", route: { cluster: cluster("") }, request_mutation: [{ key: "foo", value: "bar" }, { key: "foo1", value: "bar1" }] },
  ]);
});

test("Aeraki local rate limit example: the filter config with Envoy token buckets, in front of the router", () => {
  const t = translate(dubboWith("metarouter-local-ratelimit.yaml"));
  assert.deepEqual(t.problems, []);
  const plan = t.plans[0];
  const config = pluginConfiguration(plan, plan.ports[0], { localRateLimit: true, routing: true });
  assert.deepEqual(config, {
    stat_prefix: "dubbo",
    codec: { name: "aeraki.meta_protocol.codec.dubbo" },
    meta_protocol_filters: [
      { name: "meta_protocol.filters.metrics" },
      {
        name: "aeraki.meta_protocol.filters.local_ratelimit",
        config: {
          stat_prefix: "dubbo",
          token_bucket: { max_tokens: 10, tokens_per_fill: 10, fill_interval: "60s" },
          conditions: [
            { match: { metadata: [{ name: "method", string_match: { exact: "sayHello" } }] }, token_bucket: { max_tokens: 2, tokens_per_fill: 2, fill_interval: "10s" } },
          ],
        },
      },
      { name: "aeraki.meta_protocol.filters.router" },
    ],
    route_config: { name: `${HOST}_20880`, routes: [{ name: "v1", route: { cluster: cluster("v1") } }] },
  });
  assert.equal("rds" in config, false, "no rds without an xDS cluster");
});

test("the plugin configuration asks for its routes over RDS when an xDS cluster is given", () => {
  const t = translate(dubboWith("metarouter-v1.yaml"));
  const config = pluginConfiguration(t.plans[0], t.plans[0].ports[0], { localRateLimit: true, routing: true, xdsCluster: "xds" });
  assert.deepEqual(config.rds, {
    route_config_name: `${HOST}_20880`,
    config_source: { api_config_source: { api_type: "GRPC", transport_api_version: "V3", grpc_services: [{ envoy_grpc: { cluster_name: "xds" } }] } },
  });
  assert.deepEqual(config.route_config, t.plans[0].ports[0].routeConfig, "the inline table serves until RDS answers");
});

test("Aeraki global rate limit example: the module's ratelimit filter, configured as Aeraki's RateLimit", () => {
  const t = translate(dubboWith("metarouter-global-ratelimit.yaml"));
  assert.deepEqual(t.problems, []);
  assert.deepEqual(t.plans[0].globalRateLimit, {
    domain: "production",
    failure_mode_deny: true,
    rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: "outbound|8081||rate-limit-server.meta-dubbo.svc.cluster.local" } }, transport_api_version: "V3" },
    descriptors: [{ property: "method", descriptor_key: "method" }],
    match: { metadata: [{ name: "method", string_match: { exact: "sayHello" } }] },
    timeout: "0.1s",
  });
});

test("Aeraki traffic mirroring example: reported as not possible in stock Envoy, at its line", () => {
  const file = `${EXAMPLES}/dubbo-metarouters/traffic-mirroring.yaml`;
  const t = translate(dubboWith("traffic-mirroring.yaml"));
  assert.deepEqual(t.problems.map((p) => [p.line, p.field, p.severity]), [[lineOf(file, "mirror:"), "spec.routes[0].mirror", "unsupported"]]);
  assert.match(t.problems[0].message, /not possible in stock Envoy/);
  assert.deepEqual(t.plans[0].ports[0].routeConfig.routes[0].route, { cluster: cluster("v1") }, "the route itself still translates");
});

test("Aeraki bRPC example: ApplicationProtocol, a namespace-less Service and a short DestinationRule host", () => {
  const t = translate(readYamlDirectory(`${EXAMPLES}/brpc`, { defaultNamespace: "meta-brpc" }));
  assert.deepEqual(t.problems, []);
  const host = "brpc-echo-server.meta-brpc.svc.cluster.local";
  assert.equal(t.plans[0].service.host, host);
  assert.deepEqual(t.plans[0].service.selector, { app: "brpc-echo-server" });
  assert.deepEqual(t.plans[0].ports[0].routeConfig.routes[0].route, {
    weighted_clusters: { clusters: [{ name: `outbound|8000|v1|${host}`, weight: 20 }, { name: `outbound|8000|v2|${host}`, weight: 80 }] },
  });
  // In another namespace the same files name another host, and the MetaRouter's host is unknown.
  const elsewhere = translate(readYamlDirectory(`${EXAMPLES}/brpc`));
  assert.equal(elsewhere.problems.length, 1);
  assert.match(elsewhere.problems[0].message, /has no MetaProtocol port/);
});

// --- every semantic problem kind, at its file, line and field ---

const mesh = `apiVersion: v1
kind: Service
metadata: {name: dubbo, namespace: ns}
spec:
  selector: {app: dubbo}
  ports:
  - {name: tcp-metaprotocol-dubbo-server, port: 20880}
  - {name: http, port: 8080}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: dubbo, namespace: ns}
spec:
  host: dubbo.ns.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]
`;

function problemsOf(text: string) {
  return translate(readYamlText("m.yaml", text)).problems;
}

function routerWith(routes: string, host = "dubbo.ns.svc.cluster.local"): string {
  return `${mesh}---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r, namespace: ns}
spec:
  hosts: [${host}]
  routes:
${routes}`;
}

function textLine(text: string, needle: string, after = 0): number {
  const i = text.split("\n").findIndex((l, n) => n >= after && l.includes(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

test("a MetaRouter host without a tcp-metaprotocol-* port, or without any service, is an error at spec.hosts[0]", () => {
  const text = `${routerWith("  - route: [{destination: {host: dubbo.ns.svc.cluster.local}}]").replace("tcp-metaprotocol-dubbo-server", "tcp-dubbo")}`;
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.line, p.field]), [[textLine(text, "hosts:"), "spec.hosts[0]"]]);
  assert.match(problems[0].message, /Service dubbo has no port named tcp-metaprotocol/);
  const unknown = routerWith("  - route: [{destination: {host: other.example}}]", "other.example");
  assert.match(problemsOf(unknown)[0].message, /no Service or ServiceEntry defines it/);
});

test("an unknown protocol in a port name, and an ApplicationProtocol with an unknown codec, are errors", () => {
  const text = routerWith("  - route: [{destination: {host: dubbo.ns.svc.cluster.local}}]\n").replace("tcp-metaprotocol-dubbo-server", "tcp-metaprotocol-kafka-server");
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.line, p.field]), [
    [textLine(text, "tcp-metaprotocol-kafka"), "spec.ports[0].name"],
    [textLine(text, "hosts:"), "spec.hosts[0]"],
  ]);
  assert.match(problems[0].message, /unknown protocol kafka/);
  const declared = `${text}---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: ApplicationProtocol
metadata: {name: kafka}
spec: {protocol: kafka, codec: aeraki.meta_protocol.codec.dubbo}
`;
  assert.deepEqual(problemsOf(declared), [], "an ApplicationProtocol declares the protocol");
  const badCodec = declared.replace("codec: aeraki.meta_protocol.codec.dubbo", "codec: aeraki.meta_protocol.codec.kafka");
  const codecProblem = problemsOf(badCodec).find((p) => p.field === "spec.codec")!;
  assert.equal(codecProblem.line, textLine(badCodec, "codec: aeraki.meta_protocol.codec.kafka"));
  assert.match(codecProblem.message, /unknown codec aeraki\.meta_protocol\.codec\.kafka/);
});

test("a destination subset no DestinationRule defines is an error at its subset field", () => {
  const text = routerWith(`  - name: a
    route:
    - destination: {host: dubbo.ns.svc.cluster.local, subset: v1}
      weight: 50
    - destination:
        host: dubbo.ns.svc.cluster.local
        subset: v9
      weight: 50
`);
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.line, p.field]), [[textLine(text, "subset: v9"), "spec.routes[0].route[1].destination.subset"]]);
  assert.match(problems[0].message, /subset v9 of dubbo\.ns\.svc\.cluster\.local is not defined/);
});

test("the regex checker is the module's compiler built alone, importing nothing (no env.abort)", () => {
  const checker = new WebAssembly.Module(readFileSync(new URL("../../build/regex-check.wasm", import.meta.url)));
  assert.deepEqual(WebAssembly.Module.imports(checker), []);
  assert.ok(WebAssembly.Module.exports(checker).some((e) => e.name === "regexError"));
});

test("regexes: RE2 ones translate to safe_regex; what the module's compiler refuses is an error in its words", () => {
  const good = routerWith(`  - match: {attributes: {method: {regex: "say(Hello|Bye)[0-9]*"}}}
    route: [{destination: {host: dubbo.ns.svc.cluster.local}}]
`);
  const t = translate(readYamlText("m.yaml", good));
  assert.deepEqual(t.problems, []);
  assert.deepEqual(t.plans[0].ports[0].routeConfig.routes[0].match, { metadata: [{ name: "method", string_match: { safe_regex: { regex: "say(Hello|Bye)[0-9]*" } } }] });
  // a{1001}: JavaScript accepts it, RE2 and the module refuse it (repetition over 1000).
  const refused = [["say(Hello", /missing \) at position 3/], ["(a)\\\\1", /backreference/], ["say(?=Hello)", /lookahead/], ["(?<!x)y", /lookbehind/],
    ["a{1001}", /repetition count above 1000/]] as const;
  for (const [regex, why] of refused) {
    const text = routerWith(`  - match:
      attributes:
        method:
          regex: '${regex.replace(/\\\\/g, "\\")}'
    route: [{destination: {host: dubbo.ns.svc.cluster.local}}]
`);
    const problems = problemsOf(text);
    assert.equal(problems.length, 1, regex);
    assert.equal(problems[0].field, "spec.routes[0].match.attributes.method.regex");
    assert.equal(problems[0].line, textLine(text, "regex:"));
    assert.match(problems[0].message, why);
  }
});

test("weights that add up to 0 are an error at the route's destinations", () => {
  const text = routerWith(`  - route:
    - destination: {host: dubbo.ns.svc.cluster.local, subset: v1}
    - destination: {host: dubbo.ns.svc.cluster.local}
`);
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.line, p.field]), [[textLine(text, "- route:"), "spec.routes[0].route"]]);
  assert.match(problems[0].message, /weights/);
});

test("a destination port the service lacks is an error; another port of the service is allowed", () => {
  const text = routerWith(`  - route: [{destination: {host: dubbo.ns.svc.cluster.local, port: {number: 9999}}}]
  - route: [{destination: {host: dubbo.ns.svc.cluster.local, port: {number: 8080}}}]
`);
  const t = translate(readYamlText("m.yaml", text));
  assert.deepEqual(t.problems.map((p) => p.field), ["spec.routes[0].route[0].destination.port.number"]);
  assert.deepEqual(t.plans[0].ports[0].routeConfig.routes.map((r) => r.route), [{ cluster: "outbound|8080||dubbo.ns.svc.cluster.local" }]);
});

test("two MetaRouters for one host: the second is an error naming the first", () => {
  const second = `---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r2, namespace: other}
spec:
  hosts: [dubbo.ns.svc.cluster.local]
`;
  const text = routerWith("  - route: [{destination: {host: dubbo.ns.svc.cluster.local}}]\n") + second;
  const t = translate(readYamlText("m.yaml", text));
  assert.equal(t.plans.length, 1);
  assert.equal(t.problems.length, 1);
  assert.equal(t.problems[0].line, textLine(text, "hosts:", textLine(text, "name: r2")));
  assert.ok(t.problems[0].message.includes(`already has MetaRouter ns/r (m.yaml:${textLine(text, "hosts:")})`), t.problems[0].message);
});

test("more than one host, gateways and exportTo are reported as unsupported, not dropped", () => {
  const text = routerWith("  - route: [{destination: {host: dubbo.ns.svc.cluster.local}}]\n", "dubbo.ns.svc.cluster.local, b.example")
    .replace("spec:\n  hosts: [dubbo.ns.svc.cluster.local, b.example]", "spec:\n  gateways: [istio-system/gw]\n  exportTo: ['.']\n  hosts: [dubbo.ns.svc.cluster.local, b.example]");
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.field, p.severity]), [
    ["spec.gateways", "unsupported"],
    ["spec.exportTo", "unsupported"],
    ["spec.hosts[1]", "unsupported"],
  ]);
});

test("a local rate limit bucket with no tokens is an error at maxTokens", () => {
  const text = routerWith("  - route: [{destination: {host: dubbo.ns.svc.cluster.local}}]\n") + `  localRateLimit:
    tokenBucket: {fillInterval: 1s, maxTokens: 0}
`;
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => [p.line, p.field]), [[textLine(text, "maxTokens: 0"), "spec.localRateLimit.tokenBucket.maxTokens"]]);
});
