// The real Dubbo client surfaces response attachments: none from the real server (it writes kind 1,
// value only), and exactly the map a relay puts into the response when it rewrites the body by hand
// to kind 4 (value with attachments) + map.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { callWithAttachments } from "./dubbo-response-attachments.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const HEADER = 16;

/** The real provider (dubbo-server.ts) in its own process; resolves to it and its port. */
function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "dubbo-server.ts"), "0"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`dubbo-server exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once("line", (line) => resolve({ child, port: JSON.parse(line).port }));
  });
}

/** A hessian2 compact string (ASCII, under 32 characters). */
function hessianString(s: string): Buffer {
  assert.ok(s.length < 32);
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, "ascii")]);
}

/**
 * A value-only OK response (kind 1) rewritten by hand as kind 4 with an untyped map of `entries`
 * after the value; other frames unchanged.
 */
function withAttachments(frame: Buffer, entries: Record<string, string>): Buffer {
  const isOkResponse = (frame[2] & 0xa0) === 0 && frame[3] === 20 && (frame[2] & 0x1f) === 2;
  if (!isOkResponse) return frame;
  assert.equal(frame[HEADER], 0x91, "the server answered with kind 1 (value)");
  const map: Buffer[] = [Buffer.from([0x48])]; // 'H'
  for (const [k, v] of Object.entries(entries)) map.push(hessianString(k), hessianString(v));
  map.push(Buffer.from([0x5a])); // 'Z'
  const body = Buffer.concat([Buffer.from([0x94]), frame.subarray(HEADER + 1), ...map]);
  const header = Buffer.from(frame.subarray(0, HEADER));
  header.writeUInt32BE(body.length, 12);
  return Buffer.concat([header, body]);
}

/** A relay to `upstreamPort` that cuts the upstream's bytes into frames and passes each through `rewrite`. */
function startRelay(upstreamPort: number, rewrite: (frame: Buffer) => Buffer): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, "127.0.0.1");
    let pending = Buffer.alloc(0);
    client.pipe(upstream);
    upstream.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= HEADER && pending.length >= HEADER + pending.readUInt32BE(12)) {
        const size = HEADER + pending.readUInt32BE(12);
        client.write(rewrite(pending.subarray(0, size)));
        pending = pending.subarray(size);
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

let provider: { child: ChildProcess; port: number };
const relays: net.Server[] = [];

before(async () => {
  provider = await startServer();
});

after(async () => {
  for (const relay of relays) await new Promise((r) => relay.close(r));
  // The provider stops on SIGTERM (its stdin is a socket here, not the pipe it also watches).
  const exited = new Promise((r) => provider.child.once("exit", r));
  provider.child.kill("SIGTERM");
  const timer = setTimeout(() => provider.child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
});

test("the real server's response carries no attachments", async () => {
  const result = await callWithAttachments(`127.0.0.1:${provider.port}`, { args: ["direct"] });
  assert.equal(result.value, "Hello direct");
  assert.deepEqual(result.attachments, {});
});

test("attachments a relay writes into the response (kind 4 + map) reach the caller", async () => {
  const entries = { "served-by": "v2", zone: "z-1" };
  const relay = await startRelay(provider.port, (frame) => withAttachments(frame, entries));
  relays.push(relay);
  const result = await callWithAttachments(`127.0.0.1:${portOf(relay)}`, { args: ["relayed"] });
  assert.equal(result.value, "Hello relayed");
  assert.deepEqual(result.attachments, entries);
});

test("an unchanged relay shows the relay itself adds nothing", async () => {
  const relay = await startRelay(provider.port, (frame) => frame);
  relays.push(relay);
  const result = await callWithAttachments(`127.0.0.1:${portOf(relay)}`, { args: ["plain"] });
  assert.equal(result.value, "Hello plain");
  assert.deepEqual(result.attachments, {});
});
