// A small schema language for the resources we read, and its checker. Aeraki's kinds are checked
// strictly (a field not in the schema is an error); Kubernetes' and Istio's kinds are `open`: only
// the fields we read are checked, the rest belong to their owners' schemas.
import { formatPath, type FieldPath, type Problem } from "./problem.ts";
import type { YamlDocument } from "./yaml-documents.ts";
import { parseDuration } from "./duration.ts";

export type Schema = (
  | { type: "string" }
  | { type: "uint" }
  | { type: "number" }
  | { type: "bool" }
  | { type: "duration" }
  | { type: "any" }
  | { type: "list"; items: Schema }
  | { type: "map"; values: Schema }
  | { type: "object"; fields: Record<string, Schema>; required?: string[]; oneOf?: string[]; open?: boolean }
) & {
  /** Set when valid input asks for something we cannot do: reported as "unsupported" wherever it appears. */
  unsupported?: string;
};

export const str: Schema = { type: "string" };
export const uint: Schema = { type: "uint" };
export const num: Schema = { type: "number" };
export const bool: Schema = { type: "bool" };
export const duration: Schema = { type: "duration" };
export const any: Schema = { type: "any" };
export const list = (items: Schema): Schema => ({ type: "list", items });
export const map = (values: Schema): Schema => ({ type: "map", values });
export const object = (fields: Record<string, Schema>, extra: { required?: string[]; oneOf?: string[]; open?: boolean } = {}): Schema => ({
  type: "object",
  fields,
  ...extra,
});
export const unsupported = (schema: Schema, message: string): Schema => ({ ...schema, unsupported: message });

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

/** Checks `value` against `schema`; every problem names the field path and its line in `doc`. */
export function checkSchema(value: unknown, schema: Schema, path: FieldPath, doc: YamlDocument): Problem[] {
  const problems: Problem[] = [];
  const report = (at: FieldPath, message: string, severity: Problem["severity"] = "error"): void => {
    problems.push({ file: doc.file, line: doc.lineOf(at), field: formatPath(at), message, severity });
  };

  const walk = (v: unknown, s: Schema, at: FieldPath): void => {
    if (s.unsupported) report(at, s.unsupported, "unsupported");
    switch (s.type) {
      case "any":
        return;
      case "string":
        if (typeof v !== "string") report(at, `expected a string, got ${describe(v)}`);
        return;
      case "bool":
        if (typeof v !== "boolean") report(at, `expected true or false, got ${describe(v)}`);
        return;
      case "number":
        if (typeof v !== "number") report(at, `expected a number, got ${describe(v)}`);
        return;
      case "uint":
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) report(at, `expected an unsigned 32-bit integer, got ${describe(v)}`);
        return;
      case "duration": {
        const d = typeof v === "string" ? parseDuration(v) : null;
        if (d === null) report(at, `expected a duration such as "10s" or "100ms", got ${describe(v)}`);
        return;
      }
      case "list":
        if (!Array.isArray(v)) return report(at, `expected a list, got ${describe(v)}`);
        v.forEach((item, i) => walk(item, s.items, [...at, i]));
        return;
      case "map":
        if (v === null || typeof v !== "object" || Array.isArray(v)) return report(at, `expected a map, got ${describe(v)}`);
        for (const [k, item] of Object.entries(v)) walk(item, s.values, [...at, k]);
        return;
      case "object": {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return report(at, `expected an object, got ${describe(v)}`);
        const obj = v as Record<string, unknown>;
        for (const [k, item] of Object.entries(obj)) {
          const field = s.fields[k];
          if (field) {
            if (item !== null) walk(item, field, [...at, k]);
          } else if (!s.open) {
            report([...at, k], `unknown field (known: ${Object.keys(s.fields).join(", ")})`);
          }
        }
        for (const k of s.required ?? []) if (obj[k] === undefined || obj[k] === null) report([...at, k], "required");
        const set = (s.oneOf ?? []).filter((k) => obj[k] !== undefined && obj[k] !== null);
        if (set.length > 1) report([...at, set[1]], `only one of ${s.oneOf!.join(", ")} may be set`);
        return;
      }
    }
  };
  walk(value, schema, path);
  return problems;
}
