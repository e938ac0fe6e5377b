// Runs one fuzz case against a codec's VMs and checks what must hold whatever the bytes:
// the VM never traps; bytes reach the server only as a prefix of what the client sent (no filter
// here changes them); a connection is closed by the module exactly when a decoding error is
// counted for it; a connection running beside the case (a valid request split around it) is not
// disturbed; the gauges come back when the connections are gone. Then what the case expects
// (see Expectation). A violation throws, with the reason.
import { FLAVORS, type Unit } from "./corpus.ts";
import type { FuzzCase } from "./cases.ts";
import { FuzzVm } from "./fuzz-vm.ts";
import type { SimConnection } from "./sim-connection.ts";

export class CaseFailure extends Error {}

function check(ok: boolean, message: () => string): void {
  if (!ok) throw new CaseFailure(message());
}

function isPrefix(prefix: Buffer, of: Buffer): boolean {
  return prefix.length <= of.length && of.subarray(0, prefix.length).equals(prefix);
}

function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > at) out.push(bytes.subarray(at, c));
    at = Math.max(at, c);
  }
  return out;
}

const hex = (b: Buffer, max = 64) => b.subarray(0, max).toString("hex") + (b.length > max ? `... (${b.length} bytes)` : "");

/** The VMs of one codec (with and without a router) and the frame counts of its golden units. */
export class CodecRig {
  private vms: Record<"plain" | "routed", FuzzVm>;
  private frames = new Map<Buffer, { requests: number; responses: number }>();
  private witnessId = 1;

  constructor(
    readonly codec: string,
    code?: Uint8Array,
  ) {
    this.vms = { plain: new FuzzVm({ codec, routed: false, code }), routed: new FuzzVm({ codec, routed: true, code }) };
    for (const flavor of FLAVORS.filter((f) => f.codec === codec)) for (const u of flavor.golden) this.frames.set(u.request, this.measure(u));
  }

  /** Requests and responses a golden unit counts when it goes whole in one read each way (the oracle for split reads). */
  private measure(u: Unit): { requests: number; responses: number } {
    const vm = this.vms.plain;
    const [r0, s0] = [vm.counter("request"), vm.counter("response")];
    const c = vm.connect();
    c.send(u.request);
    c.receive(u.response);
    const ok = !c.closed && c.upstreamBytes().equals(u.request) && c.clientBytes().equals(u.response);
    c.closeByClient();
    if (!ok) throw new Error(`${this.codec}: a golden unit does not pass whole: ${hex(u.request)}`);
    return { requests: vm.counter("request") - r0, responses: vm.counter("response") - s0 };
  }

  private count(units: Unit[], which: "requests" | "responses"): number {
    return units.reduce((n, u) => n + (u.frames ?? this.frames.get(u.request)?.[which] ?? NaN), 0);
  }

  get memoryPages(): number {
    return Math.max(this.vms.plain.memoryPages, this.vms.routed.memoryPages);
  }

  get reloads(): number {
    return this.vms.plain.reloads + this.vms.routed.reloads;
  }

  close(): void {
    this.vms.plain.close();
    this.vms.routed.close();
  }

  run(c: FuzzCase): void {
    const vm = this.vms[c.routed ? "routed" : "plain"];
    vm.ensureAlive();
    const flavor = FLAVORS.find((f) => f.name === c.flavor)!;
    const alive = (step: string) => {
      check(!vm.failed && vm.critical.length === 0, () => `the VM trapped ${step}: ${vm.critical.join(" | ")}`);
    };
    const gaugesBefore = [vm.gauge("connection_active"), vm.gauge("request_active")];
    const errors = () => vm.counter("request_decoding_error") + vm.counter("response_decoding_error");

    // The witness: a valid request whose first half arrives before the case and the rest after it.
    const witnessUnit = flavor.generate(Buffer.from(`witness ${this.witnessId}`), this.witnessId++);
    const witness = vm.connect();
    const half = Math.max(1, witnessUnit.request.length >> 1);
    witness.send(witnessUnit.request.subarray(0, half));
    alive("on the witness's first half");

    const errorsBefore = errors();
    const requestsBefore = vm.counter("request");
    const responsesBefore = vm.counter("response");
    const valid = Buffer.concat(c.valid.map((u) => u.request));
    const sent = Buffer.concat([valid, c.rest]);
    const conn = vm.connect();
    const consistent = (step: string) => {
      alive(step);
      const upstream = conn.upstreamBytes();
      check(isPrefix(upstream, sent), () => `${step}: the server got bytes the client did not send in that order: ${hex(upstream)}`);
      const counted = errors() - errorsBefore;
      check(counted === (conn.closedByFilter ? 1 : 0), () => `${step}: closed=${conn.closedByFilter} but ${counted} decoding errors counted`);
    };
    consistent("on connect");
    const reads = chunks(sent, c.cuts);
    let delivered = 0;
    for (let i = 0; i < reads.length && !conn.closed; i++) {
      conn.send(reads[i], c.end && i === reads.length - 1);
      delivered += reads[i].length;
      consistent(`after read ${i + 1}/${reads.length}`);
      if (c.expect === "pass" || c.expect === "prefix") check(!conn.closed, () => `read ${i + 1}: valid bytes were refused: ${vm.recentLog.at(-1)}`);
      if (delivered === valid.length && c.valid.length > 0 && c.expect === "refuse") {
        check(conn.upstreamBytes().equals(valid), () => `the valid units did not all pass before the garbage: ${conn.upstreamBytes().length} of ${valid.length} bytes`);
      }
    }
    if (reads.length === 0 && c.end) conn.send(Buffer.alloc(0), true);
    this.expect(c, conn, valid, sent, vm.counter("request") - requestsBefore);
    if (c.server && !conn.closed) this.serve(c, conn, vm, responsesBefore, consistent);

    witness.send(witnessUnit.request.subarray(half));
    alive("on the witness's second half");
    check(!witness.closed && witness.upstreamBytes().equals(witnessUnit.request), () => "the connection beside the case was disturbed");
    witness.receive(witnessUnit.response);
    check(witness.clientBytes().equals(witnessUnit.response), () => "the answer on the connection beside the case was disturbed");
    conn.closeByClient();
    witness.closeByClient();
    alive("on close");
    this.checkGauges(vm, gaugesBefore);
  }

