// The ConnectionPort over the proxy-wasm ABI: DOWNSTREAM_DATA / UPSTREAM_DATA through
// proxy_get_buffer_bytes / proxy_set_buffer_bytes (Envoy's rules: see ports.ts), the clock read once
// per callback, continue and close on the downstream stream, the cluster through Envoy's
// `set_envoy_filter_state` foreign function (proxy_set_property cannot: it writes under `wasm.`),
// and the counters summed in guest memory until the callback ends (or, with stats_flush_interval,
// until the root's tick or this connection's close: see stats.ts).
import { callForeignFunction, closeStream, continueStream, currentTimeNanoseconds, getBufferBytesInto, getBufferSize, setBufferBytes } from "../abi/host";
import { logDebug, logInfo, logWarn } from "../abi/log";
import { BufferType, Status, StreamType } from "../abi/types";
import { ProtobufWriter } from "../codecs/protobuf";
import { BufferPort, ConnectionPort } from "./ports";
import { Stat } from "./stat-names";
import { MetaStats } from "./stats";

const TCP_PROXY_CLUSTER = "envoy.tcp_proxy.cluster";

class HostBuffer extends BufferPort {
  constructor(private type: BufferType) {
    super();
  }
  get size(): i32 {
    return getBufferSize(this.type);
  }
  fetch(start: i32, length: i32, into: Uint8Array): i32 {
    return getBufferBytesInto(this.type, <u32>start, <u32>length, into);
  }
  write(start: i32, length: i32, data: Uint8Array): bool {
    return setBufferBytes(this.type, <u32>start, <u32>length, data);
  }
}

/** A HostBuffer names a buffer type and holds nothing else: two per VM serve every connection. */
const DOWNSTREAM = new HostBuffer(BufferType.DownstreamData);
const UPSTREAM = new HostBuffer(BufferType.UpstreamData);

export class HostConnectionPort extends ConnectionPort {
  private clockNanos: u64 = 0;

  constructor(private connectionId: u32, private stats: MetaStats) {
    super();
  }

  get downstream(): BufferPort {
    return DOWNSTREAM;
  }
  get upstream(): BufferPort {
    return UPSTREAM;
  }

  /** The time, read from the host once per callback: the messages of one read arrived together. */
  now(): u64 {
    if (this.clockNanos == 0) this.clockNanos = currentTimeNanoseconds();
    return this.clockNanos;
  }

  /** Every callback into the connection ends here: the clock is read afresh next time, counts go to Envoy. */
  endCallback(): void {
    this.clockNanos = 0;
    this.stats.endCallback();
  }

  /** The connection's last callback: its counts go to Envoy now, tick or not. */
  endLastCallback(): void {
    this.clockNanos = 0;
    this.stats.flush();
  }

  continueDownstream(): void {
    continueStream(StreamType.Downstream);
  }

  close(reason: string, planned: bool): void {
    const line = "meta_protocol." + this.stats.prefix + ": closing connection " + this.connectionId.toString() + ": " + reason;
    if (planned) logInfo(line);
    else logWarn(line);
    closeStream(StreamType.Downstream);
  }

  /** SetEnvoyFilterStateArguments{path = 1, value = 2} (envoy source/extensions/common/wasm/foreign.cc). */
  chooseCluster(name: string): bool {
    const args = new ProtobufWriter();
    args.stringField(1, TCP_PROXY_CLUSTER);
    args.stringField(2, name);
    return callForeignFunction("set_envoy_filter_state", args.toBytes()).status == Status.Ok;
  }

  count(stat: Stat, delta: i64): void {
    this.stats.add(stat, delta);
  }

  recordRequestTime(milliseconds: u64): void {
    this.stats.recordRequestTime(milliseconds);
  }

  logDebug(message: string): void {
    logDebug(message);
  }
}
