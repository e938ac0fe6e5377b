// The fuzz cases as fast-check arbitraries, one codec at a time. A case is plain data: the client's
// bytes (a run of valid units, then whatever the case is about), where they are split into reads,
// whether the client ends its stream, and what the module must do with them; optionally the
// server's answers, split the same way. fast-check shrinks a failing case towards fewer units,
// shorter bytes and fewer reads.
import fc from "fast-check";
import { MAX_FRAME_SIZE } from "./fuzz-vm.ts";
import { flavorsOf, type Flavor, type Unit } from "./corpus.ts";

/**
 * What the module must do with the client's bytes, beyond never trapping: `pass` them all,
 * unchanged, without closing; keep them (`prefix`: not closed, passed bytes a prefix of them);
 * `refuse` them (closed and counted once, nothing after the valid units passed); or `any` of these.
 */
export type Expectation = "pass" | "prefix" | "refuse" | "any";

export interface FuzzCase {
  kind: string;
  flavor: string;
  routed: boolean;
  /** Valid request units first on the connection. */
  valid: Unit[];
  /** The client bytes after the valid units. */
  rest: Buffer;
  /** Read boundaries, as positions in the client's bytes. */
  cuts: number[];
  end: boolean;
  expect: Expectation;
  /** Server bytes after the answers to the valid units, and where the server's reads split; null: the server stays silent. */
  server: { rest: Buffer; cuts: number[]; expect: "pass" | "any" } | null;
}

const PAYLOAD = fc.uint8Array({ maxLength: 300 });
/** Read boundaries as raw numbers, mapped onto the stream once its length is known. */
const CUTS = fc.array(fc.nat(), { maxLength: 12 });
/** Golden frames carry request id 1 (bRPC: 1000); generated ones count up from a base above 10000, claims use this one. */
const CLAIM_ID = 5_000_000;

/** A golden unit (by index) or a generated one around a payload. */
type UnitChoice = { golden: number } | { payload: Uint8Array };

function unitChoice(flavor: Flavor): fc.Arbitrary<UnitChoice> {
  return fc.oneof(fc.nat(flavor.golden.length - 1).map((golden) => ({ golden })), PAYLOAD.map((payload) => ({ payload })));
}

/**
 * Units with distinct request ids: generated ids count up from `base`, and where responses pair
 * by id only the first golden unit is kept (they share one id). Two requests in flight with one
 * id are a known fault of the module (see codec-fuzz.test.ts), kept out of the cases that check counts.
 */
function units(flavor: Flavor, min: number, max: number): fc.Arbitrary<Unit[]> {
  const choices = fc.array(unitChoice(flavor), { minLength: min, maxLength: max });
  return fc.tuple(choices, fc.integer({ min: 10_001, max: 1_000_000 })).map(([list, base]) => {
    let goldenTaken = false;
    const out: Unit[] = [];
    list.forEach((choice, i) => {
      if ("payload" in choice) {
        out.push({ ...flavor.generate(Buffer.from(choice.payload), base + i), frames: 1 });
      } else if (flavor.pairsByOrder || !goldenTaken) {
        goldenTaken = true;
        out.push(flavor.golden[choice.golden]);
      } else {
        out.push({ ...flavor.generate(Buffer.alloc(0), base + i), frames: 1 });
      }
    });
    return out;
  });
}

function unit(flavor: Flavor): fc.Arbitrary<Unit> {
  return units(flavor, 1, 1).map((u) => u[0]);
}

/** Sorted distinct read boundaries strictly inside [0, length]; `boundary` is always one of them. */
export function placeCuts(raw: number[], length: number, boundary?: number): number[] {
  const set = new Set(raw.map((r) => (length > 0 ? 1 + (r % length) : 0)).filter((c) => c > 0 && c < length));
  if (boundary !== undefined && boundary > 0 && boundary < length) set.add(boundary);
  return [...set].sort((a, b) => a - b);
}

const requestBytes = (valid: Unit[]) => Buffer.concat(valid.map((u) => u.request));

function make(kind: string, flavor: Flavor, expect: Expectation, parts: {
  routed: boolean; valid: Unit[]; rest: Buffer; cuts: number[]; end: boolean; atBoundary?: boolean;
  server?: FuzzCase["server"];
}): FuzzCase {
  const validLength = requestBytes(parts.valid).length;
  const length = validLength + parts.rest.length;
  return {
    kind, flavor: flavor.name, routed: parts.routed, valid: parts.valid, rest: parts.rest,
    cuts: placeCuts(parts.cuts, length, parts.atBoundary ? validLength : undefined),
    end: parts.end, expect, server: parts.server ?? null,
  };
}

function flip(bytes: Buffer, flips: Array<[number, number]>): Buffer {
  const out = Buffer.from(bytes);
  for (const [at, mask] of flips) if (out.length > 0) out[at % out.length] ^= mask;
  return out;
}

