// Reading a request's trace context from its metadata and writing its child's into the outgoing
// frame. The conventions are those RPC frameworks carry in their headers (Dubbo attachments, bRPC
// user_fields, ...): W3C `traceparent` (+ `tracestate`, which stays in the frame untouched), B3's
// multiple keys (`X-B3-TraceId`, `X-B3-SpanId`, `X-B3-ParentSpanId`, `X-B3-Sampled`, `X-B3-Flags`,
// as Brave's Dubbo instrumentation sends them; the lower-case spelling too) and B3's single `b3`.
// W3C wins when several are present, then the single `b3` (B3's own precedence), then B3 multi.
// The child goes out in the convention the context came in, with the spelling it came in.
import { Metadata } from "../../meta/metadata";
import { Mutation } from "../../meta/mutation";
import {
  Convention, formatB3Single, formatTraceparent, hex64, parseB3Sampling, parseB3Single, parseB3SpanId, parseB3TraceId,
  parseTraceparent, Sampling, TraceContext,
} from "./trace-context";

export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";
export const B3_SINGLE = "b3";

/** B3 multi keys in Brave's spelling, and lower-case (as HTTP/2 and gRPC carry them). */
const B3_KEYS: string[][] = [
  ["X-B3-TraceId", "X-B3-SpanId", "X-B3-ParentSpanId", "X-B3-Sampled", "X-B3-Flags"],
  ["x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags"],
];
const TRACE_ID = 0;
const SPAN_ID = 1;
const PARENT_ID = 2;
const SAMPLED = 3;
const FLAGS = 4;

/** What a request carried: a context (or none) and how to answer in kind. */
export class IncomingTrace {
  context: TraceContext | null = null;
  convention: Convention = Convention.W3C;
  /** B3 multi: which spelling (index into B3_KEYS). */
  spelling: i32 = 0;
  /** A sampling decision that came without ids (a B3 sampling-only header), Defer if none. */
  sampling: Sampling = Sampling.Defer;
  traceState: string = "";
}

export function readIncoming(metadata: Metadata): IncomingTrace {
  const found = new IncomingTrace();
  const parent = metadata.get(TRACEPARENT);
  if (parent !== null) {
    const c = parseTraceparent(parent);
    if (c !== null) {
      found.context = c;
      const state = metadata.get(TRACESTATE);
      if (state !== null) found.traceState = state;
      return found;
    }
  }
  const single = metadata.get(B3_SINGLE);
  if (single !== null) {
    const onlySampling: Sampling[] = [Sampling.Defer];
    found.convention = Convention.B3Single;
    found.context = parseB3Single(single, onlySampling);
    found.sampling = onlySampling[0];
    if (found.context !== null || found.sampling != Sampling.Defer) return found;
  }
  for (let s = 0; s < B3_KEYS.length; s++) {
    const keys = B3_KEYS[s];
    const traceId = metadata.get(keys[TRACE_ID]);
    const sampled = metadata.get(keys[SAMPLED]);
    const flags = metadata.get(keys[FLAGS]);
    if (traceId === null && sampled === null && flags === null) continue;
    found.convention = Convention.B3Multi;
    found.spelling = s;
    found.sampling = flags !== null && flags == "1" ? Sampling.Accept : sampled !== null ? parseB3Sampling(sampled) : Sampling.Defer;
    const spanId = metadata.get(keys[SPAN_ID]);
    if (traceId === null || spanId === null) return found;
    const c = new TraceContext();
    c.spanId = parseB3SpanId(spanId);
    if (!parseB3TraceId(traceId, c) || c.spanId == 0) return found;
    c.sampling = found.sampling;
    found.context = c;
    return found;
  }
  found.convention = Convention.W3C;
  return found;
}

/**
 * Writes `child` (same trace, the span this hop records as its id, the incoming span as parent)
 * into the frame, in `convention`.
 */
export function writeChild(mutation: Mutation, child: TraceContext, sampled: bool, convention: Convention, spelling: i32): void {
  if (convention == Convention.W3C) {
    mutation.set(TRACEPARENT, formatTraceparent(child, sampled));
  } else if (convention == Convention.B3Single) {
    mutation.set(B3_SINGLE, formatB3Single(child, sampled));
  } else {
    const keys = B3_KEYS[spelling];
    mutation.set(keys[TRACE_ID], child.traceIdHex);
    mutation.set(keys[SPAN_ID], hex64(child.spanId));
    if (child.parentSpanId != 0) mutation.set(keys[PARENT_ID], hex64(child.parentSpanId));
    mutation.set(keys[SAMPLED], sampled ? "1" : "0");
  }
}
