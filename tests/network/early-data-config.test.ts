// TcpProxy's max_early_data_bytes and upstream_connect_mode: the local host reads what it runs and
// refuses the rest, naming the field; Envoy's API check (tests/envoy/envoy-api.ts) knows both
// fields although the bundled API predates them, and still refuses a misspelling or a wrong type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BootstrapError, readBootstrap } from "../../host/config/bootstrap.ts";
import { checkBootstrap, EnvoyConfigError, NEWER_THAN_BUNDLED_API } from "../envoy/envoy-api.ts";
import { bootstrapFor } from "./support.ts";

const WASM = "build/test-modules/sdk_passthrough.wasm";
const TCP_PROXY = "static_resources.listeners[0].filter_chains[0].filters[1].typed_config";

/** A bootstrap whose tcp_proxy typed_config gets `fields`. */
function withTcpProxy(fields: Record<string, unknown>): any {
  const b = bootstrapFor({ wasm: WASM, clusters: { up: 1 }, defaultCluster: "up" }) as any;
  Object.assign(b.static_resources.listeners[0].filter_chains[0].filters[1].typed_config, fields);
  return b;
}

test("the host reads max_early_data_bytes; unset means no early data", () => {
  assert.equal(readBootstrap(withTcpProxy({ max_early_data_bytes: 65536 })).listeners[0].tcpProxy.maxEarlyDataBytes, 65536);
  assert.equal(readBootstrap(withTcpProxy({ max_early_data_bytes: 0 })).listeners[0].tcpProxy.maxEarlyDataBytes, 0);
  assert.equal(readBootstrap(withTcpProxy({})).listeners[0].tcpProxy.maxEarlyDataBytes, undefined);
});

test("max_early_data_bytes outside Envoy's rule (a uint32 of at most 1 MiB) is refused", () => {
  for (const bad of [1048577, -1, 1.5, "64k"]) {
    assert.throws(
      () => readBootstrap(withTcpProxy({ max_early_data_bytes: bad })),
      (e: Error) => e instanceof BootstrapError && e.message.startsWith(`${TCP_PROXY}.max_early_data_bytes: expected an integer`),
      String(bad),
    );
  }
});

test("upstream_connect_mode IMMEDIATE is accepted; the delayed modes are refused naming the field", () => {
  assert.equal(readBootstrap(withTcpProxy({ upstream_connect_mode: "IMMEDIATE", max_early_data_bytes: 10 })).listeners[0].tcpProxy.cluster, "up");
  for (const mode of ["ON_DOWNSTREAM_DATA", "ON_DOWNSTREAM_TLS_HANDSHAKE"]) {
    assert.throws(
      () => readBootstrap(withTcpProxy({ upstream_connect_mode: mode, max_early_data_bytes: 10 })),
      (e: Error) => e instanceof BootstrapError && e.message === `${TCP_PROXY}.upstream_connect_mode (${mode}): not supported by the local host`,
    );
  }
});

test("Envoy's API check knows the fields newer than the bundled API, from its explicit list", () => {
  assert.deepEqual(
    NEWER_THAN_BUNDLED_API.map((f) => `${f.message}.${f.field}`).sort(),
    [
      "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.max_early_data_bytes",
      "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.upstream_connect_mode",
    ],
  );
  checkBootstrap(withTcpProxy({ max_early_data_bytes: 65536, upstream_connect_mode: "IMMEDIATE" }));
});

test("the newer fields are checked with their real type; a misspelling still fails", () => {
  assert.throws(() => checkBootstrap(withTcpProxy({ max_early_data_bytes: "lots" })), (e: Error) => e instanceof EnvoyConfigError && /max_early_data_bytes: expected uint32/.test(e.message));
  assert.throws(() => checkBootstrap(withTcpProxy({ upstream_connect_mode: "SOMETIMES" })), /upstream_connect_mode: SOMETIMES is not a value of .*UpstreamConnectMode/);
  assert.throws(
    () => checkBootstrap(withTcpProxy({ max_early_data_byte: 65536 })),
    (e: Error) => e instanceof EnvoyConfigError && e.message === `bootstrap.${TCP_PROXY}.max_early_data_byte: unknown field of envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  );
});
