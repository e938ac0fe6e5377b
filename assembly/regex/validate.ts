// The module's regex compiler built on its own (build/regex-check.wasm, see asconfig.json here), so
// that the controller refuses exactly the patterns the module would refuse, with the same words
// (controller/translate/regex-check.ts): one engine, not two that disagree.
import { compileRegex } from "./regex";

/** "" when the module compiles `pattern`, else why not. */
export function regexError(pattern: string): string {
  return compileRegex(pattern).error;
}
