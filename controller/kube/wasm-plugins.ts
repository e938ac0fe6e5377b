// Writes the WasmPlugins generated for one MetaRouter with server-side apply, and deletes the ones
// applied for it before that are no longer generated. Each plugin carries an ownerReference to
// its MetaRouter, so Kubernetes' garbage collector removes the plugins when the MetaRouter goes,
// even while the controller is down.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig } from "@kubernetes/client-node";
import { describeApiError } from "./api-error.ts";
import { apiVersionOf, WASM_PLUGIN, type KubeObject, type OwnerReference } from "./kinds.ts";

export const FIELD_MANAGER = "meta-protocol-controller";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
/** Names the MetaRouter a plugin was generated from, to find its plugins with a label selector. */
export const METAROUTER_LABEL = "metaprotocol.aeraki.io/metarouter";

export interface ApplyResult {
  applied: string[];
  deleted: string[];
  /** Requests that failed or plugins refused, one line each; the rest was still written. */
  errors: Error[];
}

export class WasmPluginApplier {
  private readonly api: KubernetesObjectApi;

  constructor(kubeConfig: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  /** Makes the cluster hold exactly `plugins` for `owner` (a MetaRouter as read from the API server). */
  async applyWasmPlugins(plugins: readonly KubeObject[], owner: KubeObject): Promise<ApplyResult> {
    const result: ApplyResult = { applied: [], deleted: [], errors: [] };
    const namespace = owner.metadata.namespace ?? "";
    const generated = new Set<string>();
    for (const plugin of plugins) {
      const name = plugin.metadata.name;
      generated.add(name);
      // An ownerReference can only point to an owner in the same namespace.
      if ((plugin.metadata.namespace ?? namespace) !== namespace) {
        result.errors.push(new Error(`WasmPlugin ${plugin.metadata.namespace}/${name}: not in its MetaRouter's namespace ${namespace}`));
        continue;
      }
      try {
        await this.api.patch(ownedPlugin(plugin, owner), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
        result.applied.push(name);
      } catch (error) {
        result.errors.push(describeApiError(error, `apply WasmPlugin ${namespace}/${name}`));
      }
    }
    await this.deleteStale(owner, generated, result);
    return result;
  }

  private async deleteStale(owner: KubeObject, generated: Set<string>, result: ApplyResult): Promise<void> {
    const namespace = owner.metadata.namespace ?? "";
    const selector = `${MANAGED_BY_LABEL}=${FIELD_MANAGER},${METAROUTER_LABEL}=${owner.metadata.name}`;
    let existing: KubeObject[];
    try {
      const list = await this.api.list(apiVersionOf(WASM_PLUGIN), WASM_PLUGIN.kind, namespace, undefined, undefined, undefined, undefined, selector);
      existing = list.items as KubeObject[];
    } catch (error) {
      result.errors.push(describeApiError(error, `list WasmPlugins of MetaRouter ${namespace}/${owner.metadata.name}`));
      return;
    }
    for (const plugin of existing) {
      const name = plugin.metadata.name;
      // The label could be copied by hand; only delete what this very MetaRouter owns.
      const owned = plugin.metadata.ownerReferences?.some((reference) => reference.uid === owner.metadata.uid) ?? false;
      if (generated.has(name) || !owned) continue;
      try {
        await this.api.delete({ apiVersion: apiVersionOf(WASM_PLUGIN), kind: WASM_PLUGIN.kind, metadata: { name, namespace } });
        result.deleted.push(name);
      } catch (error) {
        result.errors.push(describeApiError(error, `delete WasmPlugin ${namespace}/${name}`));
      }
    }
  }
}

function ownedPlugin(plugin: KubeObject, owner: KubeObject): KubeObject {
  // blockOwnerDeletion stays unset: setting it needs update rights on metarouters/finalizers.
  const reference: OwnerReference = {
    apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? "", controller: true,
  };
  return {
    ...plugin,
    apiVersion: apiVersionOf(WASM_PLUGIN),
    kind: WASM_PLUGIN.kind,
    metadata: {
      ...plugin.metadata,
      namespace: owner.metadata.namespace,
      labels: { ...plugin.metadata.labels, [MANAGED_BY_LABEL]: FIELD_MANAGER, [METAROUTER_LABEL]: owner.metadata.name },
      ownerReferences: [reference],
    },
  };
}
