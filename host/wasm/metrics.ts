// Metrics a module defines, kept in the shared stats store under Envoy's custom namespace
// `wasmcustom.` (Envoy context.cc defineMetric). Ids carry the type in their low two bits and
// count up by 4 per type, as in Envoy.
import type { StatsStore } from "../stats.ts";
import { MetricType, Status } from "./types.ts";

export const CUSTOM_STAT_NAMESPACE = "wasmcustom";

export class Metrics {
  private names = new Map<number, string>();
  private byName = new Map<string, number>();
  private next = [0, 1, 2];

  constructor(private stats: StatsStore) {}

  define(type: number, name: string): number | undefined {
    if (type !== MetricType.Counter && type !== MetricType.Gauge && type !== MetricType.Histogram) return undefined;
    const full = `${CUSTOM_STAT_NAMESPACE}.${name}`;
    const key = `${type}:${full}`;
    const existing = this.byName.get(key);
    if (existing !== undefined) return existing;
    this.next[type] += 4;
    const id = this.next[type];
    this.names.set(id, full);
    this.byName.set(key, id);
    if (type === MetricType.Counter) this.stats.inc(full, 0);
    else if (type === MetricType.Gauge) this.stats.addGauge(full, 0);
    else this.stats.histogram(full);
    return id;
  }

  increment(id: number, offset: number): Status {
    const name = this.names.get(id);
    if (name === undefined) return Status.NotFound;
    switch (id & 3) {
      case MetricType.Counter:
        if (offset <= 0) return Status.BadArgument;
        this.stats.inc(name, offset);
        return Status.Ok;
      case MetricType.Gauge:
        this.stats.addGauge(name, offset);
        return Status.Ok;
      default:
        return Status.BadArgument;
    }
  }

  record(id: number, value: number): Status {
    const name = this.names.get(id);
    if (name === undefined) return Status.NotFound;
    switch (id & 3) {
      case MetricType.Counter:
        this.stats.inc(name, value);
        return Status.Ok;
      case MetricType.Gauge:
        this.stats.setGauge(name, value);
        return Status.Ok;
      default:
        this.stats.histogram(name).record(value);
        return Status.Ok;
    }
  }

  get(id: number): number | undefined {
    const name = this.names.get(id);
    if (name === undefined) return undefined;
    if ((id & 3) === MetricType.Counter) return this.stats.counter(name);
    if ((id & 3) === MetricType.Gauge) return this.stats.gauge(name);
    return undefined;
  }
}
