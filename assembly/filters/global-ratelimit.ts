// aeraki.meta_protocol.filters.ratelimit: Envoy's global rate limit service, configured as
// Aeraki's RateLimit (filters/global_ratelimit/v1alpha/global_ratelimit.proto), in proto3 JSON:
//   {"match": {"metadata": [{"name": "method", "exact_match": "sayHello"}]},
//    "domain": "production", "timeout": "0.1s", "failure_mode_deny": true,
//    "rate_limit_service": {"grpc_service": {"envoy_grpc": {"cluster_name": "rate-limit"}}, "transport_api_version": "V3"},
//    "descriptors": [{"property": "method", "descriptor_key": "method"}]}
// A request that matches (no `match`: every request, as the proto documents) is held while
// RateLimitService/ShouldRateLimit is asked with one descriptor holding an entry per configured
// descriptor (key: descriptor_key, value: the request's metadata `property`). OK resumes it;
// OVER_LIMIT ends it with the protocol's OverLimit error on the open connection. A failed call
// (an error status, the timeout, an unreadable answer) lets it go unless failure_mode_deny.
// A request lacking a property, or with it empty, is not limited (the service refuses empty values).
// Unlike Aeraki's C++ filter, which blocks the worker on a synchronous call, the call is
// asynchronous: other requests, on this connection and others, go on meanwhile.
// Counters: meta_protocol.ratelimit.<domain>.{ok,over_limit,error,failure_mode_allowed}.
import { defineMetric, incrementMetric } from "../abi/host";
import { logDebug } from "../abi/log";
import { GrpcStatus, MetricType } from "../abi/types";
import { ConfigErrors } from "../meta/config-errors";
import { ConfigFields } from "../meta/config-fields";
import { envoyGrpcService } from "../meta/grpc-service";
import { FilterConfig, FilterFactory, FilterServices, HeldRequest, MessageAction, MetaFilter, RequestView } from "../meta/filter";
import { JsonKind, JsonValue } from "../meta/json";
import { ErrorKind } from "../meta/message";
import { Metadata } from "../meta/metadata";
import { MetadataMatch } from "../routing/metadata-match";
import { decodeOverallCode, encodeRateLimitRequest, RateLimitCode, RLS_METHOD, RLS_SERVICE } from "./rls-messages";

const DEFAULT_TIMEOUT_MS: i64 = 20;

enum Outcome {
  Ok = 0,
  OverLimit = 1,
  Error = 2,
  FailureModeAllowed = 3,
}
const OUTCOME_NAMES = ["ok", "over_limit", "error", "failure_mode_allowed"];

/** Defined on first use (defining needs the host), then one host call per increment. */
class RateLimitCounters {
  private ids: u32[] = [];
  constructor(private prefix: string) {}

  inc(outcome: Outcome): void {
    if (this.ids.length == 0) {
      for (let i = 0; i < OUTCOME_NAMES.length; i++) this.ids.push(defineMetric(MetricType.Counter, this.prefix + OUTCOME_NAMES[i]));
    }
    incrementMetric(this.ids[outcome], 1);
  }
}

export class GlobalRateLimitConfig extends FilterConfig {
  readonly counters: RateLimitCounters;

  constructor(
    readonly match: MetadataMatch,
    readonly domain: string,
    readonly timeoutMs: u32,
    readonly failureModeDeny: bool,
    /** A serialized GrpcService {envoy_grpc {cluster_name}}, as proxy_grpc_call takes it. */
    readonly service: Uint8Array,
    readonly properties: string[],
    readonly descriptorKeys: string[],
  ) {
    super();
    this.counters = new RateLimitCounters("meta_protocol.ratelimit." + domain + ".");
  }

  /** The RateLimitRequest for a request, or null when it is not limited (no match, a property missing). */
  requestFor(metadata: Metadata): Uint8Array | null {
    if (!this.match.matches(metadata)) return null;
    const values: string[] = [];
    for (let i = 0; i < this.properties.length; i++) {
      const v = metadata.get(this.properties[i]);
      if (v === null || v.length == 0) return null;
      values.push(v);
    }
    return encodeRateLimitRequest(this.domain, this.descriptorKeys, values, 1);
  }

  createFilter(services: FilterServices): MetaFilter {
    return new GlobalRateLimit(this, services);
  }
}

class GlobalRateLimit extends MetaFilter {
  /** Calls in flight and the requests they hold, index for index. */
  private tokens: u32[] = [];
  private held: HeldRequest[] = [];

  constructor(private config: GlobalRateLimitConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const question = this.config.requestFor(r.message.metadata);
    if (question === null) return MessageAction.Continue;
    const token = this.services.grpcCall(this.config.service, RLS_SERVICE, RLS_METHOD, question, this.config.timeoutMs);
    if (token == 0) {
      logDebug("global rate limit: the host refused the call to the rate limit service");
      return this.failed() ? r.reply(ErrorKind.OverLimit, "rate limit service unavailable") : MessageAction.Continue;
    }
    this.tokens.push(token);
    this.held.push(r.hold());
    return MessageAction.Pause;
  }

