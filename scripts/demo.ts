// `npm run demo`: the product end to end on this machine. Builds the module; starts real upstreams
// (two Dubbo providers, v1 and v2, and two redis-servers); starts the controller on a copy of the
// resources in examples/mesh; runs envoy/demo.yaml (generated from those resources) in Envoy if an
// `envoy` binary is on PATH, else in the local host; sends real traffic with real clients (the
// Dubbo consumer, ioredis, redis-benchmark); edits the Dubbo MetaRouter and shows new connections
// following the new route within a second with no client error; prints the metrics and the
// controller's view of the proxies; stops everything. One step per function.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { startController, type RunningController } from "../controller/commands/serve.ts";
import { formatStatus } from "../controller/commands/status.ts";
import { startEnvoy } from "../host/main.ts";
import { LogLevel } from "../host/wasm/types.ts";
import { callOnce } from "../tests/peers/dubbo-raw-call.ts";

const run = promisify(execFile);
// envoy/demo.yaml (generated from examples/mesh): listeners are the service ports + 20000.
const DUBBO = 40880;
const REDIS_LISTENER = 26379;
const ADMIN = 9901;
const XDS = 15010;
const CONTROLLER_HTTP = 8080;
const PROVIDERS = { v1: 20880, v2: 20881 };
const REDIS = { server: 16379, cache: 16380 };
const HOST = "org.apache.dubbo.samples.basic.api.demoservice";
const cluster = (subset: string) => `outbound|20880|${subset}|${HOST}`;
const children: ChildProcess[] = [];
/** The first access log line of each protocol, from the local host's log. */
const accessLogLines = new Map<string, string>();
const cleanups: Array<() => Promise<void> | void> = [];

function step(title: string): void {
  console.log(`\n=== ${title}`);
}

async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

/** A child in its own process group, stopped with the demo. */
function child(command: string, args: string[]): ChildProcess {
  const p = spawn(command, args, { stdio: ["pipe", "ignore", "inherit"], detached: true });
  children.push(p);
  return p;
}

