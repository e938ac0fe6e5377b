// Where labelled metrics go: the host's stats (proxy_define_metric / increment / record), or, in
// unit tests, a recorder. One define per stat name per VM; the caller caches the ids.
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
