// Decodes Aeraki's RouteConfiguration (the resource of the module's route discovery) from its
// protobuf bytes into route-config.ts, with Envoy's HeaderMatcher, StringMatcher, RegexMatcher and
// WeightedCluster inside (field numbers from Envoy's and Aeraki's .proto files). What the module
// cannot honour is an error naming the route and field, for the caller to NACK with; unknown
// fields are skipped as protobuf does; malformed bytes are an error, never a trap. For a oneof
// given more than once the last one wins, as in protobuf.
import { WIRE_LEN, WIRE_VARINT } from "../codecs/protobuf";
import { Decoded } from "./decoded";
import { ProtoReader } from "./proto-reader";
import { ClusterWeight, KeyValue, MatchKind, MetadataMatcher, MetaRoute, RouteConfiguration } from "../routing/route-config";

const UNSUPPORTED_RANGE = "not supported (metadata values are text: use string_match)";
const UNSUPPORTED_CUSTOM = "not supported (no custom string matchers in the module)";
const UNSUPPORTED_CLUSTER_HEADER = "not supported (give the cluster name)";

export function decodeRouteConfiguration(bytes: Uint8Array): Decoded<RouteConfiguration> {
  const decoder = new RouteDecoder(bytes);
  const config = decoder.configuration();
  if (config === null) return Decoded.fail<RouteConfiguration>(decoder.error!);
  return Decoded.ok<RouteConfiguration>(config);
}

class RouteDecoder {
  private r: ProtoReader;
  /** The first problem found; set whenever a method returns null or false. */
  error: string | null = null;

  constructor(bytes: Uint8Array) {
    this.r = new ProtoReader(bytes);
  }

  private malformed(path: string): void {
    this.refuse(path, "malformed (truncated or invalid protobuf)");
  }

  private refuse(path: string, why: string): void {
    if (this.error === null) this.error = path + ": " + why;
  }

  /** The end of the nested message starting here, or -1 (reported) when it runs past `outer`. */
  private open(outer: i32, path: string): i32 {
    const end = this.r.lengthEnd(outer);
    if (end < 0) this.malformed(path);
    return end;
  }

  /** Checks a nested message was read to its end exactly. */
  private close(end: i32, path: string): bool {
    if (this.error !== null) return false;
    if (this.r.ended(end)) return true;
    this.malformed(path);
    return false;
  }

  /** A string field's text, or null (reported) when malformed; `nonEmpty` refuses "". */
  private text(end: i32, path: string, nonEmpty: bool = false): string | null {
    const value = this.r.string(end);
    if (value === null) this.malformed(path);
    else if (nonEmpty && value.length == 0) this.refuse(path, "empty");
    return this.error === null ? value : null;
  }

