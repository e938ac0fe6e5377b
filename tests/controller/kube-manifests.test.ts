// controller/manifests/: every document parses and is of the expected kind; the CRDs declare the
// kinds KubeSource watches and accept MetaRouters exactly as Aeraki users write them; the RBAC
// rules grant exactly what controller/kube/ does; the Deployment, Service and RBAC fit together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { checkAgainstSchema } from "../../controller/kube/crd-schema.ts";
import { GENERATED_KINDS } from "../../controller/kube/generated-objects.ts";
import { APPLICATION_PROTOCOL, EVENT, METAROUTER, WASM_PLUGIN, WATCHED_KINDS, type KindInfo } from "../../controller/kube/kinds.ts";

const load = (file: string) => yaml.loadAll(readFileSync(`controller/manifests/${file}`, "utf8")) as any[];
const crds = load("crds.yaml");
const controller = load("controller.yaml");
const byKind = (kind: string) => controller.filter((document) => document.kind === kind);

// From ../shared/design/anchors.md ("MetaRouter as Aeraki users write it").
const ANCHOR_METAROUTER = `
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: demo-route, namespace: meta-dubbo}
spec:
  hosts: [org.apache.dubbo.samples.basic.api.demoservice]
  localRateLimit:
    tokenBucket: {fillInterval: 60s, maxTokens: 10, tokensPerFill: 10}
    conditions:
    - match: {attributes: {method: {exact: sayHello}}}
      tokenBucket: {fillInterval: 10s, maxTokens: 2, tokensPerFill: 2}
  globalRateLimit:
    domain: production
    match: {attributes: {method: {exact: sayHello}}}
    rateLimitService: outbound|8081||rate-limit-server.meta-dubbo.svc.cluster.local
    requestTimeout: 100ms
    denyOnFail: true
    descriptors: [{property: method, descriptorKey: method}]
  routes:
  - name: traffic-split
    match: {attributes: {interface: {exact: org.apache.dubbo.samples.basic.api.DemoService}, method: {exact: sayHello}}}
    route:
    - {destination: {host: org.apache.dubbo.samples.basic.api.demoservice, subset: v1}, weight: 20}
    - {destination: {host: org.apache.dubbo.samples.basic.api.demoservice, subset: v2}, weight: 80}
    requestMutation: [{key: foo, value: bar}]
    responseMutation: [{key: served-by, value: v2}]
`;

// From the documentation comment of aeraki-mesh/api metaprotocol/v1alpha1/metaprotocol_metarouter.proto,
// with a presence-only attribute and a mirror added (both in that proto).
const PROTO_DOC_METAROUTER = `
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: attribute-based-route, namespace: istio-system}
spec:
  hosts:
  - org.apache.dubbo.samples.basic.api.demoservice
  gateways:
  - istio-system/ingress-gateway
  routes:
  - name: v1
    match:
      attributes:
        interface:
          exact: org.apache.dubbo.samples.basic.api.DemoService
        method:
          exact: sayHello
        x-tenant: {}
    route:
    - destination:
        host: org.apache.dubbo.samples.basic.api.demoservice
        subset: v1
        port: {number: 20880}
    mirror: {host: org.apache.dubbo.samples.basic.api.demoservice, subset: v2}
    mirrorPercentage: {value: 12.5}
`;

// From aeraki-mesh/aeraki manifests/charts/aeraki/templates/applicationprotocol.yaml.
const AERAKI_APPLICATION_PROTOCOL = `
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: ApplicationProtocol
metadata: {name: dubbo, namespace: istio-system}
spec:
  protocol: dubbo
  codec: aeraki.meta_protocol.codec.dubbo
`;

function crdFor(info: KindInfo): any {
  const crd = crds.find((document) => document.spec.names.kind === info.kind);
  assert.ok(crd, `a CRD for ${info.kind}`);
  return crd;
}

function check(info: KindInfo, object: any) {
  return checkAgainstSchema(crdFor(info).spec.versions[0].schema.openAPIV3Schema, object);
}

test("the manifests are YAML documents of the expected kinds", () => {
  assert.deepEqual(crds.map((document) => `${document.apiVersion} ${document.kind}`), [
    "apiextensions.k8s.io/v1 CustomResourceDefinition", "apiextensions.k8s.io/v1 CustomResourceDefinition",
  ]);
  assert.deepEqual(controller.map((document) => `${document.apiVersion} ${document.kind}`), [
    "v1 ServiceAccount", "rbac.authorization.k8s.io/v1 ClusterRole", "rbac.authorization.k8s.io/v1 ClusterRoleBinding",
    "v1 Service", "apps/v1 Deployment",
  ]);
});

