// The Istio EnvoyFilter that the client-side WasmPlugin needs: routing by the first request only
// works when tcp_proxy lets the client's bytes reach the filters before the upstream connects.
// Envoy's tcp_proxy read-disables the client from the moment the chain is built (tcp_proxy.cc
// `Filter::initialize`) unless `max_early_data_bytes` is set; Istio does not set it, so this
// merges it into the tcp_proxy of the consumers' outbound listener for the port.
import type { RouterPlan } from "./routers.ts";

/** Early bytes tcp_proxy keeps while it connects (it read-disables the client beyond them). */
export const MAX_EARLY_DATA_BYTES = 65536;

export interface EnvoyFilterObject {
  apiVersion: "networking.istio.io/v1alpha3";
  kind: "EnvoyFilter";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

export function earlyDataFilters(plans: RouterPlan[]): EnvoyFilterObject[] {
  const filters: EnvoyFilterObject[] = [];
  for (const { router, ports } of plans) {
    const several = ports.length > 1;
    for (const { port } of ports) {
      filters.push({
        apiVersion: "networking.istio.io/v1alpha3",
        kind: "EnvoyFilter",
        metadata: {
          name: `${router.name}-early-data${several ? `-${port.number}` : ""}`,
          namespace: router.namespace,
          labels: { "app.kubernetes.io/managed-by": "meta-protocol-controller", "metaprotocol.aeraki.io/metarouter": router.name },
        },
        spec: {
          configPatches: [{
            applyTo: "NETWORK_FILTER",
            match: {
              context: "SIDECAR_OUTBOUND",
              listener: { portNumber: port.number, filterChain: { filter: { name: "envoy.filters.network.tcp_proxy" } } },
            },
            patch: {
              operation: "MERGE",
              value: {
                name: "envoy.filters.network.tcp_proxy",
                typed_config: {
                  "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                  max_early_data_bytes: MAX_EARLY_DATA_BYTES,
                },
              },
            },
          }],
        },
      });
    }
  }
  return filters;
}
