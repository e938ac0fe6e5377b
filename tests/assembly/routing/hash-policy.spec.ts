// A route's hash policy: xxHash64 against the reference, the same values always picking the same
// cluster (also in a second table, as another worker would hold), a fixed set of values spread
// by the weights, round robin when no key is present, the JSON and RDS forms and their errors.
import { ProtobufWriter } from "../../../assembly/codecs/protobuf";
import { ConfigErrors } from "../../../assembly/meta/config-errors";
import { parseJson } from "../../../assembly/meta/json";
import { Metadata } from "../../../assembly/meta/metadata";
import { HashPolicy, xxHash64Text } from "../../../assembly/routing/metadata-hash";
import { parseRouteConfiguration } from "../../../assembly/routing/route-config-json";
import { Route, RouteTable } from "../../../assembly/routing/route-table";
import { decodeRouteConfiguration } from "../../../assembly/xds/route-decoder";

function metadata(key: string, value: string): Metadata {
  const m = new Metadata();
  m.set(key, value);
  return m;
}

/** The first route of a route_config given as JSON; fails the test on configuration errors. */
function routeOf(json: string): Route {
  const errors = new ConfigErrors();
  const config = parseRouteConfiguration(parseJson(json).value!, "route_config", errors);
  expect(errors.toString()).toBe("");
  const table = RouteTable.compile(config!, "", "route_config", errors);
  expect(errors.toString()).toBe("");
  return table!.routes[0];
}

/** The configuration errors of a route_config given as JSON. */
function errorsOf(json: string): string {
  const errors = new ConfigErrors();
  const config = parseRouteConfiguration(parseJson(json).value!, "route_config", errors);
  expect(config).toBeNull();
  return errors.toString();
}

const SPLIT_20_80 = '{"routes": [{"name": "split", "route": {"weighted_clusters": {"clusters": [{"name": "a", "weight": 20}, {"name": "b", "weight": 80}]}, "hash_policy": ["user"]}}]}';

describe("xxHash64", () => {
  // Reference values: XXH64 with seed 0 as the xxHash C library computes it (xxhash-wasm 1.1.0);
  // the lengths take every branch (empty, tail bytes, 4-byte tail, 32-byte stripes, UTF-8).
  it("equals the reference on inputs of every length class", () => {
    expect(xxHash64Text("", 0)).toBe(0xef46db3751d8e999);
    expect(xxHash64Text("a", 0)).toBe(0xd24ec4f1a98c6e5b);
    expect(xxHash64Text("abc", 0)).toBe(0x44bc2cf5ad770999);
    expect(xxHash64Text("0123456789abcdefghijklmnopqrstu", 0)).toBe(0x80adfc1d42020f39);
    expect(xxHash64Text("0123456789abcdefghijklmnopqrstuv", 0)).toBe(0xbf7c9dbe16b5c6e2);
    expect(xxHash64Text("The quick brown fox jumps over the lazy dog, then over the lazy cat, and back again!!", 0)).toBe(0x6e481373abf7fd14);
    expect(xxHash64Text("tenant-日本-é", 0)).toBe(0x098a116763358a7e);
    expect(xxHash64Text("abc", 42)).toBe(0x13c1d910702770e6);
  });

  it("chains over the keys in order, a missing key as the empty value", () => {
    const policy = new HashPolicy(["x", "y"]);
    const both = new Metadata();
    both.set("y", "b");
    both.set("x", "a");
    expect(policy.hash(both)).toBe(true);
    expect(policy.value).toBe(0x76d9a1916ddca8e6); // XXH64("b", seed XXH64("a", 0))
    expect(policy.hash(metadata("y", "b"))).toBe(true);
    expect(policy.value).toBe(xxHash64Text("b", xxHash64Text("", 0)));
    // ("ab", "") and ("a", "b") are different inputs, not one joined text.
    const joined = new Metadata();
    joined.set("x", "ab");
    joined.set("y", "");
    policy.hash(joined);
    expect(policy.value).not.toBe(0x76d9a1916ddca8e6);
  });

  it("gives no hash when none of the keys is present", () => {
    expect(new HashPolicy(["x", "y"]).hash(metadata("z", "c"))).toBe(false);
  });
});

