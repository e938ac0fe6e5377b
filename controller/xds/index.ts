// The controller's xDS server: what the rest of the controller uses.
export { startXdsServer, type XdsServer, type XdsServerOptions } from "./server.ts";
export { createSnapshot, selectResources, SnapshotError, type Snapshot, type SnapshotResource } from "./snapshot.ts";
export { ProtoJsonError } from "./proto-json.ts";
export type { NodeStatus, VersionAt, NackRecord, SentRecord } from "./node-status.ts";
export { ROUTE_CONFIGURATION_TYPE_URL } from "./proto-root.ts";
