// A MetaRouter's localRateLimit as the config of Aeraki's local rate limit filter
// (aeraki.meta_protocol.filters.local_ratelimit, local_ratelimit.proto: envoy.type.v3.TokenBucket
// buckets, conditions matched on metadata), in proto3 JSON with proto field names.
import { problemAt, type Resource } from "../resources/read.ts";
import type { FieldPath, Problem } from "../resources/problem.ts";
import { parseDuration, protoDuration } from "../resources/duration.ts";
import type { RouteMatch } from "./route-types.ts";
import { translateMatch } from "./match.ts";

export interface TokenBucket {
  max_tokens: number;
  tokens_per_fill: number;
  fill_interval: string;
}

export interface LocalRateLimitConfig {
  stat_prefix: string;
  token_bucket?: TokenBucket;
  conditions?: { match: RouteMatch; token_bucket: TokenBucket }[];
}

function tokenBucket(bucket: any, router: Resource, path: FieldPath, problems: Problem[]): TokenBucket {
  if (!(bucket.maxTokens > 0)) problems.push(problemAt(router, [...path, "maxTokens"], "must be greater than 0"));
  if (bucket.tokensPerFill === 0) problems.push(problemAt(router, [...path, "tokensPerFill"], "must be greater than 0"));
  const nanos = parseDuration(bucket.fillInterval) ?? 0n;
  if (nanos <= 0n) problems.push(problemAt(router, [...path, "fillInterval"], "must be greater than 0"));
  // Aeraki: "If not specified, defaults to a single token".
  return { max_tokens: bucket.maxTokens ?? 0, tokens_per_fill: bucket.tokensPerFill ?? 1, fill_interval: protoDuration(nanos) };
}

export function translateLocalRateLimit(router: Resource, statPrefix: string, problems: Problem[]): LocalRateLimitConfig | undefined {
  const spec = router.spec.localRateLimit;
  if (!spec) return undefined;
  const path = ["spec", "localRateLimit"];
  const config: LocalRateLimitConfig = { stat_prefix: statPrefix };
  if (spec.tokenBucket) config.token_bucket = tokenBucket(spec.tokenBucket, router, [...path, "tokenBucket"], problems);
  if (spec.conditions?.length) {
    config.conditions = spec.conditions.map((c: any, i: number) => ({
      match: translateMatch(c.match, router, [...path, "conditions", i, "match"], problems) ?? { metadata: [] },
      token_bucket: tokenBucket(c.tokenBucket, router, [...path, "conditions", i, "tokenBucket"], problems),
    }));
  }
  if (!config.token_bucket && !config.conditions) problems.push(problemAt(router, path, "needs tokenBucket or conditions"));
  return config;
}
