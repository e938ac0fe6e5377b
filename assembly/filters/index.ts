// The filters built into build/meta_protocol.wasm, written against the public filter API
// (assembly/meta/filter.ts) exactly as a user's filter is. A user's module registers its own the same way.
import { registerFilter } from "../meta/registry";
import { AccessLogFactory } from "./access-log";
import { FaultFactory } from "./fault";
import { GlobalRateLimitFactory } from "./global-ratelimit";
import { LocalRateLimitFactory } from "./local-ratelimit";
import { MetricsFactory } from "./metrics";
import { RouterFactory } from "./router";
import { TracingFactory } from "./tracing";

export function registerBuiltinFilters(): void {
  registerFilter(new RouterFactory());
  registerFilter(new LocalRateLimitFactory());
  registerFilter(new GlobalRateLimitFactory());
  registerFilter(new MetricsFactory());
  registerFilter(new AccessLogFactory());
  registerFilter(new TracingFactory());
  registerFilter(new FaultFactory());
}
