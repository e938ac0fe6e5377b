import { BrpcCodec } from "../../../assembly/codecs/brpc";
import { DecodeStatus, Direction } from "../../../assembly/meta/codec";
import { ErrorKind, Message, MessageType, ResponseStatus } from "../../../assembly/meta/message";
import * as golden from "../fixtures/brpc";
import { bytesOf, checkEverySplit, concatBytes, decodeOne, decodeFrames } from "./codec-checks";

describe("BrpcCodec with frames from the spec-built peers", () => {
  it("reads service, method, log id and correlation id from RpcMeta", () => {
    const m = new Message();
    const frame = bytesOf(golden.ECHO_REQUEST);
    const r = decodeOne(new BrpcCodec(), frame, Direction.Downstream, m);
    expect(r.status).toBe(DecodeStatus.Done);
    expect(r.frameSize).toBe(frame.length);
    expect(m.type).toBe(MessageType.Request);
    expect(m.metadata.get("service")).toBe("example.EchoService");
    expect(m.metadata.get("method")).toBe("Echo");
    expect(m.metadata.get("log_id")).toBe("0");
    expect(m.requestId).toBe(1000);
  });

  it("pairs responses by correlation id; an error_code is an error", () => {
    const ok = new Message();
    const failed = new Message();
    decodeOne(new BrpcCodec(), bytesOf(golden.ECHO_RESPONSE), Direction.Upstream, ok);
    decodeOne(new BrpcCodec(), bytesOf(golden.FAIL_RESPONSE), Direction.Upstream, failed);
    expect(ok.requestId).toBe(1000);
    expect(ok.status).toBe(ResponseStatus.Ok);
    expect(failed.status).toBe(ResponseStatus.Error);
  });

  it("decodes from the meta at every split, before payload and attachment arrive", () => {
    const frame = bytesOf(golden.ECHO_REQUEST);
    expect(checkEverySplit(new BrpcCodec(), frame, Direction.Downstream)).toBeLessThan(frame.length);
    checkEverySplit(new BrpcCodec(), bytesOf(golden.ECHO_RESPONSE), Direction.Upstream);
    checkEverySplit(new BrpcCodec(), bytesOf(golden.FAIL_REQUEST), Direction.Downstream);
  });

  it("takes frames back to back", () => {
    const data = concatBytes(bytesOf(golden.ECHO_REQUEST), bytesOf(golden.FAIL_REQUEST));
    expect(decodeFrames(new BrpcCodec(), data, Direction.Downstream).length).toBe(2);
  });

  it("refuses oversize bodies, meta larger than the body, bad magic, truncated varints and wrong wire types", () => {
    const m = new Message();
    expect(decodeOne(new BrpcCodec(), bytesOf(golden.ECHO_REQUEST), Direction.Downstream, m, 20).status).toBe(DecodeStatus.Error);
    const metaTooBig: u8[] = [0x50, 0x52, 0x50, 0x43, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 0];
    expect(decodeOne(new BrpcCodec(), bytesOf(metaTooBig), Direction.Downstream, m).status).toBe(DecodeStatus.Error);
    const magic: u8[] = [0x48, 0x54, 0x54, 0x50, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(decodeOne(new BrpcCodec(), bytesOf(magic), Direction.Downstream, m).status).toBe(DecodeStatus.Error);
    const varint: u8[] = [0x50, 0x52, 0x50, 0x43, 0, 0, 0, 2, 0, 0, 0, 2, 0x20, 0x80];
    expect(decodeOne(new BrpcCodec(), bytesOf(varint), Direction.Downstream, m).status).toBe(DecodeStatus.Error);
    const group: u8[] = [0x50, 0x52, 0x50, 0x43, 0, 0, 0, 2, 0, 0, 0, 2, 0x0b, 0x00];
    expect(decodeOne(new BrpcCodec(), bytesOf(group), Direction.Downstream, m).status).toBe(DecodeStatus.Error);
  });

  it("writes error replies and probes with the request's correlation id", () => {
    const codec = new BrpcCodec();
    const req = new Message();
    decodeOne(codec, bytesOf(golden.ECHO_REQUEST), Direction.Downstream, req);
    const reply = new Message();
    expect(decodeOne(codec, codec.errorReply(req, ErrorKind.OverLimit, "rate limited"), Direction.Upstream, reply).status).toBe(DecodeStatus.Done);
    expect(reply.requestId).toBe(req.requestId);
    expect(reply.status).toBe(ResponseStatus.Error);
    const probe = new Message();
    decodeOne(codec, codec.probeRequest(req)!, Direction.Downstream, probe);
    expect(probe.requestId).toBe(req.requestId);
    expect(probe.metadata.get("service")).toBe("__meta_protocol_probe");
  });
});
