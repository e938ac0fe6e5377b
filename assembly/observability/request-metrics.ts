// The per-request counter and duration histogram of one metrics filter configuration, per VM (an
// Envoy worker): label values are folded to a bound per label, each label combination's two stats
// are defined once (on first use) and their ids cached by the combination.
import { MetricType } from "../abi/types";
import { LabelValues, statValue } from "./label-values";
import { MetricSink } from "./metric-sink";
import { RequestLabels, StatNaming } from "./stat-naming";

class Series {
  constructor(public counter: u32, public histogram: u32) {}
}

export class RequestMetrics {
  private series: Map<string, Series> = new Map<string, Series>();
  private methods: LabelValues;
  private routes: LabelValues;
  private clusters: LabelValues;
  private protocol: string;
  private last: LastRecord | null = null;

  constructor(readonly naming: StatNaming, protocol: string, maxValuesPerLabel: i32, private sink: MetricSink) {
    this.protocol = statValue(protocol);
    this.methods = new LabelValues(maxValuesPerLabel);
    this.routes = new LabelValues(maxValuesPerLabel);
    this.clusters = new LabelValues(maxValuesPerLabel);
  }

  /** Label combinations defined so far (each is one counter and one histogram). */
  get seriesCount(): i32 {
    return this.series.size;
  }

  /**
   * Counts one request with its outcome (`code`, `flags`: stat-naming.ts) and, unless
   * `durationMs` is negative (a oneway request), records its duration.
   */
  record(method: string | null, route: string, cluster: string, code: string, flags: string, durationMs: i64): void {
    // Consecutive requests mostly share their labels (a pipelined burst of GETs): the last series
    // is reused without cleaning, folding, joining and hashing them again.
    const last = this.last;
    const s = last !== null && last.matches(method, route, cluster, code, flags) ? last.series : this.lookup(method, route, cluster, code, flags);
    this.sink.increment(s.counter, 1);
    if (durationMs >= 0) this.sink.record(s.histogram, <u64>durationMs);
  }

  private lookup(method: string | null, route: string, cluster: string, code: string, flags: string): Series {
    const m = this.methods.fold(statValue(method));
    const r = this.routes.fold(statValue(route));
    const c = this.clusters.fold(statValue(cluster));
    // Cleaned values hold no control characters, so '\n' cannot be part of one.
    const key = m + "\n" + r + "\n" + c + "\n" + code + "\n" + flags;
    let s: Series;
    if (this.series.has(key)) {
      s = this.series.get(key);
    } else {
      const values = this.naming.values(new RequestLabels(this.protocol, m, r, c, code, flags));
      s = new Series(
        this.sink.define(MetricType.Counter, this.naming.counterName(values)),
        this.sink.define(MetricType.Histogram, this.naming.histogramName(values)),
      );
      this.series.set(key, s);
    }
    // Folding depends only on the values (the sets only grow), so equal inputs give this series again.
    this.last = new LastRecord(method, route, cluster, code, flags, s);
    return s;
  }
}

/** The inputs of the last record() and the series they gave. */
class LastRecord {
  constructor(
    private method: string | null, private route: string, private cluster: string, private code: string, private flags: string,
    readonly series: Series,
  ) {}

  matches(method: string | null, route: string, cluster: string, code: string, flags: string): bool {
    return method == this.method && route == this.route && cluster == this.cluster && code == this.code && flags == this.flags;
  }
}
