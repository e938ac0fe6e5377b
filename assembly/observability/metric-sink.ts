// Where metrics go: the host's stats (proxy_define_metric / increment / record), or, in unit tests,
// a recorder. One define per stat name per VM; the caller caches the ids.
// Counter and gauge deltas can be summed in guest memory (PendingCounters) and sent later, one
// proxy_increment_metric per stat that moved: every host call crosses the VM boundary. Histogram
// samples cannot: proxy_record_metric takes one value, so a sample is sent when it is taken.
import { defineMetric, incrementMetric, recordMetric } from "../abi/host";
import { MetricType } from "../abi/types";

export abstract class MetricSink {
  abstract define(type: MetricType, name: string): u32;
  abstract increment(id: u32, delta: i64): void;
  abstract record(id: u32, value: u64): void;
}

export class HostMetricSink extends MetricSink {
  define(type: MetricType, name: string): u32 {
    return defineMetric(type, name);
  }
  increment(id: u32, delta: i64): void {
    incrementMetric(id, delta);
  }
  record(id: u32, value: u64): void {
    recordMetric(id, value);
  }
}

/** Counter and gauge deltas per metric id, summed until flushed; a flush sends each moved stat once. */
export class PendingCounters {
  private slots: Map<u32, i32> = new Map<u32, i32>();
  private ids: u32[] = [];
  private deltas: i64[] = [];
  /** Slots moved since the last flush, each once, so that a flush visits only those (there may be many series). */
  private dirty: i32[] = [];
  private queued: bool[] = [];

  get isEmpty(): bool {
    return this.dirty.length == 0;
  }

  add(id: u32, delta: i64): void {
    if (delta == 0) return;
    let slot: i32;
    if (this.slots.has(id)) {
      slot = this.slots.get(id);
    } else {
      slot = this.ids.length;
      this.slots.set(id, slot);
      this.ids.push(id);
      this.deltas.push(0);
      this.queued.push(false);
    }
    if (!unchecked(this.queued[slot])) {
      unchecked((this.queued[slot] = true));
      this.dirty.push(slot);
    }
    unchecked((this.deltas[slot] += delta));
  }

  /** Sends every pending delta to `sink` (none if nothing moved; a sum back at zero is skipped). */
  flushTo(sink: MetricSink): void {
    const dirty = this.dirty;
    if (dirty.length == 0) return;
    this.dirty = [];
    for (let i = 0; i < dirty.length; i++) {
      const slot = unchecked(dirty[i]);
      unchecked((this.queued[slot] = false));
      const delta = unchecked(this.deltas[slot]);
      if (delta == 0) continue;
      unchecked((this.deltas[slot] = 0));
      sink.increment(unchecked(this.ids[slot]), delta);
    }
  }
}

/**
 * A sink whose increments wait in `pending` for the flush of the plugin's stats (MetaStats.flush:
 * per callback, or on the tick with `stats_flush_interval`); defines and samples go straight on.
 */
export class BatchingMetricSink extends MetricSink {
  constructor(private inner: MetricSink, private pending: PendingCounters) {
    super();
  }
  define(type: MetricType, name: string): u32 {
    return this.inner.define(type, name);
  }
  increment(id: u32, delta: i64): void {
    this.pending.add(id, delta);
  }
  record(id: u32, value: u64): void {
    this.inner.record(id, value);
  }
}

let vmPending: PendingCounters | null = null;

/**
 * The VM's pending labelled counts. One per VM because metric ids are the VM's (Envoy defines them
 * per VM): whichever plugin of the VM flushes sends them all, which can only make them earlier.
 */
export function vmPendingCounters(): PendingCounters {
  let p = vmPending;
  if (p === null) vmPending = p = new PendingCounters();
  return p;
}
