// A bRPC (baidu_std) server whose answers wait as long as each call asks, so calls made later can
// be answered first on one connection; our own, from the protocol's specification like
// brpc-server.ts (see brpc-wire.ts). Service "example.DelayService"; the payload is JSON
// {"ms": N, "text": "..."}: EchoAfter answers the text, FailAfter the error EREQUEST with the text
// as error_text, Unrouted the text (a method name for routes not to match). Unknown
// services get ENOSERVICE at once, as brpc answers them (the module's probe relies on it).
//   node --import tsx tests/peers/brpc-delay-server.ts     prints {"port": N}; exits when stdin closes
import { fstatSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ENOMETHOD, ENOSERVICE, EREQUEST, encodeFrame, takeFrames, type Frame } from "./brpc-wire.ts";

async function answer(f: Frame): Promise<Buffer> {
  const correlationId = f.meta.correlationId;
  const request = f.meta.request;
  const error = (errorCode: number, errorText: string) => encodeFrame({ response: { errorCode, errorText }, correlationId }, Buffer.alloc(0));
  if (!request || request.serviceName !== "example.DelayService") return error(ENOSERVICE, `Fail to find service=${request?.serviceName}`);
  const { ms, text } = JSON.parse(f.payload.toString()) as { ms: number; text: string };
  await sleep(ms);
  switch (request.methodName) {
    case "EchoAfter":
    case "Unrouted":
      return encodeFrame({ response: {}, correlationId }, Buffer.from(text));
    case "FailAfter":
      return error(EREQUEST, text);
    default:
      return error(ENOMETHOD, `Fail to find method=${request.methodName}`);
  }
}

const server = net.createServer((socket) => {
  let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    try {
      const { frames, rest } = takeFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) void answer(f).then((reply) => socket.destroyed || socket.write(reply));
    } catch {
      socket.destroy();
    }
  });
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as net.AddressInfo).port }) + "\n");
});
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (fstatSync(0).isFIFO()) {
  process.stdin.on("end", stop);
  process.stdin.resume();
}
