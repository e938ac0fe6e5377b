// The module's counters and gauges: their names (after Aeraki's MetaProtocol proxy) and ids.
// Pure, so that the connection manager can count without the ABI (see ports.ts).
export const STAT_NAMES: string[] = [
  "request", "request_oneway", "heartbeat", "request_decoding_error", "response", "response_success",
  "response_error", "response_decoding_error", "response_unpaired", "local_reply", "local_reply_connection_closed",
  "route_mismatch", "request_drained", "connection_drained",
  "request_active", "connection_active",
];
export const GAUGES = 2; // the last NAMES

export enum Stat {
  Request = 0,
  RequestOneway = 1,
  Heartbeat = 2,
  RequestDecodingError = 3,
  Response = 4,
  ResponseSuccess = 5,
  ResponseError = 6,
  ResponseDecodingError = 7,
  ResponseUnpaired = 8,
  LocalReply = 9,
  LocalReplyConnectionClosed = 10,
  /** A request whose route cannot pick the cluster its connection is bound to. */
  RouteMismatch = 11,
  /** A request not forwarded because its connection was draining. */
  RequestDrained = 12,
  /** A connection closed by a drain, once its last in-flight reply was delivered. */
  ConnectionDrained = 13,
  RequestActive = 14,
  ConnectionActive = 15,
}