  onGrpcCallDone(token: u32, status: GrpcStatus, response: ArrayBuffer | null): void {
    const i = this.tokens.indexOf(token);
    if (i < 0) return;
    const held = this.held[i];
    this.tokens.splice(i, 1);
    this.held.splice(i, 1);
    const code = status == GrpcStatus.Ok && response !== null ? decodeOverallCode(Uint8Array.wrap(response)) : -1;
    if (code == RateLimitCode.OverLimit) {
      this.config.counters.inc(Outcome.OverLimit);
      held.reply(ErrorKind.OverLimit, "rate limited by the rate limit service");
    } else if (code >= 0) {
      // Envoy's client takes every code but OVER_LIMIT (UNKNOWN included) as OK.
      this.config.counters.inc(Outcome.Ok);
      held.resume();
    } else {
      logDebug("global rate limit: the rate limit service failed, gRPC status " + (<i32>status).toString());
      if (this.failed()) held.reply(ErrorKind.OverLimit, "rate limit service unavailable");
      else held.resume();
    }
  }

  onConnectionClose(): void {
    this.tokens.length = 0;
    this.held.length = 0;
  }

  /** Counts a failed call; true when the request must be denied. */
  private failed(): bool {
    this.config.counters.inc(Outcome.Error);
    if (this.config.failureModeDeny) return true;
    this.config.counters.inc(Outcome.FailureModeAllowed);
    return false;
  }
}

export class GlobalRateLimitFactory extends FilterFactory {
  get name(): string {
    return "aeraki.meta_protocol.filters.ratelimit";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    if (config === null) {
      errors.add(at, "required: domain, rate_limit_service and descriptors");
      return null;
    }
    const fields = new ConfigFields(config, at, errors, ["match", "domain", "timeout", "failureModeDeny", "rateLimitService", "descriptors"]);
    if (!fields.valid) return null;
    const before = errors.messages.length;

    let match: MetadataMatch | null = new MetadataMatch();
    const m = fields.field("match", JsonKind.Object);
    if (m !== null) match = MetadataMatch.parse(m, fields.path("match"), errors);
    const domain = fields.string("domain", true);
    if (domain !== null && domain.length == 0) errors.add(fields.path("domain"), "must not be empty");
    let timeout = DEFAULT_TIMEOUT_MS;
    if (fields.has("timeout")) {
      timeout = fields.durationMillis("timeout");
      if (timeout == 0 || timeout > 0xffffffff) errors.add(fields.path("timeout"), "must be greater than zero and at most 49 days");
    }
    const deny = fields.field("failureModeDeny", JsonKind.Bool);
    const service = parseRateLimitService(fields, errors);
    const properties: string[] = [];
    const keys: string[] = [];
    parseDescriptors(fields, errors, properties, keys);

    if (errors.messages.length > before || match === null || domain === null || service === null) return null;
    return new GlobalRateLimitConfig(match, domain, <u32>timeout, deny !== null && deny.bool, service, properties, keys);
  }
}

/** rate_limit_service (Envoy's RateLimitServiceConfig) to the serialized GrpcService proxy_grpc_call takes. */
function parseRateLimitService(parent: ConfigFields, errors: ConfigErrors): Uint8Array | null {
  const value = parent.field("rateLimitService", JsonKind.Object, true);
  if (value === null) return null;
  const fields = new ConfigFields(value, parent.path("rateLimitService"), errors, ["grpcService", "transportApiVersion"]);
  if (!fields.valid) return null;
  // proto3 JSON writes an enum by name or by number: V3 is 2.
  let version = value.get("transportApiVersion");
  if (version === null) version = value.get("transport_api_version");
  if (version !== null && !(version.kind == JsonKind.String && version.string == "V3") && !(version.kind == JsonKind.Number && version.number == 2)) {
    errors.add(fields.path("transportApiVersion"), "must be V3: the module speaks envoy.service.ratelimit.v3");
  }
  const grpc = fields.field("grpcService", JsonKind.Object, true);
  if (grpc === null) return null;
  const g = new ConfigFields(grpc, fields.path("grpcService"), errors, ["envoyGrpc", "googleGrpc"]);
  return g.valid ? envoyGrpcService(g) : null;
}

function parseDescriptors(parent: ConfigFields, errors: ConfigErrors, properties: string[], keys: string[]): void {
  const list = parent.field("descriptors", JsonKind.Array, true);
  if (list === null) return;
  if (list.items.length == 0) errors.add(parent.path("descriptors"), "needs at least one descriptor");
  for (let i = 0; i < list.items.length; i++) {
    const d = new ConfigFields(list.items[i], parent.path("descriptors") + "[" + i.toString() + "]", errors, ["property", "descriptorKey"]);
    if (!d.valid) continue;
    const property = d.string("property", true);
    const key = d.string("descriptorKey", true);
    if (property !== null && property.length == 0) errors.add(d.path("property"), "must not be empty");
    if (key !== null && key.length == 0) errors.add(d.path("descriptorKey"), "must not be empty");
    if (property === null || key === null) continue;
    properties.push(property);
    keys.push(key);
  }
}
