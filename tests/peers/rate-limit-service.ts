// A real gRPC rate limit service: envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit served
// by @grpc/grpc-js from Envoy's own rls.proto (loaded with @grpc/proto-loader from the .proto files
// in @grpc/grpc-js-xds), keeping an exact count per descriptor. Runs in the test's process so the
// test can read what it was asked and change how it answers (`delayMs`, `overLimitAlways`).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const require = createRequire(import.meta.url);
const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
const includeDirs = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(deps, d)).filter(existsSync);

interface Entry {
  key: string;
  value: string;
}
interface RateLimitRequest {
  domain: string;
  descriptors: Array<{ entries: Entry[] }>;
  hits_addend: number;
}

export interface Asked {
  domain: string;
  /** Each descriptor as "key=value,key=value". */
  descriptors: string[];
  hitsAddend: number;
}

export interface RateLimitService {
  port: number;
  asked: Asked[];
  /** The most calls the service held at once. */
  maxInFlight: number;
  /** Answer after this many milliseconds (0: at once). */
  delayMs: number;
  /** Answer OVER_LIMIT to everything (to show that an answer arriving after the timeout is not used). */
  overLimitAlways: boolean;
  /** Forgets the counts and what it was asked. */
  reset(): void;
  close(): void;
}

/**
 * Starts the service on 127.0.0.1 (an ephemeral port). `limits` maps "domain|key=value,..." to the
 * number of hits allowed; a descriptor without a limit is always OK, as in Envoy's ratelimit server.
 */
export async function startRateLimitService(limits: Record<string, number>): Promise<RateLimitService> {
  const definition = protoLoader.loadSync("envoy/service/ratelimit/v3/rls.proto", { includeDirs, keepCase: true, defaults: true, enums: String });
  type Loaded = { envoy: { service: { ratelimit: { v3: { RateLimitService: grpc.ServiceClientConstructor } } } } };
  const serviceDefinition = (grpc.loadPackageDefinition(definition) as unknown as Loaded).envoy.service.ratelimit.v3.RateLimitService.service;
  const hits = new Map<string, number>();
  let inFlight = 0;
  const server = new grpc.Server();
  const state: RateLimitService = {
    port: 0,
    asked: [],
    maxInFlight: 0,
    delayMs: 0,
    overLimitAlways: false,
    reset() {
      hits.clear();
      state.asked = [];
      state.maxInFlight = 0;
    },
    close() {
      server.forceShutdown();
    },
  };
  const decide = (request: RateLimitRequest): string => {
    const descriptors = request.descriptors.map((d) => d.entries.map((e) => `${e.key}=${e.value}`).join(","));
    state.asked.push({ domain: request.domain, descriptors, hitsAddend: request.hits_addend });
    let over = state.overLimitAlways;
    for (const d of descriptors) {
      const name = `${request.domain}|${d}`;
      const count = (hits.get(name) ?? 0) + Math.max(1, request.hits_addend);
      hits.set(name, count);
      if (limits[name] !== undefined && count > limits[name]) over = true;
    }
    return over ? "OVER_LIMIT" : "OK";
  };
  server.addService(serviceDefinition, {
    ShouldRateLimit: (call: grpc.ServerUnaryCall<RateLimitRequest, unknown>, done: grpc.sendUnaryData<unknown>) => {
      const code = decide(call.request);
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        done(null, { overall_code: code });
      }, state.delayMs);
    },
  });
  state.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return state;
}
