// Envoy's gRPC access log service messages (envoy/service/accesslog/v3/als.proto), written by hand
// on the protobuf wire format: StreamAccessLogsMessage { identifier = 1 { node = 1 { id = 1 },
// log_name = 2 }, tcp_logs = 3 { repeated log_entry = 1 } }, each entry an
// envoy.data.accesslog.v3.TCPAccessLogEntry { common_properties = 1, connection_properties = 2 }.
import { ProtobufWriter } from "../codecs/protobuf";
import { ErrorKind } from "../meta/message";
import { LogRecord } from "./log-record";

export const ALS_SERVICE = "envoy.service.accesslog.v3.AccessLogService";
export const ALS_METHOD = "StreamAccessLogs";

// AccessLogCommon field numbers (envoy/data/accesslog/v3/accesslog.proto).
const START_TIME: u32 = 5;
const TIME_TO_LAST_DOWNSTREAM_TX_BYTE: u32 = 12;
const UPSTREAM_CLUSTER: u32 = 15;
const RESPONSE_FLAGS: u32 = 16;
const ROUTE_NAME: u32 = 19;
const CUSTOM_TAGS: u32 = 22;
const DURATION: u32 = 23;

/** google.protobuf.Timestamp / Duration: seconds = 1, nanos = 2. */
function seconds(nanos: u64): Uint8Array {
  const w = new ProtobufWriter();
  const s = nanos / 1_000_000_000;
  const n = nanos % 1_000_000_000;
  if (s != 0) w.varintField(1, s);
  if (n != 0) w.varintField(2, n);
  return w.toBytes();
}

/** The ResponseFlags field a local reply's reason sets (0: none). */
function responseFlagField(kind: ErrorKind): u32 {
  switch (kind) {
    case ErrorKind.OverLimit: return 12; // rate_limited
    case ErrorKind.RouteNotFound: return 9; // no_route_found
    case ErrorKind.NoHealthyUpstream: return 2; // no_healthy_upstream
    case ErrorKind.ClusterNotFound: return 25; // no_cluster_found
    default: return 0;
  }
}

function customTag(w: ProtobufWriter, key: string, value: string): void {
  const entry = new ProtobufWriter();
  entry.stringField(1, key);
  entry.stringField(2, value);
  w.bytesField(CUSTOM_TAGS, entry.toBytes());
}

/**
 * A TCPAccessLogEntry for one request: start time, duration (also as the time to the last byte
 * sent to the client), cluster, route, flags for a local reply, the request's and response's
 * frame sizes (received_bytes / sent_bytes), and as custom_tags the protocol, response_code,
 * response_code_details (local replies) and each of `keys` the request's metadata has.
 */
export function encodeEntry(r: LogRecord, keys: string[]): Uint8Array {
  const common = new ProtobufWriter();
  common.bytesField(START_TIME, seconds(r.startNanos));
  if (r.durationNanos >= 0) {
    const d = seconds(<u64>r.durationNanos);
    common.bytesField(TIME_TO_LAST_DOWNSTREAM_TX_BYTE, d);
    common.bytesField(DURATION, d);
  }
  if (r.cluster.length > 0) common.stringField(UPSTREAM_CLUSTER, r.cluster);
  const flag = r.localReply ? responseFlagField(r.replyKind) : 0;
  if (flag != 0) {
    const flags = new ProtobufWriter();
    flags.varintField(flag, 1);
    common.bytesField(RESPONSE_FLAGS, flags.toBytes());
  }
  if (r.route.length > 0) common.stringField(ROUTE_NAME, r.route);
  customTag(common, "protocol", r.protocol);
  customTag(common, "response_code", r.responseCode);
  if (r.localReply && r.replyDetail.length > 0) customTag(common, "response_code_details", r.replyDetail);
  for (let i = 0; i < keys.length; i++) {
    const v = r.metadata.get(keys[i]);
    if (v !== null) customTag(common, keys[i], v);
  }
  const connection = new ProtobufWriter();
  if (r.requestBytes > 0) connection.varintField(1, <u64>r.requestBytes);
  if (r.responseBytes > 0) connection.varintField(2, <u64>r.responseBytes);
  const entry = new ProtobufWriter();
  entry.bytesField(1, common.toBytes());
  entry.bytesField(2, connection.toBytes());
  return entry.toBytes();
}

/** A StreamAccessLogsMessage carrying `entries`; the first on a stream also carries its identifier (`nodeId` null: none). */
export function encodeMessage(nodeId: string | null, logName: string, entries: Uint8Array[]): Uint8Array {
  const w = new ProtobufWriter();
  if (nodeId !== null) {
    const node = new ProtobufWriter();
    if (nodeId.length > 0) node.stringField(1, nodeId);
    const identifier = new ProtobufWriter();
    identifier.bytesField(1, node.toBytes());
    identifier.stringField(2, logName);
    w.bytesField(1, identifier.toBytes());
  }
  const logs = new ProtobufWriter();
  for (let i = 0; i < entries.length; i++) logs.bytesField(1, entries[i]);
  w.bytesField(3, logs.toBytes());
  return w.toBytes();
}
