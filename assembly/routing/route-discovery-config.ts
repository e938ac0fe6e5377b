// Aeraki's `rds` (MetaProtocolProxy.Rds) in the plugin configuration: the route table's name and
// where to ask for it. A Wasm module cannot use Envoy's own ADS connection, so the source must be
// an api_config_source of type GRPC naming a cluster (Envoy's envoy_grpc.cluster_name): the
// module opens its own stream to it through proxy_grpc_stream.
//   {"route_config_name": "svc_20880", "config_source": {"resource_api_version": "V3",
//    "api_config_source": {"api_type": "GRPC", "transport_api_version": "V3",
//                          "grpc_services": [{"envoy_grpc": {"cluster_name": "meta-protocol-controller"}}]}}}
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { JsonKind, JsonValue } from "../meta/json";

export class RouteDiscoveryConfig {
  constructor(readonly routeConfigName: string, readonly cluster: string, readonly nodeOnFirstMessageOnly: bool) {}
}

function expectV3(fields: ConfigFields, name: string): bool {
  const v = fields.string(name);
  if (v === null) return !fields.has(name);
  if (v != "V3") {
    fields.errors.add(fields.path(name), "only V3 is supported, got " + v);
    return false;
  }
  return true;
}

export function parseRouteDiscovery(value: JsonValue, at: string, errors: ConfigErrors): RouteDiscoveryConfig | null {
  const rds = new ConfigFields(value, at, errors, ["routeConfigName", "configSource"]);
  if (!rds.valid) return null;
  const name = rds.string("routeConfigName", true);
  const source = rds.field("configSource", JsonKind.Object, true);
  if (name === null || source === null) return null;
  const cs = new ConfigFields(source, rds.path("config_source"), errors, ["apiConfigSource", "ads", "resourceApiVersion", "initialFetchTimeout"]);
  if (!cs.valid || !expectV3(cs, "resourceApiVersion")) return null;
  if (cs.has("ads")) {
    errors.add(cs.path("ads"), "a Wasm module cannot use Envoy's ADS connection: give an api_config_source of type GRPC naming the control plane's cluster");
    return null;
  }
  if (cs.has("initialFetchTimeout")) {
    // Until the first table arrives the routers use route_config (or answer RouteNotFound): there is no warming to time out.
    errors.add(cs.path("initial_fetch_timeout"), "not supported: the module does not wait for the first table (give route_config for the routes to start with)");
    return null;
  }
  const api = cs.field("apiConfigSource", JsonKind.Object, true);
  if (api === null) return null;
  const a = new ConfigFields(api, cs.path("api_config_source"), errors, ["apiType", "transportApiVersion", "grpcServices", "setNodeOnFirstMessageOnly"]);
  if (!a.valid || !expectV3(a, "transportApiVersion")) return null;
  const type = a.string("apiType", true);
  if (type === null) return null;
  if (type != "GRPC") {
    errors.add(a.path("api_type"), "only GRPC (state of the world) is supported, got " + type);
    return null;
  }
  let firstOnly = false;
  if (a.has("setNodeOnFirstMessageOnly")) {
    const v = a.field("setNodeOnFirstMessageOnly", JsonKind.Bool);
    if (v === null) return null;
    firstOnly = v.bool;
  }
  const services = a.field("grpcServices", JsonKind.Array, true);
  if (services === null) return null;
  if (services.items.length != 1) {
    errors.add(a.path("grpc_services"), "needs exactly one gRPC service");
    return null;
  }
  const g = new ConfigFields(services.items[0], a.path("grpc_services") + "[0]", errors, ["envoyGrpc"]);
  if (!g.valid) return null;
  const envoyGrpc = g.field("envoyGrpc", JsonKind.Object, true);
  if (envoyGrpc === null) return null;
  const e = new ConfigFields(envoyGrpc, g.path("envoy_grpc"), errors, ["clusterName"]);
  if (!e.valid) return null;
  const cluster = e.string("clusterName", true);
  if (cluster === null) return null;
  return new RouteDiscoveryConfig(name, cluster, firstOnly);
}
