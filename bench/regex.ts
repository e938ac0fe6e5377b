// Cost of the regex matcher (assembly/regex/) per input character, for route-like patterns and
// for the adversarial ones that make backtracking engines explode. A linear-time matcher shows a
// flat ns/char column as the text grows 100x; a backtracking one would not finish.
// A small AssemblyScript entry (below) is compiled in memory with asc; the texts are built inside
// the module so the timing covers matching only. Built as the product is: minimal runtime, -O3 -s1.
//   node --import tsx bench/regex.ts
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ENTRY = "bench/regex-bench-entry.ts";
const LENGTHS = [100, 1000, 10000];
const MIN_SECONDS = 0.2;

/** Pattern, text (a prefix, the one character `repeated` n times, a suffix), full or partial match. */
const CASES = [
  { name: "route: dubbo interface", pattern: "org\\.apache\\.dubbo\\.samples\\.[a-z.]*\\.[A-Z]\\w*", prefix: "org.apache.dubbo.samples.", repeated: "x", suffix: ".DemoService", full: true },
  { name: "route: method alternation", pattern: "(get|set|delete)[A-Z]\\w*", prefix: "get", repeated: "X", suffix: "", full: true },
  { name: "(a*)*b on a...a", pattern: "(a*)*b", prefix: "", repeated: "a", suffix: "", full: true },
  { name: "(a|a)*b on a...a", pattern: "(a|a)*b", prefix: "", repeated: "a", suffix: "", full: true },
  { name: "(a+)+$ on a...a!", pattern: "(a+)+$", prefix: "", repeated: "a", suffix: "!", full: false },
  { name: "(.*a){20} on a...a", pattern: "(.*a){20}", prefix: "", repeated: "a", suffix: "", full: true },
];

function entrySource(): string {
  const patterns = CASES.map((c) => JSON.stringify(c.pattern)).join(", ");
  const full = CASES.map((c) => String(c.full)).join(", ");
  return `
import { compileRegex, Regex } from "../assembly/regex/regex";
const PATTERNS: string[] = [${patterns}];
const FULL: bool[] = [${full}];
const regexes: Regex[] = [];
for (let i = 0; i < PATTERNS.length; i++) regexes.push(compileRegex(PATTERNS[i]).regex!);
let text = "";
let pieces: string[] = [];
/** Appends \`count\` copies of one code unit to the text being built. */
export function push(code: i32, count: i32): void {
  pieces.push(String.fromCharCode(code).repeat(count));
}
export function finish(): void {
  text = pieces.join("");
  pieces = [];
}
/** Runs case \`which\` on the prepared text \`iterations\` times; returns how many matched. */
export function run(which: i32, iterations: i32): i32 {
  let hits = 0;
  const re = regexes[which];
  for (let i = 0; i < iterations; i++) if (FULL[which] ? re.matches(text) : re.search(text)) hits++;
  return hits;
}
`;
}

async function compile(): Promise<WebAssembly.Instance> {
  let binary: Uint8Array | null = null;
  const { error, stderr } = await asc.main([ENTRY, "--outFile", "out.wasm", "--optimizeLevel", "3", "--shrinkLevel", "1", "--runtime", "minimal", "--use", "abort="], {
    readFile(name: string, baseDir: string) {
      if (name === ENTRY || path.join(baseDir, name) === path.join(root, ENTRY)) return entrySource();
      if (name === "asconfig.json") return null;
      const file = path.join(baseDir, name);
      return existsSync(file) ? readFileSync(file, "utf8") : null;
    },
    writeFile(name: string, contents: Uint8Array | string) {
      if (name.endsWith(".wasm")) binary = contents as Uint8Array;
    },
    listFiles(dir: string, baseDir: string) {
      const full = path.join(baseDir, dir);
      return existsSync(full) ? readdirSync(full).filter((f) => f.endsWith(".ts")) : null;
    },
  });
  if (error || binary === null) throw new Error(`asc failed: ${error?.message ?? ""}\n${stderr.toString()}`);
  const module = await WebAssembly.compile(binary);
  return new WebAssembly.Instance(module, {});
}

interface Exports {
  push(code: number, count: number): void;
  finish(): void;
  run(which: number, iterations: number): number;
}

/** Builds prefix + repeated x n + suffix inside the module; returns its length. */
function prepareText(e: Exports, c: (typeof CASES)[number], n: number): number {
  for (const ch of c.prefix) e.push(ch.charCodeAt(0), 1);
  e.push(c.repeated.charCodeAt(0), n);
  for (const ch of c.suffix) e.push(ch.charCodeAt(0), 1);
  e.finish();
  return c.prefix.length + n + c.suffix.length;
}

const instance = await compile();
const e = instance.exports as unknown as Exports;
console.log(`${"case".padEnd(30)} ${LENGTHS.map((n) => `n=${n} ns/char`.padStart(18)).join(" ")}  matched`);
for (let which = 0; which < CASES.length; which++) {
  const c = CASES[which];
  const cells: string[] = [];
  let matched = 0;
  for (const n of LENGTHS) {
    const chars = prepareText(e, c, n);
    let iterations = 1;
    let seconds = 0;
    while (true) {
      const start = process.hrtime.bigint();
      matched = e.run(which, iterations);
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (seconds >= MIN_SECONDS) break;
      iterations *= 2;
    }
    cells.push(((seconds * 1e9) / iterations / chars).toFixed(1).padStart(18));
  }
  console.log(`${c.name.padEnd(30)} ${cells.join(" ")}  ${matched > 0 ? "yes" : "no"}`);
}
