// The resource reader: YAML documents with the line of every field, kinds and API versions, and
// the strict schemas of Aeraki's kinds (a problem names file, line and field path).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYamlDocuments } from "../../controller/resources/yaml-documents.ts";
import { readYamlText } from "../../controller/resources/read.ts";
import { formatProblem } from "../../controller/resources/problem.ts";
import { parseDuration, protoDuration } from "../../controller/resources/duration.ts";

/** The 1-based line of the first line of `text` containing `needle` (after `from`). */
function lineOf(text: string, needle: string, from = ""): number {
  const lines = text.split("\n");
  const start = from === "" ? 0 : lines.findIndex((l) => l.includes(from));
  const i = lines.findIndex((l, n) => n >= start && l.includes(needle));
  assert.ok(i >= 0, `${needle} not in the text`);
  return i + 1;
}

const router = `# leading comment
---
apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r, namespace: ns}
spec:
  hosts: [a.example]
  # a comment between fields
  routes:
  - name: first
    match:
      attributes:
        method: {exact: sayHello}
        iface:
          prefix: org.
    route:
    - destination: {host: a.example, subset: v1}
      weight: 20
  - name: second
    route:
    - destination:
        host: a.example
`;

test("every field's line is the line of its key or list item, through comments, flow and block style", () => {
  const { documents, problems } = parseYamlDocuments("r.yaml", router);
  assert.deepEqual(problems, []);
  const d = documents[0];
  assert.equal(d.lineOf(["kind"]), lineOf(router, "kind:"));
  assert.equal(d.lineOf(["metadata", "namespace"]), lineOf(router, "metadata:"));
  assert.equal(d.lineOf(["spec", "routes"]), lineOf(router, "routes:"));
  assert.equal(d.lineOf(["spec", "routes", 0, "match", "attributes", "method", "exact"]), lineOf(router, "method:"));
  assert.equal(d.lineOf(["spec", "routes", 0, "match", "attributes", "iface", "prefix"]), lineOf(router, "prefix:"));
  assert.equal(d.lineOf(["spec", "routes", 0, "route", 0, "weight"]), lineOf(router, "weight:"));
  assert.equal(d.lineOf(["spec", "routes", 1]), lineOf(router, "name: second"));
  assert.equal(d.lineOf(["spec", "routes", 1, "route", 0, "destination", "host"]), lineOf(router, "host: a.example", "name: second"));
  // A path that does not exist stops at its deepest existing part.
  assert.equal(d.lineOf(["spec", "routes", 1, "nothing", "here"]), lineOf(router, "name: second"));
});

test("several documents per file keep their own lines; empty documents are skipped", () => {
  const text = "a: 1\n---\n---\nb:\n  c: 2\n";
  const { documents } = parseYamlDocuments("m.yaml", text);
  assert.equal(documents.length, 2);
  assert.deepEqual(documents[1].value, { b: { c: 2 } });
  assert.equal(documents[1].lineOf(["b", "c"]), 5);
});

test("YAML that does not parse is a problem with the parser's line", () => {
  const text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: [unclosed\n  namespace: x\n";
  const { resources, problems } = readYamlText("bad.yaml", text);
  assert.equal(resources.length, 0);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].file, "bad.yaml");
  assert.ok(problems[0].line >= 4 && problems[0].line <= 6, `line ${problems[0].line}`);
  assert.match(problems[0].message, /^YAML: /);
});

test("a MetaRouter as Aeraki users write it reads without problems", () => {
  const { resources, problems } = readYamlText("r.yaml", router);
  assert.deepEqual(problems, []);
  assert.equal(resources.length, 1);
  assert.equal(resources[0].kind, "MetaRouter");
  assert.equal(resources[0].namespace, "ns");
  assert.equal(resources[0].spec.routes[0].route[0].weight, 20);
});

test("an unknown field of a MetaRouter is an error at its line, with its path", () => {
  const text = router.replace("    match:", "    matches:");
  const { resources, problems } = readYamlText("r.yaml", text);
  assert.equal(resources.length, 0, "a resource with schema errors is not read on");
  assert.equal(problems.length, 1);
  assert.equal(problems[0].field, "spec.routes[0].matches");
  assert.equal(problems[0].line, lineOf(text, "matches:"));
  assert.match(problems[0].message, /unknown field/);
  assert.equal(formatProblem(problems[0]), `r.yaml:${lineOf(text, "matches:")}: spec.routes[0].matches: ${problems[0].message}`);
});

