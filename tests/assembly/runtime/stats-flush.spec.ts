// The stats flush without a host: counts summed in guest memory reach the sink once per flush, one
// increment per stat that moved, nothing when nothing moved; the per-callback and tick modes; the
// core request_time_ms histogram left to the metrics filter; stats_flush_interval in the config.
import { MetricType } from "../../../assembly/abi/types";
import { DubboCodecFactory } from "../../../assembly/codecs/dubbo";
import { parseConfig } from "../../../assembly/meta/config";
import { registerCodec } from "../../../assembly/meta/registry";
import { Stat, STAT_NAMES } from "../../../assembly/meta/stat-names";
import { MetaStats } from "../../../assembly/meta/stats";
import { BatchingMetricSink, MetricSink, PendingCounters } from "../../../assembly/observability/metric-sink";

registerCodec(new DubboCodecFactory());

/** Counts the calls a host would see, and the totals they add up to. */
class CountingSink extends MetricSink {
  names: string[] = [];
  totals: Map<u32, i64> = new Map<u32, i64>();
  increments: i32 = 0;
  samples: u64[] = [];
  define(type: MetricType, name: string): u32 {
    this.names.push(name);
    return <u32>this.names.length;
  }
  increment(id: u32, delta: i64): void {
    this.increments++;
    this.totals.set(id, (this.totals.has(id) ? this.totals.get(id) : 0) + delta);
  }
  record(id: u32, value: u64): void {
    this.samples.push(value);
  }
  total(name: string): i64 {
    const id = <u32>(this.names.indexOf(name) + 1);
    return this.totals.has(id) ? this.totals.get(id) : 0;
  }
}

describe("PendingCounters", () => {
  it("sums per id and sends each moved id once per flush", () => {
    const sink = new CountingSink();
    const p = new PendingCounters();
    expect(p.isEmpty).toBe(true);
    for (let i = 0; i < 100; i++) p.add(7, 1);
    p.add(9, 3);
    p.add(9, -1);
    p.flushTo(sink);
    expect(sink.increments).toBe(2);
    expect(sink.totals.get(7)).toBe(100);
    expect(sink.totals.get(9)).toBe(2);
    expect(p.isEmpty).toBe(true);
    p.flushTo(sink);
    expect(sink.increments).toBe(2);
  });

  it("skips a sum back at zero and keeps counting after a flush", () => {
    const sink = new CountingSink();
    const p = new PendingCounters();
    p.add(1, 1);
    p.add(1, -1);
    p.flushTo(sink);
    expect(sink.increments).toBe(0);
    p.add(1, 1);
    p.add(1, -1);
    p.add(1, 1);
    p.flushTo(sink);
    expect(sink.increments).toBe(1);
    expect(sink.totals.get(1)).toBe(1);
  });

  it("a batching sink holds increments, passes defines and samples", () => {
    const inner = new CountingSink();
    const p = new PendingCounters();
    const sink = new BatchingMetricSink(inner, p);
    const id = sink.define(MetricType.Counter, "c");
    sink.increment(id, 1);
    sink.increment(id, 1);
    sink.record(id, 42);
    expect(inner.increments).toBe(0);
    expect(inner.samples).toStrictEqual([<u64>42]);
    p.flushTo(inner);
    expect(inner.increments).toBe(1);
    expect(inner.total("c")).toBe(2);
  });
});

function traffic(stats: MetaStats, requests: i32): void {
  for (let i = 0; i < requests; i++) {
    stats.inc(Stat.Request);
    stats.add(Stat.RequestActive, 1);
    stats.endCallback();
    stats.add(Stat.RequestActive, -1);
    stats.inc(Stat.Response);
    stats.inc(Stat.ResponseSuccess);
    stats.recordRequestTime(<u64>i);
    stats.endCallback();
  }
}

describe("MetaStats", () => {
  it("without a flush interval, every callback's counts go at its end", () => {
    const sink = new CountingSink();
    const stats = new MetaStats("p", sink, new PendingCounters());
    stats.configure(false, false);
    traffic(stats, 10);
    expect(sink.total("meta_protocol.p.request")).toBe(10);
    expect(sink.total("meta_protocol.p.response_success")).toBe(10);
    expect(sink.total("meta_protocol.p.request_active")).toBe(0);
    // Per callback: request + request_active, then request_active + response + response_success.
    expect(sink.increments).toBe(10 * 5);
    expect(sink.samples.length).toBe(10);
  });

  it("with a flush interval, callbacks send nothing; one flush sends the sums, labelled ones too", () => {
    const sink = new CountingSink();
    const labelled = new PendingCounters();
    const stats = new MetaStats("p", sink, labelled);
    stats.configure(true, false);
    const series = sink.define(MetricType.Counter, "labelled");
    for (let i = 0; i < 10; i++) labelled.add(series, 1);
    traffic(stats, 10);
    expect(sink.increments).toBe(0);
    expect(sink.samples.length).toBe(10); // samples cannot wait
    stats.flush();
    expect(sink.total("meta_protocol.p.request")).toBe(10);
    expect(sink.total("meta_protocol.p.response")).toBe(10);
    expect(sink.total("labelled")).toBe(10);
    // request, response, response_success, the labelled series; request_active is back at 0.
    expect(sink.increments).toBe(4);
    stats.flush();
    expect(sink.increments).toBe(4);
  });

  it("a gauge left up is sent as its net change", () => {
    const sink = new CountingSink();
    const stats = new MetaStats("p", sink, new PendingCounters());
    stats.configure(true, false);
    stats.add(Stat.ConnectionActive, 1);
    stats.add(Stat.ConnectionActive, 1);
    stats.add(Stat.ConnectionActive, -1);
    stats.flush();
    expect(sink.total("meta_protocol.p.connection_active")).toBe(1);
  });

  it("with the metrics filter, request_time_ms is neither defined nor recorded", () => {
    const sink = new CountingSink();
    const stats = new MetaStats("p", sink, new PendingCounters());
    stats.configure(false, true);
    traffic(stats, 3);
    expect(sink.samples.length).toBe(0);
    expect(sink.names.includes("meta_protocol.p.request_time_ms")).toBe(false);
    expect(sink.names.length).toBe(STAT_NAMES.length);
  });
});

const BASE = '"codec": {"name": "aeraki.meta_protocol.codec.dubbo"}';

describe("stats_flush_interval", () => {
  it("is absent by default (flush per callback)", () => {
    expect(parseConfig("{" + BASE + "}").config!.statsFlushMillis).toBe(0);
  });
  it("reads a proto3 JSON Duration by either name", () => {
    expect(parseConfig('{"stats_flush_interval": "1s", ' + BASE + "}").config!.statsFlushMillis).toBe(1000);
    expect(parseConfig('{"statsFlushInterval": "0.25s", ' + BASE + "}").config!.statsFlushMillis).toBe(250);
  });
  it("refuses bad values naming the field", () => {
    const bad = ['"1"', '"0s"', '"-1s"', "5", '"2d"', '"100000s"'];
    for (let i = 0; i < bad.length; i++) {
      const r = parseConfig('{"stats_flush_interval": ' + bad[i] + ", " + BASE + "}");
      expect(r.config).toBeNull();
      expect(r.errors.messages.length).toBe(1);
      expect(r.errors.messages[0].startsWith("statsFlushInterval")).toBe(true, r.errors.messages[0]);
    }
  });
});
