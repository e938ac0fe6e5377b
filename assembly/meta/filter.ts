// The filter API: what a filter author implements and the narrow handles the framework gives.
// Built-in filters (router, rate limits, ...) are written against exactly this file.
//
// Requests (and oneway messages) pass the filters in chain order, responses in reverse order, as
// Envoy separates decoder and encoder callbacks. On a request a filter reads its metadata, may
// write its mutation, and answers Continue, Pause (after `hold()`: the request waits, without
// blocking the VM, until the handle resumes it or ends it with a reply) or Reply (the request ends
// with the protocol's error reply of an ErrorKind; the codec builds the bytes). The request's
// bytes are written when it is released, so a mutation made by any filter, before or after a
// pause, reaches the upstream. A response is read-only and carries the request it answers: Envoy
// passes server bytes on in the same call (see envoy-wasm.md), so a response cannot wait; what is
// to be written into a response is decided with its request (`responseMutation`).
import { JsonValue } from "./json";
import { ConfigErrors } from "./config-errors";
import { ErrorKind, Message, ResponseStatus } from "./message";
import { Mutation } from "./mutation";
import { GrpcStatus } from "../abi/types";
import { RouteSource } from "../routing/route-table";

export enum MessageAction {
  Continue = 0,
  Pause = 1,
  Reply = 2,
}

/** What anyone may read of a request, during its filters or when its response comes back. */
export abstract class RequestInfo {
  abstract get message(): Message;
  /** True for oneway messages: they pass the filters but have no response. */
  abstract get isOneway(): bool;
  /** The route that matched ("" if none yet) and the cluster it names. */
  abstract get routeName(): string;
  abstract get cluster(): string;
  /** When the request was decoded (host clock, nanoseconds). */
  abstract get startNanos(): u64;
  /** For a request a filter answered: why (its ErrorKind and detail). */
  abstract get replyKind(): ErrorKind;
  abstract get replyDetail(): string;
}

/** A request as its filters see it. */
export abstract class RequestView extends RequestInfo {
  /** Keys and values the codec writes into the request when it passes on. */
  abstract get mutation(): Mutation;
  /**
   * Keys and values the codec writes into this request's response on its way back, for codecs
   * whose responses carry them (Codec.mutatesResponses); set while the request passes the filters.
   */
  abstract get responseMutation(): Mutation;
  /** Records the route that matched and its cluster (the router does; metrics and logs read them). */
  abstract setRoute(name: string, cluster: string): void;
  /** Ends the request with a local reply: `return r.reply(ErrorKind.OverLimit, "...")`. */
  abstract reply(kind: ErrorKind, detail: string): MessageAction;
  /** The handle to release the request later; call it, keep it, and return MessageAction.Pause. */
  abstract hold(): HeldRequest;
}

/** A request that a filter paused: resume it or end it with a reply, once, from any later callback. */
export abstract class HeldRequest {
  abstract get request(): RequestView;
  /** Runs the filters after the one that paused; the bytes pass when nothing else holds them. */
  abstract resume(): void;
  /** Ends the request with the protocol's error reply, delivered on the open connection. */
  abstract reply(kind: ErrorKind, detail: string): void;
}

/**
 * A response on its way to the client, with the request it answers. For a request a filter
 * answered itself, `isLocalReply` is true: `message` is then the upstream's answer to the probe
 * that took the request's place, and the client gets the codec's error reply instead. The view and
 * its message are valid during onResponse only (they are reused for the next response): copy what
 * must be kept.
 */
export abstract class ResponseView {
  abstract get message(): Message;
  abstract get request(): RequestInfo;
  abstract get isLocalReply(): bool;
  /** What the client gets: Error for a local reply, else the server's status. */
  abstract get status(): ResponseStatus;
}

/** Only for filters whose config says needsUpstreamChoice(): picks tcp_proxy's cluster. */
export abstract class UpstreamChoice {
  /**
   * Binds the connection to `name` (Envoy's `envoy.tcp_proxy.cluster` filter state) before the
   * upstream connects. Only the first call of a connection acts; false if refused or too late.
   */
  abstract chooseCluster(name: string): bool;
  /** The cluster the connection is bound to, "" while none was chosen (or tcp_proxy's own was taken). */
  abstract get boundCluster(): string;
  /** Whether tcp_proxy has started (a choice now has no effect). */
  abstract get started(): bool;
}

/** What a filter may ask of the connection it serves. Replies come back to the same filter. */
export abstract class FilterServices {
  abstract get connectionId(): u32;
  /** The host clock in nanoseconds, read once per callback. */
  abstract now(): u64;
  /** Calls the filter's onTimer once, about `milliseconds` from now. */
  abstract wakeAfter(milliseconds: u32): void;
  /**
   * A unary gRPC call (`upstream`: a cluster name or a serialized GrpcService); the result comes to
   * the filter's onGrpcCallDone. Returns the token, 0 if the host refused.
   */
  abstract grpcCall(upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32;
  /**
   * Opens a client (or bidirectional) gRPC stream. As in Envoy, the stream belongs to the plugin's
   * root, not to this connection: any connection of the plugin may send on it and it outlives this
   * one; what the server sends and the stream's end come to this filter's onGrpcStreamMessage /
   * onGrpcStreamClose while this connection lives. Returns the token, 0 if the host refused.
   */
  grpcStream(upstream: Uint8Array, service: string, method: string): u32 {
    return 0;
  }
  /** Sends `message` on a stream; false when the stream is closed or unknown (open a new one). */
  grpcSend(token: u32, message: Uint8Array, endStream: bool): bool {
    return false;
  }
  /** Non-null only when the filter's config needsUpstreamChoice(). */
  abstract get upstream(): UpstreamChoice | null;
  /**
   * Drains the connection: the request whose filters call this and every later one are not
   * forwarded (they are dropped and counted `request_drained`); replies already in flight are
   * delivered; then the connection closes, so the client reconnects and is routed afresh. It
   * closes at once when nothing is in flight. `reason` is logged.
   */
  abstract drainConnection(reason: string): void;
  /** Counts `route_mismatch`: a request whose route cannot pick the cluster its connection is bound to. */
  abstract countRouteMismatch(): void;
}

/** One per connection, made by its FilterConfig. Every callback has a harmless default. */
export abstract class MetaFilter {
  onRequest(r: RequestView): MessageAction {
    return MessageAction.Continue;
  }
  onResponse(r: ResponseView): void {}
  onTimer(): void {}
  /** Result of a grpcCall: status Ok with the response message, or the failure status and null. */
  onGrpcCallDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {}
  /** A message on a stream this filter opened (grpcStream). */
  onGrpcStreamMessage(token: u32, message: ArrayBuffer | null): void {}
  /** A stream this filter opened has ended (by the server, or failed), with its status. */
  onGrpcStreamClose(token: u32, status: GrpcStatus): void {}
  /** The connection is closing: drop held handles and state. */
  onConnectionClose(): void {}
}

/** A filter's parsed configuration, shared by all connections of a plugin configuration. */
export abstract class FilterConfig {
  /** True makes the framework hold the upstream connection back until the first request is decided. */
  needsUpstreamChoice(): bool {
    return false;
  }
  /** Called once with the plugin's route table (route_config / route discovery), for filters that follow it. */
  usePluginRoutes(routes: RouteSource): void {}
  abstract createFilter(services: FilterServices): MetaFilter;
}

/** Registered by name (registry.ts); configured from `metaProtocolFilters[i].config`. */
export abstract class FilterFactory {
  abstract get name(): string;
  /** Parses `config` (null when absent); reports problems through `errors` (field paths under `at`) and returns null. */
  abstract configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null;
}