async function stats(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${ADMIN}/stats`)).text();
  return new Map(text.split("\n").filter(Boolean).map((l) => {
    const i = l.lastIndexOf(": ");
    return [l.slice(0, i), Number(l.slice(i + 2))] as [string, number];
  }));
}

async function connectionsTo(subset: string): Promise<number> {
  return (await stats()).get(`cluster.${cluster(subset)}.upstream_cx_total`) ?? 0;
}

function build(): void {
  step("build build/meta_protocol.wasm");
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
}

async function startUpstreams(): Promise<void> {
  step(`start the upstreams: Dubbo providers v1 on :${PROVIDERS.v1} and v2 on :${PROVIDERS.v2}, redis-server on :${REDIS.server} and :${REDIS.cache}`);
  for (const port of Object.values(PROVIDERS)) child(process.execPath, ["--import", "tsx", "tests/peers/dubbo-server.ts", String(port)]);
  for (const port of Object.values(REDIS)) child("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  await Promise.all([...Object.values(PROVIDERS), ...Object.values(REDIS)].map((p) => waitForPort(p, "an upstream")));
}

async function startTheController(dir: string): Promise<RunningController> {
  step(`start the controller on ${dir} (a copy of examples/mesh): route discovery on :${XDS}, module and /status on :${CONTROLLER_HTTP}`);
  const controller = await startController(
    { dir, xdsPort: XDS, httpPort: CONTROLLER_HTTP, host: "127.0.0.1", wasm: "build/meta_protocol.wasm" },
    { out: (l) => console.log(`[controller] ${l}`), err: (l) => console.log(`[controller] ${l}`) },
  );
  cleanups.push(() => controller.close());
  return controller;
}

async function startProxy(): Promise<void> {
  if (spawnSync("sh", ["-c", "command -v envoy"]).status === 0) {
    step("run envoy/demo.yaml in Envoy (found on PATH)");
    child("envoy", ["-c", "envoy/demo.yaml", "--concurrency", "2", "-l", "warning"]);
  } else {
    step("run envoy/demo.yaml in the local host (no `envoy` on PATH)");
    // Info level for the module's access log lines; one per protocol is kept to show at the end.
    const server = await startEnvoy("envoy/demo.yaml", {
      concurrency: 2,
      logLevel: LogLevel.Info,
      log: (line) => {
        const protocol = / (dubbo|redis) /.exec(line)?.[1];
        if (line.includes("wasm log") && protocol && /\b(ok|error|over_limit)\b/.test(line) && !accessLogLines.has(protocol)) accessLogLines.set(protocol, line);
        else if (/\[(warn|error|critical)\]/.test(line)) console.log(line);
      },
    });
    cleanups.push(() => server.close());
  }
  await waitForPort(DUBBO, "the proxy");
  for (let i = 0; i < 100; i++) {
    const s = await stats();
    if ((s.get("wasmcustom.meta_protocol.dubbo.rds.update_success") ?? 0) > 0 && (s.get("wasmcustom.meta_protocol.redis.rds.update_success") ?? 0) > 0) {
      console.log("both route tables discovered over gRPC from the controller (rds.update_success)");
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log("route discovery has not answered yet: the module routes with the plugin configuration's route_config");
}

async function dubboTraffic(): Promise<void> {
  step(`Dubbo through the proxy on 127.0.0.1:${DUBBO}`);
  const { stdout } = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${DUBBO}`, "--calls", "20", "--concurrency", "4"], { encoding: "utf8" });
  const result = JSON.parse(stdout) as { ok: number; responses: Array<{ value?: string }> };
  console.log(`the real Dubbo consumer (sofa-rpc-node + dubbo-remoting): ${result.ok}/20 calls answered, e.g. ${JSON.stringify(result.responses[0]?.value)}`);
  const [v1, v2] = [await connectionsTo("v1"), await connectionsTo("v2")];
  for (let i = 0; i < 10; i++) await callOnce(DUBBO, 100 + i);
  console.log(`routing: 10 new connections calling sayHello, split 20/80 by the MetaRouter: v1 got ${(await connectionsTo("v1")) - v1}, v2 got ${(await connectionsTo("v2")) - v2} (smooth weighted round robin per worker: exact over each cycle of 5)`);
  const limited = await run(process.execPath, ["--import", "tsx", "tests/peers/dubbo-client.ts", "--address", `127.0.0.1:${DUBBO}`, "--calls", "8", "--concurrency", "1", "--method", "echoBytes"], { encoding: "utf8" });
  const echo = JSON.parse(limited.stdout) as { ok: number; responses: Array<{ ok: boolean; error?: string }> };
  console.log(`rate limit: 8 echoBytes calls on one connection (5 per 10 s per worker): ${echo.ok} answered by the provider, ${8 - echo.ok} by the module with Dubbo's error "${echo.responses.find((r) => !r.ok)?.error}"`);
}

async function editRoute(dir: string): Promise<void> {
  step("edit the Dubbo MetaRouter: sayHello 100% to v1 (was 20/80)");
  const file = path.join(dir, "dubbo.yaml");
  let id = 1000;
  let errors = 0;
  const before = await connectionsTo("v2");
  writeFileSync(file, readFileSync(file, "utf8").replace("weight: 20", "weight: 100").replace("weight: 80", "weight: 0"));
  const edited = Date.now();
  // New connections until ten in a row land on v1 only.
  let streak = 0;
  let followedAt = 0;
  while (streak < 10 && Date.now() - edited < 5000) {
    const [a, b] = [await connectionsTo("v1"), await connectionsTo("v2")];
    const started = Date.now();
    if ((await callOnce(DUBBO, id++).catch(() => -1)) !== 20) errors++;
    const onV1 = (await connectionsTo("v1")) > a && (await connectionsTo("v2")) === b;
    if (onV1 && streak === 0) followedAt = started;
    streak = onV1 ? streak + 1 : 0;
  }
  console.log(`${id - 1000} new connections while the change propagated, ${errors} client error(s); from ${followedAt - edited} ms after the edit every new connection went to v1 (v2 got ${(await connectionsTo("v2")) - before} during the switch)`);
}

