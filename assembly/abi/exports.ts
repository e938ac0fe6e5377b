// Everything the host calls: the ABI marker, the allocator and the proxy_on_* callbacks, each a
// forward to its context (the dispatcher finds it and keeps the callouts' books). A module entry
// re-exports this file (`export * from`). Every callback that runs module code ends with
// afterCallback (the log level is forgotten; gc.ts collects when memory grew or every N callbacks); the ABI marker
// and the allocator run no module code that allocates for long.
import {
  context, createContext, deleteContext, grpcCloseTarget, grpcMessageTarget, grpcReplyTarget, httpReplyTarget, networkContext, rootContext,
} from "./dispatcher";
import { collectAfterCallback } from "./gc";
import { forgetLogLevel } from "./log";
import { FilterStatus, GrpcStatus, PeerType } from "./types";

export { malloc } from "./allocator";

/** The end of every callback that ran module code: the log level is read afresh next time, garbage may be collected. */
function afterCallback(): void {
  forgetLogLevel();
  collectAfterCallback();
}

/** Tells Envoy which ABI the module speaks; never called. */
export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  createContext(contextId, parentContextId);
  afterCallback();
}

export function proxy_on_vm_start(rootId: u32, vmConfigurationSize: usize): bool {
  const started = rootContext(rootId).onVmStart(vmConfigurationSize);
  afterCallback();
  return started;
}

export function proxy_on_configure(rootId: u32, pluginConfigurationSize: usize): bool {
  const accepted = rootContext(rootId).onConfigure(pluginConfigurationSize);
  afterCallback();
  return accepted;
}

export function proxy_on_tick(rootId: u32): void {
  rootContext(rootId).onTick();
  afterCallback();
}

export function proxy_on_queue_ready(rootId: u32, queueId: u32): void {
  rootContext(rootId).onQueueReady(queueId);
  afterCallback();
}

export function proxy_on_new_connection(contextId: u32): FilterStatus {
  const status = networkContext(contextId).onNewConnection();
  afterCallback();
  return status;
}

export function proxy_on_downstream_data(contextId: u32, size: usize, endOfStream: bool): FilterStatus {
  const status = networkContext(contextId).onDownstreamData(size, endOfStream);
  afterCallback();
  return status;
}

export function proxy_on_upstream_data(contextId: u32, size: usize, endOfStream: bool): FilterStatus {
  const status = networkContext(contextId).onUpstreamData(size, endOfStream);
  afterCallback();
  return status;
}

export function proxy_on_downstream_connection_close(contextId: u32, peer: PeerType): void {
  networkContext(contextId).onDownstreamConnectionClose(peer);
  afterCallback();
}

export function proxy_on_upstream_connection_close(contextId: u32, peer: PeerType): void {
  networkContext(contextId).onUpstreamConnectionClose(peer);
  afterCallback();
}

export function proxy_on_done(contextId: u32): bool {
  const done = context(contextId).onDone();
  afterCallback();
  return done;
}

export function proxy_on_log(contextId: u32): void {
  context(contextId).onLog();
  afterCallback();
}

export function proxy_on_delete(contextId: u32): void {
  deleteContext(contextId);
  afterCallback();
}

export function proxy_on_grpc_receive_initial_metadata(contextId: u32, token: u32, headers: u32): void {
  const target = grpcReplyTarget(contextId, token);
  if (target !== null) target.onGrpcReceiveInitialMetadata(token, headers);
  afterCallback();
}

export function proxy_on_grpc_receive(contextId: u32, token: u32, size: usize): void {
  const target = grpcMessageTarget(contextId, token);
  if (target !== null) target.onGrpcReceive(token, size);
  afterCallback();
}

/** Envoy's name for it (not proxy_on_grpc_trailing_metadata). */
export function proxy_on_grpc_receive_trailing_metadata(contextId: u32, token: u32, trailers: u32): void {
  const target = grpcReplyTarget(contextId, token);
  if (target !== null) target.onGrpcReceiveTrailingMetadata(token, trailers);
  afterCallback();
}

export function proxy_on_grpc_close(contextId: u32, token: u32, status: GrpcStatus): void {
  const target = grpcCloseTarget(contextId, token);
  if (target !== null) target.onGrpcClose(token, status);
  afterCallback();
}

export function proxy_on_http_call_response(contextId: u32, token: u32, headers: u32, bodySize: usize, trailers: u32): void {
  const target = httpReplyTarget(contextId, token);
  if (target !== null) target.onHttpCallResponse(token, headers, bodySize, trailers);
  afterCallback();
}
