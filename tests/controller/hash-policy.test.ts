// A MetaRouter route's `hashPolicy` (ours: Aeraki's RouteAction.hash_policy, which MetaRouter does
// not expose) becomes the route's hash_policy in the RouteConfiguration, survives the xDS encoding
// as RouteAction field 3, is accepted by the CRD; an empty key or a value that is not a list is an
// error at its file, line and field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { readYamlText } from "../../controller/resources/read.ts";
import { translate } from "../../controller/translate/translate.ts";
import { createSnapshot } from "../../controller/xds/snapshot.ts";
import { RouteConfiguration, xdsRoot } from "../../controller/xds/proto-root.ts";
import { checkAgainstSchema } from "../../controller/kube/crd-schema.ts";

const HOST = "dubbo.ns.svc.cluster.local";

function routerWith(routes: string): string {
  return `apiVersion: v1
kind: Service
metadata: {name: dubbo, namespace: ns}
spec:
  selector: {app: dubbo}
  ports:
  - {name: tcp-metaprotocol-dubbo-server, port: 20880}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: dubbo, namespace: ns}
spec:
  host: ${HOST}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r, namespace: ns}
spec:
  hosts: [${HOST}]
  routes:
${routes}`;
}

const SPLIT = `  - name: sticky
    route:
    - {destination: {host: ${HOST}, subset: v1}, weight: 20}
    - {destination: {host: ${HOST}, subset: v2}, weight: 80}
`;

function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, needle);
  return i + 1;
}

test("hashPolicy becomes the route action's hash_policy, encoded as RouteAction field 3", () => {
  const text = routerWith(`${SPLIT}    hashPolicy: [x-user, tenant]
  - name: plain
    route: [{destination: {host: ${HOST}, subset: v1}}]
`);
  const t = translate(readYamlText("m.yaml", text));
  assert.deepEqual(t.problems, []);
  const [sticky, plain] = t.plans[0].ports[0].routeConfig.routes;
  assert.deepEqual(sticky.route, {
    weighted_clusters: { clusters: [{ name: `outbound|20880|v1|${HOST}`, weight: 20 }, { name: `outbound|20880|v2|${HOST}`, weight: 80 }] },
    hash_policy: ["x-user", "tenant"],
  });
  assert.equal("hash_policy" in plain.route, false, "a route without hashPolicy has none");

  assert.equal(xdsRoot.lookupType("aeraki.meta_protocol_proxy.config.route.v1alpha.RouteAction").fields.hash_policy.id, 3);
  const config = t.plans[0].ports[0].routeConfig;
  const packed = createSnapshot("1", [config as unknown as Record<string, unknown>]).routeConfigurations.get(config.name)!.packed;
  const decoded = RouteConfiguration.toObject(RouteConfiguration.decode(packed.value)) as any;
  assert.deepEqual(decoded.routes[0].route.hash_policy, ["x-user", "tenant"]);
  // The bytes hold each key as field 3 (tag 0x1a) of the RouteAction.
  const bytes = Buffer.from(packed.value);
  assert.ok(bytes.includes(Buffer.concat([Buffer.of(0x1a, 6), Buffer.from("x-user")])));
});

test("an empty key is an error at its file, line and field", () => {
  const text = routerWith(`${SPLIT}    hashPolicy:
    - x-user
    - ""
`);
  const t = translate(readYamlText("m.yaml", text));
  assert.deepEqual(t.problems.map((p) => [p.file, p.line, p.field, p.severity]), [["m.yaml", lineOf(text, `- ""`), "spec.routes[0].hashPolicy[1]", "error"]]);
  assert.match(t.problems[0].message, /non-empty metadata key/);
});

test("a hashPolicy that is not a list of strings is an error at its field", () => {
  for (const [value, field] of [["x-user", "spec.routes[0].hashPolicy"], ["[x-user, 7]", "spec.routes[0].hashPolicy[1]"]]) {
    const text = routerWith(`${SPLIT}    hashPolicy: ${value}
`);
    const { problems } = readYamlText("m.yaml", text);
    assert.deepEqual(problems.map((p) => [p.file, p.line, p.field]), [["m.yaml", lineOf(text, "hashPolicy:"), field]], value);
  }
});

test("the MetaRouter CRD accepts hashPolicy as a list of strings and refuses anything else", () => {
  const crd = (yaml.loadAll(readFileSync("controller/manifests/crds.yaml", "utf8")) as any[]).find((d) => d.spec?.names?.kind === "MetaRouter");
  const schema = crd.spec.versions[0].schema.openAPIV3Schema;
  const router = (hashPolicy: unknown) => ({
    spec: { hosts: [HOST], routes: [{ name: "a", route: [{ destination: { host: HOST } }], hashPolicy }] },
  });
  assert.deepEqual(checkAgainstSchema(schema, router(["x-user"])), []);
  assert.deepEqual(checkAgainstSchema(schema, router([7])).map((p) => p.field), ["spec.routes[0].hashPolicy[0]"]);
  assert.deepEqual(checkAgainstSchema(schema, router("x-user")).map((p) => p.field), ["spec.routes[0].hashPolicy"]);
});