  private checkGauges(vm: FuzzVm, before: number[]): void {
    const after = [vm.gauge("connection_active"), vm.gauge("request_active")];
    check(after[0] === before[0] && after[1] === before[1], () => `gauges connection_active/request_active ${before} became ${after}`);
  }

  private expect(c: FuzzCase, conn: SimConnection, valid: Buffer, sent: Buffer, requests: number): void {
    const upstream = conn.upstreamBytes();
    switch (c.expect) {
      case "pass":
        check(!conn.closed && upstream.equals(sent), () => `not passed whole: ${upstream.length} of ${sent.length} bytes, closed=${conn.closed}`);
        if (c.rest.length === 0) {
          const expected = this.count(c.valid, "requests") + 1; // the witness's comes later
          check(requests + 1 === expected, () => `${requests} requests counted for ${expected - 1} sent`);
        }
        break;
      case "prefix":
        check(!conn.closed, () => "closed");
        break;
      case "refuse":
        check(conn.closedByFilter, () => `not refused (${upstream.length} bytes passed)`);
        check(isPrefix(upstream, valid), () => `bytes after the valid units passed: ${hex(upstream.subarray(valid.length))}`);
        break;
      case "any":
        break;
    }
  }

  /** The server answers the valid units (and sends the case's server bytes), in the case's reads. */
  private serve(c: FuzzCase, conn: SimConnection, vm: FuzzVm, responsesBefore: number, consistent: (step: string) => void): void {
    const server = c.server!;
    const answers = Buffer.concat(c.valid.map((u) => u.response));
    const bytes = Buffer.concat([answers, server.rest]);
    const reads = chunks(bytes, server.cuts.map((r) => (bytes.length > 0 ? 1 + (r % bytes.length) : 0)).sort((a, b) => a - b));
    for (let i = 0; i < reads.length && !conn.closed; i++) {
      conn.receive(reads[i]);
      consistent(`after server read ${i + 1}/${reads.length}`);
      check(isPrefix(conn.clientBytes(), bytes), () => `the client got bytes the server did not send in that order: ${hex(conn.clientBytes())}`);
    }
    if (server.expect !== "pass") return;
    check(!conn.closed && conn.clientBytes().equals(bytes), () => `answers not passed whole: ${conn.clientBytes().length} of ${bytes.length} bytes`);
    const expected = this.count(c.valid, "responses");
    const responses = vm.counter("response") - responsesBefore;
    check(responses === expected, () => `${responses} responses counted for ${expected}`);
  }
}

/** A short, printable account of a case (hex of its bytes), for failure reports. */
export function describeCase(c: FuzzCase): string {
  const valid = Buffer.concat(c.valid.map((u) => u.request));
  return [
    `${c.kind} ${c.flavor}${c.routed ? " routed" : ""} expect=${c.expect} end=${c.end} cuts=[${c.cuts.join(",")}]`,
    `  valid (${valid.length} bytes): ${hex(valid, 256)}`,
    `  rest (${c.rest.length} bytes): ${hex(c.rest, 256)}`,
    c.server ? `  server rest (${c.server.rest.length} bytes): ${hex(c.server.rest, 256)} cuts=[${c.server.cuts.join(",")}]` : "",
  ].filter(Boolean).join("\n");
}
