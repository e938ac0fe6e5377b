// A real gRPC access log service: envoy.service.accesslog.v3.AccessLogService/StreamAccessLogs
// served by @grpc/grpc-js from Envoy's own als.proto (loaded with @grpc/proto-loader from the
// .proto files in @grpc/grpc-js-xds). Runs in the test's process: it keeps every stream's
// messages, decoded, and can end the open streams (`dropStreams`) as a restarting server would.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
const includeDirs = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(deps, d)).filter(existsSync);

interface Timestamp {
  seconds: string;
  nanos: number;
}

/** envoy.data.accesslog.v3.TCPAccessLogEntry as proto-loader decodes it (keepCase, longs as strings). */
export interface TcpEntry {
  common_properties: {
    start_time: Timestamp | null;
    duration: Timestamp | null;
    time_to_last_downstream_tx_byte: Timestamp | null;
    upstream_cluster: string;
    route_name: string;
    response_flags: Record<string, unknown> | null;
    custom_tags: Record<string, string>;
  };
  connection_properties: { received_bytes: string; sent_bytes: string } | null;
}

export interface AlsMessage {
  identifier: { node: { id: string } | null; log_name: string } | null;
  tcp_logs: { log_entry: TcpEntry[] } | null;
  http_logs: unknown;
}

export interface AlsServer {
  port: number;
  /** Every stream opened, each with its messages in order. */
  streams: AlsMessage[][];
  /** All entries received so far, in order. */
  entries(): TcpEntry[];
  /** Ends every open stream with UNAVAILABLE, as a server going away does. */
  dropStreams(): void;
  close(): void;
}

export async function startAlsServer(): Promise<AlsServer> {
  const definition = protoLoader.loadSync("envoy/service/accesslog/v3/als.proto", { includeDirs, keepCase: true, defaults: true, longs: String, enums: String });
  type Loaded = { envoy: { service: { accesslog: { v3: { AccessLogService: grpc.ServiceClientConstructor } } } } };
  const service = (grpc.loadPackageDefinition(definition) as unknown as Loaded).envoy.service.accesslog.v3.AccessLogService.service;
  const server = new grpc.Server();
  /** The open streams, by the callback that ends each with its status. */
  const open = new Set<grpc.sendUnaryData<unknown>>();
  const state: AlsServer = {
    port: 0,
    streams: [],
    entries: () => state.streams.flat().flatMap((m) => m.tcp_logs?.log_entry ?? []),
    dropStreams() {
      for (const done of open) done({ code: grpc.status.UNAVAILABLE, details: "going away" });
      open.clear();
    },
    close() {
      server.forceShutdown();
    },
  };
  server.addService(service, {
    StreamAccessLogs: (call: grpc.ServerReadableStream<AlsMessage, unknown>, done: grpc.sendUnaryData<unknown>) => {
      const messages: AlsMessage[] = [];
      state.streams.push(messages);
      open.add(done);
      call.on("data", (m: AlsMessage) => messages.push(m));
      call.on("end", () => {
        if (open.delete(done)) done(null, {});
      });
      call.on("error", () => open.delete(done));
    },
  });
  state.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return state;
}
