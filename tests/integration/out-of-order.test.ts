// Responses that arrive in another order than their requests: each must be paired with the request
// it answers by id (Dubbo request id, bRPC correlation_id), not with the oldest one in flight.
// Clients match answers to calls by id themselves and the success/error counters follow each
// response's own status, so plain traffic shows delivery and exact counts but not the pairing. The
// pairing shows where the module acts on the pair: a request a filter answered (its probe's answer
// must become that request's error reply, and no other answer may), and `response_unpaired`
// (checked with an error status on the unknown id, so pairing it with a request changes the
// counts). Real peers answer after the delay each call asks (tests/peers/*-delay-server.ts); a tiny
// raw server writes captured Dubbo frames back in reverse order.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startMetaProxy, startPeer, type MetaProxy, type Peer } from "./support.ts";

const run = promisify(execFile);

interface PlannedCall {
  method: string;
  ms: number;
  text: string;
}

interface Answer {
  i: number;
  ok: boolean;
  value?: string;
  error?: string;
  code?: number;
  /** Rank in which the client received this answer. */
  arrival: number;
}

async function planClient(script: string, target: string[], plan: PlannedCall[]): Promise<Answer[]> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, ...target, "--plan", JSON.stringify(plan)], { encoding: "utf8" });
  return JSON.parse(stdout).responses;
}

/** 16 calls made at once; call i waits (16 - i) * 40 ms, so the last call is answered first; odd calls fail. */
function reversedPlan(echo: string, fail: string): PlannedCall[] {
  return Array.from({ length: 16 }, (_, i) => ({ method: i % 2 ? fail : echo, ms: (16 - i) * 40, text: `call-${i}` }));
}

/**
 * Every fourth call goes to a method no route matches: the module answers it (its probe is answered
 * at once) while older, slower calls are still in flight.
 */
function unroutedPlan(echo: string, fail: string, unrouted: string): PlannedCall[] {
  return reversedPlan(echo, fail).map((c, i) => (i % 4 === 1 ? { method: unrouted, ms: 0, text: `call-${i}` } : c));
}

/** A router with one route, for methods named `*After`; any other method gets the module's "no route" reply. */
const ROUTE_DELAYED = [{
  name: "aeraki.meta_protocol.filters.router",
  config: { routes: [{ name: "delayed", match: { attributes: { method: { suffix: "After" } } }, route: { cluster: "upstream" } }] },
}];

const COUNTERS = ["request", "response", "response_success", "response_error", "response_unpaired", "local_reply", "local_reply_connection_closed"];

function counters(proxy: MetaProxy): Record<string, number> {
  return Object.fromEntries(COUNTERS.map((n) => [n, proxy.counter(n)]));
}

function added(proxy: MetaProxy, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(COUNTERS.map((n) => [n, proxy.counter(n) - before[n]]));
}

function requestActive(proxy: MetaProxy, statPrefix: string): number {
  return proxy.envoy.stats.gauge(`wasmcustom.meta_protocol.${statPrefix}.request_active`);
}

