// gRPC callouts from a module, carried to real gRPC servers with @grpc/grpc-js. Like Envoy, the
// call belongs to the root context and replies come back to it: proxy_on_grpc_receive (with the
// GRPC_RECEIVE_BUFFER), the initial/trailing metadata callbacks for streams, proxy_on_grpc_close
// with the status. Call tokens are odd, stream tokens even (proxy-wasm-cpp-host).
import * as grpc from "@grpc/grpc-js";
import type { Vm } from "./vm.ts";
import { LogLevel, Status } from "./types.ts";

const identity = (b: Buffer) => b;

/** Envoy reads the upstream as a serialized GrpcService; bytes that do not parse are a cluster name. */
export function clusterOf(service: Buffer): string {
  // GrpcService { envoy_grpc = 1 { cluster_name = 1 } }; anything else is taken as a name.
  if (service.length > 2 && service[0] === 0x0a) {
    const outerLen = service[1];
    const inner = service.subarray(2, 2 + outerLen);
    if (inner.length === outerLen && inner[0] === 0x0a && inner[1] + 2 <= inner.length) {
      return inner.subarray(2, 2 + inner[1]).toString("utf8");
    }
  }
  return service.toString("utf8");
}

/** proxy-wasm serialized pairs: count, then (key size, value size) each, then NUL-terminated strings. */
export function parsePairs(bytes: Buffer): Array<[string, string]> {
  if (bytes.length < 4) return [];
  const n = bytes.readUInt32LE(0);
  const out: Array<[string, string]> = [];
  let data = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const k = bytes.readUInt32LE(4 + i * 8);
    const v = bytes.readUInt32LE(8 + i * 8);
    const key = bytes.subarray(data, data + k).toString();
    data += k + 1;
    const value = bytes.subarray(data, data + v).toString();
    data += v + 1;
    out.push([key, value]);
  }
  return out;
}

type Live = { cancel(): void; send?(m: Buffer): void; end?(): void };

export class GrpcCallouts {
  private nextCall = 1;
  private nextStream = 2;
  private live = new Map<number, Live>();
  private clients = new Map<string, grpc.Client>();

  constructor(private vm: Vm) {}

  private client(cluster: string): grpc.Client | undefined {
    const target = this.vm.services.cluster(cluster);
    if (!target) return undefined;
    let c = this.clients.get(cluster);
    if (!c) {
      c = new grpc.Client(`${target.host}:${target.port}`, grpc.credentials.createInsecure());
      this.clients.set(cluster, c);
    }
    return c;
  }

  private metadata(pairs: Array<[string, string]>): grpc.Metadata {
    const m = new grpc.Metadata();
    for (const [k, v] of pairs) m.add(k, v);
    return m;
  }

  call(service: Buffer, serviceName: string, method: string, initial: Buffer, request: Buffer, timeoutMs: number): { status: Status; token: number } {
    const client = this.client(clusterOf(service));
    if (!client) return { status: Status.BadArgument, token: 0 };
    const token = this.nextCall;
    this.nextCall += 2;
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const call = client.makeUnaryRequest(`/${serviceName}/${method}`, identity, identity, Buffer.from(request), this.metadata(parsePairs(initial)), { deadline }, (err, reply) => {
      if (!this.live.delete(token)) return; // cancelled
      if (err) this.close(token, err.code, err.details);
      else this.receive(token, reply ?? Buffer.alloc(0));
    });
    this.live.set(token, { cancel: () => call.cancel() });
    return { status: Status.Ok, token };
  }

  stream(service: Buffer, serviceName: string, method: string, initial: Buffer): { status: Status; token: number } {
    const client = this.client(clusterOf(service));
    if (!client) return { status: Status.BadArgument, token: 0 };
    const token = this.nextStream;
    this.nextStream += 2;
    const s = client.makeBidiStreamRequest(`/${serviceName}/${method}`, identity, identity, this.metadata(parsePairs(initial)));
    s.on("metadata", (md: grpc.Metadata) => this.headers("proxy_on_grpc_receive_initial_metadata", token, md));
    s.on("data", (m: Buffer) => this.receive(token, m));
    s.on("status", (st: grpc.StatusObject) => {
      this.headers("proxy_on_grpc_receive_trailing_metadata", token, st.metadata);
      if (this.live.delete(token)) this.close(token, st.code, st.details);
    });
    s.on("error", () => {}); // the status event reports it
    this.live.set(token, { cancel: () => s.cancel(), send: (m) => s.write(m), end: () => s.end() });
    return { status: Status.Ok, token };
  }

  send(token: number, message: Buffer, endStream: boolean): Status {
    const s = this.live.get(token);
    if (!s?.send) return Status.BadArgument;
    s.send(message);
    if (endStream) s.end!();
    return Status.Ok;
  }

  /** proxy_grpc_close: half-closes a stream; a call is cancelled. */
  closeCallout(token: number): Status {
    const s = this.live.get(token);
    if (!s) return Status.NotFound;
    if (s.end) s.end();
    else this.cancel(token);
    return Status.Ok;
  }

  cancel(token: number): Status {
    const s = this.live.get(token);
    if (!s) return Status.NotFound;
    this.live.delete(token);
    s.cancel();
    return Status.Ok;
  }

  shutdown(): void {
    for (const token of [...this.live.keys()]) this.cancel(token);
    for (const c of this.clients.values()) c.close();
  }

  private receive(token: number, message: Buffer): void {
    this.vm.grpcReceiveBuffer = message;
    this.vm.call("proxy_on_grpc_receive", this.vm.rootContextId, token, message.length);
    this.vm.grpcReceiveBuffer = null;
  }

  private headers(callback: string, token: number, md: grpc.Metadata): void {
    this.vm.call(callback, this.vm.rootContextId, token, Object.keys(md.getMap()).length);
  }

  private close(token: number, code: number, message: string): void {
    this.vm.grpcStatus = { code, message };
    this.vm.services.log(LogLevel.Debug, `grpc callout ${token} closed with ${code} ${message}`);
    this.vm.call("proxy_on_grpc_close", this.vm.rootContextId, token, code);
    this.vm.grpcStatus = { code: 0, message: "" };
  }
}
