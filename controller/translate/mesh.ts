// The mesh as the translators see it: services (from Kubernetes Services and Istio ServiceEntries)
// with their MetaProtocol ports, the subsets of DestinationRules, and the protocol -> codec table
// (the module's built-in codecs plus what ApplicationProtocols declare).
import { problemAt, type Resource } from "../resources/read.ts";
import type { Problem } from "../resources/problem.ts";

export const BUILTIN_PROTOCOLS = ["dubbo", "thrift", "brpc", "redis"];
export const codecName = (protocol: string) => `aeraki.meta_protocol.codec.${protocol}`;
/** `tcp-metaprotocol-<protocol>` or `tcp-metaprotocol-<protocol>-<anything>`, as Aeraki reads port names. */
const METAPROTOCOL_PORT = /^tcp-metaprotocol-([^-]+)(?:-.*)?$/;

export interface MetaPort {
  number: number;
  name: string;
  protocol: string;
  codec: string;
  /** Where the workloads listen: the Service's targetPort or the ServiceEntry's targetPort, when given as a number. */
  targetPort?: number;
}

export interface Endpoint {
  address: string;
  ports: Record<string, number>;
  labels: Record<string, string>;
}

export interface MeshService {
  host: string;
  namespace: string;
  resource: Resource;
  /** Every port of the service, by number (destinations may name any of them). */
  ports: Map<number, { name: string; targetPort?: number }>;
  metaPorts: MetaPort[];
  /** The server workloads: the Service's selector or the ServiceEntry's workloadSelector. */
  selector?: Record<string, string>;
  endpoints: Endpoint[];
}

export interface Subset {
  labels: Record<string, string>;
}

export interface Mesh {
  services: Map<string, MeshService>;
  subsets: Map<string, Map<string, Subset>>;
  protocols: Map<string, string>;
}

export interface MeshOptions {
  /** Codecs the module has besides the built-in four (e.g. a private protocol's). */
  extraCodecs?: string[];
}

function readProtocols(resources: Resource[], options: MeshOptions, problems: Problem[]): Map<string, string> {
  const protocols = new Map(BUILTIN_PROTOCOLS.map((p) => [p, codecName(p)]));
  const codecs = new Set([...protocols.values(), ...(options.extraCodecs ?? [])]);
  const declaredBy = new Map<string, Resource>();
  for (const r of resources.filter((r) => r.kind === "ApplicationProtocol")) {
    const { protocol, codec } = r.spec as { protocol: string; codec: string };
    if (!codecs.has(codec)) {
      problems.push(problemAt(r, ["spec", "codec"], `unknown codec ${codec}: the module has ${[...codecs].join(", ")}`));
      continue;
    }
    const earlier = declaredBy.get(protocol);
    if (earlier && protocols.get(protocol) !== codec) {
      problems.push(problemAt(r, ["spec", "protocol"], `protocol ${protocol} is already declared with codec ${protocols.get(protocol)} (${earlier.doc.file}:${earlier.doc.lineOf(["spec", "protocol"])})`));
      continue;
    }
    declaredBy.set(protocol, r);
    protocols.set(protocol, codec);
  }
  return protocols;
}

function metaPort(r: Resource, index: number, number: number, name: string | undefined, targetPort: unknown, protocols: Map<string, string>, problems: Problem[]): MetaPort | undefined {
  const m = name === undefined ? null : METAPROTOCOL_PORT.exec(name);
  if (!m || name === undefined) return undefined;
  const codec = protocols.get(m[1]);
  if (!codec) {
    problems.push(problemAt(r, ["spec", "ports", index, "name"], `unknown protocol ${m[1]}: known are ${[...protocols.keys()].join(", ")} (declare others with an ApplicationProtocol)`));
    return undefined;
  }
  return { number, name, protocol: m[1], codec, targetPort: typeof targetPort === "number" ? targetPort : undefined };
}

function fromService(r: Resource, protocols: Map<string, string>, problems: Problem[]): MeshService[] {
  const namespace = r.namespace;
  const service: MeshService = { host: `${r.name}.${namespace}.svc.cluster.local`, namespace, resource: r, ports: new Map(), metaPorts: [], selector: r.spec.selector, endpoints: [] };
  (r.spec.ports ?? []).forEach((p: any, i: number) => {
    const targetPort = typeof p.targetPort === "number" ? p.targetPort : undefined;
    service.ports.set(p.port, { name: p.name ?? "", targetPort });
    const mp = metaPort(r, i, p.port, p.name, p.targetPort, protocols, problems);
    if (mp) service.metaPorts.push(mp);
  });
  return [service];
}

function fromServiceEntry(r: Resource, protocols: Map<string, string>, problems: Problem[]): MeshService[] {
  const namespace = r.namespace;
  const ports = new Map<number, { name: string; targetPort?: number }>();
  const metaPorts: MetaPort[] = [];
  (r.spec.ports ?? []).forEach((p: any, i: number) => {
    ports.set(p.number, { name: p.name ?? "", targetPort: p.targetPort });
    const mp = metaPort(r, i, p.number, p.name, p.targetPort, protocols, problems);
    if (mp) metaPorts.push(mp);
  });
  const endpoints: Endpoint[] = (r.spec.endpoints ?? []).map((e: any) => ({ address: e.address ?? "", ports: e.ports ?? {}, labels: e.labels ?? {} }));
  return (r.spec.hosts as string[]).map((host) => ({ host, namespace, resource: r, ports, metaPorts, selector: r.spec.workloadSelector?.labels, endpoints }));
}

/** A host as written if known, else a short name read in `namespace` (as Istio reads hosts of rules). */
export function qualifiedHost(host: string, namespace: string, services: Map<string, MeshService>): string {
  if (services.has(host) || host.includes(".")) return host;
  return `${host}.${namespace}.svc.cluster.local`;
}

/** Builds the mesh from resources that passed their schemas. */
export function buildMesh(resources: Resource[], options: MeshOptions = {}): { mesh: Mesh; problems: Problem[] } {
  const problems: Problem[] = [];
  const protocols = readProtocols(resources, options, problems);
  const services = new Map<string, MeshService>();
  for (const r of resources) {
    const found = r.kind === "Service" ? fromService(r, protocols, problems) : r.kind === "ServiceEntry" ? fromServiceEntry(r, protocols, problems) : [];
    for (const s of found) {
      const earlier = services.get(s.host);
      if (earlier) {
        const where = r.kind === "Service" ? ["metadata", "name"] : ["spec", "hosts"];
        problems.push(problemAt(r, where, `host ${s.host} is already defined by ${earlier.resource.kind} ${earlier.resource.name} (${earlier.resource.doc.file})`));
        continue;
      }
      services.set(s.host, s);
    }
  }
  const subsets = new Map<string, Map<string, Subset>>();
  for (const r of resources.filter((r) => r.kind === "DestinationRule")) {
    const host = qualifiedHost(r.spec.host, r.namespace, services);
    const byName = subsets.get(host) ?? new Map<string, Subset>();
    subsets.set(host, byName);
    (r.spec.subsets ?? []).forEach((s: any, i: number) => {
      if (byName.has(s.name)) problems.push(problemAt(r, ["spec", "subsets", i, "name"], `subset ${s.name} of ${r.spec.host} is defined twice`));
      else byName.set(s.name, { labels: s.labels ?? {} });
    });
  }
  return { mesh: { services, subsets, protocols }, problems };
}
