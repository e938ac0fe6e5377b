// Istio WasmPlugins (extensions.istio.io/v1alpha1) that load the module for a MetaRouter: routing
// on the CLIENT side (the consumers' outbound listener for the port holds every subset cluster;
// no selector, so every workload of the namespace), the local rate limit on the SERVER side (the
// service's own workloads, by its selector). Istio turns pluginConfig into the JSON configuration.
import { problemAt } from "../resources/read.ts";
import type { Problem } from "../resources/problem.ts";
import type { RouterPlan } from "./routers.ts";
import { pluginConfiguration } from "./plugin-config.ts";

export interface WasmPluginOptions {
  /** oci://, http(s):// or file:// */
  url: string;
  sha256?: string;
  /** The controller's xDS server as the sidecars name it: outbound|PORT||SERVICE.NAMESPACE.svc.cluster.local */
  xdsCluster?: string;
}

export interface WasmPluginObject {
  apiVersion: "extensions.istio.io/v1alpha1";
  kind: "WasmPlugin";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The Service's namespace/name from Istio's outbound cluster name of a Kubernetes Service. */
export function istioXdsCluster(service: string, namespace: string, port: number): string {
  return `outbound|${port}||${service}.${namespace}.svc.cluster.local`;
}

function plugin(name: string, namespace: string, router: string, options: WasmPluginOptions, spec: Record<string, unknown>): WasmPluginObject {
  return {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "meta-protocol-controller", "metaprotocol.aeraki.io/metarouter": router } },
    spec: {
      ...spec,
      type: "NETWORK",
      url: options.url,
      ...(options.sha256 ? { sha256: options.sha256 } : {}),
      pluginName: "meta_protocol",
      failStrategy: "FAIL_CLOSE",
    },
  };
}

export function wasmPlugins(plans: RouterPlan[], options: WasmPluginOptions): { plugins: WasmPluginObject[]; problems: Problem[] } {
  const plugins: WasmPluginObject[] = [];
  const problems: Problem[] = [];
  for (const plan of plans) {
    const { router, service } = plan;
    const several = plan.ports.length > 1;
    for (const port of plan.ports) {
      const suffix = several ? `-${port.port.number}` : "";
      const pluginConfig = pluginConfiguration(plan, port, { localRateLimit: false, routing: true, xdsCluster: options.xdsCluster });
      plugins.push(
        plugin(`${router.name}-client${suffix}`, router.namespace, router.name, options, {
          match: [{ mode: "CLIENT", ports: [{ number: port.port.number }] }],
          pluginConfig,
        }),
      );
      if (!plan.localRateLimit && !plan.globalRateLimit) continue;
      if (!service.selector || Object.keys(service.selector).length === 0) {
        const what = service.resource.kind === "Service" ? "selector" : "workloadSelector";
        problems.push(problemAt(router, ["spec", "localRateLimit"], `the local rate limit runs in the server's sidecars, but ${service.resource.kind} ${service.resource.name} has no ${what}`, "unsupported"));
        continue;
      }
      const serverPort = port.port.targetPort ?? port.port.number;
      plugins.push(
        plugin(`${router.name}-server${suffix}`, service.namespace, router.name, options, {
          selector: { matchLabels: service.selector },
          match: [{ mode: "SERVER", ports: [{ number: serverPort }] }],
          pluginConfig: pluginConfiguration(plan, port, { localRateLimit: true, routing: false }),
        }),
      );
    }
  }
  return { plugins, problems };
}
