import { test } from "node:test";
import assert from "node:assert/strict";
import { createSnapshot, selectResources, SnapshotError } from "../../controller/xds/snapshot.ts";
import { ProtoJsonError } from "../../controller/xds/proto-json.ts";
import { RouteConfiguration, ROUTE_CONFIGURATION_TYPE_URL } from "../../controller/xds/proto-root.ts";

const a = { name: "a", routes: [{ name: "r", route: { cluster: "ca" } }] };
const b = { name: "b", routes: [{ name: "r", route: { cluster: "cb" } }] };

test("each configuration is packed as an Any of Aeraki's RouteConfiguration", () => {
  const snapshot = createSnapshot("v1", [a, b]);
  assert.equal(snapshot.version, "v1");
  const packed = snapshot.routeConfigurations.get("b")!.packed;
  assert.equal(packed.type_url, ROUTE_CONFIGURATION_TYPE_URL);
  assert.deepEqual(RouteConfiguration.toObject(RouteConfiguration.decode(packed.value)), b);
});

test("a snapshot does not change when the objects it was made from do", () => {
  const config = structuredClone(a);
  const snapshot = createSnapshot("v1", [config]);
  config.routes[0].route.cluster = "changed";
  assert.equal((snapshot.routeConfigurations.get("a")!.config as typeof a).routes[0].route.cluster, "ca");
  assert.throws(() => { (snapshot as { version: string }).version = "v2"; }, TypeError);
});

test("selecting: no names is everything; names pick in the order asked, once, skipping unknown ones", () => {
  const snapshot = createSnapshot("v1", [a, b]);
  assert.deepEqual(selectResources(snapshot, []).map((r) => r.name), ["a", "b"]);
  assert.deepEqual(selectResources(snapshot, ["b", "missing", "a", "b"]).map((r) => r.name), ["b", "a"]);
});

test("refused: an empty version, a nameless or duplicate configuration, one that does not encode", () => {
  assert.throws(() => createSnapshot("", [a]), SnapshotError);
  assert.throws(() => createSnapshot("v1", [{ routes: [] }]), /route configuration 0 has no name/);
  assert.throws(() => createSnapshot("v1", [a, { ...b, name: "a" }]), /two route configurations are named a/);
  assert.throws(() => createSnapshot("v1", [{ name: "c", routes: [{ route: { clusterName: "x" } }] }]),
    (e: unknown) => e instanceof ProtoJsonError && /RouteConfiguration c\.routes\[0\]\.route\.clusterName/.test(e.message));
});
