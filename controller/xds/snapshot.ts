// An immutable snapshot of what the xDS server serves, in the go-control-plane style: one version
// string and the route configurations by name, each already encoded and packed in an Any. Encoding
// happens here, when the snapshot is made, so a route configuration that does not encode is an
// error for whoever built it (a translation bug), never for a proxy.
import { encodeProtoJson } from "./proto-json.ts";
import { ROUTE_CONFIGURATION_TYPE_URL, RouteConfiguration } from "./proto-root.ts";

/** google.protobuf.Any as protobufjs encodes it. */
export interface PackedResource {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface SnapshotResource {
  readonly name: string;
  /** The route configuration as given (proto3 JSON, proto field names). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly packed: PackedResource;
}

export interface Snapshot {
  readonly version: string;
  readonly routeConfigurations: ReadonlyMap<string, SnapshotResource>;
}

export class SnapshotError extends Error {}

/**
 * Makes a snapshot of route configurations (Aeraki's RouteConfiguration, written as proto3 JSON
 * with proto field names). Throws SnapshotError for an empty version, a configuration without a
 * name or two with the same name, and ProtoJsonError for one that is not a RouteConfiguration.
 */
export function createSnapshot(version: string, routeConfigurations: ReadonlyArray<Record<string, unknown>>): Snapshot {
  if (typeof version !== "string" || version === "") throw new SnapshotError("a snapshot needs a non-empty version");
  const byName = new Map<string, SnapshotResource>();
  routeConfigurations.forEach((config, i) => {
    const name = config.name;
    if (typeof name !== "string" || name === "") throw new SnapshotError(`route configuration ${i} has no name`);
    if (byName.has(name)) throw new SnapshotError(`two route configurations are named ${name}`);
    const value = encodeProtoJson(RouteConfiguration, config, `RouteConfiguration ${name}`);
    byName.set(name, Object.freeze({
      name,
      config: deepFreeze(structuredClone(config)),
      packed: Object.freeze({ type_url: ROUTE_CONFIGURATION_TYPE_URL, value }),
    }));
  });
  return Object.freeze({ version, routeConfigurations: byName });
}

/**
 * The resources a request names, in the order named; names the snapshot lacks are left out (the
 * client keeps waiting for them). No names is the state-of-the-world wildcard: everything.
 */
export function selectResources(snapshot: Snapshot, names: readonly string[]): SnapshotResource[] {
  if (names.length === 0) return [...snapshot.routeConfigurations.values()];
  const picked: SnapshotResource[] = [];
  for (const name of new Set(names)) {
    const resource = snapshot.routeConfigurations.get(name);
    if (resource) picked.push(resource);
  }
  return picked;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
