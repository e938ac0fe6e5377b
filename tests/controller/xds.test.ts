// The xDS server end to end: a real @grpc/grpc-js client, built from Envoy's own ads.proto with
// @grpc/proto-loader (independent of the server's protobufjs definitions), speaks state-of-the-world
// ADS to it as Envoy and the Wasm module do.
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { startXdsServer, type XdsServer } from "../../controller/xds/server.ts";
import { createSnapshot } from "../../controller/xds/snapshot.ts";
import { protoIncludeDirs, RouteConfiguration, ROUTE_CONFIGURATION_TYPE_URL } from "../../controller/xds/proto-root.ts";

const TYPE = ROUTE_CONFIGURATION_TYPE_URL;

const packageDefinition = protoLoader.loadSync("envoy/service/discovery/v3/ads.proto", {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: protoIncludeDirs,
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const AdsService = (grpc.loadPackageDefinition(packageDefinition) as any).envoy.service.discovery.v3.AggregatedDiscoveryService;

interface Response {
  version_info: string;
  type_url: string;
  nonce: string;
  resources: { type_url: string; value: Buffer }[];
}

interface Request {
  node?: { id: string };
  version_info?: string;
  resource_names?: string[];
  type_url?: string;
  response_nonce?: string;
  error_detail?: { code: number; message: string };
}

/** One ADS stream as a proxy holds it: send requests, await responses in order. */
class AdsClient {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Request, Response>;
  private readonly queue: Response[] = [];
  private waiter: (() => void) | undefined;
  readonly ended: Promise<grpc.StatusObject>;

  constructor(port: number, readonly node: string) {
    this.client = new AdsService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    this.call = (this.client as any).StreamAggregatedResources();
    this.call.on("data", (r: Response) => {
      this.queue.push(r);
      this.waiter?.();
    });
    this.call.on("error", () => {});
    this.ended = new Promise((resolve) => this.call.on("status", resolve));
  }

  send(request: Request): void {
    this.call.write({ type_url: TYPE, ...request, node: { id: this.node } });
  }

  async next(timeoutMs = 2000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.node}: no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift()!;
  }

  /** Fails if a response arrives within `ms`. */
  async silent(ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    assert.deepEqual(this.queue.map((r) => r.version_info), [], `${this.node} got an unexpected response`);
  }

  ack(response: Response, names: string[] = []): void {
    this.send({ version_info: response.version_info, response_nonce: response.nonce, resource_names: names });
  }

  close(): void {
    this.call.cancel();
    this.client.close();
  }
}

const routeA = {
  name: "dubbo-route",
  routes: [{
    name: "split",
    match: { metadata: [{ name: "method", string_match: { exact: "sayHello" } }, { name: "interface", present_match: true }] },
    route: { weighted_clusters: { clusters: [{ name: "v1", weight: 20 }, { name: "v2", weight: 80 }] } },
    request_mutation: [{ key: "x-tenant", value: "blue" }],
    response_mutation: [{ key: "served-by", value: "v2" }],
  }, { name: "default", route: { cluster: "dubbo-v1" } }],
};
const routeB = { name: "redis-route", routes: [{ name: "all", route: { cluster: "redis" } }] };

/** What the proxy decodes from routeA: proto3 JSON's `"weight": 20` is a UInt32Value. */
const routeAAsDecoded = {
  name: "dubbo-route",
  routes: [{
    name: "split",
    match: { metadata: [{ name: "method", string_match: { exact: "sayHello" } }, { name: "interface", present_match: true }] },
    route: { weighted_clusters: { clusters: [{ name: "v1", weight: { value: 20 } }, { name: "v2", weight: { value: 80 } }] } },
    request_mutation: [{ key: "x-tenant", value: "blue" }],
    response_mutation: [{ key: "served-by", value: "v2" }],
  }, { name: "default", route: { cluster: "dubbo-v1" } }],
};

function decoded(response: Response): Record<string, unknown>[] {
  return response.resources.map((any) => {
    assert.equal(any.type_url, TYPE);
    return RouteConfiguration.toObject(RouteConfiguration.decode(any.value)) as Record<string, unknown>;
  });
}

let server: XdsServer | undefined;
const clients: AdsClient[] = [];
const logs: string[] = [];

async function start(): Promise<XdsServer> {
  server = await startXdsServer({ port: 0, log: (m) => logs.push(m) });
  return server;
}

function connect(node: string): AdsClient {
  const c = new AdsClient(server!.port, node);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
  logs.length = 0;
});

test("the first request gets every route configuration, each decodable to what was set", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA, routeB]));
  const c = connect("proxy-1");
  c.send({});
  const r = await c.next();
  assert.equal(r.version_info, "v1");
  assert.equal(r.type_url, TYPE);
  assert.notEqual(r.nonce, "");
  assert.deepEqual(decoded(r), [routeAAsDecoded, routeB]);
});

test("a first request before any snapshot is answered when one is set", async () => {
  const s = await start();
  const c = connect("proxy-1");
  c.send({});
  await c.silent();
  s.setSnapshot(createSnapshot("v1", [routeB]));
  assert.deepEqual(decoded(await c.next()), [routeB]);
});

test("an ACK gets no answer until the snapshot changes, then the new one comes at once", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const c = connect("proxy-1");
  c.send({});
  const first = await c.next();
  c.ack(first);
  await c.silent();
  assert.deepEqual(s.status()[0].acked?.version, "v1");

  const changed = { name: "dubbo-route", routes: [{ name: "only", route: { cluster: "dubbo-v2" } }] };
  const setAt = performance.now();
  s.setSnapshot(createSnapshot("v2", [changed]));
  const pushed = await c.next();
  const latency = performance.now() - setAt;
  assert.ok(latency < 50, `push took ${latency.toFixed(1)} ms`);
  assert.equal(pushed.version_info, "v2");
  assert.notEqual(pushed.nonce, first.nonce);
  assert.deepEqual(decoded(pushed), [changed]);
  assert.equal(s.status()[0].lastSent?.version, "v2");
});

