// Envoy's flow control on the way back, in the local host (source/docs/flow_control.md, "TCP
// implementation details"): bytes written to the client and not yet sent past the write buffer's
// high watermark (per_connection_buffer_limit_bytes + 1, ConnectionImpl::setBufferLimits) make
// tcp_proxy read-disable the upstream (Filter::DownstreamCallbacks::onAboveWriteBufferHighWatermark);
// once they fall to the low watermark (half), reading resumes. A client that reads nothing thus
// stops the proxy reading the server; when it reads again, every byte arrives in order.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startEnvoy, type EnvoyServer } from "../../host/main.ts";
import { rawServer } from "../faults/support.ts";
import { bootstrapFor } from "./support.ts";

const PASSTHROUGH = "build/test-modules/sdk_passthrough.wasm";
const TOTAL = 48 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** A server that writes TOTAL bytes (byte i is i % 251) to each connection as fast as it may. */
function sourceServer() {
  return rawServer((s) => {
    let sent = 0;
    const pump = () => {
      while (sent < TOTAL) {
        const chunk = Buffer.alloc(CHUNK);
        for (let i = 0; i < CHUNK; i++) chunk[i] = (sent + i) % 251;
        sent += CHUNK;
        if (!s.write(chunk)) return void s.once("drain", pump);
      }
      s.end();
    };
    pump();
  });
}

let source: Awaited<ReturnType<typeof sourceServer>>;
let envoy: EnvoyServer;
before(async () => {
  source = await sourceServer();
  envoy = await startEnvoy(bootstrapFor({ wasm: PASSTHROUGH, clusters: { source: source.port }, defaultCluster: "source" }), { logLevel: 4 });
});
after(async () => {
  await envoy.close();
  await source.close();
});

test("a client that reads nothing stops the host reading the upstream; reading again, every byte arrives in order", async () => {
  const rx = () => envoy.stats.counter("cluster.source.upstream_cx_rx_bytes_total");
  const client = net.connect(envoy.listenerPort("test"), "127.0.0.1");
  client.pause();
  await new Promise((r) => client.once("connect", r));
  // Let the host read what it will while nobody reads the client side.
  let before = -1;
  for (let i = 0; i < 50 && rx() !== before; i++) {
    before = rx();
    await new Promise((r) => setTimeout(r, 200));
  }
  const held = rx();
  // Kernel socket buffers on loopback hold a few MiB each way, the host's write buffer 1 MiB more:
  // far from the 48 MiB the server has to send. Without flow control the host reads all of it.
  assert.ok(held < TOTAL / 3, `the host read ${held} of ${TOTAL} bytes while the client read nothing`);
  assert.equal(rx(), held, "reading stopped");

  let received = 0;
  let wrong = -1;
  client.on("data", (d: Buffer) => {
    for (let i = 0; i < d.length && wrong < 0; i++) if (d[i] !== (received + i) % 251) wrong = received + i;
    received += d.length;
  });
  client.resume();
  await new Promise((r) => client.once("end", r));
  client.destroy();
  assert.equal(wrong, -1, `byte ${wrong} out of order`);
  assert.equal(received, TOTAL);
  assert.equal(rx(), TOTAL);
});
