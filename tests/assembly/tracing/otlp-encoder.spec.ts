// The OTLP encoder against bytes protobufjs made from .proto files written from the OTLP spec
// (tests/peers/otlp/make-fixture.ts describes the same two spans as `spans()` below).
import { encodeExportRequest, ExportSource } from "../../../assembly/observability/tracing/otlp-encoder";
import { Span, SpanKind, SpanStatus } from "../../../assembly/observability/tracing/span";
import { EXPORT_REQUEST } from "./otlp-fixture";

function toList(b: Uint8Array): u8[] {
  const out: u8[] = [];
  for (let i = 0; i < b.length; i++) out.push(b[i]);
  return out;
}

function spans(): Span[] {
  const child = new Span();
  child.traceHigh = 0x4bf92f3577b34da6;
  child.traceLow = 0xa3ce929d0e0e4736;
  child.spanId = 0xa1b2c3d4e5f60718;
  child.parentSpanId = 0x00f067aa0ba902b7;
  child.traceState = "congo=t61rcWkgMzE";
  child.name = "org.apache.dubbo.samples.basic.api.DemoService/sayHello";
  child.kind = SpanKind.Server;
  child.startNanos = 1764480000123456789;
  child.endNanos = 1764480000987654321;
  child.attribute("rpc.system", "dubbo");
  child.attribute("rpc.method", "sayHello");
  child.attribute("upstream_cluster", "outbound|20880||demo");
  child.status = SpanStatus.Error;
  child.statusMessage = "local reply OverLimit: rate limited";
  const root = new Span();
  root.traceHigh = 0;
  root.traceLow = 0xffffffffffffffff;
  root.spanId = 0x8000000000000001;
  root.name = "GET";
  root.kind = SpanKind.Client;
  root.startNanos = 1;
  root.endNanos = 0xffffffffffffffff;
  return [child, root];
}

describe("ExportTraceServiceRequest", () => {
  it("is byte for byte what protobufjs writes for the same spans", () => {
    const source = new ExportSource(["service.name"], ["dubbo-sidecar"], "meta_protocol.filters.tracing", "0.1.0");
    expect(toList(encodeExportRequest(source, spans()))).toStrictEqual(EXPORT_REQUEST);
  });

  it("differs when a span differs (the comparison can fail)", () => {
    const source = new ExportSource(["service.name"], ["dubbo-sidecar"], "meta_protocol.filters.tracing", "0.1.0");
    const list = spans();
    list[1].endNanos = 2;
    expect(toList(encodeExportRequest(source, list))).not.toStrictEqual(EXPORT_REQUEST);
  });
});
