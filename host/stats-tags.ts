// Envoy's tag extraction (bootstrap `stats_config`): a stat's full name becomes a tag-extracted
// name plus tags, which the Prometheus endpoint shows as the metric name and its labels. Ported
// from envoy source/common/stats/tag_extractor_impl.cc (the extractors), tag_producer_impl.cc
// (their order and de-duplication) and source/common/config/well_known_names.cc (the defaults).

export interface Tag {
  name: string;
  value: string;
}

export interface TaggedName {
  extractedName: string;
  tags: Tag[];
}

/** envoy.config.metrics.v3.TagSpecifier; `regex` and `fixedValue` are the oneof `tag_value`. */
export interface TagSpecifier {
  tagName: string;
  regex?: string;
  fixedValue?: string;
}

/** The part of envoy.config.metrics.v3.StatsConfig the host implements. */
export interface StatsConfig {
  statsTags?: TagSpecifier[];
  /** Envoy's default when absent: true. */
  useAllDefaultTags?: boolean;
}

/** A configuration Envoy refuses: the field (relative to stats_config) and Envoy's reason. */
export interface TagConfigError {
  field: string;
  message: string;
}

/** The stat name, with its '.'-tokens split once on demand (TagExtractionContext). */
class ExtractionContext {
  private split?: string[];
  constructor(readonly name: string) {}
  tokens(): string[] {
    return (this.split ??= this.name.split("."));
  }
}

type Removals = Array<[number, number]>;

abstract class TagExtractor {
  /** Set when another extractor has the same tag name: then only the first match counts (TagProducerImpl::addExtractor). */
  sharedName = false;
  constructor(
    readonly name: string,
    readonly prefix: string,
    private substr = "",
  ) {}
  abstract extract(ctx: ExtractionContext, tags: Tag[], remove: Removals): boolean;
  /** TagExtractorImplBase::substrMismatch: a cheap pre-check before the regex. */
  protected substrMismatch(name: string): boolean {
    return this.substr !== "" && !name.includes(this.substr);
  }
}

/**
 * TagExtractorImplBase::extractRegexPrefix: a regex `^word\.` (or `^word(?=\.)`, or `^word$`) only
 * runs on names whose first token is `word`; every other extractor runs on every name.
 */
export function extractRegexPrefix(regex: string): string {
  if (!regex.startsWith("^")) return "";
  for (let i = 1; i < regex.length; i++) {
    if (/[A-Za-z0-9_]/.test(regex[i])) continue;
    if (i > 1) {
      const last = i === regex.length - 1;
      const rest = regex.slice(i);
      if ((!last && (rest.startsWith("\\.") || rest.startsWith("(?=\\."))) || (last && regex[i] === "$")) return regex.slice(1, i);
    }
    break;
  }
  return "";
}

/**
 * TagExtractorStdRegexImpl::extractTag, for the regexes a user writes (std::regex, ECMAScript,
 * which JavaScript's RegExp follows): the first capture group is removed from the name, the value
 * is the second group if the regex has one, else the first.
 */
class StdRegexExtractor extends TagExtractor {
  constructor(name: string, source: string, private regex: RegExp) {
    super(name, extractRegexPrefix(source));
  }
  extract(ctx: ExtractionContext, tags: Tag[], remove: Removals): boolean {
    const m = this.regex.exec(ctx.name);
    if (!m || m.length < 2) return false;
    // An unmatched group is an empty value and removes nothing, as libstdc++'s empty sub_match.
    tags.push({ name: this.name, value: (m.length > 2 ? m[2] : m[1]) ?? "" });
    const at = m.indices?.[1];
    if (at) remove.push(at);
    return true;
  }
}

/** TagExtractorRe2Impl::extractTag, for Envoy's default regexes: an empty first group is no match. */
class Re2Extractor extends TagExtractor {
  private regex: RegExp;
  constructor(name: string, source: string, substr: string, private negativeMatch: string) {
    super(name, extractRegexPrefix(source), substr);
    this.regex = new RegExp(source, "d");
  }
  extract(ctx: ExtractionContext, tags: Tag[], remove: Removals): boolean {
    if (this.substrMismatch(ctx.name)) return false;
    const m = this.regex.exec(ctx.name);
    const at = m?.indices?.[1];
    if (!m || !at || m[1] === "") return false;
    const value = m[2] ? m[2] : m[1];
    if (this.negativeMatch !== "" && this.negativeMatch === value) return false;
    tags.push({ name: this.name, value });
    remove.push(at);
    return true;
  }
}

