// The global rate limit's pure parts: the rate limit service's messages (bytes worked out by hand
// from the protobuf encoding rules and rls.proto's field numbers), Envoy's HeaderMatcher semantics
// on metadata, and the configuration, refused field by field.
import { ConfigErrors } from "../../assembly/meta/config-errors";
import { parseJson } from "../../assembly/meta/json";
import { Metadata } from "../../assembly/meta/metadata";
import { GlobalRateLimitConfig, GlobalRateLimitFactory } from "../../assembly/filters/global-ratelimit";
import { MetadataMatch } from "../../assembly/routing/metadata-match";
import { decodeOverallCode, encodeRateLimitRequest, RateLimitCode } from "../../assembly/filters/rls-messages";

function bytes(list: u8[]): Uint8Array {
  const out = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}

function ascii(text: string): u8[] {
  const out: u8[] = [];
  for (let i = 0; i < text.length; i++) out.push(<u8>text.charCodeAt(i));
  return out;
}

function u8s(list: i32[]): u8[] {
  const out: u8[] = [];
  for (let i = 0; i < list.length; i++) out.push(<u8>list[i]);
  return out;
}

function toList(b: Uint8Array): u8[] {
  const out: u8[] = [];
  for (let i = 0; i < b.length; i++) out.push(b[i]);
  return out;
}

function metadata(keys: string[], values: string[]): Metadata {
  const m = new Metadata();
  for (let i = 0; i < keys.length; i++) m.set(keys[i], values[i]);
  return m;
}

/** One HeaderMatcher, as a route's or a rate limit's `match.metadata` holds it (errors under "m.metadata[0]"). */
function matcher(json: string): MetadataMatch | null {
  const errors = new ConfigErrors();
  return MetadataMatch.parse(parseJson('{"metadata": [' + json + "]}").value!, "m", errors);
}

function matcherErrors(json: string): string {
  const errors = new ConfigErrors();
  expect(MetadataMatch.parse(parseJson('{"metadata": [' + json + "]}").value!, "m", errors)).toBeNull();
  return errors.toString().replaceAll("m.metadata[0]", "m");
}

function configure(json: string, errors: ConfigErrors): GlobalRateLimitConfig | null {
  const c = new GlobalRateLimitFactory().configure(parseJson(json).value, "f", errors);
  return c === null ? null : changetype<GlobalRateLimitConfig>(c);
}

const SERVICE = '"rate_limit_service": {"grpc_service": {"envoy_grpc": {"cluster_name": "rls"}}, "transport_api_version": "V3"}';

describe("RateLimitRequest", () => {
  it("is domain=1, one descriptor=2 with an entry per key (key=1, value=2), hits_addend=3", () => {
    const got = encodeRateLimitRequest("d", ["method", "interface"], ["sayHello", "I"], 1);
    const entry1 = u8s([0x0a, 6]).concat(ascii("method")).concat(u8s([0x12, 8])).concat(ascii("sayHello"));
    const entry2 = u8s([0x0a, 9]).concat(ascii("interface")).concat(u8s([0x12, 1])).concat(ascii("I"));
    const descriptor = u8s([0x0a, entry1.length]).concat(entry1).concat(u8s([0x0a, entry2.length])).concat(entry2);
    const want = u8s([0x0a, 1, 0x64, 0x12, descriptor.length]).concat(descriptor).concat(u8s([0x18, 1]));
    expect(toList(got)).toStrictEqual(want);
  });
});

describe("RateLimitResponse", () => {
  it("reads overall_code=1 past fields it does not use", () => {
    // statuses=2 {code=1: 2}, overall_code=2, raw_body=5 "x"
    expect(decodeOverallCode(bytes([0x12, 2, 0x08, 2, 0x08, 2, 0x2a, 1, 0x78]))).toBe(RateLimitCode.OverLimit);
    expect(decodeOverallCode(bytes([0x08, 1]))).toBe(RateLimitCode.Ok);
  });

  it("an empty message is UNKNOWN, and so is a code it does not know", () => {
    expect(decodeOverallCode(new Uint8Array(0))).toBe(RateLimitCode.Unknown);
    expect(decodeOverallCode(bytes([0x08, 7]))).toBe(RateLimitCode.Unknown);
  });

  it("malformed bytes are -1, never a trap", () => {
    expect(decodeOverallCode(bytes([0x08]))).toBe(-1); // value cut off
    expect(decodeOverallCode(bytes([0x12, 5, 0x08]))).toBe(-1); // length past the end
    expect(decodeOverallCode(bytes([0x00, 1]))).toBe(-1); // field number 0
    expect(decodeOverallCode(bytes([0x0b]))).toBe(-1); // a group
  });
});

