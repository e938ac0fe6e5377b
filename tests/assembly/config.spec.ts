import { DubboCodecFactory } from "../../assembly/codecs/dubbo";
import { parseConfig } from "../../assembly/meta/config";
import { JsonKind, parseJson } from "../../assembly/meta/json";
import { registerCodec } from "../../assembly/meta/registry";
import { LocalRateLimitFactory } from "../../assembly/filters/local-ratelimit";
import { registerFilter } from "../../assembly/meta/registry";

registerCodec(new DubboCodecFactory());
registerFilter(new LocalRateLimitFactory());

describe("parseJson", () => {
  it("reads objects, arrays, numbers, escapes and keeps key order", () => {
    const r = parseJson('{"a": [1, -2.5e1, true, null], "b": "x\\u00e9\\n\\"", "c": {}}');
    expect(r.value).not.toBeNull();
    const v = r.value!;
    expect(v.keys).toStrictEqual(["a", "b", "c"]);
    expect(v.get("a")!.items[1].number).toBe(-25.0);
    expect(v.get("a")!.items[2].bool).toBe(true);
    expect(v.get("a")!.items[3].kind).toBe(JsonKind.Null);
    expect(v.get("b")!.string).toBe("xé\n\"");
  });

  it("reports errors with their offset instead of trapping", () => {
    expect(parseJson('{"a": }').value).toBeNull();
    expect(parseJson('{"a": 1,}').error.length).toBeGreaterThan(0);
    expect(parseJson('"unterminated').value).toBeNull();
    let deep = "";
    for (let i = 0; i < 200; i++) deep += "[";
    expect(parseJson(deep).error.includes("nesting too deep")).toBe(true);
  });
});

describe("parseConfig", () => {
  it("accepts Aeraki's codec and filter names", () => {
    const r = parseConfig('{"statPrefix": "d", "codec": {"name": "aeraki.meta_protocol.codec.dubbo"}, "maxFrameSize": 1024,' +
      ' "metaProtocolFilters": [{"name": "aeraki.meta_protocol.filters.local_ratelimit", "config": {"tokenBucket": {"maxTokens": 1, "fillInterval": "1s"}}}]}');
    expect(r.errors.isEmpty).toBe(true);
    expect(r.config!.maxFrameSize).toBe(1024);
    expect(r.config!.filters.length).toBe(1);
  });

  it("names every problem with its field and refuses the whole configuration", () => {
    const r = parseConfig('{"codec": {"name": "nope"}, "maxFrameSize": -1, "extra": 1, "metaProtocolFilters": [{"name": "local_ratelimit", "config": {"tokenBucket": {"maxTokens": 0, "fillInterval": "1s"}}}]}');
    expect(r.config).toBeNull();
    const text = r.errors.toString();
    expect(text.includes("codec.name: unknown codec 'nope'")).toBe(true);
    expect(text.includes("maxFrameSize: must be an integer")).toBe(true);
    expect(text.includes("extra: unknown field")).toBe(true);
    expect(text.includes("metaProtocolFilters[0].config.tokenBucket: maxTokens, tokensPerFill and fillInterval must be greater than zero")).toBe(true);
  });

  it("refuses what is not JSON, and a missing codec", () => {
    expect(parseConfig("codec: dubbo").errors.toString().includes("not valid JSON")).toBe(true);
    expect(parseConfig("{}").errors.toString().includes("codec: required")).toBe(true);
  });
});

describe("parseConfig: Aeraki's MetaProtocolProxy", () => {
  const RDS = '"rds": {"route_config_name": "svc_20880", "config_source": {"resource_api_version": "V3", "api_config_source": {"api_type": "GRPC", "transport_api_version": "V3", "grpc_services": [{"envoy_grpc": {"cluster_name": "xds"}}]}}}';

  it("takes proto field names: stat_prefix, application_protocol, route_config and rds", () => {
    const r = parseConfig('{"stat_prefix": "d", "application_protocol": "dubbo", "codec": {"name": "aeraki.meta_protocol.codec.dubbo"}, ' +
      '"route_config": {"name": "svc_20880", "routes": [{"name": "all", "route": {"cluster": "c1"}}]}, ' + RDS + "}");
    expect(r.errors.toString()).toBe("");
    const config = r.config!;
    expect(config.statPrefix).toBe("d");
    expect(config.routes.current!.routes.length).toBe(1);
    expect(config.routes.current!.routes[0].name).toBe("all");
    expect(config.discovery!.routeConfigName).toBe("svc_20880");
    expect(config.discovery!.cluster).toBe("xds");
  });

  it("refuses an application_protocol that is not the codec's, Envoy's ADS, and a bad regex, naming each field", () => {
    const r = parseConfig('{"application_protocol": "thrift", "codec": {"name": "dubbo"}, ' +
      '"route_config": {"routes": [{"match": {"metadata": [{"name": "method", "safe_regex_match": {"regex": "(a"}}]}, "route": {"cluster": "c"}}]}, ' +
      '"rds": {"route_config_name": "x", "config_source": {"ads": {}}}}');
    expect(r.config).toBeNull();
    const text = r.errors.toString();
    expect(text.includes("application_protocol: 'thrift' is not the protocol of codec 'dubbo'")).toBe(true);
    expect(text.includes("rds.config_source.ads: a Wasm module cannot use Envoy's ADS connection")).toBe(true);
    expect(text.includes("route_config.routes[0].match.metadata[0].regex: '(a'")).toBe(true);
  });
});
