// The paths a client's traffic takes to its server: direct, or through one proxy process pinned
// to the proxy CPU: a Node byte pipe, HAProxy in TCP mode, the local host with a no-op module, the
// local host with the product module (codec, a route, a local rate limit that never limits, metrics).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, nextJson, waitForPort, type ProcessGroup, type Started } from "./process-group.ts";
import { wireOf } from "./wire.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PATHS = ["direct", "pipe", "haproxy", "host-noop", "host-module"] as const;
export type PathName = (typeof PATHS)[number];

export interface Proxy {
  port: number;
  /** The proxy process; undefined for direct. */
  process?: Started;
  /** Wasm linear memory per VM in 64 KiB pages (host paths only). */
  wasmPages?: () => Promise<number[]>;
}

/** Local rate limit: a bucket so large that no request of a run is limited (the passing path is measured). */
const NEVER_LIMITS = { stat_prefix: "bench", token_bucket: { max_tokens: 1_000_000_000, tokens_per_fill: 1_000_000_000, fill_interval: "1s" } };

export function moduleConfiguration(codec: string): string {
  return JSON.stringify({
    statPrefix: "bench",
    codec: { name: codec },
    route_config: { name: "bench", routes: [{ name: "all", route: { cluster: "upstream" } }] },
    meta_protocol_filters: [
      { name: "aeraki.meta_protocol.filters.local_ratelimit", config: NEVER_LIMITS },
      { name: "meta_protocol.filters.metrics" },
      { name: "aeraki.meta_protocol.filters.router" },
    ],
  });
}

function hostBootstrap(wasm: string, configuration: string, upstreamPort: number): object {
  return {
    node: { id: "bench", cluster: "bench" },
    static_resources: {
      listeners: [{
        name: "bench",
        address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
        filter_chains: [{
          filters: [
            {
              name: "envoy.filters.network.wasm",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm",
                config: {
                  name: "bench", root_id: "bench",
                  vm_config: { vm_id: "bench", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: wasm } } },
                  configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: configuration },
                },
              },
            },
            {
              name: "envoy.filters.network.tcp_proxy",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                stat_prefix: "bench", cluster: "upstream",
                // The module routes by the first request, so it needs the client's bytes before the upstream connects.
                max_early_data_bytes: 65536,
              },
            },
          ],
        }],
      }],
      clusters: [{
        name: "upstream", type: "STATIC", connect_timeout: "1s",
        load_assignment: { cluster_name: "upstream", endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: upstreamPort } } } }] }] },
      }],
    },
  };
}

function haproxyConfig(port: number, upstreamPort: number): string {
  return [
    "global", "  maxconn 4000", "  nbthread 1",
    "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 60s", "  timeout server 60s",
    "listen bench", `  bind 127.0.0.1:${port}`, `  server upstream 127.0.0.1:${upstreamPort}`, "",
  ].join("\n");
}

export async function startProxy(group: ProcessGroup, name: PathName, protocol: string, upstreamPort: number, cpu: number, tmp: string): Promise<Proxy> {
  const node = (script: string, args: string[]) => group.start(cpu, process.execPath, ["--import", "tsx", path.join(root, script), ...args], { cwd: root });
  switch (name) {
    case "direct":
      return { port: upstreamPort };
    case "pipe": {
      const started = node("bench/e2e/byte-pipe.ts", [String(upstreamPort)]);
      return { port: (await nextJson<{ port: number }>(started, "byte pipe")).port, process: started };
    }
    case "haproxy": {
      const port = await freePort();
      const file = path.join(tmp, `haproxy-${protocol}.cfg`);
      writeFileSync(file, haproxyConfig(port, upstreamPort));
      const started = group.start(cpu, "haproxy", ["-db", "-f", file]);
      started.lines.on("line", () => {});
      await waitForPort(started, port, "haproxy");
      return { port, process: started };
    }
    case "host-noop":
    case "host-module": {
      const wasm = path.join(root, name === "host-noop" ? "build/test-modules/sdk_passthrough.wasm" : "build/meta_protocol.wasm");
      const file = path.join(tmp, `bootstrap-${name}-${protocol}.json`);
      writeFileSync(file, JSON.stringify(hostBootstrap(wasm, name === "host-noop" ? "" : moduleConfiguration(wireOf(protocol).codec), upstreamPort)));
      const started = node("bench/e2e/host-entry.ts", [file, "1"]);
      const { port } = await nextJson<{ port: number }>(started, name);
      const wasmPages = async () => {
        started.child.stdin!.write("memory\n");
        return (await nextJson<{ pages: number[] }>(started, name)).pages;
      };
      return { port, process: started, wasmPages };
    }
  }
}
