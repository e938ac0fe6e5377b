// meta_protocol.filters.tracing (ours; Aeraki has no tracing filter): trace context propagation and
// one span per request, exported with OTLP over gRPC. Configuration:
//   {"grpcService": {"envoyGrpc": {"clusterName": "otel-collector"}, "timeout": "1s"},  // required
//    "serviceName": "dubbo-provider-sidecar",   // the resource's service.name
//    "spanKind": "SERVER",          // SERVER (a sidecar's inbound, the default) or CLIENT (its outbound)
//    "generate": true,              // start a trace for a request that carries none (default false)
//    "propagation": "W3C",          // how a generated trace goes out: W3C (default), B3 or B3_SINGLE
//    "samplingRate": 1,             // 0..1 of traces recorded (by trace id, so every hop agrees)
//    "batchSize": 64, "maxQueued": 2048, "flushInterval": "1s",
//    "rpcSystem": "dubbo",          // the span's rpc.system (the protocol)
//    "attributes": ["group", "version"]}   // metadata keys copied into span attributes
// For each request the incoming context is read from its metadata (W3C `traceparent`/`tracestate`,
// B3 single `b3`, or B3's `X-B3-*` keys: see propagation.ts), and the child context (same trace,
// this hop's new span id) is written into the outgoing frame by the codec, in the convention it
// came in (Dubbo attachments, bRPC user_fields, ...). A request with no context gets a new trace
// only with `generate`. A span is recorded when the incoming sampling state does not deny it and
// the trace id falls within `samplingRate`; the outgoing sampled flag says whether it was.
// The span: name `service/method` (or `method`), the configured kind, from the request's decoding
// to its response, status ERROR for an error response or a local reply (with the reply's kind and
// detail), attributes rpc.system, rpc.service, rpc.method, upstream_cluster and the configured
// metadata keys. A oneway request's span ends where it starts (no response comes).
// Place this filter first in the chain: a filter before it that answers a request hides the
// request from it. Spans are queued per VM and exported in batches (span-exporter.ts); nothing
// here holds a request.
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestInfo, RequestView, ResponseView } from "../meta/filter";
import { ConfigErrors } from "../meta/config-errors";
import { JsonValue } from "../meta/json";
import { ErrorKind, ResponseStatus } from "../meta/message";
import { INTERFACE, METHOD, SERVICE } from "../meta/metadata-keys";
import { GrpcStatus } from "../abi/types";
import { VM_IDS } from "../observability/tracing/id-source";
import { readIncoming, writeChild } from "../observability/tracing/propagation";
import { Span, SpanStatus } from "../observability/tracing/span";
import { SpanExporter } from "../observability/tracing/span-exporter";
import { Sampling, TraceContext } from "../observability/tracing/trace-context";
import { parseTracingSettings, TracingSettings } from "../observability/tracing/tracing-config";

/** Spans waiting for their response, per connection; beyond this the oldest is given up. */
const MAX_PENDING: i32 = 1024;
const ERROR_KIND_NAMES = ["RouteNotFound", "ClusterNotFound", "NoHealthyUpstream", "BadResponse", "OverLimit", "Unspecified"];

/** Whether a trace is within `rate`: its id's low 63 bits against rate * 2^63, as OpenTelemetry's TraceIdRatioBased sampler. */
export function withinRate(traceLow: u64, rate: f64): bool {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return (traceLow & 0x7fffffffffffffff) < <u64>(rate * 9223372036854775808.0);
}

export class TracingConfig extends FilterConfig {
  readonly exporter: SpanExporter;

  constructor(readonly settings: TracingSettings) {
    super();
    this.exporter = new SpanExporter(settings.exporter);
  }

  createFilter(services: FilterServices): MetaFilter {
    return new Tracing(this, services);
  }
}

class Tracing extends MetaFilter {
  private requests: RequestInfo[] = [];
  private spans: Span[] = [];

