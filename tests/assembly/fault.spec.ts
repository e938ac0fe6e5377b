// The fault filter's pure parts: its configuration refused field by field (both proto3 JSON
// spellings taken), the accumulator's exact counts, the first-match rule choice with abort before
// delay, and the filter's timer bookkeeping on fake handles (several delays, due out of order).
import { ConfigErrors } from "../../assembly/meta/config-errors";
import { parseJson } from "../../assembly/meta/json";
import { Metadata } from "../../assembly/meta/metadata";
import { ErrorKind, Message } from "../../assembly/meta/message";
import { Mutation } from "../../assembly/meta/mutation";
import { FilterServices, HeldRequest, MessageAction, RequestView, UpstreamChoice } from "../../assembly/meta/filter";
import { FaultAction, FaultConfig, FaultCounters, parseFaults, PercentAccumulator } from "../../assembly/filters/fault";

class CountersInMemory extends FaultCounters {
  delays: i32 = 0;
  aborts: i32 = 0;
  delay(): void {
    this.delays++;
  }
  abort(): void {
    this.aborts++;
  }
}

function configure(json: string, errors: ConfigErrors): FaultConfig | null {
  const rules = parseFaults(parseJson(json).value, "f", errors);
  return rules === null ? null : new FaultConfig(rules, new CountersInMemory());
}

function errorsOf(json: string): string {
  const errors = new ConfigErrors();
  expect(configure(json, errors)).toBeNull();
  return errors.toString();
}

function method(name: string): Metadata {
  const m = new Metadata();
  m.set("method", name);
  return m;
}

/** How many of `n` calls fire. */
function fires(percentage: f64, n: i32): i32 {
  const a = new PercentAccumulator(percentage);
  let count = 0;
  for (let i = 0; i < n; i++) if (a.fire()) count++;
  return count;
}

describe("PercentAccumulator", () => {
  it("fires on exactly N of every 100 calls, for every window of 100", () => {
    const percentages: f64[] = [0, 1, 10, 33, 50, 99, 100];
    for (let p = 0; p < percentages.length; p++) {
      const a = new PercentAccumulator(percentages[p]);
      const fired: bool[] = [];
      for (let i = 0; i < 300; i++) fired.push(a.fire());
      for (let start = 0; start + 100 <= 300; start++) {
        let count = 0;
        for (let i = start; i < start + 100; i++) if (fired[i]) count++;
        expect(count).toBe(<i32>percentages[p]);
      }
    }
  });

  it("50% is every second call; fractions add up exactly", () => {
    const a = new PercentAccumulator(50);
    const got: bool[] = [];
    for (let i = 0; i < 4; i++) got.push(a.fire());
    expect(got).toStrictEqual([false, true, false, true]);
    expect(fires(0.5, 1000)).toBe(5);
    expect(fires(0.1, 10000)).toBe(10);
    expect(fires(12.5, 800)).toBe(100);
    expect(fires(33.3, 1000)).toBe(333);
  });
});

