// meta_protocol.filters.metrics: a request counter and a duration histogram per label combination,
// as Prometheus metrics through Envoy's stats_tags (assembly/observability/stat-naming.ts):
//   {"naming": "meta_protocol", "protocol": "dubbo", "maxValuesPerLabel": 100, "reporter": "source"}
// - naming "meta_protocol" (default): meta_protocol_requests_total and
//   meta_protocol_request_duration_milliseconds{protocol, method, route, cluster, response_code};
//   "istio": istio_requests_total and istio_request_duration_milliseconds with Istio's standard
//   labels (request_protocol, response_code, response_flags, destination_service[_name|_namespace]
//   from the Istio cluster name, the proxy's own workload from node metadata, `unknown` otherwise).
// - protocol: the label's value; default the plugin's statPrefix, else its codec's name.
// - maxValuesPerLabel (default 100): per worker, the method, route and cluster labels keep their
//   first N values; later values count under `other`, so a client cannot grow the stats without bound.
// - reporter (Istio naming): "source" (default) or "destination", which side the proxy's workload fills.
// response_code is `ok` / `error` (the server's answer), `oneway`, or the reason a filter answered
// the request itself (`over_limit`, `route_not_found`, ...). A request is counted once its outcome
// is known (its response, its local reply; a oneway request when it passes this filter) so that
// route and cluster are those the router chose wherever this filter sits in the chain; durations
// (host clock, ms) are recorded for answered requests. Requests that never get an answer
// (connection closed first) are not counted here. Envoy needs the bootstrap's stats_tags
// (controller/translate/stats-tags.ts) to show the labels.
import { MetricType } from "../abi/types";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestView, ResponseView } from "../meta/filter";
import { JsonValue } from "../meta/json";
import { ResponseStatus } from "../meta/message";
import { BatchingMetricSink, HostMetricSink, vmPendingCounters } from "../observability/metric-sink";
import { localWorkload, pluginProtocol } from "../observability/proxy-identity";
import { RequestMetrics } from "../observability/request-metrics";
import { Naming, responseCode, responseFlags, StatNaming } from "../observability/stat-naming";

const DEFAULT_MAX_VALUES_PER_LABEL: i64 = 100;

class MetricsConfig extends FilterConfig {
  private metrics: RequestMetrics | null = null;

  constructor(readonly naming: Naming, readonly protocol: string, readonly maxValues: i32, readonly reporter: string) {
    super();
  }

  /** Made on first use: reading the node metadata and defining stats need a connection's callback. */
  get requestMetrics(): RequestMetrics {
    let m = this.metrics;
    if (m === null) {
      const naming = new StatNaming(this.naming, localWorkload(this.reporter));
      // Counts wait with the plugin's own for its flush (stats.ts); duration samples go at once.
      const sink = new BatchingMetricSink(new HostMetricSink(), vmPendingCounters());
      this.metrics = m = new RequestMetrics(naming, this.protocol, this.maxValues, sink);
    }
    return m;
  }

  createFilter(services: FilterServices): MetaFilter {
    return new Metrics(this, services);
  }
}

class Metrics extends MetaFilter {
  constructor(private config: MetricsConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    if (r.isOneway) this.config.requestMetrics.record(r.message.metadata.get("method"), r.routeName, r.cluster, "oneway", "-", -1);
    return MessageAction.Continue;
  }

  onResponse(v: ResponseView): void {
    const request = v.request;
    const local = v.isLocalReply;
    const code = responseCode(local, request.replyKind, v.status == ResponseStatus.Ok);
    const elapsed = this.services.now() - request.startNanos;
    const durationMs = <i64>(elapsed / 1_000_000);
    const metrics = this.config.requestMetrics;
    metrics.record(request.message.metadata.get("method"), request.routeName, request.cluster, code, responseFlags(local, request.replyKind), durationMs);
  }
}

/** Whether `config` is this filter's: its duration histogram then stands for the core request_time_ms (stats.ts). */
export function recordsRequestDurations(config: FilterConfig): bool {
  return config instanceof MetricsConfig;
}

export class MetricsFactory extends FilterFactory {
  get name(): string {
    return "meta_protocol.filters.metrics";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    let naming = Naming.MetaProtocol;
    let protocol: string | null = null;
    let maxValues = DEFAULT_MAX_VALUES_PER_LABEL;
    let reporter = "source";
    if (config !== null) {
      const fields = new ConfigFields(config, at, errors, ["naming", "protocol", "maxValuesPerLabel", "reporter"]);
      if (!fields.valid) return null;
      const before = errors.messages.length;
      const n = fields.string("naming");
      if (n !== null) {
        if (n == "istio") naming = Naming.Istio;
        else if (n != "meta_protocol") errors.add(fields.path("naming"), "must be \"meta_protocol\" or \"istio\"");
      }
      protocol = fields.string("protocol");
      if (fields.has("maxValuesPerLabel")) {
        maxValues = fields.count("maxValuesPerLabel");
        if (maxValues == 0 || maxValues > 100000) errors.add(fields.path("maxValuesPerLabel"), "must be an integer from 1 to 100000");
      }
      const rep = fields.string("reporter");
      if (rep !== null) {
        if (rep == "source" || rep == "destination") reporter = rep;
        else errors.add(fields.path("reporter"), "must be \"source\" or \"destination\"");
      }
      if (errors.messages.length > before) return null;
    }
    if (protocol === null) protocol = pluginProtocol();
    return new MetricsConfig(naming, protocol !== null ? protocol : "unknown", <i32>maxValues, reporter);
  }
}
