// aeraki.meta_protocol.filters.router: picks the upstream cluster for a connection from its first
// request, by the first route whose match holds. Its routes are the plugin's table (Aeraki's
// `route_config`, kept up to date by route discovery when `rds` is configured), or its own:
//   {"routes": [{"name": "v2", "match": {"attributes": {"method": {"exact": "sayHello"}}}, "route": {"cluster": "dubbo-v2"}},
//               {"name": "split", "route": {"weightedClusters": [{"name": "a", "weight": 20}, {"name": "b", "weight": 80}]},
//                "requestMutation": [{"key": "x-tenant", "value": "blue"}]}],
//    "mismatch": "drain", "maxRequestsPerConnection": 100, "maxConnectionDuration": "60s"}
// (see routing/route-config-json.ts for every form a route may take).
// Stock Envoy gives a network filter one upstream per downstream connection (tcp_proxy), so the
// first request's first matching route binds the connection, whatever the reads look like, and a
// request no route matches ends with the protocol's RouteNotFound error. A later request whose
// route cannot pick the bound cluster is a mismatch, counted `route_mismatch` and handled by the
// route's `mismatch` policy, else the router's (default forward): `forward` sends it to the bound
// cluster; `reject` answers it with the protocol's ClusterNotFound error, the connection open;
// `drain` does not forward it, delivers the replies in flight, then closes the connection, so the
// client reconnects and is routed afresh. Recycling (ours) drains the same way: after
// `maxRequestsPerConnection` requests the next one drains the connection, and so does the first
// request after `maxConnectionDuration` (from the connection's first request), or a wake-up then
// when the connection is idle. A route's requestMutation is written into each request it matches,
// by the codec, when it re-encodes it; its responseMutation into the response to that request, for
// codecs whose responses carry key/values (see Codec.mutatesResponses).
import { logDebug, logEnabled } from "../abi/log";
import { LogLevel } from "../abi/types";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ErrorKind } from "../meta/message";
import { parseMismatch, parseRoutes } from "../routing/route-config-json";
import { MismatchPolicy, RouteConfiguration } from "../routing/route-config";
import { Route, RouteSource, RouteTable } from "../routing/route-table";

/** The router's connection policies: mismatch default and recycling (0: no limit). */
class ConnectionPolicy {
  mismatch: MismatchPolicy = MismatchPolicy.Forward;
  maxRequests: i64 = 0;
  maxDurationMillis: i64 = 0;
}

class RouterConfig extends FilterConfig {
  constructor(private source: RouteSource, private ownRoutes: bool, private policy: ConnectionPolicy) {
    super();
  }

  /** A router without routes of its own follows the plugin's table. */
  usePluginRoutes(routes: RouteSource): void {
    if (!this.ownRoutes) this.source = routes;
  }

  needsUpstreamChoice(): bool {
    return true;
  }

  createFilter(services: FilterServices): MetaFilter {
    return new Router(this.source, services, this.policy);
  }
}

class Router extends MetaFilter {
  /** Requests this router has seen on the connection. */
  private seen: i64 = 0;
  /** When the connection reaches maxConnectionDuration (host clock); 0 before its first request. */
  private deadlineNanos: u64 = 0;

