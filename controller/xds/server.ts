// The controller's xDS server: Envoy's Aggregated Discovery Service (state of the world) on
// @grpc/grpc-js, serving Aeraki's MetaProtocol RouteConfiguration from one snapshot. The Wasm
// module asks for route tables over this stream exactly as Aeraki's MetaProtocol Proxy does.
// DeltaAggregatedResources is not offered: grpc-js answers it UNIMPLEMENTED.
import * as grpc from "@grpc/grpc-js";
import { AdsStream, type DiscoveryRequestFields, type DiscoveryResponseFields } from "./ads-stream.ts";
import { NodeStatusBook, type NodeStatus } from "./node-status.ts";
import { ADS_SERVICE, DiscoveryRequest, DiscoveryResponse } from "./proto-root.ts";
import type { Snapshot } from "./snapshot.ts";

export interface XdsServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Where the server says what it ignores or what proxies reject; default stderr. */
  log?: (message: string) => void;
}

export interface XdsServer {
  /** The port bound. */
  port: number;
  /** Replaces what is served and pushes it to every stream that is waiting for a new version. */
  setSnapshot(snapshot: Snapshot): void;
  status(): NodeStatus[];
  /** Ends every stream (the clients see an OK end) and the server; the port is free afterwards. */
  close(): Promise<void>;
}

type AdsCall = grpc.ServerDuplexStream<DiscoveryRequestFields, DiscoveryResponseFields>;

const adsDefinition: grpc.ServiceDefinition = {
  StreamAggregatedResources: {
    path: `/${ADS_SERVICE}/StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: (request: DiscoveryRequestFields) => Buffer.from(DiscoveryRequest.encode(request).finish()),
    requestDeserialize: (bytes: Buffer) =>
      DiscoveryRequest.toObject(DiscoveryRequest.decode(bytes), { defaults: true, arrays: true, longs: String, enums: String }),
    responseSerialize: (response: DiscoveryResponseFields) => Buffer.from(DiscoveryResponse.encode(response).finish()),
    responseDeserialize: (bytes: Buffer) => DiscoveryResponse.toObject(DiscoveryResponse.decode(bytes), { defaults: true, arrays: true }),
  },
};

export async function startXdsServer(options: XdsServerOptions): Promise<XdsServer> {
  const log = options.log ?? ((message: string) => process.stderr.write(`xds: ${message}\n`));
  const book = new NodeStatusBook();
  const streams = new Map<AdsCall, AdsStream>();
  let snapshot: Snapshot | undefined;
  let nonces = 0;

  const server = new grpc.Server();
  server.addService(adsDefinition, {
    StreamAggregatedResources(call: AdsCall) {
      const stream = new AdsStream({
        respond: (response) => call.write(response),
        book,
        nextNonce: () => String(++nonces),
        log,
      });
      streams.set(call, stream);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        streams.delete(call);
        stream.onClose();
      };
      call.on("data", (request: DiscoveryRequestFields) => stream.onRequest(request, snapshot));
      call.on("end", () => {
        close();
        call.end();
      });
      call.on("cancelled", close);
      call.on("error", (err) => {
        log(`stream error: ${err.message}`);
        close();
      });
      call.on("close", close);
    },
  });

  const host = options.host ?? "127.0.0.1";
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host.includes(":") ? `[${host}]` : host}:${options.port}`, grpc.ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  return {
    port,
    setSnapshot(next) {
      snapshot = next;
      for (const stream of streams.values()) stream.onSnapshot(next);
    },
    status: () => book.status(),
    async close() {
      for (const [call, stream] of [...streams]) {
        streams.delete(call);
        stream.onClose();
        call.end();
      }
      await new Promise<void>((resolve) => {
        // Clients keep their connections open; give the ended streams a moment to flush, then cut.
        const timer = setTimeout(() => server.forceShutdown(), 100);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
