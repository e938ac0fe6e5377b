// The runtime driven byte by byte through a ConnectionPort over arrays (memory-port.ts), with the
// small TLV protocol (tlv-codec.ts): framing across every split, holds and resumes in any order, a
// mutation after a pause, replies in and after a pause, pairing by id and by order, bad frames.
import { ConnectionManager } from "../../../assembly/meta/connection-manager";
import { MetaFilter } from "../../../assembly/meta/filter";
import { FilterChain } from "../../../assembly/meta/filter-chain";
import { Stat } from "../../../assembly/meta/stat-names";
import { ConnectionUpstreamChoice } from "../../../assembly/meta/upstream-choice";
import { MemoryPort, Wire } from "./memory-port";
import { ClusterPicker, Holder, Mutator, ResponseRecorder } from "./test-filters";
import { TestServices } from "./test-services";
import { concat, describe as frames, frame, request, response, TlvCodec } from "./tlv-codec";

function wire(filters: MetaFilter[], byOrder: bool = false, maxFrameSize: i32 = 1 << 20, choice: bool = false): Wire {
  const w = new Wire();
  const c = choice ? new ConnectionUpstreamChoice(w.port) : null;
  w.attach(new ConnectionManager(w.port, new TlvCodec(byOrder, maxFrameSize), new FilterChain(filters), c));
  return w;
}

function pickerWire(): Wire {
  const w = new Wire();
  const c = new ConnectionUpstreamChoice(w.port);
  const filters: MetaFilter[] = [new ClusterPicker(new TestServices(w.port, c))];
  w.attach(new ConnectionManager(w.port, new TlvCodec(), new FilterChain(filters), c));
  return w;
}

function filters1(f: MetaFilter): MetaFilter[] {
  return [f];
}

function bytesOf(list: u8[]): Uint8Array {
  const out = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i];
  return out;
}

const THREE = concat([request(1, "method=a", 5), request(2, "method=b", 300), request(3, "method=c")]);

describe("framing", () => {
  it("passes pipelined frames byte-exact at every split into two reads", () => {
    for (let cut = 0; cut <= THREE.length; cut++) {
      const w = wire([]);
      w.clientSends(THREE.subarray(0, cut));
      w.clientSends(THREE.subarray(cut));
      expect(frames(w.toServer)).toBe("0:1:method=a|0:2:method=b|0:3:method=c", "cut at " + cut.toString());
      expect(w.toServer.length).toBe(THREE.length);
      expect(w.port.stat(Stat.Request)).toBe(3);
      expect(w.port.stat(Stat.RequestActive)).toBe(3);
    }
  });

  it("passes frames fed one byte at a time, counting each once", () => {
    const w = wire([]);
    for (let i = 0; i < THREE.length; i++) w.clientSends(THREE.subarray(i, i + 1));
    expect(w.toServer.length).toBe(THREE.length);
    expect(w.port.stat(Stat.Request)).toBe(3);
  });

  it("closes on an oversize claim mid-stream, after the frames before it were decided", () => {
    const w = wire([], false, 64);
    w.clientSends(concat([request(1, "method=a"), request(2, "method=b", 100)]));
    expect(w.port.closed).toBe(true);
    expect(w.port.closeReason).toBe("request: tlv: frame exceeds maxFrameSize");
    expect(w.port.stat(Stat.RequestDecodingError)).toBe(1);
    expect(w.port.stat(Stat.Request)).toBe(1);
  });

  it("closes on a malformed frame and ignores what follows", () => {
    const w = wire([]);
    const bad = request(2, "method=b");
    bad[4] = 9;
    w.clientSends(concat([request(1, "method=a"), bad]));
    expect(w.port.closed).toBe(true);
    w.clientSends(request(3, "method=c"));
    expect(w.port.stat(Stat.Request)).toBe(1);
  });
});

describe("mutation", () => {
  it("re-encodes every request with the chain's mutation", () => {
    const w = wire(filters1(new Mutator("tenant", "blue")));
    w.clientSends(THREE);
    expect(frames(w.toServer)).toBe("0:1:method=a;tenant=blue|0:2:method=b;tenant=blue|0:3:method=c;tenant=blue");
  });

  it("keeps a frame that arrives in pieces until whole, then re-encodes it with its payload", () => {
    const one = request(7, "method=big", 4000);
    for (let cut = 12; cut < one.length; cut += 397) {
      const w = wire(filters1(new Mutator("tenant", "blue")));
      w.clientSends(one.subarray(0, cut));
      expect(w.toServer.length).toBe(0);
      w.clientSends(one.subarray(cut));
      const sent = bytesOf(w.toServer);
      expect(frames(w.toServer)).toBe("0:7:method=big;tenant=blue");
      expect(sent[sent.length - 1]).toBe(one[one.length - 1]);
    }
  });

  it("writes a mutation made after a pause (the filter after the holder runs on resume)", () => {
    const holder = new Holder();
    const w = wire([holder as MetaFilter, new Mutator("tenant", "blue")]);
    w.clientSends(concat([request(1, "method=a;hold=yes"), request(2, "method=b")]));
    expect(w.toServer.length).toBe(0);
    expect(holder.held.length).toBe(1);
    holder.held[0].resume(); // from a wake-up: outside on_downstream_data
    w.afterCallback();
    expect(frames(w.toServer)).toBe("0:1:method=a;hold=yes;tenant=blue|0:2:method=b;tenant=blue");
  });
});