describe("parseFaults (FaultFactory.configure)", () => {
  it("takes proto field names and lowerCamelCase alike", () => {
    const errors = new ConfigErrors();
    const snake = configure('{"faults": [{"match": {"attributes": {"method": {"exact": "sayHello"}}}, ' +
      '"delay": {"fixed_delay": "0.2s", "percentage": 50}, "abort": {"error_kind": "OverLimit", "detail": "x", "percentage": 10}}]}', errors)!;
    const camel = configure('{"faults": [{"match": {"metadata": [{"name": "method", "exact_match": "sayHello"}]}, ' +
      '"delay": {"fixedDelay": "200ms", "percentage": 50}, "abort": {"errorKind": "OverLimit", "detail": "x", "percentage": 10}}]}', errors)!;
    expect(errors.toString()).toBe("");
    for (let k = 0; k < 2; k++) {
      const rule = (k == 0 ? snake : camel).rules[0];
      expect(rule.delayMs).toBe(200);
      expect(rule.hasAbort).toBe(true);
      expect(rule.abortKind).toBe(ErrorKind.OverLimit);
      expect(rule.abortDetail).toBe("x");
      expect(rule.match.matches(method("sayHello"))).toBe(true);
      expect(rule.match.matches(method("echoBytes"))).toBe(false);
    }
  });

  it("defaults: every request, 100%, Unspecified with Envoy's detail", () => {
    const errors = new ConfigErrors();
    const c = configure('{"faults": [{"abort": {}}]}', errors)!;
    expect(errors.toString()).toBe("");
    const d = c.decide(method("anything"));
    expect(d.action).toBe(FaultAction.Abort);
    expect(d.rule!.abortKind).toBe(ErrorKind.Unspecified);
    expect(d.rule!.abortDetail).toBe("fault filter abort");
    expect(c.rules[0].delayMs).toBe(0);
  });

  it("every error kind by name", () => {
    const names = ["RouteNotFound", "ClusterNotFound", "NoHealthyUpstream", "BadResponse", "OverLimit", "Unspecified"];
    for (let i = 0; i < names.length; i++) {
      const errors = new ConfigErrors();
      const c = configure('{"faults": [{"abort": {"errorKind": "' + names[i] + '"}}]}', errors)!;
      expect(c.rules[0].abortKind).toBe(<ErrorKind>i);
    }
  });

  it("refuses every bad field, naming it", () => {
    expect(errorsOf("null")).toBe("f: must be an object, got null");
    expect(errorsOf("{}")).toBe("f.faults: required");
    expect(errorsOf('{"faults": []}')).toBe("f.faults: needs at least one fault");
    expect(errorsOf('{"faults": {}}')).toBe("f.faults: must be a array, got object");
    expect(errorsOf('{"faults": [{"abort": {}}], "seed": 1}')).toBe("f.seed: unknown field");
    expect(errorsOf('{"faults": [{}]}')).toBe("f.faults[0]: needs a delay, an abort or both");
    expect(errorsOf('{"faults": [{"abort": {}, "retry": {}}]}')).toBe("f.faults[0].retry: unknown field");
    expect(errorsOf('{"faults": [{"delay": {}}]}')).toBe("f.faults[0].delay.fixedDelay: required");
    expect(errorsOf('{"faults": [{"delay": {"fixed_delay": "soon"}}]}')).toBe('f.faults[0].delay.fixed_delay: must be a duration such as "1.5s" or "100ms", got "soon"'.replace("fixed_delay", "fixedDelay"));
    expect(errorsOf('{"faults": [{"delay": {"fixedDelay": "0s"}}]}')).toBe("f.faults[0].delay.fixedDelay: must be greater than zero");
    expect(errorsOf('{"faults": [{"delay": {"fixedDelay": "1s", "percentage": 101}}]}')).toBe("f.faults[0].delay.percentage: must be a number from 0 to 100");
    expect(errorsOf('{"faults": [{"delay": {"fixedDelay": "1s", "percentage": -1}}]}')).toBe("f.faults[0].delay.percentage: must be a number from 0 to 100");
    expect(errorsOf('{"faults": [{"delay": {"fixedDelay": "1s", "percentage": "50"}}]}')).toBe("f.faults[0].delay.percentage: must be a number, got string");
    expect(errorsOf('{"faults": [{"delay": {"fixedDelay": "1s", "jitter": 1}}]}')).toBe("f.faults[0].delay.jitter: unknown field");
    expect(errorsOf('{"faults": [{"abort": {"error_kind": "Teapot"}}]}')).toBe(
      'f.faults[0].abort.errorKind: must be one of RouteNotFound, ClusterNotFound, NoHealthyUpstream, BadResponse, OverLimit, Unspecified, got "Teapot"');
    expect(errorsOf('{"faults": [{"abort": {"detail": 7}}]}')).toBe("f.faults[0].abort.detail: must be a string, got number");
    expect(errorsOf('{"faults": [{"abort": {"percentage": 200}}]}')).toBe("f.faults[0].abort.percentage: must be a number from 0 to 100");
    expect(errorsOf('{"faults": [{"abort": {"status": 503}}]}')).toBe("f.faults[0].abort.status: unknown field");
    expect(errorsOf('{"faults": [{"abort": {}, "match": {"attributes": {"method": {"regex": "("}}}}]}').startsWith("f.faults[0].match.attributes.method.regex: ")).toBe(true);
    expect(errorsOf('{"faults": [{"abort": {}, "match": {"headers": []}}]}')).toBe("f.faults[0].match.headers: unknown field");
    // Every rule is checked, not only the first bad one.
    expect(errorsOf('{"faults": [{"delay": 1}, {"abort": []}, {"abort": {}}]}')).toBe(
      "f.faults[0].delay: must be a object, got number; f.faults[1].abort: must be a object, got array");
  });
});

