// The proxy-wasm ABI 0.2.1 numbers the host speaks (proxy-wasm/spec; proxy-wasm-cpp-host).
export enum Status {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  InternalFailure = 10,
  Unimplemented = 12,
}
export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}
export enum StreamType {
  Request = 0,
  Response = 1,
  Downstream = 2,
  Upstream = 3,
}
export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}
export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}
export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}
export const LOG_LEVEL_NAMES = ["trace", "debug", "info", "warning", "error", "critical"] as const;
