// A route's regex (RE2 syntax, as Envoy's safe_regex) is checked by the module's own compiler
// (assembly/regex/, built alone as build/regex-check.wasm by `npm run build`), so the controller
// refuses exactly what the module would NACK, in the module's words; JavaScript's engine accepts
// patterns RE2 refuses (a{1001}, backreferences, lookaround) and refuses some RE2 accepts.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WASM = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../build/regex-check.wasm");
/** AssemblyScript's class id of String (~lib/rt/common.ts). */
const STRING_ID = 2;

interface Checker {
  memory: WebAssembly.Memory;
  __new(size: number, id: number): number;
  regexError(pattern: number): number;
}

let checker: Checker | undefined;

function load(): Checker {
  if (checker) return checker;
  let code: Buffer;
  try {
    code = readFileSync(WASM);
  } catch {
    throw new Error(`${path.relative(process.cwd(), WASM)} is missing: run \`npm run build\` first`);
  }
  // Built with `abort=` (assembly/regex/asconfig.json): it imports nothing, a failed assertion traps.
  checker = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(code)), {}).exports as unknown as Checker;
  return checker;
}

/** null when `pattern` passes, else why not. */
export function checkRe2Regex(pattern: string): string | null {
  const c = load();
  const input = c.__new(pattern.length * 2, STRING_ID) >>> 0;
  new Uint16Array(c.memory.buffer, input, pattern.length).set(Array.from(pattern, (_, i) => pattern.charCodeAt(i)));
  const output = c.regexError(input) >>> 0;
  // An AssemblyScript string: its byte length sits in the object header just before it.
  const bytes = new Uint32Array(c.memory.buffer, output - 4, 1)[0];
  const error = String.fromCharCode(...new Uint16Array(c.memory.buffer, output, bytes / 2));
  return error === "" ? null : error;
}
