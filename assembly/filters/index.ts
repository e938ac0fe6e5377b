// The filters built into build/meta_protocol.wasm, written against the public filter API
// (assembly/meta/filter.ts) exactly as a user's filter is. A user's module registers its own the same way.
import { registerFilter } from "../meta/registry";
import { GlobalRateLimitFactory } from "./global-ratelimit";
import { LocalRateLimitFactory } from "./local-ratelimit";
import { RouterFactory } from "./router";

export function registerBuiltinFilters(): void {
  registerFilter(new RouterFactory());
  registerFilter(new LocalRateLimitFactory());
  registerFilter(new GlobalRateLimitFactory());
}
