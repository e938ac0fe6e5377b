// Writes tests/assembly/xds/fixtures.ts: xDS messages encoded by protobufjs from Envoy's own .proto
// files (shipped in @grpc/grpc-js-xds) and Aeraki's RouteConfiguration (route.proto of
// aeraki-mesh/meta-protocol-proxy, restated below without its validation annotations), for the
// as-pect specs of assembly/xds/ to decode and to compare the module's encoding with.
//   node --import tsx scripts/make-xds-fixtures.ts
import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
const includeDirs = ["envoy-api", "xds", "googleapis", "protoc-gen-validate", "cncf-xds"].map((d) => join(deps, d)).filter(existsSync);
const wellKnown = dirname(require.resolve("protobufjs/package.json"));
const out = join(import.meta.dirname, "..", "tests", "assembly", "xds", "fixtures.ts");

const ROUTE_TYPE_URL = "type.googleapis.com/aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration";

// Aeraki's api/meta_protocol_proxy/config/route/v1alpha/route.proto: same messages and field numbers.
const AERAKI_ROUTE_PROTO = `
syntax = "proto3";
package aeraki.meta_protocol_proxy.config.route.v1alpha;
message RouteConfiguration { string name = 1; repeated Route routes = 2; }
message Route {
  string name = 1;
  RouteMatch match = 2;
  RouteAction route = 3;
  repeated KeyValue request_mutation = 19;
  repeated KeyValue response_mutation = 20;
}
message RouteMatch { repeated envoy.config.route.v3.HeaderMatcher metadata = 1; }
message RouteAction {
  oneof cluster_specifier { string cluster = 1; envoy.config.route.v3.WeightedCluster weighted_clusters = 2; }
}
message KeyValue { string key = 1; string value = 2; }
`;

// The same messages with fields the decoder does not know, of every wire type, at every level,
// with field numbers that take two-byte tags: a decoder must skip them all.
const EXTRAS = "fixed64 x_i64 = 1001; fixed32 x_i32 = 1002; uint64 x_varint = 1003; bytes x_bytes = 1004; Nested x_nested = 1005;";
const WITH_UNKNOWN_PROTO = `
syntax = "proto3";
package xds_test;
message Nested { string a = 1; fixed64 b = 2; }
message RouteConfiguration { string name = 1; repeated Route routes = 2; ${EXTRAS} }
message Route {
  string name = 1; RouteMatch match = 2; RouteAction route = 3;
  repeated KeyValue request_mutation = 19; repeated KeyValue response_mutation = 20; ${EXTRAS}
}
message RouteMatch { repeated HeaderMatcher metadata = 1; ${EXTRAS} }
message HeaderMatcher {
  string name = 1; string exact_match = 4; bool invert_match = 8;
  envoy.type.matcher.v3.StringMatcher string_match = 13; ${EXTRAS}
}
message RouteAction { string cluster = 1; WeightedCluster weighted_clusters = 2; ${EXTRAS} }
message WeightedCluster { repeated ClusterWeight clusters = 1; ${EXTRAS} }
message ClusterWeight { string name = 1; google.protobuf.UInt32Value weight = 2; ${EXTRAS} }
message KeyValue { string key = 1; string value = 2; ${EXTRAS} }
message Any { string type_url = 1; bytes value = 2; ${EXTRAS} }
message DiscoveryResponse {
  string version_info = 1; repeated Any resources = 2; string type_url = 4; string nonce = 5; ${EXTRAS}
}
`;

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith("google/protobuf/") && existsSync(join(wellKnown, target))) return join(wellKnown, target);
    for (const dir of includeDirs) if (existsSync(join(dir, target))) return join(dir, target);
    return target;
  };
  root.loadSync(
    ["envoy/service/discovery/v3/discovery.proto", "envoy/config/route/v3/route_components.proto", "google/rpc/status.proto", "google/protobuf/wrappers.proto"],
    { keepCase: true },
  );
  protobuf.parse(AERAKI_ROUTE_PROTO, root, { keepCase: true });
  protobuf.parse(WITH_UNKNOWN_PROTO, root, { keepCase: true });
  root.resolveAll();
  return root;
}

const root = loadRoot();

