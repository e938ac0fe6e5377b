// One finished span as the exporter queues it: ids, name, kind, times, status and string
// attributes, nothing that refers back to the request (it outlives it).

/** OTLP's Span.SpanKind (trace.proto): only the two a proxy records. */
export enum SpanKind {
  Server = 2,
  Client = 3,
}

/** OTLP's Status.StatusCode (trace.proto): instrumentation leaves success UNSET. */
export enum SpanStatus {
  Unset = 0,
  Error = 2,
}

export class Span {
  traceHigh: u64 = 0;
  traceLow: u64 = 0;
  spanId: u64 = 0;
  /** 0 for a root span. */
  parentSpanId: u64 = 0;
  /** The W3C `tracestate` that came with the request, "" if none. */
  traceState: string = "";
  /** W3C trace flags (bit 0: sampled). */
  flags: u32 = 1;
  name: string = "";
  kind: SpanKind = SpanKind.Server;
  startNanos: u64 = 0;
  endNanos: u64 = 0;
  status: SpanStatus = SpanStatus.Unset;
  statusMessage: string = "";
  attributeKeys: string[] = [];
  attributeValues: string[] = [];

  attribute(key: string, value: string): void {
    this.attributeKeys.push(key);
    this.attributeValues.push(value);
  }
}
