// The router's mismatch policies and connection recycling over the memory port, with the small TLV
// protocol (tlv-codec.ts, key `method` picks the route): forward counts, reject answers with the
// codec's error on the open connection, drain drops new requests and closes only once the last
// in-flight reply was delivered (never with a request in flight or held).
import { RouterFactory } from "../../../assembly/filters/router";
import { ConfigErrors } from "../../../assembly/meta/config-errors";
import { ConnectionManager } from "../../../assembly/meta/connection-manager";
import { MetaFilter } from "../../../assembly/meta/filter";
import { FilterChain } from "../../../assembly/meta/filter-chain";
import { parseJson } from "../../../assembly/meta/json";
import { ErrorKind } from "../../../assembly/meta/message";
import { Stat } from "../../../assembly/meta/stat-names";
import { ConnectionUpstreamChoice } from "../../../assembly/meta/upstream-choice";
import { Wire } from "./memory-port";
import { Holder } from "./test-filters";
import { TestServices } from "./test-services";
import { concat, describe as frames, frame, request, response, TlvCodec } from "./tlv-codec";

const ROUTES = '"routes": [' +
  '{"name": "a", "match": {"attributes": {"method": {"exact": "a"}}}, "route": {"cluster": "A"}},' +
  '{"name": "b", "match": {"attributes": {"method": {"exact": "b"}}}, "route": {"cluster": "B"}},' +
  '{"name": "c", "match": {"attributes": {"method": {"exact": "c"}}}, "route": {"cluster": "B"}, "mismatch": "reject"},' +
  '{"name": "ab", "match": {"attributes": {"method": {"exact": "ab"}}}, "route": {"weightedClusters": [{"name": "A", "weight": 1}, {"name": "B", "weight": 1}]}}]';

class Rig {
  wire: Wire = new Wire();
  router!: MetaFilter;
  services!: TestServices;
  holder: Holder = new Holder();

  constructor(settings: string) {
    const w = this.wire;
    const choice = new ConnectionUpstreamChoice(w.port);
    const errors = new ConfigErrors();
    const config = new RouterFactory().configure(parseJson("{" + ROUTES + settings + "}").value, "router", errors);
    expect(errors.toString()).toBe("");
    const services = new TestServices(w.port, choice);
    this.router = config!.createFilter(services);
    const manager = new ConnectionManager(w.port, new TlvCodec(), new FilterChain([this.holder as MetaFilter, this.router]), choice);
    services.manager = manager;
    this.services = services;
    w.attach(manager);
  }

  get manager(): ConnectionManager {
    return this.wire.manager!;
  }
  /** The tick after on_upstream_data that closes a drained connection (connection.ts asks for it when closeDue). */
  tick(): void {
    if (this.manager.closeDue) this.manager.closeIfDrained();
  }
  stat(s: Stat): i64 {
    return this.wire.port.stat(s);
  }
}

function configErrors(json: string): string {
  const errors = new ConfigErrors();
  expect(new RouterFactory().configure(parseJson(json).value, "router", errors)).toBeNull();
  return errors.toString();
}

describe("mismatch: forward (the default)", () => {
  it("sends a request whose route cannot pick the bound cluster to that cluster, counted", () => {
    const rig = new Rig("");
    rig.wire.clientSends(concat([request(1, "method=a"), request(2, "method=b"), request(3, "method=ab"), request(4, "method=a")]));
    expect(frames(rig.wire.toServer)).toBe("0:1:method=a|0:2:method=b|0:3:method=ab|0:4:method=a");
    expect(rig.wire.port.clusterChoices.join(",")).toBe("A");
    // b cannot go to A; ab may (A has weight).
    expect(rig.stat(Stat.RouteMismatch)).toBe(1);
    expect(rig.wire.port.closed).toBe(false);
  });
});

describe("mismatch: reject", () => {
  it("answers with the codec's ClusterNotFound error on the open connection", () => {
    const rig = new Rig(', "mismatch": "reject"');
    rig.wire.clientSends(concat([request(1, "method=a"), request(2, "method=b"), request(3, "method=a")]));
    expect(frames(rig.wire.toServer)).toBe("0:1:method=a|6:2:|0:3:method=a");
    rig.wire.serverSends(concat([response(1), frame(6, 2, ""), response(3)]));
    expect(frames(rig.wire.toClient)).toBe("1:1:|1:2:error=" + (<i32>ErrorKind.ClusterNotFound).toString() + "|1:3:");
    expect(rig.stat(Stat.RouteMismatch)).toBe(1);
    expect(rig.stat(Stat.LocalReply)).toBe(1);
    expect(rig.wire.port.closed).toBe(false);
  });

  it("a route's own policy wins over the router's", () => {
    const rig = new Rig(', "mismatch": "drain"');
    rig.wire.clientSends(concat([request(1, "method=a"), request(2, "method=c")]));
    expect(frames(rig.wire.toServer)).toBe("0:1:method=a|6:2:");
    expect(rig.stat(Stat.RequestDrained)).toBe(0);
  });
});

