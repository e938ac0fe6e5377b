// Bad input never traps the VM: for each codec, connections carrying random bytes and golden
// frames with flipped bytes go through the local host (to an upstream that echoes, so the same
// garbage comes back as "responses"); afterwards the plugin has not failed, no trap was logged,
// and a valid request still decodes. Random bytes come from a fixed seed, so a failure repeats.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { echoServer } from "../network/support.ts";
import { PROTOCOLS } from "../../bench/frames.ts";
import { startMetaProxy, type MetaProxy } from "./support.ts";

/** xorshift32: reproducible bytes. */
function randomBytes(seed: number, n: number): Buffer {
  let x = seed || 1;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Sends `bytes`, waits for the close or a quiet moment, and resolves. */
function send(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(bytes));
    const done = () => (s.destroy(), resolve());
    s.on("close", done);
    s.on("error", done);
    setTimeout(done, 300).unref();
  });
}

const GOLDEN: Record<string, string> = {
  dubbo: "tests/fixtures/dubbo/say_hello_request.bin",
  thrift: "tests/fixtures/thrift/compact_buffered_echo_request.bin",
  brpc: "tests/fixtures/brpc/echo_request.bin",
  redis: "tests/fixtures/redis/session_request.bin",
};

for (const codec of Object.keys(PROTOCOLS)) {
  describe(`${codec}: garbage in, no trap`, () => {
    let upstream: Awaited<ReturnType<typeof echoServer>>;
    let proxy: MetaProxy;
    const lines: string[] = [];
    before(async () => {
      upstream = await echoServer();
      proxy = await startMetaProxy({ codec, upstreamPort: upstream.port, maxFrameSize: 64 * 1024, log: (l) => lines.push(l) });
    });
    after(async () => {
      await proxy?.close();
      await upstream?.close();
    });

    test("random bytes and golden frames with flipped bytes", async () => {
      const golden = readFileSync(GOLDEN[codec]);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 40; i++) sends.push(send(proxy.port, randomBytes(i + 1, 64 + i * 97)));
      for (let i = 0; i < 60; i++) {
        const flipped = Buffer.from(golden);
        const noise = randomBytes(1000 + i, 4);
        flipped[noise.readUInt16BE(0) % flipped.length] ^= noise[2] | 1;
        sends.push(send(proxy.port, Buffer.concat([flipped, flipped.subarray(0, noise[3] % flipped.length)])));
      }
      await Promise.all(sends);
      assert.ok(proxy.counter("request_decoding_error") + proxy.counter("response_decoding_error") > 0, "garbage was refused");
      // The VM is alive: a valid request still decodes and is counted.
      const before = proxy.counter("request");
      await send(proxy.port, PROTOCOLS[codec].request(Buffer.alloc(10), 77));
      assert.equal(proxy.counter("request"), before + 1);
      assert.ok(lines.some((l) => /closing connection/.test(l)), "each refusal is logged with its reason");
      assert.deepEqual(lines.filter((l) => /failed|critical/.test(l)), [], "no trap");
    });
  });
}
