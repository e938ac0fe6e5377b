// What the campaign's main thread and its worker share: the request, the outcome, and the slot
// in shared memory holding the case being run (a short header and its bytes), with a counter of
// finished cases the main thread watches to tell a slow campaign from a hung case.
import type { FuzzCase } from "./cases.ts";

export interface CampaignRequest {
  codec: string;
  cases: number;
  seed: number;
  /** fast-check's counterexample path: replays one case. */
  path?: string;
  noShrink?: boolean;
  /** Stop starting cases after this long (the outcome counts those run). */
  timeLimitMs?: number;
  /** The module to fuzz, read once by the caller so that every codec's worker runs the same build. */
  code: Uint8Array;
  shared: SharedArrayBuffer;
}

export interface WorkerOutcome {
  codec: string;
  runs: number;
  shrinks: number;
  failed: boolean;
  seed: number;
  path?: string;
  error?: string;
  counterexample?: string;
  ms: number;
  maxCaseMs: number;
  byKind: Record<string, number>;
  memoryPages: number;
  vmReloads: number;
}

const HEADER = 3; // finished count, header length, bytes length (Int32 each)
const TEXT_SPACE = 4096;
export const SLOT_BYTES = 4 * HEADER + TEXT_SPACE + 256 * 1024;

export class CaseSlot {
  private ints: Int32Array;
  private text: Uint8Array;
  private bytes: Uint8Array;
  private encoder = new TextEncoder();

  constructor(shared: SharedArrayBuffer) {
    this.ints = new Int32Array(shared, 0, HEADER);
    this.text = new Uint8Array(shared, 4 * HEADER, TEXT_SPACE);
    this.bytes = new Uint8Array(shared, 4 * HEADER + TEXT_SPACE);
  }

  /** Writes the case about to run: its shape as JSON, its client bytes then its server bytes. */
  record(c: FuzzCase): void {
    const client = Buffer.concat([...c.valid.map((u) => u.request), c.rest]);
    const answers = c.server ? Buffer.concat([...c.valid.map((u) => u.response), c.server.rest]) : Buffer.alloc(0);
    const head = JSON.stringify({
      kind: c.kind, flavor: c.flavor, routed: c.routed, end: c.end, cuts: c.cuts,
      clientBytes: client.length, serverBytes: answers.length, serverCuts: c.server?.cuts ?? [],
    });
    const written = this.encoder.encodeInto(head, this.text).written;
    const n = Math.min(client.length, this.bytes.length);
    this.bytes.set(client.subarray(0, n), 0);
    const m = Math.min(answers.length, this.bytes.length - n);
    this.bytes.set(answers.subarray(0, m), n);
    Atomics.store(this.ints, 1, written);
    Atomics.store(this.ints, 2, n + m);
  }

  done(): void {
    Atomics.add(this.ints, 0, 1);
  }

  get finished(): number {
    return Atomics.load(this.ints, 0);
  }

  /** The case last recorded, printable: its shape, then its client and server bytes in hex. */
  describe(): string {
    const head = Buffer.from(this.text.subarray(0, Atomics.load(this.ints, 1))).toString();
    const shape = JSON.parse(head) as { clientBytes: number };
    const all = Buffer.from(this.bytes.subarray(0, Atomics.load(this.ints, 2)));
    return `${head}\n  client: ${all.subarray(0, shape.clientBytes).toString("hex")}\n  server: ${all.subarray(shape.clientBytes).toString("hex")}`;
  }
}