  constructor(private config: TracingConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const settings = this.config.settings;
    const incoming = readIncoming(r.message.metadata);
    const parent = incoming.context;
    if (parent === null && !settings.generate) return MessageAction.Continue;
    const now = this.services.now();
    VM_IDS.seed(now, this.services.connectionId);
    const child = new TraceContext();
    let convention = incoming.convention;
    if (parent !== null) {
      child.traceHigh = parent.traceHigh;
      child.traceLow = parent.traceLow;
      child.shortTraceId = parent.shortTraceId;
      child.parentSpanId = parent.spanId;
    } else {
      child.traceHigh = VM_IDS.next(now);
      child.traceLow = VM_IDS.next(now);
      // Keys of a convention that came without usable ids (a B3 sampling state) say how to answer.
      if (incoming.sampling == Sampling.Defer) convention = settings.propagation;
    }
    child.spanId = VM_IDS.next(now);
    const decision = parent !== null ? parent.sampling : incoming.sampling;
    const sampled = decision != Sampling.Deny && withinRate(child.traceLow, settings.samplingRate);
    writeChild(r.mutation, child, sampled, convention, incoming.spelling);
    if (!sampled) return MessageAction.Continue;

    const span = this.startSpan(r, child, incoming.traceState);
    if (r.isOneway) {
      span.endNanos = span.startNanos;
      this.config.exporter.add(span, this.services);
      return MessageAction.Continue;
    }
    if (this.requests.length >= MAX_PENDING) {
      this.requests.shift();
      this.spans.shift();
    }
    this.requests.push(r);
    this.spans.push(span);
    return MessageAction.Continue;
  }

  private startSpan(r: RequestView, c: TraceContext, traceState: string): Span {
    const settings = this.config.settings;
    const metadata = r.message.metadata;
    const span = new Span();
    span.traceHigh = c.traceHigh;
    span.traceLow = c.traceLow;
    span.spanId = c.spanId;
    span.parentSpanId = c.parentSpanId;
    span.traceState = traceState;
    span.kind = settings.kind;
    span.startNanos = r.startNanos;
    let service = metadata.get(SERVICE);
    if (service === null) service = metadata.get(INTERFACE);
    const method = metadata.get(METHOD);
    const methodName = method !== null ? method : "unknown";
    span.name = service !== null ? service + "/" + methodName : methodName;
    if (settings.rpcSystem.length > 0) span.attribute("rpc.system", settings.rpcSystem);
    if (service !== null) span.attribute("rpc.service", service);
    if (method !== null) span.attribute("rpc.method", method);
    // Read now: keys a codec decodes lazily are gone once the request's bytes pass on.
    for (let i = 0; i < settings.attributes.length; i++) {
      const v = metadata.get(settings.attributes[i]);
      if (v !== null) span.attribute(settings.attributes[i], v);
    }
    return span;
  }

  onResponse(r: ResponseView): void {
    const request = r.request;
    const i = this.requests.indexOf(request);
    if (i < 0) return;
    const span = this.spans[i];
    this.requests.splice(i, 1);
    this.spans.splice(i, 1);
    span.endNanos = max(this.services.now(), span.startNanos);
    if (request.cluster.length > 0) span.attribute("upstream_cluster", request.cluster);
    if (r.isLocalReply) {
      const kind = ERROR_KIND_NAMES[<i32>request.replyKind];
      span.status = SpanStatus.Error;
      span.statusMessage = "local reply " + kind + ": " + request.replyDetail;
      span.attribute("meta_protocol.local_reply", kind);
    } else if (r.status == ResponseStatus.Error) {
      span.status = SpanStatus.Error;
      span.statusMessage = "error response";
    }
    this.config.exporter.add(span, this.services);
  }

  onTimer(): void {
    this.config.exporter.onTimer(this.services);
  }

  onGrpcCallDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {
    this.config.exporter.onCallDone(token, status, this.services);
  }

  onConnectionClose(): void {
    this.requests.length = 0;
    this.spans.length = 0;
    this.config.exporter.onConnectionClose(this.services);
  }
}

export class TracingFactory extends FilterFactory {
  get name(): string {
    return "meta_protocol.filters.tracing";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    const settings = parseTracingSettings(config, at, errors);
    return settings === null ? null : new TracingConfig(settings);
  }
}
