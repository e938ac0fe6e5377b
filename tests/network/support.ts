// Small pieces the TCP tests share: a bootstrap object for a wasm module in front of tcp_proxy,
// upstream servers on loopback, and a client that collects everything it receives.
import net from "node:net";

export interface ChainOptions {
  wasm: string; // path of the module
  clusters: Record<string, number>; // cluster name -> upstream port on 127.0.0.1
  defaultCluster: string;
  pluginConfiguration?: string;
  failOpen?: boolean;
  /** Clusters that speak HTTP/2 (gRPC callouts need it, as in Envoy). */
  http2Clusters?: string[];
  /**
   * tcp_proxy's max_early_data_bytes: a module that pauses in on_new_connection to route by the
   * first request needs it (without it tcp_proxy read-disables the client until it has connected).
   */
  maxEarlyDataBytes?: number;
}

const HTTP2_OPTIONS = {
  "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
    explicit_http_config: { http2_protocol_options: {} },
  },
};

export function bootstrapFor(o: ChainOptions): object {
  return {
    node: { id: "test-node", cluster: "test-cluster" },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: "test",
          address: { socket_address: { address: "127.0.0.1", port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.wasm",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm",
                    config: {
                      name: "test",
                      root_id: "test",
                      vm_config: { vm_id: "test", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: o.wasm } } },
                      configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: o.pluginConfiguration ?? "" },
                      fail_open: o.failOpen ?? false,
                    },
                  },
                },
                {
                  name: "envoy.filters.network.tcp_proxy",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                    stat_prefix: "test",
                    cluster: o.defaultCluster,
                    ...(o.maxEarlyDataBytes === undefined ? {} : { max_early_data_bytes: o.maxEarlyDataBytes }),
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: Object.entries(o.clusters).map(([name, port]) => ({
        name,
        type: "STATIC",
        connect_timeout: "1s",
        ...(o.http2Clusters?.includes(name) ? { typed_extension_protocol_options: HTTP2_OPTIONS } : {}),
        load_assignment: {
          cluster_name: name,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: port } } } }] }],
        },
      })),
    },
  };
}

/** An upstream that echoes every byte and, when the client half-closes, sends `trailer` and ends. */
export async function echoServer(trailer = ""): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    accepted++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("data", (d) => s.write(d));
    s.on("end", () => s.end(trailer));
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sends `payload`, half-closes, and resolves with everything received until the server ends. */
export function exchange(port: number, payload: Buffer, chunk = 64 * 1024): Promise<{ received: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let ended = false;
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    c.on("data", (d) => parts.push(d));
    c.on("end", () => (ended = true));
    c.on("error", reject);
    c.on("close", () => resolve({ received: Buffer.concat(parts), ended }));
    c.on("connect", () => {
      for (let i = 0; i < payload.length; i += chunk) c.write(payload.subarray(i, i + chunk));
      c.end();
    });
    setTimeout(() => {
      c.destroy();
      reject(new Error("exchange timed out"));
    }, 20_000).unref();
  });
}
