// Compiles each MetaRouter against the mesh: which service and MetaProtocol ports it governs, the
// route table of each port (Aeraki's RouteConfiguration, clusters named as Istio names them) and
// its local rate limit; every semantic problem is reported at the field that causes it.
import { problemAt, type Resource } from "../resources/read.ts";
import type { FieldPath, Problem } from "../resources/problem.ts";
import { qualifiedHost, type Mesh, type MeshService, type MetaPort } from "./mesh.ts";
import { outboundCluster, routeConfigName, type Route, type RouteAction, type RouteConfiguration } from "./route-types.ts";
import { translateMatch } from "./match.ts";
import { translateLocalRateLimit, type LocalRateLimitConfig } from "./local-ratelimit.ts";
import { translateGlobalRateLimit, type GlobalRateLimitConfig } from "./global-ratelimit.ts";

export interface PortPlan {
  port: MetaPort;
  routeConfig: RouteConfiguration;
}

export interface RouterPlan {
  router: Resource;
  service: MeshService;
  ports: PortPlan[];
  localRateLimit?: LocalRateLimitConfig;
  globalRateLimit?: GlobalRateLimitConfig;
}

function findService(mesh: Mesh, host: string, namespace: string): MeshService | undefined {
  return mesh.services.get(qualifiedHost(host, namespace, mesh.services));
}

class RouterCompiler {
  readonly problems: Problem[] = [];
  private seen = new Set<string>();

  constructor(private mesh: Mesh, private router: Resource) {}

  /** Each route is translated once per port; each problem is reported once. */
  add(p: Problem): void {
    const key = `${p.line}|${p.field}|${p.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.problems.push(p);
  }

  report(path: FieldPath, message: string): void {
    this.add(problemAt(this.router, path, message));
  }

  cluster(destination: any, service: MeshService, port: MetaPort, path: FieldPath): string | undefined {
    const target = findService(this.mesh, destination.host, this.router.namespace);
    if (!target) {
      this.report([...path, "host"], `unknown host ${destination.host}: no Service or ServiceEntry defines it`);
      return undefined;
    }
    let number: number | undefined = destination.port?.number;
    if (number === undefined) {
      if (target === service) number = port.number;
      else if (target.metaPorts.length === 1) number = target.metaPorts[0].number;
      else if (target.ports.size === 1) number = [...target.ports.keys()][0];
      else return void this.report(path, `${target.host} has several ports: give destination.port.number`);
    } else if (!target.ports.has(number)) {
      return void this.report([...path, "port", "number"], `${target.host} has no port ${number}`);
    }
    const subset: string = destination.subset ?? "";
    if (subset !== "" && !this.mesh.subsets.get(target.host)?.has(subset)) {
      return void this.report([...path, "subset"], `subset ${subset} of ${target.host} is not defined by any DestinationRule`);
    }
    return outboundCluster(number, subset, target.host);
  }

  action(route: any, service: MeshService, port: MetaPort, path: FieldPath): RouteAction | undefined {
    const destinations: any[] = route.route ?? [];
    if (destinations.length === 0) return void this.report([...path, "route"], "needs at least one destination");
    const clusters = destinations.map((d, i) => ({ name: this.cluster(d.destination, service, port, [...path, "route", i, "destination"]), weight: d.weight ?? 0 }));
    if (clusters.some((c) => c.name === undefined)) return undefined;
    if (clusters.length === 1) return { cluster: clusters[0].name! };
    if (clusters.reduce((sum, c) => sum + c.weight, 0) <= 0) return void this.report([...path, "route"], "the weights of the destinations must add up to more than 0");
    return { weighted_clusters: { clusters: clusters.map((c) => ({ name: c.name!, weight: c.weight })) } };
  }

  /** The route's `hashPolicy` keys ([] when absent); undefined after reporting an empty key. */
  hashPolicy(route: any, path: FieldPath): string[] | undefined {
    const keys: string[] = route.hashPolicy ?? [];
    const empty = keys.findIndex((k) => k === "");
    if (empty >= 0) return void this.report([...path, "hashPolicy", empty], "must be a non-empty metadata key");
    return keys;
  }

  routeConfig(service: MeshService, port: MetaPort): RouteConfiguration {
    const routes: Route[] = [];
    (this.router.spec.routes ?? []).forEach((r: any, i: number) => {
      const path = ["spec", "routes", i];
      const problems: Problem[] = [];
      const match = translateMatch(r.match, this.router, [...path, "match"], problems);
      problems.forEach((p) => this.add(p));
      const action = this.action(r, service, port, path);
      if (!action) return;
      const route: Route = match ? { name: r.name ?? `route-${i}`, match, route: action } : { name: r.name ?? `route-${i}`, route: action };
      const hashPolicy = this.hashPolicy(r, path);
      if (hashPolicy === undefined) return;
      if (hashPolicy.length > 0) route.route.hash_policy = hashPolicy;
      if (r.requestMutation?.length) route.request_mutation = r.requestMutation.map((kv: any) => ({ key: kv.key, value: kv.value }));
      if (r.responseMutation?.length) route.response_mutation = r.responseMutation.map((kv: any) => ({ key: kv.key, value: kv.value }));
      routes.push(route);
    });
    return { name: routeConfigName(service.host, port.number), routes };
  }
}

/** Compiles every MetaRouter; a host governed by two MetaRouters is an error on the second. */
export function compileRouters(resources: Resource[], mesh: Mesh): { plans: RouterPlan[]; problems: Problem[] } {
  const plans: RouterPlan[] = [];
  const problems: Problem[] = [];
  const claimed = new Map<string, Resource>();
  for (const router of resources.filter((r) => r.kind === "MetaRouter")) {
    const hosts: string[] = router.spec.hosts;
    if (hosts.length === 0) {
      problems.push(problemAt(router, ["spec", "hosts"], "needs one host"));
      continue;
    }
    if (hosts.length > 1) problems.push(problemAt(router, ["spec", "hosts", 1], "only the first host takes effect (as in Aeraki): write one MetaRouter per host", "unsupported"));
    const service = findService(mesh, hosts[0], router.namespace);
    if (!service || service.metaPorts.length === 0) {
      const why = service ? `${service.resource.kind} ${service.resource.name} has no port named tcp-metaprotocol-<protocol>-*` : "no Service or ServiceEntry defines it";
      problems.push(problemAt(router, ["spec", "hosts", 0], `host ${hosts[0]} has no MetaProtocol port: ${why}`));
      continue;
    }
    const earlier = claimed.get(service.host);
    if (earlier) {
      problems.push(problemAt(router, ["spec", "hosts", 0], `host ${service.host} already has MetaRouter ${earlier.namespace}/${earlier.name} (${earlier.doc.file}:${earlier.doc.lineOf(["spec", "hosts", 0])}): one MetaRouter per host`));
      continue;
    }
    claimed.set(service.host, router);
    const compiler = new RouterCompiler(mesh, router);
    const ports = service.metaPorts.map((port) => ({ port, routeConfig: compiler.routeConfig(service, port) }));
    const localProblems: Problem[] = [];
    const localRateLimit = translateLocalRateLimit(router, service.metaPorts[0].protocol, localProblems);
    const globalRateLimit = translateGlobalRateLimit(router, localProblems);
    localProblems.forEach((p) => compiler.add(p));
    problems.push(...compiler.problems);
    plans.push({ router, service, ports, localRateLimit, globalRateLimit });
  }
  return { plans, problems };
}
