// Access log entries to Envoy's gRPC access log service, in batches on one client stream per VM
// (an Envoy worker), as Envoy's own gRPC access logger keeps one stream per worker. Entries wait
// in a buffer (bufferSizeBytes) until it is full or bufferFlushInterval has passed since the first
// one; then they go as one StreamAccessLogsMessage. The first message on a stream carries the
// identifier (node id, log name). A stream that ended (the server went away) is noticed by its
// close or by a refused send; a new one is opened at once, and after more failures in a row at a
// flush after a backoff (the flush interval, doubled per failure, up to 30 s). Traffic never waits: while there is no stream and the
// buffer is full, new entries are dropped and counted. Entries sent on a stream that then fails
// are lost, as with Envoy's logger (client streaming has no acknowledgement).
// Counters: meta_protocol.access_log.<logName>.{entries_sent, entries_dropped, streams_opened}.
import { defineMetric, getPropertyString, incrementMetric } from "../abi/host";
import { MetricType } from "../abi/types";
import { FilterServices } from "../meta/filter";
import { ALS_METHOD, ALS_SERVICE, encodeMessage } from "./als-messages";

enum Counter {
  EntriesSent = 0,
  EntriesDropped = 1,
  StreamsOpened = 2,
}
const COUNTER_NAMES = ["entries_sent", "entries_dropped", "streams_opened"];
const MAX_BACKOFF_MS: u64 = 30_000;

export class AlsSender {
  private token: u32 = 0;
  private identified: bool = false;
  private batch: Uint8Array[] = [];
  private batchBytes: i32 = 0;
  /** The connection whose wake-up will flush the batch (0: none scheduled). */
  private flushOwner: u32 = 0;
  private counterIds: u32[] = [];
  private nodeId: string | null = null;
  /** Failed streams in a row, and when the next may be opened (host clock). */
  private failures: i32 = 0;
  private retryAtNanos: u64 = 0;

  constructor(
    /** A serialized GrpcService, as proxy_grpc_stream takes it. */
    readonly service: Uint8Array,
    readonly logName: string,
    readonly bufferSizeBytes: i32,
    readonly flushIntervalMs: u32,
  ) {}

  /** Queues one encoded TCPAccessLogEntry. */
  add(entry: Uint8Array, services: FilterServices): void {
    if (this.batchBytes + entry.length > this.bufferSizeBytes && this.batch.length > 0) this.flush(services);
    if (this.batchBytes + entry.length > this.bufferSizeBytes && this.batch.length > 0) {
      this.count(Counter.EntriesDropped, 1);
      return;
    }
    this.batch.push(entry);
    this.batchBytes += entry.length;
    if (this.flushOwner == 0) {
      this.flushOwner = services.connectionId;
      services.wakeAfter(this.flushIntervalMs);
    }
  }

  /** The flush wake-up of `services`' connection came. */
  onTimer(services: FilterServices): void {
    if (this.flushOwner != services.connectionId) return;
    this.flushOwner = 0;
    this.flush(services);
    this.rescheduleIfWaiting(services);
  }

  /** A connection closes: if its wake-up was to flush, flush now (the wake-up dies with it). */
  onConnectionClose(services: FilterServices): void {
    if (this.flushOwner != services.connectionId) return;
    this.flushOwner = 0;
    this.flush(services);
  }

  /** A stream this sender opened ended: a new one after the backoff. */
  onStreamClose(token: u32, services: FilterServices): void {
    if (token != this.token) return;
    this.token = 0;
    this.identified = false;
    this.failed(services.now());
  }

  /** Sends the batch on the stream (opening one if due); keeps it when no stream takes it. */
  flush(services: FilterServices): void {
    if (this.batch.length == 0) return;
    const now = services.now();
    // A second attempt when the first finds the stream ended unseen (its close went to a connection now gone).
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.token == 0) {
        if (now < this.retryAtNanos) return;
        if (!this.open(services)) {
          this.failed(now);
          return;
        }
      }
      const wasIdentified = this.identified;
      const message = encodeMessage(wasIdentified ? null : this.node(), this.logName, this.batch);
      if (services.grpcSend(this.token, message, false)) {
        this.identified = true;
        // A stream that outlived a flush is a working service again.
        if (wasIdentified) this.failures = 0;
        this.count(Counter.EntriesSent, this.batch.length);
        this.batch = [];
        this.batchBytes = 0;
        return;
      }
      this.token = 0;
      this.identified = false;
      this.failed(now);
    }
  }

  /**
   * One more failed stream in a row: the first is replaced at once, later ones after the flush
   * interval doubled per failure, at most MAX_BACKOFF_MS.
   */
  private failed(now: u64): void {
    this.failures++;
    if (this.failures == 1) {
      this.retryAtNanos = now;
      return;
    }
    let delay = <u64>this.flushIntervalMs << <u64>min(this.failures - 2, 16);
    if (delay > MAX_BACKOFF_MS) delay = MAX_BACKOFF_MS;
    this.retryAtNanos = now + delay * 1_000_000;
  }

  private rescheduleIfWaiting(services: FilterServices): void {
    if (this.batch.length == 0 || this.flushOwner != 0) return;
    this.flushOwner = services.connectionId;
    services.wakeAfter(this.flushIntervalMs);
  }

  private open(services: FilterServices): bool {
    this.token = services.grpcStream(this.service, ALS_SERVICE, ALS_METHOD);
    this.identified = false;
    if (this.token == 0) return false;
    this.count(Counter.StreamsOpened, 1);
    return true;
  }

  /** Envoy's node id (the `node.id` property), read once; "" when the host has none. */
  private node(): string {
    const known = this.nodeId;
    if (known !== null) return known;
    const found = getPropertyString(["node", "id"]);
    const id = found === null ? "" : found;
    this.nodeId = id;
    return id;
  }

  private count(counter: Counter, delta: i64): void {
    if (this.counterIds.length == 0) {
      const prefix = "meta_protocol.access_log." + this.logName + ".";
      for (let i = 0; i < COUNTER_NAMES.length; i++) this.counterIds.push(defineMetric(MetricType.Counter, prefix + COUNTER_NAMES[i]));
    }
    incrementMetric(this.counterIds[counter], delta);
  }
}
