// `npm run demo`: builds the module, starts a real Redis server as the upstream, runs
// envoy/demo.yaml (in Envoy if an `envoy` binary is on PATH, else in the local host), sends real
// traffic with real clients (ioredis, redis-benchmark), prints what happened and the stats, and
// stops everything. One step per function, so the demo can grow step by step.
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { startEnvoy } from "../host/main.ts";
import { LogLevel } from "../host/wasm/types.ts";

const LISTENER = 10000; // envoy/demo.yaml
const ADMIN = 9901;
const REDIS = 16379;
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
  step(`start the upstream: redis-server on 127.0.0.1:${REDIS}`);
  const p = spawn("redis-server", ["--port", String(REDIS), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  children.push(p);
  await waitForPort(REDIS, "redis-server");
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
  const redis = new Redis({ port: LISTENER, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  await redis.set("greeting", "hello through stock-Envoy wasm");
  console.log(`ioredis SET/GET greeting -> ${await redis.get("greeting")}`);
  const pipeline = redis.pipeline();
  for (let i = 0; i < 100; i++) pipeline.incr("counter");
  const results = await pipeline.exec();
  console.log(`ioredis pipelined 100 INCR -> last value ${results?.at(-1)?.[1]}`);
  redis.disconnect();
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
  const shown = text.split("\n").filter((l) => /^(wasmcustom|tcp\.|cluster\.redis_server\.upstream_cx_(total|rx|tx)|listener\.)/.test(l));
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
