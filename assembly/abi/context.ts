// The contexts a module implements by extending these classes. Every callback has a harmless
// default: a NetworkContext that overrides nothing passes all bytes through.
import { CalloutKind, recordGrpcCallout, recordHttpCallout } from "./callouts";
import { Callout, grpcCall, grpcStream, httpCall } from "./host";
import { FilterStatus, GrpcStatus, PeerType } from "./types";

/** What root and connection contexts share: an id, the end of life, and callouts with their replies. */
export class Context {
  constructor(public readonly id: u32) {}

  /** Envoy is done with the context. Return false to finish later with host.done(). */
  onDone(): bool {
    return true;
  }
  /** After onDone: the last chance to log. */
  onLog(): void {}
  /** The context is gone: drop its state. */
  onDelete(): void {}

  onGrpcReceiveInitialMetadata(token: u32, headers: u32): void {}
  onGrpcReceive(token: u32, size: usize): void {}
  onGrpcReceiveTrailingMetadata(token: u32, trailers: u32): void {}
  onGrpcClose(token: u32, status: GrpcStatus): void {}
  onHttpCallResponse(token: u32, headers: u32, bodySize: usize, trailers: u32): void {}

  /** host.grpcCall whose replies come back to this context (or the status the host refused it with). */
  grpcCall(
    upstream: Uint8Array, service: string, method: string, initialMetadata: Uint8Array | null,
    message: Uint8Array, timeoutMilliseconds: u32,
  ): Callout {
    const call = grpcCall(upstream, service, method, initialMetadata, message, timeoutMilliseconds);
    if (call.started) recordGrpcCallout(call.token, this.id, CalloutKind.GrpcCall);
    return call;
  }

  /** host.grpcStream whose replies come back to this context (or the status the host refused it with). */
  grpcStream(upstream: Uint8Array, service: string, method: string, initialMetadata: Uint8Array | null): Callout {
    const stream = grpcStream(upstream, service, method, initialMetadata);
    if (stream.started) recordGrpcCallout(stream.token, this.id, CalloutKind.GrpcStream);
    return stream;
  }

  /** host.httpCall whose response comes back to this context (or the status the host refused it with). */
  httpCall(upstream: string, headers: Uint8Array, body: Uint8Array | null, trailers: Uint8Array | null, timeoutMilliseconds: u32): Callout {
    const call = httpCall(upstream, headers, body, trailers, timeoutMilliseconds);
    if (call.started) recordHttpCallout(call.token, this.id);
    return call;
  }
}

/** One per plugin (root id) per VM: configuration, timers, queues, and the connection factory. */
export class RootContext extends Context {
  /** Once per VM; the VM configuration is BufferType.VmConfiguration. False fails the VM. */
  onVmStart(vmConfigurationSize: usize): bool {
    return true;
  }
  /** The plugin configuration is BufferType.PluginConfiguration. False rejects it. */
  onConfigure(pluginConfigurationSize: usize): bool {
    return true;
  }
  onTick(): void {}
  onQueueReady(queueId: u32): void {}
  /** A new connection (context id `contextId`) on this plugin's filter chain. */
  newConnection(contextId: u32): NetworkContext {
    return new NetworkContext(contextId, this);
  }
}

/** One per TCP connection: the downstream/upstream pair tcp_proxy holds. */
export class NetworkContext extends Context {
  constructor(id: u32, public readonly root: RootContext) {
    super(id);
  }

  /** StopIteration holds tcp_proxy back (no upstream yet) until continueStream(Downstream). */
  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }
  /** `size` counts all buffered client bytes, including those held by an earlier StopIteration. */
  onDownstreamData(size: usize, endOfStream: bool): FilterStatus {
    return FilterStatus.Continue;
  }
  /** Server bytes on their way to the client. Envoy cannot hold them: the bytes pass on return. */
  onUpstreamData(size: usize, endOfStream: bool): FilterStatus {
    return FilterStatus.Continue;
  }
  onDownstreamConnectionClose(peer: PeerType): void {}
  onUpstreamConnectionClose(peer: PeerType): void {}
}