describe("holds", () => {
  it("keeps the stream's order whatever order the holds end in", () => {
    const holder = new Holder();
    const w = wire(filters1(holder));
    w.clientSends(concat([request(1, "hold=yes"), request(2, "method=b"), request(3, "hold=yes")]));
    holder.held[1].resume();
    w.afterCallback();
    expect(w.toServer.length).toBe(0);
    holder.held[0].resume();
    w.afterCallback();
    expect(frames(w.toServer)).toBe("0:1:hold=yes|0:2:method=b|0:3:hold=yes");
  });

  it("decodes bytes that arrive while a request is held; an incomplete frame behind it waits in the module across the release, then gets its mutation", () => {
    const holder = new Holder();
    const w = wire([holder as MetaFilter, new Mutator("t", "1")]);
    const next = request(2, "method=b", 50);
    w.clientSends(request(1, "hold=yes"));
    w.clientSends(next.subarray(0, 8)); // not even its header
    holder.held[0].resume();
    w.afterCallback();
    expect(frames(w.toServer)).toBe("0:1:hold=yes;t=1");
    w.clientSends(next.subarray(8));
    expect(frames(w.toServer)).toBe("0:1:hold=yes;t=1|0:2:method=b;t=1");
    expect(w.port.stat(Stat.Request)).toBe(2);
  });

  it("once the client has ended its stream, the incomplete tail passes with the release", () => {
    const holder = new Holder();
    const w = wire(filters1(holder));
    const next = request(2, "method=b", 50);
    w.clientSends(request(1, "hold=yes"));
    w.clientSends(next.subarray(0, 20), true);
    holder.held[0].resume();
    w.afterCallback();
    expect(w.toServer.length).toBe(request(1, "hold=yes").length + 20);
  });

  it("answers a held request on the open connection: probe upstream, error reply back", () => {
    const holder = new Holder();
    const w = wire(filters1(holder));
    w.clientSends(concat([request(1, "hold=yes"), request(2, "method=b")]));
    holder.held[0].reply(4, "denied later");
    w.afterCallback();
    expect(frames(w.toServer)).toBe("6:1:|0:2:method=b");
    w.serverSends(concat([frames_(6, 1), response(2, "ok=1")]));
    expect(frames(w.toClient)).toBe("1:1:error=4|1:2:ok=1");
    expect(w.port.closed).toBe(false);
    expect(w.port.stat(Stat.LocalReply)).toBe(1);
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });
});

function frames_(type: u8, id: u32): Uint8Array {
  return concat([request(id, "")]).fill(type, 4, 5);
}

describe("replies", () => {
  it("replaces an answered request by the probe, and the probe's answer by the error", () => {
    const w = wire(filters1(new Mutator("t", "1")));
    w.clientSends(concat([request(1, "method=a"), request(2, "deny=1"), request(3, "method=c")]));
    expect(frames(w.toServer)).toBe("0:1:method=a;t=1|6:2:|0:3:method=c;t=1");
    w.serverSends(concat([response(3), frames_(6, 2), response(1)]));
    expect(frames(w.toClient)).toBe("1:3:|1:2:error=4|1:1:");
  });

  it("drops the rest of a replied frame still to come", () => {
    const w = wire(filters1(new Mutator("t", "1")));
    const big = request(2, "deny=1", 500);
    w.clientSends(concat([request(1, "method=a"), big.subarray(0, 40)]));
    w.clientSends(concat([big.subarray(40), request(3, "method=c")]));
    expect(frames(w.toServer)).toBe("0:1:method=a;t=1|6:2:|0:3:method=c;t=1");
  });
});

