// An Envoy v3 static bootstrap that runs the MetaRouters in a plain Envoy (no Istio): one listener
// per MetaProtocol service port, whose chain is the module then tcp_proxy; a cluster per
// destination (Istio's names, endpoints from the ServiceEntry's endpoints whose labels match the
// subset); and, with an xDS address, an HTTP/2 cluster for the module's RDS stream.
//
// Listener addresses: `listenerAddress` (default 127.0.0.1) and the service port plus
// `listenerPortOffset` (default 20000), so the listener never takes the port of an upstream on
// the same machine (the examples' upstreams listen on their service ports and on port + 10000).
import { isIP } from "node:net";
import { problemAt } from "../resources/read.ts";
import { MAX_EARLY_DATA_BYTES } from "./early-data.ts";
import type { Problem } from "../resources/problem.ts";
import type { Mesh, MeshService } from "./mesh.ts";
import type { PortPlan, RouterPlan } from "./routers.ts";
import { outboundCluster, type RouteAction } from "./route-types.ts";
import { pluginConfiguration } from "./plugin-config.ts";
import { metaProtocolStatsConfig } from "./stats-tags.ts";

export const XDS_CLUSTER = "meta_protocol_xds";
export const DEFAULT_LISTENER_PORT_OFFSET = 20000;

export interface BootstrapOptions {
  /** The module as Envoy opens it (relative to Envoy's working directory). */
  moduleFile: string;
  xdsAddress?: { host: string; port: number };
  listenerAddress?: string;
  listenerPortOffset?: number;
  adminPort?: number;
  /** The bootstrap's node.id (default meta-protocol-envoy). */
  nodeId?: string;
  /** An access log line per request (the module's access_log filter, at info level). */
  accessLog?: boolean;
}

const socket = (address: string, port: number) => ({ socket_address: { address, port_value: port } });

function cluster(name: string, endpoints: { address: string; port: number }[], extra: Record<string, unknown> = {}) {
  const dns = endpoints.some((e) => isIP(e.address) === 0);
  return {
    name,
    type: dns ? "STRICT_DNS" : "STATIC",
    connect_timeout: "1s",
    ...extra,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: endpoints.map((e) => ({ endpoint: { address: socket(e.address, e.port) } })) }] },
  };
}

/** The endpoints of an Istio outbound cluster name, from the mesh. */
function clusterEndpoints(mesh: Mesh, name: string): { address: string; port: number }[] {
  const [, portText, subset, host] = name.split("|");
  const service = mesh.services.get(host) as MeshService;
  const port = Number(portText);
  const portInfo = service.ports.get(port);
  const labels = subset === "" ? {} : (mesh.subsets.get(host)?.get(subset)?.labels ?? {});
  const targetPort = portInfo?.targetPort ?? port;
  if (service.endpoints.length === 0) return subset === "" ? [{ address: host, port: targetPort }] : [];
  return service.endpoints
    .filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === v))
    .map((e) => ({ address: e.address, port: e.ports[portInfo?.name ?? ""] ?? targetPort }));
}

function clustersOf(action: RouteAction): string[] {
  return "cluster" in action ? [action.cluster] : action.weighted_clusters.clusters.map((c) => c.name);
}

/** A listener whose chain is the module, configured for `port`, then tcp_proxy. */
function listener(plan: RouterPlan, port: PortPlan, address: ReturnType<typeof socket>, options: BootstrapOptions, fallback: string) {
  const configuration = pluginConfiguration(plan, port, {
    localRateLimit: true, routing: true, xdsCluster: options.xdsAddress ? XDS_CLUSTER : undefined, accessLog: options.accessLog,
  });
  const wasm = {
    "@type": "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm",
    config: {
      name: "meta_protocol",
      root_id: "meta_protocol",
      vm_config: { vm_id: "meta_protocol", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: options.moduleFile } } },
      configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(configuration) },
      fail_open: false,
    },
  };
  // max_early_data_bytes: the client's first request must reach the module before tcp_proxy connects (see early-data.ts).
  const tcpProxy = {
    "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", stat_prefix: port.port.protocol, cluster: fallback,
    max_early_data_bytes: MAX_EARLY_DATA_BYTES,
  };
  return {
    name: port.routeConfig.name,
    address,
    filter_chains: [{ filters: [{ name: "envoy.filters.network.wasm", typed_config: wasm }, { name: "envoy.filters.network.tcp_proxy", typed_config: tcpProxy }] }],
  };
}

/** The bootstrap, and the service ports that cannot have a listener of their own (left out, reported). */
export function envoyBootstrap(plans: RouterPlan[], mesh: Mesh, options: BootstrapOptions): { bootstrap: Record<string, unknown>; problems: Problem[] } {
  const offset = options.listenerPortOffset ?? DEFAULT_LISTENER_PORT_OFFSET;
  const problems: Problem[] = [];
  const clusterNames = new Set<string>();
  const listenerOf = new Map<number, string>();
  const listeners = [];
  for (const plan of plans) {
    for (const port of plan.ports) {
      const number = port.port.number + offset;
      const taken = listenerOf.get(number);
      if (number > 65535 || taken) {
        const why = taken
          ? `listener port ${number} is already ${taken}'s: plain Envoy gets one listener per port, and two services use port ${port.port.number}`
          : `listener port ${number} (service port ${port.port.number} + ${offset}) is above 65535`;
        problems.push(problemAt(plan.router, ["spec", "hosts", 0], why, "unsupported"));
        continue;
      }
      listenerOf.set(number, port.routeConfig.name);
      const routes = port.routeConfig.routes;
      routes.forEach((r) => clustersOf(r.route).forEach((c) => clusterNames.add(c)));
      // As Istio does: a cluster for every subset, so that a route discovered later can name any of them.
      for (const subset of mesh.subsets.get(plan.service.host)?.keys() ?? []) clusterNames.add(outboundCluster(port.port.number, subset, plan.service.host));
      // tcp_proxy's own cluster serves a connection until the module picks one by its first request.
      const fallback = routes.length > 0 ? clustersOf(routes[0].route)[0] : outboundCluster(port.port.number, "", plan.service.host);
      clusterNames.add(fallback);
      listeners.push(listener(plan, port, socket(options.listenerAddress ?? "127.0.0.1", number), options, fallback));
    }
  }
  const clusters: Record<string, unknown>[] = [...clusterNames].sort().map((name) => cluster(name, clusterEndpoints(mesh, name)));
  if (options.xdsAddress) {
    clusters.push(
      cluster(XDS_CLUSTER, [{ address: options.xdsAddress.host, port: options.xdsAddress.port }], {
        typed_extension_protocol_options: {
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
      }),
    );
  }
  // stats_config: the metrics filter's labels become Prometheus labels (stats-tags.ts).
  // The node names this Envoy to the controller (the module sends it in every DiscoveryRequest).
  const node = { id: options.nodeId ?? "meta-protocol-envoy", cluster: "meta-protocol" };
  const bootstrap = {
    node, admin: { address: socket("127.0.0.1", options.adminPort ?? 9901) }, stats_config: metaProtocolStatsConfig(), static_resources: { listeners, clusters },
  };
  return { bootstrap, problems };
}
