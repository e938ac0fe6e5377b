// Picks tcp_proxy's cluster for a connection through Envoy's `set_envoy_filter_state` foreign
// function (proxy_set_property cannot: it writes under the `wasm.` prefix). Only works before
// tcp_proxy has started, i.e. while the connection is paused in on_new_connection.
import { callForeignFunction } from "../abi/host";
import { Status } from "../abi/types";
import { UpstreamChoice } from "./filter";

const TCP_PROXY_CLUSTER = "envoy.tcp_proxy.cluster";

/** SetEnvoyFilterStateArguments{path = 1, value = 2} in protobuf bytes (both short strings). */
function filterStateArguments(path: string, value: string): Uint8Array {
  const p = Uint8Array.wrap(String.UTF8.encode(path));
  const v = Uint8Array.wrap(String.UTF8.encode(value));
  const out = new Uint8Array(2 + varintSize(p.length) + p.length + varintSize(v.length) + v.length);
  let at = 0;
  out[at++] = 0x0a;
  at = writeVarint(out, at, p.length);
  out.set(p, at);
  at += p.length;
  out[at++] = 0x12;
  at = writeVarint(out, at, v.length);
  out.set(v, at);
  return out;
}

function varintSize(n: i32): i32 {
  let size = 1;
  while (n >= 0x80) {
    n >>>= 7;
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: i32, n: i32): i32 {
  while (n >= 0x80) {
    out[at++] = <u8>((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out[at++] = <u8>n;
  return at;
}

export class ConnectionUpstreamChoice extends UpstreamChoice {
  isStarted: bool = false;

  chooseCluster(name: string): bool {
    if (this.isStarted) return false;
    return callForeignFunction("set_envoy_filter_state", filterStateArguments(TCP_PROXY_CLUSTER, name)).status == Status.Ok;
  }

  get started(): bool {
    return this.isStarted;
  }
}
