// The module's metrics for one plugin configuration, named `meta_protocol.<statPrefix>.<name>`
// after Aeraki's MetaProtocol proxy (Envoy shows them without the `wasmcustom.` prefix it adds).
import { defineMetric, incrementMetric, recordMetric } from "../abi/host";
import { MetricType } from "../abi/types";

export class MetaStats {
  readonly request: u32;
  readonly requestOneway: u32;
  readonly heartbeat: u32;
  readonly requestDecodingError: u32;
  readonly response: u32;
  readonly responseSuccess: u32;
  readonly responseError: u32;
  readonly responseDecodingError: u32;
  readonly responseUnpaired: u32;
  readonly localReply: u32;
  readonly localReplyClosed: u32;
  readonly requestActive: u32;
  readonly connectionActive: u32;
  readonly requestTimeMs: u32;

  constructor(readonly prefix: string) {
    const p = "meta_protocol." + prefix + ".";
    this.request = defineMetric(MetricType.Counter, p + "request");
    this.requestOneway = defineMetric(MetricType.Counter, p + "request_oneway");
    this.heartbeat = defineMetric(MetricType.Counter, p + "heartbeat");
    this.requestDecodingError = defineMetric(MetricType.Counter, p + "request_decoding_error");
    this.response = defineMetric(MetricType.Counter, p + "response");
    this.responseSuccess = defineMetric(MetricType.Counter, p + "response_success");
    this.responseError = defineMetric(MetricType.Counter, p + "response_error");
    this.responseDecodingError = defineMetric(MetricType.Counter, p + "response_decoding_error");
    this.responseUnpaired = defineMetric(MetricType.Counter, p + "response_unpaired");
    this.localReply = defineMetric(MetricType.Counter, p + "local_reply");
    this.localReplyClosed = defineMetric(MetricType.Counter, p + "local_reply_connection_closed");
    this.requestActive = defineMetric(MetricType.Gauge, p + "request_active");
    this.connectionActive = defineMetric(MetricType.Gauge, p + "connection_active");
    this.requestTimeMs = defineMetric(MetricType.Histogram, p + "request_time_ms");
  }

  inc(metric: u32): void {
    incrementMetric(metric, 1);
  }

  add(metric: u32, delta: i64): void {
    incrementMetric(metric, delta);
  }

  record(metric: u32, value: u64): void {
    recordMetric(metric, value);
  }
}