const FLIPS = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 });

/** Every kind of case for one flavor. */
function flavorCases(flavor: Flavor): fc.Arbitrary<FuzzCase>[] {
  const common = { routed: fc.boolean(), cuts: CUTS };
  const kinds: fc.Arbitrary<FuzzCase>[] = [
    // Valid pipelined units split anywhere, then their answers split anywhere: all pass byte-exact.
    fc.record({ ...common, valid: units(flavor, 1, 6), serverCuts: CUTS }).map((r) =>
      make("split", flavor, "pass", { ...r, rest: Buffer.alloc(0), end: false, server: { rest: Buffer.alloc(0), cuts: r.serverCuts, expect: "pass" } })),
    // A unit cut short, then end of stream: what arrived passes.
    fc.record({ ...common, all: units(flavor, 1, 4), keep: fc.nat() }).map((r) => {
      const last = r.all[r.all.length - 1].request;
      return make("truncated-end", flavor, "pass", { ...r, valid: r.all.slice(0, -1), rest: last.subarray(0, r.keep % last.length), end: true });
    }),
    // Valid units, then garbage the codec refuses from its first bytes: the units pass, the garbage does not.
    fc.record({ ...common, valid: units(flavor, 0, 4), tail: fc.uint8Array({ maxLength: 256 }), atBoundary: fc.boolean() }).map((r) =>
      make("garbage-after", flavor, "refuse", { ...r, rest: Buffer.concat([flavor.invalidHead, r.tail]), end: false })),
    // Golden or generated units with a few bytes flipped.
    fc.record({ ...common, valid: units(flavor, 1, 4), flips: FLIPS, end: fc.boolean() }).map((r) =>
      make("flipped", flavor, "any", { ...r, valid: [], rest: flip(requestBytes(r.valid), r.flips) })),
    // Random bytes, possibly after valid units.
    fc.record({ ...common, valid: units(flavor, 0, 2), bytes: fc.uint8Array({ maxLength: 2048 }), end: fc.boolean() }).map((r) =>
      make("random", flavor, "any", { ...r, rest: Buffer.from(r.bytes) })),
    // Slices of valid units glued together: bytes that look like the protocol without being it.
    fc.record({ ...common, parts: fc.array(fc.tuple(unit(flavor), fc.nat(), fc.nat()), { minLength: 1, maxLength: 5 }), end: fc.boolean() }).map((r) =>
      make("spliced", flavor, "any", {
        ...r, valid: [], rest: Buffer.concat(r.parts.map(([u, a, b]) => u.request.subarray(a % u.request.length, (a % u.request.length) + (b % 64)))),
      })),
    // The server's answers, then server bytes flipped or random: the write path never traps.
    fc.record({ ...common, valid: units(flavor, 1, 3), noise: fc.uint8Array({ minLength: 1, maxLength: 512 }), flips: FLIPS, serverCuts: CUTS, random: fc.boolean() }).map((r) => {
      const answers = Buffer.concat(r.valid.map((u) => u.response));
      const server = r.random ? Buffer.from(r.noise) : flip(answers, r.flips);
      return make("server-garbage", flavor, "pass", {
        ...r, rest: Buffer.alloc(0), end: false, server: { rest: server, cuts: r.serverCuts, expect: "any" },
      });
    }),
  ];
  const claiming = flavor.claiming;
  if (claiming) {
    // A length field claiming more than maxFrameSize: refused from the header, nothing allocated.
    kinds.push(fc.record({ ...common, valid: units(flavor, 0, 3), over: fc.integer({ min: 16, max: 0x7fff0000 - MAX_FRAME_SIZE }), payload: fc.uint8Array({ maxLength: 64 }), atBoundary: fc.boolean() }).map((r) =>
      make("oversized", flavor, "refuse", { ...r, rest: claiming(MAX_FRAME_SIZE + r.over, Buffer.from(r.payload), CLAIM_ID), end: false })));
    // A length claim within maxFrameSize whose bytes have not all come: the module waits, unread.
    kinds.push(fc.record({ ...common, valid: units(flavor, 0, 3), claim: fc.integer({ min: 1024, max: MAX_FRAME_SIZE - 16 }), payload: fc.uint8Array({ maxLength: 64 }) }).map((r) =>
      make("large-claim", flavor, "prefix", { ...r, rest: claiming(r.claim, Buffer.from(r.payload), CLAIM_ID), end: false })));
  }
  return kinds;
}

/** Every case kind of every flavor of `codec`, equally likely per kind. */
export function casesFor(codec: string): fc.Arbitrary<FuzzCase> {
  return fc.oneof(...flavorsOf(codec).flatMap(flavorCases));
}
