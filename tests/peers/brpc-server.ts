// A bRPC (baidu_std) server for the tests, our own, written from the protocol's specification (no
// bRPC implementation is packaged; see brpc-wire.ts): service "example.EchoService" with Echo
// (payload, attachment and user_fields back), Payload (answers as many bytes as the decimal
// payload asks) and Fail (error_code EREQUEST); unknown services and methods get ENOSERVICE /
// ENOMETHOD, as brpc answers them.
//   node --import tsx tests/peers/brpc-server.ts     prints {"port": N}; exits when stdin closes
import { fstatSync } from "node:fs";
import net from "node:net";
import { ENOMETHOD, ENOSERVICE, EREQUEST, encodeFrame, takeFrames, type Frame } from "./brpc-wire.ts";

function answer(f: Frame): Buffer {
  const correlationId = f.meta.correlationId;
  const request = f.meta.request;
  const error = (errorCode: number, errorText: string) => encodeFrame({ response: { errorCode, errorText }, correlationId }, Buffer.alloc(0));
  if (!request || request.serviceName !== "example.EchoService") return error(ENOSERVICE, `Fail to find service=${request?.serviceName}`);
  switch (request.methodName) {
    case "Echo":
      return encodeFrame({ response: {}, correlationId, userFields: f.meta.userFields }, f.payload, f.attachment);
    case "Payload":
      return encodeFrame({ response: {}, correlationId }, Buffer.alloc(Number(f.payload.toString()), 0x61));
    case "Fail":
      return error(EREQUEST, f.payload.toString());
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
      if (frames.length > 0) socket.write(Buffer.concat(frames.map(answer)));
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
