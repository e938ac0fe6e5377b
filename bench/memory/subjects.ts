// The modules the memory benchmark loads: the product module with a realistic chain (a route, a
// local rate limit that never limits, the metrics filter) per codec, and the no-op module.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { load, type Subject } from "./drive.ts";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PRODUCT = path.join(root, "build/meta_protocol.wasm");
/** A module on our ABI layer that passes every byte through with no host call (tests/host/modules). */
export const NO_OP = path.join(root, "build/test-modules/sdk_passthrough.wasm");

const CHAIN = [
  {
    name: "aeraki.meta_protocol.filters.local_ratelimit",
    config: { stat_prefix: "bench", token_bucket: { max_tokens: 1_000_000_000, tokens_per_fill: 1_000_000_000, fill_interval: "1s" } },
  },
  { name: "meta_protocol.filters.metrics" },
  { name: "aeraki.meta_protocol.filters.router" },
];
const ROUTES = { name: "bench", routes: [{ name: "default", route: { cluster: "outbound|1|v1|bench.svc" } }] };

export function loadProduct(codec: string, code: Buffer = readFileSync(PRODUCT)): Subject {
  return load(code, JSON.stringify({
    statPrefix: "bench", codec: { name: codec }, maxFrameSize: 4 * 1024 * 1024,
    meta_protocol_filters: CHAIN, route_config: ROUTES,
  }));
}

export function loadNoOp(code: Buffer = readFileSync(NO_OP)): Subject {
  return load(code, "");
}
