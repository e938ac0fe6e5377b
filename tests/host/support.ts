// Runs the host_rules test module (tests/host/modules/host_rules.ts) in the local host in one
// mode, with two echo upstreams, and returns what it logged ("rule: ..." lines, in order).
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { bootstrapFor, echoServer } from "../network/support.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TEST_MODULES = path.join(root, "build/test-modules");

export interface RulesRun {
  envoy: EnvoyServer;
  /** The module's own records, without the "rule: " prefix. */
  rules(): string[];
  /** Every log line the host wrote. */
  lines: string[];
  close(): Promise<void>;
}

export async function runRules(
  mode: string,
  o: { failOpen?: boolean; concurrency?: number; logLevel?: LogLevel; grpcPort?: number } = {},
): Promise<RulesRun> {
  const up = await echoServer("|up");
  const second = await echoServer("|second");
  const lines: string[] = [];
  const bootstrap = bootstrapFor({
    wasm: path.join(TEST_MODULES, "host_rules.wasm"),
    clusters: { up: up.port, second: second.port, ...(o.grpcPort ? { grpc: o.grpcPort } : {}) },
    defaultCluster: "up",
    pluginConfiguration: mode,
    failOpen: o.failOpen,
    http2Clusters: ["grpc"],
  });
  const envoy = await startEnvoy(
    bootstrap,
    { concurrency: o.concurrency ?? 1, logLevel: o.logLevel ?? LogLevel.Info, log: (l) => lines.push(l) },
  );
  return {
    envoy,
    lines,
    rules: () => lines.filter((l) => l.includes("rule: ")).map((l) => l.slice(l.indexOf("rule: ") + 6)),
    close: async () => {
      await envoy.close();
      await up.close();
      await second.close();
    },
  };
}

/** Writes `parts` with a pause after each, half-closes, and returns what came back. */
export function converse(port: number, parts: string[], pauseMs = 80): Promise<string> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, async () => {
      for (const p of parts) {
        s.write(p);
        await new Promise((r) => setTimeout(r, pauseMs));
      }
      s.end();
    });
    s.on("data", (d) => got.push(d));
    s.on("close", () => resolve(Buffer.concat(got).toString()));
    s.on("error", reject);
    setTimeout(() => (s.destroy(), reject(new Error("no close"))), 10_000).unref();
  });
}

export const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));
