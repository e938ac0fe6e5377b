// How a labelled metric's labels travel to Prometheus through a stock Envoy: inside the stat name,
// in Istio's layout `label=.=value;.;label=.=value;.;metric` (istio/proxy extensions/stats), so that
// one bootstrap `stats_tags` regex per label, `(?:\.|;)(label=\.=(.+?);\.;)`, cuts each pair out of
// the name and makes it a tag (the lead-in keeps `protocol` from matching inside `request_protocol`).
// Values may hold dots and `|` (Istio cluster names); the lazy `.+?` stops at the first `;.;`,
// which is why values never hold `;` (label-values.ts). Two namings share it:
// ours (`meta_protocol_requests_total{protocol, method, route, cluster, response_code}`) and Istio's
// (`istio_requests_total` with Istio's standard labels). The controller writes the matching
// stats_tags (controller/translate/stats-tags.ts); the label names here and there must agree.
import { ErrorKind } from "../meta/message";
import { UNKNOWN } from "./label-values";

export const VALUE_SEPARATOR = "=.=";
export const FIELD_SEPARATOR = ";.;";

export enum Naming {
  MetaProtocol = 0,
  Istio = 1,
}

export const META_PROTOCOL_LABELS: string[] = ["protocol", "method", "route", "cluster", "response_code"];

/** Istio's standard labels in its order (STD_ISTIO_DIMENSIONS). */
export const ISTIO_LABELS: string[] = [
  "reporter", "source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
  "source_canonical_service", "source_canonical_revision", "source_cluster", "destination_workload",
  "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
  "destination_service", "destination_service_name", "destination_service_namespace",
  "destination_canonical_service", "destination_canonical_revision", "destination_cluster", "request_protocol",
  "response_flags", "connection_security_policy", "response_code", "grpc_response_status",
];

/** What one request says about itself (already folded and cleaned). */
export class RequestLabels {
  constructor(
    public protocol: string,
    public method: string,
    public route: string,
    public cluster: string,
    public responseCode: string,
    public responseFlags: string,
  ) {}
}

/**
 * What the proxy knows of its own workload (Istio's node metadata), fixed per VM. The peer's
 * workload is not known to a network filter without metadata exchange: its labels are `unknown`.
 */
export class LocalWorkload {
  reporter: string = "source";
  workload: string = UNKNOWN;
  namespace: string = UNKNOWN;
  app: string = UNKNOWN;
  version: string = UNKNOWN;
  canonicalService: string = UNKNOWN;
  canonicalRevision: string = UNKNOWN;
  clusterId: string = UNKNOWN;
}

/** The response_code value of a request: ok / error from the server, or why a filter answered it. */
export function responseCode(localReply: bool, kind: ErrorKind, serverOk: bool): string {
  if (!localReply) return serverOk ? "ok" : "error";
  switch (kind) {
    case ErrorKind.RouteNotFound: return "route_not_found";
    case ErrorKind.ClusterNotFound: return "cluster_not_found";
    case ErrorKind.NoHealthyUpstream: return "no_healthy_upstream";
    case ErrorKind.BadResponse: return "bad_response";
    case ErrorKind.OverLimit: return "over_limit";
    default: return "local_reply";
  }
}

/** Envoy's short response flags for a local reply's reason ("-" for none), as Istio labels them. */
export function responseFlags(localReply: bool, kind: ErrorKind): string {
  if (!localReply) return "-";
  switch (kind) {
    case ErrorKind.RouteNotFound: return "NR";
    case ErrorKind.ClusterNotFound: return "NC";
    case ErrorKind.NoHealthyUpstream: return "UH";
    case ErrorKind.OverLimit: return "RL";
    default: return "LR";
  }
}

/** The proxy's own workload labels fill the side it reports for; the other side is unknown. */
function side(value: string, ours: bool): string {
  return ours ? value : UNKNOWN;
}

/** `name=.=value;.;` for each label, then the metric name. */
export function taggedStatName(metric: string, names: string[], values: string[]): string {
  const parts = new Array<string>(names.length * 4 + 1);
  for (let i = 0; i < names.length; i++) {
    parts[i * 4] = names[i];
    parts[i * 4 + 1] = VALUE_SEPARATOR;
    parts[i * 4 + 2] = values[i];
    parts[i * 4 + 3] = FIELD_SEPARATOR;
  }
  parts[names.length * 4] = metric;
  return parts.join("");
}

/** The service host of an Istio cluster name `outbound|port|subset|host`, else the name itself. */
export function serviceOfCluster(cluster: string): string {
  const parts = cluster.split("|");
  if (parts.length == 4) return parts[3].length > 0 ? parts[3] : UNKNOWN;
  return cluster;
}

export class StatNaming {
  readonly requestsTotal: string;
  readonly requestDuration: string;
  readonly labelNames: string[];

  constructor(readonly naming: Naming, readonly local: LocalWorkload) {
    const istio = naming == Naming.Istio;
    this.requestsTotal = istio ? "istio_requests_total" : "meta_protocol_requests_total";
    this.requestDuration = istio ? "istio_request_duration_milliseconds" : "meta_protocol_request_duration_milliseconds";
    this.labelNames = istio ? ISTIO_LABELS : META_PROTOCOL_LABELS;
  }

  /** The label values in labelNames' order. */
  values(r: RequestLabels): string[] {
    if (this.naming == Naming.MetaProtocol) return [r.protocol, r.method, r.route, r.cluster, r.responseCode];
    const l = this.local;
    const s = l.reporter != "destination";
    const service = serviceOfCluster(r.cluster);
    // An in-cluster host is `name.namespace.svc...`; any other host is its own name.
    let serviceName = service;
    let serviceNamespace = UNKNOWN;
    const svc = service.indexOf(".svc.");
    if (svc > 0) {
      const dot = service.indexOf(".");
      serviceName = service.substring(0, dot);
      if (dot < svc) serviceNamespace = service.substring(dot + 1, svc);
    }
    return [
      l.reporter,
      side(l.workload, s), side(l.namespace, s), UNKNOWN, side(l.app, s), side(l.version, s),
      side(l.canonicalService, s), side(l.canonicalRevision, s), side(l.clusterId, s),
      side(l.workload, !s), side(l.namespace, !s), UNKNOWN, side(l.app, !s), side(l.version, !s),
      service, serviceName, serviceNamespace,
      side(l.canonicalService, !s), side(l.canonicalRevision, !s), side(l.clusterId, !s),
      r.protocol, r.responseFlags, UNKNOWN, r.responseCode, UNKNOWN,
    ];
  }

  counterName(values: string[]): string {
    return taggedStatName(this.requestsTotal, this.labelNames, values);
  }

  histogramName(values: string[]): string {
    return taggedStatName(this.requestDuration, this.labelNames, values);
  }
}