describe("a route with a hash policy", () => {
  it("picks the same cluster for the same value every time, in any table", () => {
    const route = routeOf(SPLIT_20_80);
    const other = routeOf(SPLIT_20_80);
    for (let i = 0; i < 50; i++) {
      const value = "user-" + i.toString();
      const first = route.pick(metadata("user", value));
      // Other values in between, and the same value again.
      route.pick(metadata("user", "other-" + i.toString()));
      expect(route.pick(metadata("user", value))).toBe(first);
      expect(other.pick(metadata("user", value))).toBe(first);
    }
  });

  it("spreads 10,000 fixed values by the weights, within 1 point (20/80 gives 2,028 / 7,972)", () => {
    const route = routeOf(SPLIT_20_80);
    let a = 0;
    for (let i = 0; i < 10000; i++) if (route.pick(metadata("user", "user-" + i.toString())) == "a") a++;
    expect(a).toBeGreaterThanOrEqual(1900);
    expect(a).toBeLessThanOrEqual(2100);
  });

  it("spreads three clusters by the weights, and never picks a cluster of weight 0", () => {
    const route = routeOf('{"routes": [{"route": {"weightedClusters": {"clusters": [{"name": "a", "weight": 1}, {"name": "z", "weight": 0}, {"name": "b", "weight": 2}, {"name": "c", "weight": 7}]}, "hashPolicy": ["user"]}}]}');
    let a = 0, b = 0, c = 0;
    for (let i = 0; i < 10000; i++) {
      const cluster = route.pick(metadata("user", "user-" + i.toString()));
      if (cluster == "a") a++;
      else if (cluster == "b") b++;
      else if (cluster == "c") c++;
    }
    expect(a + b + c).toBe(10000);
    expect(Math.abs(a - 1000)).toBeLessThanOrEqual(100);
    expect(Math.abs(b - 2000)).toBeLessThanOrEqual(100);
    expect(Math.abs(c - 7000)).toBeLessThanOrEqual(100);
  });

  it("puts hash mod total weight into the weights walked in order", () => {
    const route = routeOf('{"routes": [{"route": {"weightedClusters": {"clusters": [{"name": "a", "weight": 3}, {"name": "b", "weight": 5}]}, "hashPolicy": ["k"]}}]}');
    for (let i = 0; i < 200; i++) {
      const value = "v" + i.toString();
      const bucket = xxHash64Text(value, 0) % 8;
      expect(route.pick(metadata("k", value))).toBe(bucket < 3 ? "a" : "b");
    }
  });

  it("falls back to smooth weighted round robin when no key is present", () => {
    const route = routeOf('{"routes": [{"route": {"weightedClusters": {"clusters": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1}]}, "hashPolicy": ["user"]}}]}');
    const none = metadata("method", "GET");
    const first = route.pick(none);
    const second = route.pick(none);
    expect(second).not.toBe(first);
    expect(route.pick(none)).toBe(first);
    expect(route.pick(none)).toBe(second);
  });

  it("with a single cluster, uses it", () => {
    const route = routeOf('{"routes": [{"route": {"cluster": "only", "hash_policy": ["user"]}}]}');
    expect(route.pick(metadata("user", "x"))).toBe("only");
    expect(route.pick(metadata("method", "y"))).toBe("only");
  });
});

describe("hash_policy in JSON", () => {
  it("refuses a value that is not a list, naming the field", () => {
    expect(errorsOf('{"routes": [{"route": {"cluster": "a", "hash_policy": "user"}}]}')).toBe("route_config.routes[0].route.hashPolicy: must be a array, got string");
  });

  it("refuses an empty or non-string key, naming its index", () => {
    expect(errorsOf('{"routes": [{"route": {"cluster": "a", "hashPolicy": ["user", ""]}}]}')).toBe("route_config.routes[0].route.hashPolicy[1]: must be a non-empty metadata key");
    expect(errorsOf('{"routes": [{"route": {"cluster": "a", "hashPolicy": [7]}}]}')).toBe("route_config.routes[0].route.hashPolicy[0]: must be a non-empty metadata key");
  });
});

function action(cluster: string, keys: string[]): Uint8Array {
  const a = new ProtobufWriter();
  a.stringField(1, cluster);
  for (let i = 0; i < keys.length; i++) a.stringField(3, keys[i]);
  const route = new ProtobufWriter();
  route.stringField(1, "r");
  route.bytesField(3, a.toBytes());
  const config = new ProtobufWriter();
  config.stringField(1, "rc");
  config.bytesField(2, route.toBytes());
  return config.toBytes();
}

describe("hash_policy in RDS (RouteAction field 3)", () => {
  it("reads the keys in order", () => {
    const decoded = decodeRouteConfiguration(action("c", ["tenant", "user"]));
    expect(decoded.error).toBeNull();
    const keys = decoded.value!.routes[0].hashPolicy;
    expect(keys.length).toBe(2);
    expect(keys[0]).toBe("tenant");
    expect(keys[1]).toBe("user");
    expect(decodeRouteConfiguration(action("c", [])).value!.routes[0].hashPolicy.length).toBe(0);
  });

  it("refuses an empty key, naming it", () => {
    expect(decodeRouteConfiguration(action("c", ["tenant", ""])).error).toBe("routes[0].route.hash_policy[1]: empty");
  });
});
