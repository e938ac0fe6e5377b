// OTLP/gRPC's ExportTraceServiceRequest in protobuf, written with the codecs' ProtobufWriter.
// Field numbers from opentelemetry-proto:
//   collector/trace/v1/trace_service.proto  ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
//   trace/v1/trace.proto  ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
//                         ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
//                         Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
//                                string name = 5; SpanKind kind = 6; fixed64 start_time_unix_nano = 7;
//                                fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; Status status = 15;
//                                fixed32 flags = 16; }
//                         Status { string message = 2; StatusCode code = 3; }
//   resource/v1/resource.proto  Resource { repeated KeyValue attributes = 1; }
//   common/v1/common.proto  KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; ... }
//                           InstrumentationScope { string name = 1; string version = 2; }
// Fields go in field-number order and proto3 defaults (empty strings, no parent) are left out, as
// protobuf's own encoders write them.
import { ProtobufWriter, WIRE_I32, WIRE_I64 } from "../../codecs/protobuf";
import { Span, SpanStatus } from "./span";

export const OTLP_TRACE_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService";
export const OTLP_EXPORT_METHOD = "Export";

/** The resource and scope every span of a module is reported under. */
export class ExportSource {
  constructor(
    readonly resourceKeys: string[],
    readonly resourceValues: string[],
    readonly scopeName: string,
    readonly scopeVersion: string,
  ) {}
}

/** A varint (a tag) as bytes, for the fixed-width fields ProtobufWriter has no method for. */
function varintBytes(v: u64): u8[] {
  const out: u8[] = [];
  while (v >= 0x80) {
    out.push(<u8>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push(<u8>v);
  return out;
}

/** A fixed64 / fixed32 field: the tag, then the value little-endian in 8 or 4 bytes. */
function fixedField(w: ProtobufWriter, field: u32, value: u64, width: i32): void {
  const tag = varintBytes((<u64>field << 3) | (width == 8 ? WIRE_I64 : WIRE_I32));
  const out = new Uint8Array(tag.length + width);
  for (let i = 0; i < tag.length; i++) out[i] = tag[i];
  for (let i = 0; i < width; i++) out[tag.length + i] = <u8>(value >> (<u64>(8 * i)));
  w.raw(out);
}

/** Ids as big-endian bytes: trace and span ids go on the wire in their hex order. */
function idBytes(values: u64[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  for (let k = 0; k < values.length; k++) {
    for (let i = 0; i < 8; i++) out[k * 8 + i] = <u8>(values[k] >> (<u64>(56 - 8 * i)));
  }
  return out;
}

function keyValue(key: string, value: string): Uint8Array {
  const any = new ProtobufWriter();
  any.stringField(1, value);
  const kv = new ProtobufWriter();
  kv.stringField(1, key);
  kv.bytesField(2, any.toBytes());
  return kv.toBytes();
}

export function encodeSpan(s: Span): Uint8Array {
  const w = new ProtobufWriter();
  w.bytesField(1, idBytes([s.traceHigh, s.traceLow]));
  w.bytesField(2, idBytes([s.spanId]));
  if (s.traceState.length > 0) w.stringField(3, s.traceState);
  if (s.parentSpanId != 0) w.bytesField(4, idBytes([s.parentSpanId]));
  if (s.name.length > 0) w.stringField(5, s.name);
  w.varintField(6, <u64>s.kind);
  fixedField(w, 7, s.startNanos, 8);
  fixedField(w, 8, s.endNanos, 8);
  for (let i = 0; i < s.attributeKeys.length; i++) w.bytesField(9, keyValue(s.attributeKeys[i], s.attributeValues[i]));
  if (s.status != SpanStatus.Unset) {
    const status = new ProtobufWriter();
    if (s.statusMessage.length > 0) status.stringField(2, s.statusMessage);
    status.varintField(3, <u64>s.status);
    w.bytesField(15, status.toBytes());
  }
  if (s.flags != 0) fixedField(w, 16, <u64>s.flags, 4);
  return w.toBytes();
}

/** One ExportTraceServiceRequest holding `spans` (one resource, one scope). */
export function encodeExportRequest(source: ExportSource, spans: Span[]): Uint8Array {
  const resource = new ProtobufWriter();
  for (let i = 0; i < source.resourceKeys.length; i++) resource.bytesField(1, keyValue(source.resourceKeys[i], source.resourceValues[i]));
  const scope = new ProtobufWriter();
  if (source.scopeName.length > 0) scope.stringField(1, source.scopeName);
  if (source.scopeVersion.length > 0) scope.stringField(2, source.scopeVersion);
  const scopeSpans = new ProtobufWriter();
  scopeSpans.bytesField(1, scope.toBytes());
  for (let i = 0; i < spans.length; i++) scopeSpans.bytesField(2, encodeSpan(spans[i]));
  const resourceSpans = new ProtobufWriter();
  resourceSpans.bytesField(1, resource.toBytes());
  resourceSpans.bytesField(2, scopeSpans.toBytes());
  const request = new ProtobufWriter();
  request.bytesField(1, resourceSpans.toBytes());
  return request.toBytes();
}
