// A KV-RPC client: one connection, `--concurrency` calls in flight, answers matched by id.
//   node --import tsx examples/private-protocol/peers/client.ts --port N [--calls N] [--concurrency C]
//     [--method echo|note|...] [--size BYTES] [--service S]
// Prints {"ok", "failed", "responses": [{"i", "ok", "bytes", "sum", "servedBy", "tenant"} | {"i", "ok": false, "error"}], "notes"}
// ("tenant": the x-tenant header entry the server echoes when the request carried one).
import net from "node:net";
import { parseArgs } from "node:util";
import { decode, encode, ERROR, ONEWAY, type Frame } from "./wire.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    calls: { type: "string", default: "1" },
    concurrency: { type: "string", default: "1" },
    method: { type: "string", default: "echo" },
    size: { type: "string", default: "16" },
    service: { type: "string", default: "example.Echo" },
  },
});
const calls = Number(values.calls);
const concurrency = Math.max(1, Number(values.concurrency));
const oneway = values.method === "note";
const sum = (b: Buffer<ArrayBufferLike>) => b.reduce((s, x) => (s + x) % 65521, 0);

const responses: Record<string, unknown>[] = new Array(calls);
let sent = 0;
let answered = 0;
let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
const socket = net.connect(Number(values.port), "127.0.0.1");

function request(i: number, method: string, flags = 0): Buffer {
  const header = new Map([["service", values.service!], ["method", method]]);
  return encode({ flags, id: BigInt(i + 1), header, body: Buffer.alloc(Number(values.size), i & 0xff) });
}

function finish(notes?: number): void {
  const ok = responses.filter((r) => r.ok).length;
  process.stdout.write(JSON.stringify({ ok, failed: calls - ok, responses, notes }) + "\n");
  process.exit(0);
}

const sendMore = () => {
  while (sent < calls && sent - answered < concurrency) socket.write(request(sent++, values.method!));
};

socket.on("connect", () => {
  if (!oneway) return sendMore();
  // Oneway calls get no answer: send them, then ask the server how many arrived.
  for (let i = 0; i < calls; i++) {
    socket.write(request(i, "note", ONEWAY));
    responses[i] = { i, ok: true };
  }
  socket.write(request(calls, "count"));
});
socket.on("data", (chunk) => {
  const { frames, rest } = decode(Buffer.concat([pending, chunk]));
  pending = rest;
  for (const f of frames as Frame[]) {
    const i = Number(f.id) - 1;
    if (oneway) return finish(Number(f.body.toString()));
    responses[i] = f.flags & ERROR
      ? { i, ok: false, error: f.header.get("error") }
      : { i, ok: true, bytes: f.body.length, sum: sum(f.body), servedBy: f.header.get("served-by"), tenant: f.header.get("x-tenant") };
    answered++;
  }
  if (answered === calls) finish();
  sendMore();
});
socket.on("close", () => {
  console.error(`[kvrpc-client] connection closed after ${answered} of ${calls} answers`);
  process.exit(1);
});
setTimeout(() => process.exit(2), 60_000).unref();