describe("FaultConfig.decide", () => {
  it("first match applies; abort first, the delay counted over the requests not aborted", () => {
    const errors = new ConfigErrors();
    const c = configure('{"faults": [' +
      '{"match": {"attributes": {"method": {"exact": "sayHello"}}}, "abort": {"percentage": 50}, "delay": {"fixedDelay": "1s", "percentage": 50}},' +
      '{"match": {"attributes": {"method": {"prefix": "say"}}}, "abort": {"errorKind": "OverLimit"}},' +
      '{"match": {"attributes": {"method": {"exact": "echoBytes"}}}, "delay": {"fixedDelay": "20ms"}}]}', errors)!;
    expect(errors.toString()).toBe("");
    const actions: i32[] = [];
    for (let i = 0; i < 8; i++) actions.push(<i32>c.decide(method("sayHello")).action);
    // Abort fires on 2, 4, 6, 8; of the others (1, 3, 5, 7) every second is delayed: 3 and 7.
    expect(actions).toStrictEqual([0, 1, 2, 1, 0, 1, 2, 1]);
    const bye = c.decide(method("sayBye"));
    expect(bye.action).toBe(FaultAction.Abort);
    expect(bye.rule!.abortKind).toBe(ErrorKind.OverLimit);
    expect(c.decide(method("echoBytes")).action).toBe(FaultAction.Delay);
    expect(c.decide(method("other")).action).toBe(FaultAction.None);
  });

  it("a percentage of 0 never fires", () => {
    const errors = new ConfigErrors();
    const c = configure('{"faults": [{"abort": {"percentage": 0}, "delay": {"fixedDelay": "1s", "percentage": 0}}]}', errors)!;
    for (let i = 0; i < 200; i++) expect(c.decide(method("m")).action).toBe(FaultAction.None);
  });
});

// Fakes for the filter's bookkeeping: a clock the spec moves, wake-ups recorded, handles that log.
class FakeServices extends FilterServices {
  clock: u64 = 1_000_000_000;
  wakes: u32[] = [];
  get connectionId(): u32 {
    return 1;
  }
  now(): u64 {
    return this.clock;
  }
  wakeAfter(milliseconds: u32): void {
    this.wakes.push(milliseconds);
  }
  grpcCall(upstream: Uint8Array, service: string, method: string, message: Uint8Array, timeoutMilliseconds: u32): u32 {
    return 0;
  }
  get upstream(): UpstreamChoice | null {
    return null;
  }
  drainConnection(reason: string): void {}
  countRouteMismatch(): void {}
  advance(ms: u64): void {
    this.clock += ms * 1_000_000;
  }
}

class FakeHeld extends HeldRequest {
  constructor(private view: FakeRequest) {
    super();
  }
  get request(): RequestView {
    return this.view;
  }
  resume(): void {
    this.view.log.push("resumed " + this.view.message.metadata.get("method")!);
  }
  reply(kind: ErrorKind, detail: string): void {}
}

