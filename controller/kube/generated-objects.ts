// Writes the objects generated for one MetaRouter (its WasmPlugins, and the EnvoyFilters that give
// tcp_proxy early data) with server-side apply, and deletes the ones applied for it before that are
// no longer generated. Each object carries an ownerReference to its MetaRouter, so Kubernetes'
// garbage collector removes them when the MetaRouter goes, even while the controller is down.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig } from "@kubernetes/client-node";
import { describeApiError } from "./api-error.ts";
import { apiVersionOf, ENVOY_FILTER, WASM_PLUGIN, type KindInfo, type KubeObject, type OwnerReference } from "./kinds.ts";

export const FIELD_MANAGER = "meta-protocol-controller";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** Names the MetaRouter an object was generated from, to find its objects with a label selector. */
export const METAROUTER_LABEL = "metaprotocol.aeraki.io/metarouter";
/** The kinds generated per MetaRouter. */
export const GENERATED_KINDS: readonly KindInfo[] = [WASM_PLUGIN, ENVOY_FILTER];

export interface ApplyResult {
  /** "Kind/name" of each object written, and of each stale one deleted. */
  applied: string[];
  deleted: string[];
  /** Requests that failed or objects refused, one line each; the rest was still written. */
  errors: Error[];
}

export class GeneratedObjectApplier {
  private readonly api: KubernetesObjectApi;

  constructor(kubeConfig: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  /**
   * Makes the cluster hold exactly `objects` (of GENERATED_KINDS) for `owner` (a MetaRouter as read
   * from the API server).
   */
  async apply(objects: readonly KubeObject[], owner: KubeObject): Promise<ApplyResult> {
    const result: ApplyResult = { applied: [], deleted: [], errors: [] };
    const namespace = owner.metadata.namespace ?? "";
    const generated = new Set<string>();
    for (const object of objects) {
      const id = `${object.kind}/${object.metadata.name}`;
      generated.add(id);
      // An ownerReference can only point to an owner in the same namespace.
      if ((object.metadata.namespace ?? namespace) !== namespace) {
        result.errors.push(new Error(`${object.kind} ${object.metadata.namespace}/${object.metadata.name}: not in its MetaRouter's namespace ${namespace}`));
        continue;
      }
      try {
        await this.api.patch(owned(object, owner), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
        result.applied.push(id);
      } catch (error) {
        result.errors.push(describeApiError(error, `apply ${object.kind} ${namespace}/${object.metadata.name}`));
      }
    }
    for (const kind of GENERATED_KINDS) await this.deleteStale(kind, owner, generated, result);
    return result;
  }

  private async deleteStale(kind: KindInfo, owner: KubeObject, generated: Set<string>, result: ApplyResult): Promise<void> {
    const namespace = owner.metadata.namespace ?? "";
    const selector = `${MANAGED_BY_LABEL}=${FIELD_MANAGER},${METAROUTER_LABEL}=${owner.metadata.name}`;
    let existing: KubeObject[];
    try {
      const list = await this.api.list(apiVersionOf(kind), kind.kind, namespace, undefined, undefined, undefined, undefined, selector);
      existing = list.items as KubeObject[];
    } catch (error) {
      result.errors.push(describeApiError(error, `list ${kind.kind}s of MetaRouter ${namespace}/${owner.metadata.name}`));
      return;
    }
    for (const object of existing) {
      const name = object.metadata.name;
      const id = `${kind.kind}/${name}`;
      // The label could be copied by hand; only delete what this very MetaRouter owns.
      const isOwned = object.metadata.ownerReferences?.some((reference) => reference.uid === owner.metadata.uid) ?? false;
      if (generated.has(id) || !isOwned) continue;
      try {
        await this.api.delete({ apiVersion: apiVersionOf(kind), kind: kind.kind, metadata: { name, namespace } });
        result.deleted.push(id);
      } catch (error) {
        result.errors.push(describeApiError(error, `delete ${kind.kind} ${namespace}/${name}`));
      }
    }
  }
}

function owned(object: KubeObject, owner: KubeObject): KubeObject {
  // blockOwnerDeletion stays unset: setting it needs update rights on metarouters/finalizers.
  const reference: OwnerReference = {
    apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? "", controller: true,
  };
  return {
    ...object,
    metadata: {
      ...object.metadata,
      namespace: owner.metadata.namespace,
      labels: { ...object.metadata.labels, [MANAGED_BY_LABEL]: FIELD_MANAGER, [METAROUTER_LABEL]: owner.metadata.name },
      ownerReferences: [reference],
    },
  };
}
