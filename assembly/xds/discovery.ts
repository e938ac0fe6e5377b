// Envoy's state-of-the-world xDS messages (envoy/service/discovery/v3/discovery.proto): the
// DiscoveryRequest the module sends (first request, ACK, NACK) and the DiscoveryResponse it reads.
// Resources stay encoded (google.protobuf.Any); their type decides which decoder reads them.
import { ProtobufWriter, WIRE_LEN } from "../codecs/protobuf";
import { Decoded } from "./decoded";
import { ProtoReader } from "./proto-reader";

export const ROUTE_CONFIGURATION_TYPE_URL = "type.googleapis.com/aeraki.meta_protocol_proxy.config.route.v1alpha.RouteConfiguration";

// DiscoveryRequest
const REQUEST_VERSION_INFO: u32 = 1;
const REQUEST_NODE: u32 = 2;
const REQUEST_RESOURCE_NAMES: u32 = 3;
const REQUEST_TYPE_URL: u32 = 4;
const REQUEST_RESPONSE_NONCE: u32 = 5;
const REQUEST_ERROR_DETAIL: u32 = 6;
// envoy.config.core.v3.Node
const NODE_ID: u32 = 1;
const NODE_CLUSTER: u32 = 2;
// google.rpc.Status
const STATUS_CODE: u32 = 1;
const STATUS_MESSAGE: u32 = 2;
// DiscoveryResponse
const RESPONSE_VERSION_INFO: u32 = 1;
const RESPONSE_RESOURCES: u32 = 2;
const RESPONSE_TYPE_URL: u32 = 4;
const RESPONSE_NONCE: u32 = 5;
// google.protobuf.Any
const ANY_TYPE_URL: u32 = 1;
const ANY_VALUE: u32 = 2;

/**
 * A DiscoveryRequest's bytes. Empty strings are left out, as proto3 writes them. A non-null
 * `errorMessage` makes it a NACK: error_detail carries it with `errorCode` (a google.rpc.Code,
 * usually 3, INVALID_ARGUMENT).
 */
export function encodeDiscoveryRequest(
  versionInfo: string,
  nodeId: string,
  nodeCluster: string,
  resourceNames: string[],
  typeUrl: string,
  responseNonce: string,
  errorMessage: string | null,
  errorCode: i32,
): Uint8Array {
  const out = new ProtobufWriter();
  optionalString(out, REQUEST_VERSION_INFO, versionInfo);
  const node = new ProtobufWriter();
  optionalString(node, NODE_ID, nodeId);
  optionalString(node, NODE_CLUSTER, nodeCluster);
  out.bytesField(REQUEST_NODE, node.toBytes());
  for (let i = 0; i < resourceNames.length; i++) out.stringField(REQUEST_RESOURCE_NAMES, resourceNames[i]);
  optionalString(out, REQUEST_TYPE_URL, typeUrl);
  optionalString(out, REQUEST_RESPONSE_NONCE, responseNonce);
  if (errorMessage !== null) {
    const status = new ProtobufWriter();
    // int32 is written as its 64-bit two's complement, so a negative code takes ten bytes.
    if (errorCode != 0) status.varintField(STATUS_CODE, <u64>(<i64>errorCode));
    optionalString(status, STATUS_MESSAGE, errorMessage);
    out.bytesField(REQUEST_ERROR_DETAIL, status.toBytes());
  }
  return out.toBytes();
}

function optionalString(out: ProtobufWriter, field: u32, text: string): void {
  if (text.length > 0) out.stringField(field, text);
}

/** One google.protobuf.Any: its type URL and a copy of its encoded message. */
export class AnyResource {
  constructor(public typeUrl: string, public value: Uint8Array) {}
}

export class DiscoveryResponse {
  versionInfo: string = "";
  resources: AnyResource[] = [];
  typeUrl: string = "";
  nonce: string = "";
}

/** Reads a DiscoveryResponse; canary, control_plane and unknown fields are skipped. */
export function decodeDiscoveryResponse(bytes: Uint8Array): Decoded<DiscoveryResponse> {
  const r = new ProtoReader(bytes);
  const end = r.size;
  const response = new DiscoveryResponse();
  while (r.next(end)) {
    if (r.is(RESPONSE_VERSION_INFO, WIRE_LEN)) {
      const text = r.string(end);
      if (text === null) return malformed("version_info");
      response.versionInfo = text;
    } else if (r.is(RESPONSE_RESOURCES, WIRE_LEN)) {
      const resource = readAny(r, end);
      if (resource === null) return malformed("resources[" + response.resources.length.toString() + "]");
      response.resources.push(resource);
    } else if (r.is(RESPONSE_TYPE_URL, WIRE_LEN)) {
      const text = r.string(end);
      if (text === null) return malformed("type_url");
      response.typeUrl = text;
    } else if (r.is(RESPONSE_NONCE, WIRE_LEN)) {
      const text = r.string(end);
      if (text === null) return malformed("nonce");
      response.nonce = text;
    } else if (!r.skip()) {
      break;
    }
  }
  if (!r.ended(end)) return malformed("field " + r.field.toString() + " at byte " + r.pos.toString());
  return Decoded.ok<DiscoveryResponse>(response);
}

function readAny(r: ProtoReader, outerEnd: i32): AnyResource | null {
  const end = r.lengthEnd(outerEnd);
  if (end < 0) return null;
  let typeUrl = "";
  let value = new Uint8Array(0);
  while (r.next(end)) {
    if (r.is(ANY_TYPE_URL, WIRE_LEN)) {
      const text = r.string(end);
      if (text === null) return null;
      typeUrl = text;
    } else if (r.is(ANY_VALUE, WIRE_LEN)) {
      const data = r.bytes(end);
      if (data === null) return null;
      value = data;
    } else if (!r.skip()) {
      return null;
    }
  }
  return r.ended(end) ? new AnyResource(typeUrl, value) : null;
}

function malformed(where: string): Decoded<DiscoveryResponse> {
  return Decoded.fail<DiscoveryResponse>("DiscoveryResponse." + where + ": malformed (truncated or invalid protobuf)");
}