class FakeRequest extends RequestView {
  private msg: Message = new Message();
  private mut: Mutation = new Mutation();
  kind: ErrorKind = ErrorKind.Unspecified;
  detail: string = "";
  constructor(name: string, public log: string[]) {
    super();
    this.msg.metadata.set("method", name);
  }
  get message(): Message {
    return this.msg;
  }
  get isOneway(): bool {
    return false;
  }
  get routeName(): string {
    return "";
  }
  get cluster(): string {
    return "";
  }
  get startNanos(): u64 {
    return 0;
  }
  get replyKind(): ErrorKind {
    return this.kind;
  }
  get replyDetail(): string {
    return this.detail;
  }
  get mutation(): Mutation {
    return this.mut;
  }
  get responseMutation(): Mutation {
    return this.mut;
  }
  setRoute(name: string, cluster: string): void {}
  reply(kind: ErrorKind, detail: string): MessageAction {
    this.kind = kind;
    this.detail = detail;
    return MessageAction.Reply;
  }
  hold(): HeldRequest {
    return new FakeHeld(this);
  }
}

function delays(): FaultConfig {
  const errors = new ConfigErrors();
  return configure('{"faults": [' +
    '{"match": {"attributes": {"method": {"exact": "slow"}}}, "delay": {"fixedDelay": "300ms"}},' +
    '{"match": {"attributes": {"method": {"exact": "fast"}}}, "delay": {"fixedDelay": "100ms"}},' +
    '{"match": {"attributes": {"method": {"exact": "bad"}}}, "abort": {"errorKind": "BadResponse", "detail": "boom"}}]}', errors)!;
}

describe("the filter's delays", () => {
  it("resumes each request when due, out of order, asking a wake-up only for an earlier due time", () => {
    const services = new FakeServices();
    const filter = delays().createFilter(services);
    const log: string[] = [];
    expect(filter.onRequest(new FakeRequest("slow", log))).toBe(MessageAction.Pause); // due at 300
    services.advance(50);
    expect(filter.onRequest(new FakeRequest("fast", log))).toBe(MessageAction.Pause); // due at 150: earlier, a new wake-up
    expect(filter.onRequest(new FakeRequest("other", log))).toBe(MessageAction.Continue);
    services.advance(10);
    expect(filter.onRequest(new FakeRequest("slow", log))).toBe(MessageAction.Pause); // due at 360: the one at 300 comes first
    expect(services.wakes).toStrictEqual(<u32[]>[300, 100]);

    services.advance(90); // 150
    filter.onTimer();
    expect(log).toStrictEqual(["resumed fast"]);
    services.advance(150); // 300: the first slow one
    filter.onTimer();
    expect(log).toStrictEqual(["resumed fast", "resumed slow"]);
    // The wake-up asked at the start for 300 covered it; the second slow one needs its own.
    expect(services.wakes).toStrictEqual(<u32[]>[300, 100, 60]);
    services.advance(59);
    filter.onTimer(); // a wake-up a millisecond early (the host's clock read apart) releases nothing and asks again
    expect(log.length).toBe(2);
    expect(services.wakes).toStrictEqual(<u32[]>[300, 100, 60, 1]);
    services.advance(1);
    filter.onTimer();
    expect(log).toStrictEqual(["resumed fast", "resumed slow", "resumed slow"]);
    expect(services.wakes.length).toBe(4);
  });

  it("releases requests due together earliest first, aborts at once with the configured error, and counts", () => {
    const services = new FakeServices();
    const config = delays();
    const filter = config.createFilter(services);
    const log: string[] = [];
    filter.onRequest(new FakeRequest("slow", log)); // due at 300
    services.advance(50);
    filter.onRequest(new FakeRequest("fast", log)); // due at 150
    const bad = new FakeRequest("bad", log);
    expect(filter.onRequest(bad)).toBe(MessageAction.Reply);
    expect(bad.replyKind).toBe(ErrorKind.BadResponse);
    expect(bad.replyDetail).toBe("boom");
    services.advance(500);
    filter.onTimer(); // one late wake-up finds both due
    expect(log).toStrictEqual(["resumed fast", "resumed slow"]);
    const counted = changetype<CountersInMemory>(config.counters);
    expect(counted.delays).toBe(2);
    expect(counted.aborts).toBe(1);
  });

  it("drops its handles when the connection closes", () => {
    const services = new FakeServices();
    const filter = delays().createFilter(services);
    const log: string[] = [];
    filter.onRequest(new FakeRequest("slow", log));
    filter.onConnectionClose();
    services.advance(1000);
    filter.onTimer();
    expect(log.length).toBe(0);
  });
});
