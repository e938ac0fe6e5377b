// meta_protocol.filters.access_log: one entry per request and its outcome (its response, its
// local reply; a oneway request as it passes), written as a text line through Envoy's log, and/or
// streamed to Envoy's gRPC access log service:
//   {"format": "[%START_TIME%] %METADATA(method)% %CLUSTER% %RESPONSE_CODE% %DURATION%",
//    "level": "info",
//    "grpcService": {"envoyGrpc": {"clusterName": "als"}}, "logName": "meta_protocol",
//    "metadataKeys": ["interface", "method"], "bufferSizeBytes": 16384, "bufferFlushInterval": "1s"}
// - format: the line (fields in assembly/observability/access-log-format.ts; a default when absent).
// - level: trace|debug|info|warn|error|critical (default info), or "off" for no text line. The line
//   is built only when Envoy keeps that level.
// - grpcService (envoy_grpc only): stream TCPAccessLogEntry batches to
//   envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs (observability/als-sender.ts);
//   logName names the log in the stream's identifier (default "meta_protocol");
//   custom_tags carry protocol, response_code and the metadata keys of the format and of metadataKeys.
// - protocol: the PROTOCOL value; default the plugin's statPrefix, else its codec's name.
// Place it where it sees the requests it should log: a request a filter before it answers is
// logged from its local reply, one whose local reply closes the connection is not logged.
import { logEnabled } from "../abi/log";
import { log } from "../abi/host";
import { GrpcStatus, LogLevel } from "../abi/types";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { envoyGrpcService } from "../meta/grpc-service";
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestInfo, RequestView, ResponseView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ResponseStatus } from "../meta/message";
import { AccessLogFormat, DEFAULT_FORMAT } from "../observability/access-log-format";
import { encodeEntry } from "../observability/als-messages";
import { AlsSender } from "../observability/als-sender";
import { LogRecord } from "../observability/log-record";
import { pluginProtocol } from "../observability/proxy-identity";
import { responseCode, responseFlags } from "../observability/stat-naming";

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical"];
const OFF: i32 = -1;

class AccessLogConfig extends FilterConfig {
  constructor(
    readonly format: AccessLogFormat,
    readonly level: i32,
    readonly protocol: string,
    /** Metadata keys read on each request: the format's and the ALS custom tags'. */
    readonly keys: string[],
    readonly sender: AlsSender | null,
  ) {
    super();
  }

  createFilter(services: FilterServices): MetaFilter {
    return new AccessLog(this, services);
  }
}

class AccessLog extends MetaFilter {
  private record: LogRecord = new LogRecord();

  constructor(private config: AccessLogConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    // A codec may read some keys lazily, only while the request's bytes are there: read them now.
    const metadata = r.message.metadata;
    for (let i = 0; i < this.config.keys.length; i++) metadata.get(this.config.keys[i]);
    if (r.isOneway) this.write(r, "oneway", false, -1, -1);
    return MessageAction.Continue;
  }

  onResponse(v: ResponseView): void {
    const local = v.isLocalReply;
    const code = responseCode(local, v.request.replyKind, v.status == ResponseStatus.Ok);
    const duration = <i64>(this.services.now() - v.request.startNanos);
    this.write(v.request, code, local, duration, local ? -1 : v.message.frameSize);
  }

  onTimer(): void {
    const sender = this.config.sender;
    if (sender !== null) sender.onTimer(this.services);
  }

  onGrpcStreamClose(token: u32, status: GrpcStatus): void {
    const sender = this.config.sender;
    if (sender !== null) sender.onStreamClose(token, this.services);
  }

  onConnectionClose(): void {
    const sender = this.config.sender;
    if (sender !== null) sender.onConnectionClose(this.services);
  }

