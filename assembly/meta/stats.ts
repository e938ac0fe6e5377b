// The module's metrics for one plugin configuration, named `meta_protocol.<statPrefix>.<name>`
// after Aeraki's MetaProtocol proxy (Envoy keeps them in its `wasmcustom.` namespace). Counter and
// gauge deltas are summed in guest memory, with the labelled counts of the metrics filter
// (`labelled`), and sent in one flush: every host call crosses the VM boundary, and a callback may
// carry hundreds of pipelined messages. The flush comes at the end of every callback, or, with
// `stats_flush_interval`, from the root's tick and when a connection closes (see host-port.ts).
import { MetricType } from "../abi/types";
import { MetricSink, PendingCounters } from "../observability/metric-sink";
import { GAUGES, STAT_NAMES as NAMES, Stat } from "./stat-names";

export class MetaStats {
  private ids: u32[] = [];
  private pending: i64[] = [];
  private dirty: bool = false;
  private requestTimeMs: u32 = 0;
  /** Set by configure: whether callbacks leave the counts for the tick. */
  flushOnTick: bool = false;
  private recordsRequestTime: bool = true;

  constructor(readonly prefix: string, private sink: MetricSink, private labelled: PendingCounters) {
    const p = "meta_protocol." + prefix + ".";
    for (let i = 0; i < NAMES.length; i++) {
      const type = i >= NAMES.length - GAUGES ? MetricType.Gauge : MetricType.Counter;
      this.ids.push(sink.define(type, p + NAMES[i]));
      this.pending.push(0);
    }
  }

  /**
   * `flushOnTick`: counts wait for flush() (the root's tick, a closing connection). When the
   * plugin has the metrics filter, `request_time_ms` is not recorded: the filter's labelled
   * duration histogram takes the same sample (same clock, same start) for every upstream response,
   * and also for local replies, labelled by response_code, so summing its series over the labels
   * gives this histogram and more. Recording both would cost a second proxy_record_metric per
   * request for a duplicate, and samples cannot be batched. The histogram is then not defined at
   * all, so that no empty `request_time_ms` suggests that nothing was measured.
   */
  configure(flushOnTick: bool, metricsFilterRecordsDurations: bool): void {
    this.flushOnTick = flushOnTick;
    this.recordsRequestTime = !metricsFilterRecordsDurations;
    if (this.recordsRequestTime && this.requestTimeMs == 0) {
      this.requestTimeMs = this.sink.define(MetricType.Histogram, "meta_protocol." + this.prefix + ".request_time_ms");
    }
  }

  inc(stat: Stat): void {
    this.add(stat, 1);
  }

  add(stat: Stat, delta: i64): void {
    unchecked(this.pending[stat] += delta);
    this.dirty = true;
  }

  recordRequestTime(milliseconds: u64): void {
    if (this.recordsRequestTime) this.sink.record(this.requestTimeMs, milliseconds);
  }

  /** The end of a callback: counts go to the host now, unless they wait for the tick. */
  endCallback(): void {
    if (!this.flushOnTick) this.flush();
  }

  /** Sends the summed counts (the module's own and the labelled ones) to the host; no call when nothing moved. */
  flush(): void {
    this.labelled.flushTo(this.sink);
    if (!this.dirty) return;
    this.dirty = false;
    for (let i = 0; i < this.pending.length; i++) {
      const delta = unchecked(this.pending[i]);
      if (delta == 0) continue;
      unchecked((this.pending[i] = 0));
      this.sink.increment(unchecked(this.ids[i]), delta);
    }
  }
}
