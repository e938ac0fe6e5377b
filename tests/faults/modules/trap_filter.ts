// Test module for tests/faults/trap.test.ts: the product framework (built-in codecs and filters)
// plus `test.trap`, a filter that traps (`unreachable()`) on a request whose method is "boom"
// (any case: Redis upper-cases its commands) and lets every other request pass. Written as a
// user's module is (examples/custom-filter), importing the framework by its package name.
import "meta-protocol-wasm/assembly/abi/abort";
import {
  ConfigErrors, FilterConfig, FilterFactory, FilterServices, JsonValue, MessageAction, MetaFilter, METHOD, RequestView,
  registerBuiltinCodecs, registerBuiltinFilters, registerFilter, startMetaProtocol,
} from "meta-protocol-wasm";

export * from "meta-protocol-wasm/assembly/abi/exports";

class Trap extends MetaFilter {
  onRequest(r: RequestView): MessageAction {
    const method = r.message.metadata.get(METHOD);
    if (method !== null && method.toLowerCase() == "boom") unreachable();
    return MessageAction.Continue;
  }
}

class TrapConfig extends FilterConfig {
  createFilter(services: FilterServices): MetaFilter {
    return new Trap();
  }
}

class TrapFactory extends FilterFactory {
  get name(): string {
    return "test.trap";
  }

  configure(config: JsonValue | null, at: string, errors: ConfigErrors): FilterConfig | null {
    return new TrapConfig();
  }
}

registerBuiltinCodecs();
registerBuiltinFilters();
registerFilter(new TrapFactory());
startMetaProtocol();
