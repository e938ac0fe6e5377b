// A RouteConfiguration read from JSON: Aeraki's route_config in proto3 JSON (proto field names or
// lowerCamelCase), as the plugin configuration carries it inline,
//   {"name": "svc_20880", "routes": [{"name": "v2", "match": {"metadata": [{"name": "method", "string_match": {"exact": "sayHello"}}]},
//     "route": {"weighted_clusters": {"clusters": [{"name": "outbound|20880|v1|svc", "weight": 20}, ...]}},
//     "request_mutation": [{"key": "x-tenant", "value": "blue"}], "response_mutation": [...]}]}
// and the router's own `routes` list, where a match may also be MetaRouter's `attributes` and
// `weightedClusters` a plain list of {name, weight}. A route may carry `"mismatch": "forward" |
// "reject" | "drain"` (ours): what the router does when the route matches a request on a
// connection already bound to a cluster the route cannot pick (see filters/router.ts). A route
// action may carry `"hash_policy": ["key", ...]` (Aeraki's RouteAction.hash_policy, also
// `hashPolicy`): metadata keys whose values pick the cluster (routing/metadata-hash.ts).
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { JsonKind, JsonValue } from "../meta/json";
import { parseMatchSpecs } from "./metadata-match";
import { ClusterWeight, KeyValue, MetaRoute, MismatchPolicy, RouteConfiguration } from "./route-config";

export function parseRouteConfiguration(value: JsonValue, at: string, errors: ConfigErrors): RouteConfiguration | null {
  const fields = new ConfigFields(value, at, errors, ["name", "routes"]);
  if (!fields.valid) return null;
  const config = new RouteConfiguration();
  const name = fields.string("name");
  if (name !== null) config.name = name;
  const routes = fields.field("routes", JsonKind.Array);
  if (routes === null) return fields.has("routes") ? null : config;
  const parsed = parseRoutes(routes, fields.path("routes"), errors);
  if (parsed === null) return null;
  config.routes = parsed;
  return config;
}

export function parseRoutes(list: JsonValue, at: string, errors: ConfigErrors): MetaRoute[] | null {
  const routes: MetaRoute[] = [];
  let valid = true;
  for (let i = 0; i < list.items.length; i++) {
    const route = parseRoute(list.items[i], at + "[" + i.toString() + "]", errors);
    if (route === null) valid = false;
    else routes.push(route);
  }
  return valid ? routes : null;
}

function parseRoute(value: JsonValue, at: string, errors: ConfigErrors): MetaRoute | null {
  const fields = new ConfigFields(value, at, errors, ["name", "match", "route", "requestMutation", "responseMutation", "mismatch"]);
  if (!fields.valid) return null;
  const route = new MetaRoute();
  const name = fields.string("name");
  if (name !== null) route.name = name;
  // Every part is read even after a problem, so that all of them are named at once.
  let valid = true;
  const match = fields.field("match", JsonKind.Object);
  if (match !== null) {
    const specs = parseMatchSpecs(match, fields.path("match"), errors);
    if (specs === null) valid = false;
    else route.match = specs;
  } else if (fields.has("match")) {
    valid = false;
  }
  const target = fields.field("route", JsonKind.Object, true);
  if (target === null || !parseAction(target, fields.path("route"), errors, route)) valid = false;
  const request = parseMutation(fields, "requestMutation", errors);
  const response = parseMutation(fields, "responseMutation", errors);
  const mismatch = parseMismatch(fields, errors);
  if (!valid || request === null || response === null || mismatch < 0) return null;
  route.mismatch = <MismatchPolicy>mismatch;
  route.requestMutation = request;
  route.responseMutation = response;
  return route;
}