  configuration(): RouteConfiguration | null {
    const r = this.r;
    const end = r.size;
    const config = new RouteConfiguration();
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN)) {
        const name = this.text(end, "name");
        if (name === null) return null;
        config.name = name;
      } else if (r.is(2, WIRE_LEN)) {
        const route = this.route(end, "routes[" + config.routes.length.toString() + "]");
        if (route === null) return null;
        config.routes.push(route);
      } else if (!r.skip()) {
        break;
      }
    }
    return this.close(end, "RouteConfiguration") ? config : null;
  }

  private route(outer: i32, path: string): MetaRoute | null {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return null;
    const route = new MetaRoute();
    let weighted = false;
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN)) {
        const name = this.text(end, path + ".name");
        if (name === null) return null;
        route.name = name;
      } else if (r.is(2, WIRE_LEN)) {
        if (!this.routeMatch(end, path + ".match", route)) return null;
      } else if (r.is(3, WIRE_LEN)) {
        const action = this.routeAction(end, path + ".route", route);
        if (action < 0) return null;
        weighted = action == 1;
      } else if (r.is(19, WIRE_LEN) || r.is(20, WIRE_LEN)) {
        const list = r.field == 19 ? route.requestMutation : route.responseMutation;
        const field = r.field == 19 ? ".request_mutation[" : ".response_mutation[";
        const entry = this.keyValue(end, path + field + list.length.toString() + "]");
        if (entry === null) return null;
        list.push(entry);
      } else if (!r.skip()) {
        break;
      }
    }
    if (!this.close(end, path)) return null;
    if (weighted) {
      if (route.totalWeight == 0) {
        this.refuse(path + ".route.weighted_clusters", "total weight is 0");
        return null;
      }
    } else if (route.cluster.length == 0) {
      this.refuse(path + ".route", "no cluster (give cluster or weighted_clusters)");
      return null;
    }
    return route;
  }

  /** RouteMatch: its metadata matchers are appended to the route's. */
  private routeMatch(outer: i32, path: string, route: MetaRoute): bool {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return false;
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN)) {
        const matcher = this.headerMatcher(end, path + ".metadata[" + route.match.length.toString() + "]");
        if (matcher === null) return false;
        route.match.push(matcher);
      } else if (!r.skip()) {
        break;
      }
    }
    return this.close(end, path);
  }

  /** RouteAction into `route`: 0 for cluster, 1 for weighted_clusters, -1 on error. */
  private routeAction(outer: i32, path: string, route: MetaRoute): i32 {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return -1;
    let kind = route.weightedClusters.length > 0 ? 1 : 0;
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN)) {
        const cluster = this.text(end, path + ".cluster");
        if (cluster === null) return -1;
        route.cluster = cluster;
        route.weightedClusters = [];
        route.totalWeight = 0;
        kind = 0;
      } else if (r.is(2, WIRE_LEN)) {
        route.cluster = "";
        if (!this.weightedClusters(end, path + ".weighted_clusters", route)) return -1;
        kind = 1;
      } else if (r.is(3, WIRE_LEN)) {
        // hash_policy: Aeraki's RouteAction has `repeated string hash_policy`, but the route.proto
        // we have does not show its number; 3, the next free field of RouteAction, is our choice
        // (controller/proto/.../route.proto says the same).
        const key = this.text(end, path + ".hash_policy[" + route.hashPolicy.length.toString() + "]", true);
        if (key === null) return -1;
        route.hashPolicy.push(key);
      } else if (!r.skip()) {
        break;
      }
    }
    return this.close(end, path) ? kind : -1;
  }

  /** WeightedCluster: clusters are appended; runtime_key_prefix and the like are skipped. */
  private weightedClusters(outer: i32, path: string, route: MetaRoute): bool {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return false;
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN)) {
        const member = this.clusterWeight(end, path + ".clusters[" + route.weightedClusters.length.toString() + "]");
        if (member === null) return false;
        route.weightedClusters.push(member);
        route.totalWeight += member.weight;
      } else if (!r.skip()) {
        break;
      }
    }
    return this.close(end, path);
  }

  private clusterWeight(outer: i32, path: string): ClusterWeight | null {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return null;
    let name = "";
    let weight: u32 = 0;
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN)) {
        const text = this.text(end, path + ".name");
        if (text === null) return null;
        name = text;
      } else if (r.is(2, WIRE_LEN)) {
        const value = this.uint32Value(end, path + ".weight");
        if (value < 0) return null;
        weight = <u32>value;
      } else if (r.is(12, WIRE_LEN)) {
        this.refuse(path + ".cluster_header", UNSUPPORTED_CLUSTER_HEADER);
        return null;
      } else if (!r.skip()) {
        break;
      }
    }
    if (!this.close(end, path)) return null;
    if (name.length == 0) {
      this.refuse(path + ".name", "empty");
      return null;
    }
    return new ClusterWeight(name, weight);
  }

  /** google.protobuf.UInt32Value's value, or -1 on error. */
  private uint32Value(outer: i32, path: string): i64 {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return -1;
    let value: u32 = 0;
    while (r.next(end)) {
      if (r.is(1, WIRE_VARINT)) value = <u32>r.varint();
      else if (!r.skip()) break;
    }
    return this.close(end, path) ? <i64>value : -1;
  }

  private headerMatcher(outer: i32, path: string): MetadataMatcher | null {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return null;
    const m = new MetadataMatcher();
    while (r.next(end)) {
      const field = r.field;
      if (r.is(1, WIRE_LEN)) {
        const name = this.text(end, path + ".name");
        if (name === null) return null;
        m.name = name;
      } else if (r.is(4, WIRE_LEN) || r.is(9, WIRE_LEN) || r.is(10, WIRE_LEN) || r.is(12, WIRE_LEN)) {
        const kind = field == 4 ? MatchKind.Exact : field == 9 ? MatchKind.Prefix : field == 10 ? MatchKind.Suffix : MatchKind.Contains;
        const name = field == 4 ? ".exact_match" : field == 9 ? ".prefix_match" : field == 10 ? ".suffix_match" : ".contains_match";
        const value = this.text(end, path + name, kind != MatchKind.Exact);
        if (value === null) return null;
        set(m, kind, value);
      } else if (r.is(11, WIRE_LEN)) {
        const regex = this.regexMatcher(end, path + ".safe_regex_match");
        if (regex === null) return null;
        set(m, MatchKind.Regex, regex);
      } else if (r.is(7, WIRE_VARINT)) {
        set(m, MatchKind.Present, "");
        m.present = r.varint() != 0;
      } else if (r.is(13, WIRE_LEN)) {
        if (!this.stringMatcher(end, path + ".string_match", m)) return null;
      } else if (r.is(8, WIRE_VARINT)) {
        m.invert = r.varint() != 0;
      } else if (r.is(14, WIRE_VARINT)) {
        m.treatMissingAsEmpty = r.varint() != 0;
      } else if (r.is(6, WIRE_LEN)) {
        this.refuse(path + ".range_match", UNSUPPORTED_RANGE);
        return null;
      } else if (!r.skip()) {
        break;
      }
    }
    if (!this.close(end, path)) return null;
    if (m.name.length == 0) {
      this.refuse(path + ".name", "empty");
      return null;
    }
    return m;
  }

  /** StringMatcher into `m`; it must give one pattern this module knows. */
  private stringMatcher(outer: i32, path: string, m: MetadataMatcher): bool {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return false;
    let found = false;
    let ignoreCase = false;
    while (r.next(end)) {
      const field = r.field;
      if (r.is(1, WIRE_LEN) || r.is(2, WIRE_LEN) || r.is(3, WIRE_LEN) || r.is(7, WIRE_LEN)) {
        const kind = field == 1 ? MatchKind.Exact : field == 2 ? MatchKind.Prefix : field == 3 ? MatchKind.Suffix : MatchKind.Contains;
        const name = field == 1 ? ".exact" : field == 2 ? ".prefix" : field == 3 ? ".suffix" : ".contains";
        const value = this.text(end, path + name, kind != MatchKind.Exact);
        if (value === null) return false;
        set(m, kind, value);
        found = true;
      } else if (r.is(5, WIRE_LEN)) {
        const regex = this.regexMatcher(end, path + ".safe_regex");
        if (regex === null) return false;
        set(m, MatchKind.Regex, regex);
        found = true;
      } else if (r.is(6, WIRE_VARINT)) {
        ignoreCase = r.varint() != 0;
      } else if (r.is(8, WIRE_LEN)) {
        this.refuse(path + ".custom", UNSUPPORTED_CUSTOM);
        return false;
      } else if (!r.skip()) {
        break;
      }
    }
    if (!this.close(end, path)) return false;
    if (!found) {
      this.refuse(path, "no match pattern this module knows (exact, prefix, suffix, contains, safe_regex)");
      return false;
    }
    // Envoy ignores ignore_case for safe_regex: case folding belongs in the expression.
    m.ignoreCase = ignoreCase && m.kind != MatchKind.Regex;
    return true;
  }

  /** RegexMatcher's regex text (engine_type, only Google RE2, is skipped). */
  private regexMatcher(outer: i32, path: string): string | null {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return null;
    let regex = "";
    while (r.next(end)) {
      if (r.is(2, WIRE_LEN)) {
        const text = this.text(end, path + ".regex");
        if (text === null) return null;
        regex = text;
      } else if (!r.skip()) {
        break;
      }
    }
    if (!this.close(end, path)) return null;
    if (regex.length == 0) {
      this.refuse(path + ".regex", "empty");
      return null;
    }
    return regex;
  }

  private keyValue(outer: i32, path: string): KeyValue | null {
    const r = this.r;
    const end = this.open(outer, path);
    if (end < 0) return null;
    const entry = new KeyValue("", "");
    while (r.next(end)) {
      if (r.is(1, WIRE_LEN) || r.is(2, WIRE_LEN)) {
        const isKey = r.field == 1;
        const text = this.text(end, path + (isKey ? ".key" : ".value"));
        if (text === null) return null;
        if (isKey) entry.key = text;
        else entry.value = text;
      } else if (!r.skip()) {
        break;
      }
    }
    if (!this.close(end, path)) return null;
    if (entry.key.length == 0) {
      this.refuse(path + ".key", "empty");
      return null;
    }
    return entry;
  }
}

/** One header_match_specifier: the last one given wins, as in a protobuf oneof. */
function set(m: MetadataMatcher, kind: MatchKind, value: string): void {
  m.kind = kind;
  m.value = value;
  m.present = true;
  m.ignoreCase = false;
}
