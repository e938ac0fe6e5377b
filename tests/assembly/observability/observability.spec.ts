// The metrics and access log pieces that need no host: label bounds and cleaning, Istio's stat
// name layout, one definition per label combination, the access log format, ISO times, and the
// ALS message bytes (worked out by hand from the protobuf rules and als.proto's field numbers).
import { MetricType } from "../../../assembly/abi/types";
import { AccessLogFormat, DEFAULT_FORMAT, isoTime } from "../../../assembly/observability/access-log-format";
import { encodeMessage } from "../../../assembly/observability/als-messages";
import { LabelValues, statValue } from "../../../assembly/observability/label-values";
import { LogRecord } from "../../../assembly/observability/log-record";
import { MetricSink } from "../../../assembly/observability/metric-sink";
import { RequestMetrics } from "../../../assembly/observability/request-metrics";
import { ISTIO_LABELS, LocalWorkload, Naming, RequestLabels, StatNaming, taggedStatName } from "../../../assembly/observability/stat-naming";

class RecordingSink extends MetricSink {
  names: string[] = [];
  types: MetricType[] = [];
  increments: Map<u32, i64> = new Map<u32, i64>();
  samples: Map<u32, u64[]> = new Map<u32, u64[]>();
  define(type: MetricType, name: string): u32 {
    this.names.push(name);
    this.types.push(type);
    return <u32>this.names.length;
  }
  increment(id: u32, delta: i64): void {
    this.increments.set(id, (this.increments.has(id) ? this.increments.get(id) : 0) + delta);
  }
  record(id: u32, value: u64): void {
    if (!this.samples.has(id)) this.samples.set(id, []);
    this.samples.get(id).push(value);
  }
}

describe("label values", () => {
  test("the first max values are kept, later ones fold into other", () => {
    const v = new LabelValues(2);
    expect(v.fold("a")).toBe("a");
    expect(v.fold("b")).toBe("b");
    expect(v.fold("c")).toBe("other");
    expect(v.fold("a")).toBe("a");
    expect(v.size).toBe(2);
  });
  test("values lose ';' and control characters; empty is unknown", () => {
    expect(statValue("a;.;b\nc")).toBe("a_._b_c");
    expect(statValue("outbound|20880||org.apache.demo")).toBe("outbound|20880||org.apache.demo");
    expect(statValue("")).toBe("unknown");
    expect(statValue(null)).toBe("unknown");
  });
});

describe("stat names", () => {
  test("Istio's layout: label=.=value;.; pairs, then the metric", () => {
    expect(taggedStatName("m_total", ["a", "b"], ["1", "x.y"])).toBe("a=.=1;.;b=.=x.y;.;m_total");
  });
  test("Istio naming fills the reporter's side and the service of an outbound cluster", () => {
    const local = new LocalWorkload();
    local.reporter = "destination";
    local.workload = "provider-v1";
    const naming = new StatNaming(Naming.Istio, local);
    const values = naming.values(new RequestLabels("dubbo", "sayHello", "r", "outbound|20880|v1|demo.ns.svc.cluster.local", "ok", "-"));
    expect(values.length).toBe(ISTIO_LABELS.length);
    expect(values[ISTIO_LABELS.indexOf("reporter")]).toBe("destination");
    expect(values[ISTIO_LABELS.indexOf("destination_workload")]).toBe("provider-v1");
    expect(values[ISTIO_LABELS.indexOf("source_workload")]).toBe("unknown");
    expect(values[ISTIO_LABELS.indexOf("destination_service")]).toBe("demo.ns.svc.cluster.local");
    expect(values[ISTIO_LABELS.indexOf("destination_service_name")]).toBe("demo");
    expect(values[ISTIO_LABELS.indexOf("destination_service_namespace")]).toBe("ns");
    expect(values[ISTIO_LABELS.indexOf("request_protocol")]).toBe("dubbo");
    expect(naming.counterName(values).endsWith(";.;istio_requests_total")).toBe(true);
  });
});

