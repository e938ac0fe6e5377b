// aeraki.meta_protocol.filters.local_ratelimit, configured as Aeraki's MetaRouter `localRateLimit`:
//   {"tokenBucket": {"maxTokens": 10, "tokensPerFill": 10, "fillInterval": "60s"},
//    "conditions": [{"match": {"attributes": {"method": {"exact": "sayHello"}}},
//                    "tokenBucket": {"maxTokens": 2, "tokensPerFill": 2, "fillInterval": "10s"}}]}
// The first condition whose match holds takes a token from its bucket; other requests take one
// from the default bucket (if any). No token: the request ends with the protocol's OverLimit
// error. Buckets are per plugin configuration per VM, i.e. per Envoy worker, like Envoy's own
// local rate limit filter.
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { FilterConfig, FilterFactory, FilterServices, MessageAction, MetaFilter, RequestView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ErrorKind } from "../meta/message";
import { MetadataMatch } from "../routing/metadata-match";
import { TokenBucket } from "./token-bucket";

class Condition {
  constructor(public match: MetadataMatch, public bucket: TokenBucket) {}
}

class LocalRateLimitConfig extends FilterConfig {
  constructor(private conditions: Condition[], private defaultBucket: TokenBucket | null, readonly detail: string) {
    super();
  }

  /** The bucket this request draws from, or null when no limit applies to it. */
  bucketFor(r: RequestView): TokenBucket | null {
    for (let i = 0; i < this.conditions.length; i++) {
      if (this.conditions[i].match.matches(r.message.metadata)) return this.conditions[i].bucket;
    }
    return this.defaultBucket;
  }

  createFilter(services: FilterServices): MetaFilter {
    return new LocalRateLimit(this, services);
  }
}

class LocalRateLimit extends MetaFilter {
  constructor(private config: LocalRateLimitConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const bucket = this.config.bucketFor(r);
    if (bucket === null || bucket.take(this.services.now())) return MessageAction.Continue;
    return r.reply(ErrorKind.OverLimit, this.config.detail);
  }
}

function parseBucket(value: JsonValue, at: string, errors: ConfigErrors): TokenBucket | null {
  const fields = new ConfigFields(value, at, errors, ["maxTokens", "tokensPerFill", "fillInterval"]);
  if (!fields.valid) return null;
  const maxTokens = fields.count("maxTokens", true);
  const perFill = fields.has("tokensPerFill") ? fields.count("tokensPerFill") : maxTokens;
  const interval = fields.durationMillis("fillInterval", true);
  if (maxTokens < 0 || perFill < 0 || interval < 0) return null;
  if (maxTokens == 0 || perFill == 0 || interval == 0) {
    errors.add(at, "maxTokens, tokensPerFill and fillInterval must be greater than zero");
    return null;
  }
  return new TokenBucket(maxTokens, perFill, <u64>interval * 1_000_000);
}

export class LocalRateLimitFactory extends FilterFactory {
  get name(): string {
    return "aeraki.meta_protocol.filters.local_ratelimit";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    if (config === null) {
      errors.add(at, "required: a tokenBucket, conditions, or both");
      return null;
    }
    // Aeraki's LocalRateLimit: stat_prefix names the limit in the reply's detail.
    const fields = new ConfigFields(config, at, errors, ["statPrefix", "tokenBucket", "conditions"]);
    if (!fields.valid) return null;
    const before = errors.messages.length;
    let defaultBucket: TokenBucket | null = null;
    const bucket = fields.field("tokenBucket", JsonKind.Object);
    if (bucket !== null) defaultBucket = parseBucket(bucket, fields.path("tokenBucket"), errors);
    const conditions: Condition[] = [];
    const list = fields.field("conditions", JsonKind.Array);
    if (list !== null) {
      for (let i = 0; i < list.items.length; i++) {
        const cat = fields.path("conditions") + "[" + i.toString() + "]";
        const c = new ConfigFields(list.items[i], cat, errors, ["match", "tokenBucket"]);
        if (!c.valid) continue;
        const match = c.field("match", JsonKind.Object, true);
        const tb = c.field("tokenBucket", JsonKind.Object, true);
        if (match === null || tb === null) continue;
        const parsedMatch = MetadataMatch.parse(match, c.path("match"), errors);
        const parsedBucket = parseBucket(tb, c.path("tokenBucket"), errors);
        if (parsedMatch !== null && parsedBucket !== null) conditions.push(new Condition(parsedMatch, parsedBucket));
      }
    }
    if (errors.messages.length > before) return null;
    if (defaultBucket === null && conditions.length == 0) {
      errors.add(at, "needs a tokenBucket, conditions, or both");
      return null;
    }
    const prefix = fields.string("statPrefix");
    const detail = prefix !== null && prefix.length > 0 ? "rate limited (" + prefix + ")" : "rate limited";
    return new LocalRateLimitConfig(conditions, defaultBucket, detail);
  }
}
