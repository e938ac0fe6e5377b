// The router's table, compiled from a RouteConfiguration (from the plugin configuration's
// route_config, the router's own `routes`, or route discovery): first matching route wins; a
// route names one cluster or weighted clusters, picked by smooth weighted round robin per worker
// (as nginx and Envoy's WRR do), so a split is exact over every cycle of weights; or, when the
// route has a hash policy and the request carries one of its keys, by the hash of those keys'
// values (metadata-hash.ts): hash mod the total weight, walked over the weights in order, so equal
// values always pick the same cluster. A table is replaced whole (route discovery swaps it
// between messages), never edited.
import { ConfigErrors } from "../meta/config-errors";
import { Metadata } from "../meta/metadata";
import { HashPolicy } from "./metadata-hash";
import { MetadataMatch } from "./metadata-match";
import { KeyValue, MetaRoute, MismatchPolicy, RouteConfiguration } from "./route-config";

class WeightedCluster {
  /** Smooth weighted round robin's running weight. */
  current: i64 = 0;
  constructor(public name: string, public weight: i64) {}
}

export class Route {
  constructor(
    readonly name: string,
    readonly match: MetadataMatch,
    private clusters: WeightedCluster[],
    private totalWeight: i64,
    readonly requestMutation: KeyValue[],
    readonly responseMutation: KeyValue[],
    /** Unset: the router's own policy. */
    readonly mismatch: MismatchPolicy,
    /** Null: round robin only. */
    private hashPolicy: HashPolicy | null,
  ) {}

  /** The cluster for a request with `metadata`: by its hash policy's hash, else round robin. */
  pick(metadata: Metadata): string {
    const clusters = this.clusters;
    if (clusters.length == 1) return clusters[0].name;
    const policy = this.hashPolicy;
    if (policy !== null && policy.hash(metadata)) return this.bucket(policy.value);
    return this.next();
  }

  /** The cluster whose share of [0, total weight) holds `hash mod total weight`. */
  private bucket(hash: u64): string {
    const clusters = this.clusters;
    let at = <i64>(hash % <u64>this.totalWeight);
    for (let i = 0; i < clusters.length; i++) {
      at -= clusters[i].weight;
      if (at < 0) return clusters[i].name;
    }
    return unreachable();
  }

  /** The next cluster by smooth weighted round robin: each gains its weight, the largest wins and pays the total. */
  private next(): string {
    const clusters = this.clusters;
    let best: WeightedCluster | null = null;
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[i];
      if (c.weight == 0) continue;
      c.current += c.weight;
      if (best === null || c.current > best.current) best = c;
    }
    best!.current -= this.totalWeight;
    return best!.name;
  }

  /** The clusters this route may pick, joined by "," (for logs and error details). */
  clusterNames(): string {
    const names: string[] = [];
    for (let i = 0; i < this.clusters.length; i++) {
      if (this.clusters[i].weight > 0 || this.clusters.length == 1) names.push(this.clusters[i].name);
    }
    return names.join(",");
  }

  /** Whether `cluster` is one this route may pick. */
  names(cluster: string): bool {
    for (let i = 0; i < this.clusters.length; i++) {
      if (this.clusters[i].name == cluster && (this.clusters[i].weight > 0 || this.clusters.length == 1)) return true;
    }
    return false;
  }
}

export class RouteTable {
  constructor(readonly name: string, readonly version: string, readonly routes: Route[]) {}

  find(metadata: Metadata): Route | null {
    for (let i = 0; i < this.routes.length; i++) {
      if (unchecked(this.routes[i]).match.matches(metadata)) return unchecked(this.routes[i]);
    }
    return null;
  }

  /** Compiles `config`; null with every problem in `errors` (field paths under `at`). */
  static compile(config: RouteConfiguration, version: string, at: string, errors: ConfigErrors): RouteTable | null {
    const routes: Route[] = [];
    let valid = true;
    for (let i = 0; i < config.routes.length; i++) {
      const route = compileRoute(config.routes[i], at + ".routes[" + i.toString() + "]", errors);
      if (route === null) valid = false;
      else routes.push(route);
    }
    return valid ? new RouteTable(config.name, version, routes) : null;
  }
}

function compileRoute(spec: MetaRoute, at: string, errors: ConfigErrors): Route | null {
  const match = MetadataMatch.compile(spec.match, at + ".match.metadata", errors);
  if (match === null) return null;
  const clusters: WeightedCluster[] = [];
  let total: i64 = 0;
  if (spec.cluster.length > 0) {
    clusters.push(new WeightedCluster(spec.cluster, 1));
    total = 1;
  } else {
    for (let i = 0; i < spec.weightedClusters.length; i++) {
      const w = spec.weightedClusters[i];
      clusters.push(new WeightedCluster(w.name, <i64>w.weight));
      total += <i64>w.weight;
    }
  }
  if (clusters.length == 0 || total <= 0) {
    errors.add(at + ".route", "needs a cluster, or weighted clusters whose weights add up to more than zero");
    return null;
  }
  const name = spec.name.length > 0 ? spec.name : "route-" + clusters[0].name;
  const hash = spec.hashPolicy.length > 0 ? new HashPolicy(spec.hashPolicy) : null;
  return new Route(name, match, clusters, total, spec.requestMutation, spec.responseMutation, spec.mismatch, hash);
}

/**
 * Where a router finds the plugin's table (route_config, then each update from route discovery):
 * read at every request, so connections opened after an update use the new table.
 */
export class RouteSource {
  current: RouteTable | null = null;
}
