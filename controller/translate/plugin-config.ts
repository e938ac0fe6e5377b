// The module's plugin configuration for one service port: Aeraki's MetaProtocolProxy
// (meta_protocol_proxy.proto) in proto3 JSON with proto field names. The route table is given
// inline (`route_config`, used until the first RDS answer) and, when an xDS cluster is known,
// through `rds` as well, so routes can change without reloading the plugin.
import type { PortPlan, RouterPlan } from "./routers.ts";
import type { LocalRateLimitConfig } from "./local-ratelimit.ts";
import type { GlobalRateLimitConfig } from "./global-ratelimit.ts";
import type { RouteConfiguration } from "./route-types.ts";

export const LOCAL_RATELIMIT_FILTER = "aeraki.meta_protocol.filters.local_ratelimit";
export const ROUTER_FILTER = "aeraki.meta_protocol.filters.router";
export const GLOBAL_RATELIMIT_FILTER = "aeraki.meta_protocol.filters.ratelimit";
export const METRICS_FILTER = "meta_protocol.filters.metrics";
export const ACCESS_LOG_FILTER = "meta_protocol.filters.access_log";

export interface Rds {
  route_config_name: string;
  config_source: {
    api_config_source: {
      api_type: "GRPC";
      transport_api_version: "V3";
      grpc_services: { envoy_grpc: { cluster_name: string } }[];
    };
  };
}

export interface MetaProtocolProxyConfig {
  stat_prefix: string;
  codec: { name: string };
  meta_protocol_filters: (
    | { name: typeof LOCAL_RATELIMIT_FILTER; config: LocalRateLimitConfig }
    | { name: typeof GLOBAL_RATELIMIT_FILTER; config: GlobalRateLimitConfig }
    | { name: typeof ROUTER_FILTER }
    | { name: typeof METRICS_FILTER }
    | { name: typeof ACCESS_LOG_FILTER; config: { level: string } }
  )[];
  route_config?: RouteConfiguration;
  rds?: Rds;
}

export interface PluginConfigOptions {
  /** Put the local and global rate limits in (the server side in Istio, always in plain Envoy). */
  localRateLimit: boolean;
  /** Put the router and its routes in (the client side in Istio, always in plain Envoy). */
  routing: boolean;
  /** The Envoy cluster of the controller's xDS server; no `rds` without it. */
  xdsCluster?: string;
  /** An access log line per request, at info level. */
  accessLog?: boolean;
}

export function rdsFor(routeConfigName: string, xdsCluster: string): Rds {
  return {
    route_config_name: routeConfigName,
    config_source: { api_config_source: { api_type: "GRPC", transport_api_version: "V3", grpc_services: [{ envoy_grpc: { cluster_name: xdsCluster } }] } },
  };
}

export function pluginConfiguration(plan: RouterPlan, port: PortPlan, options: PluginConfigOptions): MetaProtocolProxyConfig {
  const config: MetaProtocolProxyConfig = { stat_prefix: port.port.protocol, codec: { name: port.port.codec }, meta_protocol_filters: [] };
  // Labelled request metrics everywhere (the bootstrap's stats_tags turn them into Prometheus labels).
  config.meta_protocol_filters.push({ name: METRICS_FILTER });
  if (options.accessLog) config.meta_protocol_filters.push({ name: ACCESS_LOG_FILTER, config: { level: "info" } });
  if (options.localRateLimit && plan.localRateLimit) config.meta_protocol_filters.push({ name: LOCAL_RATELIMIT_FILTER, config: plan.localRateLimit });
  if (options.localRateLimit && plan.globalRateLimit) config.meta_protocol_filters.push({ name: GLOBAL_RATELIMIT_FILTER, config: plan.globalRateLimit });
  if (options.routing) {
    config.meta_protocol_filters.push({ name: ROUTER_FILTER });
    config.route_config = port.routeConfig;
    if (options.xdsCluster) config.rds = rdsFor(port.routeConfig.name, options.xdsCluster);
  }
  return config;
}
