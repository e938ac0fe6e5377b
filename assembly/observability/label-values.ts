// Label values as they go into a stat name: bounded per label (a label that takes whatever a client
// sends, such as a method name, must not make one stat per value) and kept clear of the separators
// that stats_tags regexes look for.

/** What a value beyond a label's bound becomes. */
export const OTHER = "other";
/** What an absent or empty value becomes (Istio's word for it). */
export const UNKNOWN = "unknown";

/** The first `max` distinct values of one label are kept; later ones fold into `other`. Per VM. */
export class LabelValues {
  private seen: Set<string> = new Set<string>();

  constructor(readonly max: i32) {}

  fold(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }

  get size(): i32 {
    return this.seen.size;
  }
}

/**
 * A value safe inside `name=.=value;.;`: `;` (which could end the value early) and control
 * characters become `_`; an empty value is `unknown` (Istio's tag regexes want at least one character).
 */
export function statValue(value: string | null): string {
  if (value === null || value.length == 0) return UNKNOWN;
  let clean = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c == 0x3b || c < 0x20 || c == 0x7f) {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  const out = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    out[i] = c == 0x3b || c < 0x20 || c == 0x7f ? "_" : String.fromCharCode(c);
  }
  return out.join("");
}
