// Reads resources from YAML text or a folder of YAML files (several documents per file), checks
// each document's kind, API version and schema, and keeps where every field came from.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { formatPath, type FieldPath, type Problem, type Severity } from "./problem.ts";
import { checkSchema, object, any, str } from "./schema.ts";
import { KINDS, metadataSchema } from "./kinds.ts";
import { parseYamlDocuments, type YamlDocument } from "./yaml-documents.ts";

/** A resource of a known kind that passed its schema; `spec` is as written. */
export interface Resource {
  apiVersion: string;
  kind: string;
  name: string;
  /** As written, else the reader's default namespace (as `kubectl apply -n` would place it). */
  namespace: string;
  labels: Record<string, string>;
  spec: any;
  doc: YamlDocument;
}

export interface ReadResult {
  resources: Resource[];
  problems: Problem[];
}

/** A problem at `path` of `resource` (its file and the line of that field). */
export function problemAt(resource: Resource, path: FieldPath, message: string, severity: Severity = "error"): Problem {
  return { file: resource.doc.file, line: resource.doc.lineOf(path), field: formatPath(path), message, severity };
}

export interface ReadOptions {
  /** The namespace of resources that name none; "default" unless given. */
  defaultNamespace?: string;
}

function readDocument(doc: YamlDocument, options: ReadOptions): { resource?: Resource; problems: Problem[] } {
  const at = (path: FieldPath, message: string): Problem => ({ file: doc.file, line: doc.lineOf(path), field: formatPath(path), message, severity: "error" });
  const v = doc.value as Record<string, any>;
  if (typeof v !== "object" || Array.isArray(v)) return { problems: [at([], "expected a Kubernetes-style object with apiVersion and kind")] };
  if (typeof v.kind !== "string") return { problems: [at(["kind"], "required")] };
  const info = KINDS[v.kind];
  if (!info) return { problems: [at(["kind"], `unknown kind ${v.kind} (known: ${Object.keys(KINDS).join(", ")})`)] };
  if (!info.apiVersions.includes(v.apiVersion)) {
    return { problems: [at(["apiVersion"], `${v.kind} must have apiVersion ${info.apiVersions.join(" or ")}, got ${JSON.stringify(v.apiVersion)}`)] };
  }
  const top = object({ apiVersion: str, kind: str, metadata: metadataSchema, spec: info.spec, status: any }, { required: ["metadata", "spec"], open: !info.strict });
  const problems = checkSchema(v, top, [], doc);
  if (v.kind === "MetaProtocolPolicy" && v.spec && typeof v.spec === "object") {
    for (const key of Object.keys(v.spec)) problems.push({ ...at(["spec", key], `MetaProtocolPolicy ${key} is not yet supported`), severity: "unsupported" });
  }
  // Only the shape matters for reading on: the model skips a resource whose schema has errors.
  if (problems.some((p) => p.severity === "error")) return { problems };
  const metadata = v.metadata;
  const resource: Resource = {
    apiVersion: v.apiVersion,
    kind: v.kind,
    name: metadata.name,
    namespace: metadata.namespace ?? options.defaultNamespace ?? "default",
    labels: metadata.labels ?? {},
    spec: v.spec,
    doc,
  };
  return { resource, problems };
}

/** Reads the documents of one YAML text; `file` names it in problems. */
export function readYamlText(file: string, text: string, options: ReadOptions = {}): ReadResult {
  const parsed = parseYamlDocuments(file, text);
  const result: ReadResult = { resources: [], problems: parsed.problems };
  for (const doc of parsed.documents) {
    const { resource, problems } = readDocument(doc, options);
    if (resource) result.resources.push(resource);
    result.problems.push(...problems);
  }
  return result;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry)) out.push(path);
  }
  return out;
}

/** A file as problems name it: relative to the working directory when inside it, else absolute. */
function displayName(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? resolve(path) : rel;
}

/** Reads every .yaml/.yml file under `dir` (sorted, recursively); files are named as displayName says. */
export function readYamlDirectory(dir: string, options: ReadOptions = {}): ReadResult {
  const result: ReadResult = { resources: [], problems: [] };
  for (const path of yamlFiles(dir)) {
    const r = readYamlText(displayName(path), readFileSync(path, "utf8"), options);
    result.resources.push(...r.resources);
    result.problems.push(...r.problems);
  }
  return result;
}
