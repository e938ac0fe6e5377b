// A problem found in the resources: where it is (file, line, field path) and what is wrong.
// "error": the resource is wrong. "unsupported": valid Aeraki, but this controller or stock Envoy
// cannot do it; it is reported, never silently dropped, and makes `validate` fail too.

export type Severity = "error" | "unsupported";

export interface Problem {
  file: string;
  /** 1-based; 0 when the problem has no line (e.g. a whole file). */
  line: number;
  /** A path like spec.routes[0].match.attributes.method.regex; "" for the whole document. */
  field: string;
  message: string;
  severity: Severity;
}

/** A field path as a list of keys and indexes. */
export type FieldPath = ReadonlyArray<string | number>;

/** `["spec", "routes", 0, "match"]` -> `spec.routes[0].match`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export function formatProblem(p: Problem): string {
  const where = p.field === "" ? "" : ` ${p.field}:`;
  const tag = p.severity === "unsupported" ? " (unsupported)" : "";
  return `${p.file}:${p.line}:${where} ${p.message}${tag}`;
}

/** Sorted by file, then line, for stable output. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.field.localeCompare(b.field));
}