function encode(typeName: string, value: object): Buffer {
  const type = root.lookupType(typeName);
  const message = type.fromObject(value);
  const problem = type.verify(message);
  if (problem) throw new Error(`${typeName}: ${problem}`);
  return Buffer.from(type.encode(message).finish());
}

const route = (value: object) => encode("aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration", value);
const anyOf = (value: Buffer) => ({ type_url: ROUTE_TYPE_URL, value });

/** The offsets where a top-level field ends (and 0): a message cut there is still well formed. */
function fieldEnds(bytes: Buffer): number[] {
  const reader = protobuf.Reader.create(bytes);
  const ends = [0];
  while (reader.pos < reader.len) {
    reader.skipType(reader.uint32() & 7);
    ends.push(reader.pos);
  }
  return ends;
}

const routeConfig = route({
  name: "meta-dubbo.demo-route",
  routes: [
    {
      name: "traffic-split",
      match: {
        metadata: [
          { name: "interface", exact_match: "org.apache.dubbo.samples.basic.api.DemoService" },
          { name: "method", string_match: { exact: "sayHello", ignore_case: true } },
        ],
      },
      route: {
        weighted_clusters: {
          clusters: [
            { name: "outbound|20880|v1|demo.meta-dubbo.svc.cluster.local", weight: { value: 20 }, request_headers_to_add: [{ header: { key: "x-from", value: "v1" } }] },
            { name: "outbound|20880|v2|demo.meta-dubbo.svc.cluster.local", weight: { value: 80 } },
          ],
          total_weight: { value: 100 },
          runtime_key_prefix: "routing.traffic_split",
        },
      },
      request_mutation: [{ key: "foo", value: "bar" }, { key: "x-tenant", value: "blue-é-日本" }],
      response_mutation: [{ key: "served-by", value: "v2" }],
    },
    {
      name: "deprecated-kinds",
      match: {
        metadata: [
          { name: "a", prefix_match: "org." },
          { name: "b", suffix_match: "Service" },
          { name: "c", contains_match: "dubbo" },
          { name: "d", present_match: true },
          { name: "e", present_match: false, invert_match: true },
          { name: "f", safe_regex_match: { google_re2: {}, regex: "^say.*$" } },
        ],
      },
      route: { cluster: "outbound|20880|v1|demo.meta-dubbo.svc.cluster.local" },
    },
    {
      name: "string-match",
      match: {
        metadata: [
          { name: "g", string_match: { prefix: "pre", ignore_case: true } },
          { name: "h", string_match: { suffix: "suf" }, invert_match: true },
          { name: "i", string_match: { safe_regex: { regex: "[a-z]+\\d{2}" }, ignore_case: true } },
          { name: "j", string_match: { contains: "mid" }, treat_missing_header_as_empty: true },
          { name: "k" },
        ],
      },
      route: { cluster: "c2" },
    },
    { name: "default", route: { cluster: "outbound|20880||demo.meta-dubbo.svc.cluster.local" } },
  ],
});

const smallConfig = {
  name: "small",
  routes: [
    {
      name: "r0",
      match: { metadata: [{ name: "method", exact_match: "sayHello", invert_match: true }, { name: "svc", string_match: { prefix: "org" } }] },
      route: { weighted_clusters: { clusters: [{ name: "v1", weight: { value: 3 } }, { name: "v2", weight: { value: 4 } }] } },
      request_mutation: [{ key: "k", value: "v" }],
      response_mutation: [{ key: "rk", value: "rv" }],
    },
    { name: "r1", route: { cluster: "fallback" } },
  ],
};

/** `value` with the unknown fields of WITH_UNKNOWN_PROTO added to it. */
function withExtras<T extends object>(value: T): T & Record<string, unknown> {
  return { ...value, x_i64: "18446744073709551615", x_i32: 7, x_varint: "18446744073709551615", x_bytes: Buffer.from([0, 1, 2, 0xff]), x_nested: { a: "n", b: 9 } };
}

const smallWithUnknown = encode("xds_test.RouteConfiguration", withExtras({
  name: smallConfig.name,
  routes: [
    withExtras({
      name: "r0",
      match: withExtras({
        metadata: [
          withExtras({ name: "method", exact_match: "sayHello", invert_match: true }),
          withExtras({ name: "svc", string_match: { prefix: "org" } }),
        ],
      }),
      route: withExtras({ weighted_clusters: withExtras({ clusters: [withExtras({ name: "v1", weight: { value: 3 } }), withExtras({ name: "v2", weight: { value: 4 } })] }) }),
      request_mutation: [withExtras({ key: "k", value: "v" })],
      response_mutation: [withExtras({ key: "rk", value: "rv" })],
    }),
    withExtras({ name: "r1", route: withExtras({ cluster: "fallback" }) }),
  ],
}));

