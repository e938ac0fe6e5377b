// One codec's fuzz campaign in a worker thread, watched from here: a case that does not finish
// within `hangMs` (a VM stuck in a loop cannot be interrupted from its own thread) ends the
// worker, and the outcome names the case it was running.
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { PRODUCT_MODULE } from "./fuzz-vm.ts";
import { CaseSlot, SLOT_BYTES, type CampaignRequest, type WorkerOutcome } from "./campaign-protocol.ts";

export interface CampaignOptions {
  codec: string;
  cases: number;
  seed: number;
  path?: string;
  noShrink?: boolean;
  timeLimitMs?: number;
  /** The module's bytes; build/meta_protocol.wasm when absent. */
  code?: Uint8Array;
  /** A case running longer than this is a hang. */
  hangMs?: number;
  /** Called every few seconds with the cases finished so far. */
  onProgress?: (finished: number) => void;
}

export type CampaignOutcome = WorkerOutcome & { hang?: string };

const POLL_MS = 500;
// Node 20 resolves a worker's .ts entry before any --import hook runs in it: the worker starts
// from this script, which registers tsx and then imports the real entry.
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./campaign-worker.ts", import.meta.url).href)}); })`;

export function runCampaign(o: CampaignOptions): Promise<CampaignOutcome> {
  const shared = new SharedArrayBuffer(SLOT_BYTES);
  const slot = new CaseSlot(shared);
  const request: CampaignRequest = {
    codec: o.codec, cases: o.cases, seed: o.seed, path: o.path, noShrink: o.noShrink, timeLimitMs: o.timeLimitMs,
    code: o.code ?? readFileSync(PRODUCT_MODULE), shared,
  };
  const worker = new Worker(WORKER_BOOT, { eval: true, workerData: request });
  const hangMs = o.hangMs ?? 20_000;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let lastCount = -1;
    let lastChange = performance.now();
    let lastReport = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const count = slot.finished;
      if (count !== lastCount) {
        lastCount = count;
        lastChange = now;
      } else if (now - lastChange > hangMs) {
        clearInterval(timer);
        const hang = slot.describe();
        void worker.terminate();
        resolve({
          codec: o.codec, runs: count + 1, shrinks: 0, failed: true, seed: o.seed, error: `a case ran over ${hangMs} ms (hang)`,
          hang, ms: now - started, maxCaseMs: now - lastChange, byKind: {}, memoryPages: 0, vmReloads: 0,
        });
      }
      if (o.onProgress && now - lastReport > 5000) {
        lastReport = now;
        o.onProgress(count);
      }
    }, POLL_MS);
    worker.once("message", (outcome: WorkerOutcome) => {
      clearInterval(timer);
      resolve(outcome);
    });
    worker.once("error", (err) => {
      clearInterval(timer);
      reject(err);
    });
    worker.once("exit", (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`the ${o.codec} campaign's worker exited with ${code}`));
    });
  });
}
