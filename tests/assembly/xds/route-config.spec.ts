import { ProtobufWriter } from "../../../assembly/codecs/protobuf";
import { MatchKind, MetadataMatcher, RouteConfiguration } from "../../../assembly/routing/route-config";
import { decodeRouteConfiguration } from "../../../assembly/xds/route-decoder";
import * as fx from "./fixtures";
import { bytesOf, Random, withFlippedBits } from "./xds-checks";

function decoded(data: u8[]): RouteConfiguration {
  const result = decodeRouteConfiguration(bytesOf(data));
  expect(result.error).toBeNull();
  return result.value!;
}

function errorOf(data: u8[]): string {
  const result = decodeRouteConfiguration(bytesOf(data));
  expect(result.value).toBeNull();
  return result.error!;
}

function expectMatcher(m: MetadataMatcher, name: string, kind: MatchKind, value: string, ignoreCase: bool, invert: bool): void {
  expect(m.name).toBe(name);
  expect(m.kind).toBe(kind);
  expect(m.value).toBe(value);
  expect(m.ignoreCase).toBe(ignoreCase);
  expect(m.invert).toBe(invert);
}

/** Every decoded field as text, to compare two decodings whole. */
function render(c: RouteConfiguration): string {
  let out = c.name + "{";
  for (let i = 0; i < c.routes.length; i++) {
    const r = c.routes[i];
    out += r.name + "[";
    for (let j = 0; j < r.match.length; j++) {
      const m = r.match[j];
      out += m.name + " " + m.kind.toString() + " " + m.value + " " + m.present.toString() + m.ignoreCase.toString() + m.invert.toString() + m.treatMissingAsEmpty.toString() + ";";
    }
    out += "] " + r.cluster + " " + r.totalWeight.toString();
    for (let j = 0; j < r.weightedClusters.length; j++) out += " " + r.weightedClusters[j].name + "=" + r.weightedClusters[j].weight.toString();
    for (let j = 0; j < r.requestMutation.length; j++) out += " +" + r.requestMutation[j].key + "=" + r.requestMutation[j].value;
    for (let j = 0; j < r.responseMutation.length; j++) out += " -" + r.responseMutation[j].key + "=" + r.responseMutation[j].value;
    out += ";";
  }
  return out + "}";
}

