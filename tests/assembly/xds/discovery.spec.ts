import { decodeDiscoveryResponse, encodeDiscoveryRequest, ROUTE_CONFIGURATION_TYPE_URL } from "../../../assembly/xds/discovery";
import { decodeRouteConfiguration } from "../../../assembly/xds/route-decoder";
import * as fx from "./fixtures";
import { bytesOf, Random, sameBytes, withFlippedBits } from "./xds-checks";

function encodeCase(c: fx.RequestCase): Uint8Array {
  return encodeDiscoveryRequest(c.versionInfo, c.nodeId, c.nodeCluster, c.resourceNames, c.typeUrl, c.responseNonce, c.errorMessage, c.errorCode);
}

describe("encodeDiscoveryRequest, byte for byte as protobufjs encodes the same values", () => {
  it("writes the first request: node, resource names and type URL, no version or nonce", () => {
    expect(sameBytes(encodeCase(fx.FIRST_REQUEST), bytesOf(fx.FIRST_REQUEST.bytes))).toBe(true);
  });

  it("writes an ACK with the version and nonce it accepts", () => {
    expect(sameBytes(encodeCase(fx.ACK_REQUEST), bytesOf(fx.ACK_REQUEST.bytes))).toBe(true);
  });

  it("writes a NACK with error_detail's code and UTF-8 message", () => {
    expect(sameBytes(encodeCase(fx.NACK_REQUEST), bytesOf(fx.NACK_REQUEST.bytes))).toBe(true);
  });

  it("writes a negative code as ten bytes and an empty message as absent", () => {
    expect(sameBytes(encodeCase(fx.NACK_NEGATIVE_CODE), bytesOf(fx.NACK_NEGATIVE_CODE.bytes))).toBe(true);
  });

  it("differs from the fixture when a value differs", () => {
    const c = fx.ACK_REQUEST;
    const other = encodeDiscoveryRequest(c.versionInfo, c.nodeId, c.nodeCluster, c.resourceNames, c.typeUrl, "n-4", c.errorMessage, c.errorCode);
    expect(sameBytes(other, bytesOf(c.bytes))).toBe(false);
  });

  it("uses Aeraki's RouteConfiguration type URL", () => {
    expect(fx.FIRST_REQUEST.typeUrl).toBe(ROUTE_CONFIGURATION_TYPE_URL);
  });
});

describe("decodeDiscoveryResponse", () => {
  it("reads version, type URL, nonce and each resource's type URL and bytes", () => {
    const decoded = decodeDiscoveryResponse(bytesOf(fx.DISCOVERY_RESPONSE));
    expect(decoded.error).toBeNull();
    const response = decoded.value!;
    expect(response.versionInfo).toBe("2024-05-01T10:00:00Z/7");
    expect(response.typeUrl).toBe(ROUTE_CONFIGURATION_TYPE_URL);
    expect(response.nonce).toBe("n-3");
    expect(response.resources.length).toBe(2);
    expect(response.resources[0].typeUrl).toBe(ROUTE_CONFIGURATION_TYPE_URL);
    expect(response.resources[1].typeUrl).toBe(ROUTE_CONFIGURATION_TYPE_URL);
    expect(sameBytes(response.resources[0].value, bytesOf(fx.ROUTE_CONFIG))).toBe(true);
    expect(sameBytes(response.resources[1].value, bytesOf(fx.SMALL_CONFIG))).toBe(true);
  });

  it("copies resource bytes, so they outlive the response buffer", () => {
    const data = bytesOf(fx.DISCOVERY_RESPONSE);
    const response = decodeDiscoveryResponse(data).value!;
    data.fill(0);
    expect(sameBytes(response.resources[1].value, bytesOf(fx.SMALL_CONFIG))).toBe(true);
  });

  it("skips unknown fields of every wire type in the response and in its Any", () => {
    const decoded = decodeDiscoveryResponse(bytesOf(fx.DISCOVERY_RESPONSE_WITH_UNKNOWN));
    expect(decoded.error).toBeNull();
    const response = decoded.value!;
    expect(response.versionInfo).toBe("v1");
    expect(response.nonce).toBe("n-1");
    expect(response.typeUrl).toBe(ROUTE_CONFIGURATION_TYPE_URL);
    expect(response.resources.length).toBe(1);
    expect(sameBytes(response.resources[0].value, bytesOf(fx.SMALL_CONFIG_WITH_UNKNOWN))).toBe(true);
    expect(decodeRouteConfiguration(response.resources[0].value).value!.name).toBe("small");
  });

  it("reads an empty message as an empty response", () => {
    const response = decodeDiscoveryResponse(new Uint8Array(0)).value!;
    expect(response.resources.length).toBe(0);
    expect(response.nonce).toBe("");
  });

  it("returns an error for every cut inside a field, and the fields before it for a cut between fields", () => {
    const whole = bytesOf(fx.DISCOVERY_RESPONSE);
    const ends = fx.DISCOVERY_RESPONSE_FIELD_ENDS;
    let errors = 0;
    for (let cut = 0; cut < whole.length; cut++) {
      const decoded = decodeDiscoveryResponse(whole.slice(0, cut));
      if (ends.includes(cut)) {
        expect(decoded.error).toBeNull();
      } else {
        expect(decoded.value).toBeNull();
        expect(decoded.error!.includes("malformed")).toBe(true);
        errors++;
      }
    }
    expect(errors).toBe(whole.length - ends.length + 1);
    // Cut after the first resource: only it is there.
    expect(decodeDiscoveryResponse(whole.slice(0, ends[2])).value!.resources.length).toBe(1);
  });

  it("never traps on corrupted bytes, and gives a value or an error", () => {
    const whole = bytesOf(fx.DISCOVERY_RESPONSE);
    const random = new Random(0x5eed);
    for (let round = 0; round < 3000; round++) {
      const decoded = decodeDiscoveryResponse(withFlippedBits(whole, random, 1 + random.below(4)));
      expect(decoded.value === null).not.toBe(decoded.error === null);
    }
  });

  it("refuses a length beyond the message, a zero field number, a group and an overlong varint", () => {
    const cases: u8[][] = [
      [0x0a, 0x05, 0x61], // version_info of 5 bytes, 1 there
      [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f], // a resource of 4 GiB
      [0x12, 0x04, 0x0a, 0x05, 0x61, 0x62], // the Any's type_url runs past the Any
      [0x00, 0x01], // field number 0
      [0x0b, 0x0c], // start group / end group
      [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // an 11-byte varint
      [0x19, 0x01, 0x02], // a fixed64 with 2 bytes
    ];
    for (let i = 0; i < cases.length; i++) {
      const decoded = decodeDiscoveryResponse(bytesOf(cases[i]));
      expect(decoded.value).toBeNull();
      expect(decoded.error!.startsWith("DiscoveryResponse.")).toBe(true);
    }
  });
});
