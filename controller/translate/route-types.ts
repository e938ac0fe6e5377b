// Aeraki's RouteConfiguration (aeraki-mesh/meta-protocol-proxy
// api/meta_protocol_proxy/config/route/v1alpha/route.proto) in proto3 JSON with proto field names,
// as the module's plugin configuration and the xDS server carry it. Matchers are Envoy's
// envoy.config.route.v3.HeaderMatcher over the request's metadata.

export interface StringMatcher {
  exact?: string;
  prefix?: string;
  safe_regex?: { regex: string };
}

export interface HeaderMatcher {
  name: string;
  string_match?: StringMatcher;
  present_match?: boolean;
}

export interface RouteMatch {
  metadata: HeaderMatcher[];
}

export type RouteAction = ({ cluster: string } | { weighted_clusters: { clusters: { name: string; weight: number }[] } }) & {
  /** Metadata keys whose values pick the cluster by hash (field 3, our number: see route.proto). */
  hash_policy?: string[];
};

export interface KeyValue {
  key: string;
  value: string;
}

export interface Route {
  name: string;
  match?: RouteMatch;
  route: RouteAction;
  request_mutation?: KeyValue[];
  response_mutation?: KeyValue[];
}

export interface RouteConfiguration {
  name: string;
  routes: Route[];
}

/** Istio's name for the cluster of a host's port and subset. */
export function outboundCluster(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

/** The route table's name for a service port, as `rds.route_config_name` asks for it. */
export function routeConfigName(host: string, port: number): string {
  return `${host}_${port}`;
}
