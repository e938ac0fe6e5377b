// A real Thrift server: the official `thrift` npm package (0.24) serving thrift/echo.thrift.
//   node --import tsx tests/peers/thrift-server.ts [--protocol binary|compact] [--transport framed|buffered] [--multiplexed]
// Prints one JSON line {"port": N} once listening; exits when its stdin closes or on SIGTERM.
import { fstatSync } from "node:fs";
import { echoService, echoTypes, parseWire, thrift, wireClasses } from "./thrift-service.ts";

const wire = parseWire(process.argv.slice(2));
const Echo = echoService() as any;
const { EchoError } = echoTypes();
let notes = 0;

const handler = {
  hello: (name: string) => `Hello ${name}`,
  echo: (data: Buffer) => data,
  payload: (size: number) => Buffer.alloc(size, 0x61),
  notify: () => {
    notes++;
  },
  notified: () => notes,
  // async: the generated processor catches a rejected promise, not a synchronous throw.
  fail: async (message: string) => {
    throw new EchoError({ message });
  },
};

const options = { ...wireClasses(wire) };
let server;
if (wire.multiplexed) {
  const processor = new thrift.MultiplexedProcessor();
  processor.registerProcessor("Echo", new Echo.Processor(handler));
  server = thrift.createMultiplexServer(processor, options);
} else {
  server = thrift.createServer(Echo, handler, options);
}
server.on("error", (err: Error) => console.error(`[thrift-server] ${err.message}`));
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
const stop = () => process.exit(0);
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
if (fstatSync(0).isFIFO()) {
  process.stdin.on("end", stop);
  process.stdin.resume();
}