describe("mismatch: drain", () => {
  it("drops the mismatching request and the ones after it, delivers the replies in flight, then closes", () => {
    const rig = new Rig(', "mismatch": "drain"');
    const w = rig.wire;
    w.clientSends(concat([request(1, "method=a"), request(2, "method=a")]));
    w.clientSends(concat([request(3, "method=b"), request(4, "method=a")]));
    expect(frames(w.toServer)).toBe("0:1:method=a|0:2:method=a");
    expect(rig.stat(Stat.RouteMismatch)).toBe(1);
    expect(rig.stat(Stat.RequestDrained)).toBe(2);
    expect(rig.stat(Stat.Request)).toBe(4);
    w.serverSends(response(1));
    rig.tick();
    expect(w.port.closed).toBe(false);
    w.serverSends(response(2));
    expect(w.port.closed).toBe(false); // not from inside on_upstream_data: the reply passes first
    expect(frames(w.toClient)).toBe("1:1:|1:2:");
    rig.tick();
    expect(w.port.closed).toBe(true);
    expect(w.port.closeReason).toBe("drained: route b wants cluster B, connection bound to A");
    expect(rig.stat(Stat.ConnectionDrained)).toBe(1);
    expect(rig.stat(Stat.RequestActive)).toBe(0);
  });

  it("closes at once, in the downstream callback, when nothing is in flight", () => {
    const rig = new Rig(', "mismatch": "drain"');
    const w = rig.wire;
    w.clientSends(request(1, "method=a"));
    w.serverSends(response(1));
    w.clientSends(concat([request(2, "method=b"), request(3, "method=a")]));
    expect(w.port.closed).toBe(true);
    expect(frames(w.toServer)).toBe("0:1:method=a");
    expect(rig.stat(Stat.RequestDrained)).toBe(2);
  });

  it("drops a drained frame's payload still to come, at every split", () => {
    const tail = concat([request(2, "method=b", 300), request(3, "method=a")]);
    for (let cut = 0; cut <= tail.length; cut += 7) {
      const rig = new Rig(', "mismatch": "drain"');
      const w = rig.wire;
      w.clientSends(request(1, "method=a"));
      w.clientSends(tail.subarray(0, cut));
      w.clientSends(tail.subarray(cut));
      expect(frames(w.toServer)).toBe("0:1:method=a", "cut at " + cut.toString());
      expect(rig.stat(Stat.RequestDrained)).toBe(2, "cut at " + cut.toString());
      expect(w.port.closed).toBe(false);
      w.serverSends(response(1));
      rig.tick();
      expect(w.port.closed).toBe(true);
    }
  });

  it("waits for a request held before the drain: it goes on, and the close comes after its reply", () => {
    const rig = new Rig(', "mismatch": "drain"');
    const w = rig.wire;
    w.clientSends(request(1, "method=a"));
    w.clientSends(concat([request(2, "method=a;hold=yes"), request(3, "method=b")]));
    w.serverSends(response(1));
    rig.tick();
    expect(w.port.closed).toBe(false);
    rig.holder.held[0].resume(); // from a wake-up
    w.afterCallback();
    expect(w.port.closed).toBe(false);
    expect(frames(w.toServer)).toBe("0:1:method=a|0:2:method=a;hold=yes");
    w.serverSends(response(2));
    rig.tick();
    expect(w.port.closed).toBe(true);
    expect(frames(w.toClient)).toBe("1:1:|1:2:");
  });
});

describe("recycling", () => {
  it("maxRequestsPerConnection: the request after the limit drains the connection", () => {
    const rig = new Rig(', "maxRequestsPerConnection": 2');
    const w = rig.wire;
    w.clientSends(concat([request(1, "method=a"), request(2, "method=a"), request(3, "method=a")]));
    expect(frames(w.toServer)).toBe("0:1:method=a|0:2:method=a");
    expect(rig.stat(Stat.RequestDrained)).toBe(1);
    expect(rig.stat(Stat.RouteMismatch)).toBe(0);
    w.serverSends(concat([response(2), response(1)]));
    rig.tick();
    expect(w.port.closed).toBe(true);
    expect(w.port.closeReason).toBe("drained: maxRequestsPerConnection 2 reached");
  });

  it("maxConnectionDuration: the first request after it drains; before it, requests pass", () => {
    const rig = new Rig(', "maxConnectionDuration": "1.5s"');
    const w = rig.wire;
    w.clientSends(request(1, "method=a"));
    expect(rig.services.wakes.join(",")).toBe("1500");
    w.port.clock += 1_499_000_000;
    w.clientSends(request(2, "method=a"));
    w.port.clock += 1_000_000;
    w.clientSends(request(3, "method=a"));
    expect(frames(w.toServer)).toBe("0:1:method=a|0:2:method=a");
    expect(rig.stat(Stat.RequestDrained)).toBe(1);
    w.serverSends(concat([response(1), response(2)]));
    rig.tick();
    expect(w.port.closed).toBe(true);
  });

  it("maxConnectionDuration: the wake-up closes an idle connection at once, a busy one after its replies", () => {
    const idle = new Rig(', "maxConnectionDuration": "1s"');
    idle.wire.clientSends(request(1, "method=a"));
    idle.wire.serverSends(response(1));
    idle.router.onTimer();
    expect(idle.wire.port.closed).toBe(true);

    const busy = new Rig(', "maxConnectionDuration": "1s"');
    busy.wire.clientSends(request(1, "method=a"));
    busy.router.onTimer();
    expect(busy.wire.port.closed).toBe(false);
    busy.wire.serverSends(response(1));
    busy.tick();
    expect(busy.wire.port.closed).toBe(true);
    expect(frames(busy.wire.toClient)).toBe("1:1:");
  });
});

describe("configuration", () => {
  it("refuses an unknown policy, on the router and on a route, and a bad duration", () => {
    expect(configErrors('{"mismatch": "bounce"}')).toBe('router.mismatch: must be one of forward, reject, drain, got "bounce"');
    expect(configErrors('{"routes": [{"route": {"cluster": "A"}, "mismatch": 3}]}')).toBe("router.routes[0].mismatch: must be a string, got number");
    expect(configErrors('{"maxConnectionDuration": "soon", "maxRequestsPerConnection": -1}').length).toBeGreaterThan(0);
  });
});
