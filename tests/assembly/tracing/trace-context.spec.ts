// Trace ids in text: W3C traceparent validation and formatting, B3 ids and sampling states, and
// the id source (non-zero, distinct ids without a seed from the host).
import { IdSource } from "../../../assembly/observability/tracing/id-source";
import {
  formatB3Single, formatTraceparent, hex64, parseB3Sampling, parseB3Single, parseB3SpanId, parseB3TraceId, parseTraceparent,
  Sampling, TraceContext,
} from "../../../assembly/observability/tracing/trace-context";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("traceparent", () => {
  it("reads version 00: trace id halves, parent id, sampled flag", () => {
    const c = parseTraceparent(VALID)!;
    expect(c.traceHigh).toBe(0x4bf92f3577b34da6);
    expect(c.traceLow).toBe(0xa3ce929d0e0e4736);
    expect(c.spanId).toBe(0x00f067aa0ba902b7);
    expect(c.sampling).toBe(Sampling.Accept);
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")!.sampling).toBe(Sampling.Deny);
    // Only bit 0 is the sampled flag.
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02")!.sampling).toBe(Sampling.Deny);
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03")!.sampling).toBe(Sampling.Accept);
  });

  it("refuses all-zero ids", () => {
    expect(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).toBeNull();
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).toBeNull();
    // Half zero is a valid id.
    expect(parseTraceparent("00-0000000000000000a3ce929d0e0e4736-00f067aa0ba902b7-01")).not.toBeNull();
  });

  it("refuses wrong lengths, upper-case or non-hex, and misplaced dashes", () => {
    expect(parseTraceparent("")).toBeNull();
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")).toBeNull(); // 31 hex
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01")).toBeNull(); // 15 hex
    expect(parseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).toBeNull();
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01")).toBeNull();
    expect(parseTraceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toBeNull();
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x")).toBeNull();
  });

  it("takes version 00 exactly as long as it is; a later version by its 00 prefix; never version ff", () => {
    expect(parseTraceparent(VALID + "-extra")).toBeNull();
    expect(parseTraceparent("cc" + VALID.substr(2) + "-what-the-future-adds")!.spanId).toBe(0x00f067aa0ba902b7);
    expect(parseTraceparent("cc" + VALID.substr(2))).not.toBeNull();
    expect(parseTraceparent("cc" + VALID.substr(2) + "x")).toBeNull();
    expect(parseTraceparent("ff" + VALID.substr(2))).toBeNull();
    expect(parseTraceparent("0g" + VALID.substr(2))).toBeNull();
  });

  it("writes version 00 with lower-case hex and the sampled flag", () => {
    const c = parseTraceparent(VALID)!;
    expect(formatTraceparent(c, true)).toBe(VALID);
    c.spanId = 0xa;
    expect(formatTraceparent(c, false)).toBe("00-4bf92f3577b34da6a3ce929d0e0e4736-000000000000000a-00");
    expect(hex64(0xffffffffffffffff)).toBe("ffffffffffffffff");
    expect(hex64(0)).toBe("0000000000000000");
  });
});

describe("B3", () => {
  it("reads 128- and 64-bit trace ids (upper-case too), refusing other lengths and zero", () => {
    const c = new TraceContext();
    expect(parseB3TraceId("463ac35c9f6413ad48485a3953bb6124", c)).toBe(true);
    expect(c.traceHigh).toBe(0x463ac35c9f6413ad);
    expect(c.traceLow).toBe(0x48485a3953bb6124);
    expect(c.traceIdHex).toBe("463ac35c9f6413ad48485a3953bb6124");
    expect(parseB3TraceId("48485A3953BB6124", c)).toBe(true);
    expect(c.traceHigh).toBe(0);
    expect(c.traceIdHex).toBe("48485a3953bb6124");
    expect(parseB3TraceId("48485a3953bb612", c)).toBe(false);
    expect(parseB3TraceId("0000000000000000", c)).toBe(false);
    expect(parseB3SpanId("a2fb4a1d1a96d312")).toBe(0xa2fb4a1d1a96d312);
    expect(parseB3SpanId("a2fb4a1d1a96d31")).toBe(0);
    expect(parseB3SpanId("a2fb4a1d1a96d31z")).toBe(0);
  });

  it("reads sampling states, old spellings included", () => {
    expect(parseB3Sampling("1")).toBe(Sampling.Accept);
    expect(parseB3Sampling("true")).toBe(Sampling.Accept);
    expect(parseB3Sampling("d")).toBe(Sampling.Accept);
    expect(parseB3Sampling("0")).toBe(Sampling.Deny);
    expect(parseB3Sampling("false")).toBe(Sampling.Deny);
    expect(parseB3Sampling("maybe")).toBe(Sampling.Defer);
  });

  it("reads the single header in its forms", () => {
    const only: Sampling[] = [Sampling.Defer];
    const full = parseB3Single("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90", only)!;
    expect(full.traceHigh).toBe(0x80f198ee56343ba8);
    expect(full.spanId).toBe(0xe457b5a2e4d86bd1);
    expect(full.sampling).toBe(Sampling.Accept);
    expect(full.parentSpanId).toBe(0x05e3ac9a4f6e3b90);
    const bare = parseB3Single("64fe8b2a57d3eff7-e457b5a2e4d86bd1", only)!;
    expect(bare.sampling).toBe(Sampling.Defer);
    expect(bare.shortTraceId).toBe(true);
    expect(parseB3Single("0", only)).toBeNull();
    expect(only[0]).toBe(Sampling.Deny);
    expect(parseB3Single("64fe8b2a57d3eff7-e457b5a2e4d86bd1-x", only)).toBeNull();
    expect(parseB3Single("64fe8b2a57d3eff7-0000000000000000-1", only)).toBeNull();
    expect(parseB3Single("a-b-c-d-e", only)).toBeNull();
  });

  it("writes the single header with the parent when there is one", () => {
    const only: Sampling[] = [Sampling.Defer];
    const c = parseB3Single("64fe8b2a57d3eff7-e457b5a2e4d86bd1", only)!;
    expect(formatB3Single(c, true)).toBe("64fe8b2a57d3eff7-e457b5a2e4d86bd1-1");
    c.parentSpanId = 0x1;
    expect(formatB3Single(c, false)).toBe("64fe8b2a57d3eff7-e457b5a2e4d86bd1-0-0000000000000001");
  });
});

describe("id source", () => {
  it("gives non-zero, distinct ids at the same clock reading, and different ids to differently seeded VMs", () => {
    const a = new IdSource();
    a.seed(1700000000000000000, 2);
    const seen = new Set<u64>();
    for (let i = 0; i < 10000; i++) {
      const id = a.next(1700000000000000000);
      expect(id).not.toBe(0);
      seen.add(id);
    }
    expect(seen.size).toBe(10000);
    const c = new IdSource();
    c.seed(1700000000000000000, 2);
    const d = new IdSource();
    d.seed(1700000000000000000, 3);
    expect(c.next(5)).not.toBe(d.next(5));
  });

  it("seeds itself from the clock if used unseeded, and never sticks", () => {
    const a = new IdSource();
    const first = a.next(123456789);
    expect(first).not.toBe(a.next(123456789));
  });

  it("keeps its first seed", () => {
    const a = new IdSource();
    a.seed(10, 1);
    const b = new IdSource();
    b.seed(10, 1);
    b.seed(99, 7);
    expect(a.next(0)).toBe(b.next(0));
  });
});