describe("decodeRouteConfiguration with protobufjs-encoded Aeraki routes", () => {
  it("reads the name and the routes in order", () => {
    const c = decoded(fx.ROUTE_CONFIG);
    expect(c.name).toBe("meta-dubbo.demo-route");
    expect(c.routes.length).toBe(4);
    expect(c.routes[0].name).toBe("traffic-split");
    expect(c.routes[1].name).toBe("deprecated-kinds");
    expect(c.routes[2].name).toBe("string-match");
    expect(c.routes[3].name).toBe("default");
  });

  it("reads weighted clusters, their total and both mutations, skipping the fields it does not use", () => {
    const r = decoded(fx.ROUTE_CONFIG).routes[0];
    expect(r.match.length).toBe(2);
    expectMatcher(r.match[0], "interface", MatchKind.Exact, "org.apache.dubbo.samples.basic.api.DemoService", false, false);
    expectMatcher(r.match[1], "method", MatchKind.Exact, "sayHello", true, false);
    expect(r.cluster).toBe("");
    expect(r.weightedClusters.length).toBe(2);
    expect(r.weightedClusters[0].name).toBe("outbound|20880|v1|demo.meta-dubbo.svc.cluster.local");
    expect(r.weightedClusters[0].weight).toBe(20);
    expect(r.weightedClusters[1].name).toBe("outbound|20880|v2|demo.meta-dubbo.svc.cluster.local");
    expect(r.weightedClusters[1].weight).toBe(80);
    expect(r.totalWeight).toBe(100);
    expect(r.requestMutation.length).toBe(2);
    expect(r.requestMutation[0].key).toBe("foo");
    expect(r.requestMutation[0].value).toBe("bar");
    expect(r.requestMutation[1].key).toBe("x-tenant");
    expect(r.requestMutation[1].value).toBe("blue-é-日本");
    expect(r.responseMutation.length).toBe(1);
    expect(r.responseMutation[0].key).toBe("served-by");
    expect(r.responseMutation[0].value).toBe("v2");
  });

  it("reads HeaderMatcher's own match kinds, present_match both ways, invert and regex text", () => {
    const r = decoded(fx.ROUTE_CONFIG).routes[1];
    expect(r.match.length).toBe(6);
    expectMatcher(r.match[0], "a", MatchKind.Prefix, "org.", false, false);
    expectMatcher(r.match[1], "b", MatchKind.Suffix, "Service", false, false);
    expectMatcher(r.match[2], "c", MatchKind.Contains, "dubbo", false, false);
    expectMatcher(r.match[3], "d", MatchKind.Present, "", false, false);
    expect(r.match[3].present).toBe(true);
    expectMatcher(r.match[4], "e", MatchKind.Present, "", false, true);
    expect(r.match[4].present).toBe(false);
    expectMatcher(r.match[5], "f", MatchKind.Regex, "^say.*$", false, false);
    expect(r.cluster).toBe("outbound|20880|v1|demo.meta-dubbo.svc.cluster.local");
    expect(r.weightedClusters.length).toBe(0);
    expect(r.requestMutation.length).toBe(0);
    expect(r.responseMutation.length).toBe(0);
  });

  it("reads string_match kinds with ignore_case, treat_missing_header_as_empty, and a bare name as present", () => {
    const r = decoded(fx.ROUTE_CONFIG).routes[2];
    expect(r.match.length).toBe(5);
    expectMatcher(r.match[0], "g", MatchKind.Prefix, "pre", true, false);
    expectMatcher(r.match[1], "h", MatchKind.Suffix, "suf", false, true);
    // Envoy ignores ignore_case for safe_regex.
    expectMatcher(r.match[2], "i", MatchKind.Regex, "[a-z]+\\d{2}", false, false);
    expectMatcher(r.match[3], "j", MatchKind.Contains, "mid", false, false);
    expect(r.match[3].treatMissingAsEmpty).toBe(true);
    expect(r.match[2].treatMissingAsEmpty).toBe(false);
    expectMatcher(r.match[4], "k", MatchKind.Present, "", false, false);
    expect(r.match[4].present).toBe(true);
    expect(r.cluster).toBe("c2");
  });

  it("reads a route without a match as matching everything", () => {
    const r = decoded(fx.ROUTE_CONFIG).routes[3];
    expect(r.match.length).toBe(0);
    expect(r.cluster).toBe("outbound|20880||demo.meta-dubbo.svc.cluster.local");
  });

  it("skips unknown fields of every wire type in every message", () => {
    const plain = decoded(fx.SMALL_CONFIG);
    expect(render(plain)).toBe("small{r0[method 1 sayHello truefalsetruefalse;svc 2 org truefalsefalsefalse;]  7 v1=3 v2=4 +k=v -rk=rv;r1[] fallback 0;}");
    expect(render(decoded(fx.SMALL_CONFIG_WITH_UNKNOWN))).toBe(render(plain));
  });
});

describe("decodeRouteConfiguration refuses what the module cannot honour, naming route and field", () => {
  it("range_match", () => {
    expect(errorOf(fx.REFUSE_RANGE_MATCH)).toBe("routes[1].match.metadata[0].range_match: not supported (metadata values are text: use string_match)");
  });
  it("a custom string matcher", () => {
    expect(errorOf(fx.REFUSE_CUSTOM_MATCHER)).toBe("routes[0].match.metadata[0].string_match.custom: not supported (no custom string matchers in the module)");
  });
  it("a string_match with no pattern it knows", () => {
    expect(errorOf(fx.REFUSE_NO_PATTERN)).toBe("routes[2].match.metadata[1].string_match: no match pattern this module knows (exact, prefix, suffix, contains, safe_regex)");
  });
  it("weighted clusters whose weights add up to 0", () => {
    expect(errorOf(fx.REFUSE_ZERO_WEIGHT)).toBe("routes[0].route.weighted_clusters: total weight is 0");
  });
  it("weighted clusters with no clusters", () => {
    expect(errorOf(fx.REFUSE_EMPTY_WEIGHTED)).toBe("routes[1].route.weighted_clusters: total weight is 0");
  });
  it("a cluster taken from a header", () => {
    expect(errorOf(fx.REFUSE_CLUSTER_HEADER)).toBe("routes[0].route.weighted_clusters.clusters[1].cluster_header: not supported (give the cluster name)");
  });
  it("a route without an action", () => {
    expect(errorOf(fx.REFUSE_NO_ROUTE)).toBe("routes[1].route: no cluster (give cluster or weighted_clusters)");
  });
  it("an empty cluster name", () => {
    expect(errorOf(fx.REFUSE_EMPTY_CLUSTER)).toBe("routes[0].route: no cluster (give cluster or weighted_clusters)");
  });
  it("an empty regex", () => {
    expect(errorOf(fx.REFUSE_EMPTY_REGEX)).toBe("routes[0].match.metadata[0].safe_regex_match.regex: empty");
  });
  it("a mutation with an empty key", () => {
    expect(errorOf(fx.REFUSE_EMPTY_MUTATION_KEY)).toBe("routes[1].request_mutation[1].key: empty");
  });
});

