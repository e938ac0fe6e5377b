// A bRPC (baidu_std) client for the tests, our own, written from the protocol's specification (see
// brpc-wire.ts): one connection, `--concurrency` calls in flight, matched to their answers by
// correlation_id.
//   node --import tsx tests/peers/brpc-client.ts --port N [--calls N] [--concurrency C]
//     [--service NAME] [--method Echo|Payload|Fail|...] [--size BYTES] [--attachment BYTES]
//     [--user-field KEY=VALUE ...]
// Prints {"ok", "failed", "responses": [{"i", "ok", "bytes", "sum", "attachment", "userFields"} |
// {"i", "ok": false, "code", "error"}]}.
import net from "node:net";
import { parseArgs } from "node:util";
import { encodeFrame, takeFrames, type Frame } from "./brpc-wire.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    calls: { type: "string", default: "1" },
    concurrency: { type: "string", default: "1" },
    service: { type: "string", default: "example.EchoService" },
    method: { type: "string", default: "Echo" },
    size: { type: "string", default: "16" },
    attachment: { type: "string", default: "0" },
    "user-field": { type: "string", multiple: true, default: [] },
  },
});
const calls = Number(values.calls);
const concurrency = Math.max(1, Number(values.concurrency));
const size = Number(values.size);
const userFields = Object.fromEntries(values["user-field"]!.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));

function request(i: number): Buffer {
  const payload = values.method === "Payload" ? Buffer.from(String(size)) : values.method === "Fail" ? Buffer.from(`failure ${i}`) : Buffer.alloc(size, i & 0xff);
  const attachment = Buffer.alloc(Number(values.attachment), 0x5a);
  const request = { serviceName: values.service!, methodName: values.method!, logId: i, requestId: `req-${i}` };
  return encodeFrame({ request, correlationId: 1000 + i, userFields }, payload, attachment);
}

function sum(b: Buffer): number {
  let s = 0;
  for (const x of b) s = (s + x) % 65521;
  return s;
}

const responses: Record<string, unknown>[] = new Array(calls);
let sent = 0;
let answered = 0;
const socket = net.connect(Number(values.port), "127.0.0.1");
let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
const sendMore = () => {
  while (sent < calls && sent - answered < concurrency) socket.write(request(sent++));
};
socket.on("connect", sendMore);
socket.on("data", (chunk) => {
  const { frames, rest } = takeFrames(Buffer.concat([pending, chunk]));
  pending = rest;
  for (const f of frames as Frame[]) {
    const i = Number(f.meta.correlationId) - 1000;
    const r = f.meta.response ?? {};
    responses[i] = r.errorCode
      ? { i, ok: false, code: r.errorCode, error: r.errorText }
      : { i, ok: true, bytes: f.payload.length, sum: sum(f.payload), attachment: f.attachment.length, userFields: f.meta.userFields ?? {} };
    answered++;
  }
  if (answered === calls) {
    const ok = responses.filter((r) => r.ok).length;
    process.stdout.write(JSON.stringify({ ok, failed: calls - ok, responses }) + "\n");
    process.exit(0);
  }
  sendMore();
});
socket.on("close", () => {
  console.error(`[brpc-client] connection closed after ${answered} of ${calls} answers`);
  process.exit(1);
});
setTimeout(() => {
  console.error(`[brpc-client] timed out after ${answered} of ${calls} answers`);
  process.exit(2);
}, 60_000).unref();
