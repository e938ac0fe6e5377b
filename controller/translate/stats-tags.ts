// The bootstrap's `stats_config.stats_tags` that turn the metrics filter's labelled stat names
// into Prometheus labels (assembly/observability/stat-naming.ts): a stat is defined as
// `label=.=value;.;...;.;metric`, and one regex per label, `(label=\.=(.+?);\.;)`, as Istio's
// bootstrap writes them, takes the pair out of the name (group 1) and keeps the value (group 2) as
// the tag. What remains, `wasmcustom.meta_protocol_requests_total`, is shown by /stats/prometheus
// as `meta_protocol_requests_total{...}`. Both namings' labels are listed, each name once; the
// label names must be those the module writes.

/** The labels of naming "meta_protocol" (the metrics filter's default). */
export const META_PROTOCOL_LABELS = ["protocol", "method", "route", "cluster", "response_code"] as const;

/** Istio's standard labels, in Istio's order (naming "istio"). */
export const ISTIO_LABELS = [
  "reporter", "source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
  "source_canonical_service", "source_canonical_revision", "source_cluster", "destination_workload",
  "destination_workload_namespace", "destination_principal", "destination_app", "destination_version",
  "destination_service", "destination_service_name", "destination_service_namespace",
  "destination_canonical_service", "destination_canonical_revision", "destination_cluster", "request_protocol",
  "response_flags", "connection_security_policy", "response_code", "grpc_response_status",
] as const;

export interface StatsTag {
  tag_name: string;
  regex: string;
}

/**
 * One TagSpecifier per label: Istio's `(label=\.=(.+?);\.;)` behind `(?:\.|;)`, the end of
 * `wasmcustom.` or of the previous pair, so that `protocol` is not found inside `request_protocol=`
 * nor `cluster` inside `source_cluster=` (std::regex has no lookbehind; only group 1 is removed).
 */
export function labelTag(label: string): StatsTag {
  return { tag_name: label, regex: `(?:\\.|;)(${label}=\\.=(.+?);\\.;)` };
}

/** The stats_tags for both namings (each label once: `response_code` is in both). */
export function metaProtocolStatsTags(): StatsTag[] {
  const names = [...new Set<string>([...META_PROTOCOL_LABELS, ...ISTIO_LABELS])];
  return names.map(labelTag);
}

/** The bootstrap's `stats_config`: Envoy's default tags stay on; ours are added. */
export function metaProtocolStatsConfig(): { stats_tags: StatsTag[] } {
  return { stats_tags: metaProtocolStatsTags() };
}