/** A Route message with `action` as its RouteAction. */
function routeWith(action: ProtobufWriter): Uint8Array {
  const route = new ProtobufWriter();
  route.bytesField(3, action.toBytes());
  const config = new ProtobufWriter();
  config.bytesField(2, route.toBytes());
  return config.toBytes();
}

function weighted(name: string, weight: u64): Uint8Array {
  const value = new ProtobufWriter();
  value.varintField(1, weight);
  const member = new ProtobufWriter();
  member.stringField(1, name);
  member.bytesField(2, value.toBytes());
  const list = new ProtobufWriter();
  list.bytesField(1, member.toBytes());
  return list.toBytes();
}

describe("decodeRouteConfiguration, protobuf rules", () => {
  it("keeps the last member of a oneof given twice", () => {
    const clusterLast = new ProtobufWriter();
    clusterLast.bytesField(2, weighted("w", 5));
    clusterLast.stringField(1, "c");
    const r1 = decodeRouteConfiguration(routeWith(clusterLast)).value!.routes[0];
    expect(r1.cluster).toBe("c");
    expect(r1.weightedClusters.length).toBe(0);

    const weightedLast = new ProtobufWriter();
    weightedLast.stringField(1, "c");
    weightedLast.bytesField(2, weighted("w", 5));
    const r2 = decodeRouteConfiguration(routeWith(weightedLast)).value!.routes[0];
    expect(r2.cluster).toBe("");
    expect(r2.weightedClusters.length).toBe(1);
    expect(r2.totalWeight).toBe(5);
  });

  it("merges weighted_clusters given twice, and adds weights beyond 32 bits without wrapping", () => {
    const twice = new ProtobufWriter();
    twice.bytesField(2, weighted("a", 0xffffffff));
    twice.bytesField(2, weighted("b", 1));
    const r = decodeRouteConfiguration(routeWith(twice)).value!.routes[0];
    expect(r.weightedClusters.length).toBe(2);
    expect(r.totalWeight).toBe(0x100000000);
  });

  it("names the innermost field whose length runs past the message holding it", () => {
    // A HeaderMatcher of 4 bytes whose name claims 5: the byte after it belongs to the route.
    const matcher: u8[] = [0x0a, 0x05, 0x61, 0x62];
    const match = new ProtobufWriter();
    match.bytesField(1, bytesOf(matcher));
    const route = new ProtobufWriter();
    route.bytesField(2, match.toBytes());
    route.stringField(1, "after");
    const config = new ProtobufWriter();
    config.bytesField(2, route.toBytes());
    expect(decodeRouteConfiguration(config.toBytes()).error).toBe("routes[0].match.metadata[0].name: malformed (truncated or invalid protobuf)");
  });

  it("reads an empty message as a configuration without routes", () => {
    const c = decodeRouteConfiguration(new Uint8Array(0)).value!;
    expect(c.name).toBe("");
    expect(c.routes.length).toBe(0);
  });

  it("returns an error for every cut inside a field, and the routes before it for a cut between fields", () => {
    const whole = bytesOf(fx.ROUTE_CONFIG);
    const ends = fx.ROUTE_CONFIG_FIELD_ENDS;
    let errors = 0;
    for (let cut = 0; cut < whole.length; cut++) {
      const result = decodeRouteConfiguration(whole.slice(0, cut));
      const at = ends.indexOf(cut);
      if (at >= 0) {
        expect(result.error).toBeNull();
        // ends[0] is the empty message, ends[1] follows the name, then one route per field.
        expect(result.value!.routes.length).toBe(at > 1 ? at - 1 : 0);
      } else {
        expect(result.value).toBeNull();
        expect(result.error!.includes("malformed")).toBe(true);
        errors++;
      }
    }
    expect(errors).toBe(whole.length - ends.length + 1);
  });

  it("never traps on corrupted bytes, and gives a value or an error", () => {
    const fixtures: u8[][] = [fx.ROUTE_CONFIG, fx.SMALL_CONFIG_WITH_UNKNOWN];
    const random = new Random(0xc0ffee);
    let refused = 0;
    for (let f = 0; f < fixtures.length; f++) {
      const whole = bytesOf(fixtures[f]);
      for (let round = 0; round < 3000; round++) {
        const result = decodeRouteConfiguration(withFlippedBits(whole, random, 1 + random.below(4)));
        expect(result.value === null).not.toBe(result.error === null);
        if (result.error !== null) refused++;
      }
    }
    // Most corruptions hit a tag or a length: the decoder must notice a good share of them.
    expect(refused).toBeGreaterThan(1000);
  });
});