function sample(): Metadata {
  return metadata(["method", "interface", "empty"], ["sayHello", "org.apache.Demo", ""]);
}

describe("MetadataMatch: Envoy HeaderMatchers on metadata", () => {
  it("exact, prefix, suffix, contains, their inverts, and the proto3 JSON names both ways", () => {
    const m = sample();
    expect(matcher('{"name": "method", "exact_match": "sayHello"}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "method", "exactMatch": "sayBye"}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "interface", "prefix_match": "org.apache"}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "interface", "suffix_match": "Demo"}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "interface", "contains_match": "apache"}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "interface", "contains_match": "google"}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "method", "exact_match": "sayHello", "invert_match": true}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "method", "exact_match": "sayBye", "invertMatch": true}')!.matches(m)).toBe(true);
  });

  it("an empty exact_match matches any value (Envoy's rule), string_match.exact only an empty one", () => {
    const m = sample();
    expect(matcher('{"name": "method", "exact_match": ""}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "method", "string_match": {"exact": ""}}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "empty", "string_match": {"exact": ""}}')!.matches(m)).toBe(true);
  });

  it("string_match with ignore_case, and regexes matching the whole value", () => {
    const m = sample();
    expect(matcher('{"name": "method", "string_match": {"prefix": "SAY", "ignore_case": true}}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "method", "string_match": {"prefix": "SAY"}}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "method", "string_match": {"suffix": "hello", "ignoreCase": true}}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "method", "safe_regex_match": {"google_re2": {}, "regex": "say[A-Z][a-z]+"}}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "method", "safe_regex_match": {"regex": "say"}}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "interface", "string_match": {"safe_regex": {"regex": "org\\\\..*"}}}')!.matches(m)).toBe(true);
  });

  it("presence: no specifier means present; a missing key matches only a presence test that wants it absent", () => {
    const m = sample();
    expect(matcher('{"name": "method"}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "group"}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "group", "present_match": false}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "group", "present_match": true, "invert_match": true}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "method", "present_match": true, "invert_match": true}')!.matches(m)).toBe(false);
    // A missing key fails even an inverted value test, unless it is treated as empty.
    expect(matcher('{"name": "group", "exact_match": "x", "invert_match": true}')!.matches(m)).toBe(false);
    expect(matcher('{"name": "group", "exact_match": "x", "invert_match": true, "treat_missing_header_as_empty": true}')!.matches(m)).toBe(true);
    expect(matcher('{"name": "group", "string_match": {"exact": ""}, "treat_missing_header_as_empty": true}')!.matches(m)).toBe(true);
  });

  it("a list is ANDed, and empty matches everything", () => {
    const m = sample();
    const errors = new ConfigErrors();
    const list = MetadataMatch.parse(parseJson('{"metadata": [{"name": "method", "exact_match": "sayHello"}, {"name": "interface", "prefix_match": "org"}]}').value!, "l", errors)!;
    expect(list.matches(m)).toBe(true);
    expect(list.matches(metadata(["method"], ["sayHello"]))).toBe(false);
    expect(MetadataMatch.parse(parseJson("{}").value!, "l", errors)!.matches(m)).toBe(true);
  });

  it("refuses what it cannot do, naming the field", () => {
    expect(matcherErrors('{"exact_match": "x"}')).toBe("m.name: required");
    expect(matcherErrors('{"name": "a", "exact_match": "x", "prefix_match": "y"}')).toBe("m: give only one match specifier");
    expect(matcherErrors('{"name": "a", "range_match": {"start": 1, "end": 2}}').startsWith("m.rangeMatch: not supported")).toBe(true);
    expect(matcherErrors('{"name": "a", "regex_match": "x"}')).toBe("m.regex_match: unknown field");
    expect(matcherErrors('{"name": "a", "safe_regex_match": {"regex": "("}}').startsWith("m.regex: '(': ")).toBe(true);
    expect(matcherErrors('{"name": "a", "string_match": {}}')).toBe("m.stringMatch: needs exactly one of exact, prefix, suffix, contains, safe_regex");
    expect(matcherErrors('{"name": "a", "present_match": "yes"}')).toBe("m.presentMatch: must be a boolean, got string");
  });
});

