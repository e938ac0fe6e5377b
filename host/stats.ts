// Envoy's stats store, flattened: counters, gauges and histograms by full name, shared by the
// runner (listener, cluster, tcp_proxy stats) and the wasm host (metrics a module defines).
export class Histogram {
  readonly values: number[] = [];
  record(v: number): void {
    this.values.push(v);
  }
}

export class StatsStore {
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly histograms = new Map<string, Histogram>();

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