test("the CRDs declare the MetaRouter and ApplicationProtocol kinds KubeSource watches", () => {
  for (const info of [METAROUTER, APPLICATION_PROTOCOL]) {
    const crd = crdFor(info);
    assert.equal(crd.metadata.name, `${info.plural}.${info.group}`);
    assert.equal(crd.spec.group, info.group);
    assert.equal(crd.spec.names.plural, info.plural);
    assert.equal(crd.spec.names.listKind, `${info.kind}List`);
    assert.equal(crd.spec.scope, "Namespaced");
    assert.deepEqual(crd.spec.versions.map((version: any) => [version.name, version.served, version.storage]), [[info.version, true, true]]);
    // A structural schema (required by apiextensions.k8s.io/v1): every node states its type.
    const untyped: string[] = [];
    const walk = (schema: any, path: string) => {
      if (schema.type === undefined) untyped.push(path);
      for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, `${path}.${key}`);
      if (schema.items) walk(schema.items, `${path}[]`);
      if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${path}.*`);
    };
    walk(crd.spec.versions[0].schema.openAPIV3Schema, info.kind);
    assert.deepEqual(untyped, []);
  }
});

test("the schema check refuses a schema keyword it does not understand rather than ignore it", () => {
  assert.throws(() => checkAgainstSchema({ type: "object", oneOf: [] }, {}), /oneOf/);
});

test("the MetaRouter schema accepts Aeraki's MetaRouters unchanged", () => {
  for (const text of [ANCHOR_METAROUTER, PROTO_DOC_METAROUTER]) {
    assert.deepEqual(check(METAROUTER, yaml.load(text)), []);
  }
  assert.deepEqual(check(APPLICATION_PROTOCOL, yaml.load(AERAKI_APPLICATION_PROTOCOL)), []);
});

test("the MetaRouter schema refuses wrong types and reports fields the API server would drop", () => {
  const router = yaml.load(ANCHOR_METAROUTER) as any;
  router.spec.routes[0].route[0].weight = "20";
  router.spec.routes[0].mach = router.spec.routes[0].match;
  router.spec.routes[0].match.attributes.method = { exact: "sayHello", prefix: "say" };
  router.spec.localRateLimit.tokenBucket.maxTokens = -1;
  router.spec.timeout = "1s";
  assert.deepEqual(check(METAROUTER, router).map((problem) => `${problem.field}: ${problem.message}`).sort(), [
    "spec.localRateLimit.tokenBucket.maxTokens: must be at least 0",
    "spec.routes[0].mach: unknown field: the API server would drop it",
    "spec.routes[0].match.attributes.method: must have at most 1 field(s), has exact, prefix",
    "spec.routes[0].route[0].weight: must be of type integer, not string",
    "spec.timeout: unknown field: the API server would drop it",
  ]);
});

test("the ClusterRole grants exactly what controller/kube/ does", () => {
  const [role] = byKind("ClusterRole");
  const granted = role.rules.flatMap((rule: any) =>
    rule.apiGroups.flatMap((group: string) => rule.resources.map((resource: string) => `${group}/${resource}: ${[...rule.verbs].sort().join(",")}`)),
  );
  const needed = [
    ...WATCHED_KINDS.map((info) => `${info.group}/${info.plural}: list,watch`),
    ...GENERATED_KINDS.map((info) => `${info.group}/${info.plural}: create,delete,get,list,patch,watch`),
    `${EVENT.group}/${EVENT.plural}: create`,
  ];
  assert.deepEqual(granted.sort(), needed.sort());
});

test("the Deployment, Service, ServiceAccount and binding fit together", () => {
  const [account] = byKind("ServiceAccount");
  const [binding] = byKind("ClusterRoleBinding");
  const [role] = byKind("ClusterRole");
  const [service] = byKind("Service");
  const [deployment] = byKind("Deployment");
  const namespace = account.metadata.namespace;
  assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name });
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: account.metadata.name, namespace }]);
  for (const object of [service, deployment]) assert.equal(object.metadata.namespace, namespace);

  const pod = deployment.spec.template;
  assert.equal(pod.spec.serviceAccountName, account.metadata.name);
  for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(pod.metadata.labels[key], value);
  for (const [key, value] of Object.entries(service.spec.selector)) assert.equal(pod.metadata.labels[key], value);

  assert.deepEqual(service.spec.ports.map((port: any) => port.name), ["grpc-xds", "http-module"]);
  const containerPorts = pod.spec.containers.flatMap((container: any) => container.ports.map((port: any) => port.name));
  for (const port of service.spec.ports) assert.ok(containerPorts.includes(port.targetPort), `container port ${port.targetPort}`);
});