  private write(request: RequestInfo, code: string, local: bool, durationNanos: i64, responseBytes: i32): void {
    const config = this.config;
    const text = config.level != OFF && logEnabled(<LogLevel>config.level);
    if (!text && config.sender === null) return;
    const r = this.record;
    r.startNanos = request.startNanos;
    r.durationNanos = durationNanos;
    r.protocol = config.protocol;
    r.route = request.routeName;
    r.cluster = request.cluster;
    r.responseCode = code;
    r.localReply = local;
    r.replyKind = request.replyKind;
    r.replyDetail = local ? request.replyDetail : "";
    r.responseFlags = responseFlags(local, request.replyKind);
    r.requestBytes = request.message.frameSize;
    r.responseBytes = responseBytes;
    r.connectionId = this.services.connectionId;
    r.metadata = request.message.metadata;
    if (text) log(<LogLevel>config.level, config.format.render(r));
    const sender = config.sender;
    if (sender !== null) sender.add(encodeEntry(r, config.keys), this.services);
  }
}

export class AccessLogFactory extends FilterFactory {
  get name(): string {
    return "meta_protocol.filters.access_log";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    let format = AccessLogFormat.parse(DEFAULT_FORMAT);
    let level: i32 = <i32>LogLevel.Info;
    let protocol: string | null = null;
    let sender: AlsSender | null = null;
    const keys: string[] = [];
    if (config !== null) {
      const fields = new ConfigFields(config, at, errors, ["format", "level", "protocol", "grpcService", "logName", "metadataKeys", "bufferSizeBytes", "bufferFlushInterval"]);
      if (!fields.valid) return null;
      const before = errors.messages.length;
      const f = fields.string("format");
      if (f !== null) {
        format = AccessLogFormat.parse(f);
        if (format.error.length > 0) errors.add(fields.path("format"), format.error);
      }
      const l = fields.string("level");
      if (l !== null) {
        level = l == "off" ? OFF : LEVELS.indexOf(l);
        if (level == -1 && l != "off") errors.add(fields.path("level"), "must be one of " + LEVELS.join(", ") + ", off");
      }
      protocol = fields.string("protocol");
      const list = fields.field("metadataKeys", JsonKind.Array);
      if (list !== null) {
        for (let i = 0; i < list.items.length; i++) {
          const item = list.items[i];
          if (item.kind != JsonKind.String || item.string.length == 0) errors.add(fields.path("metadataKeys") + "[" + i.toString() + "]", "must be a non-empty string");
          else if (!keys.includes(item.string)) keys.push(item.string);
        }
      }
      sender = parseSender(fields, errors);
      if (errors.messages.length > before) return null;
    }
    const formatKeys = format.metadataKeys();
    for (let i = 0; i < formatKeys.length; i++) if (!keys.includes(formatKeys[i])) keys.push(formatKeys[i]);
    if (protocol === null) protocol = pluginProtocol();
    return new AccessLogConfig(format, level, protocol !== null ? protocol : "unknown", keys, sender);
  }
}

/** The ALS stream's settings, or null without a grpcService (errors reported under `fields`). */
function parseSender(fields: ConfigFields, errors: ConfigErrors): AlsSender | null {
  let logName = "meta_protocol";
  const name = fields.string("logName");
  if (name !== null) {
    if (name.length == 0) errors.add(fields.path("logName"), "must not be empty");
    logName = name;
  }
  let bufferSize: i64 = 16384;
  if (fields.has("bufferSizeBytes")) {
    bufferSize = fields.count("bufferSizeBytes");
    if (bufferSize == 0 || bufferSize > 16777216) errors.add(fields.path("bufferSizeBytes"), "must be an integer from 1 to 16777216");
  }
  let interval: i64 = 1000;
  if (fields.has("bufferFlushInterval")) {
    interval = fields.durationMillis("bufferFlushInterval");
    if (interval == 0 || interval > 3600000) errors.add(fields.path("bufferFlushInterval"), "must be greater than zero and at most 1h");
  }
  const grpc = fields.field("grpcService", JsonKind.Object);
  if (grpc === null) return null;
  const g = new ConfigFields(grpc, fields.path("grpcService"), errors, ["envoyGrpc", "googleGrpc"]);
  const service = g.valid ? envoyGrpcService(g) : null;
  if (service === null) return null;
  if (bufferSize <= 0 || interval <= 0) return null;
  return new AlsSender(service, logName, <i32>bufferSize, <u32>interval);
}
