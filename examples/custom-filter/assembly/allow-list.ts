// An allow-list on one metadata key, as a user writes a filter: requests whose value for `key` is
// not listed end with the protocol's own error (a Dubbo error response, a Thrift
// TApplicationException, a Redis -ERR, ...), built by the codec; the connection stays open.
//   {"name": "example.allow_list", "config": {"key": "method", "allow": ["sayHello"]}}
import {
  ConfigErrors, ConfigFields, ErrorKind, FilterConfig, FilterFactory, FilterMessage, FilterServices, JsonKind, JsonValue,
  MessageAction, MetaFilter,
} from "meta-protocol-wasm";

class AllowListConfig extends FilterConfig {
  constructor(readonly key: string, readonly allowed: string[]) {
    super();
  }

  createFilter(services: FilterServices): MetaFilter {
    return new AllowList(this);
  }
}

class AllowList extends MetaFilter {
  constructor(private config: AllowListConfig) {
    super();
  }

  onRequest(m: FilterMessage): MessageAction {
    const value = m.message.metadata.get(this.config.key);
    if (value !== null && this.config.allowed.includes(value)) return MessageAction.Continue;
    const shown = value !== null ? value : "(none)";
    return m.reply(ErrorKind.Unspecified, this.config.key + " " + shown + " is not allowed");
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
    const fields = new ConfigFields(config, at, errors, ["key", "allow"]);
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
    return new AllowListConfig(key, allowed);
  }
}
