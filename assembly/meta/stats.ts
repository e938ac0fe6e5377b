// The module's metrics for one plugin configuration, named `meta_protocol.<statPrefix>.<name>`
// after Aeraki's MetaProtocol proxy (Envoy keeps them in its `wasmcustom.` namespace). Counts are
// summed in guest memory and sent to the host once per data callback (`flush`): every host call
// crosses the VM boundary, and a callback may carry hundreds of pipelined messages.
import { defineMetric, incrementMetric, recordMetric } from "../abi/host";
import { MetricType } from "../abi/types";

const NAMES: string[] = [
  "request", "request_oneway", "heartbeat", "request_decoding_error", "response", "response_success",
  "response_error", "response_decoding_error", "response_unpaired", "local_reply", "local_reply_connection_closed",
  "request_active", "connection_active",
];
const GAUGES = 2; // the last NAMES

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
  RequestActive = 11,
  ConnectionActive = 12,
}

export class MetaStats {
  private ids: u32[] = [];
  private pending: i64[] = [];
  private dirty: bool = false;
  private requestTimeMs: u32;

  constructor(readonly prefix: string) {
    const p = "meta_protocol." + prefix + ".";
    for (let i = 0; i < NAMES.length; i++) {
      const type = i >= NAMES.length - GAUGES ? MetricType.Gauge : MetricType.Counter;
      this.ids.push(defineMetric(type, p + NAMES[i]));
      this.pending.push(0);
    }
    this.requestTimeMs = defineMetric(MetricType.Histogram, p + "request_time_ms");
  }

  inc(stat: Stat): void {
    this.add(stat, 1);
  }

  add(stat: Stat, delta: i64): void {
    unchecked(this.pending[stat] += delta);
    this.dirty = true;
  }

  recordRequestTime(milliseconds: u64): void {
    recordMetric(this.requestTimeMs, milliseconds);
  }

  /** Sends the summed counts to the host. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (let i = 0; i < this.pending.length; i++) {
      const delta = unchecked(this.pending[i]);
      if (delta == 0) continue;
      unchecked((this.pending[i] = 0));
      incrementMetric(unchecked(this.ids[i]), delta);
    }
  }
}
