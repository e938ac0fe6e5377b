// The spans of one VM (one Envoy worker) on their way to an OTLP collector: a bounded queue sent
// in batches with TraceService/Export, a unary gRPC call made through whichever connection's filter
// has the batch at hand. Nothing here ever holds or slows a request: a span that finds the queue
// full is dropped and counted; a batch the host refuses, or the collector fails or does not answer
// in time, is dropped and counted. At most MAX_EXPORTS_IN_FLIGHT calls run at once; while they do,
// spans wait in the queue (up to maxQueued).
// A partial batch goes out `flushMillis` after its first span, from a wake-up of the connection
// that queued it (or at once if that connection closes first, or from the next span if the wake-up
// was lost). A call's answer reaches the module only while the connection that made it is open
// (Envoy hands it to that context); an export whose connection closed first is counted neither way
// and its slot frees at its deadline.
// Counters: meta_protocol.tracing.{spans_exported, spans_dropped, export_errors}.
import { defineMetric, incrementMetric } from "../../abi/host";
import { logDebug } from "../../abi/log";
import { GrpcStatus, MetricType } from "../../abi/types";
import { FilterServices } from "../../meta/filter";
import { encodeExportRequest, ExportSource, OTLP_EXPORT_METHOD, OTLP_TRACE_SERVICE } from "./otlp-encoder";
import { Span } from "./span";

export const MAX_EXPORTS_IN_FLIGHT: i32 = 4;

export enum TracingStat {
  SpansExported = 0,
  SpansDropped = 1,
  ExportErrors = 2,
}
const STAT_NAMES = ["spans_exported", "spans_dropped", "export_errors"];

/** Defined on first use (defining needs the host), then one host call per increment. */
class TracingCounters {
  private ids: u32[] = [];
  add(stat: TracingStat, delta: i64): void {
    if (delta == 0) return;
    if (this.ids.length == 0) {
      for (let i = 0; i < STAT_NAMES.length; i++) this.ids.push(defineMetric(MetricType.Counter, "meta_protocol.tracing." + STAT_NAMES[i]));
    }
    incrementMetric(this.ids[stat], delta);
  }
}

export class ExporterSettings {
  constructor(
    /** A serialized GrpcService naming the collector's cluster, as proxy_grpc_call takes it. */
    readonly collector: Uint8Array,
    readonly source: ExportSource,
    readonly batchSize: i32,
    readonly maxQueued: i32,
    readonly flushMillis: u32,
    readonly timeoutMillis: u32,
  ) {}
}

class Export {
  constructor(readonly token: u32, readonly spans: i32, readonly deadlineNanos: u64) {}
}

export class SpanExporter {
  private queue: Span[] = [];
  private inFlight: Export[] = [];
  private counters: TracingCounters = new TracingCounters();
  /** The services of the connection whose wake-up will flush, null when none is due. */
  private flusher: FilterServices | null = null;
  private flushDueNanos: u64 = 0;

  constructor(readonly settings: ExporterSettings) {}

  get queued(): i32 {
    return this.queue.length;
  }

  /** Queues a finished span (or drops it, when the queue is full); sends a batch once one is ready. */
  add(span: Span, services: FilterServices): void {
    if (this.queue.length >= this.settings.maxQueued) {
      this.counters.add(TracingStat.SpansDropped, 1);
      return;
    }
    this.queue.push(span);
    const now = services.now();
    if (this.queue.length >= this.settings.batchSize || (this.flusher !== null && now >= this.flushDueNanos + <u64>this.settings.flushMillis * 1_000_000)) {
      this.send(services, now);
    } else if (this.flusher === null) {
      this.flusher = services;
      this.flushDueNanos = now + <u64>this.settings.flushMillis * 1_000_000;
      services.wakeAfter(this.settings.flushMillis);
    }
  }

  /** The flush wake-up of `services`' filter came. */
  onTimer(services: FilterServices): void {
    if (this.flusher !== services) return;
    this.send(services, services.now());
  }

  /** `services`' connection is closing: a flush it was due to make is made now. */
  onConnectionClose(services: FilterServices): void {
    if (this.flusher === services) this.send(services, services.now());
  }

  /** Whether `token` is one of the exports; if so, counts its outcome and sends what waits. */
  onCallDone(token: u32, status: GrpcStatus, services: FilterServices): bool {
    let i = 0;
    while (i < this.inFlight.length && this.inFlight[i].token != token) i++;
    if (i == this.inFlight.length) return false;
    const done = this.inFlight[i];
    this.inFlight.splice(i, 1);
    if (status == GrpcStatus.Ok) {
      this.counters.add(TracingStat.SpansExported, done.spans);
    } else {
      logDebug("tracing: the collector failed an export of " + done.spans.toString() + " span(s), gRPC status " + (<i32>status).toString());
      this.counters.add(TracingStat.ExportErrors, 1);
      this.counters.add(TracingStat.SpansDropped, done.spans);
    }
    if (this.queue.length >= this.settings.batchSize) this.send(services, services.now());
    return true;
  }

  /** Sends queued spans in batches while call slots are free; re-arms the flush if some must wait. */
  private send(services: FilterServices, now: u64): void {
    this.flusher = null;
    this.expire(now);
    while (this.queue.length > 0 && this.inFlight.length < MAX_EXPORTS_IN_FLIGHT) {
      const n = min(this.queue.length, this.settings.batchSize);
      const batch = this.queue.slice(0, n);
      this.queue = this.queue.slice(n);
      const message = encodeExportRequest(this.settings.source, batch);
      const s = this.settings;
      const token = services.grpcCall(s.collector, OTLP_TRACE_SERVICE, OTLP_EXPORT_METHOD, message, s.timeoutMillis);
      if (token == 0) {
        logDebug("tracing: the host refused the call to the collector");
        this.counters.add(TracingStat.ExportErrors, 1);
        this.counters.add(TracingStat.SpansDropped, n);
        continue;
      }
      // A second of grace past the call's timeout: by then the host has answered, or never will.
      this.inFlight.push(new Export(token, n, now + (<u64>s.timeoutMillis + 1000) * 1_000_000));
    }
    if (this.queue.length > 0) {
      this.flusher = services;
      this.flushDueNanos = now + <u64>this.settings.flushMillis * 1_000_000;
      services.wakeAfter(this.settings.flushMillis);
    }
  }

  /** Frees the slots of exports whose answer can no longer come (their connection closed). */
  private expire(now: u64): void {
    let kept = 0;
    for (let i = 0; i < this.inFlight.length; i++) {
      if (this.inFlight[i].deadlineNanos > now) this.inFlight[kept++] = this.inFlight[i];
    }
    this.inFlight.length = kept;
  }
}
