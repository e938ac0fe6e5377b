// Reading a request's trace context from its metadata and writing the child into its mutation, in
// the convention it came in; the trace-id ratio sampler; the filter's configuration, refused field
// by field.
import { ConfigErrors } from "../../../assembly/meta/config-errors";
import { parseJson } from "../../../assembly/meta/json";
import { Metadata } from "../../../assembly/meta/metadata";
import { Mutation } from "../../../assembly/meta/mutation";
import { TracingFactory, withinRate } from "../../../assembly/filters/tracing";
import { readIncoming, writeChild } from "../../../assembly/observability/tracing/propagation";
import { Convention, Sampling, TraceContext } from "../../../assembly/observability/tracing/trace-context";
import { parseTracingSettings } from "../../../assembly/observability/tracing/tracing-config";
import { SpanKind } from "../../../assembly/observability/tracing/span";

function metadata(keys: string[], values: string[]): Metadata {
  const m = new Metadata();
  for (let i = 0; i < keys.length; i++) m.set(keys[i], values[i]);
  return m;
}

function get(m: Mutation, key: string): string {
  const i = m.keys.indexOf(key);
  return i < 0 ? "(absent)" : m.values[i];
}

const PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function childOf(c: TraceContext, spanId: u64): TraceContext {
  const child = new TraceContext();
  child.traceHigh = c.traceHigh;
  child.traceLow = c.traceLow;
  child.shortTraceId = c.shortTraceId;
  child.parentSpanId = c.spanId;
  child.spanId = spanId;
  return child;
}

