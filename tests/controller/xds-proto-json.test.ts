// proto3 JSON (proto field names or lowerCamel JSON names) to protobuf bytes, strictly: what
// protobufjs' fromObject alone would silently drop or fail on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeProtoJson, ProtoJsonError } from "../../controller/xds/proto-json.ts";
import { RouteConfiguration, xdsRoot } from "../../controller/xds/proto-root.ts";

const type = (name: string) => xdsRoot.lookupType(name);
const roundTrip = (name: string, json: unknown) =>
  type(name).toObject(type(name).decode(encodeProtoJson(type(name), json)), { longs: String, enums: String });

test("a wrapper's JSON form (a bare number) encodes as the wrapper message", () => {
  const bare = encodeProtoJson(type("envoy.config.route.v3.ClusterWeight"), { name: "v1", weight: 20 });
  const wrapped = encodeProtoJson(type("envoy.config.route.v3.ClusterWeight"), { name: "v1", weight: { value: 20 } });
  assert.deepEqual(bare, wrapped);
  assert.deepEqual(roundTrip("envoy.config.route.v3.ClusterWeight", { name: "v1", weight: 20 }), { name: "v1", weight: { value: 20 } });
});

test("durations are read from their string form", () => {
  assert.deepEqual(roundTrip("google.protobuf.Duration", "1.5s"), { seconds: "1", nanos: 500000000 });
  assert.deepEqual(roundTrip("google.protobuf.Duration", "-0.000000001s"), { seconds: "0", nanos: -1 });
  assert.throws(() => encodeProtoJson(type("google.protobuf.Duration"), "1m"), ProtoJsonError);
});

test("enums are read by name or number; an unknown one is an error", () => {
  const address = "envoy.config.core.v3.SocketAddress";
  assert.equal(roundTrip(address, { address: "a", protocol: "UDP" }).protocol, "UDP");
  assert.equal(roundTrip(address, { address: "a", protocol: 1 }).protocol, "UDP");
  assert.throws(() => encodeProtoJson(type(address), { protocol: "SCTP" }), /protocol: "SCTP" is not a value/);
});

test("64-bit integers past 2^53 stay exact", () => {
  const range = roundTrip("envoy.type.v3.Int64Range", { start: "-9007199254740993", end: "9007199254740993" });
  assert.deepEqual(range, { start: "-9007199254740993", end: "9007199254740993" });
});

test("lowerCamel JSON names are accepted like proto names", () => {
  const camel = { name: "r", routes: [{ name: "a", match: { metadata: [{ name: "m", stringMatch: { exact: "x" } }] }, route: { cluster: "c" }, requestMutation: [{ key: "k", value: "v" }] }] };
  const snake = { name: "r", routes: [{ name: "a", match: { metadata: [{ name: "m", string_match: { exact: "x" } }] }, route: { cluster: "c" }, request_mutation: [{ key: "k", value: "v" }] }] };
  assert.deepEqual(encodeProtoJson(RouteConfiguration, camel), encodeProtoJson(RouteConfiguration, snake));
});

test("an Any is packed from its @type; a Struct from plain JSON", () => {
  const any = {
    "@type": "type.googleapis.com/aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration",
    name: "inner", routes: [{ route: { cluster: "c" } }],
  };
  const weight = roundTrip("envoy.config.route.v3.ClusterWeight", {
    name: "v1",
    typed_per_filter_config: { f: any },
    metadata_match: { filter_metadata: { "envoy.lb": { version: "v2", replicas: [1, null, true] } } },
  });
  const packed = weight.typed_per_filter_config.f;
  assert.equal(packed.type_url, any["@type"]);
  assert.deepEqual(RouteConfiguration.toObject(RouteConfiguration.decode(packed.value)), { name: "inner", routes: [{ route: { cluster: "c" } }] });
  const fields = weight.metadata_match.filter_metadata["envoy.lb"].fields;
  assert.equal(fields.version.stringValue, "v2");
  assert.deepEqual(fields.replicas.listValue.values, [{ numberValue: 1 }, { nullValue: "NULL_VALUE" }, { boolValue: true }]);
});

// Each bad configuration, and the path its error must name.
const refused: [string, unknown, RegExp][] = [
  ["an unknown key", { name: "r", bogus: 1 }, /RouteConfiguration\.bogus: not a field/],
  ["two members of a oneof", { routes: [{ route: { cluster: "a", weighted_clusters: { clusters: [] } } }] }, /routes\[0\]\.route: cluster and weighted_clusters/],
  ["a number for a string", { name: 5 }, /\.name: expected string/],
  ["an object for a list", { routes: {} }, /\.routes: expected a list/],
  ["a non-integer int64", { routes: [{ match: { metadata: [{ name: "m", range_match: { start: "1.5" } }] } }] }, /range_match\.start: expected int64/],
  ["a negative unsigned weight", { routes: [{ route: { weighted_clusters: { clusters: [{ name: "a", weight: -1 }] } } }] }, /clusters\[0\]\.weight: expected uint32/],
  ["a string for a message", { routes: ["default"] }, /routes\[0\]: expected a .*Route object/],
  ["the same field by both names", { routes: [{ request_mutation: [], requestMutation: [] }] }, /given twice/],
];
for (const [what, json, message] of refused) {
  test(`refused: ${what}`, () => {
    assert.throws(() => encodeProtoJson(RouteConfiguration, json), (e: unknown) => e instanceof ProtoJsonError && message.test(e.message));
  });
}

test("null fields are the default value and encode to nothing", () => {
  assert.equal(encodeProtoJson(RouteConfiguration, { name: null, routes: null }).length, 0);
});

test("an Any of a type no loaded .proto defines is an error naming its path", () => {
  assert.throws(() => encodeProtoJson(type("google.protobuf.Any"), { "@type": "type.googleapis.com/no.such.Type" }),
    (e: unknown) => e instanceof ProtoJsonError && /Any\.@type: .*no\.such\.Type is not a known/.test(e.message));
});
