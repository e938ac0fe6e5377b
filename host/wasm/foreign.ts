// Envoy's foreign functions that matter to a network filter (source/extensions/common/wasm/foreign.cc).
// `set_envoy_filter_state` takes SetEnvoyFilterStateArguments {path = 1, value = 2, span = 3} and
// sets an Envoy filter state object, but only for keys that have a registered object factory.
import type { FilterCallbacks } from "../network/filter.ts";
import { Status } from "./types.ts";

/** Filter state keys with an object factory in stock Envoy that a TCP chain reads. */
const ENVOY_FILTER_STATE_KEYS = new Set([
  "envoy.tcp_proxy.cluster",
  "envoy.network.upstream_server_name",
  "envoy.network.application_protocols",
  "envoy.upstream.dynamic_host",
  "envoy.upstream.dynamic_port",
]);

interface Fields {
  path?: string;
  value?: string;
}

/** Reads the two string fields; undefined if the bytes are not a valid message. */
function parseArguments(bytes: Buffer): Fields | undefined {
  const out: Fields = {};
  let pos = 0;
  const varint = (): number | undefined => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) return undefined;
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    return undefined;
  };
  while (pos < bytes.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || pos + len > bytes.length) return undefined;
      const s = bytes.subarray(pos, pos + len).toString("utf8");
      pos += len;
      if (field === 1) out.path = s;
      if (field === 2) out.value = s;
    } else {
      return undefined;
    }
  }
  return out;
}

export function callForeignFunction(name: string, args: Buffer, conn: FilterCallbacks | undefined): Status {
  if (name !== "set_envoy_filter_state") return Status.NotFound;
  const parsed = parseArguments(args);
  if (!parsed) return Status.BadArgument;
  if (!parsed.path || !ENVOY_FILTER_STATE_KEYS.has(parsed.path)) return Status.NotFound;
  if (!conn) return Status.NotFound; // no stream info outside a connection
  conn.filterState.set(parsed.path, parsed.value ?? "");
  return Status.Ok;
}
