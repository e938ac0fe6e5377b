// An allow-list on one metadata key, as a user writes a filter: requests whose value for `key` is
// not listed end with the protocol's own error (a Dubbo error response, a Thrift
// TApplicationException, a Redis -ERR, ...), built by the codec; the connection stays open.
// With `holdMs`, allowed requests wait that long before they go on (held, then resumed from a
// wake-up: how a filter waits for a timer or a gRPC answer without blocking the connection's VM).
//   {"name": "example.allow_list", "config": {"key": "method", "allow": ["sayHello"], "holdMs": 50}}
import {
  ConfigErrors, ConfigFields, ErrorKind, FilterConfig, FilterFactory, RequestView, FilterServices, HeldRequest, JsonKind,
  JsonValue, MessageAction, MetaFilter,
} from "meta-protocol-wasm";

class AllowListConfig extends FilterConfig {
  constructor(readonly key: string, readonly allowed: string[], readonly holdMs: u32) {
    super();
  }

  createFilter(services: FilterServices): MetaFilter {
    return new AllowList(this, services);
  }
}

class AllowList extends MetaFilter {
  private held: HeldRequest[] = [];

  constructor(private config: AllowListConfig, private services: FilterServices) {
    super();
  }

  onRequest(r: RequestView): MessageAction {
    const value = r.message.metadata.get(this.config.key);
    if (value === null || !this.config.allowed.includes(value)) {
      return r.reply(ErrorKind.Unspecified, this.config.key + " " + (value !== null ? value : "(none)") + " is not allowed");
    }
    if (this.config.holdMs == 0) return MessageAction.Continue;
    this.held.push(r.hold());
    if (this.held.length == 1) this.services.wakeAfter(this.config.holdMs);
    return MessageAction.Pause;
  }

  onTimer(): void {
    const ready = this.held;
    this.held = [];
    for (let i = 0; i < ready.length; i++) ready[i].resume();
  }

  onConnectionClose(): void {
    this.held = [];
  }
}

export class AllowListFactory extends FilterFactory {
  get name(): string {
    return "example.allow_list";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    if (config === null) {
      errors.add(at, "required: key and allow");
      return null;
    }
    const fields = new ConfigFields(config, at, errors, ["key", "allow", "holdMs"]);
    if (!fields.valid) return null;
    const key = fields.string("key", true);
    const allow = fields.field("allow", JsonKind.Array, true);
    if (key === null || allow === null) return null;
    const allowed: string[] = [];
    for (let i = 0; i < allow.items.length; i++) {
      const item = allow.items[i];
      if (item.kind != JsonKind.String) {
        errors.add(fields.path("allow") + "[" + i.toString() + "]", "must be a string");
        return null;
      }
      allowed.push(item.string);
    }
    const holdMs = fields.has("holdMs") ? fields.count("holdMs") : 0;
    if (holdMs < 0) return null;
    return new AllowListConfig(key, allowed, <u32>holdMs);
  }
}