function parseAction(value: JsonValue, at: string, errors: ConfigErrors, route: MetaRoute): bool {
  const t = new ConfigFields(value, at, errors, ["cluster", "weightedClusters", "hashPolicy"]);
  if (!t.valid) return false;
  const hashPolicy = parseHashPolicy(t, errors);
  if (hashPolicy === null) return false;
  route.hashPolicy = hashPolicy;
  if (t.has("cluster") == t.has("weightedClusters")) {
    errors.add(at, "needs exactly one of cluster, weighted_clusters");
    return false;
  }
  if (t.has("cluster")) {
    const cluster = t.string("cluster");
    if (cluster === null) return false;
    if (cluster.length == 0) {
      errors.add(t.path("cluster"), "must not be empty");
      return false;
    }
    route.cluster = cluster;
    return true;
  }
  // Envoy's WeightedCluster {clusters: [...]}, or the router's plain list.
  let list: JsonValue | null = null;
  let listAt = t.path("weightedClusters");
  if (!t.isKind("weightedClusters", JsonKind.Array)) {
    const weighted = t.field("weightedClusters", JsonKind.Object);
    if (weighted === null) return false;
    const w = new ConfigFields(weighted, listAt, errors, ["clusters"]);
    if (!w.valid) return false;
    list = w.field("clusters", JsonKind.Array, true);
    listAt = w.path("clusters");
  } else {
    list = t.field("weightedClusters", JsonKind.Array);
  }
  if (list === null) return false;
  for (let i = 0; i < list.items.length; i++) {
    const c = new ConfigFields(list.items[i], listAt + "[" + i.toString() + "]", errors, ["name", "weight"]);
    if (!c.valid) return false;
    const name = c.string("name", true);
    const weight = c.count("weight", true);
    if (name === null || weight < 0) return false;
    if (weight > 0xffffffff) {
      errors.add(c.path("weight"), "must fit in 32 bits");
      return false;
    }
    route.weightedClusters.push(new ClusterWeight(name, <u32>weight));
    route.totalWeight += <u64>weight;
  }
  if (route.totalWeight == 0) {
    errors.add(listAt, "weights must add up to more than zero");
    return false;
  }
  return true;
}

/** The optional `hashPolicy`: a list of non-empty metadata keys (empty when absent), or null with an error. */
function parseHashPolicy(fields: ConfigFields, errors: ConfigErrors): string[] | null {
  const keys: string[] = [];
  const list = fields.field("hashPolicy", JsonKind.Array);
  if (list === null) return fields.has("hashPolicy") ? null : keys;
  for (let i = 0; i < list.items.length; i++) {
    const item = list.items[i];
    const at = fields.path("hashPolicy") + "[" + i.toString() + "]";
    if (item.kind != JsonKind.String || item.string.length == 0) {
      errors.add(at, "must be a non-empty metadata key");
      return null;
    }
    keys.push(item.string);
  }
  return keys;
}

const MISMATCH_NAMES = ["forward", "reject", "drain"];

/** The optional `mismatch` field: a MismatchPolicy (Unset when absent), or -1 with an error. */
export function parseMismatch(fields: ConfigFields, errors: ConfigErrors): i32 {
  if (!fields.has("mismatch")) return MismatchPolicy.Unset;
  const text = fields.string("mismatch");
  if (text === null) return -1;
  const i = MISMATCH_NAMES.indexOf(text);
  if (i < 0) {
    errors.add(fields.path("mismatch"), "must be one of forward, reject, drain, got \"" + text + "\"");
    return -1;
  }
  return MismatchPolicy.Forward + i;
}

function parseMutation(fields: ConfigFields, name: string, errors: ConfigErrors): KeyValue[] | null {
  const out: KeyValue[] = [];
  const list = fields.field(name, JsonKind.Array);
  if (list === null) return fields.has(name) ? null : out;
  for (let i = 0; i < list.items.length; i++) {
    const kv = new ConfigFields(list.items[i], fields.path(name) + "[" + i.toString() + "]", errors, ["key", "value"]);
    if (!kv.valid) return null;
    const key = kv.string("key", true);
    const value = kv.string("value", true);
    if (key === null || value === null) return null;
    out.push(new KeyValue(key, value));
  }
  return out;
}