test("wrong types, two match kinds at once, a missing required field and a bad duration are errors", () => {
  const text = `apiVersion: metaprotocol.aeraki.io/v1alpha1
kind: MetaRouter
metadata: {name: r}
spec:
  hosts: [a.example]
  routes:
  - name: x
    match:
      attributes:
        method: {exact: a, prefix: b}
    route:
    - destination: {subset: v1}
      weight: -3
  localRateLimit:
    tokenBucket: {maxTokens: 1, fillInterval: soon}
`;
  const { problems } = readYamlText("t.yaml", text);
  const byField = new Map(problems.map((p) => [p.field, p]));
  assert.match(byField.get("spec.routes[0].match.attributes.method.prefix")!.message, /only one of exact, prefix, regex/);
  assert.equal(byField.get("spec.routes[0].route[0].destination.host")!.message, "required");
  assert.equal(byField.get("spec.routes[0].route[0].destination.host")!.line, lineOf(text, "destination:"));
  assert.match(byField.get("spec.routes[0].route[0].weight")!.message, /unsigned/);
  assert.equal(byField.get("spec.routes[0].route[0].weight")!.line, lineOf(text, "weight:"));
  assert.match(byField.get("spec.localRateLimit.tokenBucket.fillInterval")!.message, /duration/);
  assert.equal(problems.length, 4);
});

test("unknown kinds, wrong API versions and documents that are not objects are errors", () => {
  const text = `kind: Deployment
apiVersion: apps/v1
metadata: {name: d}
---
apiVersion: metaprotocol.aeraki.io/v1beta1
kind: MetaRouter
metadata: {name: r}
spec: {hosts: [a]}
---
- just a list
`;
  const { resources, problems } = readYamlText("k.yaml", text);
  assert.equal(resources.length, 0);
  assert.deepEqual(problems.map((p) => [p.line, p.field]), [[1, "kind"], [lineOf(text, "v1beta1"), "apiVersion"], [lineOf(text, "just a list"), ""]]);
  assert.match(problems[0].message, /unknown kind Deployment/);
  assert.match(problems[1].message, /metaprotocol\.aeraki\.io\/v1alpha1/);
});

test("Kubernetes and Istio kinds are open: fields we do not read are theirs to check", () => {
  const text = `apiVersion: v1
kind: Service
metadata: {name: s, namespace: n, uid: abc, resourceVersion: "7"}
spec:
  type: ClusterIP
  clusterIP: 10.0.0.1
  ports: [{name: tcp-metaprotocol-dubbo, port: 20880, targetPort: 20880, protocol: TCP, appProtocol: tcp}]
  selector: {app: p}
status: {loadBalancer: {}}
`;
  const { resources, problems } = readYamlText("s.yaml", text);
  assert.deepEqual(problems, []);
  assert.equal(resources[0].name, "s");
  const bad = readYamlText("s.yaml", text.replace("port: 20880,", "port: twenty,"));
  assert.equal(bad.problems[0].field, "spec.ports[0].port");
});

test("a resource without a namespace takes the reader's default namespace", () => {
  const text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 1}]}\n";
  assert.equal(readYamlText("s.yaml", text).resources[0].namespace, "default");
  assert.equal(readYamlText("s.yaml", text, { defaultNamespace: "meta-brpc" }).resources[0].namespace, "meta-brpc");
});

test("MetaProtocolPolicy is recognised and each of its fields is reported as not yet supported", () => {
  const text = `apiVersion: metaprotocol.meta-protocol-wasm.io/v1alpha1
kind: MetaProtocolPolicy
metadata: {name: p, namespace: n}
spec:
  faultInjection: {abort: {percentage: 10}}
  connectionBinding: {key: tenant}
`;
  const { resources, problems } = readYamlText("p.yaml", text);
  assert.equal(resources.length, 1);
  assert.deepEqual(problems.map((p) => [p.field, p.line, p.severity]), [
    ["spec.faultInjection", lineOf(text, "faultInjection"), "unsupported"],
    ["spec.connectionBinding", lineOf(text, "connectionBinding"), "unsupported"],
  ]);
  assert.match(problems[0].message, /not yet supported/);
});

test("durations: Go's syntax in, proto3 JSON seconds out", () => {
  assert.equal(parseDuration("60s"), 60_000_000_000n);
  assert.equal(parseDuration("100ms"), 100_000_000n);
  assert.equal(parseDuration("1h30m"), 5_400_000_000_000n);
  assert.equal(parseDuration("1.5s"), 1_500_000_000n);
  assert.equal(parseDuration("soon"), null);
  assert.equal(parseDuration("10"), null);
  assert.equal(parseDuration("5s extra"), null);
  assert.equal(protoDuration(3_600_000_000_000n), "3600s");
  assert.equal(protoDuration(100_000_000n), "0.1s");
  assert.equal(protoDuration(1_000_000_001n), "1.000000001s");
});
