// A bRPC (baidu_std) client (ours, see brpc-wire.ts) that sends a planned set of calls all at once
// on one connection to brpc-server.ts (its example.DelayService) and matches answers to calls by correlation_id:
//   node --import tsx tests/peers/brpc-plan-client.ts --port N
//     --plan '[{"method": "EchoAfter", "ms": 300, "text": "call-0"}, ...]'
// Prints {"responses": [{"i", "ok", "value" | "code" and "error", "arrival"}...]}; exits 1 if a
// call is answered twice or the connection closes first, 2 after 20 s without every answer.
import net from "node:net";
import { parseArgs } from "node:util";
import { encodeFrame, takeFrames } from "./brpc-wire.ts";

const { values } = parseArgs({ options: { port: { type: "string" }, plan: { type: "string" } } });
const plan: Array<{ method: string; ms: number; text: string }> = JSON.parse(values.plan!);
const FIRST_ID = 5000;

const responses: Array<Record<string, unknown>> = new Array(plan.length);
let answered = 0;
let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
const socket = net.connect(Number(values.port), "127.0.0.1", () => {
  const frames = plan.map((c, i) => {
    const request = { serviceName: "example.DelayService", methodName: c.method };
    return encodeFrame({ request, correlationId: FIRST_ID + i }, Buffer.from(JSON.stringify({ ms: c.ms, text: c.text })));
  });
  socket.write(Buffer.concat(frames));
});
const fail = (code: number, why: string) => {
  console.error(`[brpc-plan-client] ${why} (${answered} of ${plan.length} answered: ${JSON.stringify(responses)})`);
  process.exit(code);
};
socket.on("data", (chunk) => {
  const { frames, rest } = takeFrames(Buffer.concat([pending, chunk]));
  pending = rest;
  for (const f of frames) {
    const i = Number(f.meta.correlationId) - FIRST_ID;
    if (!(i >= 0 && i < plan.length) || responses[i]) fail(1, `unexpected answer for correlation_id ${String(f.meta.correlationId)}`);
    const r = f.meta.response ?? {};
    responses[i] = r.errorCode
      ? { i, ok: false, code: r.errorCode, error: r.errorText, arrival: answered }
      : { i, ok: true, value: f.payload.toString(), arrival: answered };
    answered++;
  }
  if (answered === plan.length) {
    process.stdout.write(JSON.stringify({ responses }) + "\n");
    process.exit(0);
  }
});
socket.on("close", () => fail(1, "connection closed"));
setTimeout(() => fail(2, "timed out"), 20_000).unref();
