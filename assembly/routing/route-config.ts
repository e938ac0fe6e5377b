// Aeraki's MetaProtocol route table (aeraki.meta_protocol_proxy.config.route.v1alpha
// RouteConfiguration) as the module keeps it once decoded from xDS: plain data, checked for
// what the module can honour; matching and cluster choice belong to the router.

/** What one metadata matcher compares (Envoy's HeaderMatcher, one of its specifiers). */
export enum MatchKind {
  /** The key is there (or, with `present` false, is not). */
  Present = 0,
  Exact = 1,
  Prefix = 2,
  Suffix = 3,
  Contains = 4,
  /** `value` is the regular expression's text (RE2 syntax), to be compiled by the caller. */
  Regex = 5,
}

/** envoy.config.route.v3.HeaderMatcher applied to a message's metadata. */
export class MetadataMatcher {
  /** The metadata key. */
  name: string = "";
  kind: MatchKind = MatchKind.Present;
  /** The text compared with the key's value; empty for Present. */
  value: string = "";
  /** For Present: true matches when the key is there, false when it is absent. */
  present: bool = true;
  /** From StringMatcher.ignore_case (string_match only; never set for Regex). */
  ignoreCase: bool = false;
  invert: bool = false;
  /** A missing key matches as an empty value (treat_missing_header_as_empty). */
  treatMissingAsEmpty: bool = false;
}

/** One member of weighted_clusters: a cluster name and its weight. */
export class ClusterWeight {
  constructor(public name: string, public weight: u32) {}
}

export class KeyValue {
  constructor(public key: string, public value: string) {}
}

/**
 * What the router does with a request whose route cannot pick the cluster its connection is
 * already bound to (ours: routing is per connection). Unset takes the router's own setting.
 */
export enum MismatchPolicy {
  Unset = 0,
  /** It travels to the bound cluster (counted, logged at debug). */
  Forward = 1,
  /** It is answered with the protocol's ClusterNotFound error; the connection stays open. */
  Reject = 2,
  /** It is not forwarded; the connection closes once its in-flight replies are delivered. */
  Drain = 3,
}

/** One route; exactly one of `cluster` (non-empty) and `weightedClusters` (non-empty) is set. */
export class MetaRoute {
  name: string = "";
  /** All must match (AND); none matches every message. */
  match: MetadataMatcher[] = [];
  cluster: string = "";
  weightedClusters: ClusterWeight[] = [];
  /** The sum of the weights, above zero when weightedClusters is set. */
  totalWeight: u64 = 0;
  /**
   * RouteAction.hash_policy: metadata keys whose values pick among the weighted clusters (see
   * metadata-hash.ts); empty for smooth weighted round robin.
   */
  hashPolicy: string[] = [];
  requestMutation: KeyValue[] = [];
  responseMutation: KeyValue[] = [];
  mismatch: MismatchPolicy = MismatchPolicy.Unset;
}

export class RouteConfiguration {
  name: string = "";
  /** In order: the first route that matches wins. */
  routes: MetaRoute[] = [];
}
