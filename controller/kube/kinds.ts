// The Kubernetes kinds the controller reads and writes, and the REST paths the API server serves
// them under. One table, so the source, the RBAC rules in controller/manifests/ and the tests all
// agree on which kinds there are.

export interface KindInfo {
  group: string; // "" for the core group
  version: string;
  kind: string;
  plural: string;
}

export const METAROUTER: KindInfo = { group: "metaprotocol.aeraki.io", version: "v1alpha1", kind: "MetaRouter", plural: "metarouters" };
export const APPLICATION_PROTOCOL: KindInfo = {
  group: "metaprotocol.aeraki.io", version: "v1alpha1", kind: "ApplicationProtocol", plural: "applicationprotocols",
};
export const SERVICE: KindInfo = { group: "", version: "v1", kind: "Service", plural: "services" };
export const SERVICE_ENTRY: KindInfo = { group: "networking.istio.io", version: "v1beta1", kind: "ServiceEntry", plural: "serviceentries" };
export const DESTINATION_RULE: KindInfo = {
  group: "networking.istio.io", version: "v1beta1", kind: "DestinationRule", plural: "destinationrules",
};
export const WASM_PLUGIN: KindInfo = { group: "extensions.istio.io", version: "v1alpha1", kind: "WasmPlugin", plural: "wasmplugins" };
export const ENVOY_FILTER: KindInfo = { group: "networking.istio.io", version: "v1alpha3", kind: "EnvoyFilter", plural: "envoyfilters" };
export const EVENT: KindInfo = { group: "", version: "v1", kind: "Event", plural: "events" };

/** The inputs KubeSource lists and watches across all namespaces. */
export const WATCHED_KINDS: readonly KindInfo[] = [METAROUTER, APPLICATION_PROTOCOL, SERVICE, SERVICE_ENTRY, DESTINATION_RULE];

export function apiVersionOf(info: KindInfo): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

/** The collection path across all namespaces: /api/v1/services, /apis/<group>/<version>/<plural>. */
export function clusterWidePath(info: KindInfo): string {
  return info.group === "" ? `/api/${info.version}/${info.plural}` : `/apis/${info.group}/${info.version}/${info.plural}`;
}

/** A Kubernetes object as the API server sends it (JSON), with the fields this package reads typed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Where an object came from, for error messages: "MetaRouter meta-dubbo/demo-route". */
export interface Origin {
  kind: string;
  namespace: string;
  name: string;
}

export interface SourcedObject {
  origin: Origin;
  object: KubeObject;
}

export function originOf(object: KubeObject): Origin {
  return { kind: object.kind, namespace: object.metadata.namespace ?? "", name: object.metadata.name };
}
