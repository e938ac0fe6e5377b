// `npm run demo`: builds the module, starts two real Redis servers as upstreams, runs
// envoy/demo.yaml (in Envoy if an `envoy` binary is on PATH, else in the local host), sends real
// traffic with real clients (ioredis, redis-benchmark) that shows routing, a rate limit and the
// metrics, prints what happened and the stats, and stops everything. One step per function.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { startEnvoy } from "../host/main.ts";
import { LogLevel } from "../host/wasm/types.ts";

const LISTENER = 10000; // envoy/demo.yaml
const ADMIN = 9901;
const REDIS = 16379; // cluster redis_server
const REDIS_CACHE = 16380; // cluster redis_cache
const children: ChildProcess[] = [];
let stopHost: (() => Promise<void>) | undefined;

function step(title: string): void {
  console.log(`\n=== ${title}`);
}

function build(): void {
  step("build build/meta_protocol.wasm");
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
}

async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
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

async function startRedis(): Promise<void> {
  step(`start the upstreams: redis-server on 127.0.0.1:${REDIS} (redis_server) and :${REDIS_CACHE} (redis_cache)`);
  for (const port of [REDIS, REDIS_CACHE]) {
    const p = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    children.push(p);
    await waitForPort(port, "redis-server");
  }
}

/**
 * A client whose first command is the application's (no ready check, no CLIENT SETINFO): the first
 * request of a connection picks its cluster, so connection set-up commands would route it by default.
 */
function client(port: number): Redis {
  return new Redis({ port, host: "127.0.0.1", lazyConnect: true, enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0 });
}

async function startProxy(): Promise<void> {
  const envoy = spawnSync("sh", ["-c", "command -v envoy"]).status === 0;
  if (envoy) {
    step("run envoy/demo.yaml in Envoy (found on PATH)");
    const p = spawn("envoy", ["-c", "envoy/demo.yaml", "--concurrency", "2", "-l", "warning"], { stdio: "inherit" });
    children.push(p);
  } else {
    step("run envoy/demo.yaml in the local host (no `envoy` on PATH)");
    const server = await startEnvoy("envoy/demo.yaml", { concurrency: 2, logLevel: LogLevel.Warn });
    stopHost = () => server.close();
  }
  await waitForPort(LISTENER, "the proxy");
}

async function sendTraffic(): Promise<void> {
  step(`real clients through the proxy on 127.0.0.1:${LISTENER}`);
  const main = client(LISTENER);
  await main.connect();
  await main.set("greeting", "hello through stock-Envoy wasm");
  console.log(`ioredis SET/GET greeting -> ${await main.get("greeting")}`);

  const cache = client(LISTENER);
  await cache.connect();
  await cache.set("cache:session", "kept in the cache cluster");
  cache.disconnect();
  const [direct, directCache] = [client(REDIS), client(REDIS_CACHE)];
  await Promise.all([direct.connect(), directCache.connect()]);
  console.log(
    `routing: a connection whose first key is "cache:session" went to redis_cache ` +
      `(direct GET on :${REDIS_CACHE} -> ${JSON.stringify(await directCache.get("cache:session"))}, ` +
      `on :${REDIS} -> ${JSON.stringify(await direct.get("cache:session"))}); "greeting" is on :${REDIS} -> ${JSON.stringify(await direct.get("greeting"))}`,
  );
  direct.disconnect();
  directCache.disconnect();

  const pipeline = main.pipeline();
  for (let i = 0; i < 100; i++) pipeline.incr("counter");
  const results = (await pipeline.exec()) ?? [];
  const limited = results.filter(([err]) => err !== null);
  console.log(
    `rate limit: 100 pipelined INCR -> ${results.length - limited.length} answered by Redis (last value ${results.filter(([err]) => err === null).at(-1)?.[1]}), ` +
      `${limited.length} answered by the module with "${limited[0]?.[0]?.message}"; the connection stays open: GET greeting -> ${await main.get("greeting")}`,
  );
  main.disconnect();
  if (existsSync("/usr/bin/redis-benchmark")) {
    // Asynchronously: the local host runs in this process and must keep serving meanwhile.
    const { stdout: out } = await promisify(execFile)("redis-benchmark", ["-p", String(LISTENER), "-n", "20000", "-c", "16", "-P", "8", "-t", "set,get", "-q"], { encoding: "utf8" });
    const summary = out.split("\n").map((l) => l.split("\r").at(-1)!.trim()).filter(Boolean);
    console.log(`redis-benchmark (20000 requests, 16 connections, pipeline 8):\n${summary.join("\n")}`);
  }
}

async function printStats(): Promise<void> {
  step(`stats from the admin endpoint http://127.0.0.1:${ADMIN}/stats`);
  const text = await (await fetch(`http://127.0.0.1:${ADMIN}/stats`)).text();
  const shown = text.split("\n").filter((l) => /^(wasmcustom|tcp\.|cluster\.redis_(server|cache)\.upstream_cx_(total|rx|tx)|listener\.)/.test(l));
  console.log(shown.join("\n"));
}

async function stop(): Promise<void> {
  await stopHost?.();
  for (const c of children) c.kill("SIGTERM");
}

try {
  build();
  await startRedis();
  await startProxy();
  await sendTraffic();
  await printStats();
  console.log("\ndemo finished");
} finally {
  await stop();
}
