// KubeSource, GeneratedObjectApplier and ProblemReporter driven through the real @kubernetes/client-node
// against the in-process fake API server (tests/controller/fake-apiserver.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeApiServer, until } from "./fake-apiserver.ts";
import { KubeSource } from "../../controller/kube/source.ts";
import {
  DESTINATION_RULE, ENVOY_FILTER, EVENT, METAROUTER, WASM_PLUGIN, WATCHED_KINDS, type KubeObject, type SourcedObject,
} from "../../controller/kube/kinds.ts";
import { FIELD_MANAGER, GeneratedObjectApplier, MANAGED_BY_LABEL, METAROUTER_LABEL } from "../../controller/kube/generated-objects.ts";
import { EVENT_REASON, ProblemReporter } from "../../controller/kube/events.ts";

const ALL_KINDS = [...WATCHED_KINDS, WASM_PLUGIN, ENVOY_FILTER, EVENT];

function metaRouter(name: string, namespace = "meta-dubbo", subset = "v1"): KubeObject {
  return {
    apiVersion: "metaprotocol.aeraki.io/v1alpha1", kind: "MetaRouter", metadata: { name, namespace },
    spec: { hosts: [`${name}.example`], routes: [{ name: "all", route: [{ destination: { host: `${name}.example`, subset } }] }] },
  };
}

function inputs(): KubeObject[] {
  return [
    metaRouter("demo-route"),
    { apiVersion: "metaprotocol.aeraki.io/v1alpha1", kind: "ApplicationProtocol", metadata: { name: "dubbo", namespace: "istio-system" },
      spec: { protocol: "dubbo", codec: "aeraki.meta_protocol.codec.dubbo" } },
    { apiVersion: "v1", kind: "Service", metadata: { name: "dubbo-sample", namespace: "meta-dubbo" },
      spec: { selector: { app: "dubbo-sample" }, ports: [{ name: "tcp-metaprotocol-dubbo-server", port: 20880, protocol: "TCP" }] } },
    { apiVersion: "networking.istio.io/v1beta1", kind: "ServiceEntry", metadata: { name: "demoservice", namespace: "meta-dubbo" },
      spec: { hosts: ["org.apache.dubbo.samples.basic.api.demoservice"], ports: [{ name: "tcp-metaprotocol-dubbo-server", number: 20880, protocol: "TCP" }] } },
    { apiVersion: "networking.istio.io/v1beta1", kind: "DestinationRule", metadata: { name: "demoservice", namespace: "meta-dubbo" },
      spec: { host: "org.apache.dubbo.samples.basic.api.demoservice", subsets: [{ name: "v1", labels: { version: "v1" } }] } },
  ];
}

// A running source with every onChange recorded; `latest()` is the last set handed over.
async function startSource(fake: FakeApiServer, options: { retryDelayMs?: number } = {}) {
  const changes: SourcedObject[][] = [];
  const errors: Error[] = [];
  const source = new KubeSource({
    kubeConfig: fake.kubeConfig(), debounceMs: 20, retryDelayMs: options.retryDelayMs ?? 50,
    onChange: (objects) => changes.push(objects), onError: (error) => errors.push(error),
  });
  source.start();
  const latest = () => changes.at(-1) ?? [];
  const names = (kind: string) => latest().filter((entry) => entry.origin.kind === kind).map((entry) => entry.origin.name).sort();
  return { source, changes, errors, latest, names };
}

