// aeraki.meta_protocol.filters.router: picks the upstream cluster for a connection from its first
// request, by the first route whose match holds. Its routes are the plugin's table (Aeraki's
// `route_config`, kept up to date by route discovery when `rds` is configured), or its own:
//   {"routes": [{"name": "v2", "match": {"attributes": {"method": {"exact": "sayHello"}}}, "route": {"cluster": "dubbo-v2"}},
//               {"name": "split", "route": {"weightedClusters": [{"name": "a", "weight": 20}, {"name": "b", "weight": 80}]},
//                "requestMutation": [{"key": "x-tenant", "value": "blue"}]}]}
// (see routing/route-config-json.ts for every form a route may take).
// Stock Envoy gives a network filter one upstream per downstream connection (tcp_proxy), so the
// first request's first matching route binds the connection, whatever the reads look like: later
// requests travel on it whatever they match, and a request no route matches ends with the
// protocol's RouteNotFound error. A route's requestMutation is written into each request it
// matches, by the codec, when it re-encodes it.
import { logDebug } from "../abi/log";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ErrorKind } from "../meta/message";
import { parseRoutes } from "../routing/route-config-json";
import { RouteConfiguration } from "../routing/route-config";
import { RouteSource, RouteTable } from "../routing/route-table";

class RouterConfig extends FilterConfig {
  constructor(private source: RouteSource, private ownRoutes: bool) {
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
    return new Router(this.source, services);
  }
}

class Router extends MetaFilter {
  constructor(private source: RouteSource, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const table = this.source.current;
    if (table === null) return r.reply(ErrorKind.RouteNotFound, "no route configuration yet");
    const route = table.find(r.message.metadata);
    if (route === null) return r.reply(ErrorKind.RouteNotFound, "no route for this request");
    const mutation = route.requestMutation;
    for (let i = 0; i < mutation.length; i++) r.mutation.set(mutation[i].key, mutation[i].value);
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

export class RouterFactory extends FilterFactory {
  get name(): string {
    return "aeraki.meta_protocol.filters.router";
  }

  /** No config (Aeraki's router has none): the plugin's route table. With `routes`: a table of its own. */
  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    if (config === null) return new RouterConfig(new RouteSource(), false);
    const fields = new ConfigFields(config, at, errors, ["routes"]);
    if (!fields.valid) return null;
    const list = fields.field("routes", JsonKind.Array);
    if (list === null) return fields.has("routes") ? null : new RouterConfig(new RouteSource(), false);
    const routes = parseRoutes(list, fields.path("routes"), errors);
    if (routes === null) return null;
    const spec = new RouteConfiguration();
    spec.routes = routes;
    const table = RouteTable.compile(spec, "", at, errors);
    if (table === null) return null;
    const source = new RouteSource();
    source.current = table;
    return new RouterConfig(source, true);
  }
}