describe("GlobalRateLimitFactory.configure", () => {
  it("takes Aeraki's RateLimit in proto field names, with the 20ms default timeout", () => {
    const errors = new ConfigErrors();
    const c = configure('{"match": {"metadata": [{"name": "method", "exact_match": "sayHello"}]}, "domain": "production", ' + SERVICE +
      ', "descriptors": [{"property": "method", "descriptor_key": "method"}]}', errors);
    expect(errors.toString()).toBe("");
    expect(c!.domain).toBe("production");
    expect(c!.timeoutMs).toBe(20);
    expect(c!.failureModeDeny).toBe(false);
    // GrpcService {envoy_grpc=1 {cluster_name=1 "rls"}}
    expect(toList(c!.service)).toStrictEqual(<u8[]>[0x0a, 5, 0x0a, 3, 0x72, 0x6c, 0x73]);
  });

  it("takes lowerCamelCase too, and builds the request only for matching requests that have every property", () => {
    const errors = new ConfigErrors();
    const c = configure('{"match": {"metadata": [{"name": "method", "prefixMatch": "say"}]}, "domain": "d", "timeout": "0.5s", "failureModeDeny": true, ' +
      '"rateLimitService": {"grpcService": {"envoyGrpc": {"clusterName": "rls"}}}, ' +
      '"descriptors": [{"property": "method", "descriptorKey": "m"}, {"property": "group", "descriptorKey": "g"}]}', errors)!;
    expect(errors.toString()).toBe("");
    expect(c.timeoutMs).toBe(500);
    expect(c.failureModeDeny).toBe(true);
    const asked = c.requestFor(metadata(["method", "group"], ["sayHello", "blue"]));
    expect(toList(asked!)).toStrictEqual(toList(encodeRateLimitRequest("d", ["m", "g"], ["sayHello", "blue"], 1)));
    expect(c.requestFor(metadata(["method"], ["sayHello"]))).toBeNull(); // no group: not limited
    expect(c.requestFor(metadata(["method", "group"], ["sayHello", ""]))).toBeNull(); // empty value: not limited
    expect(c.requestFor(metadata(["method", "group"], ["echo", "blue"]))).toBeNull(); // no match
  });

  it("without a match every request is limited", () => {
    const errors = new ConfigErrors();
    const c = configure('{"domain": "d", ' + SERVICE + ', "descriptors": [{"property": "method", "descriptor_key": "m"}]}', errors)!;
    expect(c.requestFor(metadata(["method"], ["anything"]))).not.toBeNull();
  });

  it("refuses every problem, naming its field", () => {
    const errors = new ConfigErrors();
    expect(configure('{"domain": "", "timeout": "soon", "failure_mode_deny": 1, "stage": 0, ' +
      '"rate_limit_service": {"grpc_service": {"google_grpc": {}}, "transport_api_version": "V2"}, "descriptors": []}', errors)).toBeNull();
    expect(errors.toString()).toBe("f.stage: unknown field");
    const more = new ConfigErrors();
    expect(configure('{"domain": "", "timeout": "soon", "failure_mode_deny": 1, ' +
      '"rate_limit_service": {"grpc_service": {"google_grpc": {}}, "transport_api_version": "V2"}, "descriptors": [{"property": "method"}],' +
      '"match": {"metadata": [{"name": "m", "regex": "x"}]}}', more)).toBeNull();
    const text = more.toString();
    expect(text.includes("f.match.metadata[0].regex: unknown field")).toBe(true);
    expect(text.includes("f.domain: must not be empty")).toBe(true);
    expect(text.includes("f.timeout: must be a duration")).toBe(true);
    expect(text.includes("f.failureModeDeny: must be a boolean, got number")).toBe(true);
    expect(text.includes("f.rateLimitService.transportApiVersion: must be V3")).toBe(true);
    expect(text.includes("f.rateLimitService.grpcService.googleGrpc: not supported")).toBe(true);
    expect(text.includes("f.descriptors[0].descriptorKey: required")).toBe(true);
  });

  it("requires domain, rate_limit_service and at least one descriptor, and a positive timeout", () => {
    const errors = new ConfigErrors();
    expect(configure('{"timeout": "0s", "descriptors": []}', errors)).toBeNull();
    const text = errors.toString();
    expect(text.includes("f.domain: required")).toBe(true);
    expect(text.includes("f.rateLimitService: required")).toBe(true);
    expect(text.includes("f.descriptors: needs at least one descriptor")).toBe(true);
    expect(text.includes("f.timeout: must be greater than zero")).toBe(true);
    const none = new ConfigErrors();
    expect(new GlobalRateLimitFactory().configure(null, "f", none)).toBeNull();
    expect(none.toString()).toBe("f: required: domain, rate_limit_service and descriptors");
  });
});
