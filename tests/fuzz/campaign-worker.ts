// The worker side of a campaign (see campaign.ts): runs fast-check over one codec's cases and
// posts the outcome. Before each case it writes the case into the shared buffer, so that the
// main thread can print it if the case never returns (a hang cannot be caught from inside).
import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import { casesFor, type FuzzCase } from "./cases.ts";
import { CodecRig, describeCase } from "./run-case.ts";
import { CaseSlot, type CampaignRequest, type WorkerOutcome } from "./campaign-protocol.ts";

const request = workerData as CampaignRequest;
const slot = new CaseSlot(request.shared);
const rig = new CodecRig(request.codec, request.code);
const byKind = new Map<string, number>();
let maxCaseMs = 0;

const property = fc.property(casesFor(request.codec), (c: FuzzCase) => {
  slot.record(c);
  const start = performance.now();
  try {
    rig.run(c);
  } finally {
    const ms = performance.now() - start;
    if (ms > maxCaseMs) maxCaseMs = ms;
    byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
    slot.done();
  }
});

const started = performance.now();
const details = fc.check(property, {
  numRuns: request.cases, seed: request.seed, path: request.path, endOnFailure: request.noShrink,
  interruptAfterTimeLimit: request.timeLimitMs,
  // A case is a handful of host calls: fast-check's own per-run timeout cannot stop a blocked VM anyway.
  markInterruptAsFailure: false,
});
const outcome: WorkerOutcome = {
  codec: request.codec,
  runs: details.numRuns,
  shrinks: details.numShrinks,
  failed: details.failed,
  seed: details.seed,
  path: details.counterexamplePath ?? undefined,
  error: details.failed ? String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance) : undefined,
  counterexample: details.counterexample ? describeCase(details.counterexample[0]) : undefined,
  ms: performance.now() - started,
  maxCaseMs,
  byKind: Object.fromEntries(byKind),
  memoryPages: rig.memoryPages,
  vmReloads: rig.reloads,
};
rig.close();
parentPort!.postMessage(outcome);
