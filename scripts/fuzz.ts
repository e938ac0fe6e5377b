// Long fuzz campaigns over every codec through the host's real ABI (the properties of
// tests/fuzz/codec-fuzz.test.ts), one worker per codec, watched for hangs.
//   npm run fuzz -- --cases N [--codec NAME] [--seed S] [--path P] [--no-shrink] [--hang-ms MS] [--minutes-per-codec M]
// Prints, per codec, how many cases it tried, how long that took, and each failure with its seed
// and fast-check path (--minutes-per-codec stops a codec's run early, counting the cases it tried); `--seed S --path P --codec NAME` replays a failure exactly. Exit 1 on any failure.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { runCampaign, type CampaignOutcome } from "../tests/fuzz/campaign.ts";
import { CODECS } from "../tests/fuzz/corpus.ts";
import { PRODUCT_MODULE } from "../tests/fuzz/fuzz-vm.ts";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "10000" },
    codec: { type: "string" },
    seed: { type: "string" },
    path: { type: "string" },
    "no-shrink": { type: "boolean", default: false },
    "hang-ms": { type: "string", default: "20000" },
    "minutes-per-codec": { type: "string" },
  },
});

const cases = Number(values.cases);
if (!Number.isInteger(cases) || cases <= 0) throw new Error(`--cases must be a positive integer, not ${values.cases}`);
if (values.codec && !CODECS.includes(values.codec)) throw new Error(`--codec must be one of ${CODECS.join(", ")}`);
const codecs = values.codec ? [values.codec] : CODECS;
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() ^ (Math.random() * 0x100000000);

function report(r: CampaignOutcome): void {
  const seconds = r.ms / 1000;
  const rate = r.runs / seconds;
  console.log(
    `${r.codec.padEnd(6)} ${String(r.runs).padStart(9)} cases in ${seconds.toFixed(1).padStart(7)} s (${rate.toFixed(0)} cases/s), ` +
      `slowest case ${r.maxCaseMs.toFixed(1)} ms, VM memory ${r.memoryPages} pages, ${r.failed ? "FAILED" : "no failure"}`,
  );
  console.log(`       by kind: ${Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  if (!r.failed) return;
  console.log(`       seed ${r.seed}${r.path ? ` path ${r.path}` : ""}${r.shrinks ? ` (after ${r.shrinks} shrinks)` : ""}: ${r.error}`);
  console.log((r.counterexample ?? r.hang ?? "").replace(/^/gm, "       "));
  console.log(`       replay: npm run fuzz -- --codec ${r.codec} --seed ${r.seed}${r.path ? ` --path ${r.path}` : ""} --cases 1`);
}

const code = readFileSync(PRODUCT_MODULE);
const minutes = values["minutes-per-codec"] !== undefined ? Number(values["minutes-per-codec"]) : undefined;
console.log(`fuzzing ${codecs.join(", ")}: ${cases} cases each${minutes ? ` (at most ${minutes} min each)` : ""}, seed ${seed}`);
console.log(`module ${path.relative(process.cwd(), PRODUCT_MODULE)} sha256 ${createHash("sha256").update(code).digest("hex").slice(0, 16)}, node ${process.version}`);
let failed = false;
for (const codec of codecs) {
  const r = await runCampaign({
    codec, cases, seed, code, path: values.path, noShrink: values["no-shrink"], hangMs: Number(values["hang-ms"]),
    timeLimitMs: minutes !== undefined ? minutes * 60_000 : undefined,
    onProgress: (n) => process.stderr.write(`  ${codec}: ${n} cases\r`),
  });
  report(r);
  failed ||= r.failed;
}
process.exitCode = failed ? 1 : 0;