test("setting a snapshot with the same version pushes nothing", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const c = connect("proxy-1");
  c.send({});
  c.ack(await c.next());
  await c.silent(50);
  s.setSnapshot(createSnapshot("v1", [routeA]));
  await c.silent();
});

test("a NACK is recorded with its error and the rejected version is not sent again", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const c = connect("proxy-1");
  c.send({});
  const v1 = await c.next();
  c.ack(v1);
  s.setSnapshot(createSnapshot("v2", [routeB]));
  const v2 = await c.next();
  // Envoy NACKs with the version it still runs and the nonce of the response it refuses.
  c.send({ version_info: "v1", response_nonce: v2.nonce, error_detail: { code: 3, message: "regex is not supported" } });
  await c.silent();
  const [status] = s.status();
  assert.equal(status.node, "proxy-1");
  assert.equal(status.acked?.version, "v1");
  assert.equal(status.nacked?.version, "v2");
  assert.equal(status.nacked?.error, "regex is not supported");
  assert.ok(Date.parse(status.nacked!.at) >= Date.parse(status.acked!.at));
  assert.ok(logs.some((l) => l.includes("regex is not supported")));

  s.setSnapshot(createSnapshot("v3", [routeA]));
  assert.equal((await c.next()).version_info, "v3", "a fixed version goes out");
});

test("a request with a stale nonce is ignored; a snapshot set meanwhile waits for the ACK", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const c = connect("proxy-1");
  c.send({});
  const v1 = await c.next();
  s.setSnapshot(createSnapshot("v2", [routeB]));
  await c.silent(); // v1 is not acknowledged yet
  c.send({ version_info: "v0", response_nonce: "not-a-nonce-we-sent", resource_names: ["redis-route"] });
  c.send({ version_info: "v0", response_nonce: "", error_detail: { code: 3, message: "stale" } });
  await c.silent();
  const [status] = s.status();
  assert.equal(status.acked, undefined);
  assert.equal(status.nacked, undefined);

  c.ack(v1);
  const v2 = await c.next();
  assert.equal(v2.version_info, "v2");
  assert.deepEqual(decoded(v2), [routeB]);
});

test("resource names select configurations; asking for others answers with the same version", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA, routeB]));
  const c = connect("proxy-1");
  c.send({ resource_names: ["redis-route", "missing-route"] });
  const first = await c.next();
  assert.deepEqual(decoded(first), [routeB]);

  c.ack(first, ["dubbo-route", "redis-route"]);
  const second = await c.next();
  assert.equal(second.version_info, "v1");
  assert.deepEqual(decoded(second).map((r) => r.name), ["dubbo-route", "redis-route"]);
  c.ack(second, ["redis-route", "dubbo-route"]); // same set, another order
  await c.silent();
});

test("two clients are served and pushed to independently", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA, routeB]));
  const a = connect("proxy-a");
  const b = connect("proxy-b");
  a.send({ resource_names: ["dubbo-route"] });
  b.send({ resource_names: ["redis-route"] });
  const [ra, rb] = await Promise.all([a.next(), b.next()]);
  assert.deepEqual(decoded(ra).map((r) => r.name), ["dubbo-route"]);
  assert.deepEqual(decoded(rb).map((r) => r.name), ["redis-route"]);
  a.ack(ra, ["dubbo-route"]);
  b.ack(rb, ["redis-route"]);
  await Promise.all([a.silent(50), b.silent(50)]);

  s.setSnapshot(createSnapshot("v2", [routeA, routeB]));
  const [pa, pb] = await Promise.all([a.next(), b.next()]);
  assert.deepEqual([pa.version_info, pb.version_info], ["v2", "v2"]);
  assert.deepEqual(decoded(pb).map((r) => r.name), ["redis-route"]);
  a.ack(pa, ["dubbo-route"]);
  await a.silent(50);
  assert.deepEqual(
    s.status().map((n) => [n.node, n.streamOpen, n.acked?.version, n.lastSent?.version]),
    [["proxy-a", true, "v2", "v2"], ["proxy-b", true, "v1", "v2"]],
  );
});

test("a request for another type URL gets no answer and is logged", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const c = connect("proxy-1");
  c.send({ type_url: "type.googleapis.com/envoy.config.cluster.v3.Cluster" });
  await c.silent();
  assert.ok(logs.some((l) => l.includes("envoy.config.cluster.v3.Cluster")));
  c.send({}); // the route type on the same stream still works
  assert.equal((await c.next()).version_info, "v1");
});

test("a stream the client closes shows as closed in the status", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const c = connect("proxy-1");
  c.send({});
  await c.next();
  assert.equal(s.status()[0].streamOpen, true);
  c.close();
  const deadline = Date.now() + 2000;
  while (s.status()[0].streamOpen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.status()[0].streamOpen, false);
  assert.equal(s.status()[0].streams, 0);
});

test("close() ends every stream and frees the port", async () => {
  const s = await start();
  s.setSnapshot(createSnapshot("v1", [routeA]));
  const a = connect("proxy-a");
  const b = connect("proxy-b");
  a.send({});
  b.send({});
  await Promise.all([a.next(), b.next()]);
  const port = s.port;
  await s.close();
  server = undefined;
  const [ea, eb] = await Promise.all([a.ended, b.ended]);
  assert.equal(ea.code, grpc.status.OK);
  assert.equal(eb.code, grpc.status.OK);
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer().once("error", reject);
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
});
