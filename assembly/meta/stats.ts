// The module's metrics for one plugin configuration, named `meta_protocol.<statPrefix>.<name>`
// after Aeraki's MetaProtocol proxy (Envoy keeps them in its `wasmcustom.` namespace). Counts are
// summed in guest memory and sent to the host once per data callback (`flush`): every host call
// crosses the VM boundary, and a callback may carry hundreds of pipelined messages.
import { defineMetric, incrementMetric, recordMetric } from "../abi/host";
import { MetricType } from "../abi/types";
import { GAUGES, STAT_NAMES as NAMES, Stat } from "./stat-names";

export class MetaStats {
  private ids: u32[] = [];
  private pending: i64[] = [];
  private dirty: bool = false;
  private requestTimeMs: u32;

  constructor(readonly prefix: string) {
    const p = "meta_protocol." + prefix + ".";
    for (let i = 0; i < NAMES.length; i++) {
      const type = i >= NAMES.length - GAUGES ? MetricType.Gauge : MetricType.Counter;
      this.ids.push(defineMetric(type, p + NAMES[i]));
      this.pending.push(0);
    }
    this.requestTimeMs = defineMetric(MetricType.Histogram, p + "request_time_ms");
  }

  inc(stat: Stat): void {
    this.add(stat, 1);
  }

  add(stat: Stat, delta: i64): void {
    unchecked(this.pending[stat] += delta);
    this.dirty = true;
  }

  recordRequestTime(milliseconds: u64): void {
    recordMetric(this.requestTimeMs, milliseconds);
  }

  /** Sends the summed counts to the host. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (let i = 0; i < this.pending.length; i++) {
      const delta = unchecked(this.pending[i]);
      if (delta == 0) continue;
      unchecked((this.pending[i] = 0));
      incrementMetric(unchecked(this.ids[i]), delta);
    }
  }
}
