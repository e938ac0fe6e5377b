// The filter API: what a filter author implements and the narrow handles the framework gives.
// Built-in filters (router, rate limits, ...) are written against exactly this file.
//
// A filter sees each decoded message in both directions: requests (and oneway messages) in
// chain order, responses in reverse order. It reads the message and its metadata, may write the
// mutation, and answers with a MessageAction: Continue, Pause (after `hold()`: the message waits,
// without blocking the VM, until the handle resumes it or ends it with a reply), or Reply (the
// message ends with the protocol's error reply of an ErrorKind; the codec builds the bytes).
// Responses cannot wait: Envoy passes server bytes on in the same call (see envoy-wasm.md), so on a
// response Pause and Reply act as Continue.
import { Direction } from "./codec";
import { JsonValue } from "./json";
import { ConfigErrors } from "./config-errors";
import { ErrorKind, Message } from "./message";
import { Mutation } from "./mutation";
import { GrpcStatus } from "../abi/types";

export enum MessageAction {
  Continue = 0,
  Pause = 1,
  Reply = 2,
}

/** A message that a filter paused: resume it or end it with a reply, once, from any later callback. */
export abstract class HeldMessage {
  abstract get message(): Message;
  abstract get mutation(): Mutation;
  /** Runs the filters after the one that paused; the bytes pass when nothing else holds them. */
  abstract resume(): void;
  /** Ends the message with the protocol's error reply (see README: how the reply reaches the client). */
  abstract reply(kind: ErrorKind, detail: string): void;
}

/** One message as a filter sees it during onRequest / onResponse. */
export abstract class FilterMessage {
  abstract get message(): Message;
  /** Keys and values the codec writes into the frame when it passes on. */
  abstract get mutation(): Mutation;
  abstract get direction(): Direction;
  /** Ends the message with a local reply: `return m.reply(ErrorKind.OverLimit, "...")`. */
  abstract reply(kind: ErrorKind, detail: string): MessageAction;
  /** The handle to release the message later; call it, keep it, and return MessageAction.Pause. */
  abstract hold(): HeldMessage;
}

/** Only for filters whose config says needsUpstreamChoice(): picks tcp_proxy's cluster. */
export abstract class UpstreamChoice {
  /** Sets the cluster (Envoy's `envoy.tcp_proxy.cluster` filter state) before the upstream connects. False if refused. */
  abstract chooseCluster(name: string): bool;
  /** Whether the upstream connection has been started already (a later choice has no effect). */
  abstract get started(): bool;
}

/** What a filter may ask of the connection it serves. Replies come back to the same filter. */
export abstract class FilterServices {
  abstract get connectionId(): u32;
  /** Calls the filter's onTimer once, about `milliseconds` from now. */
  abstract wakeAfter(milliseconds: u32): void;
  /**
   * A unary gRPC call (`upstream`: a cluster name or a serialized GrpcService); the result comes to
   * the filter's onGrpcCallDone. Returns the token, 0 if the host refused.
   */
  abstract grpcCall(upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32;
  /** Non-null only when the filter's config needsUpstreamChoice(). */
  abstract get upstream(): UpstreamChoice | null;
}

/** One per connection, made by its FilterConfig. Every callback has a harmless default. */
export abstract class MetaFilter {
  onRequest(m: FilterMessage): MessageAction {
    return MessageAction.Continue;
  }
  onResponse(m: FilterMessage): MessageAction {
    return MessageAction.Continue;
  }
  onTimer(): void {}
  /** Result of a grpcCall: status Ok with the response message, or the failure status and null. */
  onGrpcCallDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {}
  /** The connection is closing: drop held handles and state. */
  onConnectionClose(): void {}
}

/** A filter's parsed configuration, shared by all connections of a plugin configuration. */
export abstract class FilterConfig {
  /** True makes the framework hold the upstream connection back until the first request is decided. */
  needsUpstreamChoice(): bool {
    return false;
  }
  abstract createFilter(services: FilterServices): MetaFilter;
}

/** Registered by name (registry.ts); configured from `metaProtocolFilters[i].config`. */
export abstract class FilterFactory {
  abstract get name(): string;
  /** Parses `config` (null when absent); reports problems through `errors` (field paths under `at`) and returns null. */
  abstract configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null;
}