/**
 * TagExtractorTokensImpl: a '.'-separated pattern where `$` is the value, `*` any one token and
 * `**` any number of tokens. The value's token and one adjoining dot are removed.
 */
class TokensExtractor extends TagExtractor {
  private tokens: string[];
  private matchIndex: number;
  constructor(name: string, pattern: string) {
    const tokens = pattern.split(".");
    super(name, ["$", "*", "**"].includes(tokens[0]) ? "" : tokens[0]);
    this.tokens = tokens;
    this.matchIndex = Math.max(0, tokens.indexOf("$"));
  }
  extract(ctx: ExtractionContext, tags: Tag[], remove: Removals): boolean {
    const input = ctx.tokens();
    const found = { start: 0, index: input.length };
    if (!this.search(input, 0, 0, 0, found)) return false;
    const value = input[found.index];
    let start = found.start;
    let end = start + value.length;
    if (found.index < input.length - 1) end++; // "ab." or "cd." in "ab.cd.ef"
    else if (start > 0) start--; // ".ef" at the end
    tags.push({ name: this.name, value });
    remove.push([start, end]);
    return true;
  }
  /** TagExtractorTokensImpl::searchTags, including its backtracking over `**`. */
  private search(input: string[], inputIndex: number, patternIndex: number, charIndex: number, found: { start: number; index: number }): boolean {
    for (; inputIndex < input.length && patternIndex < this.tokens.length; inputIndex++, patternIndex++) {
      if (patternIndex === this.matchIndex) {
        found.start = charIndex;
        found.index = inputIndex;
        continue;
      }
      const expected = this.tokens[patternIndex];
      if (expected === "**") {
        if (patternIndex === this.tokens.length - 1) return true;
        patternIndex++;
        for (; inputIndex < input.length; inputIndex++) {
          if (this.search(input, inputIndex, patternIndex, charIndex, found)) return true;
          charIndex += input[inputIndex].length + 1;
        }
        return false;
      }
      if (expected !== "*" && expected !== input[inputIndex]) return false;
      charIndex += input[inputIndex].length + 1;
    }
    return patternIndex === this.tokens.length && inputIndex === input.length;
  }
}

/** TagExtractorFixedImpl: always adds the tag, removes nothing. */
class FixedExtractor extends TagExtractor {
  constructor(name: string, private value: string) {
    // Envoy builds the base from (name, value), so a value shaped like `^word\.` also gets a
    // prefix; kept for fidelity.
    super(name, extractRegexPrefix(value));
  }
  extract(_ctx: ExtractionContext, tags: Tag[]): boolean {
    tags.push({ name: this.name, value: this.value });
    return true;
  }
}

// well_known_names.cc expandRegex: shorthands in the default regexes.
const EXPANSIONS: Record<string, string> = {
  "<ADDRESS>": String.raw`(?:(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)`,
  "<CIPHER>": String.raw`[\w-]+`,
  "<TLS_VERSION>": String.raw`TLSv\d\.\d`,
  "<TAG_VALUE>": String.raw`[^\.]+`,
  "<ROUTE_CONFIG_NAME>": String.raw`[\w-\.]+`,
  "<LISTENER_OR_CLUSTER_WITH_NAME>": String.raw`(?:listener|cluster)\..*?`,
};
const expand = (regex: string) => regex.replace(/<[A-Z_]+>/g, (k) => EXPANSIONS[k] ?? k);

