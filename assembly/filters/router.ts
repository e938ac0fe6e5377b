// aeraki.meta_protocol.filters.router: picks the upstream cluster from the first request of a
// connection, by the first route whose match holds:
//   {"routes": [{"name": "v2", "match": {"attributes": {"method": {"exact": "sayHello"}}},
//                "route": {"cluster": "dubbo-v2"}},
//               {"name": "split", "route": {"weightedClusters": [{"name": "a", "weight": 20}, {"name": "b", "weight": 80}]},
//                "requestMutation": [{"key": "x-tenant", "value": "blue"}]}]}
// Stock Envoy gives a network filter one upstream per downstream connection (tcp_proxy), so the
// first request's first matching route binds the connection, whatever the reads look like: later
// requests travel on it whatever they match, and a request no route matches ends with the
// protocol's RouteNotFound error. Weighted clusters spread connections by smooth weighted round
// robin per worker (as nginx and Envoy's WRR do), so a split is exact over every cycle of weights. A route's requestMutation (as in
// Aeraki's MetaRouter) is written into each request it matches, by the codec, when it re-encodes it.
import { logDebug } from "../abi/log";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ErrorKind } from "../meta/message";
import { Metadata } from "../meta/metadata";
import { MetadataMatch } from "./attribute-match";

class WeightedCluster {
  /** Smooth weighted round robin's running weight. */
  current: i64 = 0;
  constructor(public name: string, public weight: i64) {}
}

class Route {
  mutationKeys: string[] = [];
  mutationValues: string[] = [];

  constructor(public name: string, public match: MetadataMatch, public clusters: WeightedCluster[], public totalWeight: i64) {}

  /** The next cluster by smooth weighted round robin: each gains its weight, the largest wins and pays the total. */
  pick(): string {
    const clusters = this.clusters;
    if (clusters.length == 1) return clusters[0].name;
    let best = clusters[0];
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[i];
      c.current += c.weight;
      if (c.current > best.current) best = c;
    }
    best.current -= this.totalWeight;
    return best.name;
  }
}

class RouterConfig extends FilterConfig {
  constructor(readonly routes: Route[]) {
    super();
  }

  needsUpstreamChoice(): bool {
    return true;
  }

  createFilter(services: FilterServices): MetaFilter {
    return new Router(this, services);
  }

  find(metadata: Metadata): Route | null {
    for (let i = 0; i < this.routes.length; i++) {
      if (this.routes[i].match.matches(metadata)) return this.routes[i];
    }
    return null;
  }
}

class Router extends MetaFilter {
  constructor(private config: RouterConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const route = this.config.find(r.message.metadata);
    if (route === null) return r.reply(ErrorKind.RouteNotFound, "no route for this request");
    for (let i = 0; i < route.mutationKeys.length; i++) r.mutation.set(route.mutationKeys[i], route.mutationValues[i]);
    const upstream = this.services.upstream!;
    if (!upstream.started && upstream.boundCluster.length == 0) {
      const cluster = route.pick();
      if (!upstream.chooseCluster(cluster)) return r.reply(ErrorKind.ClusterNotFound, "cannot choose cluster " + cluster);
      logDebug("router: connection " + this.services.connectionId.toString() + " -> " + cluster + " (route " + route.name + ")");
    }
    r.setRoute(route.name, upstream.boundCluster);
    return MessageAction.Continue;
  }
}

function parseRoute(value: JsonValue, at: string, errors: ConfigErrors): Route | null {
  const fields = new ConfigFields(value, at, errors, ["name", "match", "route", "requestMutation"]);
  if (!fields.valid) return null;
  const name = fields.string("name");
  const matchValue = fields.field("match", JsonKind.Object);
  let match: MetadataMatch | null = new MetadataMatch();
  if (matchValue !== null) match = MetadataMatch.parse(matchValue, fields.path("match"), errors);
  else if (fields.has("match")) match = null;
  const target = fields.field("route", JsonKind.Object, true);
  if (match === null || target === null) return null;
  const t = new ConfigFields(target, fields.path("route"), errors, ["cluster", "weightedClusters"]);
  if (!t.valid) return null;
  const clusters: WeightedCluster[] = [];
  let total: i64 = 0;
  const single = t.string("cluster");
  const weighted = t.field("weightedClusters", JsonKind.Array);
  if ((single === null) == (weighted === null)) {
    if (!t.has("cluster") && !t.has("weightedClusters") || (single !== null && weighted !== null)) {
      errors.add(t.at, "needs exactly one of cluster, weightedClusters");
    }
    return null;
  }
  if (single !== null) {
    clusters.push(new WeightedCluster(single, 1));
    total = 1;
  } else {
    for (let i = 0; i < weighted!.items.length; i++) {
      const w = new ConfigFields(weighted!.items[i], t.path("weightedClusters") + "[" + i.toString() + "]", errors, ["name", "weight"]);
      if (!w.valid) return null;
      const clusterName = w.string("name", true);
      const weight = w.count("weight", true);
      if (clusterName === null || weight < 0) return null;
      clusters.push(new WeightedCluster(clusterName, weight));
      total += weight;
    }
    if (total <= 0) {
      errors.add(t.path("weightedClusters"), "weights must add up to more than zero");
      return null;
    }
  }
  const route = new Route(name !== null ? name : "route" + clusters[0].name, match, clusters, total);
  const mutation = fields.field("requestMutation", JsonKind.Array);
  if (mutation !== null) {
    for (let i = 0; i < mutation.items.length; i++) {
      const kv = new ConfigFields(mutation.items[i], fields.path("requestMutation") + "[" + i.toString() + "]", errors, ["key", "value"]);
      if (!kv.valid) return null;
      const key = kv.string("key", true);
      const v = kv.string("value", true);
      if (key === null || v === null) return null;
      route.mutationKeys.push(key);
      route.mutationValues.push(v);
    }
  }
  return route;
}

export class RouterFactory extends FilterFactory {
  get name(): string {
    return "aeraki.meta_protocol.filters.router";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    if (config === null) {
      errors.add(at, "required: routes");
      return null;
    }
    const fields = new ConfigFields(config, at, errors, ["routes"]);
    if (!fields.valid) return null;
    const list = fields.field("routes", JsonKind.Array, true);
    if (list === null) return null;
    const routes: Route[] = [];
    let valid = true;
    for (let i = 0; i < list.items.length; i++) {
      const route = parseRoute(list.items[i], fields.path("routes") + "[" + i.toString() + "]", errors);
      if (route === null) valid = false;
      else routes.push(route);
    }
    return valid ? new RouterConfig(routes) : null;
  }
}
