// The tracing filter's configuration (see assembly/filters/tracing.ts for the fields), read with
// every problem named by its path, as the other filters read theirs.
import { ConfigErrors } from "../../meta/config-errors";
import { ConfigFields } from "../../meta/config-fields";
import { envoyGrpcService } from "../../meta/grpc-service";
import { JsonKind, JsonValue } from "../../meta/json";
import { ExportSource } from "./otlp-encoder";
import { ExporterSettings } from "./span-exporter";
import { SpanKind } from "./span";
import { Convention } from "./trace-context";

const DEFAULT_SERVICE_NAME = "meta-protocol-proxy";
const SCOPE_NAME = "meta_protocol.filters.tracing";
const SCOPE_VERSION = "0.1.0";
const DEFAULT_BATCH_SIZE: i64 = 64;
const DEFAULT_MAX_QUEUED: i64 = 2048;
const DEFAULT_FLUSH_MS: i64 = 1000;
const DEFAULT_TIMEOUT_MS: i64 = 1000;

export class TracingSettings {
  kind: SpanKind = SpanKind.Server;
  /** How a generated trace goes out. */
  propagation: Convention = Convention.W3C;
  generate: bool = false;
  samplingRate: f64 = 1;
  rpcSystem: string = "";
  /** Metadata keys copied into span attributes of the same name. */
  attributes: string[] = [];
  exporter!: ExporterSettings;
}

export function parseTracingSettings(config: JsonValue | null, at: string, errors: ConfigErrors): TracingSettings | null {
  if (config === null) {
    errors.add(at, "required: grpcService (the OTLP collector)");
    return null;
  }
  const fields = new ConfigFields(config, at, errors, [
    "grpcService", "serviceName", "spanKind", "propagation", "generate", "samplingRate", "batchSize", "maxQueued", "flushInterval", "rpcSystem", "attributes",
  ]);
  if (!fields.valid) return null;
  const before = errors.messages.length;
  const s = new TracingSettings();

  const kind = fields.string("spanKind");
  if (kind !== null) {
    if (kind == "SERVER") s.kind = SpanKind.Server;
    else if (kind == "CLIENT") s.kind = SpanKind.Client;
    else errors.add(fields.path("spanKind"), "must be SERVER (a sidecar's inbound) or CLIENT (its outbound)");
  }
  const propagation = fields.string("propagation");
  if (propagation !== null) {
    if (propagation == "W3C") s.propagation = Convention.W3C;
    else if (propagation == "B3") s.propagation = Convention.B3Multi;
    else if (propagation == "B3_SINGLE") s.propagation = Convention.B3Single;
    else errors.add(fields.path("propagation"), "must be W3C, B3 or B3_SINGLE");
  }
  const generate = fields.field("generate", JsonKind.Bool);
  if (generate !== null) s.generate = generate.bool;
  const rate = fields.field("samplingRate", JsonKind.Number);
  if (rate !== null) {
    if (!(rate.number >= 0 && rate.number <= 1)) errors.add(fields.path("samplingRate"), "must be from 0 to 1");
    else s.samplingRate = rate.number;
  }
  const system = fields.string("rpcSystem");
  if (system !== null) s.rpcSystem = system;
  const attributes = fields.field("attributes", JsonKind.Array);
  if (attributes !== null) {
    for (let i = 0; i < attributes.items.length; i++) {
      const item = attributes.items[i];
      if (item.kind != JsonKind.String || item.string.length == 0) errors.add(fields.path("attributes") + "[" + i.toString() + "]", "must be a metadata key (a non-empty string)");
      else s.attributes.push(item.string);
    }
  }

  const batch = positive(fields, "batchSize", DEFAULT_BATCH_SIZE, 100000);
  const queued = positive(fields, "maxQueued", DEFAULT_MAX_QUEUED, 1000000);
  if (batch > queued) errors.add(fields.path("batchSize"), "must not exceed maxQueued");
  let flush = DEFAULT_FLUSH_MS;
  if (fields.has("flushInterval")) {
    flush = fields.durationMillis("flushInterval");
    if (flush == 0 || flush > 3600000) errors.add(fields.path("flushInterval"), "must be more than zero and at most an hour");
  }
  let name = fields.string("serviceName");
  if (name === null) name = DEFAULT_SERVICE_NAME;
  const collector = parseCollector(fields, errors);

  if (errors.messages.length > before || collector === null) return null;
  const source = new ExportSource(["service.name"], [name], SCOPE_NAME, SCOPE_VERSION);
  s.exporter = new ExporterSettings(collector.service, source, <i32>batch, <i32>queued, <u32>flush, collector.timeoutMillis);
  return s;
}

function positive(fields: ConfigFields, name: string, fallback: i64, max: i64): i64 {
  if (!fields.has(name)) return fallback;
  const n = fields.count(name);
  if (n < 0) return fallback;
  if (n < 1 || n > max) {
    fields.errors.add(fields.path(name), "must be an integer from 1 to " + max.toString());
    return fallback;
  }
  return n;
}

class Collector {
  constructor(readonly service: Uint8Array, readonly timeoutMillis: u32) {}
}

/** Envoy's GrpcService as its OpenTelemetry tracer takes it: {envoyGrpc: {clusterName}, timeout}. */
function parseCollector(parent: ConfigFields, errors: ConfigErrors): Collector | null {
  const value = parent.field("grpcService", JsonKind.Object, true);
  if (value === null) return null;
  const g = new ConfigFields(value, parent.path("grpcService"), errors, ["envoyGrpc", "googleGrpc", "timeout"]);
  if (!g.valid) return null;
  let timeout = DEFAULT_TIMEOUT_MS;
  if (g.has("timeout")) {
    timeout = g.durationMillis("timeout");
    if (timeout == 0 || timeout > 60000) errors.add(g.path("timeout"), "must be more than zero and at most a minute");
  }
  const service = envoyGrpcService(g);
  if (service === null) return null;
  return new Collector(service, <u32>max<i64>(timeout, 1));
}