describe("request metrics", () => {
  test("one counter and one histogram per label combination, bounded per label", () => {
    const sink = new RecordingSink();
    const metrics = new RequestMetrics(new StatNaming(Naming.MetaProtocol, new LocalWorkload()), "dubbo", 2, sink);
    metrics.record("sayHello", "r", "c", "ok", "-", 5);
    metrics.record("sayHello", "r", "c", "ok", "-", 7);
    metrics.record("m2", "r", "c", "ok", "-", 1);
    metrics.record("m3", "r", "c", "ok", "-", 1);
    metrics.record("m4", "r", "c", "ok", "-", -1);
    expect(metrics.seriesCount).toBe(3);
    expect(sink.names.length).toBe(6);
    expect(sink.names[0]).toBe("protocol=.=dubbo;.;method=.=sayHello;.;route=.=r;.;cluster=.=c;.;response_code=.=ok;.;meta_protocol_requests_total");
    expect(sink.types[1]).toBe(MetricType.Histogram);
    expect(sink.names[4].includes("method=.=other;.;")).toBe(true);
    expect(sink.increments.get(1)).toBe(2);
    expect(sink.increments.get(5)).toBe(2);
    expect(sink.samples.get(2).length).toBe(2);
    // A oneway request (no duration) is counted without a sample.
    expect(sink.samples.get(6).length).toBe(1);
  });
});

describe("access log format", () => {
  test("fields render from the record; absent values are '-'", () => {
    const format = AccessLogFormat.parse("%PROTOCOL% %METADATA(method)% %METADATA(group)% %CLUSTER% %RESPONSE_CODE% %DURATION% %REQUEST_BYTES% %RESPONSE_BYTES% 100%%");
    expect(format.error).toBe("");
    const r = new LogRecord();
    r.protocol = "dubbo";
    r.metadata.set("method", "sayHello");
    r.cluster = "c";
    r.responseCode = "ok";
    r.durationNanos = 12_500_000;
    r.requestBytes = 200;
    expect(format.render(r)).toBe("dubbo sayHello - c ok 12 200 - 100%");
    expect(format.metadataKeys()).toStrictEqual(["method", "group"]);
  });
  test("unknown and unterminated fields are refused", () => {
    expect(AccessLogFormat.parse("%NOPE%").error.startsWith("unknown field %NOPE%")).toBe(true);
    expect(AccessLogFormat.parse("a %ROUTE").error.startsWith("unterminated")).toBe(true);
    expect(AccessLogFormat.parse(DEFAULT_FORMAT).error).toBe("");
  });
  test("start times in ISO 8601, UTC, milliseconds", () => {
    expect(isoTime(0)).toBe("1970-01-01T00:00:00.000Z");
    expect(isoTime(951_782_400_123_000_000)).toBe("2000-02-29T00:00:00.123Z");
    expect(isoTime(1_735_689_599_999_999_999)).toBe("2024-12-31T23:59:59.999Z");
  });
});

describe("ALS messages", () => {
  test("the first message carries identifier { node { id }, log_name }, then tcp_logs", () => {
    const entry = new Uint8Array(1);
    entry[0] = 0x2a;
    const m = encodeMessage("n", "L", [entry]);
    // 0a 08 | 0a 03 (0a 01 'n') | 12 01 'L' | 1a 03 | 0a 01 2a
    const want: u8[] = [0x0a, 0x08, 0x0a, 0x03, 0x0a, 0x01, 0x6e, 0x12, 0x01, 0x4c, 0x1a, 0x03, 0x0a, 0x01, 0x2a];
    expect(m.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(m[i]).toBe(want[i]);
    const later = encodeMessage(null, "L", [entry]);
    expect(later.length).toBe(5);
    expect(later[0]).toBe(0x1a);
  });
});
