// A trace context as it travels in a request's metadata, and its two text forms:
//   W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` = "00-<32 hex trace id>-
//     <16 hex parent id>-<2 hex flags>", lower-case hex, all-zero ids invalid, version ff invalid; a
//     later version is read by its version-00 prefix (it may only add fields after a '-').
//   B3 (https://github.com/openzipkin/b3-propagation): ids in 16 or 32 hex (trace), 16 hex (span);
//     the sampling state "1"/"0" (older tracers: "true"/"false"), "d" (debug, meaning sampled).
// Ids are kept as integers: a trace id as two u64 halves (a 64-bit B3 trace id is the low half,
// the high half 0, as OpenTelemetry's B3 propagator reads it), a span id as one u64, 0 = none.

/** Which header convention a context came in (and the child goes out) with. */
export enum Convention {
  W3C = 0,
  B3Multi = 1,
  B3Single = 2,
}

/** A sampling decision as carried: B3 may leave it to the receiver ("defer"). */
export enum Sampling {
  Defer = 0,
  Accept = 1,
  Deny = 2,
}

export class TraceContext {
  traceHigh: u64 = 0;
  traceLow: u64 = 0;
  spanId: u64 = 0;
  /** B3 only: the parent of `spanId` (0 when absent). */
  parentSpanId: u64 = 0;
  sampling: Sampling = Sampling.Defer;
  /** B3 only: the trace id was 16 hex characters (64 bits), and goes out so. */
  shortTraceId: bool = false;

  get traceIdHex(): string {
    return this.shortTraceId ? hex64(this.traceLow) : hex64(this.traceHigh) + hex64(this.traceLow);
  }
}

const HEX = "0123456789abcdef";

/** `v` as 16 lower-case hex characters. */
export function hex64(v: u64): string {
  let out = "";
  for (let shift: i32 = 60; shift >= 0; shift -= 4) out += HEX.charAt(<i32>((v >> (<u64>shift)) & 0xf));
  return out;
}

/** The value of one hex character, -1 if it is not one (`upper` allows A-F too). */
function hexDigit(c: i32, upper: bool): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (upper && c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Parses `length` (<= 16) hex characters of `text` at `at`; `ok[0]` is cleared on a bad character. */
function parseHex(text: string, at: i32, length: i32, upper: bool, ok: bool[]): u64 {
  let v: u64 = 0;
  for (let i = 0; i < length; i++) {
    const d = hexDigit(text.charCodeAt(at + i), upper);
    if (d < 0) {
      ok[0] = false;
      return 0;
    }
    v = (v << 4) | <u64>d;
  }
  return v;
}

const TRACEPARENT_LENGTH = 55;

/** A `traceparent` value, or null when it is not valid (then the trace restarts, as the spec says). */
export function parseTraceparent(value: string): TraceContext | null {
  if (value.length < TRACEPARENT_LENGTH) return null;
  const ok: bool[] = [true];
  const version = parseHex(value, 0, 2, false, ok);
  if (!ok[0] || version == 0xff) return null;
  if (version == 0 && value.length != TRACEPARENT_LENGTH) return null;
  if (value.length > TRACEPARENT_LENGTH && value.charCodeAt(TRACEPARENT_LENGTH) != 0x2d) return null;
  if (value.charCodeAt(2) != 0x2d || value.charCodeAt(35) != 0x2d || value.charCodeAt(52) != 0x2d) return null;
  const c = new TraceContext();
  c.traceHigh = parseHex(value, 3, 16, false, ok);
  c.traceLow = parseHex(value, 19, 16, false, ok);
  c.spanId = parseHex(value, 36, 16, false, ok);
  const flags = parseHex(value, 53, 2, false, ok);
  if (!ok[0] || (c.traceHigh == 0 && c.traceLow == 0) || c.spanId == 0) return null;
  c.sampling = (flags & 1) != 0 ? Sampling.Accept : Sampling.Deny;
  return c;
}

/** The version-00 `traceparent` of a trace id, span id and sampled flag. */
export function formatTraceparent(c: TraceContext, sampled: bool): string {
  return "00-" + hex64(c.traceHigh) + hex64(c.traceLow) + "-" + hex64(c.spanId) + (sampled ? "-01" : "-00");
}

/** A B3 trace id (16 or 32 hex) into `c`; false when malformed or all zero. */
export function parseB3TraceId(value: string, c: TraceContext): bool {
  const ok: bool[] = [true];
  if (value.length == 32) {
    c.traceHigh = parseHex(value, 0, 16, true, ok);
    c.traceLow = parseHex(value, 16, 16, true, ok);
    c.shortTraceId = false;
  } else if (value.length == 16) {
    c.traceHigh = 0;
    c.traceLow = parseHex(value, 0, 16, true, ok);
    c.shortTraceId = true;
  } else {
    return false;
  }
  return ok[0] && (c.traceHigh != 0 || c.traceLow != 0);
}

/** A 16-hex B3 span id, 0 when malformed or all zero. */
export function parseB3SpanId(value: string): u64 {
  if (value.length != 16) return 0;
  const ok: bool[] = [true];
  const v = parseHex(value, 0, 16, true, ok);
  return ok[0] ? v : 0;
}

/** X-B3-Sampled (and the single header's state): "1"/"true" accept, "0"/"false" deny, "d" debug (accept). */
export function parseB3Sampling(value: string): Sampling {
  if (value == "1" || value == "true" || value == "d") return Sampling.Accept;
  if (value == "0" || value == "false") return Sampling.Deny;
  return Sampling.Defer;
}

/**
 * A single `b3` header: "{trace}-{span}[-{state}[-{parent}]]". A header holding only a sampling
 * state ("0", "1", "d") carries no ids: null, with that state left in `onlySampling[0]`.
 */
export function parseB3Single(value: string, onlySampling: Sampling[]): TraceContext | null {
  const parts = value.split("-");
  if (parts.length == 1) {
    onlySampling[0] = parseB3Sampling(value);
    return null;
  }
  if (parts.length > 4) return null;
  const c = new TraceContext();
  if (!parseB3TraceId(parts[0], c)) return null;
  c.spanId = parseB3SpanId(parts[1]);
  if (c.spanId == 0) return null;
  if (parts.length >= 3) {
    c.sampling = parseB3Sampling(parts[2]);
    if (c.sampling == Sampling.Defer) return null;
  }
  if (parts.length == 4) {
    c.parentSpanId = parseB3SpanId(parts[3]);
    if (c.parentSpanId == 0) return null;
  }
  return c;
}

/** The single `b3` header of a child: its trace and span, the decision, and its parent if any. */
export function formatB3Single(c: TraceContext, sampled: bool): string {
  const head = c.traceIdHex + "-" + hex64(c.spanId) + (sampled ? "-1" : "-0");
  return c.parentSpanId != 0 ? head + "-" + hex64(c.parentSpanId) : head;
}
