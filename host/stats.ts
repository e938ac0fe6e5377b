// Envoy's stats store, flattened: counters, gauges and histograms by full name, shared by the
// runner (listener, cluster, tcp_proxy stats) and the wasm host (metrics a module defines). Each
// name's tags come from the bootstrap's stats_config, as Envoy extracts them when it creates a stat.
import { defaultTagProducer, type TagProducer, type TaggedName } from "./stats-tags.ts";

/** Envoy's default histogram bucket bounds. */
const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** A histogram kept as bucket counts, so memory stays bounded however many values are recorded. */
export class Histogram {
  private counts = new Array<number>(BUCKETS.length).fill(0);
  count = 0;
  sum = 0;

  record(v: number): void {
    this.count++;
    this.sum += v;
    const i = BUCKETS.findIndex((b) => v <= b);
    if (i >= 0) this.counts[i]++;
  }

  /** Cumulative counts per upper bound, as Prometheus wants them. */
  buckets(): Array<[number, number]> {
    let acc = 0;
    return BUCKETS.map((b, i) => [b, (acc += this.counts[i])]);
  }

  summary(): string {
    return `count=${this.count} sum=${this.sum}`;
  }
}

export class StatsStore {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly histograms = new Map<string, Histogram>();
  private taggedNames = new Map<string, TaggedName>();

  constructor(private tagProducer: TagProducer = defaultTagProducer()) {}

  /** The tag-extracted name and tags of a full stat name (computed once per name, as in Envoy). */
  tagged(name: string): TaggedName {
    let t = this.taggedNames.get(name);
    if (!t) this.taggedNames.set(name, (t = this.tagProducer.produceTags(name)));
    return t;
  }

  inc(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }
  counter(name: string): number {
    return this.counters.get(name) ?? 0;
  }
  setGauge(name: string, value: number): void {
    this.gauges.set(name, value);
  }
  addGauge(name: string, by: number): void {
    this.gauges.set(name, (this.gauges.get(name) ?? 0) + by);
  }
  gauge(name: string): number {
    return this.gauges.get(name) ?? 0;
  }
  histogram(name: string): Histogram {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = new Histogram()));
    return h;
  }
}
