// A MetaRouter's globalRateLimit as the config of Aeraki's global rate limit filter
// (aeraki.meta_protocol.filters.ratelimit, global_ratelimit.proto: match, domain, timeout,
// failure_mode_deny, rate_limit_service, descriptors), in proto3 JSON with proto field names.
// `rateLimitService` is the Envoy cluster of the rate limit service (in Istio its outbound cluster,
// `outbound|PORT||HOST`), as Aeraki writes it.
import { parseDuration, protoDuration } from "../resources/duration.ts";
import type { Problem } from "../resources/problem.ts";
import type { Resource } from "../resources/read.ts";
import { translateMatch } from "./match.ts";
import type { RouteMatch } from "./route-types.ts";

export interface GlobalRateLimitConfig {
  match?: RouteMatch;
  domain: string;
  timeout?: string;
  failure_mode_deny: boolean;
  rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: string } }; transport_api_version: "V3" };
  descriptors: { property: string; descriptor_key: string }[];
}

export function translateGlobalRateLimit(router: Resource, problems: Problem[]): GlobalRateLimitConfig | undefined {
  const spec = router.spec.globalRateLimit;
  if (!spec) return undefined;
  const path = ["spec", "globalRateLimit"];
  const config: GlobalRateLimitConfig = {
    domain: spec.domain,
    failure_mode_deny: spec.denyOnFail === true,
    rate_limit_service: { grpc_service: { envoy_grpc: { cluster_name: spec.rateLimitService } }, transport_api_version: "V3" },
    descriptors: spec.descriptors.map((d: { property: string; descriptorKey: string }) => ({ property: d.property, descriptor_key: d.descriptorKey })),
  };
  if (spec.match) config.match = translateMatch(spec.match, router, [...path, "match"], problems) ?? { metadata: [] };
  if (spec.requestTimeout) config.timeout = protoDuration(parseDuration(spec.requestTimeout) ?? 0n);
  return config;
}