/** The gauge is sent to the host once per data callback: wait for the last one to land. */
async function settledRequestActive(proxy: MetaProxy, statPrefix: string): Promise<number> {
  for (let i = 0; i < 50 && requestActive(proxy, statPrefix) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  return requestActive(proxy, statPrefix);
}

/**
 * The premise of a test: answers came back out of order, the last call's before the first's and
 * most pairs of calls inverted (exactly reversed on an idle machine; a loaded one may swap
 * neighbours).
 */
function assertMostlyReversed(answers: Answer[]): void {
  assert.ok(answers[answers.length - 1].arrival < answers[0].arrival, "the last call was answered before the first");
  let inverted = 0;
  let pairs = 0;
  for (const a of answers) {
    for (const b of answers) {
      if (a.i >= b.i) continue;
      pairs++;
      if (a.arrival > b.arrival) inverted++;
    }
  }
  assert.ok(inverted >= pairs * 0.75, `${inverted} of ${pairs} pairs of calls answered in reverse order`);
}

const DUBBO_CLIENT = "tests/peers/dubbo-plan-client.ts";

/** What the client should get for a call of the plan: the text back, or the failure with the text. */
function expected(c: PlannedCall, i: number, fail: string): Omit<Answer, "arrival" | "code"> {
  return c.method === fail ? { i, ok: false, error: c.text } : { i, ok: true, value: c.text };
}

function withoutArrival(answers: Answer[]): Array<Omit<Answer, "arrival">> {
  return answers.map(({ arrival: _, ...rest }) => rest);
}

describe("Dubbo: the real provider answering out of order", () => {
  let provider: Peer;
  let proxy: MetaProxy;
  let routed: MetaProxy;
  before(async () => {
    provider = await startPeer("tests/peers/dubbo-server.ts");
    proxy = await startMetaProxy({ codec: "aeraki.meta_protocol.codec.dubbo", upstreamPort: provider.port });
    routed = await startMetaProxy({ codec: "dubbo", statPrefix: "dubbo_routed", upstreamPort: provider.port, filters: ROUTE_DELAYED });
  });
  after(async () => {
    await proxy?.close();
    await routed?.close();
    await provider?.stop();
  });

  test("16 calls in flight answered last first: every answer reaches its call; counters exact", async () => {
    const before = counters(proxy);
    const plan = reversedPlan("echoAfter", "failAfter");
    const answers = await planClient(DUBBO_CLIENT, ["--address", `127.0.0.1:${proxy.port}`], plan);
    assertMostlyReversed(answers);
    assert.deepEqual(withoutArrival(answers), plan.map((c, i) => expected(c, i, "failAfter")));
    assert.deepEqual(added(proxy, before), {
      request: 16, response: 16, response_success: 8, response_error: 8, response_unpaired: 0, local_reply: 0, local_reply_connection_closed: 0,
    });
    assert.equal(await settledRequestActive(proxy, "dubbo"), 0);
  });

  test("local replies made while older calls wait: each error reply reaches its own caller", async () => {
    const before = counters(routed);
    const plan = unroutedPlan("echoAfter", "failAfter", "unrouted");
    const answers = await planClient(DUBBO_CLIENT, ["--address", `127.0.0.1:${routed.port}`], plan);
    for (const [i, c] of plan.entries()) {
      if (c.method !== "unrouted") {
        assert.deepEqual(withoutArrival([answers[i]])[0], expected(c, i, "failAfter"));
        continue;
      }
      assert.equal(answers[i].ok, false, `call ${i}`);
      assert.match(answers[i].error!, /no route/, `call ${i}`);
      // The premise: it was answered while the slower, older call before it was in flight.
      assert.ok(answers[i].arrival < answers[i - 1].arrival, `call ${i} answered before call ${i - 1}`);
    }
    assert.deepEqual(added(routed, before), {
      request: 16, response: 12, response_success: 8, response_error: 4, response_unpaired: 0, local_reply: 4, local_reply_connection_closed: 0,
    });
    assert.equal(await settledRequestActive(routed, "dubbo_routed"), 0);
  });
});

const BRPC_CLIENT = "tests/peers/brpc-plan-client.ts";
const EREQUEST = 1003;
const ENOSERVICE = 1001;

describe("bRPC: a server answering out of order", () => {
  let server: Peer;
  let proxy: MetaProxy;
  let routed: MetaProxy;
  before(async () => {
    server = await startPeer("tests/peers/brpc-server.ts");
    proxy = await startMetaProxy({ codec: "aeraki.meta_protocol.codec.brpc", upstreamPort: server.port });
    routed = await startMetaProxy({ codec: "brpc", statPrefix: "brpc_routed", upstreamPort: server.port, filters: ROUTE_DELAYED });
  });
  after(async () => {
    await proxy?.close();
    await routed?.close();
    await server?.stop();
  });

  test("16 calls in flight answered last first: every answer reaches its call; counters exact", async () => {
    const before = counters(proxy);
    const plan = reversedPlan("EchoAfter", "FailAfter");
    const answers = await planClient(BRPC_CLIENT, ["--port", String(proxy.port)], plan);
    assertMostlyReversed(answers);
    assert.deepEqual(withoutArrival(answers), plan.map((c, i) => (c.method === "FailAfter" ? { i, ok: false, code: EREQUEST, error: c.text } : { i, ok: true, value: c.text })));
    assert.deepEqual(added(proxy, before), {
      request: 16, response: 16, response_success: 8, response_error: 8, response_unpaired: 0, local_reply: 0, local_reply_connection_closed: 0,
    });
    assert.equal(await settledRequestActive(proxy, "brpc"), 0);
  });

  test("local replies made while older calls wait: each error reply reaches its own caller", async () => {
    const before = counters(routed);
    const plan = unroutedPlan("EchoAfter", "FailAfter", "Unrouted");
    const answers = await planClient(BRPC_CLIENT, ["--port", String(routed.port)], plan);
    for (const [i, c] of plan.entries()) {
      const { arrival, ...answer } = answers[i];
      if (c.method === "Unrouted") {
        assert.deepEqual(answer, { i, ok: false, code: ENOSERVICE, error: "no route for this request" });
        assert.ok(arrival < answers[i - 1].arrival, `call ${i} answered before call ${i - 1}`);
      } else if (c.method === "FailAfter") {
        assert.deepEqual(answer, { i, ok: false, code: EREQUEST, error: c.text });
      } else {
        assert.deepEqual(answer, { i, ok: true, value: c.text });
      }
    }
    assert.deepEqual(added(routed, before), {
      request: 16, response: 12, response_success: 8, response_error: 4, response_unpaired: 0, local_reply: 4, local_reply_connection_closed: 0,
    });
    assert.equal(await settledRequestActive(routed, "brpc_routed"), 0);
  });
});

// Raw Dubbo frames captured from the real peers (tests/fixtures/dubbo), their request id rewritten.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/dubbo/${name}.bin`, import.meta.url));
const SAY_HELLO_REQUEST = fixture("say_hello_request");
const SAY_HELLO_RESPONSE = fixture("say_hello_response");
const FAIL_REQUEST = fixture("fail_request");
const FAIL_RESPONSE = fixture("fail_response");
const DUBBO_HEADER = 16;
const FLAG_EVENT = 0x20;
const STATUS_OK = 20;

function withId(frame: Buffer, id: number): Buffer {
  const out = Buffer.from(frame);
  out.writeBigUInt64BE(BigInt(id), 4);
  return out;
}

const idOf = (frame: Buffer) => Number(frame.readBigUInt64BE(4));
const isHeartbeat = (frame: Buffer) => (frame[2] & FLAG_EVENT) !== 0;

/** Cuts whole Dubbo frames off the front of `data`. */
function dubboFrames(data: Buffer<ArrayBufferLike>): { frames: Buffer[]; rest: Buffer<ArrayBufferLike> } {
  const frames: Buffer[] = [];
  while (data.length >= DUBBO_HEADER && data.length >= DUBBO_HEADER + data.readUInt32BE(12)) {
    const end = DUBBO_HEADER + data.readUInt32BE(12);
    frames.push(data.subarray(0, end));
    data = data.subarray(end);
  }
  return { frames, rest: data };
}

/**
 * A Dubbo server of captured frames: once `count` requests have arrived it writes `answer(requests)`
 * in one write (a heartbeat is answered as Dubbo answers it: event response, status OK, body null).
 */
async function rawDubboServer(count: number, answer: (requests: Buffer[]) => Buffer[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    const requests: Buffer[] = [];
    socket.on("data", (chunk) => {
      const { frames, rest } = dubboFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      requests.push(...frames);
      if (requests.length === count) socket.write(Buffer.concat(answer(requests)));
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

function heartbeatResponse(id: number): Buffer {
  const frame = Buffer.from([0xda, 0xbb, 0x02 | FLAG_EVENT, STATUS_OK, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x4e]);
  return withId(frame, id);
}

/** The captured response to a captured request, with its id. */
function capturedAnswer(request: Buffer): Buffer {
  if (isHeartbeat(request)) return heartbeatResponse(idOf(request));
  return withId(request.equals(withId(FAIL_REQUEST, idOf(request))) ? FAIL_RESPONSE : SAY_HELLO_RESPONSE, idOf(request));
}

/** Sends `requests` in one write and collects `answers` response frames. */
function exchange(port: number, requests: Buffer[], answers: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
    const s = net.connect(port, "127.0.0.1", () => s.write(Buffer.concat(requests)));
    s.on("data", (chunk) => {
      const { frames, rest } = dubboFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      received.push(...frames.map((f) => Buffer.from(f)));
      if (received.length === answers) {
        s.destroy();
        resolve(received);
      }
    });
    s.on("error", reject);
    s.on("close", () => reject(new Error(`closed after ${received.length} of ${answers} answers`)));
    s.setTimeout(10_000, () => s.destroy(new Error(`timed out after ${received.length} of ${answers} answers`)));
  });
}

describe("Dubbo: captured frames answered in reverse order", () => {
  test("16 in flight, the later `fail` calls rate limited: each answer keeps its id, each error reply replaces its own probe's answer", async (t) => {
    const server = await rawDubboServer(16, (requests) => requests.map(capturedAnswer).reverse());
    // `fail` calls: the first takes the bucket's only token, the other seven are answered by the module.
    const conditions = [{ match: { attributes: { method: { exact: "fail" } } }, tokenBucket: { maxTokens: 1, fillInterval: "3600s" } }];
    const proxy = await startMetaProxy({ codec: "dubbo", upstreamPort: server.port, filters: [{ name: "local_ratelimit", config: { conditions } }] });
    t.after(async () => {
      await proxy.close();
      await server.close();
    });
    const ids = Array.from({ length: 16 }, (_, i) => i + 1);
    const requests = ids.map((id) => withId(id % 2 ? FAIL_REQUEST : SAY_HELLO_REQUEST, id));
    const limited = (id: number) => id % 2 === 1 && id > 1;
    const answers = await exchange(proxy.port, requests, 16);
    assert.deepEqual(answers.map(idOf), [...ids].reverse());
    for (const answer of answers) {
      const id = idOf(answer);
      if (!limited(id)) {
        assert.deepEqual(answer, capturedAnswer(requests[id - 1]), `the server's answer to ${id}, unchanged`);
        continue;
      }
      // The module's OverLimit reply (status SERVER_THREADPOOL_EXHAUSTED) took the place of the heartbeat's answer.
      assert.equal(isHeartbeat(answer), false, `answer ${id}`);
      assert.equal(answer[3], 100, `answer ${id} status`);
      assert.match(answer.subarray(DUBBO_HEADER).toString("latin1"), /rate limited/);
    }
    assert.deepEqual(counters(proxy), {
      request: 16, response: 9, response_success: 8, response_error: 1, response_unpaired: 0, local_reply: 7, local_reply_connection_closed: 0,
    });
    assert.equal(await settledRequestActive(proxy, "dubbo"), 0);
  });

  test("a response with an unknown id passes as it is and counts as response_unpaired; the others still pair", async (t) => {
    // The unknown id comes first, as an error, then the two real answers last first: paired with the
    // oldest call in flight it would count one error and leave a success unpaired.
    const server = await rawDubboServer(2, (requests) => [withId(FAIL_RESPONSE, 99), ...requests.map(capturedAnswer).reverse()]);
    const proxy = await startMetaProxy({ codec: "dubbo", upstreamPort: server.port });
    t.after(async () => {
      await proxy.close();
      await server.close();
    });
    const requests = [withId(SAY_HELLO_REQUEST, 1), withId(SAY_HELLO_REQUEST, 2)];
    const answers = await exchange(proxy.port, requests, 3);
    assert.deepEqual(answers, [withId(FAIL_RESPONSE, 99), withId(SAY_HELLO_RESPONSE, 2), withId(SAY_HELLO_RESPONSE, 1)]);
    assert.deepEqual(counters(proxy), {
      request: 2, response: 2, response_success: 2, response_error: 0, response_unpaired: 1, local_reply: 0, local_reply_connection_closed: 0,
    });
    assert.equal(await settledRequestActive(proxy, "dubbo"), 0);
  });
});