describe("reading the incoming context", () => {
  it("takes W3C first, with its tracestate", () => {
    const found = readIncoming(metadata(["traceparent", "tracestate", "b3"], [PARENT, "congo=t61", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1"]));
    expect(found.convention).toBe(Convention.W3C);
    expect(found.context!.spanId).toBe(0x00f067aa0ba902b7);
    expect(found.traceState).toBe("congo=t61");
  });

  it("falls back to B3 when the traceparent is invalid", () => {
    const found = readIncoming(metadata(["traceparent", "b3"], ["00-bad", "64fe8b2a57d3eff7-e457b5a2e4d86bd1-0"]));
    expect(found.convention).toBe(Convention.B3Single);
    expect(found.context!.sampling).toBe(Sampling.Deny);
  });

  it("reads B3 multi keys in Brave's spelling and lower-case", () => {
    const brave = readIncoming(metadata(["X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled"], ["463ac35c9f6413ad48485a3953bb6124", "a2fb4a1d1a96d312", "1"]));
    expect(brave.convention).toBe(Convention.B3Multi);
    expect(brave.spelling).toBe(0);
    expect(brave.context!.spanId).toBe(0xa2fb4a1d1a96d312);
    expect(brave.context!.sampling).toBe(Sampling.Accept);
    const lower = readIncoming(metadata(["x-b3-traceid", "x-b3-spanid", "x-b3-flags"], ["48485a3953bb6124", "a2fb4a1d1a96d312", "1"]));
    expect(lower.spelling).toBe(1);
    expect(lower.context!.sampling).toBe(Sampling.Accept); // debug implies sampled
    expect(lower.context!.shortTraceId).toBe(true);
  });

  it("keeps a sampling decision that came without ids, and finds nothing in plain metadata", () => {
    const deny = readIncoming(metadata(["X-B3-Sampled"], ["0"]));
    expect(deny.context).toBeNull();
    expect(deny.convention).toBe(Convention.B3Multi);
    expect(deny.sampling).toBe(Sampling.Deny);
    const none = readIncoming(metadata(["method", "interface"], ["sayHello", "Demo"]));
    expect(none.context).toBeNull();
    expect(none.sampling).toBe(Sampling.Defer);
  });
});

describe("writing the child", () => {
  it("W3C: one traceparent with the new span id", () => {
    const m = new Mutation();
    writeChild(m, childOf(readIncoming(metadata(["traceparent"], [PARENT])).context!, 0x1122334455667788), true, Convention.W3C, 0);
    expect(m.size).toBe(1);
    expect(get(m, "traceparent")).toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-1122334455667788-01");
  });

  it("B3 multi: same spelling, same trace id length, the incoming span as parent", () => {
    const found = readIncoming(metadata(["x-b3-traceid", "x-b3-spanid"], ["48485a3953bb6124", "a2fb4a1d1a96d312"]));
    const m = new Mutation();
    writeChild(m, childOf(found.context!, 0x1122334455667788), false, found.convention, found.spelling);
    expect(get(m, "x-b3-traceid")).toBe("48485a3953bb6124");
    expect(get(m, "x-b3-spanid")).toBe("1122334455667788");
    expect(get(m, "x-b3-parentspanid")).toBe("a2fb4a1d1a96d312");
    expect(get(m, "x-b3-sampled")).toBe("0");
    expect(get(m, "X-B3-SpanId")).toBe("(absent)");
  });

  it("B3 single: trace-span-state-parent", () => {
    const found = readIncoming(metadata(["b3"], ["64fe8b2a57d3eff7-e457b5a2e4d86bd1-1"]));
    const m = new Mutation();
    writeChild(m, childOf(found.context!, 0x1122334455667788), true, found.convention, found.spelling);
    expect(get(m, "b3")).toBe("64fe8b2a57d3eff7-1122334455667788-1-e457b5a2e4d86bd1");
  });
});

describe("trace id ratio", () => {
  it("takes all at 1, none at 0, and the low half of ids below the rate", () => {
    expect(withinRate(0xffffffffffffffff, 1)).toBe(true);
    expect(withinRate(0, 0)).toBe(false);
    expect(withinRate(0x3fffffffffffffff, 0.5)).toBe(true);
    expect(withinRate(0x4000000000000000, 0.5)).toBe(false);
    // The top bit is ignored: the same decision for ids differing only there.
    expect(withinRate(0xbfffffffffffffff, 0.5)).toBe(true);
  });
});

function configure(json: string, errors: ConfigErrors): bool {
  return new TracingFactory().configure(parseJson(json).value, "f", errors) !== null;
}

describe("configuration", () => {
  it("reads every field, with defaults", () => {
    const errors = new ConfigErrors();
    const s = parseTracingSettings(parseJson('{"grpc_service": {"envoy_grpc": {"cluster_name": "otel"}, "timeout": "2s"}, "span_kind": "CLIENT", "propagation": "B3", "generate": true, "sampling_rate": 0.25, "batch_size": 8, "max_queued": 16, "flush_interval": "250ms", "rpc_system": "dubbo", "attributes": ["group"], "service_name": "svc"}').value, "f", errors)!;
    expect(errors.isEmpty).toBe(true);
    expect(s.kind).toBe(SpanKind.Client);
    expect(s.propagation).toBe(Convention.B3Multi);
    expect(s.generate).toBe(true);
    expect(s.samplingRate).toBe(0.25);
    expect(s.exporter.batchSize).toBe(8);
    expect(s.exporter.maxQueued).toBe(16);
    expect(s.exporter.flushMillis).toBe(250);
    expect(s.exporter.timeoutMillis).toBe(2000);
    expect(s.exporter.source.resourceValues[0]).toBe("svc");
    expect(s.attributes[0]).toBe("group");
    const d = parseTracingSettings(parseJson('{"grpcService": {"envoyGrpc": {"clusterName": "otel"}}}').value, "f", errors)!;
    expect(d.kind).toBe(SpanKind.Server);
    expect(d.generate).toBe(false);
    expect(d.samplingRate).toBe(1);
    expect(d.exporter.batchSize).toBe(64);
  });

  it("refuses what it cannot do, naming each field", () => {
    const errors = new ConfigErrors();
    expect(configure("{}", errors)).toBe(false);
    expect(errors.toString().includes("f.grpcService: required")).toBe(true);
    const bad = new ConfigErrors();
    expect(configure('{"grpcService": {"googleGrpc": {}}, "samplingRate": 1.5, "spanKind": "INTERNAL", "propagation": "jaeger", "batchSize": 0, "attributes": [1], "other": 1}', bad)).toBe(false);
    const text = bad.toString();
    expect(text.includes("f.other: unknown field")).toBe(true);
    const more = new ConfigErrors();
    expect(configure('{"grpcService": {"envoyGrpc": {"clusterName": "otel"}}, "samplingRate": 1.5, "spanKind": "INTERNAL", "propagation": "jaeger", "batchSize": 0, "attributes": [1], "maxQueued": 10, "flushInterval": "0s"}', more)).toBe(false);
    const all = more.toString();
    expect(all.includes("f.samplingRate")).toBe(true);
    expect(all.includes("f.spanKind")).toBe(true);
    expect(all.includes("f.propagation")).toBe(true);
    expect(all.includes("f.batchSize")).toBe(true);
    expect(all.includes("f.attributes[0]")).toBe(true);
    expect(all.includes("f.flushInterval")).toBe(true);
    const google = new ConfigErrors();
    expect(configure('{"grpcService": {"googleGrpc": {}}}', google)).toBe(false);
    expect(google.toString().includes("f.grpcService.googleGrpc: not supported")).toBe(true);
    const big = new ConfigErrors();
    expect(configure('{"grpcService": {"envoyGrpc": {"clusterName": "otel"}}, "batchSize": 20, "maxQueued": 10}', big)).toBe(false);
    expect(big.toString().includes("f.batchSize: must not exceed maxQueued")).toBe(true);
  });
});
