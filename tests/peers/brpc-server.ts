// A bRPC (baidu_std) server for the tests, our own, written from the protocol's specification (no
// bRPC implementation is packaged; see brpc-wire.ts):
// - service "example.EchoService": Echo (payload, attachment and user_fields back), Payload
//   (answers as many bytes as the decimal payload asks) and Fail (error_code EREQUEST); the answers
//   to the frames of one read go back in one write;
// - service "example.DelayService", whose answers wait as long as each call asks, so calls made
//   later can be answered first on one connection: the payload is JSON {"ms": N, "text": "..."};
//   EchoAfter and Unrouted (a method name for routes not to match) answer the text, FailAfter the
//   error EREQUEST with the text as error_text.
// Unknown services and methods get ENOSERVICE / ENOMETHOD at once, as brpc answers them (the
// module's probe relies on it).
//   node --import tsx tests/peers/brpc-server.ts     prints {"port": N}; exits when stdin closes
import { fstatSync } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ENOMETHOD, ENOSERVICE, EREQUEST, encodeFrame, takeFrames, type Frame } from "./brpc-wire.ts";

function error(f: Frame, errorCode: number, errorText: string): Buffer {
  return encodeFrame({ response: { errorCode, errorText }, correlationId: f.meta.correlationId }, Buffer.alloc(0));
}

function echo(f: Frame, method: string): Buffer {
  const correlationId = f.meta.correlationId;
  switch (method) {
    case "Echo":
      return encodeFrame({ response: {}, correlationId, userFields: f.meta.userFields }, f.payload, f.attachment);
    case "Payload":
      return encodeFrame({ response: {}, correlationId }, Buffer.alloc(Number(f.payload.toString()), 0x61));
    case "Fail":
      return error(f, EREQUEST, f.payload.toString());
    default:
      return error(f, ENOMETHOD, `Fail to find method=${method}`);
  }
}

async function delayed(f: Frame, method: string): Promise<Buffer> {
  const { ms, text } = JSON.parse(f.payload.toString()) as { ms: number; text: string };
  await sleep(ms);
  switch (method) {
    case "EchoAfter":
    case "Unrouted":
      return encodeFrame({ response: {}, correlationId: f.meta.correlationId }, Buffer.from(text));
    case "FailAfter":
      return error(f, EREQUEST, text);
    default:
      return error(f, ENOMETHOD, `Fail to find method=${method}`);
  }
}

const server = net.createServer((socket) => {
  let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    try {
      const { frames, rest } = takeFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      const now: Buffer[] = [];
      for (const f of frames) {
        const service = f.meta.request?.serviceName;
        const method = f.meta.request?.methodName ?? "";
        if (service === "example.DelayService") void delayed(f, method).then((reply) => socket.destroyed || socket.write(reply));
        else if (service === "example.EchoService") now.push(echo(f, method));
        else now.push(error(f, ENOSERVICE, `Fail to find service=${service}`));
      }
      if (now.length > 0) socket.write(Buffer.concat(now));
    } catch {
      socket.destroy(); // not baidu_std: brpc closes the connection too
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
