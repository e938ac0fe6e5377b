// A first check of a route's regex (RE2 syntax, as Envoy's safe_regex): it must compile, and it
// must not use what RE2 refuses although JavaScript accepts it (backreferences, lookaround). RE2
// spellings JavaScript lacks ((?P<name>...), inline flags) are rewritten before compiling.

/** null when `pattern` passes, else why not. */
export function checkRe2Regex(pattern: string): string | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9]/.test(next)) return `backreference \\${next} at ${i}: RE2 has no backreferences`;
      if (next === "k") return `named backreference at ${i}: RE2 has no backreferences`;
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
      if (pattern[i + 1] === "]") i++; // a leading ] is a literal
    } else if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) return `lookaround at ${i}: RE2 has no lookahead or lookbehind`;
      if (rest.startsWith(">")) return `atomic group at ${i}: RE2 has no atomic groups`;
    }
  }
  const forJs = pattern
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?[imsU]+\)/g, "")
    .replace(/\(\?[imsU-]+:/g, "(?:");
  try {
    new RegExp(forJs);
  } catch (e) {
    return `not a valid regular expression: ${(e as Error).message}`;
  }
  return null;
}