/** well_known_names.cc TagNameValues(): [name, regex, substr, negative match], in Envoy's order. */
const DEFAULT_REGEXES: Array<[string, string, string, string]> = [
  ["envoy.response_code", String.raw`_rq(_(\d{3}))$`, "_rq_", ""],
  ["envoy.response_code_class", String.raw`_rq_((\d))xx$`, "_rq_", ""],
  ["envoy.dynamo_partition_id", String.raw`^http\.<TAG_VALUE>\.dynamodb\.table\.<TAG_VALUE>\.capacity\.<TAG_VALUE>(\.__partition_id=(\w{7}))$`, ".dynamodb.table.", ""],
  ["envoy.dynamo_operation", String.raw`^http\.<TAG_VALUE>\.dynamodb.(?:operation|table\.<TAG_VALUE>\.capacity)(\.(<TAG_VALUE>))(?:\.|$)`, ".dynamodb.", ""],
  ["envoy.dynamo_table", String.raw`^http\.<TAG_VALUE>\.dynamodb.(?:table|error)\.((<TAG_VALUE>)\.)`, ".dynamodb.", ""],
  ["envoy.ssl_cipher", String.raw`^listener\..*?\.ssl\.ciphers(\.(<CIPHER>))$`, ".ssl.ciphers.", ""],
  ["envoy.ssl_curve", String.raw`^<LISTENER_OR_CLUSTER_WITH_NAME>\.ssl\.curves(\.(<CIPHER>))$`, ".ssl.curves.", ""],
  ["envoy.ssl_sigalg", String.raw`^<LISTENER_OR_CLUSTER_WITH_NAME>\.ssl\.sigalgs(\.(<CIPHER>))$`, ".ssl.sigalgs.", ""],
  ["envoy.ssl_version", String.raw`^<LISTENER_OR_CLUSTER_WITH_NAME>\.ssl\.versions(\.(<TLS_VERSION>))$`, ".ssl.versions.", ""],
  ["cipher_suite", String.raw`^cluster\.<TAG_VALUE>\.ssl\.ciphers(\.(<CIPHER>))$`, ".ssl.ciphers.", ""],
  ["envoy.http_conn_manager_prefix", String.raw`^listener\..*?\.http\.((<TAG_VALUE>)\.)`, ".http.", ""],
  ["envoy.worker_id", String.raw`^(?:listener\.(?:<ADDRESS>|<TAG_VALUE>)\.|server\.|listener_manager\.)worker_((\d+)\.)`, "", ""],
  ["envoy.listener_address", String.raw`^listener\.((<ADDRESS>|<TAG_VALUE>)\.)`, "", "admin"],
  ["envoy.rds_route_config", String.raw`^http\.<TAG_VALUE>\.rds\.((<ROUTE_CONFIG_NAME>)\.)\w+?$`, ".rds.", ""],
];

/** well_known_names.cc addTokenized(...), in Envoy's order (applied after the regexes). */
const DEFAULT_TOKENS: Array<[string, string]> = [
  ["envoy.mongo_callsite", "mongo.*.collection.*.callsite.$.query.**"],
  ["envoy.mongo_collection", "mongo.*.collection.$.**.query.*"],
  ["envoy.mongo_cmd", "mongo.*.cmd.$.**"],
  ["envoy.grpc_bridge_method", "cluster.*.grpc.*.$.**"],
  ["envoy.http_user_agent", "http.*.user_agent.$.**"],
  ["envoy.virtual_cluster", "vhost.*.vcluster.$.**"],
  ["envoy.fault_downstream_cluster", "http.*.fault.$.**"],
  ["envoy.grpc_bridge_service", "cluster.*.grpc.$.**"],
  ["envoy.tcp_prefix", "tcp.$.**"],
  ["envoy.udp_prefix", "udp.$.**"],
  ["envoy.clientssl_prefix", "auth.clientssl.$.**"],
  ["envoy.ratelimit_prefix", "ratelimit.$.**"],
  ["envoy.cluster_name", "cluster.$.**"],
  ["envoy.ext_authz_prefix", "cluster.*.ext_authz.$.**"],
  ["envoy.ext_authz_prefix", "http.*.ext_authz.$.**"],
  ["envoy.http_conn_manager_prefix", "http.$.**"],
  ["envoy.virtual_host", "vhost.$.**"],
  ["envoy.mongo_prefix", "mongo.$.**"],
  ["envoy.route", "vhost.*.route.$.**"],
  ["envoy.thrift_prefix", "thrift.$.**"],
  ["envoy.redis_prefix", "redis.$.**"],
  ["envoy.local_http_ratelimit_prefix", "$.http_local_rate_limit.**"],
  ["envoy.local_network_ratelimit_prefix", "local_rate_limit.$.**"],
  ["envoy.local_listener_ratelimit_prefix", "listener_local_ratelimit.$.**"],
  ["envoy.dns_filter_prefix", "dns_filter.$.**"],
];