  constructor(private source: RouteSource, private services: FilterServices, private policy: ConnectionPolicy) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const recycle = this.recycleReason();
    if (recycle !== null) {
      // The connection manager drops this request and closes between replies.
      this.services.drainConnection(recycle);
      return MessageAction.Continue;
    }
    this.seen++;
    const table = this.source.current;
    if (table === null) return r.reply(ErrorKind.RouteNotFound, "no route configuration yet");
    const route = table.find(r.message.metadata);
    if (route === null) return r.reply(ErrorKind.RouteNotFound, "no route for this request");
    const mutation = route.requestMutation;
    for (let i = 0; i < mutation.length; i++) r.mutation.set(mutation[i].key, mutation[i].value);
    const back = route.responseMutation;
    for (let i = 0; i < back.length; i++) r.responseMutation.set(back[i].key, back[i].value);
    const upstream = this.services.upstream!;
    if (!upstream.started && upstream.boundCluster.length == 0) {
      const cluster = route.pick(r.message.metadata);
      if (!upstream.chooseCluster(cluster)) return r.reply(ErrorKind.ClusterNotFound, "cannot choose cluster " + cluster);
      if (logEnabled(LogLevel.Debug)) logDebug("router: connection " + this.services.connectionId.toString() + " -> " + cluster + " (route " + route.name + ")");
    } else if (upstream.boundCluster.length > 0 && !route.names(upstream.boundCluster)) {
      return this.mismatch(r, route, upstream.boundCluster);
    }
    r.setRoute(route.name, upstream.boundCluster);
    return MessageAction.Continue;
  }

  private mismatch(r: RequestView, route: Route, bound: string): MessageAction {
    this.services.countRouteMismatch();
    const policy = route.mismatch != MismatchPolicy.Unset ? route.mismatch : this.policy.mismatch;
    if (policy == MismatchPolicy.Reject) return r.reply(ErrorKind.ClusterNotFound, mismatchDetail(route, bound));
    if (policy == MismatchPolicy.Drain) {
      this.services.drainConnection(mismatchDetail(route, bound));
      return MessageAction.Continue;
    }
    if (logEnabled(LogLevel.Debug)) {
      logDebug("router: connection " + this.services.connectionId.toString() + ": " + mismatchDetail(route, bound) + ", forwarded there");
    }
    r.setRoute(route.name, bound);
    return MessageAction.Continue;
  }

  /** Why this connection is to be recycled before the request now decoded, or null. */
  private recycleReason(): string | null {
    const p = this.policy;
    if (p.maxRequests > 0 && this.seen >= p.maxRequests) return "maxRequestsPerConnection " + p.maxRequests.toString() + " reached";
    if (p.maxDurationMillis <= 0) return null;
    const now = this.services.now();
    if (this.deadlineNanos == 0) {
      this.deadlineNanos = now + <u64>p.maxDurationMillis * 1_000_000;
      this.services.wakeAfter(<u32>p.maxDurationMillis);
      return null;
    }
    return now >= this.deadlineNanos ? "maxConnectionDuration reached" : null;
  }

  /** The only wake-up the router asks for: maxConnectionDuration has passed (an idle connection closes now). */
  onTimer(): void {
    this.services.drainConnection("maxConnectionDuration reached");
  }
}

function mismatchDetail(route: Route, bound: string): string {
  return "route " + route.name + " wants cluster " + route.clusterNames() + ", connection bound to " + bound;
}

export class RouterFactory extends FilterFactory {
  get name(): string {
    return "aeraki.meta_protocol.filters.router";
  }

  /**
   * No config (Aeraki's router has none): the plugin's route table. With `routes`: a table of its
   * own. `mismatch`, `maxRequestsPerConnection` and `maxConnectionDuration` are ours.
   */
  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    const policy = new ConnectionPolicy();
    if (config === null) return new RouterConfig(new RouteSource(), false, policy);
    const fields = new ConfigFields(config, at, errors, ["routes", "mismatch", "maxRequestsPerConnection", "maxConnectionDuration"]);
    if (!fields.valid) return null;
    const mismatch = parseMismatch(fields, errors);
    if (mismatch > 0) policy.mismatch = <MismatchPolicy>mismatch;
    if (fields.has("maxRequestsPerConnection")) policy.maxRequests = fields.count("maxRequestsPerConnection");
    if (fields.has("maxConnectionDuration")) policy.maxDurationMillis = fields.durationMillis("maxConnectionDuration");
    if (mismatch < 0 || policy.maxRequests < 0 || policy.maxDurationMillis < 0) return null;
    if (policy.maxDurationMillis > <i64>U32.MAX_VALUE) {
      errors.add(fields.path("maxConnectionDuration"), "must be under 49 days");
      return null;
    }
    const list = fields.field("routes", JsonKind.Array);
    if (list === null) return fields.has("routes") ? null : new RouterConfig(new RouteSource(), false, policy);
    const routes = parseRoutes(list, fields.path("routes"), errors);
    if (routes === null) return null;
    const spec = new RouteConfiguration();
    spec.routes = routes;
    const table = RouteTable.compile(spec, "", at, errors);
    if (table === null) return null;
    const source = new RouteSource();
    source.current = table;
    return new RouterConfig(source, true, policy);
  }
}