const small = route(smallConfig);

const discoveryResponse = encode("envoy.service.discovery.v3.DiscoveryResponse", {
  version_info: "2024-05-01T10:00:00Z/7",
  resources: [anyOf(routeConfig), anyOf(small)],
  canary: true,
  type_url: ROUTE_TYPE_URL,
  nonce: "n-3",
  control_plane: { identifier: "aeraki-7d9f" },
});

const discoveryResponseWithUnknown = encode("xds_test.DiscoveryResponse", withExtras({
  version_info: "v1",
  resources: [withExtras(anyOf(smallWithUnknown))],
  type_url: ROUTE_TYPE_URL,
  nonce: "n-1",
}));

// Configurations the module must refuse, each with the route index and field in its error.
const plain = { name: "plain", route: { cluster: "c" } };
const refused: Record<string, object> = {
  REFUSE_RANGE_MATCH: { routes: [plain, { name: "r", match: { metadata: [{ name: "n", range_match: { start: 1, end: 5 } }] }, route: { cluster: "c" } }] },
  REFUSE_CUSTOM_MATCHER: {
    routes: [{ match: { metadata: [{ name: "n", string_match: { custom: { name: "m", typed_config: { type_url: "type.googleapis.com/google.protobuf.StringValue", value: Buffer.from([]) } } } }] }, route: { cluster: "c" } }],
  },
  REFUSE_NO_PATTERN: { routes: [plain, plain, { match: { metadata: [{ name: "ok", exact_match: "" }, { name: "n", string_match: { ignore_case: true } }] }, route: { cluster: "c" } }] },
  REFUSE_ZERO_WEIGHT: { routes: [{ route: { weighted_clusters: { clusters: [{ name: "a", weight: { value: 0 } }, { name: "b" }] } } }] },
  REFUSE_EMPTY_WEIGHTED: { routes: [plain, { route: { weighted_clusters: {} } }] },
  REFUSE_CLUSTER_HEADER: { routes: [{ route: { weighted_clusters: { clusters: [{ name: "a", weight: { value: 1 } }, { cluster_header: "x-cluster", weight: { value: 1 } }] } } }] },
  REFUSE_NO_ROUTE: { routes: [plain, { name: "no-action", match: { metadata: [{ name: "n", present_match: true }] } }] },
  REFUSE_EMPTY_CLUSTER: { routes: [{ name: "empty", route: { cluster: "" } }] },
  REFUSE_EMPTY_REGEX: { routes: [{ match: { metadata: [{ name: "n", safe_regex_match: { regex: "" } }] }, route: { cluster: "c" } }] },
  REFUSE_EMPTY_MUTATION_KEY: { routes: [plain, { route: { cluster: "c" }, request_mutation: [{ key: "a", value: "1" }, { key: "", value: "2" }] }] },
};

interface RequestCase {
  versionInfo: string;
  nodeId: string;
  nodeCluster: string;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  errorMessage: string | null;
  errorCode: number;
}

const NODE_ID = "sidecar~10.244.0.7~demo-6f9c8.meta-dubbo~meta-dubbo.svc.cluster.local";
const requests: Record<string, RequestCase> = {
  FIRST_REQUEST: { versionInfo: "", nodeId: NODE_ID, nodeCluster: "demo.meta-dubbo", resourceNames: ["demo.meta-dubbo.svc.cluster.local_20880"], typeUrl: ROUTE_TYPE_URL, responseNonce: "", errorMessage: null, errorCode: 0 },
  ACK_REQUEST: { versionInfo: "2024-05-01T10:00:00Z/7", nodeId: NODE_ID, nodeCluster: "demo.meta-dubbo", resourceNames: ["a", "b"], typeUrl: ROUTE_TYPE_URL, responseNonce: "n-3", errorMessage: null, errorCode: 0 },
  NACK_REQUEST: { versionInfo: "v6", nodeId: NODE_ID, nodeCluster: "", resourceNames: ["a"], typeUrl: ROUTE_TYPE_URL, responseNonce: "n-4", errorMessage: "routes[1].match.metadata[0].range_match: not supported — é", errorCode: 3 },
  NACK_NEGATIVE_CODE: { versionInfo: "", nodeId: "", nodeCluster: "", resourceNames: [], typeUrl: "", responseNonce: "", errorMessage: "", errorCode: -1 },
};