async function withFake(run: (fake: FakeApiServer) => Promise<void>): Promise<void> {
  const fake = await FakeApiServer.start(ALL_KINDS);
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

const watchRequests = (fake: FakeApiServer, plural: string) =>
  fake.requests.filter((request) => request.method === "GET" && request.query.watch === "true" && request.path.endsWith(`/${plural}`));
const listRequests = (fake: FakeApiServer, plural: string) =>
  fake.requests.filter((request) => request.method === "GET" && request.query.watch === undefined && request.path.endsWith(`/${plural}`));

test("the initial lists hand over every object of every kind, each tagged with its origin", () =>
  withFake(async (fake) => {
    const stored = inputs().map((object) => fake.put(object));
    const { source, changes, latest } = await startSource(fake);
    try {
      await until(() => changes.length > 0, "the first onChange");
      const origins = latest().map((entry) => `${entry.origin.kind} ${entry.origin.namespace}/${entry.origin.name}`).sort();
      assert.deepEqual(origins, [
        "ApplicationProtocol istio-system/dubbo", "DestinationRule meta-dubbo/demoservice", "MetaRouter meta-dubbo/demo-route",
        "Service meta-dubbo/dubbo-sample", "ServiceEntry meta-dubbo/demoservice",
      ]);
      // Plain JSON as the API server sent it, with kind and apiVersion restored on built-in list items.
      const service = latest().find((entry) => entry.origin.kind === "Service")!.object;
      assert.equal(service.apiVersion, "v1");
      assert.equal(service.kind, "Service");
      assert.deepEqual(service.spec, inputs()[2].spec);
      assert.equal(typeof service.metadata.creationTimestamp, "string");
      const router = latest().find((entry) => entry.origin.kind === "MetaRouter")!.object;
      assert.deepEqual(router.spec, metaRouter("demo-route").spec);
      // Every kind is listed across all namespaces, then watched from the list's resourceVersion.
      for (const info of WATCHED_KINDS) {
        assert.equal(listRequests(fake, info.plural).length, 1, info.kind);
        assert.ok(!listRequests(fake, info.plural)[0].path.includes("/namespaces/"), info.kind);
      }
      await until(() => watchRequests(fake, "metarouters").length === 1, "the MetaRouter watch");
      assert.equal(watchRequests(fake, "metarouters")[0].query.resourceVersion, stored.at(-1)!.metadata.resourceVersion);
    } finally {
      source.stop();
    }
  }));

test("an added, a modified and a deleted MetaRouter each reach onChange", () =>
  withFake(async (fake) => {
    for (const object of inputs()) fake.put(object);
    const { source, changes, latest, names } = await startSource(fake);
    try {
      await until(() => changes.length > 0 && fake.openWatches === WATCHED_KINDS.length, "sync and watches");
      fake.put(metaRouter("second-route", "other"));
      await until(() => names("MetaRouter").includes("second-route"), "the added MetaRouter");
      assert.equal(latest().find((entry) => entry.origin.name === "second-route")!.origin.namespace, "other");

      fake.put(metaRouter("demo-route", "meta-dubbo", "v2"));
      const subsetOf = () =>
        (latest().find((entry) => entry.origin.name === "demo-route")?.object.spec as any)?.routes[0].route[0].destination.subset;
      await until(() => subsetOf() === "v2", "the modified MetaRouter");

      fake.remove(METAROUTER, "meta-dubbo", "demo-route");
      await until(() => !names("MetaRouter").includes("demo-route"), "the deleted MetaRouter");
      assert.deepEqual(names("MetaRouter"), ["second-route"]);
      assert.equal(latest().length, 5, "the other kinds are still there");
    } finally {
      source.stop();
    }
  }));

test("a burst of changes is coalesced into few onChange calls", () =>
  withFake(async (fake) => {
    const { source, changes, names } = await startSource(fake);
    try {
      await until(() => changes.length === 1 && fake.openWatches === WATCHED_KINDS.length, "sync and watches");
      for (let i = 0; i < 30; i++) fake.put(metaRouter(`route-${i}`));
      await until(() => names("MetaRouter").length === 30, "all 30 MetaRouters");
      assert.ok(changes.length <= 4, `${changes.length - 1} onChange calls for 30 events`);
    } finally {
      source.stop();
    }
  }));

test("a watch the server ends is resumed from the last resourceVersion seen, without a new list", () =>
  withFake(async (fake) => {
    for (const object of inputs()) fake.put(object);
    const { source, changes, names } = await startSource(fake);
    try {
      await until(() => changes.length > 0 && fake.openWatches === WATCHED_KINDS.length, "sync and watches");
      const modified = fake.put(metaRouter("demo-route", "meta-dubbo", "v2"));
      fake.put({ ...inputs()[2], metadata: { name: "unrelated", namespace: "x" } }); // a later version, of another kind
      await until(() => names("Service").includes("unrelated"), "the Service event");

      fake.endWatches();
      await until(() => watchRequests(fake, "metarouters").length === 2, "the resumed MetaRouter watch");
      assert.equal(watchRequests(fake, "metarouters")[1].query.resourceVersion, modified.metadata.resourceVersion);
      assert.equal(listRequests(fake, "metarouters").length, 1, "no relist");

      await until(() => fake.openWatches === WATCHED_KINDS.length, "every watch resumed");
      fake.put(metaRouter("after-reconnect"));
      await until(() => names("MetaRouter").includes("after-reconnect"), "an event on the resumed watch");
    } finally {
      source.stop();
    }
  }));

for (const goneAs of ["event", "status"] as const) {
  test(`410 Gone (as a watch ${goneAs === "event" ? "ERROR event" : "HTTP status"}) forces a fresh list that catches up`, () =>
    withFake(async (fake) => {
      fake.goneAs = goneAs;
      for (const object of inputs()) fake.put(object);
      fake.put(metaRouter("will-be-deleted"));
      const { source, changes, errors, latest, names } = await startSource(fake);
      try {
        await until(() => changes.length > 0 && fake.openWatches === WATCHED_KINDS.length, "sync and watches");
        assert.deepEqual(names("MetaRouter"), ["demo-route", "will-be-deleted"]);
        // The watches drop and cannot come back before the history they need is compacted away:
        // the changes made meanwhile reach the source only through a new list.
        fake.holdWatches();
        fake.endWatches();
        await until(() => fake.heldWatchCount === WATCHED_KINDS.length, "the watches to try again");
        fake.remove(METAROUTER, "meta-dubbo", "will-be-deleted");
        fake.put(metaRouter("demo-route", "meta-dubbo", "v3"));
        fake.put(metaRouter("added-while-away"));
        fake.compact();
        const changesBefore = changes.length;
        fake.releaseWatches();

        await until(() => listRequests(fake, "metarouters").length === 2, "the relist");
        await until(() => changes.length > changesBefore && names("MetaRouter").includes("added-while-away"), "the relisted state");
        assert.deepEqual(names("MetaRouter"), ["added-while-away", "demo-route"]);
        const router = latest().find((entry) => entry.origin.name === "demo-route")!.object as any;
        assert.equal(router.spec.routes[0].route[0].destination.subset, "v3");
        assert.deepEqual(errors, [], "410 is part of the protocol, not an error");
        // And the new watch starts from the new list's version, which the server accepts.
        await until(() => fake.openWatches === WATCHED_KINDS.length, "the new watches");
        fake.put(metaRouter("after-relist"));
        await until(() => names("MetaRouter").includes("after-relist"), "events after the relist");
      } finally {
        source.stop();
      }
    }));
}

test("a kind that cannot be listed is reported and retried, and nothing is handed over half-synced", () =>
  withFake(async () => {
    const partial = await FakeApiServer.start(ALL_KINDS.filter((info) => info !== DESTINATION_RULE));
    try {
      for (const object of inputs().filter((object) => object.kind !== "DestinationRule")) partial.put(object);
      const { source, changes, errors } = await startSource(partial, { retryDelayMs: 20 });
      try {
        await until(() => errors.length >= 3, "repeated list failures");
        assert.match(errors[0].message, /DestinationRule/);
        assert.equal(changes.length, 0);
        assert.equal(source.synced, false);
      } finally {
        source.stop();
      }
    } finally {
      await partial.close();
    }
  }));

test("stop() ends every watch and connection, and no onChange follows", () =>
  withFake(async (fake) => {
    for (const object of inputs()) fake.put(object);
    const { source, changes } = await startSource(fake);
    await until(() => changes.length > 0 && fake.openWatches === WATCHED_KINDS.length, "sync and watches");
    fake.put(metaRouter("just-before-stop"));
    source.stop();
    await until(() => fake.openWatches === 0 && fake.openConnections === 0, "every socket closed");
    const count = changes.length;
    fake.put(metaRouter("after-stop"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(changes.length, count);
    assert.equal(fake.openConnections, 0);
  }));

function wasmPlugin(name: string, namespace = "meta-dubbo"): KubeObject {
  return {
    apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin", metadata: { name, namespace },
    spec: { url: "oci://registry.example/meta-protocol:0.1.0", pluginName: "meta_protocol", type: "NETWORK", failStrategy: "FAIL_CLOSE",
      match: [{ mode: "CLIENT", ports: [{ number: 20880 }] }], pluginConfig: { statPrefix: "dubbo" } },
  };
}

test("apply writes each generated object with server-side apply, owned by its MetaRouter, and deletes stale ones", () =>
  withFake(async (fake) => {
    const owner = fake.put(metaRouter("demo-route"));
    const other = fake.put(metaRouter("other-route"));
    const applier = new GeneratedObjectApplier(fake.kubeConfig());

    const first = await applier.apply([wasmPlugin("demo-route-client"), wasmPlugin("demo-route-server")], owner);
    assert.deepEqual(first, { applied: ["WasmPlugin/demo-route-client", "WasmPlugin/demo-route-server"], deleted: [], errors: [] });
    const patches = fake.requests.filter((request) => request.method === "PATCH");
    assert.deepEqual(patches.map((request) => request.path), [
      "/apis/extensions.istio.io/v1alpha1/namespaces/meta-dubbo/wasmplugins/demo-route-client",
      "/apis/extensions.istio.io/v1alpha1/namespaces/meta-dubbo/wasmplugins/demo-route-server",
    ]);
    for (const request of patches) {
      assert.equal(request.contentType, "application/apply-patch+yaml");
      assert.equal(request.query.fieldManager, FIELD_MANAGER);
      assert.equal(request.query.force, "true");
    }
    const stored = fake.get(WASM_PLUGIN, "meta-dubbo", "demo-route-client")!;
    assert.deepEqual(stored.metadata.ownerReferences, [
      { apiVersion: "metaprotocol.aeraki.io/v1alpha1", kind: "MetaRouter", name: "demo-route", uid: owner.metadata.uid, controller: true },
    ]);
    assert.equal(stored.metadata.labels?.[MANAGED_BY_LABEL], "meta-protocol-controller");
    assert.equal(stored.metadata.labels?.[METAROUTER_LABEL], "demo-route");
    assert.deepEqual(stored.spec, wasmPlugin("demo-route-client").spec);
    assert.equal((stored.metadata.managedFields as any)[0].manager, FIELD_MANAGER);

    // Someone else's plugin carrying our labels (no ownerReference) and another MetaRouter's plugin survive.
    fake.put({ ...wasmPlugin("hand-made"), metadata: { name: "hand-made", namespace: "meta-dubbo",
      labels: { [MANAGED_BY_LABEL]: FIELD_MANAGER, [METAROUTER_LABEL]: "demo-route" } } });
    await applier.apply([wasmPlugin("other-route-client")], other);

    const second = await applier.apply([wasmPlugin("demo-route-client")], owner);
    assert.deepEqual(second, { applied: ["WasmPlugin/demo-route-client"], deleted: ["WasmPlugin/demo-route-server"], errors: [] });
    assert.deepEqual(fake.list(WASM_PLUGIN).map((plugin) => plugin.metadata.name).sort(), ["demo-route-client", "hand-made", "other-route-client"]);
    const deletes = fake.requests.filter((request) => request.method === "DELETE");
    assert.deepEqual(deletes.map((request) => request.path), ["/apis/extensions.istio.io/v1alpha1/namespaces/meta-dubbo/wasmplugins/demo-route-server"]);
    const list = fake.requests.filter((request) => request.method === "GET" && request.path.endsWith("/namespaces/meta-dubbo/wasmplugins")).at(-1)!;
    assert.equal(list.query.labelSelector, `${MANAGED_BY_LABEL}=${FIELD_MANAGER},${METAROUTER_LABEL}=demo-route`);

    // Nothing generated any more: all of the MetaRouter's plugins go.
    const third = await applier.apply([], owner);
    assert.deepEqual(third.deleted, ["WasmPlugin/demo-route-client"]);
  }));

test("apply writes a MetaRouter's early-data EnvoyFilter beside its WasmPlugin, and deletes it when no longer generated", () =>
  withFake(async (fake) => {
    const owner = fake.put(metaRouter("demo-route"));
    const applier = new GeneratedObjectApplier(fake.kubeConfig());
    const filter: KubeObject = {
      apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter", metadata: { name: "demo-route-early-data", namespace: "meta-dubbo" },
      spec: { configPatches: [{ applyTo: "NETWORK_FILTER", patch: { operation: "MERGE", value: { name: "envoy.filters.network.tcp_proxy" } } }] },
    };
    const first = await applier.apply([wasmPlugin("demo-route-client"), filter], owner);
    assert.deepEqual(first, { applied: ["WasmPlugin/demo-route-client", "EnvoyFilter/demo-route-early-data"], deleted: [], errors: [] });
    const stored = fake.get(ENVOY_FILTER, "meta-dubbo", "demo-route-early-data")!;
    assert.deepEqual(stored.spec, filter.spec);
    assert.equal(stored.metadata.ownerReferences?.[0].uid, owner.metadata.uid);
    assert.ok(fake.requests.some((r) => r.method === "PATCH" && r.path === "/apis/networking.istio.io/v1alpha3/namespaces/meta-dubbo/envoyfilters/demo-route-early-data"));
    const second = await applier.apply([wasmPlugin("demo-route-client")], owner);
    assert.deepEqual(second.deleted, ["EnvoyFilter/demo-route-early-data"]);
    assert.equal(fake.get(ENVOY_FILTER, "meta-dubbo", "demo-route-early-data"), undefined);
  }));

test("apply refuses an object outside its MetaRouter's namespace and reports API errors as values", () =>
  withFake(async (fake) => {
    const owner = fake.put(metaRouter("demo-route"));
    const applier = new GeneratedObjectApplier(fake.kubeConfig());
    const result = await applier.apply([wasmPlugin("elsewhere", "another-namespace"), wasmPlugin("demo-route-client")], owner);
    assert.deepEqual(result.applied, ["WasmPlugin/demo-route-client"]);
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0].message, /another-namespace\/elsewhere.*meta-dubbo/);
    assert.equal(fake.get(WASM_PLUGIN, "another-namespace", "elsewhere"), undefined);

    // A cluster without Istio's WasmPlugin kind: the failure comes back as an error, nothing throws.
    const noIstio = await FakeApiServer.start([METAROUTER, EVENT]);
    try {
      const failed = await new GeneratedObjectApplier(noIstio.kubeConfig()).apply([wasmPlugin("demo-route-client")], owner);
      assert.deepEqual(failed.applied, []);
      assert.equal(failed.errors.length, 3); // the apply, and the lists of stale WasmPlugins and EnvoyFilters
      assert.match(failed.errors[0].message, /apply WasmPlugin meta-dubbo\/demo-route-client/);
    } finally {
      await noIstio.close();
    }
  }));

test("reportProblem creates a Warning Event on the MetaRouter naming the field, once per problem and version", () =>
  withFake(async (fake) => {
    const router = fake.put(metaRouter("demo-route"));
    const reporter = new ProblemReporter(fake.kubeConfig(), "controller-0");
    const problem = { field: "spec.routes[0].match.attributes.method.regex", message: "regex is not supported by the module" };
    assert.equal(await reporter.reportProblem(router, problem), undefined);

    const events = fake.list(EVENT);
    assert.equal(events.length, 1);
    const event = events[0] as any;
    assert.equal(event.metadata.namespace, "meta-dubbo");
    assert.match(event.metadata.name, /^demo-route\./);
    assert.equal(event.type, "Warning");
    assert.equal(event.reason, EVENT_REASON);
    assert.equal(event.message, "spec.routes[0].match.attributes.method.regex: regex is not supported by the module");
    assert.deepEqual(event.involvedObject, {
      apiVersion: "metaprotocol.aeraki.io/v1alpha1", kind: "MetaRouter", name: "demo-route", namespace: "meta-dubbo",
      uid: router.metadata.uid, resourceVersion: router.metadata.resourceVersion,
    });
    assert.equal(event.reportingComponent, "meta-protocol-controller");
    assert.equal(event.reportingInstance, "controller-0");
    assert.ok(!Number.isNaN(Date.parse(event.firstTimestamp)));
    const post = fake.requests.find((request) => request.method === "POST")!;
    assert.equal(post.path, "/api/v1/namespaces/meta-dubbo/events");

    await reporter.reportProblem(router, problem);
    assert.equal(fake.list(EVENT).length, 1, "the same problem on the same version is not repeated");
    await reporter.reportProblem(router, { field: "spec.hosts", message: "no Service" });
    const modified = fake.put(metaRouter("demo-route", "meta-dubbo", "v2"));
    await reporter.reportProblem(modified, problem);
    assert.equal(fake.list(EVENT).length, 3, "a new problem, and the old one on a new version");
  }));

test("reportProblem returns the API server's refusal as an error", () =>
  withFake(async () => {
    const noEvents = await FakeApiServer.start([METAROUTER]);
    try {
      const router = noEvents.put(metaRouter("demo-route"));
      const error = await new ProblemReporter(noEvents.kubeConfig()).reportProblem(router, { field: "spec", message: "bad" });
      assert.ok(error instanceof Error);
      assert.match(error.message, /create Event for MetaRouter meta-dubbo\/demo-route: HTTP 404/);
    } finally {
      await noEvents.close();
    }
  }));

