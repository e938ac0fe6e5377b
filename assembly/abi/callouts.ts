// Which context made each gRPC / HTTP callout. Envoy makes every callout on behalf of the root
// context (proxy-wasm-cpp-host exports.cc: `context->root_context()`), so replies arrive with the
// root's id; the dispatcher looks the token up here to hand the reply to the context that asked.
// gRPC and HTTP tokens are counted apart by Envoy, so they are kept apart here.

export enum CalloutKind {
  /** proxy_grpc_call: ends with one receive or one close. */
  GrpcCall = 0,
  /** proxy_grpc_stream: ends with close. */
  GrpcStream = 1,
}

class GrpcCallout {
  constructor(public contextId: u32, public kind: CalloutKind) {}
}

const grpcCallouts = new Map<u32, GrpcCallout>();
const httpCallouts = new Map<u32, u32>();

export function recordGrpcCallout(token: u32, contextId: u32, kind: CalloutKind): void {
  grpcCallouts.set(token, new GrpcCallout(contextId, kind));
}

export function recordHttpCallout(token: u32, contextId: u32): void {
  httpCallouts.set(token, contextId);
}

/** The context that made gRPC callout `token`, 0 if it was not recorded. */
export function grpcCalloutOwner(token: u32): u32 {
  return grpcCallouts.has(token) ? grpcCallouts.get(token).contextId : 0;
}

/** Forgets `token` after the reply that ends it: `closing` is proxy_on_grpc_close. */
export function grpcReplyDelivered(token: u32, closing: bool): void {
  if (!grpcCallouts.has(token)) return;
  if (closing || grpcCallouts.get(token).kind == CalloutKind.GrpcCall) grpcCallouts.delete(token);
}

/** The context that made HTTP callout `token` (0 if not recorded), forgotten: a call has one response. */
export function takeHttpCalloutOwner(token: u32): u32 {
  if (!httpCallouts.has(token)) return 0;
  const owner = httpCallouts.get(token);
  httpCallouts.delete(token);
  return owner;
}