function encodeRequest(c: RequestCase): Buffer {
  const value: Record<string, unknown> = { node: { ...(c.nodeId ? { id: c.nodeId } : {}), ...(c.nodeCluster ? { cluster: c.nodeCluster } : {}) }, resource_names: c.resourceNames };
  if (c.versionInfo) value.version_info = c.versionInfo;
  if (c.typeUrl) value.type_url = c.typeUrl;
  if (c.responseNonce) value.response_nonce = c.responseNonce;
  if (c.errorMessage !== null) value.error_detail = { ...(c.errorCode ? { code: c.errorCode } : {}), ...(c.errorMessage ? { message: c.errorMessage } : {}) };
  return encode("envoy.service.discovery.v3.DiscoveryRequest", value);
}

/** An array literal of `bytes`, 24 to a line, each line indented by `indent`. */
function byteRows(bytes: Buffer, indent: string): string {
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 24) {
    rows.push(indent + "  " + [...bytes.subarray(i, i + 24)].map((b) => "0x" + b.toString(16).padStart(2, "0")).join(", ") + ",");
  }
  return `[\n${rows.join("\n")}\n${indent}]`;
}

function bytesConst(name: string, bytes: Buffer): string {
  return `export const ${name}: u8[] = ${byteRows(bytes, "")};\n`;
}

const str = (s: string | null) => (s === null ? "null" : JSON.stringify(s));
const parts = [
  "// Generated by scripts/make-xds-fixtures.ts with protobufjs from Envoy's .proto files\n" +
    "// (@grpc/grpc-js-xds deps) and Aeraki's route.proto. Do not edit: change the script and run\n" +
    "//   node --import tsx scripts/make-xds-fixtures.ts\n",
  "export class RequestCase {\n  constructor(\n    public versionInfo: string,\n    public nodeId: string,\n    public nodeCluster: string,\n" +
    "    public resourceNames: string[],\n    public typeUrl: string,\n    public responseNonce: string,\n    public errorMessage: string | null,\n" +
    "    public errorCode: i32,\n    /** The DiscoveryRequest protobufjs encodes from these values. */\n    public bytes: u8[],\n  ) {}\n}\n",
  bytesConst("ROUTE_CONFIG", routeConfig),
  `export const ROUTE_CONFIG_FIELD_ENDS: i32[] = [${fieldEnds(routeConfig).join(", ")}];\n`,
  bytesConst("SMALL_CONFIG", small),
  "/** SMALL_CONFIG's content with unknown fields of every wire type in every message. */\n" + bytesConst("SMALL_CONFIG_WITH_UNKNOWN", smallWithUnknown),
  "/** Resources: ROUTE_CONFIG, then SMALL_CONFIG; also canary and control_plane, which are skipped. */\n" + bytesConst("DISCOVERY_RESPONSE", discoveryResponse),
  `export const DISCOVERY_RESPONSE_FIELD_ENDS: i32[] = [${fieldEnds(discoveryResponse).join(", ")}];\n`,
  "/** One resource, SMALL_CONFIG_WITH_UNKNOWN, and unknown fields in the response and its Any. */\n" +
    bytesConst("DISCOVERY_RESPONSE_WITH_UNKNOWN", discoveryResponseWithUnknown),
  ...Object.entries(refused).map(([name, value]) => bytesConst(name, route(value))),
  ...Object.entries(requests).map(([name, c]) => {
    const bytes = encodeRequest(c);
    const list = `[${c.resourceNames.map(str).join(", ")}]`;
    return `export const ${name} = new RequestCase(\n  ${[str(c.versionInfo), str(c.nodeId), str(c.nodeCluster), list, str(c.typeUrl), str(c.responseNonce), str(c.errorMessage), String(c.errorCode), byteRows(bytes, "  ")].join(",\n  ")},\n);\n`;
  }),
];
writeFileSync(out, parts.join("\n"));
console.log(`wrote ${out}`);
