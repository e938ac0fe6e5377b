// A real OTLP/gRPC trace collector for the tests: opentelemetry.proto.collector.trace.v1.TraceService/
// Export served by @grpc/grpc-js from the .proto files in tests/peers/otlp/ (written from the OTLP
// specification, independent of the module's encoder), recording every span it receives. Runs in
// the test's process so the test reads the spans and changes how it answers (`failWith`).
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const protoDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "otlp");

/** A span as the collector decoded it: ids in hex, times as decimal strings (fixed64). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  kind: string;
  startNanos: bigint;
  endNanos: bigint;
  attributes: Record<string, string>;
  status: { code: string; message: string };
  /** The resource's attributes and the scope's name, as sent with the span. */
  resource: Record<string, string>;
  scope: string;
}

interface KeyValue {
  key: string;
  value?: { string_value?: string; value?: string };
}
interface RawSpan {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer;
  trace_state: string;
  flags: number;
  name: string;
  kind: string;
  start_time_unix_nano: string;
  end_time_unix_nano: string;
  attributes: KeyValue[];
  status?: { code: string; message: string } | null;
}
interface ExportRequest {
  resource_spans: Array<{ resource?: { attributes: KeyValue[] }; scope_spans: Array<{ scope?: { name: string }; spans: RawSpan[] }> }>;
}

export interface OtlpCollector {
  port: number;
  spans: ReceivedSpan[];
  /** How many Export calls arrived (answered or failed). */
  exports: number;
  /** Answer every Export with this gRPC status instead of OK (null: OK). */
  failWith: grpc.status | null;
  /** Answer (and record) each Export only after this many milliseconds. */
  delayMs: number;
  /** The most Export calls held at once. */
  maxInFlight: number;
  /** Resolves once `count` spans have arrived in total (rejects after `timeoutMs`). */
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): void;
}

function attributes(list: KeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) out[kv.key] = kv.value?.string_value ?? "";
  return out;
}

/** Loads the OTLP trace service definition from tests/peers/otlp/. */
export function loadTraceService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync("trace_service.proto", { includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true });
  type Loaded = { opentelemetry: { proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } } } };
  return (grpc.loadPackageDefinition(definition) as unknown as Loaded).opentelemetry.proto.collector.trace.v1.TraceService.service;
}

/** Starts the collector on 127.0.0.1 (an ephemeral port). */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const server = new grpc.Server();
  const waiters: Array<() => boolean> = [];
  let inFlight = 0;
  const state: OtlpCollector = {
    port: 0,
    spans: [],
    exports: 0,
    failWith: null,
    delayMs: 0,
    maxInFlight: 0,
    waitForSpans(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (state.spans.length < count) return false;
          clearTimeout(timer);
          resolve(state.spans);
          return true;
        };
        const timer = setTimeout(() => reject(new Error(`${state.spans.length} span(s) arrived, waited for ${count}`)), timeoutMs);
        if (!check()) waiters.push(check);
      });
    },
    close() {
      server.forceShutdown();
    },
  };
  /** Records the spans of one Export and answers it (or fails it, as told). */
  const answer = (request: ExportRequest, done: grpc.sendUnaryData<unknown>) => {
    if (state.failWith !== null) {
      done({ code: state.failWith, details: "the test collector refuses" });
      return;
    }
    for (const rs of request.resource_spans) {
      const resource = attributes(rs.resource?.attributes);
      for (const ss of rs.scope_spans) {
        for (const s of ss.spans) {
          state.spans.push({
            traceId: s.trace_id.toString("hex"),
            spanId: s.span_id.toString("hex"),
            parentSpanId: s.parent_span_id.toString("hex"),
            traceState: s.trace_state,
            flags: s.flags,
            name: s.name,
            kind: s.kind,
            startNanos: BigInt(s.start_time_unix_nano),
            endNanos: BigInt(s.end_time_unix_nano),
            attributes: attributes(s.attributes),
            status: { code: s.status?.code ?? "STATUS_CODE_UNSET", message: s.status?.message ?? "" },
            resource,
            scope: ss.scope?.name ?? "",
          });
        }
      }
    }
    done(null, {});
    for (const check of waiters.splice(0)) if (!check()) waiters.push(check);
  };
  server.addService(loadTraceService(), {
    Export: (call: grpc.ServerUnaryCall<ExportRequest, unknown>, done: grpc.sendUnaryData<unknown>) => {
      state.exports++;
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        answer(call.request, done);
      }, state.delayMs);
    },
  });
  state.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return state;
}
