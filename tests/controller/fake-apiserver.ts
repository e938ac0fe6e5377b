// A small in-process Kubernetes API server (node:http, port 0) speaking the wire protocol
// @kubernetes/client-node uses: discovery (/api/v1, /apis/<group>/<version>), list, watch as a
// chunked stream of newline-delimited JSON events replayed from a resourceVersion, server-side
// apply PATCH, create (POST), read and DELETE. Tests drive it directly (put/remove objects, end
// watches, compact the watch history so old versions get 410 Gone) and read back every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { randomUUID } from "node:crypto";
import yaml from "js-yaml";
import { KubeConfig } from "@kubernetes/client-node";
import { apiVersionOf, type KindInfo, type KubeObject } from "../../controller/kube/kinds.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: any;
}

interface WatchEvent {
  resourceVersion: number;
  plural: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
}

interface OpenWatch {
  info: KindInfo;
  namespace: string | undefined;
  response: ServerResponse;
}

interface Target {
  info: KindInfo;
  namespace: string | undefined;
  name: string | undefined;
}

export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** How a watch from a compacted version is refused: a watch ERROR event (as a real API server does) or an HTTP 410. */
  goneAs: "event" | "status" = "event";
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly store = new Map<string, Map<string, KubeObject>>(); // plural -> "ns/name" -> object
  private readonly history: WatchEvent[] = [];
  private readonly watches = new Set<OpenWatch>();
  private resourceVersion = 100;
  private compactedBelow = 0;
  private heldWatches: (() => void)[] | undefined;

  private constructor(private readonly kinds: readonly KindInfo[]) {
    for (const info of kinds) this.store.set(info.plural, new Map());
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  static async start(kinds: readonly KindInfo[]): Promise<FakeApiServer> {
    const fake = new FakeApiServer(kinds);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  kubeConfig(): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "fake", server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: "controller", token: "test-token" }],
      contexts: [{ name: "fake", cluster: "fake", user: "controller" }],
      currentContext: "fake",
    });
    return kubeConfig;
  }

  /** Creates or replaces an object (ADDED or MODIFIED), as another client of the cluster would. */
  put(object: KubeObject): KubeObject {
    const info = this.kindOf(object);
    const existing = this.objectsOf(info).get(keyOf(object.metadata.namespace, object.metadata.name));
    return this.store_(info, structuredClone(object), existing);
  }

  remove(info: KindInfo, namespace: string, name: string): KubeObject | undefined {
    const objects = this.objectsOf(info);
    const object = objects.get(keyOf(namespace, name));
    if (!object) return undefined;
    objects.delete(keyOf(namespace, name));
    object.metadata.resourceVersion = String(++this.resourceVersion);
    this.publish({ resourceVersion: this.resourceVersion, plural: info.plural, type: "DELETED", object });
    return object;
  }

  get(info: KindInfo, namespace: string, name: string): KubeObject | undefined {
    return this.objectsOf(info).get(keyOf(namespace, name));
  }

  list(info: KindInfo): KubeObject[] {
    return [...this.objectsOf(info).values()];
  }

  /** Ends every open watch stream cleanly, as an API server does when its watch timeout expires. */
  endWatches(): void {
    for (const watch of this.watches) watch.response.end();
    this.watches.clear();
  }

  /** Forgets the watch history: a watch from any version before now is answered 410 Gone. */
  compact(): void {
    this.compactedBelow = this.resourceVersion;
  }

  /** Watch requests arriving from now on wait unanswered until releaseWatches(). */
  holdWatches(): void {
    this.heldWatches ??= [];
  }

  releaseWatches(): void {
    const held = this.heldWatches ?? [];
    this.heldWatches = undefined;
    for (const answer of held) answer();
  }

  get heldWatchCount(): number {
    return this.heldWatches?.length ?? 0;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.endWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private store_(info: KindInfo, object: KubeObject, existing: KubeObject | undefined): KubeObject {
    object.apiVersion = apiVersionOf(info);
    object.kind = info.kind;
    object.metadata.uid = existing?.metadata.uid ?? randomUUID();
    object.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z");
    object.metadata.resourceVersion = String(++this.resourceVersion);
    this.objectsOf(info).set(keyOf(object.metadata.namespace, object.metadata.name), object);
    this.publish({ resourceVersion: this.resourceVersion, plural: info.plural, type: existing ? "MODIFIED" : "ADDED", object });
    return object;
  }

  private publish(event: WatchEvent): void {
    this.history.push(structuredClone(event));
    for (const watch of this.watches) {
      if (watch.info.plural === event.plural && inNamespace(event.object, watch.namespace)) writeEvent(watch.response, event);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake");
    const text = await readBody(request);
    const contentType = request.headers["content-type"];
    const body = text === "" ? undefined : contentType?.includes("yaml") ? yaml.load(text) : JSON.parse(text);
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: request.method ?? "", path: url.pathname, query, contentType, body });

    const discovery = this.discovery(url.pathname);
    if (discovery) return sendJson(response, 200, discovery);
    const target = this.parsePath(url.pathname);
    if (!target) return sendStatus(response, 404, "NotFound", `the server could not find the requested resource ${url.pathname}`);
    const { info, namespace, name } = target;

    if (request.method === "GET" && name === undefined && query.watch === "true") return this.watch(target, query.resourceVersion, response);
    if (request.method === "GET" && name === undefined) {
      const items = this.list(info)
        .filter((object) => inNamespace(object, namespace) && matchesLabels(object, query.labelSelector))
        // The real API server leaves kind and apiVersion out of the items of built-in lists.
        .map((object) => (info.group === "" ? { ...object, apiVersion: undefined, kind: undefined } : object));
      return sendJson(response, 200, {
        kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(this.resourceVersion) }, items,
      });
    }
    if (request.method === "POST" && name === undefined) return this.create(info, namespace, body, response);
    if (name === undefined) return sendStatus(response, 405, "MethodNotAllowed", `${request.method} on a collection`);
    const existing = this.objectsOf(info).get(keyOf(namespace, name));
    if (request.method === "GET") {
      return existing ? sendJson(response, 200, existing) : sendStatus(response, 404, "NotFound", `${info.plural} "${name}" not found`);
    }
    if (request.method === "DELETE") {
      if (!existing) return sendStatus(response, 404, "NotFound", `${info.plural} "${name}" not found`);
      this.remove(info, namespace ?? "", name);
      return sendJson(response, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, kind: info.plural } });
    }
    if (request.method === "PATCH") return this.apply(target, contentType, query, body, existing, response);
    sendStatus(response, 405, "MethodNotAllowed", `${request.method} is not supported here`);
  }

  // Server-side apply: the body is the caller's whole intent for the fields it manages; this fake
  // keeps only the server-owned metadata of an existing object and records the field manager.
  private apply(
    { info, namespace, name }: Target, contentType: string | undefined, query: Record<string, string>, body: any,
    existing: KubeObject | undefined, response: ServerResponse,
  ): void {
    if (contentType !== "application/apply-patch+yaml") {
      return sendStatus(response, 415, "UnsupportedMediaType", `the fake only supports server-side apply, not ${contentType}`);
    }
    if (!query.fieldManager) return sendStatus(response, 400, "BadRequest", "PATCH /apply requires fieldManager to be set");
    if (body?.metadata?.name !== name || (body.metadata.namespace ?? namespace) !== namespace || body.kind !== info.kind) {
      return sendStatus(response, 400, "BadRequest", "the applied object does not match the request path");
    }
    const object = structuredClone(body) as KubeObject;
    object.metadata.namespace = namespace;
    object.metadata.managedFields = [{ manager: query.fieldManager, operation: "Apply", apiVersion: object.apiVersion }];
    sendJson(response, existing ? 200 : 201, this.store_(info, object, existing));
  }

  private create(info: KindInfo, namespace: string | undefined, body: any, response: ServerResponse): void {
    const object = structuredClone(body) as KubeObject;
    object.metadata ??= { name: "" };
    object.metadata.namespace = namespace;
    if (!object.metadata.name && typeof object.metadata.generateName === "string") {
      object.metadata.name = object.metadata.generateName + randomUUID().slice(0, 5);
    }
    if (!object.metadata.name) return sendStatus(response, 422, "Invalid", "metadata.name: Required value");
    if (this.objectsOf(info).has(keyOf(namespace, object.metadata.name))) {
      return sendStatus(response, 409, "AlreadyExists", `${info.plural} "${object.metadata.name}" already exists`);
    }
    sendJson(response, 201, this.store_(info, object, undefined));
  }

  private watch(target: Target, from: string | undefined, response: ServerResponse): void {
    if (this.heldWatches) return void this.heldWatches.push(() => this.watch(target, from, response));
    const since = from === undefined || from === "" || from === "0" ? undefined : Number(from);
    if (since !== undefined && since < this.compactedBelow) {
      const message = `too old resource version: ${since} (${this.compactedBelow})`;
      if (this.goneAs === "status") return sendStatus(response, 410, "Expired", message);
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ type: "ERROR", object: statusBody(410, "Expired", message) }) + "\n");
      return;
    }
    response.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    response.flushHeaders(); // the API server answers a watch at once, before any event
    const watch: OpenWatch = { info: target.info, namespace: target.namespace, response };
    this.watches.add(watch);
    response.on("close", () => this.watches.delete(watch));
    const replay =
      since === undefined
        ? this.list(target.info).map((object) => ({ resourceVersion: 0, plural: target.info.plural, type: "ADDED" as const, object }))
        : this.history.filter((event) => event.plural === target.info.plural && event.resourceVersion > since);
    for (const event of replay) if (inNamespace(event.object, target.namespace)) writeEvent(response, event);
  }

  private discovery(path: string): object | undefined {
    const groupVersion = path === "/api/v1" ? "v1" : path.startsWith("/apis/") ? path.slice("/apis/".length) : undefined;
    const kinds = this.kinds.filter((info) => apiVersionOf(info) === groupVersion);
    if (kinds.length === 0) return undefined;
    const resources = kinds.map((info) => ({
      name: info.plural, singularName: info.kind.toLowerCase(), namespaced: true, kind: info.kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    }));
    return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
  }

  // /api/v1[/namespaces/NS]/PLURAL[/NAME] and /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME]
  private parsePath(path: string): Target | undefined {
    const parts = path.split("/").filter(Boolean);
    const [group, version, rest] =
      parts[0] === "api" ? ["", parts[1], parts.slice(2)] : parts[0] === "apis" ? [parts[1], parts[2], parts.slice(3)] : [];
    if (rest === undefined) return undefined;
    const namespaced = rest[0] === "namespaces" && rest.length >= 3;
    const [namespace, plural, name] = namespaced ? [rest[1], rest[2], rest[3]] : [undefined, rest[0], rest[1]];
    const info = this.kinds.find((kind) => kind.group === group && kind.version === version && kind.plural === plural);
    return info && { info, namespace, name };
  }

  private kindOf(object: KubeObject): KindInfo {
    const info = this.kinds.find((kind) => apiVersionOf(kind) === object.apiVersion && kind.kind === object.kind);
    if (!info) throw new Error(`the fake API server does not serve ${object.apiVersion} ${object.kind}`);
    return info;
  }

  private objectsOf(info: KindInfo): Map<string, KubeObject> {
    return this.store.get(info.plural)!;
  }
}

/** Polls until the condition holds (for state that changes asynchronously), or fails after the timeout. */
export async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

function inNamespace(object: KubeObject, namespace: string | undefined): boolean {
  return namespace === undefined || object.metadata.namespace === namespace;
}

// Equality (a=b, a==b), inequality (a!=b) and existence (a) requirements, comma-separated.
function matchesLabels(object: KubeObject, selector: string | undefined): boolean {
  const labels = object.metadata.labels ?? {};
  return (selector ?? "").split(",").filter(Boolean).every((requirement) => {
    const [key, value] = requirement.split(/!=|==|=/);
    if (value === undefined) return key in labels;
    return requirement.includes("!=") ? labels[key] !== value : labels[key] === value;
  });
}

function writeEvent(response: ServerResponse, event: WatchEvent): void {
  response.write(JSON.stringify({ type: event.type, object: event.object }) + "\n");
}

function statusBody(code: number, reason: string, message: string): object {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function sendStatus(response: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(response, code, statusBody(code, reason, message));
}

function sendJson(response: ServerResponse, code: number, body: unknown): void {
  response.writeHead(code, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