describe("pairing", () => {
  it("by id: out-of-order responses reach the filters with their own requests", () => {
    const recorder = new ResponseRecorder();
    const w = wire(filters1(recorder));
    w.clientSends(concat([request(1, "method=a"), request(2, "method=b"), request(3, "method=c")]));
    w.serverSends(concat([response(3), response(1, "", 1), response(2)]));
    expect(recorder.seen.join(",")).toBe("c/0,a/1,b/0");
    expect(w.port.stat(Stat.ResponseSuccess)).toBe(2);
    expect(w.port.stat(Stat.ResponseError)).toBe(1);
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });

  it("by id: requests that share an id are answered first in, first out", () => {
    const recorder = new ResponseRecorder();
    const w = wire(filters1(recorder));
    w.clientSends(concat([request(0, "method=a"), request(0, "method=b"), request(1, "method=c")]));
    w.serverSends(concat([response(1), response(0), response(0)]));
    expect(recorder.seen.join(",")).toBe("c/0,a/0,b/0");
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
    expect(w.port.stat(Stat.ResponseUnpaired)).toBe(0);
  });

  it("by id: a response with an unknown id is counted unpaired and passed", () => {
    const w = wire([]);
    w.clientSends(request(1, "method=a"));
    w.serverSends(concat([response(9), response(1)]));
    expect(w.port.stat(Stat.ResponseUnpaired)).toBe(1);
    expect(frames(w.toClient)).toBe("1:9:|1:1:");
  });

  it("by order: the oldest request takes the next response, whatever its id", () => {
    const recorder = new ResponseRecorder();
    const w = wire(filters1(recorder), true);
    w.clientSends(concat([request(1, "method=a"), request(2, "method=b")]));
    w.serverSends(concat([response(0), response(0)]));
    expect(recorder.seen.join(",")).toBe("a/0,b/0");
    w.serverSends(response(0));
    expect(w.port.stat(Stat.ResponseUnpaired)).toBe(1);
  });

  it("by id: a table is made only once two requests with different ids are in flight, and pairing goes on through it", () => {
    const recorder = new ResponseRecorder();
    const w = wire(filters1(recorder));
    w.clientSends(request(1, "method=a"));
    w.serverSends(response(1));
    w.clientSends(concat([request(2, "method=b"), request(2, "method=c"), request(3, "method=d")]));
    w.serverSends(concat([response(3), response(2), response(2)]));
    w.clientSends(request(4, "method=e"));
    w.serverSends(concat([response(9), response(4)]));
    expect(recorder.seen.join(",")).toBe("a/0,d/0,b/0,c/0,e/0");
    expect(w.port.stat(Stat.ResponseUnpaired)).toBe(1);
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });

  it("by order: one request in flight, then a queue, pair in order", () => {
    const recorder = new ResponseRecorder();
    const w = wire(filters1(recorder), true);
    w.clientSends(request(1, "method=a"));
    w.serverSends(response(0));
    w.clientSends(request(2, "method=b"));
    w.clientSends(request(3, "method=c"));
    w.serverSends(response(0));
    w.clientSends(request(4, "method=d"));
    w.serverSends(concat([response(0), response(0)]));
    expect(recorder.seen.join(",")).toBe("a/0,b/0,c/0,d/0");
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });

  it("counts a response and shows it to the filters once its whole frame has passed, at every split", () => {
    const answer = concat([frame(1, 1, "", 300), response(2, "", 1)]);
    for (let cut = 1; cut < answer.length; cut++) {
      const recorder = new ResponseRecorder();
      const w = wire(filters1(recorder));
      w.clientSends(concat([request(1, "method=a"), request(2, "method=b")]));
      w.serverSends(answer.subarray(0, cut));
      const firstWhole = cut >= answer.length - response(2, "", 1).length;
      expect(w.port.stat(Stat.Response)).toBe(firstWhole ? 1 : 0, "cut at " + cut.toString());
      expect(w.port.stat(Stat.RequestActive)).toBe(firstWhole ? 1 : 2, "cut at " + cut.toString());
      w.serverSends(answer.subarray(cut));
      expect(recorder.seen.join(",")).toBe("a/0,b/1", "cut at " + cut.toString());
      expect(w.port.stat(Stat.Response)).toBe(2);
      expect(w.port.stat(Stat.ResponseSuccess)).toBe(1);
      expect(w.port.stat(Stat.RequestActive)).toBe(0);
      expect(w.toClient.length).toBe(answer.length);
    }
  });

  it("a response whose end never comes is not counted, and its request ends unanswered with the connection", () => {
    const recorder = new ResponseRecorder();
    const w = wire(filters1(recorder));
    w.clientSends(request(1, "method=a"));
    const answer = frame(1, 1, "", 300);
    w.serverSends(answer.subarray(0, 100), true);
    w.manager!.finish();
    expect(recorder.seen.length).toBe(0);
    expect(w.port.stat(Stat.Response)).toBe(0);
    expect(w.port.stat(Stat.RequestActive)).toBe(0);
  });

  it("oneway requests pass the filters and expect no answer", () => {
    const w = wire(filters1(new Mutator("t", "1")));
    w.clientSends(concat([concat([request(1, "method=a")]).fill(2, 4, 5), request(2, "method=b")]));
    expect(frames(w.toServer)).toBe("2:1:method=a;t=1|0:2:method=b;t=1");
    expect(w.port.stat(Stat.RequestOneway)).toBe(1);
    expect(w.port.stat(Stat.RequestActive)).toBe(1);
  });
});

describe("binding", () => {
  it("binds the connection to the first request's cluster whatever the reads look like", () => {
    const stream = concat([request(1, "cluster=v2"), request(2, "cluster=v1"), request(3, "cluster=v3")]);
    for (let cut = 0; cut <= stream.length; cut += 3) {
      const w = pickerWire();
      expect(w.manager!.waitsForFirstRequest).toBe(true);
      w.clientSends(stream.subarray(0, cut));
      w.clientSends(stream.subarray(cut));
      expect(w.port.clusterChoices.join(",")).toBe("v2", "cut at " + cut.toString());
      expect(w.toServer.length).toBe(stream.length);
    }
  });
});
