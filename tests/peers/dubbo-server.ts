// A real Dubbo 2 (hessian2) provider: sofa-rpc-node's RpcServer speaking dubbo-remoting, with no
// registry. Run it as its own process: `node --import tsx tests/peers/dubbo-server.ts [port]`.
// Prints one JSON line {"port": N} once listening; exits on SIGTERM/SIGINT, or when its stdin pipe closes.
// Methods of DemoService:
// - sayHello(name) -> "Hello <name>"; echoBytes(bytes) -> bytes; payload(size) -> size bytes;
//   fail(message) -> an exception result (status 20, exception body);
// - echoAfter(ms, text) -> text, failAfter(ms, message) -> exception, unrouted(ms, text) -> text
//   (a method name for routes not to match): each waits `ms` first, so calls made later can be
//   answered first on one connection (out of order);
// - echoAttachments(name) -> the request's attachments as JSON (what the proxy wrote into the frame).
import { fstatSync } from "node:fs";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";

const require = createRequire(import.meta.url);
const { RpcServer } = require("sofa-rpc-node").server;
const protocol = require("dubbo-remoting");

export const DEMO_SERVICE = "org.apache.dubbo.samples.basic.api.DemoService";

// sofa-rpc-node logs every connection at info level, and planned failures as errors; keep stdout
// for the JSON line (the clients report every answer).
const quiet = { info() {}, warn() {}, debug() {}, error() {} };

interface Invocation {
  req: { data: { requestProps?: Record<string, unknown> } };
}

/** sofa-rpc-node calls a service method with the context this returns as `this`: the request, for echoAttachments. */
class AttachmentServer extends RpcServer {
  constructor(options: Record<string, unknown>) {
    super(options);
  }
  createContext(req: unknown): Invocation {
    return { req } as Invocation;
  }
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const server = new AttachmentServer({ logger: quiet, port, protocol });
  server.addService(
    { interfaceName: DEMO_SERVICE },
    {
      async sayHello(name: string) {
        return `Hello ${name}`;
      },
      async echoBytes(data: Buffer) {
        return data;
      },
      async payload(size: number) {
        return Buffer.alloc(size, 0x61);
      },
      async fail(message: string) {
        throw new Error(message);
      },
      async echoAfter(ms: number, text: string) {
        await sleep(ms);
        return text;
      },
      async failAfter(ms: number, message: string) {
        await sleep(ms);
        throw new Error(message);
      },
      async unrouted(ms: number, text: string) {
        await sleep(ms);
        return text;
      },
      async echoAttachments(this: Invocation, _name: string) {
        return JSON.stringify(this.req.data.requestProps ?? {});
      },
    },
  );
  await server.start();
  process.stdout.write(JSON.stringify({ port: server.publishPort }) + "\n");
  const stop = () => {
    server.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // A parent that spawned us with a stdin pipe stops us by closing it (also when it dies).
  if (fstatSync(0).isFIFO()) {
    process.stdin.on("end", stop);
    process.stdin.resume();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
