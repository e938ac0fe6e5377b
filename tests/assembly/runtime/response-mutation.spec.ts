// Response mutation through the runtime, byte by byte: a response to a request that asked for one
// is re-encoded whole; one that arrives in pieces waits in the module until whole, whatever the
// split (also inside its header), while the responses around it pass in order and byte-exact.
import { ConnectionManager } from "../../../assembly/meta/connection-manager";
import { MetaFilter } from "../../../assembly/meta/filter";
import { FilterChain } from "../../../assembly/meta/filter-chain";
import { Stat } from "../../../assembly/meta/stat-names";
import { Wire } from "./memory-port";
import { ResponseMutator, ResponseRecorder } from "./test-filters";
import { concat, describe as frames, frame, request, TlvCodec } from "./tlv-codec";

function wire(filters: MetaFilter[], codecWritesResponses: bool = true): Wire {
  const w = new Wire();
  w.attach(new ConnectionManager(w.port, new TlvCodec(false, 1 << 20, codecWritesResponses), new FilterChain(filters), null));
  return w;
}

function mutating(): MetaFilter[] {
  return [new ResponseMutator("served-by", "meta") as MetaFilter];
}

/** A response of `payload` bytes whose payload bytes are i * 7. */
function reply(id: u32, text: string, payload: i32): Uint8Array {
  return frame(1, id, text, payload);
}

function last(bytes: u8[]): u8 {
  return bytes[bytes.length - 1];
}

describe("response mutation", () => {
  it("writes the mutation into a whole response, keeping its payload", () => {
    const w = wire(mutating());
    w.clientSends(request(1, "method=a"));
    const r = reply(1, "code=0", 500);
    w.serverSends(r);
    expect(frames(w.toClient)).toBe("1:1:code=0;served-by=meta");
    expect(w.toClient.length).toBe(r.length + "served-by=meta".length + 1);
    expect(last(w.toClient)).toBe(r[r.length - 1]);
    expect(w.port.stat(Stat.Response)).toBe(1);
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });

  it("keeps a response that arrives in two pieces until whole, at every split (also in its header)", () => {
    const r = reply(1, "code=0", 300);
    for (let cut = 1; cut < r.length; cut++) {
      const w = wire(mutating());
      w.clientSends(request(1, "method=a"));
      w.serverSends(r.subarray(0, cut));
      expect(w.toClient.length).toBe(0, "cut at " + cut.toString());
      expect(w.port.stat(Stat.Response)).toBe(0);
      w.serverSends(r.subarray(cut));
      expect(frames(w.toClient)).toBe("1:1:code=0;served-by=meta", "cut at " + cut.toString());
      expect(last(w.toClient)).toBe(r[r.length - 1]);
      expect(w.port.stat(Stat.Response)).toBe(1);
    }
  });

  it("passes the responses around a waiting one in order, byte-exact, one byte at a time", () => {
    const recorder = new ResponseRecorder();
    const w = wire([new ResponseMutator("served-by", "meta") as MetaFilter, recorder]);
    w.clientSends(concat([request(1, "method=a"), request(2, "method=b"), request(3, "method=c")]));
    const all = concat([reply(2, "", 40), reply(1, "code=0", 200), reply(3, "x=y", 0)]);
    for (let i = 0; i < all.length; i++) w.serverSends(all.subarray(i, i + 1));
    expect(frames(w.toClient)).toBe("1:2:served-by=meta|1:1:code=0;served-by=meta|1:3:x=y;served-by=meta");
    expect(recorder.seen.join(",")).toBe("b/0,a/0,c/0");
    expect(w.port.stat(Stat.Response)).toBe(3);
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });

  it("leaves other responses alone: only the requests that asked get a mutated answer", () => {
    const w = wire([]);
    w.clientSends(request(1, "method=a"));
    const r = reply(1, "code=0", 100);
    w.serverSends(r.subarray(0, 30));
    expect(w.toClient.length).toBe(30); // nothing to mutate: the bytes pass as they come
    w.serverSends(r.subarray(30));
    expect(frames(w.toClient)).toBe("1:1:code=0");
  });

  it("does nothing where the codec cannot write responses: bytes pass as they come", () => {
    const w = wire(mutating(), false);
    w.clientSends(request(1, "method=a"));
    const r = reply(1, "code=0", 100);
    w.serverSends(r.subarray(0, 5));
    expect(w.toClient.length).toBe(5);
    w.serverSends(r.subarray(5));
    expect(frames(w.toClient)).toBe("1:1:code=0");
  });

  it("lets a waiting response pass as it is when the server ends the stream before it is whole", () => {
    const w = wire(mutating());
    w.clientSends(request(1, "method=a"));
    const r = reply(1, "code=0", 100);
    w.serverSends(r.subarray(0, 40));
    expect(w.toClient.length).toBe(0);
    w.serverSends(r.subarray(40, 60), true);
    expect(w.toClient.length).toBe(60);
    for (let i = 0; i < 60; i++) expect(w.toClient[i]).toBe(r[i]);
  });
});