async function redisTraffic(): Promise<void> {
  step(`Redis through the proxy on 127.0.0.1:${REDIS_LISTENER}`);
  const client = (port: number) => new Redis({ port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0 });
  const main = client(REDIS_LISTENER);
  await main.connect();
  await main.set("greeting", "hello through stock-Envoy wasm");
  const cache = client(REDIS_LISTENER);
  await cache.connect();
  await cache.set("cache:session", "kept in the cache subset");
  cache.disconnect();
  const direct = client(REDIS.cache);
  await direct.connect();
  console.log(`routing: a connection whose first key is "cache:session" went to the cache subset (direct GET on :${REDIS.cache} -> ${JSON.stringify(await direct.get("cache:session"))})`);
  direct.disconnect();
  const pipeline = main.pipeline();
  for (let i = 0; i < 100; i++) pipeline.incr("counter");
  const results = (await pipeline.exec()) ?? [];
  const limited = results.filter(([err]) => err !== null);
  console.log(`rate limit: 100 pipelined INCR -> ${results.length - limited.length} answered by Redis, ${limited.length} by the module with "${limited[0]?.[0]?.message}", connection still open: GET greeting -> ${await main.get("greeting")}`);
  main.disconnect();
  if (existsSync("/usr/bin/redis-benchmark")) {
    const { stdout } = await run("redis-benchmark", ["-p", String(REDIS_LISTENER), "-n", "20000", "-c", "16", "-P", "8", "-t", "set,get", "-q"], { encoding: "utf8" });
    console.log(`redis-benchmark (20000 requests, 16 connections, pipeline 8):\n${stdout.split("\n").map((l) => l.split("\r").at(-1)!.trim()).filter(Boolean).join("\n")}`);
  }
}

async function printMetrics(): Promise<void> {
  step(`metrics from the admin endpoint http://127.0.0.1:${ADMIN}/stats`);
  const text = await (await fetch(`http://127.0.0.1:${ADMIN}/stats`)).text();
  // The labelled series (names with `=.=`) are shown below, as Prometheus sees them.
  console.log(text.split("\n").filter((l) => /^wasmcustom\.|^cluster\.outbound.*upstream_cx_total:/.test(l) && !l.includes("=.=")).join("\n"));
  step(`labelled metrics, as Prometheus scrapes them: http://127.0.0.1:${ADMIN}/stats/prometheus`);
  const prometheus = await (await fetch(`http://127.0.0.1:${ADMIN}/stats/prometheus`)).text();
  console.log(prometheus.split("\n").filter((l) => l.startsWith("meta_protocol_requests_total")).join("\n"));
  if (accessLogLines.size > 0) {
    step("one access log line per protocol (the module's access_log filter, in Envoy's log)");
    for (const line of accessLogLines.values()) console.log(line);
  }
  step(`the controller's view of the proxies (npm run controller -- status --address 127.0.0.1:${CONTROLLER_HTTP})`);
  const body = (await (await fetch(`http://127.0.0.1:${CONTROLLER_HTTP}/status`)).json()) as { version: string; proxies: never[] };
  console.log(formatStatus(body.version, body.proxies).join("\n"));
}

async function stop(): Promise<void> {
  for (const c of cleanups.reverse()) await c();
  for (const c of children) {
    try {
      process.kill(-c.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

const dir = mkdtempSync(path.join(tmpdir(), "meta-protocol-demo-"));
try {
  build();
  cpSync("examples/mesh", dir, { recursive: true });
  await startUpstreams();
  await startTheController(dir);
  await startProxy();
  await dubboTraffic();
  await redisTraffic();
  await editRoute(dir);
  await printMetrics();
  console.log("\ndemo finished");
} finally {
  await stop();
  rmSync(dir, { recursive: true, force: true });
}
