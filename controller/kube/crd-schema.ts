// Checks an object against a CRD's openAPIV3Schema as the API server would: type, range, enum and
// property-count errors are refused, and a field the schema does not declare is reported too,
// because the API server silently drops (prunes) it, which for a user means a setting that never
// takes effect. Only the structural-schema keywords our CRDs use are understood; any other
// keyword is an error, so the check can never pass by ignoring part of a schema.

export interface SchemaProblem {
  field: string; // spec.routes[0].route[1].weight
  message: string;
}

type Schema = Record<string, unknown>;

const UNDERSTOOD = new Set([
  "type", "description", "properties", "additionalProperties", "items", "required", "enum", "minimum", "maximum",
  "maxProperties", "minProperties", "nullable", "format", "x-kubernetes-preserve-unknown-fields",
]);
// Every object has these at its root; the API server validates them itself.
const ROOT_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

export function checkAgainstSchema(schema: Schema, object: Record<string, unknown>): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const rootObject = Object.fromEntries(Object.entries(object).filter(([key]) => !ROOT_FIELDS.has(key)));
  check(schema, rootObject, "", problems);
  return problems;
}

function check(schema: Schema, value: unknown, path: string, problems: SchemaProblem[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!UNDERSTOOD.has(keyword)) throw new Error(`schema at ${path || "<root>"}: keyword ${keyword} is not understood by this check`);
  }
  const problem = (message: string) => problems.push({ field: path || "<root>", message });
  if (value === null) {
    if (schema.nullable !== true) problem("must not be null");
    return;
  }
  const actual = typeOf(value);
  if (schema.type !== undefined && schema.type !== actual && !(schema.type === "number" && actual === "integer")) {
    return void problem(`must be of type ${schema.type}, not ${actual}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problem(`must be one of ${schema.enum.join(", ")}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problem(`must be at least ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problem(`must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) => check(schema.items as Schema, item, `${path}[${index}]`, problems));
  }
  if (actual === "object") checkObject(schema, value as Record<string, unknown>, path, problem, problems);
}

function checkObject(
  schema: Schema, value: Record<string, unknown>, path: string, problem: (message: string) => void, problems: SchemaProblem[],
): void {
  const keys = Object.keys(value);
  if (typeof schema.maxProperties === "number" && keys.length > schema.maxProperties) {
    problem(`must have at most ${schema.maxProperties} field(s), has ${keys.join(", ")}`);
  }
  if (typeof schema.minProperties === "number" && keys.length < schema.minProperties) problem(`must have at least ${schema.minProperties} field(s)`);
  for (const required of (schema.required as string[] | undefined) ?? []) {
    if (!(required in value)) problems.push({ field: join(path, required), message: "is required" });
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  const additional = schema.additionalProperties as Schema | undefined;
  for (const key of keys) {
    const field = join(path, key);
    if (properties?.[key]) check(properties[key], value[key], field, problems);
    else if (additional) check(additional, value[key], field, problems);
    else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) {
      problems.push({ field, message: "unknown field: the API server would drop it" });
    }
  }
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}