/** Envoy's defaults whose tag name is `name` (all of them when `name` is undefined). */
function defaultExtractors(name?: string): TagExtractor[] {
  const regexes = DEFAULT_REGEXES.filter(([n]) => name === undefined || n === name);
  const tokens = DEFAULT_TOKENS.filter(([n]) => name === undefined || n === name);
  return [
    ...regexes.map(([n, re, substr, negative]) => new Re2Extractor(n, expand(re), substr, negative)),
    ...tokens.map(([n, pattern]) => new TokensExtractor(n, pattern)),
  ];
}

/** std::regex (ECMAScript) and RegExp part ways on POSIX bracket classes; refuse rather than misread them. */
function compileUserRegex(regex: string): RegExp | string {
  if (/\[:[a-z]+:\]/.test(regex)) return `Invalid regex '${regex}': POSIX character classes such as [:digit:] are not supported by the local host`;
  try {
    return new RegExp(regex, "d");
  } catch (e) {
    return `Invalid regex '${regex}': ${(e as Error).message}`;
  }
}

/** TagProducerImpl: every extractor sees the original name; the removed spans are then cut out together. */
export class TagProducer {
  private withoutPrefix: TagExtractor[] = [];
  private byPrefix = new Map<string, TagExtractor[]>();

  constructor(extractors: TagExtractor[]) {
    const count = new Map<string, number>();
    for (const x of extractors) count.set(x.name, (count.get(x.name) ?? 0) + 1);
    for (const x of extractors) {
      x.sharedName = count.get(x.name)! > 1;
      if (x.prefix === "") this.withoutPrefix.push(x);
      else this.byPrefix.set(x.prefix, [...(this.byPrefix.get(x.prefix) ?? []), x]);
    }
  }

  /** TagProducerImpl::produceTags: prefix-free extractors first, then those keyed by the name's first token. */
  produceTags(name: string): TaggedName {
    const ctx = new ExtractionContext(name);
    const tags: Tag[] = [];
    const remove: Removals = [];
    const matchedShared = new Set<string>();
    const apply = (x: TagExtractor) => {
      if (x.sharedName && matchedShared.has(x.name)) return;
      if (x.extract(ctx, tags, remove) && x.sharedName) matchedShared.add(x.name);
    };
    this.withoutPrefix.forEach(apply);
    const dot = name.indexOf(".");
    if (dot >= 0) this.byPrefix.get(name.slice(0, dot))?.forEach(apply);
    return { extractedName: removeCharacters(name, remove), tags };
  }
}

/** StringUtil::removeCharacters: drops the union of the [start, end) spans. */
function removeCharacters(name: string, spans: Removals): string {
  if (spans.length === 0) return name;
  const drop = new Array<boolean>(name.length).fill(false);
  for (const [s, e] of spans) for (let i = s; i < e; i++) drop[i] = true;
  let out = "";
  for (let i = 0; i < name.length; i++) if (!drop[i]) out += name[i];
  return out;
}

/** Builds Envoy's tag producer from stats_config, or the error Envoy would stop on (TagProducerImpl's constructor). */
export function createTagProducer(config: StatsConfig = {}): TagProducer | TagConfigError {
  const extractors = config.useAllDefaultTags === false ? [] : defaultExtractors();
  for (const [i, spec] of (config.statsTags ?? []).entries()) {
    const field = `stats_tags[${i}]`;
    if (spec.fixedValue !== undefined) {
      extractors.push(new FixedExtractor(spec.tagName, spec.fixedValue));
    } else if (spec.regex === undefined || spec.regex === "") {
      const found = defaultExtractors(spec.tagName);
      if (found.length === 0) return { field, message: `No regex specified for tag specifier and no default regex for name: '${spec.tagName}'` };
      extractors.push(...found);
    } else {
      if (spec.tagName === "") return { field: `${field}.tag_name`, message: "tag_name cannot be empty" };
      const re = compileUserRegex(spec.regex);
      if (typeof re === "string") return { field: `${field}.regex`, message: re };
      extractors.push(new StdRegexExtractor(spec.tagName, spec.regex, re));
    }
  }
  return new TagProducer(extractors);
}

/** What Envoy does without a stats_config: all default tags. */
export function defaultTagProducer(): TagProducer {
  return new TagProducer(defaultExtractors());
}
