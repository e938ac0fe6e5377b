// The two messages of Envoy's rate limit service (envoy.service.ratelimit.v3, rls.proto), as much
// as the global rate limit filter uses:
//   RateLimitRequest  { string domain = 1; repeated RateLimitDescriptor descriptors = 2; uint32 hits_addend = 3; }
//   RateLimitDescriptor { repeated Entry entries = 1; }   Entry { string key = 1; string value = 2; }
//   RateLimitResponse { Code overall_code = 1; ... }       Code { UNKNOWN = 0; OK = 1; OVER_LIMIT = 2; }
import { ProtobufWriter, WIRE_VARINT } from "../codecs/protobuf";
import { ProtoReader } from "../xds/proto-reader";

export const RLS_SERVICE = "envoy.service.ratelimit.v3.RateLimitService";
export const RLS_METHOD = "ShouldRateLimit";

export enum RateLimitCode {
  Unknown = 0,
  Ok = 1,
  OverLimit = 2,
}

/** One RateLimitRequest with a single descriptor holding `keys[i] = values[i]` entries. */
export function encodeRateLimitRequest(domain: string, keys: string[], values: string[], hitsAddend: u32): Uint8Array {
  const descriptor = new ProtobufWriter();
  for (let i = 0; i < keys.length; i++) {
    const entry = new ProtobufWriter();
    entry.stringField(1, keys[i]);
    entry.stringField(2, values[i]);
    descriptor.bytesField(1, entry.toBytes());
  }
  const request = new ProtobufWriter();
  request.stringField(1, domain);
  request.bytesField(2, descriptor.toBytes());
  if (hitsAddend != 0) request.varintField(3, hitsAddend);
  return request.toBytes();
}

/** A RateLimitResponse's overall_code (UNKNOWN when absent), or -1 when the bytes are not a valid message. */
export function decodeOverallCode(bytes: Uint8Array): i32 {
  const r = new ProtoReader(bytes);
  const end = bytes.length;
  let code: i32 = RateLimitCode.Unknown;
  while (r.next(end)) {
    if (r.is(1, WIRE_VARINT)) {
      // proto3 enums are open: a value this code does not know (negative ones too) reads as UNKNOWN.
      const v = r.varint();
      code = v <= <u64>RateLimitCode.OverLimit ? <i32>v : RateLimitCode.Unknown;
    } else if (!r.skip()) {
      return -1;
    }
  }
  return r.ended(end) ? code : -1;
}
