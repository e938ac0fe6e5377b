// The module's contexts by id, as Envoy creates them: roots from the factory registered for their
// root id, connections from their root. The exported callbacks (exports.ts) look contexts up here.
import { grpcCalloutOwner, grpcReplyDelivered, takeHttpCalloutOwner } from "./callouts";
import { Context, NetworkContext, RootContext } from "./context";
import { getPropertyString, setEffectiveContext } from "./host";
import { logCritical } from "./log";

const factories = new Map<string, (id: u32) => RootContext>();
const roots = new Map<u32, RootContext>();
const connections = new Map<u32, NetworkContext>();

/**
 * Makes `factory` create the root context of the plugin whose root id (Envoy's `root_id`, Istio's
 * WasmPlugin name) is `rootId`; "" matches any root id without a factory of its own.
 * Call it from the module's top level, which runs in `_initialize`.
 */
export function registerRootContext(factory: (id: u32) => RootContext, rootId: string): void {
  factories.set(rootId, factory);
}

/** Stands in for a root id nobody registered: refuses the plugin configuration, as Envoy would a bad one. */
class UnregisteredRoot extends RootContext {
  constructor(id: u32, private rootId: string) {
    super(id);
  }
  onConfigure(pluginConfigurationSize: usize): bool {
    logCritical("no root context registered for root id '" + this.rootId + "'");
    return false;
  }
}

function newRoot(id: u32): RootContext {
  const found = getPropertyString(["plugin_root_id"]);
  const rootId = found === null ? "" : found;
  if (factories.has(rootId)) return factories.get(rootId)(id);
  if (factories.has("")) return factories.get("")(id);
  return new UnregisteredRoot(id, rootId);
}

/** Connection contexts alive now (the collector scales its interval by them: see gc.ts). */
export function openConnections(): i32 {
  return connections.size;
}

export function createContext(id: u32, parentId: u32): void {
  if (parentId == 0) {
    roots.set(id, newRoot(id));
  } else {
    connections.set(id, rootContext(parentId).newConnection(id));
  }
}

export function rootContext(id: u32): RootContext {
  if (!roots.has(id)) throw new Error("no root context " + id.toString());
  return roots.get(id);
}

export function networkContext(id: u32): NetworkContext {
  if (!connections.has(id)) throw new Error("no connection context " + id.toString());
  return connections.get(id);
}

export function context(id: u32): Context {
  if (connections.has(id)) return connections.get(id);
  return rootContext(id);
}

/** Calls onDelete and forgets the context. */
export function deleteContext(id: u32): void {
  context(id).onDelete();
  if (connections.has(id)) connections.delete(id);
  else roots.delete(id);
}

/**
 * The context a callout reply is for: the one that made the call (Envoy delivers to the root),
 * made effective so its host calls act for it. Null if that context is gone.
 */
function replyTarget(id: u32, owner: u32): Context | null {
  if (owner == 0 || owner == id) return context(id);
  if (!connections.has(owner) && !roots.has(owner)) return null;
  setEffectiveContext(owner);
  return context(owner);
}

export function grpcReplyTarget(id: u32, token: u32): Context | null {
  return replyTarget(id, grpcCalloutOwner(token));
}

/** The context a gRPC message is for; a unary call is over once its message arrived. */
export function grpcMessageTarget(id: u32, token: u32): Context | null {
  const target = grpcReplyTarget(id, token);
  grpcReplyDelivered(token, false);
  return target;
}

/** The context a gRPC close is for; the callout is forgotten. */
export function grpcCloseTarget(id: u32, token: u32): Context | null {
  const target = grpcReplyTarget(id, token);
  grpcReplyDelivered(token, true);
  return target;
}

export function httpReplyTarget(id: u32, token: u32): Context | null {
  return replyTarget(id, takeHttpCalloutOwner(token));
}
