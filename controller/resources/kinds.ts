// The kinds the controller reads, their API versions and the schema of each. Aeraki's MetaRouter
// and ApplicationProtocol follow aeraki-mesh/api metaprotocol/v1alpha1 (the CRDs' camelCase
// names); Kubernetes' Service and Istio's ServiceEntry and DestinationRule are open schemas that
// check only the fields the controller reads.
import { any, bool, duration, list, map, num, object, str, uint, unsupported, type Schema } from "./schema.ts";

export const AERAKI_API = "metaprotocol.aeraki.io/v1alpha1";
export const POLICY_API = "metaprotocol.meta-protocol-wasm.io/v1alpha1";
const ISTIO_NETWORKING = ["networking.istio.io/v1alpha3", "networking.istio.io/v1beta1", "networking.istio.io/v1"];

const stringMatch = object({ exact: str, prefix: str, regex: str }, { oneOf: ["exact", "prefix", "regex"] });
export const metaRouteMatch = object({ attributes: map(stringMatch) });
const destination = object({ host: str, subset: str, port: object({ number: uint }) }, { required: ["host"] });
const keyValue = object({ key: str, value: str }, { required: ["key", "value"] });
const tokenBucket = object({ maxTokens: uint, tokensPerFill: uint, fillInterval: duration }, { required: ["fillInterval"] });

const NO_MIRROR =
  "traffic mirroring is not possible in stock Envoy: tcp_proxy holds one upstream connection per downstream connection, so a Wasm network filter cannot copy requests to a second upstream";

const metaRoute = object({
  name: str,
  match: metaRouteMatch,
  route: list(object({ destination, weight: uint }, { required: ["destination"] })),
  // Ours (Aeraki's RouteAction.hash_policy, which MetaRouter does not expose): metadata keys whose
  // values pick the destination; non-empty keys are checked in translate/routers.ts.
  hashPolicy: list(str),
  mirror: unsupported(destination, NO_MIRROR),
  mirrorPercentage: object({ value: num }),
  requestMutation: list(keyValue),
  responseMutation: list(keyValue),
});

const localRateLimit = object({
  tokenBucket,
  conditions: list(object({ match: metaRouteMatch, tokenBucket }, { required: ["match", "tokenBucket"] })),
});

const globalRateLimit = object(
  {
    match: metaRouteMatch,
    domain: str,
    requestTimeout: duration,
    denyOnFail: bool,
    rateLimitService: str,
    descriptors: list(object({ property: str, descriptorKey: str }, { required: ["property", "descriptorKey"] })),
  },
  { required: ["domain", "rateLimitService", "descriptors"] },
);

export const metaRouterSpec = object(
  {
    hosts: list(str),
    gateways: unsupported(list(str), "gateways are not supported: the controller configures sidecars (CLIENT side) and plain Envoy only"),
    routes: list(metaRoute),
    localRateLimit,
    globalRateLimit,
    exportTo: unsupported(list(str), "exportTo is not supported: the generated WasmPlugins apply to the MetaRouter's namespace"),
  },
  { required: ["hosts"] },
);

const applicationProtocolSpec = object({ protocol: str, codec: str }, { required: ["protocol", "codec"] });

const serviceSpec = object(
  { selector: map(str), ports: list(object({ name: str, port: uint, targetPort: any, protocol: str }, { required: ["port"], open: true })) },
  { open: true },
);

const serviceEntrySpec = object(
  {
    hosts: list(str),
    ports: list(object({ number: uint, name: str, protocol: str, targetPort: uint }, { required: ["number"], open: true })),
    endpoints: list(object({ address: str, ports: map(uint), labels: map(str) }, { open: true })),
    workloadSelector: object({ labels: map(str) }, { open: true }),
    resolution: str,
  },
  { required: ["hosts"], open: true },
);

const destinationRuleSpec = object(
  { host: str, subsets: list(object({ name: str, labels: map(str) }, { required: ["name"], open: true })) },
  { required: ["host"], open: true },
);

export const metadataSchema = object({ name: str, namespace: str, labels: map(str), annotations: map(str) }, { required: ["name"], open: true });

export interface KindInfo {
  apiVersions: string[];
  spec: Schema;
  /** Aeraki's and our own kinds: no field outside the schema at the top level either. */
  strict: boolean;
}

export const KINDS: Record<string, KindInfo> = {
  MetaRouter: { apiVersions: [AERAKI_API], spec: metaRouterSpec, strict: true },
  ApplicationProtocol: { apiVersions: [AERAKI_API], spec: applicationProtocolSpec, strict: true },
  // Ours, for what Aeraki has no field for (fault injection, connection binding): recognised, not yet implemented.
  MetaProtocolPolicy: { apiVersions: [POLICY_API], spec: object({}, { open: true }), strict: true },
  Service: { apiVersions: ["v1"], spec: serviceSpec, strict: false },
  ServiceEntry: { apiVersions: ISTIO_NETWORKING, spec: serviceEntrySpec, strict: false },
  DestinationRule: { apiVersions: ISTIO_NETWORKING, spec: destinationRuleSpec, strict: false },
};
