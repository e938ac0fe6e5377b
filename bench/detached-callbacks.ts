// The callbacks Envoy gives a read filter, over a connection that only records a close: what the
// benchmarks hand the wasm filter to drive it through the real ABI without sockets.
import type { ReadFilterCallbacks } from "../host/network/filter.ts";

export function detachedCallbacks(): ReadFilterCallbacks & { closed: boolean } {
  const cb = {
    closed: false,
    connection: {
      id: 1, remoteAddress: "127.0.0.1:1", localAddress: "127.0.0.1:2", filterState: new Map<string, string>(), open: true,
      addConnectionCallbacks() {}, readDisable() {}, readEnabled: () => true, write() {},
      close() {
        cb.closed = true;
      },
    },
    continueReading() {},
    upstreamHost: () => "127.0.0.1:3",
    setUpstreamHost() {},
  };
  return cb;
}
