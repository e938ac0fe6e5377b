// What the protocol integration tests share: real peers in child processes, the local host running
// build/meta_protocol.wasm in front of tcp_proxy, and a relay that splits a client's stream byte by byte.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { LogLevel } from "../../host/wasm/types.ts";
import { bootstrapFor } from "../network/support.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PRODUCT_MODULE = path.join(root, "build/meta_protocol.wasm");

export interface Peer {
  port: number;
  stop(): Promise<void>;
}

/**
 * Runs a peer script (`tests/peers/*.ts`) in its own node process. The script prints one JSON line
 * `{"port": N}` when ready and exits when its stdin closes.
 */
export function startPeer(script: string, args: string[] = []): Promise<Peer> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve(root, script), ...args], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once("line", (line) => {
      try {
        resolve({ port: Number(JSON.parse(line).port), stop });
      } catch (err) {
        void stop();
        reject(new Error(`${script} printed ${line}: ${String(err)}`));
      }
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code} before printing its port`)));
  });
}

export interface ProxyOptions {
  /** Codec name as in the plugin configuration (short or Aeraki name). */
  codec: string;
  upstreamPort: number;
  statPrefix?: string;
  maxFrameSize?: number;
  /** `metaProtocolFilters` entries. */
  filters?: unknown[];
  /** Another module than build/meta_protocol.wasm (examples). */
  wasm?: string;
  /** More clusters by name (port on 127.0.0.1) for routing; tcp_proxy's own cluster is `upstream`. */
  clusters?: Record<string, number>;
  /** Which of them speak HTTP/2 (gRPC services the module calls). */
  http2Clusters?: string[];
  /** Receives the host's log lines (warning and above). */
  log?: (line: string) => void;
}

export interface MetaProxy {
  port: number;
  envoy: EnvoyServer;
  /** A counter of the module (`meta_protocol.<statPrefix>.<name>`, in Envoy's `wasmcustom.` namespace), 0 when never incremented. */
  counter(name: string): number;
  close(): Promise<void>;
}

/** The local host with the product module in front of tcp_proxy to the peer at `upstreamPort`. */
export async function startMetaProxy(o: ProxyOptions): Promise<MetaProxy> {
  const statPrefix = o.statPrefix ?? o.codec.replace(/^aeraki\.meta_protocol\.codec\./, "");
  const configuration: Record<string, unknown> = { statPrefix, codec: { name: o.codec } };
  if (o.maxFrameSize !== undefined) configuration.maxFrameSize = o.maxFrameSize;
  if (o.filters !== undefined) configuration.metaProtocolFilters = o.filters;
  const envoy = await startEnvoy(
    bootstrapFor({
      wasm: o.wasm ?? PRODUCT_MODULE,
      clusters: { upstream: o.upstreamPort, ...o.clusters },
      defaultCluster: "upstream",
      pluginConfiguration: JSON.stringify(configuration),
      http2Clusters: o.http2Clusters,
      // The module routes by the first request: it needs tcp_proxy's early data.
      maxEarlyDataBytes: 65536,
    }),
    { logLevel: LogLevel.Warn, log: o.log },
  );
  return {
    port: envoy.listenerPort("test"),
    envoy,
    counter: (name) => envoy.stats.counter(`wasmcustom.meta_protocol.${statPrefix}.${name}`),
    close: () => envoy.close(),
  };
}

/**
 * A relay to `targetPort` that writes what the client sends one byte per write, yielding to the
 * event loop between bytes, so the proxy behind it sees the stream split at every byte. Replies
 * pass back unchanged.
 */
export async function byteSplitter(targetPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ port: targetPort, host: "127.0.0.1" });
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    let queue: Promise<void> = Promise.resolve();
    client.on("data", (chunk) => {
      client.pause();
      queue = queue.then(async () => {
        for (const byte of chunk) {
          if (upstream.destroyed) return;
          upstream.write(Buffer.of(byte));
          await new Promise((r) => setImmediate(r));
        }
        client.resume();
      });
    });
    upstream.on("data", (d) => client.write(d));
    client.on("end", () => void queue.then(() => upstream.end()));
    upstream.on("end", () => client.end());
    for (const s of [client, upstream]) {
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      s.on("close", () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * Builds an example module as a user builds theirs in their own repository: the example folder is
 * copied to a fresh directory outside this one, whose node_modules holds only this package
 * (`meta-protocol-wasm`, linked) and assemblyscript, and `asc` runs there with the example's own
 * asconfig.json. Returns the built module's path; `cleanup` removes the directory.
 */
export function buildAsUser(exampleFolder: string): { wasm: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "meta-protocol-user-"));
  cpSync(path.resolve(root, exampleFolder), dir, { recursive: true, filter: (p) => !/\/(node_modules|build)$/.test(p) });
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(root, path.join(dir, "node_modules/meta-protocol-wasm"), "dir");
  symlinkSync(path.join(root, "node_modules/assemblyscript"), path.join(dir, "node_modules/assemblyscript"), "dir");
  execFileSync(process.execPath, [path.join(dir, "node_modules/assemblyscript/bin/asc.js"), "assembly/index.ts", "--target", "release"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const config = JSON.parse(readFileSync(path.join(dir, "asconfig.json"), "utf8"));
  return { wasm: path.join(dir, config.targets.release.outFile), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
